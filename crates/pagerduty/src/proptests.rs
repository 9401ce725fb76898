//! Property tests of everything that reads PagerDuty's answers: the success bodies
//! (`Reply::json` into the `wire` types, then `convert`) and the error bodies
//! (`errors::decode_error`). Whatever the server sends, the result is data or a
//! `ProviderError` (`Malformed` for a success body that cannot be used), never a panic,
//! and no message grows with the body. Part of the hostile-input pass (issue 7).
//!
//! Each property runs [`CASES`] cases (named in the test), so the module takes a few
//! seconds at most.

use chrono::{TimeZone, Utc};
use oncall_model::{AccountId, ProviderError};
use oncall_test_support::strategies::{
    any_json, assert_bounded_message, assert_malformed, echoed_headers, hostile_text, wrong_value,
};
use proptest::prelude::*;
use reqwest::header::{HeaderName, LOCATION, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::client::Reply;
use crate::{convert, errors, wire};

const CASES: u32 = 256;
const ME: &str = "PME0001";

fn reply(body: Vec<u8>) -> Reply {
    Reply {
        status: StatusCode::OK,
        body,
    }
}

/// Decodes `body` the way a poll does: the page, then every incident. Returns the
/// converted incidents when the page was usable.
fn poll_page(body: &[u8]) -> Result<Option<Vec<oncall_model::Incident>>, TestCaseError> {
    let page = match reply(body.to_vec()).json::<wire::IncidentPage>() {
        Ok(page) => page,
        Err(err) => {
            assert_malformed(&err)?;
            return Ok(None);
        }
    };
    let account = AccountId::new("work");
    let mut incidents = Vec::new();
    for wire in page.incidents {
        match convert::incident(&account, ME, wire) {
            Ok(incident) => incidents.push(incident),
            Err(err) => {
                assert_malformed(&err)?;
                return Ok(None);
            }
        }
    }
    Ok(Some(incidents))
}

/// Every other success body the client reads.
fn other_bodies(body: &[u8]) -> Result<(), TestCaseError> {
    match reply(body.to_vec()).json::<wire::UserEnvelope>() {
        Ok(envelope) => {
            if let Err(err) = convert::identity(envelope.user) {
                assert_malformed(&err)?;
            }
        }
        Err(err) => assert_malformed(&err)?,
    }
    match reply(body.to_vec()).json::<wire::OnCallPage>() {
        Ok(page) => page.oncalls.into_iter().for_each(|o| {
            convert::on_call_person(&o, ME);
            convert::shift(o);
        }),
        Err(err) => assert_malformed(&err)?,
    }
    if let Err(err) = reply(body.to_vec()).json::<wire::EscalationPolicyPage>() {
        assert_malformed(&err)?;
    }
    if let Err(err) = reply(body.to_vec()).json::<wire::IncidentEnvelope>() {
        assert_malformed(&err)?;
    }
    match reply(body.to_vec()).json::<wire::UserPage>() {
        Ok(page) => page.users.into_iter().for_each(|u| {
            convert::assignee(oncall_model::AssigneeKind::User, u.id, u.name, u.summary);
        }),
        Err(err) => assert_malformed(&err)?,
    }
    // The detail pane: each of its three answers, whatever the other two were.
    let notes = reply(body.to_vec()).json::<wire::NoteList>();
    let log = reply(body.to_vec()).json::<wire::LogEntryPage>();
    let alerts = reply(body.to_vec()).json::<wire::AlertPage>();
    for err in [
        notes.as_ref().err(),
        log.as_ref().err(),
        alerts.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    {
        assert_malformed(err)?;
    }
    if let (Ok(notes), Ok(log), Ok(alerts)) = (notes, log, alerts) {
        let details = convert::details(notes, log, alerts, 25);
        prop_assert!(details.notes.len() <= 25 && details.log.len() <= 25);
    }
    match reply(body.to_vec()).json::<Vec<wire::OverrideOutcome>>() {
        Ok(outcomes) => {
            let request = oncall_model::CoverRequest {
                schedule_id: "PS1".into(),
                start: Utc.with_ymd_and_hms(2025, 3, 9, 12, 0, 0).unwrap(),
                end: Utc.with_ymd_and_hms(2025, 3, 9, 14, 0, 0).unwrap(),
            };
            match convert::schedule_override(&request, outcomes) {
                Ok(_) => {}
                Err(ProviderError::Rejected { message, .. }) => assert_bounded_message(&message)?,
                Err(err) => assert_malformed(&err)?,
            }
        }
        Err(err) => assert_malformed(&err)?,
    }
    Ok(())
}

/// Error bodies, for every status class: never a panic, never an empty or unbounded
/// message.
fn error_bodies(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    let rate_limit_reset = HeaderName::from_static("ratelimit-reset");
    let headers = echoed_headers(body, &[LOCATION, rate_limit_reset, RETRY_AFTER]);
    let now = Utc.with_ymd_and_hms(2025, 3, 9, 12, 0, 0).unwrap();
    let err = errors::decode_error(status, &headers, body, now);
    let message = err.to_string();
    assert_bounded_message(&message)?;
    if let ProviderError::RateLimited {
        retry_after: Some(wait),
    } = err
    {
        prop_assert!(wait <= errors::MAX_RETRY_AFTER);
    }
    Ok(())
}

/// Field names PagerDuty uses, so generated objects reach the typed fields.
const FIELD_NAMES: &[&str] = &[
    "incidents",
    "incident",
    "notes",
    "content",
    "log_entries",
    "alerts",
    "users",
    "teams",
    "more",
    "limit",
    "oncalls",
    "escalation_policies",
    "override",
    "start",
    "end",
    "user",
    "id",
    "status",
    "title",
    "summary",
    "urgency",
    "created_at",
    "assignments",
    "assignee",
    "at",
    "service",
    "priority",
    "error",
    "message",
    "errors",
    "code",
];

/// A page PagerDuty could send: two incidents with the same id, one assigned to me.
fn valid_page() -> Value {
    let incident = json!({
        "id": "PT4KHLK", "incident_number": 1234, "title": "The server is on fire.",
        "summary": "[#1234] The server is on fire.", "status": "triggered", "urgency": "high",
        "created_at": "2015-10-06T21:30:42Z", "updated_at": "2015-10-06T21:40:23Z",
        "last_status_change_at": "2015-10-06T21:38:23Z",
        "html_url": "https://subdomain.pagerduty.com/incidents/PT4KHLK",
        "service": {"id": "PIJ90N7", "summary": "My Mail Service"},
        "assignments": [{"at": "2015-11-10T00:31:52Z", "assignee": {"id": ME, "summary": "Pat"}}],
        "escalation_policy": {"id": "PT20YPA", "summary": "Default"},
        "priority": {"summary": "P1", "name": "P1"}
    });
    json!({"incidents": [incident.clone(), incident], "limit": 100, "more": false})
}

const INCIDENT_FIELDS: &[&str] = &[
    "id",
    "incident_number",
    "title",
    "summary",
    "status",
    "urgency",
    "created_at",
    "updated_at",
    "last_status_change_at",
    "html_url",
    "service",
    "assignments",
    "escalation_policy",
    "priority",
];

/// A mutation of [`valid_page`]: one field of one incident, or of the envelope.
#[derive(Debug, Clone)]
enum Mutation {
    Incident {
        index: usize,
        field: &'static str,
        value: Value,
    },
    Remove {
        index: usize,
        field: &'static str,
    },
    Envelope {
        field: &'static str,
        value: Value,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (0..2usize, prop::sample::select(INCIDENT_FIELDS), wrong_value(FIELD_NAMES))
            .prop_map(|(index, field, value)| Mutation::Incident { index, field, value }),
        1 => (0..2usize, prop::sample::select(INCIDENT_FIELDS))
            .prop_map(|(index, field)| Mutation::Remove { index, field }),
        1 => (prop::sample::select(vec!["incidents", "limit", "more"]), wrong_value(FIELD_NAMES))
            .prop_map(|(field, value)| Mutation::Envelope { field, value }),
    ]
}

fn apply(page: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Incident {
            index,
            field,
            value,
        } => {
            if let Some(object) = incident_mut(page, *index) {
                object.insert((*field).to_owned(), value.clone());
            }
        }
        Mutation::Remove { index, field } => {
            if let Some(object) = incident_mut(page, *index) {
                object.remove(*field);
            }
        }
        Mutation::Envelope { field, value } => page[*field] = value.clone(),
    }
}

/// The `index`th incident of a page, if the page still has one there.
fn incident_mut(page: &mut Value, index: usize) -> Option<&mut serde_json::Map<String, Value>> {
    page.get_mut("incidents")?.get_mut(index)?.as_object_mut()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// 256 arbitrary byte strings through every decoder.
    #[test]
    fn arbitrary_bytes_256_cases(
        body in prop::collection::vec(any::<u8>(), 0..1024),
        status in 0u16..1000,
    ) {
        poll_page(&body)?;
        other_bodies(&body)?;
        error_bodies(status, &body)?;
    }

    /// 256 arbitrary JSON values, alone and as the page's incidents.
    #[test]
    fn arbitrary_json_256_cases(value in any_json(FIELD_NAMES), status in 0u16..1000) {
        let body = serde_json::to_vec(&value).unwrap();
        poll_page(&body)?;
        other_bodies(&body)?;
        error_bodies(status, &body)?;
        let wrapped = json!({"incidents": [value.clone()], "more": false});
        poll_page(&serde_json::to_vec(&wrapped).unwrap())?;
        let error = json!({"error": value});
        error_bodies(status, &serde_json::to_vec(&error).unwrap())?;
    }

    /// 256 valid pages with one to three fields made wrong. A title that survives
    /// comes through as `display_text` shows it: markup stays data (escaping it is the
    /// notifier's job), controls and bidi overrides are gone.
    #[test]
    fn mutated_valid_page_256_cases(
        mutations in prop::collection::vec(mutation(), 1..4),
        title in hostile_text(),
    ) {
        let mut page = valid_page();
        page["incidents"][0]["title"] = json!(title);
        for m in &mutations {
            apply(&mut page, m);
        }
        let title_kept = page["incidents"][0]["title"] == json!(title);
        if let Some(incidents) = poll_page(&serde_json::to_vec(&page).unwrap())? {
            let shown = oncall_model::display_text(&title);
            if title_kept && !shown.trim().is_empty() {
                prop_assert_eq!(&incidents[0].title, &shown);
            }
        }
    }

    /// 256 error bodies with long server text: the message stays short.
    #[test]
    fn long_error_text_is_cut_256_cases(
        text in ".{0,200}",
        repeat in 1usize..200,
        status in 300u16..600,
    ) {
        let long = text.repeat(repeat);
        for body in [
            json!({"error": {"code": 2001, "message": long, "errors": [long, long]}}),
            json!({"error": long}),
        ] {
            error_bodies(status, &serde_json::to_vec(&body).unwrap())?;
        }
        error_bodies(status, long.as_bytes())?;
    }
}

/// serde_json's recursion limit (128) turns deep nesting into an error; without it the
/// decoder would overflow the stack.
#[test]
fn deeply_nested_json_is_malformed_not_a_stack_overflow() {
    for depth in [10_000, 100_000] {
        let open = "[".repeat(depth);
        let bodies = [
            open.clone(),
            format!(r#"{{"incidents": {open}"#),
            format!(
                r#"{{"incidents": [{{"id": "P1", "service": {}"#,
                "{\"a\":".repeat(depth)
            ),
        ];
        for body in bodies {
            poll_page(body.as_bytes()).unwrap();
            other_bodies(body.as_bytes()).unwrap();
            for status in [302, 400, 401, 429, 500, 600] {
                error_bodies(status, body.as_bytes()).unwrap();
            }
            let err = reply(body.into_bytes())
                .json::<wire::IncidentPage>()
                .unwrap_err();
            assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");
        }
    }
}

/// Both copies of a duplicated id decode and convert to the same key: the poll's
/// de-duplication (`seen`, by id, in `open_incidents`) then keeps one.
#[test]
fn duplicated_ids_in_one_page_convert_to_the_same_key() {
    let incidents = poll_page(&serde_json::to_vec(&valid_page()).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(incidents.len(), 2);
    assert_eq!(incidents[0].key, incidents[1].key);
}

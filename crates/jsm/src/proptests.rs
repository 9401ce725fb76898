//! Property tests of everything that reads JSM's answers: the alert list (`Reply::json`
//! into the `wire` types, `list::add_unseen` across pages, then `convert::incident`), the
//! action, request-status, tenant, identity, schedule and override bodies, and the error
//! bodies (`errors::decode_error`). Whatever the server sends, the result is data or a
//! `ProviderError` (`Malformed` for a success body that cannot be used), never a panic,
//! and no message grows with the body.
//!
//! Each property runs [`CASES`] cases (named in the test), so the module takes a few
//! seconds at most.

use std::collections::HashSet;

use oncall_model::{AccountId, Incident};
use oncall_test_support::strategies::{
    any_json, assert_bounded_message, assert_malformed, echoed_headers, hostile_text, wrong_value,
};
use proptest::prelude::*;
use reqwest::header::{LOCATION, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};
use url::Url;

use crate::convert::{self, Episodes};
use crate::errors;
use crate::http::Reply;
use crate::provider::list::add_unseen;
use crate::provider::schedules;
use crate::wire::{self, Accepted, Alert, Page, RequestStatus};

const CASES: u32 = 256;

fn reply(body: &[u8]) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: body.to_vec(),
    }
}

/// Decodes pages the way a poll does, then converts the open alerts. `None` when a
/// page was refused (as `Malformed`).
fn poll(pages: &[&[u8]]) -> Result<Option<Vec<Incident>>, TestCaseError> {
    let mut alerts = Vec::new();
    let mut seen = HashSet::new();
    for body in pages {
        match reply(body).json::<Page<Alert>>() {
            Ok(page) => add_unseen(&mut alerts, &mut seen, page.values),
            Err(err) => return assert_malformed(&err).map(|()| None),
        }
    }
    let account = AccountId::new("jsm");
    let site = Url::parse("https://acme.atlassian.net/").unwrap();
    let high = ["P1".to_owned(), "P2".to_owned()];
    let mut episodes = Episodes::default();
    let incidents: Vec<Incident> = alerts
        .iter()
        .filter_map(|a| convert::incident(&account, &site, a, &high, &mut episodes))
        .collect();
    let ids: HashSet<&str> = incidents.iter().map(|i| i.key.id.as_str()).collect();
    prop_assert_eq!(ids.len(), incidents.len(), "an alert listed twice");
    prop_assert!(incidents.iter().all(|i| i
        .web_url
        .as_deref()
        .is_none_or(|u| u.starts_with("https://acme.atlassian.net/jira/ops/alerts/"))));
    Ok(Some(incidents))
}

/// Every other success body the client reads.
fn other_bodies(body: &[u8]) -> Result<(), TestCaseError> {
    match reply(body).json::<wire::ScheduleTimeline>() {
        Ok(timeline) => {
            let now =
                chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2024, 5, 1, 9, 0, 0).unwrap();
            let (shifts, entry) = schedules::timeline_views(timeline, now);
            prop_assert!(shifts.iter().all(|s| s.start < s.end && s.end > Some(now)));
            prop_assert!(entry.now.iter().all(|p| p.start <= Some(now)));
            prop_assert!(entry.next.iter().all(|p| p.start > Some(now)));
        }
        Err(err) => assert_malformed(&err)?,
    }
    for decoded in [
        reply(body).json::<Accepted>().map(drop),
        reply(body).json::<RequestStatus>().map(drop),
        reply(body).json::<wire::TenantInfo>().map(drop),
        reply(body).json::<wire::Myself>().map(drop),
        reply(body).json::<Page<wire::Schedule>>().map(drop),
        reply(body).json::<wire::OverrideCreated>().map(drop),
    ] {
        if let Err(err) = decoded {
            assert_malformed(&err)?;
        }
    }
    Ok(())
}

/// Error bodies, for every status: never a panic, never an empty or unbounded message.
fn error_bodies(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    let headers = echoed_headers(body, &[LOCATION, RETRY_AFTER]);
    let message = errors::decode_error(status, &headers, body).to_string();
    assert_bounded_message(&message)?;
    Ok(())
}

/// Field names JSM uses, so generated objects reach the typed fields.
const FIELD_NAMES: &[&str] = &[
    "values",
    "links",
    "next",
    "id",
    "tinyId",
    "message",
    "status",
    "acknowledged",
    "snoozed",
    "snoozedUntil",
    "createdAt",
    "updatedAt",
    "source",
    "owner",
    "priority",
    "tags",
    "report",
    "ackTime",
    "requestId",
    "isSuccess",
    "finalTimeline",
    "rotations",
    "periods",
    "startDate",
    "endDate",
    "responder",
    "recipient",
    "name",
    "type",
    "enabled",
    "alias",
    "cloudId",
    "accountId",
    "displayName",
    "errorMessages",
    "errors",
    "title",
];

/// One open alert as `GET …/v1/alerts` lists it.
fn alert(id: &str) -> Value {
    json!({
        "id": id, "tinyId": "42", "alias": "disk-db1", "message": "Disk full on db1",
        "status": "open", "acknowledged": false, "isSeen": false, "snoozed": false,
        "createdAt": "2024-05-01T09:00:00.000Z", "updatedAt": "2024-05-01T09:00:00.000Z",
        "source": "10.0.0.7", "owner": "pat@example.com", "priority": "P2",
        "tags": ["db"], "report": {"ackTime": 0}
    })
}

const ALERT_FIELDS: &[&str] = &[
    "id",
    "tinyId",
    "message",
    "status",
    "acknowledged",
    "snoozed",
    "snoozedUntil",
    "createdAt",
    "updatedAt",
    "source",
    "owner",
    "priority",
    "tags",
    "report",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// 256 arbitrary byte strings through every decoder.
    #[test]
    fn arbitrary_bytes_256_cases(
        body in prop::collection::vec(any::<u8>(), 0..1024),
        status in 0u16..1000,
    ) {
        poll(&[&body])?;
        other_bodies(&body)?;
        error_bodies(status, &body)?;
    }

    /// 256 arbitrary JSON values, alone and as list entries.
    #[test]
    fn arbitrary_json_256_cases(value in any_json(FIELD_NAMES), status in 0u16..1000) {
        let body = serde_json::to_vec(&value).unwrap();
        poll(&[&body])?;
        let listed = serde_json::to_vec(&json!({"values": [value], "links": {"next": value}})).unwrap();
        poll(&[&listed])?;
        other_bodies(&body)?;
        other_bodies(&serde_json::to_vec(&json!({"finalTimeline": value})).unwrap())?;
        error_bodies(status, &body)?;
    }

    /// 256 valid two-page lists (the second page repeats an alert of the first) with one
    /// to three fields made wrong. Each alert is listed once, and a message that
    /// survives is the title as `display_text` shows it.
    #[test]
    fn mutated_valid_pages_256_cases(
        mutations in prop::collection::vec(
            (0..3usize, prop::sample::select(ALERT_FIELDS), prop::option::weighted(0.8, wrong_value(FIELD_NAMES))),
            1..4,
        ),
        message in hostile_text(),
    ) {
        let mut alerts = [alert("a1"), alert("b2"), alert("a1")];
        alerts[1]["message"] = json!(message);
        for (index, field, value) in &mutations {
            let object = alerts[*index].as_object_mut().unwrap();
            match value {
                Some(value) => object.insert((*field).to_owned(), value.clone()),
                None => object.remove(*field),
            };
        }
        let message_kept = alerts[1]["message"] == json!(message)
            && alerts[1]["id"] == json!("b2")
            && alerts[1]["status"] == json!("open");
        let first = json!({"values": [alerts[0], alerts[1]], "links": {"next": "/v1/alerts?offset=2"}});
        let second = json!({"values": [alerts[2]]});
        let incidents = poll(&[
            &serde_json::to_vec(&first).unwrap(),
            &serde_json::to_vec(&second).unwrap(),
        ])?;
        if let (Some(incidents), true) = (incidents, message_kept) {
            let shown = oncall_model::display_text(&message);
            if !shown.trim().is_empty() {
                if let Some(b2) = incidents.iter().find(|i| i.key.id == "b2") {
                    prop_assert_eq!(&b2.title, &shown);
                }
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
        error_bodies(status, &serde_json::to_vec(&json!({"message": long})).unwrap())?;
        error_bodies(status, &serde_json::to_vec(&json!({"errors": [{"title": long}]})).unwrap())?;
        error_bodies(status, long.as_bytes())?;
    }
}

/// serde_json's recursion limit (128) turns deep nesting into an error; without it the
/// decoder would overflow the stack.
#[test]
fn deeply_nested_json_is_malformed_not_a_stack_overflow() {
    for depth in [10_000, 100_000] {
        let bodies = [
            "[".repeat(depth),
            format!(
                r#"{{"values": [{{"id": "a1", "report": {}"#,
                "{\"a\":".repeat(depth)
            ),
        ];
        for body in bodies {
            assert_eq!(poll(&[body.as_bytes()]).unwrap(), None);
            other_bodies(body.as_bytes()).unwrap();
            for status in [302, 400, 401, 429, 500, 600] {
                error_bodies(status, body.as_bytes()).unwrap();
            }
        }
    }
}

/// The same alert on two pages (or twice on one) is one incident.
#[test]
fn duplicated_ids_across_and_within_pages_are_listed_once() {
    let first = json!({"values": [alert("a1"), alert("b2"), alert("a1")]});
    let second = json!({"values": [alert("b2"), alert("c3")]});
    let incidents = poll(&[
        &serde_json::to_vec(&first).unwrap(),
        &serde_json::to_vec(&second).unwrap(),
    ])
    .unwrap()
    .unwrap();
    let ids: Vec<&str> = incidents.iter().map(|i| i.key.id.as_str()).collect();
    assert_eq!(ids, ["a1", "b2", "c3"]);
}

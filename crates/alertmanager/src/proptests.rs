//! Property tests of everything that reads Alertmanager's answers: the alert and silence
//! lists (`Reply::json` into the `wire` types, then `provider::listed`, which classifies,
//! converts and de-duplicates), the other success bodies, and the error bodies
//! (`errors::decode_error`). Whatever the server sends, the result is data or a
//! `ProviderError` (`Malformed` for a success body that cannot be used), never a panic,
//! and no message grows with the body. Part of the hostile-input pass (issue 7).
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

use crate::client::Reply;
use crate::convert::Settings;
use crate::provider::{listed, Snapshot};
use crate::upkeep::{self, AckLimits, Step};
use crate::{errors, wire};

const CASES: u32 = 256;
const CREATED_BY: &str = "oncall-tray (pat)";

fn reply(body: &[u8]) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: body.to_vec(),
    }
}

/// Decodes the two lists the way a poll does and lists the incidents. `None` when a
/// body was refused (as `Malformed`).
fn poll(alerts: &[u8], silences: &[u8]) -> Result<Option<Vec<Incident>>, TestCaseError> {
    let alerts: Vec<wire::Alert> = match reply(alerts).json() {
        Ok(alerts) => alerts,
        Err(err) => return assert_malformed(&err).map(|()| None),
    };
    let silences: Vec<wire::Silence> = match reply(silences).json() {
        Ok(silences) => silences,
        Err(err) => return assert_malformed(&err).map(|()| None),
    };
    let account = AccountId::new("lab");
    let base = Url::parse("http://127.0.0.1:9093/").unwrap();
    let severity_high = ["critical".to_owned(), "page".to_owned()];
    let settings = Settings {
        account: &account,
        base: &base,
        severity_high: &severity_high,
    };
    let snapshot = Snapshot { alerts, silences };
    let incidents = listed(&snapshot, CREATED_BY, &settings);
    let ids: HashSet<&str> = incidents.iter().map(|i| i.key.id.as_str()).collect();
    prop_assert_eq!(ids.len(), incidents.len(), "a fingerprint listed twice");
    upkeep_stays_in_bounds(&snapshot)?;
    Ok(Some(incidents))
}

/// Whatever the lists hold, a poll's upkeep touches only our active silences, and
/// extends one only later than it ends and never past its acknowledgement's limit.
fn upkeep_stays_in_bounds(snapshot: &Snapshot) -> Result<(), TestCaseError> {
    let limits = AckLimits::new(
        chrono::Duration::hours(2),
        chrono::Duration::hours(24),
        chrono::Duration::seconds(15),
    );
    // Half an hour before the example silence ends: due for an extension.
    let now = "2024-05-01T13:30:00Z"
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    for step in upkeep::plan(snapshot, CREATED_BY, &limits, &HashSet::new(), now) {
        let silence = match step {
            Step::Extend { silence, until } => {
                prop_assert!(until > silence.ends_at && until > now);
                prop_assert!(until <= crate::ack::acknowledged_at(silence) + limits.max);
                silence
            }
            Step::Check { silence } => silence,
        };
        prop_assert!(silence.status.state == "active");
        prop_assert!(crate::ack::is_ours(silence, CREATED_BY));
    }
    Ok(())
}

/// Every other success body the client reads.
fn other_bodies(body: &[u8]) -> Result<(), TestCaseError> {
    if let Err(err) = reply(body).json::<wire::Status>() {
        assert_malformed(&err)?;
    }
    if let Err(err) = reply(body).json::<wire::SilenceCreated>() {
        assert_malformed(&err)?;
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

/// Field names Alertmanager uses, so generated objects reach the typed fields.
const FIELD_NAMES: &[&str] = &[
    "fingerprint",
    "labels",
    "annotations",
    "startsAt",
    "endsAt",
    "receivers",
    "generatorURL",
    "status",
    "silencedBy",
    "inhibitedBy",
    "mutedBy",
    "id",
    "matchers",
    "createdBy",
    "comment",
    "state",
    "versionInfo",
    "uptime",
    "silenceID",
    "message",
    "code",
];

/// One alert as Alertmanager 0.25+ lists it.
fn alert(fingerprint: &str) -> Value {
    json!({
        "fingerprint": fingerprint,
        "labels": {"alertname": "DiskFull", "instance": "db1:9100", "job": "node",
                   "severity": "critical"},
        "annotations": {"summary": "Disk full on db1"},
        "startsAt": "2024-05-01T10:00:00.000Z", "endsAt": "2024-05-01T11:00:00.000Z",
        "updatedAt": "2024-05-01T10:00:30.000Z",
        "receivers": [{"name": "team"}],
        "generatorURL": "http://prometheus:9090/graph",
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []}
    })
}

/// Our acknowledgement of `alert("a1")`.
fn silence() -> Value {
    json!({
        "id": "s1",
        "matchers": [
            {"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true},
            {"name": "instance", "value": "db1:9100", "isRegex": false},
            {"name": "job", "value": "node", "isRegex": false},
            {"name": "severity", "value": "critical", "isRegex": false}
        ],
        "startsAt": "2024-05-01T10:01:00Z", "endsAt": "2024-05-01T14:01:00Z",
        "createdBy": CREATED_BY, "comment": crate::ack::ACK_COMMENT,
        "status": {"state": "active"}
    })
}

const ALERT_FIELDS: &[&str] = &[
    "fingerprint",
    "labels",
    "annotations",
    "startsAt",
    "receivers",
    "generatorURL",
    "status",
];
const SILENCE_FIELDS: &[&str] = &[
    "id",
    "matchers",
    "startsAt",
    "endsAt",
    "createdBy",
    "comment",
    "status",
];

/// One wrong field: `(in the silence list, index, field, value or removal)`.
fn mutation() -> impl Strategy<Value = (bool, usize, &'static str, Option<Value>)> {
    prop_oneof![
        3 => (0..3usize, prop::sample::select(ALERT_FIELDS), prop::option::weighted(0.8, wrong_value(FIELD_NAMES)))
            .prop_map(|(i, f, v)| (false, i, f, v)),
        1 => (prop::sample::select(SILENCE_FIELDS), prop::option::weighted(0.8, wrong_value(FIELD_NAMES)))
            .prop_map(|(f, v)| (true, 0, f, v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// 256 arbitrary byte strings through every decoder.
    #[test]
    fn arbitrary_bytes_256_cases(
        body in prop::collection::vec(any::<u8>(), 0..1024),
        status in 0u16..1000,
    ) {
        poll(&body, b"[]")?;
        poll(b"[]", &body)?;
        other_bodies(&body)?;
        error_bodies(status, &body)?;
    }

    /// 256 arbitrary JSON values, alone and as list entries.
    #[test]
    fn arbitrary_json_256_cases(value in any_json(FIELD_NAMES), status in 0u16..1000) {
        let body = serde_json::to_vec(&value).unwrap();
        poll(&body, &body)?;
        let listed = serde_json::to_vec(&json!([value])).unwrap();
        poll(&listed, b"[]")?;
        poll(b"[]", &listed)?;
        other_bodies(&body)?;
        error_bodies(status, &body)?;
    }

    /// 256 valid lists (three alerts, two sharing a fingerprint, one acknowledged by
    /// us) with one to three fields made wrong. Each fingerprint is listed once, and a
    /// summary that survives is the title as `display_text` shows it: markup stays data
    /// (escaping it is the notifier's job), controls and bidi overrides are gone.
    #[test]
    fn mutated_valid_lists_256_cases(
        mutations in prop::collection::vec(mutation(), 1..4),
        summary in hostile_text(),
    ) {
        let mut alerts = json!([alert("a1"), alert("a1"), alert("b2")]);
        alerts[2]["annotations"]["summary"] = json!(summary);
        let mut silences = json!([silence()]);
        for (in_silences, index, field, value) in &mutations {
            let list = if *in_silences { &mut silences } else { &mut alerts };
            let object = list[*index].as_object_mut().unwrap();
            match value {
                Some(value) => object.insert((*field).to_owned(), value.clone()),
                None => object.remove(*field),
            };
        }
        let summary_kept = alerts[2]["annotations"]["summary"] == json!(summary)
            && alerts[2]["fingerprint"] == json!("b2");
        let incidents = poll(
            &serde_json::to_vec(&alerts).unwrap(),
            &serde_json::to_vec(&silences).unwrap(),
        )?;
        if let (Some(incidents), true) = (incidents, summary_kept) {
            let shown = oncall_model::display_text(&summary);
            if !shown.trim().is_empty() {
                if let Some(b2) = incidents.iter().find(|i| i.key.id == "b2") {
                    prop_assert_eq!(&b2.title, shown.trim());
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
        for body in [json!({"code": 602, "message": long}), json!(long)] {
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
            format!(
                r#"[{{"fingerprint": "a1", "labels": {}"#,
                "{\"a\":".repeat(depth)
            ),
        ];
        for body in bodies {
            assert_eq!(poll(body.as_bytes(), b"[]").unwrap(), None);
            assert_eq!(poll(b"[]", body.as_bytes()).unwrap(), None);
            other_bodies(body.as_bytes()).unwrap();
            for status in [302, 400, 401, 429, 500, 600] {
                error_bodies(status, body.as_bytes()).unwrap();
            }
        }
    }
}

/// The same fingerprint twice in one list is one incident.
#[test]
fn duplicated_fingerprints_in_one_list_are_listed_once() {
    let alerts = json!([alert("a1"), alert("b2"), alert("a1")]);
    let incidents = poll(&serde_json::to_vec(&alerts).unwrap(), b"[]")
        .unwrap()
        .unwrap();
    let ids: Vec<&str> = incidents.iter().map(|i| i.key.id.as_str()).collect();
    assert_eq!(ids, ["a1", "b2"]);
}

//! Property tests of everything that reads Grafana OnCall's answers: the two alert group
//! lists (`Reply::json` into the `wire` types, `provider::add_unseen`, then
//! `convert::incident`), the user, resolution note, schedule and final-shift bodies (and
//! the views made of them), and the error bodies (`errors::decode_error`). Whatever the
//! server sends, the result is data or a `ProviderError` (`Malformed` for a success body
//! that cannot be used), never a panic, and no message grows with the body.
//!
//! Each property runs [`CASES`] cases (named in the test).

use std::collections::HashSet;

use chrono::{DateTime, TimeZone, Utc};
use oncall_model::{AccountId, Incident, Status};
use oncall_test_support::strategies::{
    any_json, assert_bounded_message, assert_malformed, echoed_headers, hostile_text, wrong_value,
};
use proptest::prelude::*;
use reqwest::header::{LOCATION, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::convert::{self, Episodes};
use crate::errors;
use crate::http::Reply;
use crate::provider::add_unseen;
use crate::provider::schedules::{my_shifts_in, rota_of, Rendered};
use crate::wire::{AlertGroup, FinalShift, Page, ResolutionNote, Schedule, User};

const CASES: u32 = 256;

fn reply(body: &[u8]) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: body.to_vec(),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
}

/// Decodes the `state=new` and `state=acknowledged` pages as a poll does, then converts.
/// `None` when a page was refused (as `Malformed`).
fn poll(pages: &[&[u8]]) -> Result<Option<Vec<Incident>>, TestCaseError> {
    let mut groups = Vec::new();
    let mut seen = HashSet::new();
    for (n, body) in pages.iter().enumerate() {
        match reply(body).json::<Page<AlertGroup>>() {
            Ok(page) => {
                let listed = [Status::Triggered, Status::Acknowledged][n.min(1)];
                add_unseen(&mut groups, &mut seen, page.results, listed);
            }
            Err(err) => return assert_malformed(&err).map(|()| None),
        }
    }
    let account = AccountId::new("irm");
    let mut episodes = Episodes::default();
    let incidents: Vec<Incident> = groups
        .iter()
        .filter_map(|(g, listed)| convert::incident(&account, g, *listed, &mut episodes, now()))
        .collect();
    let ids: HashSet<&str> = incidents.iter().map(|i| i.key.id.as_str()).collect();
    prop_assert_eq!(ids.len(), incidents.len(), "a group listed twice");
    for incident in &incidents {
        prop_assert!(!incident.title.trim().is_empty());
        prop_assert!(incident.status_changed_at >= incident.created_at);
    }
    Ok(Some(incidents))
}

/// Every other success body the client reads.
fn other_bodies(body: &[u8]) -> Result<(), TestCaseError> {
    let decoded = [
        reply(body).json::<User>().map(drop),
        reply(body).json::<ResolutionNote>().map(drop),
        reply(body).json::<AlertGroup>().map(drop),
    ];
    for result in decoded {
        if let Err(err) = result {
            assert_malformed(&err)?;
        }
    }
    let schedules = reply(body).json::<Page<Schedule>>();
    let shifts = reply(body).json::<Page<FinalShift>>();
    match (schedules, shifts) {
        (Ok(schedules), Ok(shifts)) => {
            for schedule in schedules.results {
                let rendered = Rendered {
                    schedule,
                    shifts: shifts.results.clone(),
                };
                let mine = my_shifts_in(&rendered, "U1", now());
                prop_assert!(mine.iter().all(|s| s.start < s.end && s.end > Some(now())));
                if let Some(entry) = rota_of(&rendered, "U1", now()) {
                    prop_assert!(entry.now.iter().all(|p| p.start.is_none_or(|s| s <= now())));
                    prop_assert!(entry.next.iter().all(|p| p.start > Some(now())));
                }
            }
        }
        (Err(err), _) | (_, Err(err)) => assert_malformed(&err)?,
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

/// Field names the API uses, so generated objects reach the typed fields.
const FIELD_NAMES: &[&str] = &[
    "count",
    "next",
    "results",
    "id",
    "integration_id",
    "state",
    "created_at",
    "acknowledged_at",
    "silenced_at",
    "title",
    "permalinks",
    "web",
    "email",
    "username",
    "name",
    "on_call_now",
    "user_pk",
    "user_username",
    "user_email",
    "shift_start",
    "shift_end",
    "detail",
];

/// One open alert group as the list gives it.
fn group(id: &str) -> Value {
    json!({
        "id": id, "integration_id": "CFRPV98RPR1U8", "route_id": "R1", "alerts_count": 1,
        "state": "new", "created_at": "2024-05-01T08:00:00.123456Z", "resolved_at": null,
        "acknowledged_at": null, "acknowledged_by": null, "resolved_by": null,
        "title": "Memory above 90%", "silenced_at": null,
        "permalinks": {"slack": null, "telegram": null, "web": "https://grafana.example/a/x"}
    })
}

const GROUP_FIELDS: &[&str] = &[
    "id",
    "integration_id",
    "state",
    "created_at",
    "acknowledged_at",
    "silenced_at",
    "title",
    "permalinks",
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
        let listed = serde_json::to_vec(&json!({"results": [value], "next": value})).unwrap();
        poll(&[&listed, &listed])?;
        other_bodies(&body)?;
        other_bodies(&listed)?;
        error_bodies(status, &body)?;
    }

    /// 256 valid pairs of lists (the second repeats a group of the first) with one to
    /// three fields made wrong. Each group is listed once, and a title that survives is
    /// as `display_text` shows it.
    #[test]
    fn mutated_valid_pages_256_cases(
        mutations in prop::collection::vec(
            (0..3usize, prop::sample::select(GROUP_FIELDS), prop::option::weighted(0.8, wrong_value(FIELD_NAMES))),
            1..4,
        ),
        title in hostile_text(),
    ) {
        let mut groups = [group("I1"), group("I2"), group("I1")];
        groups[1]["title"] = json!(title);
        for (index, field, value) in &mutations {
            let object = groups[*index].as_object_mut().unwrap();
            match value {
                Some(value) => object.insert((*field).to_owned(), value.clone()),
                None => object.remove(*field),
            };
        }
        let title_kept = groups[1]["title"] == json!(title) && groups[1]["id"] == json!("I2");
        let new = json!({"count": 2, "next": null, "results": [groups[0], groups[1]]});
        let acknowledged = json!({"count": 1, "next": null, "results": [groups[2]]});
        let incidents = poll(&[
            &serde_json::to_vec(&new).unwrap(),
            &serde_json::to_vec(&acknowledged).unwrap(),
        ])?;
        if let (Some(incidents), true) = (incidents, title_kept) {
            let shown = oncall_model::display_text(&title);
            if !shown.trim().is_empty() {
                if let Some(i2) = incidents.iter().find(|i| i.key.id == "I2") {
                    prop_assert_eq!(&i2.title, &shown);
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
        error_bodies(status, &serde_json::to_vec(&json!({"detail": long})).unwrap())?;
        error_bodies(status, &serde_json::to_vec(&json!({"delay": [long]})).unwrap())?;
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
                r#"{{"results": [{{"id": "I1", "permalinks": {}"#,
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

/// A group in both lists (acknowledged between the two requests) is one incident, as
/// first listed.
#[test]
fn a_group_in_both_lists_is_listed_once() {
    let new = json!({"results": [group("I1"), group("I2"), group("I1")], "next": null});
    let mut acked = group("I2");
    acked["state"] = json!("acknowledged");
    let acknowledged = json!({"results": [acked, group("I3")], "next": null});
    let incidents = poll(&[
        &serde_json::to_vec(&new).unwrap(),
        &serde_json::to_vec(&acknowledged).unwrap(),
    ])
    .unwrap()
    .unwrap();
    let ids: Vec<&str> = incidents.iter().map(|i| i.key.id.as_str()).collect();
    assert_eq!(ids, ["I1", "I2", "I3"]);
}

//! Every documented answer of an endpoint the client reads decodes with its wire types:
//! the ```json blocks of the Grafana OnCall API reference (`grafana-oncall/*.md`, read
//! where it is, never copied), taken at test time. A missing reference fails unless
//! `ONCALL_TRAY_ALLOW_MISSING_REFERENCE=1`.

use oncall_model::Status;
use oncall_test_support::reference::{reference_json_examples, JsonExample};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::convert::{self, Episodes};
use crate::wire::{AlertGroup, FinalShift, Page, ResolutionNote, Schedule, User};

fn examples(file: &str) -> Vec<JsonExample> {
    reference_json_examples(&format!("grafana-oncall/{file}")).unwrap_or_default()
}

fn is_page(value: &Value) -> bool {
    value.get("results").is_some() && value.get("next").is_some()
}

/// Decodes `value` as one `T`, or as a page of them; returns how many items it held.
fn decode<T: DeserializeOwned>(file: &str, example: &JsonExample) -> Vec<T> {
    let text = example.value.to_string();
    let result = if is_page(&example.value) {
        serde_json::from_str::<Page<T>>(&text).map(|p| p.results)
    } else {
        serde_json::from_str::<T>(&text).map(|one| vec![one])
    };
    result.unwrap_or_else(|e| panic!("{file} ({}): {e}", example.heading))
}

#[test]
fn every_documented_answer_the_client_reads_decodes() {
    let mut checked = 0;
    for file in ["alertgroups.md", "escalation.md"] {
        for example in examples(file) {
            for group in decode::<AlertGroup>(file, &example) {
                if file == "escalation.md" {
                    // A placeholder URL (`http://<my_grafana_url>/…`), so not a link.
                    let web = group.permalinks.as_ref().and_then(|p| p.web.as_deref());
                    assert!(web.is_some(), "permalinks.web is documented");
                }
                // Converts too: a resolved group is none, an open one an incident.
                let open = convert::incident(
                    &oncall_model::AccountId::new("irm"),
                    &group,
                    Status::Triggered,
                    &mut Episodes::default(),
                    group.created_at,
                );
                assert_eq!(open.is_none(), group.state.as_deref() == Some("resolved"));
                if file == "escalation.md" {
                    let incident = open.expect("a firing group");
                    assert_eq!(incident.status, Status::Triggered, "state `firing`");
                }
                checked += 1;
            }
        }
    }
    for example in examples("users.md") {
        for user in decode::<User>("users.md", &example) {
            assert!(user.email.is_some() && user.username.is_some());
            checked += 1;
        }
    }
    for example in examples("schedules.md") {
        let is_shifts = example.value["results"]
            .get(0)
            .is_some_and(|r| r.get("user_pk").is_some());
        if is_shifts {
            checked += decode::<FinalShift>("schedules.md", &example).len();
        } else {
            for schedule in decode::<Schedule>("schedules.md", &example) {
                assert!(!schedule.on_call_now.is_empty());
                checked += 1;
            }
        }
    }
    for example in examples("resolution_notes.md") {
        checked += decode::<ResolutionNote>("resolution_notes.md", &example).len();
    }
    if oncall_test_support::reference::reference_document("grafana-oncall/users.md").is_some() {
        // 2 alert group files (1 + 3), users 2, schedules 4 + 12 shifts, notes 4.
        assert!(checked >= 25, "only {checked} documented answers decoded");
    }
}

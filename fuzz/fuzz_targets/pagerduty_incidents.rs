//! A `GET /incidents` page: decoded and converted, or refused as `Malformed`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_fuzz::check_refusal;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    match oncall_pagerduty::fuzzing::incidents_page(data) {
        Ok(incidents) => {
            for incident in &incidents {
                assert!(!incident.key.id.trim().is_empty(), "an incident without id");
                assert!(
                    !incident.title.trim().is_empty(),
                    "an incident without title"
                );
                let ids: HashSet<&str> = incident.assignees.iter().map(|p| p.id.as_str()).collect();
                assert_eq!(ids.len(), incident.assignees.len(), "an assignee twice");
            }
        }
        Err(error) => check_refusal(&error),
    }
});

//! `GET api/v2/alerts` and `GET api/v2/silences` (split at the first 0xFF byte; no split
//! means no silences), listed as a poll lists them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_fuzz::{check_refusal, split2};
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let (alerts, silences) = split2(data, b"[]");
    match oncall_alertmanager::fuzzing::alerts_and_silences(alerts, silences) {
        Ok(incidents) => {
            let ids: HashSet<&str> = incidents.iter().map(|i| i.key.id.as_str()).collect();
            assert_eq!(ids.len(), incidents.len(), "a fingerprint listed twice");
            for incident in &incidents {
                assert!(
                    !incident.title.trim().is_empty(),
                    "an incident without title"
                );
            }
        }
        Err(error) => check_refusal(&error),
    }
});

//! Pages of JSM's `GET …/v1/alerts` (two, split at the first 0xFF byte; no split means
//! one), merged and converted as a poll does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_fuzz::check_refusal;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let pages: Vec<&[u8]> = data.splitn(2, |&b| b == 0xFF).collect();
    match oncall_jsm::fuzzing::alert_pages(&pages) {
        Ok(incidents) => {
            let ids: HashSet<&str> = incidents.iter().map(|i| i.key.id.as_str()).collect();
            assert_eq!(ids.len(), incidents.len(), "an alert listed twice");
            for incident in &incidents {
                assert!(
                    !incident.title.trim().is_empty(),
                    "an incident without title"
                );
                assert!(
                    incident.web_url.as_deref().is_none_or(
                        |u| u.starts_with("https://acme.atlassian.net/jira/ops/alerts/")
                    ),
                    "a link off the site"
                );
            }
        }
        Err(error) => check_refusal(&error),
    }
});

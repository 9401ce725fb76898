//! Grafana OnCall alert group lists (the `state=new` page, then up to two
//! `state=acknowledged` pages, split at 0xFF bytes), merged and converted as a poll
//! does; and the input alone as one alert group (`GET /api/v1/alert_groups/{id}`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_fuzz::check_refusal;
use oncall_grafana_oncall::fuzzing;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let pages: Vec<&[u8]> = data.splitn(3, |&b| b == 0xFF).collect();
    match fuzzing::alert_group_pages(&pages) {
        Ok(incidents) => {
            let ids: HashSet<&str> = incidents.iter().map(|i| i.key.id.as_str()).collect();
            assert_eq!(ids.len(), incidents.len(), "an alert group listed twice");
            for incident in &incidents {
                assert!(
                    !incident.title.trim().is_empty(),
                    "an incident without title"
                );
                assert!(incident.status_changed_at >= incident.created_at);
            }
        }
        Err(error) => check_refusal(&error),
    }
    if let Err(error) = fuzzing::alert_group(data) {
        check_refusal(&error);
    }
});

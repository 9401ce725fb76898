//! The other Grafana OnCall answers: the current user, a created resolution note, a
//! schedule list with a final-shifts page (split at the first 0xFF byte) turned into
//! shifts and rota entries, and error bodies of every status class.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_fuzz::{check_error_answer, check_refusal, split2, ERROR_STATUSES};
use oncall_grafana_oncall::fuzzing;

fuzz_target!(|data: &[u8]| {
    let (user, note) = fuzzing::user_and_note(data);
    for result in [user, note] {
        if let Err(error) = result {
            check_refusal(&error);
        }
    }
    let (schedules, shifts) = split2(data, br#"{"next":null,"results":[]}"#);
    match fuzzing::schedules(schedules, shifts) {
        Ok((mine, rota)) => {
            assert!(mine.iter().all(|s| s.start < s.end), "an empty shift");
            assert!(rota
                .iter()
                .all(|e| e.next.iter().all(|p| p.start.is_some())));
        }
        Err(error) => check_refusal(&error),
    }
    for status in ERROR_STATUSES {
        check_error_answer(&fuzzing::error_answer(status, data));
    }
});

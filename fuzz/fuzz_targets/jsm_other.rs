//! The other JSM answers: an action's 202, a request status, the site's cloud id, the
//! schedule list, a schedule timeline (as shifts and a rota), an override, `myself`, and
//! error bodies of every status class.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_fuzz::{check_error_answer, check_refusal, ERROR_STATUSES};
use oncall_jsm::fuzzing;

fuzz_target!(|data: &[u8]| {
    let (accepted, status) = fuzzing::action_answers(data);
    let (created, myself) = fuzzing::override_and_myself(data);
    for result in [
        accepted.map(drop),
        status.map(drop),
        fuzzing::tenant_info(data).map(drop),
        fuzzing::schedule_list(data).map(drop),
        created.map(drop),
        myself.map(drop),
    ] {
        if let Err(error) = result {
            check_refusal(&error);
        }
    }
    match fuzzing::timeline(data) {
        Ok((shifts, rota, now)) => {
            assert!(shifts.iter().all(|s| s.start < s.end && s.end > Some(now)));
            assert!(rota.now.iter().all(|p| p.start <= Some(now)));
            assert!(rota.next.iter().all(|p| p.start > Some(now)));
        }
        Err(error) => check_refusal(&error),
    }
    for status in ERROR_STATUSES {
        check_error_answer(&fuzzing::error_answer(status, data));
    }
});

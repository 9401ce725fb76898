//! The other Opsgenie answers: an action's 202, a request status, and error bodies of
//! every status class.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_fuzz::{check_error_answer, check_refusal, ERROR_STATUSES};
use oncall_opsgenie::fuzzing;

fuzz_target!(|data: &[u8]| {
    let (accepted, status) = fuzzing::action_answers(data);
    if let Err(error) = accepted {
        check_refusal(&error);
    }
    if let Err(error) = status {
        check_refusal(&error);
    }
    for status in ERROR_STATUSES {
        check_error_answer(&fuzzing::error_answer(status, data));
    }
});

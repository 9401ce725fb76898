//! The other Alertmanager answers: a created silence, the status, and error bodies of
//! every status class.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_alertmanager::fuzzing;
use oncall_fuzz::{check_error_answer, check_refusal, ERROR_STATUSES};

fuzz_target!(|data: &[u8]| {
    for answer in fuzzing::other_answers(data) {
        if let Err(error) = answer {
            check_refusal(&error);
        }
    }
    for status in ERROR_STATUSES {
        check_error_answer(&fuzzing::error_answer(status, data));
    }
});

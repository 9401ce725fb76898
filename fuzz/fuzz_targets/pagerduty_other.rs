//! The other PagerDuty answers: `GET /users/me`, a `GET /oncalls` page, and error bodies
//! of every status class.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_fuzz::{check_error_answer, check_refusal, ERROR_STATUSES};
use oncall_model::ProviderError;
use oncall_pagerduty::{fuzzing, MAX_RETRY_AFTER};

fuzz_target!(|data: &[u8]| {
    match fuzzing::users_me(data) {
        Ok(me) => assert!(!me.user_id.trim().is_empty() && !me.name.trim().is_empty()),
        Err(error) => check_refusal(&error),
    }
    if let Err(error) = fuzzing::oncalls_page(data) {
        check_refusal(&error);
    }
    for status in ERROR_STATUSES {
        let error = fuzzing::error_answer(status, data);
        check_error_answer(&error);
        if let ProviderError::RateLimited {
            retry_after: Some(wait),
        } = error
        {
            assert!(wait <= MAX_RETRY_AFTER, "a wait of {wait:?}");
        }
    }
});

//! Integration tests of the PagerDuty client over loopback: against the fake PagerDuty
//! (`oncall-fake-pagerduty`) for the API's behaviour, and against a small scripted HTTP
//! server for what the fake cannot be made to do (redirects, a list that changes between
//! pages, counting requests in flight).
//!
//! One test binary with modules, so the crate links once.

mod actions;
mod failures;
mod polling;
mod respond;
mod schedules;
mod util;

/// The fake's checks against PagerDuty's OpenAPI document, for the request bodies the
/// client sends.
#[path = "../../../fake-pagerduty/tests/util/spec.rs"]
#[allow(dead_code)]
mod spec;

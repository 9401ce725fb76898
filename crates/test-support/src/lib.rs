//! Test support for the workspace's test suites, and nothing the app ever links: one
//! home for what more than one suite needs, so no suite reaches into another's files.
//!
//! - [`hostile`]: servers on loopback that do what a real service never should (endless
//!   or lying bodies, drip-fed answers, redirects, raw bytes), a private CA per test and
//!   a recording `CONNECT` proxy; [`hostile::transport`] and [`hostile::checks`] are the
//!   checks every provider client passes the same way.
//! - [`scripted`]: a small HTTP server whose answers a test scripts request by request,
//!   with a delay, counting the requests in flight.
//! - [`alertmanager`]: a real Prometheus Alertmanager per test, and the Prometheus and
//!   colleague around it. [`pagerduty`]: the PagerDuty suites' account config and wire
//!   fixtures.
//! - [`eventually()`]: the one way a test waits for something to happen: a probe
//!   checked until it holds, failing after a timeout with what it waited for.
//! - [`reference`](mod@reference): where the vendors' API documents are (never in the
//!   repository), and the rule that a conformance test without its document fails.
//! - [`strategies`]: the hostile-input strategies the providers' decoder property tests
//!   share, and the bounds every decoded error message keeps.
//! - [`CapturedLog`]: what a test's thread logs, as text, for the secrets tests.

pub mod alertmanager;
mod captured_log;
mod eventually;
pub mod hostile;
pub mod pagerduty;
pub mod reference;
pub mod scripted;
pub mod strategies;

pub use captured_log::CapturedLog;
pub use eventually::{eventually, eventually_or, eventually_some, within, POLL_EVERY};

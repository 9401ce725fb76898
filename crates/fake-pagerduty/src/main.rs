//! `fake-pagerduty [--listen ADDR]`: serves a freshly seeded fake PagerDuty until SIGINT or
//! SIGTERM, for end-to-end tests and the app's demo mode. The command line, the
//! `listening on http://HOST:PORT` line and shutdown are `oncall_fake_service::cli`'s.

use std::process::ExitCode;

use oncall_fake_pagerduty::FakePagerDuty;
use oncall_fake_service::cli::{self, Binary};

const BINARY: Binary = Binary {
    name: "fake-pagerduty",
    version: env!("CARGO_PKG_VERSION"),
    about: "A fake PagerDuty (REST API v2 subset and Events API v2) for tests and demos",
    why_loopback_only: "the fake's API tokens are public",
};

fn main() -> ExitCode {
    cli::main(&BINARY, |addr| async move {
        FakePagerDuty::new().serve(addr).await
    })
}

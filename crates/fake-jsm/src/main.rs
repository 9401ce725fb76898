//! `fake-jsm [--listen ADDR]`: serves a fresh fake JSM Operations site and API (no
//! alerts; `pat@example.com` with token `fake-atlassian-token-0001`) until SIGINT or
//! SIGTERM, for end-to-end tests and the app's demo mode. The command line, the
//! `listening on http://HOST:PORT` line and shutdown are `oncall_fake_service::cli`'s.

use std::process::ExitCode;

use oncall_fake_jsm::FakeJsm;
use oncall_fake_service::cli::{self, Binary};

const BINARY: Binary = Binary {
    name: "fake-jsm",
    version: env!("CARGO_PKG_VERSION"),
    about:
        "A fake Jira Service Management Operations (alert and schedule subset) for tests and demos",
    why_loopback_only: "the fake's API token is public",
};

fn main() -> ExitCode {
    cli::main(
        &BINARY,
        |addr| async move { FakeJsm::new().serve(addr).await },
    )
}

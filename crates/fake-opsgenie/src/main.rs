//! `fake-opsgenie [--listen ADDR]`: serves a fresh fake Opsgenie (no alerts, API key
//! `fake-genie-key-0001`) until SIGINT or SIGTERM, for end-to-end tests and the app's demo
//! mode. The command line, the `listening on http://HOST:PORT` line and shutdown are
//! `oncall_fake_service::cli`'s.

use std::process::ExitCode;

use oncall_fake_opsgenie::FakeOpsgenie;
use oncall_fake_service::cli::{self, Binary};

const BINARY: Binary = Binary {
    name: "fake-opsgenie",
    version: env!("CARGO_PKG_VERSION"),
    about: "A fake Opsgenie (Alert API v2 subset) for tests and demos",
    why_loopback_only: "the fake's API key is public",
};

fn main() -> ExitCode {
    cli::main(&BINARY, |addr| async move {
        FakeOpsgenie::new().serve(addr).await
    })
}

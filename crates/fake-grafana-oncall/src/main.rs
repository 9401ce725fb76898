//! `fake-grafana-oncall [--listen ADDR]`: serves a fresh fake Grafana OnCall (no alert
//! groups, API key `fake-grafana-oncall-key-0001`) until SIGINT or SIGTERM, for
//! end-to-end tests and the app's demo mode. The command line, the
//! `listening on http://HOST:PORT` line and shutdown are `oncall_fake_service::cli`'s.

use std::process::ExitCode;

use oncall_fake_grafana_oncall::FakeGrafanaOnCall;
use oncall_fake_service::cli::{self, Binary};

const BINARY: Binary = Binary {
    name: "fake-grafana-oncall",
    version: env!("CARGO_PKG_VERSION"),
    about: "A fake Grafana OnCall (HTTP API subset) for tests and demos",
    why_loopback_only: "the fake's API key is public",
};

fn main() -> ExitCode {
    cli::main(&BINARY, |addr| async move {
        FakeGrafanaOnCall::new().serve(addr).await
    })
}

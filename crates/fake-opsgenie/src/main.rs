//! `fake-opsgenie [--listen ADDR]`: serves a freshly fake Opsgenie (no alerts, API key `fake-genie-key-0001`) until SIGINT or
//! SIGTERM, for end-to-end tests and the app's demo mode.
//!
//! The first line on stdout is exactly `listening on http://HOST:PORT`, so a parent
//! process can start it on port 0 and read where it ended up; logs go to stderr. Only
//! loopback addresses are accepted: the fake's API key is published in its docs.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Parser;
use oncall_fake_opsgenie::FakeOpsgenie;

/// A fake Opsgenie (Alert API v2 subset) for tests and demos.
#[derive(Debug, Parser)]
#[command(name = "fake-opsgenie", version)]
struct Args {
    /// Address to listen on; must be loopback (127.0.0.0/8 or ::1). Port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fake-opsgenie: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[tokio::main]
async fn run(args: Args) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() {
        bail!(
            "refusing to listen on {}: only loopback addresses (127.0.0.0/8, ::1) are allowed, \
             because the fake's API key is public",
            args.listen
        );
    }
    // Handlers first: a parent may send SIGTERM as soon as it has read the listening line.
    let stop = shutdown_signal()?;
    let fake = FakeOpsgenie::new();
    let running = fake
        .serve(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on {}", running.url)?;
        stdout.flush()?;
    }
    stop.await;
    tracing::info!("shutting down");
    running.shutdown().await;
    Ok(())
}

/// A future that completes on SIGINT or SIGTERM, with the handlers installed now.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot wait for Ctrl-C: {e}");
        }
    })
}

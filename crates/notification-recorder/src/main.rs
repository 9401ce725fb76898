//! `notification-recorder`: the recorder as a process, for tests that run the app against
//! a real session bus. It takes `org.freedesktop.Notifications` on the session bus named by
//! `DBUS_SESSION_BUS_ADDRESS`, prints `ready` on stdout once it owns the name, logs every
//! notification to stderr, and exits 0 on SIGINT or SIGTERM. Tests read and drive it through
//! the `org.oncalltray.NotificationRecorder` interface on `/org/freedesktop/Notifications`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use oncall_notification_recorder::Recorder;
use tokio::signal::unix::{signal, SignalKind};

const USAGE: &str = "usage: notification-recorder [--inline-reply]

Serves org.freedesktop.Notifications on the session bus ($DBUS_SESSION_BUS_ADDRESS),
prints `ready` once it owns the name, logs every notification to stderr ($RUST_LOG
filters), and exits on SIGINT or SIGTERM. Control it through the
org.oncalltray.NotificationRecorder interface on /org/freedesktop/Notifications:
Notifications() -> s (JSON), Press(u, s), Reply(u, s), Dismiss(u), Clear(),
WaitForListener(u, u).

  --inline-reply  also announce the `inline-reply` capability (KDE's reply fields)";

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let mut args = std::env::args().skip(1);
    let inline_reply = match args.next().as_deref() {
        None => false,
        Some("--inline-reply") => true,
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("notification-recorder: unexpected argument {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(other) = args.next() {
        eprintln!("notification-recorder: unexpected argument {other:?}\n\n{USAGE}");
        return ExitCode::from(2);
    }
    match run(inline_reply) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("notification-recorder: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn run(inline_reply: bool) -> anyhow::Result<()> {
    // Signal handlers first, so a SIGTERM right after `ready` cannot kill the process
    // before it is handled.
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let recorder = if inline_reply {
        Recorder::start_with_inline_reply(None).await?
    } else {
        Recorder::start(None).await?
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready")
        .and_then(|()| stdout.flush())
        .context("writing `ready`")?;
    drop(stdout);
    tokio::select! {
        _ = interrupt.recv() => tracing::info!("SIGINT: stopping"),
        _ = terminate.recv() => tracing::info!("SIGTERM: stopping"),
    }
    recorder.stop().await;
    Ok(())
}

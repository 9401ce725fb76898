//! The fakes' binaries: `NAME [--listen ADDR]` serves a fresh fake until SIGINT or
//! SIGTERM, for end-to-end tests and the app's demo mode.
//!
//! The first line on stdout is exactly `listening on http://HOST:PORT`, so a parent
//! process can start a fake on port 0 and read where it ended up; logs go to stderr. Only
//! loopback addresses are accepted: the fakes' credentials are published in their docs.
//! Errors are one line on stderr, `NAME: what went wrong`, and exit code 2.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{value_parser, Arg, Command};

use crate::RunningFake;

/// What tells one fake's binary from another's.
pub struct Binary {
    /// The command's name, in `--help`, `--version` and before every error.
    pub name: &'static str,
    /// The `--version` (the fake's `CARGO_PKG_VERSION`).
    pub version: &'static str,
    /// The one line `--help` starts with.
    pub about: &'static str,
    /// Why only loopback is allowed, ending the refusal: "because {why}".
    pub why_loopback_only: &'static str,
}

/// Why a fake's binary stopped. Each message is the line printed after `NAME: `.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error(
        "refusing to listen on {addr}: only loopback addresses (127.0.0.0/8, ::1) are allowed, \
         because {why}"
    )]
    NotLoopback { addr: SocketAddr, why: &'static str },
    #[error("cannot handle {signal}: {source}")]
    Signal {
        signal: &'static str,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Stdout(#[from] std::io::Error),
}

/// A binary's whole `main`: parses the command line, sets up logging to stderr, then
/// serves what `serve` starts on the `--listen` address until a signal.
pub fn main<S, F>(binary: &Binary, serve: S) -> ExitCode
where
    S: FnOnce(SocketAddr) -> F,
    F: Future<Output = std::io::Result<RunningFake>>,
{
    let listen = parse(binary);
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("Failed building the Runtime");
    match runtime.block_on(run(binary, listen, serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", binary.name);
            ExitCode::from(2)
        }
    }
}

/// The `--listen` address; exits with clap's message on a bad command line.
fn parse(binary: &Binary) -> SocketAddr {
    let matches = Command::new(binary.name)
        .version(binary.version)
        .about(binary.about)
        .arg(
            Arg::new("listen")
                .long("listen")
                .value_name("ADDR")
                .default_value("127.0.0.1:0")
                .value_parser(value_parser!(SocketAddr))
                .help(
                    "Address to listen on; must be loopback (127.0.0.0/8 or ::1). \
                     Port 0 picks a free port",
                ),
        )
        .get_matches();
    *matches
        .get_one::<SocketAddr>("listen")
        .expect("--listen has a default")
}

async fn run<S, F>(binary: &Binary, listen: SocketAddr, serve: S) -> Result<(), Error>
where
    S: FnOnce(SocketAddr) -> F,
    F: Future<Output = std::io::Result<RunningFake>>,
{
    if !listen.ip().is_loopback() {
        return Err(Error::NotLoopback {
            addr: listen,
            why: binary.why_loopback_only,
        });
    }
    // Handlers first: a parent may send SIGTERM as soon as it has read the listening line.
    let stop = shutdown_signal()?;
    let running = serve(listen).await.map_err(|source| Error::Listen {
        addr: listen,
        source,
    })?;
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
fn shutdown_signal() -> Result<impl Future<Output = ()>, Error> {
    use tokio::signal::unix::{signal, SignalKind};
    let handle = |kind: SignalKind, name: &'static str| {
        signal(kind).map_err(|source| Error::Signal {
            signal: name,
            source,
        })
    };
    let mut terminate = handle(SignalKind::terminate(), "SIGTERM")?;
    let mut interrupt = handle(SignalKind::interrupt(), "SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl Future<Output = ()>, Error> {
    Ok(async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot wait for Ctrl-C: {e}");
        }
    })
}

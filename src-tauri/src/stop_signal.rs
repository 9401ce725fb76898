//! SIGINT (Ctrl-C) and SIGTERM, the ways a terminal, a service manager or a desktop
//! session ending asks the app to stop: both end it cleanly (actions queued on disk, the
//! window process closed), never mid-write.

#[cfg(unix)]
use anyhow::Context as _;

/// SIGINT (Ctrl-C) or SIGTERM.
pub struct StopSignal {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignal {
    /// Needs a tokio runtime (the signal driver lives in it).
    pub fn install() -> anyhow::Result<StopSignal> {
        #[cfg(unix)]
        use tokio::signal::unix::{signal, SignalKind};
        Ok(StopSignal {
            #[cfg(unix)]
            int: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
            #[cfg(unix)]
            term: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
        })
    }

    pub async fn wait(&mut self) -> &'static str {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

//! The tray app on Linux and the BSDs: the shell on a tokio runtime of its own, the
//! tray as a StatusNotifierItem (`tray::sni`), one app per session by D-Bus name
//! (`single_instance`), start at login by an XDG autostart entry (`autostart`). No GUI
//! toolkit is linked: the window is `oncall-tray-window`, started when it is opened.
//!
//! Quit (the tray menu), SIGINT and SIGTERM stop the shell the same way: the window
//! process closed, the engine shut down with pending actions on disk, then exit 0.

use std::sync::Arc;

use anyhow::Context as _;
use tracing::{info, warn};

use super::autostart::XdgAutostart;
use super::single_instance::{self, Claim};
use super::Options;
use crate::shell;
use crate::stop_signal::StopSignal;
use crate::{logging, tray};

pub fn run(options: Options) -> anyhow::Result<()> {
    // One thread: the tray does little at a time, and each worker thread was a stack
    // and a heap arena more in the process that stays up all day (BENCHMARKS.md).
    // The keychain still runs on tokio's blocking threads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start")?;
    let result = runtime.block_on(run_shell(options));
    if let Err(e) = &result {
        // An app started at login has no terminal: the file says why.
        logging::record_failure(&format!("{e:#}"));
    }
    result
}

async fn run_shell(options: Options) -> anyhow::Result<()> {
    // Installed first, so that a signal during start-up is a clean stop.
    let mut stop = StopSignal::install()?;
    let instance = match single_instance::claim().await {
        Ok(Claim::First(instance)) => Some(instance),
        Ok(Claim::Running) => {
            info!("oncall-tray already runs in this session: it opens its window");
            return Ok(());
        }
        // Without a session bus there is no tray or notification either; the notifier
        // says so in its words. The data directory's lock still keeps a second app off.
        Err(e) => {
            warn!("cannot make sure that one oncall-tray runs in this session: {e:#}");
            None
        }
    };
    let (shell, requests) = match shell::start(options).await {
        Ok(started) => started,
        Err(e) => {
            refused_notice(&e).await;
            return Err(e);
        }
    };
    let shell = Arc::new(shell);
    shell.set_autostart(Arc::new(XdgAutostart::new()));
    shell.spawn(shell::perform_requests(shell.clone(), requests));
    tray::sni::install(&shell).await;
    if let Some(instance) = &instance {
        instance.serve(shell.clone());
    }
    if options.show {
        shell.open_window();
    }
    tokio::select! {
        () = shell.quit.cancelled() => info!("quit from the tray menu"),
        signal = stop.wait() => info!("{signal} received: stopping"),
    }
    shell.stop().await;
    info!("stopped");
    Ok(())
}

/// A tray app started at login has no terminal: when another oncall-tray already runs
/// on the data directory, the refusal is shown as a notification too.
async fn refused_notice(e: &anyhow::Error) {
    if let Some(refusal @ oncall_store::LockError::Held { .. }) = e.downcast_ref() {
        let body = refusal.to_string();
        let notice = tray::host_watch::notify_once("oncall-tray did not start", &body);
        if let Err(e) = notice.await {
            warn!("could not show the refusal as a notification: {e:#}");
        }
    }
}

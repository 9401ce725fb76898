//! `oncall-tray --headless`: the engine and desktop notifications (with their buttons),
//! no tray or window. Ends cleanly on SIGINT or SIGTERM: every task stops, unconfirmed
//! actions stay queued on disk for the next start.
//!
//! Tasks and their owners:
//! - the engine's pollers and action senders: the engine ([`Engine::shutdown`]);
//! - the notification listener, the alarm's pause watcher and the heap's give-back:
//!   `tasks` here, stopped through `cancel`; the alarm's audio thread: the alarm,
//!   dropped with the notifier;
//! - the request task, which owns the engine and performs the buttons' requests:
//!   awaited here, and it shuts the engine down when `cancel` fires.

use std::sync::Arc;

use anyhow::Context as _;
use oncall_engine::{Engine, EngineOptions, SystemClock};
use oncall_store::{Config, DataDirLock, Dirs};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::keychain::KeychainCredentials;
use crate::notifier::alarm::{self, Alarm};
use crate::notifier::DesktopNotifier;
use crate::requests::{self, UserRequest};
use crate::stop_signal::StopSignal;

pub async fn run() -> anyhow::Result<()> {
    // Installed first, so that a signal during start-up is a clean stop, not a kill.
    let mut stop = StopSignal::install()?;
    let dirs = Dirs::from_env()?;
    // Held until this function returns: the engine runs until then.
    let _lock = DataDirLock::acquire(&dirs)?;
    let config = Config::load(&dirs.config_file())?;
    if config.accounts.is_empty() {
        return Err(crate::exit::Failure::Config.on(anyhow::anyhow!(
            "{} has no accounts: add one with `oncall-tray account add NAME --provider pagerduty`",
            dirs.config_file().display()
        )));
    }
    let accounts = config.accounts.len();

    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    let (requests, request_rx) = mpsc::channel(32);
    let started = start(config, dirs, requests, &tasks, cancel.clone()).await;
    let engine = match started {
        Ok(engine) => engine,
        Err(e) => {
            cancel.cancel();
            tasks.close();
            tasks.wait().await;
            return Err(e);
        }
    };
    let owner = tokio::spawn(perform_requests(engine, request_rx, cancel.clone()));
    info!(accounts, "running headless; stop with Ctrl-C or SIGTERM");

    let signal = stop.wait().await;
    info!("{signal} received: stopping");
    cancel.cancel();
    if let Err(e) = owner.await {
        warn!("the engine task failed: {e}");
    }
    tasks.close();
    tasks.wait().await;
    info!("stopped");
    Ok(())
}

async fn start(
    config: Config,
    dirs: Dirs,
    requests: mpsc::Sender<UserRequest>,
    tasks: &TaskTracker,
    cancel: CancellationToken,
) -> anyhow::Result<Engine> {
    let name_accounts = config.accounts.len() > 1;
    let remember_in = dirs.notifications_file();
    let alarm = Alarm::new(config.alarm.clone());
    #[cfg(all(unix, not(target_os = "macos")))]
    let presence_requests = requests.clone();
    let notifier = DesktopNotifier::connect(
        requests,
        tasks,
        cancel.clone(),
        name_accounts,
        remember_in,
        alarm.clone(),
        false,
    )
    .await?;
    let engine = Engine::start(EngineOptions {
        config,
        dirs,
        clock: Arc::new(SystemClock),
        credentials: Arc::new(KeychainCredentials),
        notifier,
    })
    .await
    .context("the engine could not start")?;
    tasks.spawn(alarm::hold_while_paused(
        alarm,
        engine.view(),
        cancel.clone(),
    ));
    tasks.spawn(crate::memory::give_back_freed(
        engine.view(),
        cancel.clone(),
    ));
    #[cfg(all(unix, not(target_os = "macos")))]
    tasks.spawn(crate::presence::watch(presence_requests, cancel));
    Ok(engine)
}

/// Owns the engine: performs what the user asked for through a notification's buttons,
/// and shuts the engine down once `cancel` fires.
async fn perform_requests(
    engine: Engine,
    mut requests: mpsc::Receiver<UserRequest>,
    cancel: CancellationToken,
) {
    // No window: no notification offers "Show History" here.
    requests::perform_each(&engine, &mut requests, &cancel, &|| {}).await;
    // Every sender gone: nothing more to perform, but the engine runs until `cancel`.
    cancel.cancelled().await;
    engine.shutdown().await;
}

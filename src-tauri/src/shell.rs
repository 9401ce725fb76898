//! The running tray app's shared parts, whichever tray shows them: [`Shell`] holds the
//! engine and the cancellation token every shell task watches, and [`start`] builds it
//! (directories, the data directory's lock, the notifier, the engine).
//!
//! Ownership: the platform's app (`app/`) owns the `Arc<Shell>`; [`Shell::stop`]
//! cancels the tasks and shuts the engine down (pending actions stay queued on disk).

use std::sync::{Arc, OnceLock};

use oncall_engine::{Credentials, Engine, EngineOptions, SystemClock};
use oncall_store::{Config, DataDirLock, Dirs};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::app::Options;
use crate::demo;
use crate::keychain::KeychainCredentials;
use crate::notifier::alarm::{self, Alarm};
use crate::notifier::DesktopNotifier;
use crate::requests::{self, UserRequest};
use crate::settings::{Autostart, SettingsStore};
use crate::window::{self, Show};

pub struct Shell {
    pub engine: Engine,
    /// The Settings screen's operations (config file, keychain, reconfigure).
    pub settings: SettingsStore,
    pub cancel: CancellationToken,
    /// The user chose Quit (tray menu); the platform's app stops on it.
    pub quit: CancellationToken,
    /// Start at login, once the platform's app has set it up (never in demo mode).
    autostart: OnceLock<Arc<dyn Autostart>>,
    /// The runtime the shell's tasks run on: the tray's menu handlers run outside it.
    runtime: tokio::runtime::Handle,
    tasks: TaskTracker,
    /// The window's process, while it is open.
    window: window::WindowHost,
    /// A tray host appeared but never listed the icon: the tray registers it again
    /// (`tray::host_watch`).
    pub tray_lost: tokio::sync::Notify,
    /// Keeps demo mode's fake service and throwaway directories alive.
    demo: Option<demo::Demo>,
    /// This app's claim on the data directory (none in demo mode, whose directories are
    /// its own), held for the app's lifetime.
    _lock: Option<DataDirLock>,
}

impl Shell {
    /// Start at login. Never in demo mode: it promises to leave the user's settings
    /// alone, and an autostart entry would start the real app at the next login.
    pub fn autostart(&self) -> Arc<dyn Autostart> {
        match self.autostart.get() {
            Some(autostart) if self.demo.is_none() => autostart.clone(),
            _ => Arc::new(NoAutostart),
        }
    }

    /// Sets how start at login is done here; the first call wins.
    pub fn set_autostart(&self, autostart: Arc<dyn Autostart>) {
        let _ = self.autostart.set(autostart);
    }

    /// Shows the window (starting its process if needed).
    pub fn open_window(self: &Arc<Self>) {
        self.open_window_at(None);
    }

    /// Shows the window on `tab` (one of `window::ipc::TABS`), or as it was.
    pub fn open_window_at(self: &Arc<Self>, tab: Option<&'static str>) {
        let shell = self.clone();
        self.spawn(async move { shell.window.open(&shell, tab.map(Show::Tab)).await });
    }

    /// Shows the window on `show`.
    pub fn open_window_on(self: &Arc<Self>, show: Show) {
        let shell = self.clone();
        self.spawn(async move { shell.window.open(&shell, Some(show)).await });
    }

    /// Spawns on the shell's runtime (menu handlers run outside it), tracked so that
    /// `stop` waits for it.
    pub fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.runtime.spawn(self.tasks.track_future(task));
    }

    pub async fn stop(&self) {
        self.window.close().await;
        self.cancel.cancel();
        self.engine.shutdown().await;
        self.tasks.close();
        self.tasks.wait().await;
        // A sound still playing ends with the app, its device closed.
        self.settings.stop_alarm();
    }
}

/// Before the app has set it up there is nothing to ask; in demo mode nothing to offer.
struct NoAutostart;

impl Autostart for NoAutostart {
    fn enabled(&self) -> Option<bool> {
        None
    }

    fn set(&self, _: bool) -> Result<(), String> {
        Err("start at login is not available now (the app is starting, or in demo mode)".into())
    }
}

/// Builds the shell on the current runtime; the requests are the notifications'
/// buttons, for [`perform_requests`].
pub async fn start(options: Options) -> anyhow::Result<(Shell, mpsc::Receiver<UserRequest>)> {
    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    let (demo, dirs, credentials): (_, Dirs, Arc<dyn Credentials>) = if options.demo {
        let demo = demo::Demo::start(cancel.clone(), &tasks).await?;
        let (dirs, credentials) = (demo.dirs(), demo.credentials());
        (Some(demo), dirs, credentials)
    } else {
        (None, Dirs::from_env()?, Arc::new(KeychainCredentials))
    };
    // Taken here, after the single-instance check: a second tray launch in this
    // desktop session has handed over to the first and exited by now, so a lock held
    // here belongs to a `--headless` (or a tray app of another session).
    let lock = if demo.is_some() {
        None
    } else {
        Some(DataDirLock::acquire(&dirs)?)
    };
    let config = Config::load(&dirs.config_file())?;
    let alarm = Alarm::new(config.alarm.clone());
    let settings = SettingsStore::new(
        dirs.clone(),
        credentials.clone(),
        demo.is_none(),
        alarm.clone(),
    );
    let (requests, request_rx) = mpsc::channel(32);
    #[cfg(all(unix, not(target_os = "macos")))]
    tasks.spawn(crate::presence::watch(requests.clone(), cancel.clone()));
    let name_accounts = config.accounts.len() > 1;
    let notifier = DesktopNotifier::connect(
        requests,
        &tasks,
        cancel.clone(),
        name_accounts,
        dirs.notifications_file(),
        alarm.clone(),
        true,
    )
    .await?;
    let engine = Engine::start(EngineOptions {
        config,
        dirs,
        clock: Arc::new(SystemClock),
        credentials,
        notifier,
    })
    .await?;
    tasks.spawn(alarm::hold_while_paused(
        alarm,
        engine.view(),
        cancel.clone(),
    ));
    tasks.spawn(crate::memory::give_back_freed(
        engine.view(),
        cancel.clone(),
    ));
    let shell = Shell {
        engine,
        settings,
        cancel,
        quit: CancellationToken::new(),
        autostart: OnceLock::new(),
        runtime: tokio::runtime::Handle::current(),
        tasks,
        window: window::WindowHost::default(),
        tray_lost: tokio::sync::Notify::new(),
        demo,
        _lock: lock,
    };
    Ok((shell, request_rx))
}

/// Notification buttons, performed with the shell's engine.
pub async fn perform_requests(shell: Arc<Shell>, mut requests: mpsc::Receiver<UserRequest>) {
    let show_history = || shell.open_window_at(Some("history"));
    requests::perform_each(&shell.engine, &mut requests, &shell.cancel, &show_history).await;
}

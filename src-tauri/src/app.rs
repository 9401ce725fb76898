//! The tray app (`oncall-tray`, `--demo`, `--show`): tauri's event loop on the main
//! thread, the engine on tauri's tokio runtime, the tray, notifications, and a window
//! created only when the user opens it.
//!
//! Ownership: [`Shell`] holds the engine and the cancellation token every shell task
//! watches; it lives in tauri's state. `RunEvent::Exit` cancels the tasks and shuts the
//! engine down (pending actions stay queued on disk); SIGINT and SIGTERM lead there too.

use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use oncall_engine::{Credentials, Engine, EngineOptions, SystemClock};
use oncall_store::{Config, DataDirLock, Dirs};
use tauri::{AppHandle, Manager, RunEvent};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::keychain::KeychainCredentials;
use crate::notifier::alarm::{self, Alarm};
use crate::notifier::DesktopNotifier;
use crate::requests::{self, UserRequest};
use crate::settings::{Autostart, SettingsStore};
use crate::stop_signal::StopSignal;
use crate::window::Show;
use crate::{demo, logging, tray, window};

/// What the tray app was asked to be.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub demo: bool,
    /// Open the window at start.
    pub show: bool,
}

/// The running app's shared parts.
pub struct Shell {
    pub engine: Engine,
    /// The Settings screen's operations (config file, keychain, reconfigure).
    pub settings: SettingsStore,
    pub cancel: CancellationToken,
    /// Set in tauri's `setup`: start at login needs the app handle.
    app: OnceLock<AppHandle>,
    tasks: TaskTracker,
    /// The window's process, while it is open.
    window: window::WindowHost,
    /// A tray host appeared but never listed the icon: the tray makes it anew, which
    /// registers it again (`tray::host_watch`).
    pub tray_lost: tokio::sync::Notify,
    /// Keeps demo mode's fake service and throwaway directories alive.
    _demo: Option<demo::Demo>,
    /// This app's claim on the data directory (none in demo mode, whose directories are
    /// its own), held for the app's lifetime.
    _lock: Option<DataDirLock>,
}

impl Shell {
    /// Start at login, through tauri's autostart plugin once the app is set up. Never
    /// in demo mode: it promises to leave the user's settings alone, and an autostart
    /// entry would start the real app at the next login.
    pub fn autostart(&self) -> Box<dyn Autostart> {
        match self.app.get() {
            _ if self._demo.is_some() => Box::new(NoAutostart),
            Some(app) => Box::new(PluginAutostart(app.clone())),
            None => Box::new(NoAutostart),
        }
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

    /// Spawns on tauri's runtime (menu handlers and `setup` run outside it), tracked so
    /// that `stop` waits for it.
    pub fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        tauri::async_runtime::spawn(self.tasks.track_future(task));
    }

    async fn stop(&self) {
        self.window.close().await;
        self.cancel.cancel();
        self.engine.shutdown().await;
        self.tasks.close();
        self.tasks.wait().await;
        // A sound still playing ends with the app, its device closed.
        self.settings.stop_alarm();
    }
}

struct PluginAutostart(AppHandle);

impl Autostart for PluginAutostart {
    fn enabled(&self) -> Option<bool> {
        use tauri_plugin_autostart::ManagerExt as _;
        self.0.autolaunch().is_enabled().ok()
    }

    fn set(&self, enabled: bool) -> Result<(), String> {
        use tauri_plugin_autostart::ManagerExt as _;
        let autolaunch = self.0.autolaunch();
        let result = if enabled {
            autolaunch.enable()
        } else {
            autolaunch.disable()
        };
        result.map_err(|e| e.to_string())
    }
}

/// Before `setup` has run there is nothing to ask; in demo mode nothing to offer.
struct NoAutostart;

impl Autostart for NoAutostart {
    fn enabled(&self) -> Option<bool> {
        None
    }

    fn set(&self, _: bool) -> Result<(), String> {
        Err("start at login is not available now (the app is starting, or in demo mode)".into())
    }
}

/// Runs the tray app until the user quits.
pub fn run(options: Options) -> anyhow::Result<()> {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // A second launch opens the running instance's window instead.
            if let Some(shell) = app.try_state::<Arc<Shell>>() {
                shell.open_window();
            }
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .setup(move |app| {
            let started = tauri::async_runtime::block_on(async {
                // Installed first, so that a signal during start-up is a clean stop.
                let stop = StopSignal::install()?;
                let (shell, requests) = start(options).await?;
                anyhow::Ok((shell, requests, stop))
            });
            let (shell, requests, stop) = match started {
                Ok(started) => started,
                Err(e) => {
                    // tauri panics on a failed setup (Linux runs it in the event loop,
                    // after `build`), so the app ends here the way `main` would end it:
                    // the error on stderr and exit code 1.
                    eprintln!("oncall-tray: {e:#}");
                    // An app started at login has no terminal: the file says why.
                    logging::record_failure(&format!("{e:#}"));
                    refused_notice(&e);
                    app.handle().exit(1);
                    return Ok(());
                }
            };
            let shell = Arc::new(shell);
            let _ = shell.app.set(app.handle().clone());
            shell.spawn(perform_requests(shell.clone(), requests));
            shell.spawn(quit_on_signal(shell.clone(), app.handle().clone(), stop));
            app.manage(shell.clone());
            tray::install(app.handle(), shell.clone())?;
            if options.show {
                shell.open_window();
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("the tray app could not start")?;
    // macOS: a tray app has no Dock icon and no menu bar (an accessory app). Set before
    // the event loop runs, so that the app starts as one; set in `setup`, it would be
    // switched over once running. The window's own process (`oncall-tray-window`) stays a regular
    // app, tauri's default: while the window is open it has a Dock icon and a place in
    // Cmd-Tab, so it can be found behind other windows, and it comes to the front when
    // it starts, as a regular app does.
    #[cfg(target_os = "macos")]
    let app = {
        let mut app = app;
        app.set_activation_policy(tauri::ActivationPolicy::Accessory);
        app
    };
    app.run(|app, event| match event {
        // Closing the window must not end a tray app; only Quit (exit code set) does.
        RunEvent::ExitRequested {
            api, code: None, ..
        } => api.prevent_exit(),
        RunEvent::Exit => {
            if let Some(shell) = app.try_state::<Arc<Shell>>() {
                tauri::async_runtime::block_on(shell.stop());
                info!("stopped");
            }
            // tauri ends the process after this, without returning to `main`.
            logging::finish();
        }
        _ => {}
    });
    Ok(())
}

/// A tray app started at login has no terminal: when another oncall-tray already runs
/// on the data directory, the refusal is shown as a notification too.
#[cfg_attr(any(target_os = "macos", windows), allow(unused_variables))]
fn refused_notice(e: &anyhow::Error) {
    #[cfg(all(unix, not(target_os = "macos")))]
    if let Some(refusal @ oncall_store::LockError::Held { .. }) = e.downcast_ref() {
        let body = refusal.to_string();
        let notice = tray::host_watch::notify_once("oncall-tray did not start", &body);
        if let Err(e) = tauri::async_runtime::block_on(notice) {
            warn!("could not show the refusal as a notification: {e:#}");
        }
    }
}

async fn start(options: Options) -> anyhow::Result<(Shell, mpsc::Receiver<UserRequest>)> {
    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    let (demo, dirs, credentials): (_, Dirs, Arc<dyn Credentials>) = if options.demo {
        let demo = demo::Demo::start(cancel.clone(), &tasks).await?;
        let (dirs, credentials) = (demo.dirs(), demo.credentials());
        (Some(demo), dirs, credentials)
    } else {
        (None, Dirs::from_env()?, Arc::new(KeychainCredentials))
    };
    // Taken here, after the single-instance plugin: a second tray launch in this
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
    let shell = Shell {
        engine,
        settings,
        cancel,
        app: OnceLock::new(),
        tasks,
        window: window::WindowHost::default(),
        tray_lost: tokio::sync::Notify::new(),
        _demo: demo,
        _lock: lock,
    };
    Ok((shell, request_rx))
}

/// A desktop session that ends (or `kill`) stops the app the way Quit does, so the
/// window process goes with it and nothing is cut off mid-write.
async fn quit_on_signal(shell: Arc<Shell>, app: AppHandle, mut stop: StopSignal) {
    tokio::select! {
        _ = shell.cancel.cancelled() => {}
        signal = stop.wait() => {
            info!("{signal} received: stopping");
            app.exit(0);
        }
    }
}

/// Notification buttons, performed with the shell's engine.
async fn perform_requests(shell: Arc<Shell>, mut requests: mpsc::Receiver<UserRequest>) {
    let show_history = || shell.open_window_at(Some("history"));
    requests::perform_each(&shell.engine, &mut requests, &shell.cancel, &show_history).await;
}

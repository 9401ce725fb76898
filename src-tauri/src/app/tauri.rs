//! The tray app on macOS and Windows: tauri's event loop on the main thread, the shell
//! on tauri's tokio runtime, tauri's tray. `RunEvent::Exit` stops the shell; Quit,
//! SIGINT and SIGTERM lead there.

use std::sync::Arc;

use anyhow::Context as _;
use tauri::{AppHandle, Manager, RunEvent};
use tracing::info;

use super::Options;
use crate::settings::Autostart;
use crate::shell::{self, Shell};
use crate::stop_signal::StopSignal;
use crate::{logging, tray};

/// Start at login through tauri's autostart plugin (a launch agent on macOS, the Run
/// key on Windows).
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
                let (shell, requests) = shell::start(options).await?;
                anyhow::Ok((shell, requests, stop))
            });
            let (shell, requests, stop) = match started {
                Ok(started) => started,
                Err(e) => {
                    // tauri panics on a failed setup, so the app ends here the way
                    // `main` would end it: the error on stderr and exit code 1.
                    eprintln!("oncall-tray: {e:#}");
                    // An app started at login has no terminal: the file says why.
                    logging::record_failure(&format!("{e:#}"));
                    app.handle().exit(1);
                    return Ok(());
                }
            };
            let shell = Arc::new(shell);
            shell.set_autostart(Arc::new(PluginAutostart(app.handle().clone())));
            shell.spawn(shell::perform_requests(shell.clone(), requests));
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
    // switched over once running. The window's own process (`oncall-tray-window`)
    // stays a regular app, tauri's default: while the window is open it has a Dock icon
    // and a place in Cmd-Tab, so it can be found behind other windows, and it comes to
    // the front when it starts, as a regular app does.
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

/// A desktop session that ends (or `kill`) stops the app the way Quit does, so the
/// window process goes with it and nothing is cut off mid-write.
async fn quit_on_signal(shell: Arc<Shell>, app: AppHandle, mut stop: StopSignal) {
    tokio::select! {
        _ = shell.cancel.cancelled() => {}
        () = shell.quit.cancelled() => app.exit(0),
        signal = stop.wait() => {
            info!("{signal} received: stopping");
            app.exit(0);
        }
    }
}

//! The tray icon: its picture, label and menu follow the engine's `View`; its menu
//! entries become [`UserRequest`]s (or the tray's own Open window, Start at login and
//! Quit). The menu's content is computed by [`menu`] (pure, unit-tested); the platform's
//! tray only shows it: on Linux and the BSDs a StatusNotifierItem with a dbusmenu
//! (`sni/`), on macOS and Windows tauri's tray (`tauri.rs`).

#[cfg(all(unix, not(target_os = "macos")))]
pub mod host_watch;
pub mod menu;
#[cfg(all(unix, not(target_os = "macos")))]
pub mod sni;
#[cfg(not(all(unix, not(target_os = "macos"))))]
mod tauri;

use std::sync::Arc;

use tracing::warn;

use crate::requests::{self, UserRequest};
use crate::shell::Shell;
use crate::window::Show;
use menu::Command;

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub use self::tauri::install;

/// Performs a menu entry. Requests run on the async runtime so the menu's event
/// handler returns at once.
fn perform(shell: &Arc<Shell>, command: Command) {
    let request = match command {
        Command::OpenWindow => return shell.open_window(),
        Command::ToggleAutostart => return toggle_autostart(shell),
        Command::Quit => return shell.quit.cancel(),
        Command::Act(key, kind) => UserRequest::Act {
            incidents: vec![key],
            kind,
        },
        Command::Open(key) => UserRequest::OpenIncident(key),
        Command::Details(key) => return shell.open_window_on(Show::Incident(key)),
        Command::Mute {
            account,
            service,
            minutes,
        } => UserRequest::Mute {
            account,
            service,
            minutes,
        },
        Command::Unmute { account, service } => UserRequest::Unmute { account, service },
        Command::AckAllTriggered => UserRequest::AcknowledgeAllTriggered,
        Command::Pause(minutes) => UserRequest::Pause { minutes },
        Command::Resume => UserRequest::Resume,
    };
    let performing = shell.clone();
    shell.spawn(async move {
        if let Err(e) = requests::perform(&performing.engine, request).await {
            warn!("tray action failed: {e}");
        }
    });
}

fn toggle_autostart(shell: &Shell) {
    let autostart = shell.autostart();
    let enable = autostart.enabled() != Some(true);
    if let Err(e) = autostart.set(enable) {
        warn!("could not change start at login: {e}");
    }
    shell.settings.notify_changed();
    // The menu shows the new state on its next rebuild.
    shell.engine.poll_now();
}

fn tooltip(view: &oncall_engine::View, now: chrono::DateTime<chrono::Utc>) -> String {
    format!("oncall-tray: {}", menu::state_line(view, now))
}

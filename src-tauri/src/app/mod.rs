//! The tray app (`oncall-tray`, `--demo`, `--show`): the shell (`shell.rs`) under the
//! platform's tray. On Linux and the BSDs (`freedesktop.rs`) the process links no GUI
//! toolkit: the tray is a StatusNotifierItem over D-Bus and the window is the separate
//! `oncall-tray-window`, so the process that runs all day holds no browser engine. On
//! macOS and Windows (`tauri.rs`) tauri's event loop draws the tray, whose webviews are
//! loaded only in the window's process.

#[cfg(all(unix, not(target_os = "macos")))]
mod autostart;
#[cfg(all(unix, not(target_os = "macos")))]
mod freedesktop;
#[cfg(all(unix, not(target_os = "macos")))]
mod single_instance;
#[cfg(not(all(unix, not(target_os = "macos"))))]
mod tauri;

/// What the tray app was asked to be.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub demo: bool,
    /// Open the window at start.
    pub show: bool,
}

/// Runs the tray app until the user quits (or the session ends).
pub fn run(options: Options) -> anyhow::Result<()> {
    #[cfg(all(unix, not(target_os = "macos")))]
    return freedesktop::run(options);
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    return tauri::run(options);
}

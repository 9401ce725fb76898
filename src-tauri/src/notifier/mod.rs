//! Desktop notifications: [`DesktopNotifier`] performs the engine's decisions on screen,
//! and turns the buttons the user presses into [`UserRequest`](crate::requests::UserRequest)s
//! for the task that owns the engine.
//!
//! Linux and the BSDs speak the freedesktop notification protocol over D-Bus and get
//! buttons; macOS and Windows get plain notifications through notify-rust.

pub mod alarm;
mod text;

#[cfg(all(unix, not(target_os = "macos")))]
mod freedesktop;
#[cfg(all(unix, not(target_os = "macos")))]
pub use freedesktop::DesktopNotifier;

#[cfg(any(target_os = "macos", windows))]
mod plain;
#[cfg(any(target_os = "macos", windows))]
pub use plain::DesktopNotifier;

//! The window lives in its own process (`oncall-tray --window`), started when the user
//! opens it and gone when they close it. WebKitGTK keeps its network process for as
//! long as the web context that started it, and tauri keeps that context for the whole
//! app on Linux; in a child process, closing the window ends every WebKit process and
//! the tray returns to its webview-free footprint.
//!
//! The two talk over a loopback TCP connection guarded by a random token the child
//! gets in its environment: the tray pushes every new `View` (the webview never polls
//! and never sees a token) and asks the window to come forward on a second "open".

mod host;
mod ipc;
mod process;

pub use host::WindowHost;
pub use process::run as run_window_process;

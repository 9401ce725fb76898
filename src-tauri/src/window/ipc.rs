//! The tray ↔ window protocol: newline-delimited JSON over loopback TCP. The window
//! first sends the token it was given; the tray then sends [`ToWindow`] messages.

use oncall_engine::View;
use serde::{Deserialize, Serialize};

/// Where the window process finds the tray: `127.0.0.1:PORT TOKEN`.
pub const ENV: &str = "ONCALL_TRAY_WINDOW_IPC";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToWindow {
    /// The latest view, sent on connect and on every change.
    View(Box<View>),
    /// The user asked for the window again: bring it forward.
    Focus,
}

/// A fresh random token, as hex.
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

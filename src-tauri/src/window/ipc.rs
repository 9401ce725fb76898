//! The tray ↔ window protocol: newline-delimited JSON over loopback TCP. The window
//! first sends the token it was given; then the tray sends [`ToWindow`] messages and
//! the window sends [`FromWindow`] requests, each one JSON object per line.

use oncall_engine::View;
use oncall_model::{ActionKind, IncidentKey};
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
    /// An action the window asked for was not accepted, or the service refused it for
    /// good; `reason` is one readable sentence.
    ActionFailed {
        incidents: Vec<IncidentKey>,
        reason: String,
    },
}

/// What the window asks the tray to do. The tray does it with its engine; the window
/// learns the outcome from the next views (or an [`ToWindow::ActionFailed`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum FromWindow {
    /// Acknowledge, resolve, snooze or unacknowledge these incidents.
    Act {
        incidents: Vec<IncidentKey>,
        kind: ActionKind,
    },
    /// Open the incident's page in the browser (the tray opens it; the webview has no
    /// URL opener).
    Open { incident: IncidentKey },
}

/// A fresh random token, as hex.
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_as_the_page_writes_them() {
        let act: FromWindow = serde_json::from_str(
            r#"{"request":"act","incidents":[{"account":"work","id":"P1"}],"kind":{"kind":"snooze","seconds":3600}}"#,
        )
        .unwrap();
        assert_eq!(
            act,
            FromWindow::Act {
                incidents: vec![IncidentKey::new("work", "P1")],
                kind: ActionKind::Snooze { seconds: 3600 },
            }
        );
        let open = FromWindow::Open {
            incident: IncidentKey::new("work", "P1"),
        };
        let line = serde_json::to_string(&open).unwrap();
        assert_eq!(serde_json::from_str::<FromWindow>(&line).unwrap(), open);
        assert!(serde_json::from_str::<FromWindow>(r#"{"request":"delete_everything"}"#).is_err());
    }
}

//! The tray ↔ window protocol: newline-delimited JSON over loopback TCP. The window
//! first sends the token it was given; then the tray sends [`ToWindow`] messages and
//! the window sends [`FromWindow`] requests, each one JSON object per line.

use oncall_engine::View;
use oncall_model::{ActionKind, IncidentKey, Urgency};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::settings::dto::{AccountDraft, NotificationSettings};

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
    /// The answer to [`FromWindow::Call`] `id`: the command's value as JSON, or why the
    /// tray could not do it.
    Reply {
        id: u64,
        result: Result<serde_json::Value, String>,
    },
    /// The settings changed (saved here or elsewhere): the current ones.
    Settings(serde_json::Value),
}

/// What the window asks the tray to do. The tray does it with its engine; the window
/// learns the outcome from the next views (or an [`ToWindow::ActionFailed`]).
#[derive(Debug, Serialize, Deserialize)]
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
    /// A request the window waits for: answered by [`ToWindow::Reply`] with the same id.
    Call { id: u64, call: Box<Call> },
}

/// The Settings and History screens' requests (see `settings::dto` for their answers).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    GetSettings,
    SaveAccount {
        original: Option<String>,
        draft: AccountDraft,
    },
    RemoveAccount {
        name: String,
    },
    SetToken {
        account: String,
        token: TokenInput,
    },
    TestConnection {
        account: String,
    },
    /// Play the saved sound of this urgency once ("Test alarm").
    TestAlarm {
        urgency: Urgency,
    },
    SaveNotifications {
        draft: NotificationSettings,
    },
    SetAutostart {
        enabled: bool,
    },
    /// Pause notifications for `minutes`, or until resumed (`None`).
    Pause {
        minutes: Option<u32>,
    },
    Resume,
    GetHistory,
}

/// A token typed into Settings, on its one trip from the window process to the tray
/// process (loopback, token-guarded). `Debug` shows `[REDACTED]`.
#[derive(Debug)]
pub struct TokenInput(pub SecretString);

impl Serialize for TokenInput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose_secret())
    }
}

impl<'de> Deserialize<'de> for TokenInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| TokenInput(SecretString::from(s)))
    }
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
        assert!(matches!(
            act,
            FromWindow::Act { incidents, kind: ActionKind::Snooze { seconds: 3600 } }
                if incidents == [IncidentKey::new("work", "P1")]
        ));
        let open = FromWindow::Open {
            incident: IncidentKey::new("work", "P1"),
        };
        let line = serde_json::to_string(&open).unwrap();
        assert!(matches!(
            serde_json::from_str::<FromWindow>(&line).unwrap(),
            FromWindow::Open { incident } if incident == IncidentKey::new("work", "P1")
        ));
        assert!(serde_json::from_str::<FromWindow>(r#"{"request":"delete_everything"}"#).is_err());
    }

    #[test]
    fn a_token_crosses_once_and_never_shows_in_debug_output() {
        let call = FromWindow::Call {
            id: 7,
            call: Box::new(Call::SetToken {
                account: "work".into(),
                token: TokenInput(SecretString::from("u+secret-token")),
            }),
        };
        assert!(!format!("{call:?}").contains("u+secret-token"));
        let line = serde_json::to_string(&call).unwrap();
        let FromWindow::Call { id: 7, call } = serde_json::from_str(&line).unwrap() else {
            panic!("{line}")
        };
        let Call::SetToken { token, .. } = *call else {
            panic!("{line}")
        };
        assert_eq!(token.0.expose_secret(), "u+secret-token");
    }
}

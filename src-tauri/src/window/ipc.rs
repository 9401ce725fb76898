//! The tray ↔ window protocol: newline-delimited JSON over loopback TCP. The window
//! first sends the token it was given; then the tray sends [`ToWindow`] messages and
//! the window sends [`FromWindow`] requests, each one JSON object per line.
//!
//! Every line is read with a cap ([`lines`], [`next_line`]): a peer that never ends a
//! line costs the reader at most the cap, then the connection.

use std::fmt;

use futures_util::StreamExt as _;
use oncall_engine::View;
use oncall_model::{ActionKind, AssigneeKind, CoverRequest, IncidentKey, Urgency};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tokio::io::AsyncRead;
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use crate::settings::dto::{AccountForm, NotificationsForm, ReportForm};

/// Where the window process finds the tray: `127.0.0.1:PORT TOKEN`.
pub const ENV: &str = "ONCALL_TRAY_WINDOW_IPC";
/// The tab a starting window opens on, when the tray asks for one.
pub const TAB_ENV: &str = "ONCALL_TRAY_WINDOW_TAB";
/// The incident a starting window opens the details of (`ACCOUNT/ID`), when the tray
/// asks for one.
pub const INCIDENT_ENV: &str = "ONCALL_TRAY_WINDOW_INCIDENT";

/// Whether `key` may be put into the page's address as it is: an account name and an
/// id of letters, digits and `-_.~` (every service's ids are). Anything else opens
/// the window without the details rather than with an address made of service text.
pub fn plain_incident_key(key: &str) -> bool {
    key.split_once('/').is_some_and(|(account, id)| {
        let plain = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
        };
        plain(account) && plain(id)
    })
}

/// The page's tabs, as its `TabName`s (`ui/src/tabs.ts`): the only tabs the tray asks
/// for and the window process passes on.
pub const TABS: &[&str] = &["incidents", "oncall", "history", "report", "settings"];

/// The longest first line a connection may send: the token is 32 hex digits, so
/// anything near this long is not the window.
pub const MAX_TOKEN_LINE: usize = 256;

/// The longest request line the window may send. The longest a person makes is
/// "acknowledge selected" over a whole storm: 10,000 incident keys fit (a test checks).
pub const MAX_REQUEST: usize = 1024 * 1024;

/// The longest line the tray may send the window. A view grows with the services' open
/// incidents (one Alertmanager answer may be 32 MiB by default), so this sits far above
/// any real view: it is there so that a broken peer cannot grow the window without end.
pub const MAX_MESSAGE: usize = 256 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToWindow {
    /// The latest view, sent on connect and on every change.
    View(Box<View>),
    /// The user asked for the window again: bring it forward.
    Focus,
    /// Show this tab (one of [`TABS`]): a notification's "Show History" button.
    ShowTab { tab: String },
    /// Show this incident's details (the tray menu's "Notes, reassign, escalate…").
    ShowIncident { incident: IncidentKey },
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
        /// Boxed: a form is far larger than any other call.
        draft: Box<AccountForm>,
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
        draft: NotificationsForm,
    },
    /// "Your hours" (`[report]`): what the on-call report counts pages against.
    SaveReport {
        draft: ReportForm,
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
    /// Open the folder of the tray's log in the file manager. The tray knows which
    /// folder: the request names none.
    OpenLogFolder,
    /// The on-call report of the last `days` local days (checked by the tray: 1 to 30).
    GetReport {
        days: u32,
    },
    /// Write that report's CSV into the download folder (the tray's choice).
    ExportReportCsv {
        days: u32,
    },
    /// Open the folder reports are exported to. The request names none.
    OpenReportFolder,
    /// Put the user on call in one of the account's schedules (a schedule override:
    /// "Take this shift", "Cover for N hours"). Sent only from the page's confirmation;
    /// answered with the override the service created.
    CoverShift {
        account: String,
        request: CoverRequest,
    },
    /// The incident's notes, log entries and alerts (the detail pane), asked of the
    /// service now.
    IncidentDetails {
        incident: IncidentKey,
    },
    /// Who an incident can be handed to: the reassign and escalate pickers.
    FindAssignees {
        account: String,
        query: String,
        kinds: Vec<AssigneeKind>,
    },
    /// Mute a service of the account for `minutes`: its incidents stay listed, none pages.
    MuteService {
        account: String,
        service: String,
        minutes: u32,
    },
    UnmuteService {
        account: String,
        service: String,
    },
    /// "Move to Jira Service Management…": the Opsgenie account `account` becomes a JSM
    /// one on `site`, signing in as `email` with `token` (checked by the tray before
    /// anything is written, then stored; never sent back). `api_url`: the JSM API when
    /// not Atlassian's (a loopback fake).
    MigrateAccount {
        account: String,
        site: String,
        email: String,
        #[serde(default)]
        api_url: Option<String>,
        token: TokenInput,
    },
    /// The user put a Settings notice away (`opsgenie-end`): it stays away.
    DismissNotice {
        id: String,
    },
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

/// Why reading a connection's lines ended.
#[derive(Debug)]
pub enum Ended {
    /// The peer closed the connection.
    Closed,
    /// The peer sent a line longer than the cap; the rest of it was never buffered.
    LineTooLong { max: usize },
    /// Reading failed (a reset connection, or bytes that are not UTF-8).
    Failed(std::io::Error),
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ended::Closed => f.write_str("the other side closed the connection"),
            Ended::LineTooLong { max } => write!(f, "a line was longer than {max} bytes"),
            Ended::Failed(e) => write!(f, "reading failed: {e}"),
        }
    }
}

/// `read` as lines of at most `max` bytes (newline not counted).
pub fn lines<R: AsyncRead>(read: R, max: usize) -> FramedRead<R, LinesCodec> {
    FramedRead::new(read, LinesCodec::new_with_max_length(max))
}

/// The next line, or why there is none. Once the codec holds more than its cap without
/// a newline it gives up, so a line that never ends costs at most the cap (plus one
/// read's worth) before the caller drops the connection.
pub async fn next_line<R: AsyncRead + Unpin>(
    lines: &mut FramedRead<R, LinesCodec>,
) -> Result<String, Ended> {
    match lines.next().await {
        Some(Ok(line)) => Ok(line),
        None => Err(Ended::Closed),
        Some(Err(LinesCodecError::MaxLineLengthExceeded)) => Err(Ended::LineTooLong {
            max: lines.decoder().max_length(),
        }),
        Some(Err(LinesCodecError::Io(e))) => Err(Ended::Failed(e)),
    }
}

/// A fresh random token, as hex.
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt as _;

    use super::*;

    /// Only keys of plain characters reach the page's address; anything else opens the
    /// window without the details.
    #[test]
    fn only_plain_incident_keys_go_into_the_address() {
        for key in ["work/Q1ABC", "ops/8c1f-23ab_x.y~z", "work-eu/P42"] {
            assert!(plain_incident_key(key), "{key}");
        }
        for key in [
            "work",
            "/Q1",
            "work/",
            "work/Q1#x",
            "work/Q1?x",
            "work/../x",
            "work/Q 1",
            "wörk/Q1",
            "work/Q1\n",
            "work/a/b",
        ] {
            assert!(!plain_incident_key(key), "{key}");
        }
    }

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

    /// "Open log folder" names no folder: the tray opens its own, whatever the page
    /// sends along.
    #[test]
    fn opening_the_log_folder_carries_no_path() {
        let call = FromWindow::Call {
            id: 3,
            call: Box::new(Call::OpenLogFolder),
        };
        assert_eq!(
            serde_json::to_string(&call).unwrap(),
            r#"{"request":"call","id":3,"call":{"call":"open_log_folder"}}"#
        );
        let with_a_path: FromWindow = serde_json::from_str(
            r#"{"request":"call","id":4,"call":{"call":"open_log_folder","path":"/etc"}}"#,
        )
        .unwrap();
        assert!(matches!(
            with_a_path,
            FromWindow::Call { id: 4, call } if matches!(*call, Call::OpenLogFolder)
        ));
    }

    /// The report's calls carry a number of days, and opening its folder names none.
    #[test]
    fn the_report_calls_carry_days_and_no_path() {
        let call = FromWindow::Call {
            id: 5,
            call: Box::new(Call::ExportReportCsv { days: 14 }),
        };
        assert_eq!(
            serde_json::to_string(&call).unwrap(),
            r#"{"request":"call","id":5,"call":{"call":"export_report_csv","days":14}}"#
        );
        let open: FromWindow = serde_json::from_str(
            r#"{"request":"call","id":6,"call":{"call":"open_report_folder","path":"/etc"}}"#,
        )
        .unwrap();
        assert!(matches!(
            open,
            FromWindow::Call { id: 6, call } if matches!(*call, Call::OpenReportFolder)
        ));
        let negative = r#"{"request":"call","id":7,"call":{"call":"get_report","days":-1}}"#;
        assert!(serde_json::from_str::<FromWindow>(negative).is_err());
    }

    /// A cover carries the account, the schedule and the times the page's confirmation
    /// showed, to the second as the page chose them.
    #[test]
    fn a_cover_carries_the_times_the_confirmation_showed() {
        let line = r#"{"request":"call","id":5,"call":{"call":"cover_shift","account":"work","request":{"schedule_id":"PSCHED1","start":"2026-03-10T14:05:00.000Z","end":"2026-03-16T08:00:00Z"}}}"#;
        let FromWindow::Call { id: 5, call } = serde_json::from_str(line).unwrap() else {
            panic!("{line}")
        };
        let Call::CoverShift { account, request } = *call else {
            panic!("{line}")
        };
        assert_eq!(account, "work");
        assert_eq!(request.schedule_id, "PSCHED1");
        assert_eq!(request.start.to_rfc3339(), "2026-03-10T14:05:00+00:00");
        assert_eq!(request.end.to_rfc3339(), "2026-03-16T08:00:00+00:00");
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

    /// A move's token crosses as `set_token`'s does: in the line once, never in `Debug`.
    #[test]
    fn a_moves_token_crosses_once_and_never_shows_in_debug_output() {
        let call = FromWindow::Call {
            id: 8,
            call: Box::new(Call::MigrateAccount {
                account: "ops".into(),
                site: "acme".into(),
                email: "pat@example.com".into(),
                api_url: None,
                token: TokenInput(SecretString::from("ATATT-secret")),
            }),
        };
        assert!(!format!("{call:?}").contains("ATATT-secret"));
        let line = serde_json::to_string(&call).unwrap();
        let FromWindow::Call { id: 8, call } = serde_json::from_str(&line).unwrap() else {
            panic!("{line}")
        };
        let Call::MigrateAccount {
            account,
            site,
            email,
            api_url,
            token,
        } = *call
        else {
            panic!("{line}")
        };
        assert_eq!(
            (account.as_str(), site.as_str(), email.as_str(), api_url),
            ("ops", "acme", "pat@example.com", None)
        );
        assert_eq!(token.0.expose_secret(), "ATATT-secret");
        let dismiss: FromWindow = serde_json::from_str(
            r#"{"request":"call","id":9,"call":{"call":"dismiss_notice","id":"opsgenie-end"}}"#,
        )
        .unwrap();
        assert!(matches!(
            dismiss,
            FromWindow::Call { id: 9, call } if matches!(&*call, Call::DismissNotice { id } if id == "opsgenie-end")
        ));
    }

    /// Regression: the request cap was 64 KiB, so "select all, acknowledge" over the
    /// 2,000-incident storm (some 80 KB of PagerDuty keys) ended the window's connection.
    #[test]
    fn acknowledging_a_whole_storm_at_once_fits_in_one_request() {
        // Opsgenie's ids are the longest of the providers' (UUIDs).
        let incidents = (0..10_000)
            .map(|i| {
                IncidentKey::new(
                    "production-opsgenie",
                    format!("70413a06-38d6-4c85-92b8-{i:012}"),
                )
            })
            .collect();
        let act = FromWindow::Act {
            incidents,
            kind: ActionKind::Acknowledge,
        };
        let line = serde_json::to_string(&act).unwrap();
        assert!(line.len() <= MAX_REQUEST, "{} bytes", line.len());
    }

    /// The reading both sides do: a line over the cap ends reading at once (the peer
    /// still holds the connection open and would keep sending), instead of being
    /// buffered until a newline that never comes.
    #[tokio::test]
    async fn a_line_over_the_cap_ends_reading_without_waiting_for_its_end() {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let mut peer = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (reader, _) = listener.accept().await.unwrap();
        let mut lines = lines(reader, 1024);

        peer.write_all(b"{\"request\":\"open\"}\n").await.unwrap();
        peer.write_all(&[b'x'; 1025]).await.unwrap();

        let read = async {
            let first = next_line(&mut lines).await;
            let second = next_line(&mut lines).await;
            (first, second)
        };
        let (first, second) = tokio::time::timeout(HANG, read)
            .await
            .expect("a line over the cap must end reading without more bytes");
        assert_eq!(first.unwrap(), "{\"request\":\"open\"}");
        assert!(
            matches!(second, Err(Ended::LineTooLong { max: 1024 })),
            "{second:?}"
        );
        drop(peer);
    }

    /// Long enough that only a hang reaches it.
    const HANG: std::time::Duration = std::time::Duration::from_secs(30);
}

//! What the engine publishes: the latest [`View`] of every account (a `watch` value the
//! tray and window render) and [`EngineEvent`]s for things that happen once.

use chrono::{DateTime, Utc};
use oncall_model::{
    AccountId, ActionId, ActionKind, ActionOutcome, Capabilities, Incident, IncidentKey,
    OnCallShift, ProviderKind, RotaEntry, Status,
};
use oncall_policy::Pause;
use serde::{Deserialize, Serialize};

/// The connection state of one account, in the terms the tray shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Connection {
    /// Not polled successfully yet.
    Connecting,
    Ok,
    /// The service could not be reached or answered with an error; retrying.
    Offline {
        reason: String,
        retry_at: DateTime<Utc>,
    },
    /// The token was refused. It is checked again every few minutes (an authentication
    /// blip heals by itself), and at once when the token changes.
    AuthFailed {
        reason: String,
    },
    /// The token could not be had (a token command failed, the keychain is locked):
    /// nothing is polled or sent until it can; retrying.
    TokenUnavailable {
        reason: String,
        retry_at: DateTime<Utc>,
    },
    RateLimited {
        retry_at: DateTime<Utc>,
    },
    /// The account cannot start (no token, bad URL); nothing to retry until it changes.
    Misconfigured {
        reason: String,
    },
}

impl Connection {
    /// One line a tired person understands at 3 a.m.
    pub fn describe(&self) -> String {
        match self {
            Connection::Connecting => "connecting…".into(),
            Connection::Ok => "connected".into(),
            Connection::Offline { reason, .. } => format!("offline, retrying ({reason})"),
            Connection::AuthFailed { .. } => format!(
                "token rejected: enter a new one in Settings or with `oncall-tray token set` \
                 (checked again every {} minutes)",
                crate::backoff::AUTH_RECHECK.as_secs() / 60
            ),
            Connection::TokenUnavailable { reason, .. } => {
                format!("cannot get the token, retrying ({reason})")
            }
            Connection::RateLimited { .. } => "rate limited by the service, waiting".into(),
            Connection::Misconfigured { reason } => reason.clone(),
        }
    }

    pub fn is_healthy(&self) -> bool {
        matches!(self, Connection::Ok | Connection::Connecting)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub account: AccountId,
    pub provider: ProviderKind,
    /// What the UI may offer for this account's incidents.
    pub capabilities: Capabilities,
    pub connection: Connection,
    pub last_success: Option<DateTime<Utc>>,
    pub next_poll: Option<DateTime<Utc>>,
    /// The user's shifts over the coming [`oncall_model::SHIFT_HORIZON`], as the
    /// service lists them.
    pub on_call: Vec<OnCallShift>,
    /// Who is on call now and next in each of the user's schedules and policy levels.
    #[serde(default)]
    pub rota: Vec<RotaEntry>,
    /// Why the account's schedules cannot be read (the key lacks a permission), in
    /// words for the window; `None` when they can, or the service has none.
    #[serde(default)]
    pub shifts_problem: Option<String>,
}

/// An incident as shown: the service's state with the user's pending actions applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentView {
    pub incident: Incident,
    /// An action the user took that the service has not confirmed yet.
    pub pending: Option<ActionKind>,
    /// Why the pending action has not gone through yet (it is being retried).
    pub pending_error: Option<String>,
    /// Actions that change no status (a note, a hand-over, responders, urgency), saved
    /// and on their way, not yet confirmed by the service.
    #[serde(default)]
    pub sending: Vec<ActionKind>,
    /// Why this incident does not page: a muted service or a noise rule. Still listed:
    /// nothing the service sent is silently dropped.
    #[serde(default)]
    pub quiet: Option<Quiet>,
}

impl IncidentView {
    /// The one rule for "this needs the user": triggered (as the user's own actions
    /// leave it) and not kept quiet by a mute or a noise rule. The tray's count, its
    /// "all clear" icon and anything else that counts what needs the user ask this.
    pub fn needs_user(&self) -> bool {
        self.incident.status == Status::Triggered && self.quiet.is_none()
    }
}

/// Why an incident is kept quiet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Quiet {
    /// Its service is muted until then (from the tray, the window or the CLI).
    Muted { until: DateTime<Utc> },
    /// A noise rule of the account says so; `rule` in the user's words.
    Rule { rule: String },
}

/// A service muted for a while: its incidents are listed but never page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mute {
    pub account: AccountId,
    pub service: String,
    pub until: DateTime<Utc>,
}

/// Whether notifications reach the desktop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Delivery {
    #[default]
    Ok,
    /// The last attempt failed (no notification server, an error, no answer); pages
    /// wait in the outbox and are retried.
    Failing {
        since: DateTime<Utc>,
        reason: String,
    },
}

impl Delivery {
    /// One line a tired person understands at 3 a.m.
    pub fn describe(&self) -> Option<String> {
        match self {
            Delivery::Ok => None,
            Delivery::Failing { reason, .. } => Some(format!(
                "notifications are not reaching your desktop ({reason}): pages wait and are retried"
            )),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub accounts: Vec<AccountView>,
    /// Open incidents of every account, most urgent first (triggered, high urgency, oldest).
    pub incidents: Vec<IncidentView>,
    pub pause: Option<Pause>,
    #[serde(default)]
    pub delivery: Delivery,
    /// Services muted now, soonest to end first.
    #[serde(default)]
    pub mutes: Vec<Mute>,
}

impl View {
    pub fn count(&self, status: Status) -> usize {
        self.incidents
            .iter()
            .filter(|i| i.incident.status == status)
            .count()
    }

    /// How many incidents need the user ([`IncidentView::needs_user`]).
    pub fn needing_user(&self) -> usize {
        self.incidents.iter().filter(|i| i.needs_user()).count()
    }

    pub fn incident(&self, key: &IncidentKey) -> Option<&IncidentView> {
        self.incidents.iter().find(|i| &i.incident.key == key)
    }
}

pub(crate) fn sort_most_urgent_first(incidents: &mut [IncidentView]) {
    fn rank(s: Status) -> u8 {
        match s {
            Status::Triggered => 0,
            Status::Acknowledged => 1,
            Status::Resolved => 2,
        }
    }
    incidents.sort_by(|a, b| {
        let (a, b) = (&a.incident, &b.incident);
        rank(a.status)
            .cmp(&rank(b.status))
            .then(b.urgency.cmp(&a.urgency))
            .then(a.created_at.cmp(&b.created_at))
            .then(a.key.cmp(&b.key))
    });
}

/// How a queued action ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ActionResult {
    Confirmed {
        outcome: ActionOutcome,
    },
    /// Refused for good; the incident is shown as it really is again.
    Failed {
        reason: String,
    },
}

/// Things that happen once, for logs, the window and tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EngineEvent {
    Polled {
        account: AccountId,
        requests: u32,
        open: usize,
    },
    ActionQueued {
        id: ActionId,
        incident: IncidentKey,
        kind: ActionKind,
    },
    ActionFinished {
        id: ActionId,
        incident: IncidentKey,
        kind: ActionKind,
        result: ActionResult,
    },
    /// Something the user should know that is not an account's state (e.g. a corrupt
    /// state file moved aside).
    Warning { message: String },
}

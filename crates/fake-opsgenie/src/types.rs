//! The fake's public data: alerts as tests create and inspect them, and processed
//! request outcomes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A responder of an alert. Opsgenie's wire form is `{type, id}`; the fake also keeps a
/// name so that `responders:<name>` queries can match it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeResponder {
    /// `user`, `team`, `escalation` or `schedule`.
    pub kind: String,
    pub id: String,
    pub name: String,
}

impl FakeResponder {
    pub fn user(name: &str) -> Self {
        FakeResponder {
            kind: "user".into(),
            id: format!("user-{name}"),
            name: name.into(),
        }
    }

    pub fn team(name: &str) -> Self {
        FakeResponder {
            kind: "team".into(),
            id: format!("team-{name}"),
            name: name.into(),
        }
    }
}

/// What creates an alert (`POST /v2/alerts` or [`crate::FakeOpsgenie::create_alert`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAlert {
    pub message: String,
    pub alias: Option<String>,
    pub description: String,
    /// `P1`..`P5`; Opsgenie's default is `P3`.
    pub priority: Option<String>,
    pub tags: Vec<String>,
    pub responders: Vec<FakeResponder>,
    pub source: Option<String>,
}

impl NewAlert {
    pub fn new(message: &str) -> Self {
        NewAlert {
            message: message.into(),
            ..NewAlert::default()
        }
    }
    pub fn alias(mut self, alias: &str) -> Self {
        self.alias = Some(alias.into());
        self
    }
    pub fn priority(mut self, priority: &str) -> Self {
        self.priority = Some(priority.into());
        self
    }
    pub fn tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.into());
        self
    }
    pub fn responder(mut self, responder: FakeResponder) -> Self {
        self.responders.push(responder);
        self
    }
    pub fn source(mut self, source: &str) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// One alert as the fake holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeAlert {
    pub id: String,
    pub tiny_id: String,
    pub alias: String,
    pub message: String,
    pub description: String,
    /// `open` or `closed`.
    pub status: String,
    pub acknowledged: bool,
    pub is_seen: bool,
    pub tags: Vec<String>,
    pub snoozed: bool,
    /// Kept after the snooze ends, as the record of when it ended.
    pub snoozed_until: Option<DateTime<Utc>>,
    pub count: u32,
    pub last_occurred_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub source: String,
    pub owner: String,
    pub priority: String,
    pub responders: Vec<FakeResponder>,
    /// `report.ackTime`: milliseconds from creation to the (latest) acknowledgement.
    pub ack_time_ms: Option<i64>,
    pub close_time_ms: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub closed_by: Option<String>,
    /// Notes, oldest first: added on their own or with an action's `note`.
    pub notes: Vec<FakeNote>,
    /// One line per change, oldest first (`GET /v2/alerts/{identifier}/logs`).
    pub log: Vec<FakeLogEntry>,
    /// Ids of the escalations the alert was escalated to, in order.
    pub escalations: Vec<String>,
    /// Creation order (tinyId as a number).
    pub seq: u64,
}

/// One note of an alert (`AlertNote`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeNote {
    pub note: String,
    /// Who added it: the request's `user`, else the integration's name.
    pub owner: String,
    pub created_at: DateTime<Utc>,
    /// Opsgenie's paging key: creation time in milliseconds and a sequence number.
    pub offset: String,
}

/// One line of an alert's log (`AlertLog`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeLogEntry {
    pub log: String,
    /// `system` for what the fake did on its own, `alertAction` for a user's action,
    /// `note` for an added note (the fake's choice: the document names no values).
    pub kind: String,
    pub owner: String,
    pub created_at: DateTime<Utc>,
    pub offset: String,
}

/// A team of the account (`Team`): a responder an alert can be routed to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeTeam {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// An escalation of the account (`Escalation`), the target of "escalate".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeEscalation {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// What `GET /v2/alerts/requests/{requestId}` reports for a processed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestOutcome {
    pub success: bool,
    pub action: String,
    pub processed_at: DateTime<Utc>,
    pub status: String,
    pub alert_id: String,
    pub alias: String,
}

/// A user of the account, as `GET /v2/users/{identifier}` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeUser {
    pub id: String,
    /// Opsgenie's usernames are e-mail addresses.
    pub username: String,
    pub full_name: String,
    /// An IANA zone such as `Europe/Berlin`.
    pub time_zone: String,
}

/// How long each participant's turn in a rotation lasts. Opsgenie's rotations are
/// `hourly`, `daily` or `weekly` with a `length` in those units; [`TurnLength::Minutes`]
/// is the fake's own, for demos whose shifts must start and end within minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TurnLength {
    Hours(u32),
    Days(u32),
    Weeks(u32),
    /// Not expressible in Opsgenie's terms: the rotation is shown without `type` and
    /// `length` (neither is required by the document).
    Minutes(u32),
}

impl TurnLength {
    pub(crate) fn duration(self) -> chrono::Duration {
        match self {
            TurnLength::Hours(n) => chrono::Duration::hours(n.into()),
            TurnLength::Days(n) => chrono::Duration::days(n.into()),
            TurnLength::Weeks(n) => chrono::Duration::weeks(n.into()),
            TurnLength::Minutes(n) => chrono::Duration::minutes(n.into()),
        }
    }

    /// Opsgenie's `type` and `length`, when it has words for this length.
    pub(crate) fn wire(self) -> Option<(&'static str, u32)> {
        match self {
            TurnLength::Hours(n) => Some(("hourly", n)),
            TurnLength::Days(n) => Some(("daily", n)),
            TurnLength::Weeks(n) => Some(("weekly", n)),
            TurnLength::Minutes(_) => None,
        }
    }
}

/// One rotation of a [`ScheduleSpec`]: participants take turns of `turn` from `start`
/// (the first participant's first turn) until `end`, if any. Nobody is on call in it
/// before `start`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationSpec {
    /// `None` names it "Rotation N".
    pub name: Option<String>,
    /// Usernames (or user ids), in turn order.
    pub participants: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub turn: TurnLength,
}

impl RotationSpec {
    pub fn new(participants: &[&str], start: DateTime<Utc>, turn: TurnLength) -> Self {
        RotationSpec {
            name: None,
            participants: participants.iter().map(|p| p.to_string()).collect(),
            start,
            end: None,
            turn,
        }
    }

    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }

    pub fn until(mut self, end: DateTime<Utc>) -> Self {
        self.end = Some(end);
        self
    }
}

/// A schedule to add with [`crate::FakeOpsgenie::add_schedule`]. Its rotations run side
/// by side, as Opsgenie's do: whoever each rotation has on call is on call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    pub name: String,
    pub description: String,
    /// An IANA zone; the fake renders every time in UTC whatever it says.
    pub timezone: String,
    pub enabled: bool,
    pub rotations: Vec<RotationSpec>,
}

impl ScheduleSpec {
    /// An enabled schedule in `Europe/London` with no rotation yet.
    pub fn new(name: &str) -> Self {
        ScheduleSpec {
            name: name.into(),
            description: String::new(),
            timezone: "Europe/London".into(),
            enabled: true,
            rotations: Vec::new(),
        }
    }

    pub fn rotation(mut self, rotation: RotationSpec) -> Self {
        self.rotations.push(rotation);
        self
    }
}

/// Who an override puts on call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OverrideTaker {
    /// The user with that id.
    User(String),
    /// Opsgenie's reserved word `none`: nobody is on call in the overridden rotations.
    Nobody,
}

/// A schedule override as the fake holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeScheduleOverride {
    pub alias: String,
    pub taker: OverrideTaker,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Ids of the rotations it overrides; empty for every rotation of the schedule.
    pub rotation_ids: Vec<String>,
}

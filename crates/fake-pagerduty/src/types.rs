//! The plain values tests exchange with the fake: what to trigger, what an incident looks
//! like from the outside, and on-call shifts.
//!
//! These are deliberately *not* PagerDuty's wire shapes (those live in `json.rs`): a test
//! asserting on `FakeIncident::status` should not have to dig through JSON, and the wire
//! format can then follow the OpenAPI document without tests caring.

use chrono::{DateTime, Utc};
use oncall_model::{Status, Urgency};
use serde::{Deserialize, Serialize};

/// The service every `NewIncident` goes to unless told otherwise (seeded by `FakePagerDuty::new`).
pub const DEFAULT_SERVICE_ID: &str = "PSVC001";

/// What to trigger: built with [`NewIncident::new`] and refined with the builder methods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIncident {
    pub title: String,
    pub service_id: String,
    pub urgency: Urgency,
    /// `None` assigns the incident to the level-1 target of the service's escalation policy,
    /// as PagerDuty does; `Some` is a direct assignment.
    pub assignees: Option<Vec<String>>,
    /// The incident key. A trigger whose key matches an open incident on the same service
    /// creates nothing (PagerDuty's de-duplication); `None` generates a fresh key.
    pub dedup_key: Option<String>,
    /// The incident's `html_url` as sent, for tests of what a client does with a link
    /// that is not a web page (PagerDuty's document types it only as a `url` string).
    /// `None` is the fake's own page for the incident.
    #[serde(default)]
    pub html_url: Option<String>,
}

impl NewIncident {
    /// A high-urgency incident on `PSVC001`, assigned through its escalation policy.
    pub fn new(title: impl Into<String>) -> Self {
        NewIncident {
            title: title.into(),
            service_id: DEFAULT_SERVICE_ID.to_string(),
            urgency: Urgency::High,
            assignees: None,
            dedup_key: None,
            html_url: None,
        }
    }

    pub fn urgency(mut self, urgency: Urgency) -> Self {
        self.urgency = urgency;
        self
    }

    pub fn service(mut self, id: impl Into<String>) -> Self {
        self.service_id = id.into();
        self
    }

    pub fn assignees(mut self, ids: &[&str]) -> Self {
        self.assignees = Some(ids.iter().map(|id| id.to_string()).collect());
        self
    }

    pub fn dedup_key(mut self, key: impl Into<String>) -> Self {
        self.dedup_key = Some(key.into());
        self
    }

    pub fn html_url(mut self, url: impl Into<String>) -> Self {
        self.html_url = Some(url.into());
        self
    }
}

/// A snapshot of one incident as the fake holds it (not PagerDuty's JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeIncident {
    /// E.g. `Q0000000000001`.
    pub id: String,
    /// PagerDuty's `incident_number`, unique and increasing from 1.
    pub number: u64,
    pub title: String,
    pub status: Status,
    pub urgency: Urgency,
    pub service_id: String,
    /// The incident's de-duplication key (`incident_key` on the wire).
    pub incident_key: String,
    /// Users currently assigned; empty once resolved.
    pub assignees: Vec<String>,
    /// Who acknowledged it: user ids, or the service id for an Events API acknowledge.
    /// Empty unless the incident is acknowledged.
    pub acknowledged_by: Vec<String>,
    /// When a snooze ends; the incident re-triggers then (checked lazily on every read).
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Moves only when the status changes: trigger, acknowledge, resolve, re-trigger.
    pub last_status_change_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Moves on every change, including reassignment and urgency changes.
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Human-readable log, oldest first, e.g. `"acknowledged by PUSER01"`.
    pub history: Vec<String>,
}

/// One on-call shift of a user, as `GET /oncalls` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeOnCall {
    pub escalation_policy_id: String,
    /// The escalation level, from 1.
    pub level: u32,
    /// `(id, name)` of the schedule the shift comes from; `None` for a user who is a direct
    /// target of the escalation policy.
    pub schedule: Option<(String, String)>,
    /// `None` means "on call since forever" (a permanent on-call).
    pub start: Option<DateTime<Utc>>,
    /// `None` means the user never goes off call.
    pub end: Option<DateTime<Utc>>,
}

/// A schedule to add with `FakePagerDuty::add_schedule`: layers of users taking turns.
/// Later layers cover earlier ones wherever they have someone on call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub layers: Vec<LayerSpec>,
}

impl ScheduleSpec {
    /// One layer in which `users` take turns of `turn_length_seconds`, the first user's
    /// first turn starting at `virtual_start` (and the rotation running backwards before
    /// it, as PagerDuty's does from `rotation_virtual_start`).
    pub fn rotation(
        id: impl Into<String>,
        name: impl Into<String>,
        users: &[&str],
        virtual_start: DateTime<Utc>,
        turn_length_seconds: u64,
    ) -> Self {
        ScheduleSpec {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            layers: vec![LayerSpec::new(users, virtual_start, turn_length_seconds)],
        }
    }

    /// Adds a layer on top of the others.
    pub fn layer(mut self, layer: LayerSpec) -> Self {
        self.layers.push(layer);
        self
    }
}

/// One layer of a [`ScheduleSpec`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSpec {
    /// `None` names it "Layer N".
    #[serde(default)]
    pub name: Option<String>,
    /// In turn order.
    pub users: Vec<String>,
    pub rotation_virtual_start: DateTime<Utc>,
    pub turn_length_seconds: u64,
    /// When the layer takes effect; `None` is `rotation_virtual_start`.
    #[serde(default)]
    pub start: Option<DateTime<Utc>>,
    /// When it stops; `None` never.
    #[serde(default)]
    pub end: Option<DateTime<Utc>>,
}

impl LayerSpec {
    pub fn new(users: &[&str], virtual_start: DateTime<Utc>, turn_length_seconds: u64) -> Self {
        LayerSpec {
            name: None,
            users: users.iter().map(|u| u.to_string()).collect(),
            rotation_virtual_start: virtual_start,
            turn_length_seconds,
            start: None,
            end: None,
        }
    }

    /// Limits the layer to `start..end`.
    pub fn between(mut self, start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Self {
        self.start = Some(start);
        self.end = end;
        self
    }
}

/// A schedule override as the fake holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeOverride {
    pub id: String,
    pub user_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// An escalation policy to add (or replace, by id) with
/// `FakePagerDuty::add_escalation_policy`; `levels[0]` is escalation level 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPolicySpec {
    pub id: String,
    pub name: String,
    pub levels: Vec<Vec<EscalationTarget>>,
}

/// Whom a level of an escalation policy pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EscalationTarget {
    /// A user directly: a permanent on-call (no start, no end).
    User(String),
    /// Whoever the schedule (by id) has on call.
    Schedule(String),
}

/// What kind of change a log entry records (PagerDuty's log entry `type`, less `_log_entry`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    Trigger,
    Acknowledge,
    /// An acknowledgement undone: a snooze ended, or an acknowledgement timed out.
    Unacknowledge,
    Resolve,
    Snooze,
    /// Reassigned to users or to an escalation policy.
    Assign,
    Escalate,
    /// A note was added.
    Annotate,
    UrgencyChange,
    /// Someone was asked to respond (a responder request).
    Notify,
}

impl LogKind {
    /// The log entry's `type` on the wire, e.g. `acknowledge_log_entry`.
    pub fn wire_type(self) -> &'static str {
        match self {
            LogKind::Trigger => "trigger_log_entry",
            LogKind::Acknowledge => "acknowledge_log_entry",
            LogKind::Unacknowledge => "unacknowledge_log_entry",
            LogKind::Resolve => "resolve_log_entry",
            LogKind::Snooze => "snooze_log_entry",
            LogKind::Assign => "assign_log_entry",
            LogKind::Escalate => "escalate_log_entry",
            LogKind::Annotate => "annotate_log_entry",
            LogKind::UrgencyChange => "urgency_change_log_entry",
            LogKind::Notify => "notify_log_entry",
        }
    }
}

/// One entry of an incident's log, oldest first in [`FakeIncident`]'s order of events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeLogEntry {
    pub id: String,
    pub kind: LogKind,
    pub at: DateTime<Utc>,
    /// The user or service that made the change.
    pub agent: String,
    /// As PagerDuty words it, e.g. "Escalated to level 2 by Pat Oncall".
    pub summary: String,
    /// Who the incident went to (assign and escalate entries), or who was asked to
    /// respond (notify entries).
    pub users: Vec<String>,
}

/// A note on an incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeNote {
    pub id: String,
    pub user_id: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// The alert a trigger created; it resolves with its incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeAlert {
    pub id: String,
    pub alert_key: String,
    pub summary: String,
    pub resolved: bool,
    pub created_at: DateTime<Utc>,
}

/// Whom a responder request asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponderTarget {
    User(String),
    EscalationPolicy(String),
}

/// A request for more responders on an incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeResponderRequest {
    pub requester_id: String,
    pub message: String,
    pub targets: Vec<ResponderTarget>,
    pub requested_at: DateTime<Utc>,
}

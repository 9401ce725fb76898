//! PagerDuty's JSON, only the parts the tray reads (PD-spec `Incident`, `Oncall`,
//! `User`, `Pagination`). Unknown fields are ignored; every field PagerDuty may omit or
//! null is an `Option` or defaults, so a new or missing field never breaks a poll.
//! Whether a missing field is fatal is decided in `convert.rs`, with a clear message.
//!
//! These types never leave the crate: `convert.rs` turns them into `oncall_model` types.

mod respond;

use chrono::{DateTime, Utc};
use oncall_model::timestamp;
use serde::{Deserialize, Deserializer};

pub(crate) use respond::{AlertPage, IncidentEnvelope, LogEntryPage, NoteList, UserPage};

/// `GET /users/me`.
#[derive(Debug, Deserialize)]
pub(crate) struct UserEnvelope {
    pub user: User,
}

#[derive(Debug, Deserialize)]
pub(crate) struct User {
    pub id: Option<String>,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub email: Option<String>,
}

/// `GET /incidents` (offset pagination).
#[derive(Debug, Deserialize)]
pub(crate) struct IncidentPage {
    pub incidents: Vec<Incident>,
    /// The limit the server applied (it clamps ours); `None` if not echoed.
    pub limit: Option<u32>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub more: bool,
}

/// `GET /oncalls` (offset pagination).
#[derive(Debug, Deserialize)]
pub(crate) struct OnCallPage {
    pub oncalls: Vec<OnCall>,
    pub limit: Option<u32>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub more: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Incident {
    pub id: Option<String>,
    pub incident_number: Option<u64>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub status: Option<String>,
    pub urgency: Option<String>,
    pub service: Option<Reference>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub last_status_change_at: Option<DateTime<Utc>>,
    pub html_url: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub assignments: Vec<Assignment>,
    pub escalation_policy: Option<Reference>,
    pub priority: Option<Priority>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub teams: Vec<Reference>,
}

/// Any `*_reference` object (service, escalation policy, user, schedule), or the full
/// object when an `include[]` expanded it: both carry `id` and `summary`.
#[derive(Debug, Deserialize)]
pub(crate) struct Reference {
    pub id: Option<String>,
    pub summary: Option<String>,
    /// Present on expanded objects (e.g. `include[]=assignees`).
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Assignment {
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub at: Option<DateTime<Utc>>,
    pub assignee: Option<Reference>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Priority {
    pub summary: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OnCall {
    /// A `user_reference`, or the full `User` with `include[]=users`.
    pub user: Option<Reference>,
    pub escalation_policy: Option<Reference>,
    /// A `schedule_reference` or a `schedule_v3_reference`: both carry `id` and `summary`.
    pub schedule: Option<Reference>,
    pub escalation_level: Option<u32>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub start: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub end: Option<DateTime<Utc>>,
}

/// `GET /escalation_policies` (offset pagination).
#[derive(Debug, Deserialize)]
pub(crate) struct EscalationPolicyPage {
    pub escalation_policies: Vec<Reference>,
    pub limit: Option<u32>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub more: bool,
}

/// A page of an offset-paginated listing other than incidents' (which page with an
/// overlap of their own): its items, the limit the server applied, and whether there are
/// more.
pub(crate) trait OffsetPage: serde::de::DeserializeOwned {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<u32>, bool);
}

impl OffsetPage for OnCallPage {
    type Item = OnCall;
    fn into_parts(self) -> (Vec<OnCall>, Option<u32>, bool) {
        (self.oncalls, self.limit, self.more)
    }
}

impl OffsetPage for EscalationPolicyPage {
    type Item = Reference;
    fn into_parts(self) -> (Vec<Reference>, Option<u32>, bool) {
        (self.escalation_policies, self.limit, self.more)
    }
}

/// One item of the top-level array `POST /schedules/{id}/overrides` answers with its 201:
/// each override's own outcome.
#[derive(Debug, Deserialize)]
pub(crate) struct OverrideOutcome {
    /// An HTTP status (`number` in the document), e.g. 201, or 400 with `errors`.
    pub status: Option<f64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub errors: Vec<String>,
    #[serde(rename = "override")]
    pub created: Option<Override>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Override {
    pub id: Option<String>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub start: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub end: Option<DateTime<Utc>>,
}

/// PagerDuty sends `null` for empty arrays and flags in places; treat it as empty.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

//! Opsgenie's JSON, only the fields the client reads. Everything is optional that the
//! Swagger document does not mark required (only `BaseAlert.id` and the envelope's
//! `requestId`/`took` are), so an alert missing a field still converts.

use chrono::{DateTime, Utc};
use oncall_model::timestamp;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct ListAlertsResponse {
    #[serde(default)]
    pub data: Vec<Alert>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Paging {
    pub next: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Alert {
    pub id: String,
    pub tiny_id: Option<String>,
    pub message: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub acknowledged: bool,
    #[serde(default)]
    pub snoozed: bool,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub snoozed_until: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub updated_at: Option<DateTime<Utc>>,
    pub source: Option<String>,
    pub owner: Option<String>,
    pub priority: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub report: Option<Report>,
    /// Not in the document's `BaseAlert`, but sent by Opsgenie (its Go SDK reads it) as
    /// the document's `AlertTeamMeta`: ids, a name only if one ever comes.
    #[serde(default)]
    pub teams: Option<Vec<TeamMeta>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct TeamMeta {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    /// Milliseconds from `createdAt` to the acknowledgement.
    pub ack_time: Option<i64>,
}

/// The 202 answer of an action: `{result, took, requestId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Accepted {
    pub request_id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RequestStatusResponse {
    pub data: RequestStatus,
}

/// `AlertRequestStatus`. The document names `isSuccess`; Opsgenie's own examples also
/// send `success`. Either is read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestStatus {
    pub is_success: Option<bool>,
    pub success: Option<bool>,
    pub status: Option<String>,
}

impl RequestStatus {
    pub fn succeeded(&self) -> Option<bool> {
        self.is_success.or(self.success)
    }
}

/// Any `GET` answer of the schedule and user APIs: the payload under `data`.
#[derive(Debug, Deserialize)]
pub(crate) struct Data<T> {
    pub data: T,
}

/// `User` (`GET /v2/users/{identifier}`, and each of `GET /v2/users`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    pub id: Option<String>,
    pub username: Option<String>,
    pub full_name: Option<String>,
}

/// `Escalation` (each of `GET /v2/escalations`) or `Team` (each of `GET /v2/teams`): only
/// the id and the name are read.
#[derive(Debug, Deserialize)]
pub(crate) struct Named {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// `AlertNote`, each of `GET /v2/alerts/{identifier}/notes`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlertNote {
    pub note: Option<String>,
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub created_at: Option<DateTime<Utc>>,
}

/// `AlertLog`, each of `GET /v2/alerts/{identifier}/logs`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlertLog {
    pub log: Option<String>,
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub created_at: Option<DateTime<Utc>>,
}

/// `ScheduleMeta` (`GET /v2/users/{identifier}/schedules`, a timeline's `_parent`).
#[derive(Debug, Deserialize)]
pub(crate) struct ScheduleMeta {
    pub id: Option<String>,
    pub name: Option<String>,
    pub enabled: Option<bool>,
}

/// `ScheduleTimeline`; only the final timeline (overrides applied) is read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScheduleTimeline {
    pub final_timeline: Option<Timeline>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Timeline {
    #[serde(default)]
    pub rotations: Option<Vec<TimelineRotation>>,
}

/// Rotations run side by side: whoever each has on call is on call.
#[derive(Debug, Deserialize)]
pub(crate) struct TimelineRotation {
    #[serde(default)]
    pub periods: Option<Vec<TimelinePeriod>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TimelinePeriod {
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub start_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub end_date: Option<DateTime<Utc>>,
    pub recipient: Option<TimelineRecipient>,
}

/// Who a period has on call: for a user, `name` is the username.
#[derive(Debug, Deserialize)]
pub(crate) struct TimelineRecipient {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `ScheduleOverrideMeta`, the 201 of `POST /v2/schedules/{identifier}/overrides`.
#[derive(Debug, Deserialize)]
pub(crate) struct OverrideMeta {
    pub alias: Option<String>,
}

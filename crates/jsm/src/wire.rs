//! JSM Operations JSON, only the fields the client reads, every one optional but an
//! alert's `id` and `createdAt`, so an alert missing a field still converts.
//!
//! Documented (<https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-alerts/>):
//! the list envelope `values` + `links.next`, an alert's `id`, `tinyId`, `createdAt`,
//! `updatedAt`, `message`, and the request status `{action, processedAt, integrationId,
//! isSuccess, status, alertId, alias}` at the top level. The other alert fields carry
//! Opsgenie's names (the API is Opsgenie's, moved), as does the 202 answer
//! `{result, took, requestId}`.

use chrono::{DateTime, Utc};
use oncall_model::timestamp;
use serde::Deserialize;

/// `ListAlertResponse`, and every other paged list (`ListSchedulesResponse`).
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub values: Vec<T>,
    #[serde(default)]
    pub links: Option<Links>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Links {
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// `links.next`, when it names a page.
    pub fn next(&self) -> Option<&str> {
        self.links
            .as_ref()
            .and_then(|l| l.next.as_deref())
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }
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
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    /// Milliseconds from `createdAt` to the acknowledgement.
    pub ack_time: Option<i64>,
}

/// The 202 answer of an action.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Accepted {
    pub request_id: String,
}

/// `GetRequestStatusResponse`, documented at the top level (no `data` envelope).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestStatus {
    pub is_success: Option<bool>,
    pub status: Option<String>,
}

/// The Jira platform's `GET /rest/api/3/myself`, through the gateway.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Myself {
    pub account_id: Option<String>,
    pub display_name: Option<String>,
}

/// `GET https://{site}/_edge/tenant_info`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TenantInfo {
    pub cloud_id: Option<String>,
}

/// Each schedule of `GET …/v1/schedules`.
#[derive(Debug, Deserialize)]
pub(crate) struct Schedule {
    pub id: Option<String>,
    pub name: Option<String>,
    pub enabled: Option<bool>,
}

/// `ScheduleTimelineResponse`; only the final timeline (overrides applied) is read.
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
    /// JSM names who is on call `responder` (as its overrides do); Opsgenie's timeline
    /// said `recipient`. Either is read.
    #[serde(alias = "recipient")]
    pub responder: Option<Responder>,
}

/// `{type, id}`: a user's Atlassian account id, or a team or escalation.
#[derive(Debug, Deserialize)]
pub(crate) struct Responder {
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// The created override (`POST …/v1/schedules/{id}/overrides`).
#[derive(Debug, Deserialize)]
pub(crate) struct OverrideCreated {
    pub alias: Option<String>,
}

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

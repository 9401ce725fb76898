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
    /// Creation order (tinyId as a number).
    pub seq: u64,
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

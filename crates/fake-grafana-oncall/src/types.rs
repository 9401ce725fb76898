//! What tests hand the fake and read back from it.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// An alert group as an integration would create it ([`crate::FakeGrafanaOnCall::create_alert_group`]).
#[derive(Debug, Clone)]
pub struct NewAlertGroup {
    pub title: String,
    /// The integration's id; `None`: the fake's default integration.
    pub integration_id: Option<String>,
    pub team_id: Option<String>,
    /// `key:value` labels, matched by the list's `label` filter.
    pub labels: Vec<String>,
    /// The first alert's payload (`last_alert.payload`).
    pub payload: Value,
}

impl NewAlertGroup {
    pub fn new(title: &str) -> Self {
        NewAlertGroup {
            title: title.to_owned(),
            integration_id: None,
            team_id: None,
            labels: Vec::new(),
            payload: serde_json::json!({ "title": title, "state": "alerting" }),
        }
    }

    pub fn integration(mut self, id: &str) -> Self {
        self.integration_id = Some(id.to_owned());
        self
    }

    pub fn team(mut self, id: &str) -> Self {
        self.team_id = Some(id.to_owned());
        self
    }

    pub fn label(mut self, label: &str) -> Self {
        self.labels.push(label.to_owned());
        self
    }
}

/// An alert group's state, as the list's `state` filter names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    /// Answered as `"firing"` (the state `escalation.md`'s answers show for a group
    /// nobody acted on); the filter calls it `new`.
    New,
    Acknowledged,
    Silenced,
    Resolved,
}

impl GroupState {
    /// The `state` value of the group's JSON.
    pub fn as_json(self) -> &'static str {
        match self {
            GroupState::New => "firing",
            GroupState::Acknowledged => "acknowledged",
            GroupState::Silenced => "silenced",
            GroupState::Resolved => "resolved",
        }
    }

    /// The state the list's `state=` filter value selects.
    pub fn from_filter(value: &str) -> Option<GroupState> {
        Some(match value {
            "new" => GroupState::New,
            "acknowledged" => GroupState::Acknowledged,
            "silenced" => GroupState::Silenced,
            "resolved" => GroupState::Resolved,
            _ => return None,
        })
    }
}

/// An alert group as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeAlertGroup {
    pub id: String,
    pub title: String,
    pub integration_id: String,
    pub route_id: String,
    pub team_id: Option<String>,
    pub labels: Vec<String>,
    pub state: GroupState,
    /// When the group entered `state`; a silence that ended by itself, at its own end.
    /// Not in the API (which keeps no time of an un-acknowledgement or a silence's end):
    /// the ground truth a test compares the app's pages with.
    pub state_since: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub silenced_at: Option<DateTime<Utc>>,
    /// When the silence ends; `None` while silenced: forever (`delay: -1`).
    pub silenced_until: Option<DateTime<Utc>>,
    pub alert_id: String,
    pub payload: Value,
}

/// A resolution note as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeResolutionNote {
    pub id: String,
    pub alert_group_id: String,
    /// The author's user id.
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub text: String,
}

/// A user of the fake's organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUser {
    pub id: String,
    pub username: String,
    pub email: String,
}

/// A schedule of one rotation: `people` (user ids) take turns of `turn` (whole hours),
/// the first one's turn starting at `start` and the rotation running both ways from it.
#[derive(Debug, Clone)]
pub struct ScheduleSpec {
    pub name: String,
    pub team_id: Option<String>,
    pub people: Vec<String>,
    pub turn: Duration,
    pub start: DateTime<Utc>,
}

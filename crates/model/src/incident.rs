use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The user-chosen name of an account (`oncall-tray account add NAME`); unique in a config.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub String);

impl AccountId {
    pub fn new(name: impl Into<String>) -> Self {
        AccountId(name.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    PagerDuty,
    Alertmanager,
    Opsgenie,
    /// Jira Service Management Operations: where Opsgenie's alert API moved.
    Jsm,
    /// Grafana OnCall, open source or as Grafana Cloud IRM (one HTTP API).
    #[serde(rename = "grafana-oncall")]
    GrafanaOnCall,
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProviderKind::PagerDuty => "pagerduty",
            ProviderKind::Alertmanager => "alertmanager",
            ProviderKind::Opsgenie => "opsgenie",
            ProviderKind::Jsm => "jsm",
            ProviderKind::GrafanaOnCall => "grafana-oncall",
        })
    }
}

/// Identifies one incident across all accounts: the provider's id is only unique
/// within its account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IncidentKey {
    pub account: AccountId,
    pub id: String,
}

impl IncidentKey {
    pub fn new(account: impl Into<String>, id: impl Into<String>) -> Self {
        IncidentKey {
            account: AccountId(account.into()),
            id: id.into(),
        }
    }
}

impl fmt::Display for IncidentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Triggered,
    Acknowledged,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Triggered => "triggered",
            Status::Acknowledged => "acknowledged",
            Status::Resolved => "resolved",
        }
    }
}

/// Ordered so that `High > Low`: sorting by urgency descending puts pages first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Low,
    High,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::High => "high",
            Urgency::Low => "low",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
}

/// One open (or just closed) incident as the tray understands it, whatever the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub key: IncidentKey,
    /// The human-facing number (PagerDuty's `incident_number`), when the provider has one.
    pub number: Option<u64>,
    pub title: String,
    pub status: Status,
    pub urgency: Urgency,
    /// Service (or alert source) name, for the notification body and storm summaries.
    pub service: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the incident entered its current status. A re-trigger (snooze or ack
    /// timeout ending) moves it forward, which is what makes it a new trigger episode.
    pub status_changed_at: DateTime<Utc>,
    pub web_url: Option<String>,
    pub assignees: Vec<Person>,
    /// When it was (last) assigned to the account's user, `None` when it is not theirs.
    /// A new assignment (escalation or reassignment to me) moves it forward.
    pub assigned_to_me_at: Option<DateTime<Utc>>,
    pub escalation_policy: Option<String>,
    pub priority: Option<String>,
    /// The teams the incident belongs to (PagerDuty's `teams`, Opsgenie's `teams`), for
    /// the noise rules.
    #[serde(default)]
    pub teams: Vec<String>,
}

impl Incident {
    pub fn is_mine(&self) -> bool {
        self.assigned_to_me_at.is_some()
    }
}

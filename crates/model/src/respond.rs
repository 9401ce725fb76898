//! Responding beyond acknowledge: who an incident can be handed to, and what the
//! incident's detail pane shows (fetched on demand, never on a poll).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of target an incident is handed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssigneeKind {
    User,
    /// A PagerDuty escalation policy.
    EscalationPolicy,
    /// An Opsgenie team.
    Team,
    /// An Opsgenie escalation (the target of Opsgenie's "escalate").
    Escalation,
}

impl AssigneeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssigneeKind::User => "user",
            AssigneeKind::EscalationPolicy => "escalation policy",
            AssigneeKind::Team => "team",
            AssigneeKind::Escalation => "escalation",
        }
    }
}

/// Someone (or some rotation) an incident can be handed to, as the service names it.
/// The name is kept for the words the user sees while the action waits; the service
/// only ever gets the id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Assignee {
    pub kind: AssigneeKind,
    pub id: String,
    pub name: String,
}

/// One note on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentNote {
    pub at: DateTime<Utc>,
    /// Who wrote it, when the service says.
    pub author: Option<String>,
    pub text: String,
}

/// One line of an incident's log ("Acknowledged by Alice", "Escalated to level 2").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentLogEntry {
    pub at: DateTime<Utc>,
    pub summary: String,
}

/// One alert grouped into an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentAlert {
    pub at: DateTime<Utc>,
    pub summary: String,
    /// "triggered" or "resolved", as the service says.
    pub status: String,
}

/// What the detail pane shows, newest first in each list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentDetails {
    pub notes: Vec<IncidentNote>,
    pub log: Vec<IncidentLogEntry>,
    pub alerts: Vec<IncidentAlert>,
}

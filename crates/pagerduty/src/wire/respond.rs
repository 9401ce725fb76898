//! PagerDuty's JSON for responding beyond acknowledge: one incident (`GET /incidents/{id}`),
//! its notes, log entries and alerts, and the user listing the pickers search (PD-spec
//! `IncidentNote`, `LogEntry`, `Alert`, `User`). As in the parent module, every field may
//! be missing; `convert.rs` decides what a missing field means.

use chrono::{DateTime, Utc};
use oncall_model::timestamp;
use serde::Deserialize;

use super::{null_as_default, Incident, Reference, User};

/// `GET /incidents/{id}`.
#[derive(Debug, Deserialize)]
pub(crate) struct IncidentEnvelope {
    pub incident: Incident,
}

/// `GET /incidents/{id}/notes` (not paginated).
#[derive(Debug, Deserialize)]
pub(crate) struct NoteList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub notes: Vec<Note>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Note {
    /// The author; a service's note names the service (`bot_user_reference`).
    pub user: Option<Reference>,
    pub content: Option<String>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub created_at: Option<DateTime<Utc>>,
}

/// `GET /incidents/{id}/log_entries` (one page is all the detail pane shows).
#[derive(Debug, Deserialize)]
pub(crate) struct LogEntryPage {
    #[serde(default, deserialize_with = "null_as_default")]
    pub log_entries: Vec<LogEntry>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LogEntry {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub created_at: Option<DateTime<Utc>>,
}

/// `GET /incidents/{id}/alerts` (one page).
#[derive(Debug, Deserialize)]
pub(crate) struct AlertPage {
    #[serde(default, deserialize_with = "null_as_default")]
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Alert {
    pub id: Option<String>,
    pub summary: Option<String>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub created_at: Option<DateTime<Utc>>,
}

/// `GET /users?query=` (one page).
#[derive(Debug, Deserialize)]
pub(crate) struct UserPage {
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<User>,
}

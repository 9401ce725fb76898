//! Builders shared by the crate's unit tests.

use chrono::{DateTime, Utc};
use oncall_model::{AccountId, Incident, IncidentKey, Status, Urgency};

/// The moment every unit test's events happen at.
pub(crate) fn at() -> DateTime<Utc> {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

pub(crate) fn key(account: &str, id: &str) -> IncidentKey {
    IncidentKey {
        account: AccountId(account.into()),
        id: id.into(),
    }
}

/// A high-urgency incident of the account `work`, nobody's, in `status` since [`at`].
pub(crate) fn incident(id: &str, status: Status) -> Incident {
    Incident {
        teams: Vec::new(),
        key: key("work", id),
        number: None,
        title: format!("incident {id}"),
        status,
        urgency: Urgency::High,
        service: None,
        created_at: at(),
        status_changed_at: at(),
        web_url: None,
        assignees: Vec::new(),
        assigned_to_me_at: None,
        escalation_policy: None,
        priority: None,
    }
}

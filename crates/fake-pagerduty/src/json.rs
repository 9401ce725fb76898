//! PagerDuty's wire shapes: the JSON objects the REST API returns, built from the state.
//!
//! Field names, types and nesting follow `components.schemas` of PagerDuty's OpenAPI
//! document (`Incident`, `User`, `Oncall`, the `*Reference` schemas and `Pagination`); the
//! conformance tests validate these structs' output against that document. Where the
//! document and the live API disagree, we follow the live API and the document's own
//! prose or examples: `resolved_at` and `priority` are `null` when unset, and an on-call
//! from a direct user target has `schedule`, `start` and `end` `null`. Schedules,
//! overrides and escalation policies are in `json/schedules.rs`.
//!
//! Timestamps are RFC 3339 in UTC with whole seconds, as PagerDuty sends them.

mod respond;
mod schedules;

pub(crate) use respond::{alert, log_entry, note, responder_request};
pub(crate) use schedules::{escalation_policy, override_object, schedule, Parts, Window};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::state::{Agent, Incident, OnCallRow, State, User};

pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A `*_reference` object: `{id, type, summary, self, html_url}`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Reference {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    summary: String,
    #[serde(rename = "self")]
    self_url: String,
    html_url: Option<String>,
}

fn reference(
    state: &State,
    kind: &'static str,
    collection: &str,
    id: &str,
    summary: &str,
) -> Reference {
    Reference {
        id: id.to_string(),
        kind,
        summary: summary.to_string(),
        self_url: format!("{}/{collection}/{id}", state.base_url),
        html_url: None,
    }
}

pub(crate) fn user_reference(state: &State, id: &str) -> Reference {
    let name = state.user(id).map_or(id, |u| u.name.as_str());
    reference(state, "user_reference", "users", id, name)
}

fn service_reference(state: &State, id: &str) -> Reference {
    let name = state.service(id).map_or(id, |s| s.name.as_str());
    reference(state, "service_reference", "services", id, name)
}

fn team_reference(state: &State, id: &str) -> Reference {
    let name = state.team(id).map_or(id, |t| t.name.as_str());
    reference(state, "team_reference", "teams", id, name)
}

fn policy_reference(state: &State, id: &str) -> Reference {
    let name = state.policy(id).map_or(id, |p| p.name.as_str());
    reference(
        state,
        "escalation_policy_reference",
        "escalation_policies",
        id,
        name,
    )
}

fn agent_reference(state: &State, agent: &Agent) -> Reference {
    match agent {
        Agent::User(id) => user_reference(state, id),
        Agent::Service(id) => service_reference(state, id),
    }
}

/// Where a browser can look at an incident: a small page the fake serves itself, so the
/// app's "open in PagerDuty" works in demo mode.
pub(crate) fn incident_html_url(state: &State, id: &str) -> String {
    format!("{}/_fake/web/incidents/{id}", state.base_url)
}

/// `components.schemas.User`
#[derive(Clone, Debug, Serialize)]
pub(crate) struct UserObject {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    summary: String,
    #[serde(rename = "self")]
    self_url: String,
    html_url: Option<String>,
    name: String,
    email: String,
    time_zone: &'static str,
    color: &'static str,
    role: &'static str,
    avatar_url: String,
    description: Option<String>,
    invitation_sent: bool,
    job_title: &'static str,
    created_via_sso: bool,
    teams: Vec<Reference>,
    contact_methods: Vec<Reference>,
    notification_rules: Vec<Reference>,
}

pub(crate) fn user(state: &State, user: &User) -> UserObject {
    let self_url = format!("{}/users/{}", state.base_url, user.id);
    UserObject {
        id: user.id.clone(),
        kind: "user",
        summary: user.name.clone(),
        self_url: self_url.clone(),
        html_url: None,
        name: user.name.clone(),
        email: user.email.clone(),
        time_zone: "Etc/UTC",
        color: "purple",
        role: "user",
        avatar_url: "https://pd-static-assets.pagerduty.com/users/blank-avatar.png".into(),
        description: None,
        invitation_sent: false,
        job_title: "On-call engineer",
        created_via_sso: false,
        teams: user
            .team_ids
            .iter()
            .map(|id| team_reference(state, id))
            .collect(),
        contact_methods: vec![Reference {
            id: format!("PC{}", user.id),
            kind: "email_contact_method_reference",
            summary: "Default".into(),
            self_url: format!("{self_url}/contact_methods/PC{}", user.id),
            html_url: None,
        }],
        notification_rules: vec![Reference {
            id: format!("PN{}", user.id),
            kind: "assignment_notification_rule_reference",
            summary: "0 minutes: channel PC".into(),
            self_url: format!("{self_url}/notification_rules/PN{}", user.id),
            html_url: None,
        }],
    }
}

#[derive(Clone, Debug, Serialize)]
struct AssignmentObject {
    at: String,
    assignee: Reference,
}

#[derive(Clone, Debug, Serialize)]
struct AcknowledgementObject {
    at: String,
    acknowledger: Reference,
}

#[derive(Clone, Debug, Serialize)]
struct PendingAction {
    #[serde(rename = "type")]
    kind: &'static str,
    at: String,
}

#[derive(Clone, Debug, Serialize)]
struct AlertCounts {
    all: u32,
    triggered: u32,
    resolved: u32,
}

#[derive(Clone, Debug, Serialize)]
struct IncidentType {
    name: &'static str,
}

/// `components.schemas.Incident`, as returned without `include[]`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct IncidentObject {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    summary: String,
    #[serde(rename = "self")]
    self_url: String,
    html_url: String,
    incident_number: u64,
    title: String,
    created_at: String,
    updated_at: String,
    status: &'static str,
    incident_key: String,
    service: Reference,
    assignments: Vec<AssignmentObject>,
    assigned_via: &'static str,
    last_status_change_at: String,
    last_status_change_by: Reference,
    resolved_at: Option<String>,
    first_trigger_log_entry: Reference,
    alert_counts: AlertCounts,
    is_mergeable: bool,
    incident_type: IncidentType,
    escalation_policy: Reference,
    teams: Vec<Reference>,
    pending_actions: Vec<PendingAction>,
    acknowledgements: Vec<AcknowledgementObject>,
    /// The fake has no priorities; PagerDuty sends `null` then.
    priority: Option<Reference>,
    incidents_responders: Vec<serde_json::Value>,
    responder_requests: Vec<serde_json::Value>,
    urgency: &'static str,
}

pub(crate) fn incident(state: &State, incident: &Incident) -> IncidentObject {
    let log_entry_id = crate::state::log_entry_id(&incident.id, 0);
    IncidentObject {
        id: incident.id.clone(),
        kind: "incident",
        summary: format!("[#{}] {}", incident.number, incident.title),
        self_url: format!("{}/incidents/{}", state.base_url, incident.id),
        html_url: incident
            .html_url
            .clone()
            .unwrap_or_else(|| incident_html_url(state, &incident.id)),
        incident_number: incident.number,
        title: incident.title.clone(),
        created_at: timestamp(incident.created_at),
        updated_at: timestamp(incident.updated_at),
        status: incident.status.as_str(),
        incident_key: incident.incident_key.clone(),
        service: service_reference(state, &incident.service_id),
        assignments: incident
            .assignments
            .iter()
            .map(|a| AssignmentObject {
                at: timestamp(a.at),
                assignee: user_reference(state, &a.user_id),
            })
            .collect(),
        assigned_via: if incident.direct_assignment {
            "direct_assignment"
        } else {
            "escalation_policy"
        },
        last_status_change_at: timestamp(incident.last_status_change_at),
        last_status_change_by: agent_reference(state, &incident.last_status_change_by),
        resolved_at: incident.resolved_at.map(timestamp),
        first_trigger_log_entry: Reference {
            id: log_entry_id.clone(),
            kind: "trigger_log_entry_reference",
            summary: "Triggered through the API".into(),
            self_url: format!(
                "{}/log_entries/{log_entry_id}?incident_id={}",
                state.base_url, incident.id
            ),
            html_url: None,
        },
        alert_counts: AlertCounts {
            all: count(incident.alerts.len()),
            triggered: count(incident.alerts.iter().filter(|a| !a.resolved).count()),
            resolved: count(incident.alerts.iter().filter(|a| a.resolved).count()),
        },
        is_mergeable: true,
        incident_type: IncidentType {
            name: "incident_default",
        },
        escalation_policy: policy_reference(state, &incident.escalation_policy_id),
        teams: state
            .service(&incident.service_id)
            .map(|s| {
                s.team_ids
                    .iter()
                    .map(|t| team_reference(state, t))
                    .collect()
            })
            .unwrap_or_default(),
        pending_actions: incident
            .snoozed_until
            .map(|until| PendingAction {
                kind: "unacknowledge",
                at: timestamp(until),
            })
            .into_iter()
            .collect(),
        acknowledgements: incident
            .acknowledgements
            .iter()
            .map(|a| AcknowledgementObject {
                at: timestamp(a.at),
                acknowledger: agent_reference(state, &a.by),
            })
            .collect(),
        priority: None,
        incidents_responders: Vec::new(),
        responder_requests: Vec::new(),
        urgency: incident.urgency.as_str(),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `components.schemas.Oncall`
#[derive(Clone, Debug, Serialize)]
pub(crate) struct OncallObject {
    escalation_policy: Reference,
    escalation_level: u32,
    schedule: Option<Reference>,
    user: Reference,
    start: Option<String>,
    end: Option<String>,
}

pub(crate) fn oncall(state: &State, row: &OnCallRow) -> OncallObject {
    let shift = &row.shift;
    OncallObject {
        escalation_policy: policy_reference(state, &shift.escalation_policy_id),
        escalation_level: shift.level,
        schedule: shift
            .schedule
            .as_ref()
            .map(|(id, name)| reference(state, "schedule_reference", "schedules", id, name)),
        user: user_reference(state, &row.user_id),
        start: shift.start.map(timestamp),
        end: shift.end.map(timestamp),
    }
}

/// `components.schemas.Pagination` around a list under `key`.
pub(crate) fn page<T: Serialize>(
    key: &str,
    items: Vec<T>,
    limit: u64,
    offset: u64,
    more: bool,
    total: Option<u64>,
) -> serde_json::Value {
    let mut body = serde_json::Map::new();
    body.insert(
        key.to_string(),
        serde_json::to_value(items).unwrap_or_default(),
    );
    body.insert("limit".into(), limit.into());
    body.insert("offset".into(), offset.into());
    body.insert("more".into(), more.into());
    body.insert(
        "total".into(),
        total.map_or(serde_json::Value::Null, Into::into),
    );
    serde_json::Value::Object(body)
}

//! Wire shapes of what an incident keeps besides its status (`components.schemas`
//! `IncidentNote`, the `*LogEntry` schemas, `Alert`, `ResponderRequest`), built from the
//! state.
//!
//! Log entries carry no `channel`: the document's `Channel` is a `oneOf` whose variants
//! differ only in prose, so every channel object matches several of them and none is
//! valid; the field is optional, and the client does not read it.

use serde_json::{json, Value};

use super::{
    agent_reference, incident_html_url, reference, service_reference, team_reference, timestamp,
    user_reference, Reference,
};
use crate::state::{log_entry_id, Agent, Incident, State};
use crate::types::{
    FakeAlert, FakeLogEntry, FakeNote, FakeResponderRequest, LogKind, ResponderTarget,
};

fn value(reference: Reference) -> Value {
    serde_json::to_value(reference).unwrap_or_default()
}

fn incident_reference(state: &State, incident: &Incident) -> Value {
    let summary = format!("[#{}] {}", incident.number, incident.title);
    let mut reference = value(reference(
        state,
        "incident_reference",
        "incidents",
        &incident.id,
        &summary,
    ));
    reference["html_url"] = json!(incident_html_url(state, &incident.id));
    reference
}

/// `components.schemas.IncidentNote`
pub(crate) fn note(state: &State, note: &FakeNote) -> Value {
    json!({
        "id": note.id,
        "user": value(user_reference(state, &note.user_id)),
        "channel": {"summary": "The PagerDuty website or APIs"},
        "content": note.content,
        "created_at": timestamp(note.created_at),
        "updated_at": timestamp(note.created_at),
    })
}

/// One of the `*LogEntry` schemas, by the entry's kind.
pub(crate) fn log_entry(state: &State, incident: &Incident, entry: &FakeLogEntry) -> Value {
    let agent = if state.user(&entry.agent).is_some() {
        Agent::User(entry.agent.clone())
    } else {
        Agent::Service(entry.agent.clone())
    };
    let teams: Vec<Value> = state
        .service(&incident.service_id)
        .map(|s| {
            s.team_ids
                .iter()
                .map(|t| value(team_reference(state, t)))
                .collect()
        })
        .unwrap_or_default();
    let mut object = json!({
        "id": entry.id,
        "type": entry.kind.wire_type(),
        "summary": entry.summary,
        "self": format!("{}/log_entries/{}?incident_id={}", state.base_url, entry.id, incident.id),
        "html_url": format!("{}/log_entries/{}", incident_html_url(state, &incident.id), entry.id),
        "created_at": timestamp(entry.at),
        "agent": value(agent_reference(state, &agent)),
        "incident": incident_reference(state, incident),
        "service": value(service_reference(state, &incident.service_id)),
        "teams": teams,
        "contexts": [],
    });
    let users: Vec<Value> = entry
        .users
        .iter()
        .map(|u| value(user_reference(state, u)))
        .collect();
    match entry.kind {
        LogKind::Assign | LogKind::Escalate => object["assignees"] = json!(users),
        LogKind::Notify => {
            if let Some(user) = users.into_iter().next() {
                object["user"] = user;
            }
        }
        _ => {}
    }
    object
}

/// `components.schemas.Alert`
pub(crate) fn alert(state: &State, incident: &Incident, alert: &FakeAlert) -> Value {
    let trigger = log_entry_id(&incident.id, 0);
    json!({
        "id": alert.id,
        "type": "alert",
        "summary": alert.summary,
        "self": format!("{}/incidents/{}/alerts/{}", state.base_url, incident.id, alert.id),
        "html_url": format!("{}/alerts/{}", incident_html_url(state, &incident.id), alert.id),
        "created_at": timestamp(alert.created_at),
        "status": if alert.resolved { "resolved" } else { "triggered" },
        "alert_key": alert.alert_key,
        "service": value(service_reference(state, &incident.service_id)),
        "first_trigger_log_entry": {
            "id": trigger,
            "type": "trigger_log_entry_reference",
            "summary": "Triggered through the API",
            "self": format!("{}/log_entries/{trigger}?incident_id={}", state.base_url, incident.id),
            "html_url": null,
        },
        "incident": incident_reference(state, incident),
        "suppressed": false,
        "severity": match incident.urgency {
            oncall_model::Urgency::High => "critical",
            oncall_model::Urgency::Low => "warning",
        },
        "body": {"type": "alert_body", "contexts": [], "details": {}},
    })
}

/// `components.schemas.ResponderRequest`, its targets in the document example's
/// `responder_request_target` wrapper (as PagerDuty sends them).
pub(crate) fn responder_request(
    state: &State,
    incident: &Incident,
    request: &FakeResponderRequest,
) -> Value {
    let requester = value(user_reference(state, &request.requester_id));
    let responder = |user: &str| {
        json!({
            "state": "pending",
            "user": value(user_reference(state, user)),
            "incident": incident_reference(state, incident),
            "updated_at": timestamp(request.requested_at),
            "message": request.message,
            "requester": requester,
            "requested_at": timestamp(request.requested_at),
        })
    };
    let targets: Vec<Value> = request
        .targets
        .iter()
        .map(|target| {
            let (kind, id, summary, users) = match target {
                ResponderTarget::User(id) => {
                    let name = state.user(id).map_or(id.clone(), |u| u.name.clone());
                    ("user", id, name, vec![id.clone()])
                }
                ResponderTarget::EscalationPolicy(id) => {
                    let name = state.policy(id).map_or(id.clone(), |p| p.name.clone());
                    let users = state.level_users(id, 1, request.requested_at);
                    ("escalation_policy", id, name, users)
                }
            };
            let responders: Vec<Value> = users.iter().map(|u| responder(u)).collect();
            json!({"responder_request_target": {
                "type": kind,
                "id": id,
                "summary": summary,
                "incidents_responders": responders,
            }})
        })
        .collect();
    json!({
        "incident": incident_reference(state, incident),
        "requester": requester,
        "requested_at": timestamp(request.requested_at),
        "message": request.message,
        "responder_request_targets": targets,
    })
}

//! Test-control routes under `/_fake/`, the HTTP twin of the `FakePagerDuty` helpers for
//! other processes (end-to-end tests, the app's demo mode):
//!
//! | route | effect |
//! |---|---|
//! | `GET /_fake/requests` | the request log (JSON list of `RecordedRequest`) |
//! | `DELETE /_fake/requests` | clears it |
//! | `POST /_fake/faults` | queues a `Fault` (JSON) |
//! | `GET /_fake/incidents` | JSON list of `FakeIncident` |
//! | `POST /_fake/incidents` | triggers a `NewIncident` (JSON; only `title` required) |
//! | `POST /_fake/incidents/{id}/acknowledge?user=PUSER01` | acks as that user (default: first assignee) |
//! | `POST /_fake/incidents/{id}/resolve` | resolves |
//! | `POST /_fake/incidents/{id}/retrigger` | acknowledged → triggered |
//! | `GET /_fake/incidents/{id}/notes` | JSON list of `FakeNote` |
//! | `GET /_fake/incidents/{id}/log_entries` | JSON list of `FakeLogEntry`, oldest first |
//! | `GET /_fake/incidents/{id}/responder_requests` | JSON list of `FakeResponderRequest` |
//! | `GET /_fake/web/incidents/{id}` | a small HTML page, the target of `html_url` |
//! | `POST /_fake/schedules` | adds or replaces a schedule (`ScheduleSpec` JSON) |
//! | `POST /_fake/escalation_policies` | adds or replaces a policy (`EscalationPolicySpec` JSON) |
//! | `GET /_fake/schedules/{id}/overrides` | JSON list of `FakeOverride` |
//!
//! They need no credentials and are neither logged nor faulted. Errors use PagerDuty's
//! error body so a single client-side helper can read them.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use oncall_model::Urgency;
use serde::Deserialize;

use crate::error::ApiError;
use crate::query::Query;
use crate::state::Agent;
use crate::types::{
    EscalationPolicySpec, FakeIncident, FakeOverride, NewIncident, ScheduleSpec, DEFAULT_SERVICE_ID,
};
use crate::{FakePagerDuty, Fault};

pub(crate) fn router() -> Router<FakePagerDuty> {
    Router::new()
        .route("/requests", get(requests).delete(clear_requests))
        .route("/faults", post(inject))
        .route("/incidents", get(incidents).post(trigger))
        .route("/incidents/{id}/acknowledge", post(acknowledge))
        .route("/incidents/{id}/resolve", post(resolve))
        .route("/incidents/{id}/retrigger", post(retrigger))
        .route("/incidents/{id}/notes", get(notes))
        .route("/incidents/{id}/log_entries", get(log_entries))
        .route(
            "/incidents/{id}/responder_requests",
            get(responder_requests),
        )
        .route("/web/incidents/{id}", get(incident_page))
        .route("/schedules", post(add_schedule))
        .route("/escalation_policies", post(add_policy))
        .route("/schedules/{id}/overrides", get(overrides))
}

async fn requests(State(fake): State<FakePagerDuty>) -> Response {
    Json(fake.requests()).into_response()
}

async fn clear_requests(State(fake): State<FakePagerDuty>) -> StatusCode {
    fake.clear_requests();
    StatusCode::NO_CONTENT
}

async fn inject(State(fake): State<FakePagerDuty>, body: Bytes) -> Result<StatusCode, ApiError> {
    let fault: Fault = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_input(format!("not a Fault: {e}")))?;
    fake.inject(fault);
    Ok(StatusCode::NO_CONTENT)
}

async fn add_schedule(
    State(fake): State<FakePagerDuty>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let spec: ScheduleSpec = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_input(format!("not a ScheduleSpec: {e}")))?;
    fake.with_state(|state, now| {
        state.anchor_seeded_schedule(now);
        state.add_schedule(spec)
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_policy(
    State(fake): State<FakePagerDuty>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let spec: EscalationPolicySpec = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_input(format!("not an EscalationPolicySpec: {e}")))?;
    fake.with_state(|state, _| state.add_policy(spec))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn overrides(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
) -> Result<Json<Vec<FakeOverride>>, ApiError> {
    fake.with_state(|state, _| {
        state.schedule(&id).ok_or_else(ApiError::not_found)?;
        Ok(Json(state.override_snapshots(&id)))
    })
}

/// What an incident keeps besides its status, as JSON; 404 for an unknown incident.
fn kept<T: serde::Serialize>(
    fake: &FakePagerDuty,
    id: &str,
    read: impl FnOnce(&crate::state::Incident) -> T,
) -> Result<Response, ApiError> {
    fake.with_state(|state, _| {
        let incident = state.incident(id).ok_or_else(ApiError::not_found)?;
        Ok(Json(read(incident)).into_response())
    })
}

async fn notes(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    kept(&fake, &id, |i| i.notes.clone())
}

async fn log_entries(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    kept(&fake, &id, |i| i.log.clone())
}

async fn responder_requests(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    kept(&fake, &id, |i| i.responder_requests.clone())
}

async fn incidents(State(fake): State<FakePagerDuty>) -> Json<Vec<FakeIncident>> {
    Json(fake.incidents())
}

/// `NewIncident` with everything but the title optional.
#[derive(Deserialize)]
struct TriggerRequest {
    title: String,
    service_id: Option<String>,
    urgency: Option<Urgency>,
    assignees: Option<Vec<String>>,
    dedup_key: Option<String>,
    html_url: Option<String>,
}

async fn trigger(State(fake): State<FakePagerDuty>, body: Bytes) -> Result<Response, ApiError> {
    let request: TriggerRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_input(format!("not a new incident: {e}")))?;
    let new = NewIncident {
        title: request.title,
        service_id: request
            .service_id
            .unwrap_or_else(|| DEFAULT_SERVICE_ID.to_string()),
        urgency: request.urgency.unwrap_or(Urgency::High),
        assignees: request.assignees,
        dedup_key: request.dedup_key,
        html_url: request.html_url,
    };
    let incident = fake.with_state(|state, now| {
        let id = state.trigger(new, now)?;
        state.snapshot(&id).ok_or_else(ApiError::not_found)
    })?;
    Ok((StatusCode::CREATED, Json(incident)).into_response())
}

async fn acknowledge(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FakeIncident>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let user = query.one("user").map(str::to_string);
    apply(&fake, &id, |state, now| {
        let user = match user {
            Some(user) => user,
            None => state
                .incident(&id)
                .and_then(|i| i.assignments.first())
                .map(|a| a.user_id.clone())
                .ok_or_else(|| ApiError::invalid_input("no ?user= and no assignee"))?,
        };
        if state.user(&user).is_none() {
            return Err(ApiError::assignee_not_found(&user));
        }
        state.acknowledge(&id, Agent::User(user), now)
    })
}

async fn resolve(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
) -> Result<Json<FakeIncident>, ApiError> {
    apply(&fake, &id, |state, now| {
        let service = state
            .incident(&id)
            .map(|i| i.service_id.clone())
            .ok_or_else(ApiError::not_found)?;
        state.resolve(&id, Agent::Service(service), now)
    })
}

async fn retrigger(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
) -> Result<Json<FakeIncident>, ApiError> {
    apply(&fake, &id, |state, now| state.retrigger(&id, now))
}

/// Runs a transition and answers with the incident as it is afterwards.
fn apply(
    fake: &FakePagerDuty,
    id: &str,
    transition: impl FnOnce(
        &mut crate::state::State,
        chrono::DateTime<chrono::Utc>,
    ) -> Result<(), ApiError>,
) -> Result<Json<FakeIncident>, ApiError> {
    fake.with_state(|state, now| {
        transition(state, now)?;
        state.snapshot(id).map(Json).ok_or_else(ApiError::not_found)
    })
}

async fn incident_page(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
) -> Result<Html<String>, ApiError> {
    let incident = fake
        .with_state(|state, _| state.snapshot(&id))
        .ok_or_else(ApiError::not_found)?;
    let history: String = incident
        .history
        .iter()
        .map(|line| format!("<li>{}</li>", escape(line)))
        .collect();
    Ok(Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>#{number} {title}</title></head>\
         <body><h1>#{number} {title}</h1><p>Status: {status} &middot; Urgency: {urgency} &middot; \
         Service: {service} &middot; Key: {key}</p><ul>{history}</ul>\
         <p><small>Served by the fake PagerDuty.</small></p></body></html>",
        number = incident.number,
        title = escape(&incident.title),
        status = incident.status.as_str(),
        urgency = incident.urgency.as_str(),
        service = escape(&incident.service_id),
        key = escape(&incident.incident_key),
    )))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

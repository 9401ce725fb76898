//! Events API v2 (`POST /v2/enqueue`): how monitoring tools trigger, acknowledge and
//! resolve alerts, following `pagerduty-events-v2-openapiv3.json`.
//!
//! The routing key in the body is the credential (no `Authorization` header). A trigger
//! whose `dedup_key` matches an open incident on the same service adds nothing; otherwise it
//! opens an incident assigned to the service's on-call user, with urgency from severity
//! (critical/error → high, warning/info → low). Acknowledge and resolve find the open
//! incident by `dedup_key`; for none they are accepted and dropped, as PagerDuty does.
//!
//! Errors use the Events API's own shape, `{"status","message","errors"}`, not the REST
//! API's `{"error":{…}}`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use oncall_model::Urgency;
use serde_json::{json, Value};

use crate::state::EventAction;
use crate::FakePagerDuty;

/// PagerDuty's limit on `dedup_key`.
const MAX_DEDUP_KEY: usize = 255;

pub(crate) async fn enqueue(State(fake): State<FakePagerDuty>, body: Bytes) -> Response {
    let event: Value = match serde_json::from_slice(&body) {
        Ok(event @ Value::Object(_)) => event,
        _ => {
            return events_error(
                "Unrecognized object",
                "Event object format is unrecognized",
                "JSON parse error",
            )
        }
    };
    let (routing_key, action, dedup_key) = match validate(&event) {
        Ok(parsed) => parsed,
        Err(detail) => return invalid_event(&detail),
    };
    let result = fake.with_state(|state, now| {
        let service_id = state
            .service_by_routing_key(&routing_key)
            .map(|s| s.id.clone())
            .ok_or_else(|| "Invalid routing key".to_string())?;
        state
            .apply_event(&service_id, action, dedup_key, now)
            .map_err(|e| e.message)
    });
    match result {
        Ok(dedup_key) => (
            StatusCode::ACCEPTED,
            Json(json!({
                "status": "success",
                "message": "Event processed",
                "dedup_key": dedup_key,
            })),
        )
            .into_response(),
        Err(detail) => invalid_event(&detail),
    }
}

/// Checks the event against the spec: `(routing_key, action, dedup_key)` or what is wrong.
fn validate(event: &Value) -> Result<(String, EventAction, Option<String>), String> {
    let routing_key = event
        .get("routing_key")
        .and_then(Value::as_str)
        .ok_or("'routing_key' is missing or blank")?;
    if routing_key.len() != 32 {
        return Err("Length of 'routing_key' is incorrect (should be 32 characters)".into());
    }
    let dedup_key = match event.get("dedup_key") {
        None | Some(Value::Null) => None,
        Some(Value::String(key)) if key.is_empty() => None,
        Some(Value::String(key)) if key.len() > MAX_DEDUP_KEY => {
            return Err(format!(
                "'dedup_key' must be at most {MAX_DEDUP_KEY} characters"
            ))
        }
        Some(Value::String(key)) => Some(key.clone()),
        Some(_) => return Err("'dedup_key' must be a string".into()),
    };
    let action = match event.get("event_action").and_then(Value::as_str) {
        Some("trigger") => trigger_action(event.get("payload"))?,
        Some("acknowledge") | Some("resolve") if dedup_key.is_none() => {
            return Err("'dedup_key' is required for acknowledge and resolve events".into())
        }
        Some("acknowledge") => EventAction::Acknowledge,
        Some("resolve") => EventAction::Resolve,
        _ => return Err("'event_action' must be one of trigger, acknowledge or resolve".into()),
    };
    Ok((routing_key.to_string(), action, dedup_key))
}

fn trigger_action(payload: Option<&Value>) -> Result<EventAction, String> {
    let payload = payload
        .filter(|p| p.is_object())
        .ok_or("'payload' is missing or not an object")?;
    let text = |field: &str| {
        payload
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or(format!("'payload.{field}' is missing or blank"))
    };
    let summary = text("summary")?;
    text("source")?;
    let urgency = match payload.get("severity").and_then(Value::as_str) {
        Some("critical" | "error") => Urgency::High,
        Some("warning" | "info") => Urgency::Low,
        _ => {
            return Err("'payload.severity' must be one of critical, error, warning or info".into())
        }
    };
    // PagerDuty truncates long summaries rather than refusing them.
    let summary: String = summary.chars().take(1024).collect();
    Ok(EventAction::Trigger { summary, urgency })
}

fn invalid_event(detail: &str) -> Response {
    events_error("invalid event", "Event object is invalid", detail)
}

fn events_error(status: &str, message: &str, detail: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "status": status,
            "message": message,
            "errors": [detail],
        })),
    )
        .into_response()
}

//! What an incident keeps besides its status: notes (`GET`/`POST /incidents/{id}/notes`),
//! log entries (`GET /incidents/{id}/log_entries`), alerts (`GET /incidents/{id}/alerts`)
//! and responder requests (`POST /incidents/{id}/responder_requests`). An unknown
//! incident is a 404, as the document lists for them.
//!
//! Log entries come newest first. The fake records no automatic notifications, so its
//! `is_overview=true` (the important changes only) is every entry it has.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::query::{Paging, Query};
use crate::routes::auth::requester;
use crate::routes::incidents::{parse_body, reference_id};
use crate::state::Incident;
use crate::types::{FakeResponderRequest, ResponderTarget};
use crate::{json, FakePagerDuty};

fn unknown(id: &str) -> ApiError {
    ApiError::not_found().detail(format!("Incident {id} not found"))
}

pub(crate) async fn list_notes(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    fake.with_state(|state, _| {
        let incident = state.incident(&id).ok_or_else(|| unknown(&id))?;
        let notes: Vec<Value> = incident
            .notes
            .iter()
            .map(|n| json::note(state, n))
            .collect();
        Ok(Json(json!({ "notes": notes })))
    })
}

pub(crate) async fn create_note(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let by = requester(&fake, &headers)?;
    let body = parse_body(&headers, &body)?;
    let content = body
        .pointer("/note/content")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_input("note.content must be a string"))?;
    fake.with_state(|state, now| {
        let note = state.add_note(&id, &by, content, now)?;
        Ok(Json(json!({ "note": json::note(state, &note) })))
    })
}

pub(crate) async fn list_log_entries(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let paging = Paging::parse(&query, 100)?;
    query.bool("is_overview")?;
    let since = query.time("since")?;
    let until = query.time("until")?;
    fake.with_state(|state, _| {
        let incident = state.incident(&id).ok_or_else(|| unknown(&id))?;
        let entries: Vec<_> = incident
            .log
            .iter()
            .rev()
            .filter(|e| since.is_none_or(|s| e.at >= s) && until.is_none_or(|u| e.at < u))
            .collect();
        let (page, more, total) = paging.apply(entries);
        let items: Vec<Value> = page
            .iter()
            .map(|e| json::log_entry(state, incident, e))
            .collect();
        Ok(Json(json::page(
            "log_entries",
            items,
            paging.limit,
            paging.offset,
            more,
            total,
        )))
    })
}

pub(crate) async fn list_alerts(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let paging = Paging::parse(&query, 100)?;
    let statuses = query.list("statuses[]");
    if let Some(bad) = statuses
        .iter()
        .find(|s| !matches!(s.as_str(), "triggered" | "resolved"))
    {
        return Err(ApiError::invalid_input(format!(
            "unknown alert status {bad:?}"
        )));
    }
    let newest_first = match query.one("sort_by") {
        None | Some("created_at" | "created_at:asc") => false,
        Some("created_at:desc") => true,
        Some(other) => {
            return Err(ApiError::invalid_input(format!(
                "cannot sort alerts by {other:?}"
            )))
        }
    };
    fake.with_state(|state, _| {
        let incident = state.incident(&id).ok_or_else(|| unknown(&id))?;
        let mut alerts: Vec<_> = incident
            .alerts
            .iter()
            .filter(|a| {
                let status = if a.resolved { "resolved" } else { "triggered" };
                statuses.is_empty() || statuses.iter().any(|s| s == status)
            })
            .collect();
        alerts.sort_by_key(|a| a.created_at);
        if newest_first {
            alerts.reverse();
        }
        let (page, more, total) = paging.apply(alerts);
        let items: Vec<Value> = page
            .iter()
            .map(|a| json::alert(state, incident, a))
            .collect();
        Ok(Json(json::page(
            "alerts",
            items,
            paging.limit,
            paging.offset,
            more,
            total,
        )))
    })
}

pub(crate) async fn create_responder_request(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = parse_body(&headers, &body)?;
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ApiError::invalid_input(format!("{name} must be a string")))
    };
    let requester_id = field("requester_id")?;
    let message = field("message")?;
    let targets = body
        .get("responder_request_targets")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid_input("responder_request_targets must be an array"))?
        .iter()
        .map(parse_target)
        .collect::<Result<Vec<_>, _>>()?;
    fake.with_state(|state, now| {
        if state.incident(&id).is_none() {
            return Err(unknown(&id));
        }
        let request = FakeResponderRequest {
            requester_id,
            message,
            targets,
            requested_at: now,
        };
        state.request_responders(&id, request.clone())?;
        let incident: &Incident = state.incident(&id).ok_or_else(|| unknown(&id))?;
        Ok(Json(json!({
            "responder_request": json::responder_request(state, incident, &request)
        })))
    })
}

/// A target as the document's example sends it (`{"responder_request_target": {…}}`) or
/// bare, as its schema describes it.
fn parse_target(item: &Value) -> Result<ResponderTarget, ApiError> {
    let target = item.get("responder_request_target").unwrap_or(item);
    match target.get("type").and_then(Value::as_str) {
        Some("user_reference" | "user") => {
            let mut target = target.clone();
            target["type"] = json!("user_reference");
            reference_id(Some(&target), "user_reference", "responder_request_target")
                .map(ResponderTarget::User)
        }
        Some("escalation_policy_reference" | "escalation_policy") => {
            let mut target = target.clone();
            target["type"] = json!("escalation_policy_reference");
            reference_id(
                Some(&target),
                "escalation_policy_reference",
                "responder_request_target",
            )
            .map(ResponderTarget::EscalationPolicy)
        }
        _ => Err(ApiError::invalid_input(
            "responder_request_target.type must be user_reference or escalation_policy_reference",
        )),
    }
}

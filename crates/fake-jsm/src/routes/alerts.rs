//! The alert routes: the list (query, offset/size paging with `links.next`, the 20,000
//! limit), the asynchronous actions and their request status.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{bad_request, error_body, unknown_cloud, SignedIn};
use crate::query;
use crate::state::{Action, State as FakeState};
use crate::types::FakeAlert;
use crate::{FakeJsm, CLOUD_ID, LIST_LIMIT};

/// The page size when none is asked for, and the largest.
const DEFAULT_SIZE: usize = 20;
const MAX_SIZE: usize = 100;

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An alert as the list shows it.
fn alert_json(alert: &FakeAlert, state: &FakeState) -> Value {
    let responders: Vec<Value> = alert
        .responders
        .iter()
        .map(|r| match state.user_by_email(r) {
            Some(user) => json!({"type": "user", "id": user.account_id}),
            None => json!({"type": "team", "id": r}),
        })
        .collect();
    let ack_time = alert
        .acknowledged_at
        .map(|at| (at - alert.created_at).num_milliseconds());
    let mut report = json!({});
    if let Some(ms) = ack_time {
        report["ackTime"] = json!(ms);
    }
    if let Some(by) = &alert.acknowledged_by {
        report["acknowledgedBy"] = json!(by);
    }
    let mut value = json!({
        "id": alert.id,
        "tinyId": alert.tiny_id.to_string(),
        "alias": format!("alias-{}", alert.id),
        "message": alert.message,
        "status": alert.status,
        "acknowledged": alert.acknowledged,
        "isSeen": alert.acknowledged,
        "tags": alert.tags,
        "snoozed": alert.snoozed,
        "count": 1,
        "lastOccurredAt": ts(alert.created_at),
        "createdAt": ts(alert.created_at),
        "updatedAt": ts(alert.updated_at),
        "source": alert.source,
        "owner": alert.owner,
        "priority": alert.priority,
        "responders": responders,
        "report": report,
    });
    if let Some(until) = alert.snoozed_until {
        value["snoozedUntil"] = json!(ts(until));
    }
    value
}

/// The number `key` names, `default` without one; `None` for a malformed one.
fn number(params: &HashMap<String, String>, key: &str, default: usize) -> Option<usize> {
    match params.get(key) {
        None => Some(default),
        Some(text) => text.trim().parse().ok(),
    }
}

/// `GET …/v1/alerts`.
pub(super) async fn list(
    State(fake): State<FakeJsm>,
    Path(cloud_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(response) = unknown_cloud(&cloud_id) {
        return response;
    }
    let (Some(offset), Some(size)) = (
        number(&params, "offset", 0),
        number(&params, "size", DEFAULT_SIZE),
    ) else {
        return bad_request("offset and size must be non-negative integers");
    };
    let size = size.clamp(1, MAX_SIZE);
    if offset + size >= LIST_LIMIT {
        return bad_request("Sum of offset and size should be lower than 20000");
    }
    let query_text = params.get("query").cloned().unwrap_or_default();
    let query = query::Query::parse(&query_text);
    let sort = params
        .get("sort")
        .map(String::as_str)
        .unwrap_or("createdAt");
    let ascending = params.get("order").map(String::as_str) == Some("asc");
    fake.with_state(|state, _| {
        let mut matching: Vec<&FakeAlert> =
            state.alerts.iter().filter(|a| query.matches(a)).collect();
        match sort {
            "updatedAt" => matching.sort_by_key(|a| a.updated_at),
            "tinyId" => matching.sort_by_key(|a| a.tiny_id),
            _ => matching.sort_by_key(|a| a.created_at),
        }
        if !ascending {
            matching.reverse();
        }
        let total = matching.len();
        let values: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(size)
            .map(|a| alert_json(a, state))
            .collect();
        let mut body = json!({ "values": values, "links": {} });
        if offset + size < total {
            let mut next = url::form_urlencoded::Serializer::new(String::new());
            next.append_pair("query", &query_text)
                .append_pair("offset", &(offset + size).to_string())
                .append_pair("size", &size.to_string())
                .append_pair("sort", sort)
                .append_pair("order", if ascending { "asc" } else { "desc" });
            let path = format!("/v1/alerts?{}", next.finish());
            body["links"]["next"] = json!(match &state.public_url {
                None => path,
                Some(base) => format!("{base}/jsm/ops/api/{CLOUD_ID}{path}"),
            });
        }
        Json(body).into_response()
    })
}

/// `POST …/v1/alerts/{id}/{action}`: accepted (202) and processed asynchronously.
pub(super) async fn act(
    State(fake): State<FakeJsm>,
    Path((cloud_id, id, action)): Path<(String, String, String)>,
    Extension(SignedIn(user)): Extension<SignedIn>,
    body: Bytes,
) -> Response {
    if let Some(response) = unknown_cloud(&cloud_id) {
        return response;
    }
    let body = match object_body(&body) {
        Ok(body) => body,
        Err(()) => return bad_request("The request body must be a JSON object"),
    };
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let note = text("note");
    let (action, note) = match action.as_str() {
        "acknowledge" => (Action::Acknowledge, note),
        "unacknowledge" => (Action::Unacknowledge, note),
        "close" => (Action::Close, note),
        "snooze" => {
            let Some(end) = text("endTime")
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc))
            else {
                return bad_request("endTime is required and must be a date-time");
            };
            (Action::Snooze(end), note)
        }
        "notes" => match note.filter(|n| !n.trim().is_empty()) {
            Some(note) => (Action::AddNote(note), None),
            None => return bad_request("note is required"),
        },
        _ => return error_body(StatusCode::NOT_FOUND, "Not Found"),
    };
    let request_id =
        fake.with_state(|state, now| state.accept(&id, action, note, &user.email, now));
    (
        StatusCode::ACCEPTED,
        Json(json!({"result": "Request will be processed", "took": 0.01, "requestId": request_id})),
    )
        .into_response()
}

/// `GET …/v1/alerts/requests/{id}`: 404 until processed.
pub(super) async fn request_status(
    State(fake): State<FakeJsm>,
    Path((cloud_id, request_id)): Path<(String, String)>,
) -> Response {
    if let Some(response) = unknown_cloud(&cloud_id) {
        return response;
    }
    let outcome = fake.with_state(|state, _| state.processed.get(&request_id).cloned());
    match outcome {
        None => error_body(
            StatusCode::NOT_FOUND,
            "Request not found. It might not be processed, yet.",
        ),
        Some(outcome) => Json(json!({
            "action": outcome.action,
            "processedAt": ts(outcome.processed_at),
            "integrationId": "",
            "isSuccess": outcome.success,
            "status": outcome.status,
            "alertId": outcome.alert_id,
            "alias": format!("alias-{}", outcome.alert_id),
        }))
        .into_response(),
    }
}

/// A JSON object body, or an empty one. `Err` for anything else.
fn object_body(bytes: &[u8]) -> Result<serde_json::Map<String, Value>, ()> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(()),
    }
}

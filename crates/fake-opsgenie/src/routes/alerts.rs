//! The Alert API: list, get, create, act on alerts, and the status of accepted requests.

use std::collections::HashMap;

use axum::body::to_bytes;
use axum::extract::{Path, Query as QueryParams, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{error_body, object_body, rid, string_field, unprocessable, MAX_REQUEST_BODY, TOOK};
use crate::query::Query;
use crate::state::{alert_json, outcome_json, Action, IdentifierType, Queued};
use crate::types::{FakeResponder, NewAlert};
use crate::FakeOpsgenie;
pub(super) async fn list(
    State(fake): State<FakeOpsgenie>,
    QueryParams(params): QueryParams<HashMap<String, String>>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    let offset = match params.get("offset").map(|o| o.parse::<usize>()) {
        None => 0,
        Some(Ok(o)) => o,
        Some(Err(_)) => return unprocessable("offset must be a non-negative integer", &rid),
    };
    let limit = match params.get("limit").map(|l| l.parse::<usize>()) {
        None => 20,
        Some(Ok(l)) if (1..=100).contains(&l) => l,
        Some(_) => return unprocessable("limit must be between 1 and 100", &rid),
    };
    let sort = params
        .get("sort")
        .map(String::as_str)
        .unwrap_or("createdAt");
    let order = params.get("order").map(String::as_str).unwrap_or("desc");
    if order != "asc" && order != "desc" {
        return unprocessable("order must be asc or desc", &rid);
    }
    let query_text = params.get("query").cloned().unwrap_or_default();
    let query = Query::parse(&query_text);
    let (found, base) = fake.with_state(|state, _| {
        (
            state.search(&query, sort, order == "asc"),
            state.public_url.clone(),
        )
    });
    let total = found.len();
    let data: Vec<Value> = found
        .iter()
        .skip(offset)
        .take(limit)
        .map(|a| alert_json(a, false))
        .collect();
    let link = |offset: usize| {
        let mut url = format!("{base}/v2/alerts?");
        url.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .append_pair("query", &query_text)
                .append_pair("offset", &offset.to_string())
                .append_pair("limit", &limit.to_string())
                .append_pair("sort", sort)
                .append_pair("order", order)
                .finish(),
        );
        url
    };
    let mut paging = serde_json::Map::new();
    paging.insert("first".into(), json!(link(0)));
    let last = if total == 0 {
        0
    } else {
        (total - 1) / limit * limit
    };
    paging.insert("last".into(), json!(link(last)));
    if offset + limit < total {
        paging.insert("next".into(), json!(link(offset + limit)));
    }
    if offset > 0 {
        paging.insert("prev".into(), json!(link(offset.saturating_sub(limit))));
    }
    let mut response = Json(json!({
        "data": data,
        "paging": paging,
        "took": TOOK,
        "requestId": rid,
    }))
    .into_response();
    let headers = response.headers_mut();
    for (name, key) in [
        ("x-paging-first", "first"),
        ("x-paging-last", "last"),
        ("x-paging-next", "next"),
        ("x-paging-prev", "prev"),
    ] {
        if let Some(value) = paging.get(key).and_then(Value::as_str) {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
    }
    response
}

fn identifier_type(params: &HashMap<String, String>) -> Option<IdentifierType> {
    IdentifierType::parse(params.get("identifierType").map(String::as_str))
}

pub(super) async fn get_one(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<HashMap<String, String>>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    let Some(kind) = identifier_type(&params) else {
        return unprocessable("identifierType must be one of id, alias, tiny", &rid);
    };
    match fake.with_state(|state, _| state.find(&identifier, kind).cloned()) {
        Some(alert) => Json(json!({
            "data": alert_json(&alert, true),
            "took": TOOK,
            "requestId": rid,
        }))
        .into_response(),
        None => error_body(StatusCode::NOT_FOUND, "Alert does not exist", &rid),
    }
}

fn accepted(request_id: &str) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(json!({
            "result": "Request will be processed",
            "took": TOOK,
            "requestId": request_id,
        })),
    )
        .into_response()
}

pub(super) async fn create(State(fake): State<FakeOpsgenie>, request: Request) -> Response {
    let rid = rid(&request);
    let Ok(bytes) = to_bytes(request.into_body(), MAX_REQUEST_BODY).await else {
        return error_body(StatusCode::BAD_REQUEST, "Invalid JSON body", &rid);
    };
    let Ok(body) = object_body(&bytes) else {
        return error_body(StatusCode::BAD_REQUEST, "Invalid JSON body", &rid);
    };
    let Some(message) = string_field(&body, "message").filter(|m| !m.trim().is_empty()) else {
        return unprocessable("Message can not be empty.", &rid);
    };
    let priority = string_field(&body, "priority");
    if let Some(p) = &priority {
        if !matches!(p.as_str(), "P1" | "P2" | "P3" | "P4" | "P5") {
            return unprocessable("Priority should be one of [P1, P2, P3, P4, P5]", &rid);
        }
    }
    let responders = body
        .get("responders")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|r| {
                    let kind = r.get("type")?.as_str()?.to_string();
                    let name = r
                        .get("name")
                        .or_else(|| r.get("username"))
                        .and_then(Value::as_str);
                    let id = r.get("id").and_then(Value::as_str);
                    let name = name.or(id)?.to_string();
                    let id = id
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("{kind}-{name}"));
                    Some(FakeResponder { kind, id, name })
                })
                .collect()
        })
        .unwrap_or_default();
    let new = NewAlert {
        message,
        alias: string_field(&body, "alias"),
        description: string_field(&body, "description").unwrap_or_default(),
        priority,
        tags: body
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        responders,
        source: string_field(&body, "source"),
    };
    fake.with_state(|state, now| {
        state.accept(
            Queued {
                request_id: rid.clone(),
                identifier: String::new(),
                identifier_type: IdentifierType::Id,
                action: Action::Create(new),
                user: string_field(&body, "user"),
                note: string_field(&body, "note"),
            },
            now,
        )
    });
    accepted(&rid)
}

pub(super) async fn act(
    State(fake): State<FakeOpsgenie>,
    Path((identifier, action)): Path<(String, String)>,
    QueryParams(params): QueryParams<HashMap<String, String>>,
    request: Request,
) -> Response {
    act_on(fake, identifier, &action, params, request).await
}

/// `POST /v2/alerts/{identifier}/notes`: its path is also a `GET` route, so it has a
/// route of its own.
pub(super) async fn add_note(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<HashMap<String, String>>,
    request: Request,
) -> Response {
    act_on(fake, identifier, "notes", params, request).await
}

/// The recipient a payload names under `field` (`EscalationRecipient`,
/// `UserRecipient`): its id, else its `name_field`.
fn recipient(
    body: &serde_json::Map<String, Value>,
    field: &str,
    name_field: &str,
) -> Option<String> {
    let recipient = body.get(field)?;
    [recipient.get("id"), recipient.get(name_field)]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::trim)
        .find(|v| !v.is_empty())
        .map(str::to_string)
}

async fn act_on(
    fake: FakeOpsgenie,
    identifier: String,
    action: &str,
    params: HashMap<String, String>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    let Some(kind) = identifier_type(&params) else {
        return unprocessable("identifierType must be one of id, alias, tiny", &rid);
    };
    let Ok(bytes) = to_bytes(request.into_body(), MAX_REQUEST_BODY).await else {
        return error_body(StatusCode::BAD_REQUEST, "Invalid JSON body", &rid);
    };
    let Ok(body) = object_body(&bytes) else {
        return error_body(StatusCode::BAD_REQUEST, "Invalid JSON body", &rid);
    };
    let now = fake.now();
    let action = match action {
        "acknowledge" => Action::Acknowledge,
        "unacknowledge" => Action::Unacknowledge,
        "close" => Action::Close,
        "snooze" => {
            let end = string_field(&body, "endTime")
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc));
            match end {
                None => return unprocessable("endTime should be provided as a date-time", &rid),
                Some(end) if end <= now => {
                    return unprocessable("endTime should be in the future", &rid)
                }
                Some(end) => Action::Snooze(end),
            }
        }
        "notes" => match string_field(&body, "note") {
            Some(note) if !note.trim().is_empty() => Action::AddNote,
            _ => return unprocessable("Note can not be empty.", &rid),
        },
        // Opsgenie's wording for these two refusals is not in its documents.
        "escalate" => match recipient(&body, "escalation", "name") {
            Some(escalation) => Action::Escalate(escalation),
            None => return unprocessable("Escalation should be provided.", &rid),
        },
        "assign" => match recipient(&body, "owner", "username") {
            Some(owner) => Action::Assign(owner),
            None => return unprocessable("Owner should be provided.", &rid),
        },
        "responders" => {
            let kind = body
                .get("responder")
                .and_then(|r| r.get("type"))
                .and_then(Value::as_str)
                .filter(|k| ["user", "team", "escalation", "schedule"].contains(k));
            let name_field = if kind == Some("user") {
                "username"
            } else {
                "name"
            };
            match (kind, recipient(&body, "responder", name_field)) {
                (Some(kind), Some(identifier)) => Action::AddResponder {
                    kind: kind.to_string(),
                    identifier,
                },
                _ => {
                    return unprocessable(
                        "Responder should be a user, team, escalation or schedule.",
                        &rid,
                    )
                }
            }
        }
        _ => return error_body(StatusCode::NOT_FOUND, "Could not find the resource", &rid),
    };
    fake.with_state(|state, now| {
        state.accept(
            Queued {
                request_id: rid.clone(),
                identifier,
                identifier_type: kind,
                action,
                user: string_field(&body, "user"),
                note: string_field(&body, "note"),
            },
            now,
        )
    });
    accepted(&rid)
}

pub(super) async fn request_status(
    State(fake): State<FakeOpsgenie>,
    Path(request_id): Path<String>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    match fake.request_outcome(&request_id) {
        Some(outcome) => Json(json!({
            "data": outcome_json(&outcome),
            "took": TOOK,
            "requestId": rid,
        }))
        .into_response(),
        None => error_body(
            StatusCode::NOT_FOUND,
            "Request not found. It might not be processed, yet.",
            &rid,
        ),
    }
}

//! The HTTP surface: the router, the front middleware every request passes through (log,
//! fault, authenticate) and what the handlers share. The handlers are in `alerts.rs`
//! (the Alert API's actions), `history.rs` (an alert's notes and log), `schedules.rs`
//! (schedules, timelines, who is on call), `overrides.rs`, `users.rs` and `targets.rs`
//! (escalations and teams).

mod alerts;
mod history;
mod overrides;
mod schedules;
mod targets;
mod users;

use std::collections::HashMap;

use axum::extract::Request;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use oncall_fake_service::front::{answer, Received};
use serde_json::{json, Value};

use crate::faults::{self, Route};
use crate::roster::Refusal;
use crate::FakeOpsgenie;

const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// What every response reports as `took` (seconds).
const TOOK: f64 = 0.003;

pub(crate) fn router(fake: FakeOpsgenie) -> Router {
    Router::new()
        .route("/v2/alerts", get(alerts::list).post(alerts::create))
        .route(
            "/v2/alerts/requests/{request_id}",
            get(alerts::request_status),
        )
        .route("/v2/alerts/{identifier}", get(alerts::get_one))
        .route(
            "/v2/alerts/{identifier}/notes",
            get(history::notes).post(alerts::add_note),
        )
        .route("/v2/alerts/{identifier}/logs", get(history::logs))
        .route("/v2/alerts/{identifier}/{action}", post(alerts::act))
        .route("/v2/schedules", get(schedules::list))
        // A static segment: matched before `{identifier}`, so no schedule can be named
        // "on-calls" through this path (as on Opsgenie).
        .route("/v2/schedules/on-calls", get(schedules::all_on_calls))
        .route("/v2/schedules/{identifier}", get(schedules::get_one))
        .route(
            "/v2/schedules/{identifier}/timeline",
            get(schedules::timeline),
        )
        .route(
            "/v2/schedules/{identifier}/on-calls",
            get(schedules::on_calls),
        )
        .route(
            "/v2/schedules/{identifier}/next-on-calls",
            get(schedules::next_on_calls),
        )
        .route(
            "/v2/schedules/{identifier}/overrides",
            get(overrides::list).post(overrides::create),
        )
        .route(
            "/v2/schedules/{identifier}/overrides/{alias}",
            get(overrides::get_one)
                .put(overrides::update)
                .delete(overrides::delete),
        )
        .route("/v2/users", get(users::list))
        .route("/v2/users/{identifier}", get(users::get_one))
        .route("/v2/users/{identifier}/schedules", get(users::schedules))
        .route("/v2/escalations", get(targets::escalations))
        .route("/v2/teams", get(targets::teams))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(fake.clone(), front))
        .with_state(fake)
}

/// The request id every response carries, put into the request by `front`.
#[derive(Clone)]
struct RequestId(String);

/// An `ErrorResponse` body with that status.
pub(crate) fn error_body(status: StatusCode, message: &str, request_id: &str) -> Response {
    (
        status,
        Json(json!({ "message": message, "took": TOOK, "requestId": request_id })),
    )
        .into_response()
}

async fn not_found(request: Request) -> Response {
    error_body(
        StatusCode::NOT_FOUND,
        "Could not find the resource",
        &rid(&request),
    )
}

pub(super) fn rid(request: &Request) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

fn classify(method: &Method, path: &str) -> Option<Route> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let route = match (method.clone(), segments.as_slice()) {
        (Method::GET, ["v2", "alerts"]) => Route::ListAlerts,
        (Method::POST, ["v2", "alerts"]) => Route::CreateAlert,
        (Method::GET, ["v2", "alerts", "requests", _]) => Route::RequestStatus,
        (Method::GET, ["v2", "alerts", _]) => Route::GetAlert,
        (Method::GET, ["v2", "alerts", _, "notes"]) => Route::AlertNotes,
        (Method::GET, ["v2", "alerts", _, "logs"]) => Route::AlertLogs,
        (Method::POST, ["v2", "alerts", _, _]) => Route::AlertAction,
        (Method::GET, ["v2", "schedules"]) => Route::ListSchedules,
        (Method::GET, ["v2", "schedules", "on-calls"]) => Route::ListOnCalls,
        (Method::GET, ["v2", "schedules", _]) => Route::GetSchedule,
        (Method::GET, ["v2", "schedules", _, "timeline"]) => Route::ScheduleTimeline,
        (Method::GET, ["v2", "schedules", _, "on-calls"]) => Route::OnCalls,
        (Method::GET, ["v2", "schedules", _, "next-on-calls"]) => Route::NextOnCalls,
        (Method::POST, ["v2", "schedules", _, "overrides"]) => Route::CreateOverride,
        (Method::GET, ["v2", "schedules", _, "overrides"]) => Route::ListOverrides,
        (Method::GET, ["v2", "schedules", _, "overrides", _]) => Route::GetOverride,
        (Method::PUT, ["v2", "schedules", _, "overrides", _]) => Route::UpdateOverride,
        (Method::DELETE, ["v2", "schedules", _, "overrides", _]) => Route::DeleteOverride,
        (Method::GET, ["v2", "users"]) => Route::ListUsers,
        (Method::GET, ["v2", "users", _]) => Route::GetUser,
        (Method::GET, ["v2", "users", _, "schedules"]) => Route::UserSchedules,
        (Method::GET, ["v2", "escalations"]) => Route::ListEscalations,
        (Method::GET, ["v2", "teams"]) => Route::ListTeams,
        _ => return None,
    };
    Some(route)
}

/// Whether the path is one an Alert-API-only key may not use (configuration access).
fn needs_configuration_access(path: &str) -> bool {
    ["/v2/schedules", "/v2/users", "/v2/escalations", "/v2/teams"]
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

/// Logs the request, applies a matching fault, checks the API key, then serves.
async fn front(State(fake): State<FakeOpsgenie>, request: Request, next: Next) -> Response {
    let route = classify(request.method(), request.uri().path());
    let mut received = Received::read(request, MAX_REQUEST_BODY).await;
    let seq = fake.core().record(received.recorded());
    let request_id = fake.with_state(|state, _| state.new_request_id());
    received
        .parts
        .extensions
        .insert(RequestId(request_id.clone()));
    let fault = fake
        .core()
        .take_fault(route)
        .map(|kind| faults::action(&kind, &request_id));
    let mut response = answer(fault, received, |received| {
        serve(&fake, next, received, &request_id)
    })
    .await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", value);
    }
    headers.insert("x-response-time", HeaderValue::from_static("3ms"));
    fake.core().set_status(seq, response.status().as_u16());
    response
}

async fn serve(fake: &FakeOpsgenie, next: Next, received: Received, request_id: &str) -> Response {
    let key = received
        .parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("GenieKey "))
        .map(str::trim)
        .unwrap_or("");
    let access = fake.with_state(|state, _| {
        state
            .api_keys
            .iter()
            .find(|k| k.key == key)
            .map(|k| k.configuration_access)
    });
    let Some(configuration_access) = access else {
        return error_body(
            StatusCode::UNAUTHORIZED,
            "Could not authenticate",
            request_id,
        );
    };
    // Opsgenie's words for this refusal are not in its documents.
    if !configuration_access && needs_configuration_access(received.parts.uri.path()) {
        return error_body(
            StatusCode::FORBIDDEN,
            "The API key's integration has no configuration access",
            request_id,
        );
    }
    if received.too_large {
        return error_body(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request is too large",
            request_id,
        );
    }
    next.run(received.into_request()).await
}

pub(super) fn unprocessable(message: &str, request_id: &str) -> Response {
    error_body(StatusCode::UNPROCESSABLE_ENTITY, message, request_id)
}

/// A JSON object body, or an empty one. `Err` for anything else.
pub(super) fn object_body(bytes: &[u8]) -> Result<serde_json::Map<String, Value>, ()> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(()),
    }
}

pub(super) fn string_field(body: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_string)
}

/// A 200 (or `status`) answer: `body`, an object, with `took` and `requestId` added.
pub(super) fn success(status: StatusCode, mut body: Value, request_id: &str) -> Response {
    if let Some(object) = body.as_object_mut() {
        object.insert("took".into(), json!(TOOK));
        object.insert("requestId".into(), json!(request_id));
    }
    (status, Json(body)).into_response()
}

/// `status` with `body` (as [`success`]), or the refusal's error.
pub(super) fn reply(
    status: StatusCode,
    result: Result<Value, Refusal>,
    request_id: &str,
) -> Response {
    match result {
        Ok(body) => success(status, body, request_id),
        Err(refusal) => refused(&refusal, request_id),
    }
}

pub(super) fn refused(refusal: &Refusal, request_id: &str) -> Response {
    let status = match refusal {
        Refusal::NotFound(_) => StatusCode::NOT_FOUND,
        Refusal::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    error_body(status, refusal.message(), request_id)
}

/// Whether the path's schedule identifier is a name, from the query parameter `key`
/// (`identifierType` or `scheduleIdentifierType`; `id` by default).
pub(super) fn by_name(params: &HashMap<String, String>, key: &str) -> Result<bool, Refusal> {
    match params.get(key).map(String::as_str) {
        None | Some("id") => Ok(false),
        Some("name") => Ok(true),
        Some(_) => Err(Refusal::Invalid(format!("{key} must be one of [id, name]"))),
    }
}

//! The HTTP surface: one handler that logs each request, lets a fault answer it, checks
//! the key and dispatches on method and path. Paths match with or without their trailing
//! slash (Grafana OnCall's public API router makes the slash optional); the reference
//! writes `alert_groups/`, `users/current/`, `schedules/`, `resolution_notes/`,
//! `on_call_shifts/` with one, `alert_groups/{id}/acknowledge` and
//! `schedules/{id}/final_shifts` without.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::{Duration, NaiveDate};
use oncall_fake_service::front::{answer, FaultAction, Received};
use oncall_fake_service::lock;
use serde_json::{json, Value};

use crate::faults::{self, Route};
use crate::json;
use crate::roster;
use crate::state::{Change, Refusal};
use crate::types::GroupState;
use crate::FakeGrafanaOnCall;

const MAX_REQUEST_BODY: usize = 1024 * 1024;

pub(crate) fn router(fake: FakeGrafanaOnCall) -> Router {
    Router::new().fallback(front).with_state(fake)
}

/// Django REST framework's error body: `{"detail": "…"}`.
pub(crate) fn detail(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "detail": text }))).into_response()
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

fn classify(method: &Method, path: &str) -> Option<Route> {
    let segments = segments(path);
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    Some(match (method.clone(), s.as_slice()) {
        (Method::GET, ["api", "v1", "users", ..]) => Route::Users,
        (Method::GET, ["api", "v1", "alert_groups"]) => Route::ListAlertGroups,
        (Method::GET, ["api", "v1", "alert_groups", _]) => Route::GetAlertGroup,
        (Method::POST, ["api", "v1", "alert_groups", _, _]) => Route::AlertGroupAction,
        (_, ["api", "v1", "resolution_notes", ..]) => Route::ResolutionNotes,
        (Method::GET, ["api", "v1", "schedules", _, "final_shifts"]) => Route::FinalShifts,
        (Method::GET, ["api", "v1", "schedules", ..]) => Route::Schedules,
        (Method::GET, ["api", "v1", "on_call_shifts", ..]) => Route::OnCallShifts,
        _ => return None,
    })
}

/// Logs the request, applies a matching fault, checks the key, then serves.
async fn front(State(fake): State<FakeGrafanaOnCall>, request: Request) -> Response {
    let route = classify(request.method(), request.uri().path());
    let received = Received::read(request, MAX_REQUEST_BODY).await;
    let seq = fake.core().record(received.recorded());
    let fault = fake
        .core()
        .take_fault(route)
        .map(|kind| faults::action(&kind));
    let faulted = matches!(fault, Some(FaultAction::Respond(_)));
    let response = answer(fault, received, |received| async { serve(&fake, received) }).await;
    fake.core().set_status(seq, response.status().as_u16());
    if faulted {
        fake.core().set_faulted(seq);
    }
    response
}

fn serve(fake: &FakeGrafanaOnCall, received: Received) -> Response {
    let key = received
        .parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    let now = fake.core().now();
    let mut state = lock(&fake.shared.state);
    state.expire_silences(now);
    let Some(user) = state.user_of_key(key).cloned() else {
        return detail(StatusCode::UNAUTHORIZED, "Invalid token.");
    };
    if received.too_large {
        return detail(StatusCode::PAYLOAD_TOO_LARGE, "Request is too large.");
    }
    let path = received.parts.uri.path().to_owned();
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(received.parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Ok(page_number) = param("page").unwrap_or("1").parse::<usize>() else {
        return detail(StatusCode::NOT_FOUND, "Invalid page.");
    };
    let paged = |items: Vec<Value>| -> Response {
        if page_number == 0 || page_number > items.len().div_ceil(json::PAGE_SIZE).max(1) {
            return detail(StatusCode::NOT_FOUND, "Invalid page.");
        }
        let public_url = state_url(fake);
        Json(json::page(items, page_number, &public_url, &path, &query)).into_response()
    };
    let segments = segments(&path);
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (received.parts.method.clone(), s.as_slice()) {
        (Method::GET, ["api", "v1", "users", "current"]) => Json(json::user(&user)).into_response(),
        (Method::GET, ["api", "v1", "users"]) => {
            let users: Vec<Value> = state
                .users
                .iter()
                .filter(|u| param("username").is_none_or(|n| u.username == n))
                .map(json::user)
                .collect();
            drop(state);
            paged(users)
        }
        (Method::GET, ["api", "v1", "users", id]) => match state.users.iter().find(|u| u.id == *id)
        {
            Some(u) => Json(json::user(u)).into_response(),
            None => detail(StatusCode::NOT_FOUND, "Not found."),
        },
        (Method::GET, ["api", "v1", "alert_groups"]) => {
            let wanted_state = match param("state") {
                None => None,
                Some(value) => match GroupState::from_filter(value) {
                    Some(s) => Some(s),
                    None => {
                        return Json(json!({ "state": [format!("Select a valid choice. {value} is not one of the available choices.")] }))
                            .into_response()
                            .map_status(StatusCode::BAD_REQUEST)
                    }
                },
            };
            let labels: Vec<&str> = query
                .iter()
                .filter(|(k, _)| k == "label")
                .map(|(_, v)| v.as_str())
                .collect();
            let groups: Vec<Value> = state
                .groups
                .iter()
                .rev()
                .filter(|g| wanted_state.is_none_or(|s| g.state == s))
                .filter(|g| param("id").is_none_or(|id| g.id == id))
                .filter(|g| param("integration_id").is_none_or(|id| g.integration_id == id))
                .filter(|g| param("route_id").is_none_or(|id| g.route_id == id))
                .filter(|g| param("team_id").is_none_or(|id| g.team_id.as_deref() == Some(id)))
                .filter(|g| labels.iter().all(|l| g.labels.iter().any(|have| have == l)))
                .map(|g| json::alert_group(&state, g))
                .collect();
            drop(state);
            paged(groups)
        }
        (Method::GET, ["api", "v1", "alert_groups", id]) => match state.group(id) {
            Some(group) => Json(json::alert_group(&state, group)).into_response(),
            None => detail(StatusCode::NOT_FOUND, "Not found."),
        },
        (Method::POST, ["api", "v1", "alert_groups", id, verb]) => {
            let change = match *verb {
                "acknowledge" => Change::Acknowledge,
                "unacknowledge" => Change::Unacknowledge,
                "resolve" => Change::Resolve,
                "unresolve" => Change::Unresolve,
                "unsilence" => Change::Unsilence,
                "silence" => match silence_delay(&received.body) {
                    Ok(delay) => Change::Silence(delay),
                    Err(text) => {
                        return (StatusCode::BAD_REQUEST, Json(json!({ "delay": [text] })))
                            .into_response()
                    }
                },
                _ => return detail(StatusCode::NOT_FOUND, "Not found."),
            };
            match state.change(id, change, &user.id, now) {
                Ok(()) => StatusCode::OK.into_response(),
                Err(refusal) => refused(refusal),
            }
        }
        (Method::POST, ["api", "v1", "resolution_notes"]) => {
            let body: Value = serde_json::from_slice(&received.body).unwrap_or(Value::Null);
            let field = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or("");
            match state.add_note(field("alert_group_id"), field("text"), &user.id, now) {
                Ok(note) => (StatusCode::CREATED, Json(json::note(&note))).into_response(),
                Err(refusal) => refused(refusal),
            }
        }
        (Method::GET, ["api", "v1", "resolution_notes"]) => {
            let notes: Vec<Value> = state
                .notes
                .iter()
                .filter(|n| param("alert_group_id").is_none_or(|id| n.alert_group_id == id))
                .map(json::note)
                .collect();
            drop(state);
            paged(notes)
        }
        (Method::GET, ["api", "v1", "resolution_notes", id]) => {
            match state.notes.iter().find(|n| n.id == *id) {
                Some(note) => Json(json::note(note)).into_response(),
                None => detail(StatusCode::NOT_FOUND, "Not found."),
            }
        }
        (Method::GET, ["api", "v1", "schedules"]) => {
            let schedules: Vec<Value> = state
                .schedules
                .iter()
                .filter(|r| param("name").is_none_or(|n| r.spec.name == n))
                .filter(|r| param("team_id").is_none_or(|t| r.spec.team_id.as_deref() == Some(t)))
                .map(|r| json::schedule(r, now))
                .collect();
            drop(state);
            paged(schedules)
        }
        (Method::GET, ["api", "v1", "schedules", id]) => {
            match state.schedules.iter().find(|r| r.id == *id) {
                Some(record) => Json(json::schedule(record, now)).into_response(),
                None => detail(StatusCode::NOT_FOUND, "Not found."),
            }
        }
        (Method::GET, ["api", "v1", "schedules", id, "final_shifts"]) => {
            let Some(record) = state.schedules.iter().find(|r| r.id == *id) else {
                return detail(StatusCode::NOT_FOUND, "Not found.");
            };
            let dates = (param("start_date"), param("end_date"));
            let (Some(start), Some(end)) = (
                dates
                    .0
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                dates
                    .1
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            ) else {
                return detail(
                    StatusCode::BAD_REQUEST,
                    "start_date and end_date are required ISO 8601 dates",
                );
            };
            if end < start || end - start > Duration::days(365) {
                return detail(
                    StatusCode::BAD_REQUEST,
                    "end_date must be on or after start_date and at most 365 days after it",
                );
            }
            let from = start.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            let to = (end + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc();
            let shifts: Vec<Value> = roster::final_shifts(&record.spec, from, to)
                .into_iter()
                .map(|(id, start, end)| {
                    json::final_shift(state.users.iter().find(|u| u.id == id), &id, start, end)
                })
                .collect();
            drop(state);
            paged(shifts)
        }
        (Method::GET, ["api", "v1", "on_call_shifts"]) => {
            let shifts: Vec<Value> = state
                .schedules
                .iter()
                .filter(|r| param("schedule_id").is_none_or(|id| r.id == id))
                .filter(|r| param("name").is_none_or(|n| format!("{} rotation", r.spec.name) == n))
                .map(json::on_call_shift)
                .collect();
            drop(state);
            paged(shifts)
        }
        (Method::GET, ["api", "v1", "on_call_shifts", id]) => {
            match state.schedules.iter().find(|r| r.shift_id == *id) {
                Some(record) => Json(json::on_call_shift(record)).into_response(),
                None => detail(StatusCode::NOT_FOUND, "Not found."),
            }
        }
        _ => detail(StatusCode::NOT_FOUND, "Not found."),
    }
}

fn state_url(fake: &FakeGrafanaOnCall) -> String {
    lock(&fake.shared.state).public_url.clone()
}

/// `delay` of a silence: seconds, or `None` for `-1` (forever). `Err`: why the field is
/// refused, in Django REST framework's words.
fn silence_delay(body: &[u8]) -> Result<Option<i64>, &'static str> {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match body.get("delay") {
        None | Some(Value::Null) => Err("This field is required."),
        Some(value) => match value.as_i64() {
            Some(-1) => Ok(None),
            Some(seconds) if seconds > 0 => Ok(Some(seconds)),
            Some(_) => Err("Ensure this value is greater than 0, or -1 to silence forever."),
            None => Err("A valid integer is required."),
        },
    }
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::NotFound => detail(StatusCode::NOT_FOUND, "Not found."),
        Refusal::Invalid(text) => detail(StatusCode::BAD_REQUEST, &text),
    }
}

/// Sets a response's status.
trait MapStatus {
    fn map_status(self, status: StatusCode) -> Response;
}

impl MapStatus for Response {
    fn map_status(mut self, status: StatusCode) -> Response {
        *self.status_mut() = status;
        self
    }
}

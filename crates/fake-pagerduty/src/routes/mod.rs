//! The HTTP surface: the router, and the front middleware every request passes through
//! first (log it, then apply an injected fault if one matches).
//!
//! Layering, outermost first:
//! 1. `front`: logs the request, then a matching fault answers, delays or drops it;
//! 2. `auth::authenticate` (REST routes only): rate limit, then the API token;
//! 3. the handler.
//!
//! The Events API (`/v2/enqueue`) authenticates by routing key in the body instead, and
//! the `/_fake/` control routes need no credentials and are neither logged nor faulted.

mod auth;
mod control;
mod incidents;
mod oncalls;
mod overrides;
mod policies;
mod respond;
mod schedules;
mod users;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use oncall_fake_service::front::{answer, Received};

use crate::error::ApiError;
use crate::faults::{self, Api, Route};
use crate::{events, FakePagerDuty};

/// Larger request bodies are refused with 413 (PagerDuty's Events API limit is 512 KB;
/// 250 bulk updates are far below this).
const MAX_REQUEST_BODY: usize = 1024 * 1024;

pub(crate) fn router(fake: FakePagerDuty) -> Router {
    let rest = Router::new()
        .route("/users/me", get(users::me))
        .route("/users", get(users::list))
        .route(
            "/incidents",
            get(incidents::list).put(incidents::update_many),
        )
        .route(
            "/incidents/{id}",
            get(incidents::get_one).put(incidents::update_one),
        )
        .route("/incidents/{id}/snooze", post(incidents::snooze))
        .route(
            "/incidents/{id}/notes",
            get(respond::list_notes).post(respond::create_note),
        )
        .route(
            "/incidents/{id}/log_entries",
            get(respond::list_log_entries),
        )
        .route("/incidents/{id}/alerts", get(respond::list_alerts))
        .route(
            "/incidents/{id}/responder_requests",
            post(respond::create_responder_request),
        )
        .route("/oncalls", get(oncalls::list))
        .route("/schedules", get(schedules::list))
        .route("/schedules/{id}", get(schedules::get_one))
        .route("/schedules/{id}/users", get(schedules::users))
        .route(
            "/schedules/{id}/overrides",
            get(overrides::list).post(overrides::create),
        )
        .route(
            "/schedules/{id}/overrides/{override_id}",
            delete(overrides::delete),
        )
        .route("/escalation_policies", get(policies::list))
        .route_layer(middleware::from_fn_with_state(
            fake.clone(),
            auth::authenticate,
        ));
    Router::new()
        .merge(rest)
        .route("/v2/enqueue", post(events::enqueue))
        .nest("/_fake", control::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(fake.clone(), front))
        .with_state(fake)
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// Which fault routes a request is subject to: `None` for the control routes (never
/// faulted), `Some(None)` for API requests only `Route::Any` applies to.
fn classify(method: &Method, path: &str) -> Option<Option<Route>> {
    if path == "/_fake" || path.starts_with("/_fake/") {
        return None;
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let route = match (method.clone(), segments.as_slice()) {
        (Method::GET, ["users", "me"]) => Some(Route::UsersMe),
        (Method::GET, ["users"]) => Some(Route::ListUsers),
        (Method::GET, ["incidents"]) => Some(Route::ListIncidents),
        (Method::GET, ["incidents", _]) => Some(Route::GetIncident),
        (Method::GET, ["incidents", _, "notes"]) => Some(Route::ListNotes),
        (Method::POST, ["incidents", _, "notes"]) => Some(Route::CreateNote),
        (Method::GET, ["incidents", _, "log_entries"]) => Some(Route::ListLogEntries),
        (Method::GET, ["incidents", _, "alerts"]) => Some(Route::ListAlerts),
        (Method::POST, ["incidents", _, "responder_requests"]) => {
            Some(Route::CreateResponderRequest)
        }
        (Method::PUT, ["incidents"]) | (Method::PUT, ["incidents", _]) => {
            Some(Route::UpdateIncidents)
        }
        (Method::POST, ["incidents", _, "snooze"]) => Some(Route::Snooze),
        (Method::GET, ["oncalls"]) => Some(Route::OnCalls),
        (Method::GET, ["schedules"]) => Some(Route::ListSchedules),
        (Method::GET, ["schedules", _]) => Some(Route::GetSchedule),
        (Method::GET, ["schedules", _, "users"]) => Some(Route::ScheduleUsers),
        (Method::POST, ["schedules", _, "overrides"]) => Some(Route::CreateOverrides),
        (Method::GET, ["schedules", _, "overrides"]) => Some(Route::ListOverrides),
        (Method::DELETE, ["schedules", _, "overrides", _]) => Some(Route::DeleteOverride),
        (Method::GET, ["escalation_policies"]) => Some(Route::ListEscalationPolicies),
        (Method::POST, ["v2", "enqueue"]) => Some(Route::Enqueue),
        _ => None,
    };
    Some(route)
}

/// Logs the request, then lets a matching fault answer it, delay it or drop it.
async fn front(State(fake): State<FakePagerDuty>, request: Request, next: Next) -> Response {
    let Some(route) = classify(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let received = Received::read(request, MAX_REQUEST_BODY).await;
    let seq = fake.core().record(received.recorded());
    let api = if route == Some(Route::Enqueue) {
        Api::Events
    } else {
        Api::Rest
    };
    let fault = fake
        .core()
        .take_fault(route)
        .map(|kind| faults::action(&kind, api));
    let response = answer(fault, received, |received| serve(next, received)).await;
    fake.core().set_status(seq, response.status().as_u16());
    response
}

async fn serve(next: Next, received: Received) -> Response {
    if received.too_large {
        return ApiError::too_large(format!(
            "Request bodies are limited to {MAX_REQUEST_BODY} bytes"
        ))
        .into_response();
    }
    next.run(received.into_request()).await
}

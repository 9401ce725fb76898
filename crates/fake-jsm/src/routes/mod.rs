//! The HTTP surface: the router, the front middleware every request passes through (log,
//! fault, authenticate) and what the handlers share. The handlers are in `alerts.rs`
//! (the alert list, actions and request status) and `schedules.rs` (schedules, the
//! timeline, who is on call, overrides, and the user behind the credential); the site's
//! `tenant_info` is here.

mod alerts;
mod schedules;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use oncall_fake_service::front::{answer, Received};
use serde_json::json;

use crate::faults::{self, Route};
use crate::types::FakeUser;
use crate::{FakeJsm, CLOUD_ID};

const MAX_REQUEST_BODY: usize = 1024 * 1024;

pub(crate) fn router(fake: FakeJsm) -> Router {
    let ops = "/jsm/ops/api/{cloud_id}/v1";
    Router::new()
        .route("/_edge/tenant_info", get(tenant_info))
        .route(
            "/ex/jira/{cloud_id}/rest/api/3/myself",
            get(schedules::myself),
        )
        .route(&format!("{ops}/alerts"), get(alerts::list))
        .route(
            &format!("{ops}/alerts/requests/{{request_id}}"),
            get(alerts::request_status),
        )
        .route(
            &format!("{ops}/alerts/{{id}}/{{action}}"),
            post(alerts::act),
        )
        .route(&format!("{ops}/schedules"), get(schedules::list))
        .route(
            &format!("{ops}/schedules/{{id}}/timeline"),
            get(schedules::timeline),
        )
        .route(
            &format!("{ops}/schedules/{{id}}/on-calls"),
            get(schedules::on_calls),
        )
        .route(
            &format!("{ops}/schedules/{{id}}/overrides"),
            post(schedules::create_override),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(fake.clone(), front))
        .with_state(fake)
}

/// The user whose e-mail and token signed the request, put in by `front`.
#[derive(Clone)]
pub(crate) struct SignedIn(pub FakeUser);

/// An error answer: `{"code": status, "message": …}`, the gateway's shape (the
/// Operations reference documents none).
pub(crate) fn error_body(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "code": status.as_u16(), "message": message })),
    )
        .into_response()
}

async fn not_found() -> Response {
    error_body(StatusCode::NOT_FOUND, "Not Found")
}

/// `GET /_edge/tenant_info`: the site's cloud id, asked without credentials.
async fn tenant_info() -> Response {
    Json(json!({ "cloudId": CLOUD_ID })).into_response()
}

/// `None` for the fake's cloud; for any other, the 404 of a cloud with no such API here.
pub(super) fn unknown_cloud(cloud_id: &str) -> Option<Response> {
    (cloud_id != CLOUD_ID).then(|| error_body(StatusCode::NOT_FOUND, "Not Found"))
}

fn classify(method: &Method, path: &str) -> Option<Route> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let route = match (method.clone(), segments.as_slice()) {
        (Method::GET, ["_edge", "tenant_info"]) => Route::TenantInfo,
        (Method::GET, ["ex", "jira", _, "rest", "api", "3", "myself"]) => Route::Myself,
        (Method::GET, ["jsm", "ops", "api", _, "v1", "alerts"]) => Route::ListAlerts,
        (Method::GET, ["jsm", "ops", "api", _, "v1", "alerts", "requests", _]) => {
            Route::RequestStatus
        }
        (Method::POST, ["jsm", "ops", "api", _, "v1", "alerts", _, _]) => Route::AlertAction,
        (Method::GET, ["jsm", "ops", "api", _, "v1", "schedules"]) => Route::ListSchedules,
        (Method::GET, ["jsm", "ops", "api", _, "v1", "schedules", _, "timeline"]) => {
            Route::ScheduleTimeline
        }
        (Method::GET, ["jsm", "ops", "api", _, "v1", "schedules", _, "on-calls"]) => Route::OnCalls,
        (Method::POST, ["jsm", "ops", "api", _, "v1", "schedules", _, "overrides"]) => {
            Route::CreateOverride
        }
        _ => return None,
    };
    Some(route)
}

/// Logs the request, applies a matching fault, checks basic auth on the API's routes,
/// then serves.
async fn front(State(fake): State<FakeJsm>, request: Request, next: Next) -> Response {
    let route = classify(request.method(), request.uri().path());
    let received = Received::read(request, MAX_REQUEST_BODY).await;
    let seq = fake.core().record(received.recorded());
    let fault = fake
        .core()
        .take_fault(route)
        .or_else(|| {
            let to_the_api = route.is_some_and(|r| r != Route::TenantInfo);
            to_the_api.then(|| fake.core().take_fault(Some(Route::Api)))?
        })
        .map(|kind| faults::action(&kind));
    let response = answer(fault, received, |received| {
        serve(&fake, next, received, route)
    })
    .await;
    fake.core().set_status(seq, response.status().as_u16());
    response
}

async fn serve(
    fake: &FakeJsm,
    next: Next,
    mut received: Received,
    route: Option<Route>,
) -> Response {
    // The site's route takes no credential; an unknown path is a 404 either way.
    if route.is_some_and(|r| r != Route::TenantInfo) {
        let user = basic_credentials(&received)
            .and_then(|(email, token)| fake.with_state(|s, _| s.sign_in(&email, &token).cloned()));
        let Some(user) = user else {
            return error_body(StatusCode::UNAUTHORIZED, "Unauthorized");
        };
        received.parts.extensions.insert(SignedIn(user));
    }
    if received.too_large {
        return error_body(StatusCode::PAYLOAD_TOO_LARGE, "Request is too large");
    }
    next.run(received.into_request()).await
}

/// The e-mail and token of an `Authorization: Basic …` header.
fn basic_credentials(received: &Received) -> Option<(String, String)> {
    let value = received
        .parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = value.strip_prefix("Basic ")?.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (email, token) = text.split_once(':')?;
    Some((email.to_owned(), token.to_owned()))
}

/// A 400 with the reason.
pub(super) fn bad_request(message: &str) -> Response {
    error_body(StatusCode::BAD_REQUEST, message)
}

//! Injected failures: which requests a test can fault ([`Route`]), how ([`FaultKind`]),
//! and the responses they turn into. The queue that hands them out in order is
//! `oncall-fake-service`'s.
//!
//! Faults model what a client meets in the field rather than what the API documents: a
//! 429 with `Retry-After` (the API allows 300 requests per 5 minutes per key), a proxy's
//! HTML error page, a body cut short, a connection closed mid-request. They are checked
//! before authentication.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use oncall_fake_service::front::FaultAction;
use oncall_fake_service::FaultRoute;
use serde::{Deserialize, Serialize};

use crate::routes::detail;

/// One injected failure: answer the next `times` requests matching `route` with `kind`
/// ([`Fault::once`]: the next one only).
pub type Fault = oncall_fake_service::Fault<Route, FaultKind>;

/// Which requests a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Route {
    /// Every API request, unknown paths included.
    Any,
    /// `GET /api/v1/users/current/` (and `/api/v1/users/{id}/`, `/api/v1/users/`)
    Users,
    /// `GET /api/v1/alert_groups/`
    ListAlertGroups,
    /// `GET /api/v1/alert_groups/{id}`
    GetAlertGroup,
    /// `POST /api/v1/alert_groups/{id}/{acknowledge|unacknowledge|resolve|unresolve|silence|unsilence}`
    AlertGroupAction,
    /// `GET` and `POST /api/v1/resolution_notes/`
    ResolutionNotes,
    /// `GET /api/v1/schedules/` and `/api/v1/schedules/{id}/`
    Schedules,
    /// `GET /api/v1/schedules/{id}/final_shifts`
    FinalShifts,
    /// `GET /api/v1/on_call_shifts/` and `/api/v1/on_call_shifts/{id}/`
    OnCallShifts,
}

/// How a faulted request is answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// 429 with `{"detail": "Request was throttled…"}` and `Retry-After` when given.
    RateLimited { retry_after_secs: Option<u64> },
    /// That status: 500 with a `detail` body, anything else (502, 503, 504, …) with the
    /// HTML page a load balancer answers with.
    ServerError(u16),
    /// 401 "Invalid token.", whatever the key.
    Unauthorized,
    /// 403, as for a user without the needed permission.
    Forbidden,
    /// 200 whose body is cut off mid-JSON.
    MalformedBody,
    /// Waits (on tokio's clock) and then answers normally.
    Latency { millis: u64 },
    /// Closes the TCP connection without answering; the request is logged with status 0.
    DropConnection,
}

impl FaultRoute for Route {
    const ANY: Self = Route::Any;
}

pub(crate) fn action(kind: &FaultKind) -> FaultAction {
    match kind {
        FaultKind::Latency { millis } => {
            FaultAction::DelayThenServe(Duration::from_millis(*millis))
        }
        FaultKind::DropConnection => FaultAction::DropConnection,
        FaultKind::RateLimited { retry_after_secs } => {
            let mut response = detail(
                StatusCode::TOO_MANY_REQUESTS,
                "Request was throttled. Expected available in 60 seconds.",
            );
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            FaultAction::Respond(response)
        }
        FaultKind::ServerError(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                return FaultAction::Respond(detail(status, "A server error occurred."));
            }
            let reason = status.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1></body></html>",
                code = status.as_u16()
            );
            FaultAction::Respond(
                (
                    status,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    page,
                )
                    .into_response(),
            )
        }
        FaultKind::Unauthorized => {
            FaultAction::Respond(detail(StatusCode::UNAUTHORIZED, "Invalid token."))
        }
        FaultKind::Forbidden => FaultAction::Respond(detail(
            StatusCode::FORBIDDEN,
            "You do not have permission to perform this action.",
        )),
        FaultKind::MalformedBody => FaultAction::Respond(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"count":1,"next":null,"results":[{"id":"I68T24C13IFW1","title":"Memo"#,
            )
                .into_response(),
        ),
    }
}

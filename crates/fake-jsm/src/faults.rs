//! Injected failures: which requests a test can fault ([`Route`]), how ([`FaultKind`]),
//! and the responses they turn into. The queue that hands them out in order is
//! `oncall-fake-service`'s. Faults are checked before authentication.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use oncall_fake_service::front::FaultAction;
use oncall_fake_service::FaultRoute;
use serde::{Deserialize, Serialize};

use crate::routes::error_body;

/// One injected failure: answer the next `times` requests matching `route` with `kind`
/// ([`Fault::once`]: the next one only).
pub type Fault = oncall_fake_service::Fault<Route, FaultKind>;

/// Which requests a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Route {
    /// Every request, unknown paths and the site's included.
    Any,
    /// Every request to the API (signed with the credential), not the site's. A fault
    /// for a route of its own is used before one for `Api`.
    Api,
    /// `GET /_edge/tenant_info` (the site)
    TenantInfo,
    /// `GET /ex/jira/{cloudId}/rest/api/3/myself`
    Myself,
    /// `GET …/v1/alerts`
    ListAlerts,
    /// `POST …/v1/alerts/{id}/{acknowledge|unacknowledge|close|snooze|notes}`
    AlertAction,
    /// `GET …/v1/alerts/requests/{id}`
    RequestStatus,
    /// `GET …/v1/schedules`
    ListSchedules,
    /// `GET …/v1/schedules/{id}/timeline`
    ScheduleTimeline,
    /// `GET …/v1/schedules/{id}/on-calls`
    OnCalls,
    /// `POST …/v1/schedules/{id}/overrides`
    CreateOverride,
}

/// How a faulted request is answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// 429, with `Retry-After` in seconds when given.
    RateLimited { retry_after_secs: Option<u64> },
    /// That status: 500 with an error body, anything else (502, 503, 504, …) with the
    /// HTML page a load balancer answers with.
    ServerError(u16),
    /// 401, whatever the credential.
    Unauthorized,
    /// 403, as for an account without the role the route needs.
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
            let mut response = error_body(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
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
                return FaultAction::Respond(error_body(status, "Internal Server Error"));
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
            FaultAction::Respond(error_body(StatusCode::UNAUTHORIZED, "Unauthorized"))
        }
        FaultKind::Forbidden => FaultAction::Respond(error_body(
            StatusCode::FORBIDDEN,
            "You are not authorized to perform this action",
        )),
        FaultKind::MalformedBody => FaultAction::Respond(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"values":[{"id":"70413a06-38d6-4c85-92b8-5ebc900d42e2","message":"Disk fu"#,
            )
                .into_response(),
        ),
    }
}

//! Injected failures: which requests a test can fault ([`Route`]), how ([`FaultKind`]),
//! and the responses they turn into. The queue that hands them out in order is
//! `oncall-fake-service`'s.
//!
//! Faults model what a client meets in the field rather than what the API documents: a
//! 429 with Opsgenie's throttling headers, a proxy's HTML error page, a body cut short, a
//! connection closed mid-request. They are checked before authentication.

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
    /// Every API request, unknown paths included.
    Any,
    /// `GET /v2/alerts`
    ListAlerts,
    /// `GET /v2/alerts/{identifier}`
    GetAlert,
    /// `POST /v2/alerts`
    CreateAlert,
    /// `POST /v2/alerts/{identifier}/{acknowledge|unacknowledge|close|snooze|notes|escalate|assign|responders}`
    AlertAction,
    /// `GET /v2/alerts/{identifier}/notes`
    AlertNotes,
    /// `GET /v2/alerts/{identifier}/logs`
    AlertLogs,
    /// `GET /v2/alerts/requests/{requestId}`
    RequestStatus,
    /// `GET /v2/schedules`
    ListSchedules,
    /// `GET /v2/schedules/{identifier}`
    GetSchedule,
    /// `GET /v2/schedules/{identifier}/timeline`
    ScheduleTimeline,
    /// `GET /v2/schedules/on-calls` (every schedule)
    ListOnCalls,
    /// `GET /v2/schedules/{identifier}/on-calls`
    OnCalls,
    /// `GET /v2/schedules/{identifier}/next-on-calls`
    NextOnCalls,
    /// `POST /v2/schedules/{identifier}/overrides`
    CreateOverride,
    /// `GET /v2/schedules/{identifier}/overrides`
    ListOverrides,
    /// `GET /v2/schedules/{identifier}/overrides/{alias}`
    GetOverride,
    /// `PUT /v2/schedules/{identifier}/overrides/{alias}`
    UpdateOverride,
    /// `DELETE /v2/schedules/{identifier}/overrides/{alias}`
    DeleteOverride,
    /// `GET /v2/users`
    ListUsers,
    /// `GET /v2/users/{identifier}`
    GetUser,
    /// `GET /v2/users/{identifier}/schedules`
    UserSchedules,
    /// `GET /v2/escalations`
    ListEscalations,
    /// `GET /v2/teams`
    ListTeams,
}

/// How a faulted request is answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// 429 with Opsgenie's `X-RateLimit-State: THROTTLED`, `X-RateLimit-Reason` and
    /// `X-RateLimit-Period-In-Sec` headers (the period only when given) and an
    /// `ErrorResponse` body.
    RateLimited { period_secs: Option<u64> },
    /// That status: 500 with an `ErrorResponse` body, anything else (502, 503, 504, …)
    /// with the HTML page a load balancer in front of the API answers with.
    ServerError(u16),
    /// 401 "Could not authenticate", whatever the key.
    Unauthorized,
    /// 403, as for a key without the needed access rights.
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

pub(crate) fn action(kind: &FaultKind, request_id: &str) -> FaultAction {
    match kind {
        FaultKind::Latency { millis } => {
            FaultAction::DelayThenServe(Duration::from_millis(*millis))
        }
        FaultKind::DropConnection => FaultAction::DropConnection,
        FaultKind::RateLimited { period_secs } => {
            let mut response = error_body(
                StatusCode::TOO_MANY_REQUESTS,
                "You are making too many requests! To avoid errors, we recommend you limit requests.",
                request_id,
            );
            let headers = response.headers_mut();
            headers.insert("x-ratelimit-state", HeaderValue::from_static("THROTTLED"));
            headers.insert(
                "x-ratelimit-reason",
                HeaderValue::from_static("INTEGRATION"),
            );
            if let Some(secs) = period_secs {
                headers.insert("x-ratelimit-period-in-sec", HeaderValue::from(*secs));
            }
            FaultAction::Respond(response)
        }
        FaultKind::ServerError(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                return FaultAction::Respond(error_body(
                    status,
                    "Internal Server Error",
                    request_id,
                ));
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
        FaultKind::Unauthorized => FaultAction::Respond(error_body(
            StatusCode::UNAUTHORIZED,
            "Could not authenticate",
            request_id,
        )),
        FaultKind::Forbidden => FaultAction::Respond(error_body(
            StatusCode::FORBIDDEN,
            "You are not authorized for this action",
            request_id,
        )),
        FaultKind::MalformedBody => FaultAction::Respond(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"data":[{"id":"70413a06-38d6-4c85-92b8-5ebc900d42e2","message":"Disk fu"#,
            )
                .into_response(),
        ),
    }
}

//! Injected failures: which requests a test can fault ([`Route`]), how ([`FaultKind`]),
//! and the responses they turn into. The queue that hands them out in order is
//! `oncall-fake-service`'s.
//!
//! Faults model what a client meets in the field rather than what the API documents: a
//! 429 without headers, a proxy's HTML error page, a body cut short, a connection closed
//! mid-request, a response far larger than any sane page. They are checked before
//! authentication and before the rate limiter, and they do not use up rate-limit budget.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use oncall_fake_service::front::FaultAction;
use oncall_fake_service::FaultRoute;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::ApiError;

/// One injected failure: answer the next `times` requests matching `route` with `kind`
/// ([`Fault::once`]: the next one only).
pub type Fault = oncall_fake_service::Fault<Route, FaultKind>;

/// Which requests a fault applies to. The test-control routes (`/_fake/…`) are never
/// faulted, so a test can always inspect and reset the fake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Route {
    /// Every API request, including ones to routes the fake does not name below and
    /// unknown paths.
    Any,
    /// `GET /users/me`
    UsersMe,
    /// `GET /incidents`
    ListIncidents,
    /// `GET /incidents/{id}`
    GetIncident,
    /// `GET /incidents/{id}/notes`
    ListNotes,
    /// `POST /incidents/{id}/notes`
    CreateNote,
    /// `GET /incidents/{id}/log_entries`
    ListLogEntries,
    /// `GET /incidents/{id}/alerts`
    ListAlerts,
    /// `POST /incidents/{id}/responder_requests`
    CreateResponderRequest,
    /// `GET /users`
    ListUsers,
    /// `PUT /incidents` and `PUT /incidents/{id}`
    UpdateIncidents,
    /// `POST /incidents/{id}/snooze`
    Snooze,
    /// `GET /oncalls`
    OnCalls,
    /// `GET /schedules`
    ListSchedules,
    /// `GET /schedules/{id}`
    GetSchedule,
    /// `GET /schedules/{id}/users`
    ScheduleUsers,
    /// `POST /schedules/{id}/overrides`
    CreateOverrides,
    /// `GET /schedules/{id}/overrides`
    ListOverrides,
    /// `DELETE /schedules/{id}/overrides/{override_id}`
    DeleteOverride,
    /// `GET /escalation_policies`
    ListEscalationPolicies,
    /// Events API v2 `POST /v2/enqueue`
    Enqueue,
}

/// How a faulted request is answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// Answers 429. `ratelimit-reset` and `Retry-After` are sent only when given
    /// (PagerDuty warns that a 429 may come without headers); the body
    /// `{"error":{"code":2020,…}}` only when `with_body`.
    RateLimited {
        reset_secs: Option<u64>,
        retry_after_secs: Option<u64>,
        with_body: bool,
    },
    /// That status: 500 with PagerDuty's internal-error body (code 2000), 408 with code
    /// 2016, and anything else (502, 503, 504, …) with an HTML page, as a load balancer
    /// or proxy in front of the API answers.
    ServerError(u16),
    /// 401 with code 2006, whatever the token.
    Unauthorized,
    /// 403 with code 2010.
    Forbidden,
    /// 200 whose body is cut off mid-JSON.
    MalformedBody,
    /// Waits (on tokio's clock, so paused-time tests see it) and then answers normally.
    Latency { millis: u64 },
    /// Closes the TCP connection without answering; the request is logged with status 0.
    DropConnection,
    /// 200 with a body of exactly `bytes` bytes that starts like an incident list and never
    /// ends. Streamed with chunked encoding (no `Content-Length`), generated as it is sent.
    HugeBody { bytes: u64 },
}

impl FaultRoute for Route {
    const ANY: Self = Route::Any;
}

/// Which API's error conventions a faulted response follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// `{"error":{"code","message","errors"}}`
    Rest,
    /// `{"status","message","errors"}` (Events API v2)
    Events,
}

pub(crate) fn action(kind: &FaultKind, api: Api) -> FaultAction {
    match kind {
        FaultKind::Latency { millis } => {
            FaultAction::DelayThenServe(Duration::from_millis(*millis))
        }
        FaultKind::DropConnection => FaultAction::DropConnection,
        FaultKind::RateLimited {
            reset_secs,
            retry_after_secs,
            with_body,
        } => {
            let mut response = if *with_body {
                error_response(ApiError::rate_limited(), api)
            } else {
                StatusCode::TOO_MANY_REQUESTS.into_response()
            };
            let headers = response.headers_mut();
            if let Some(secs) = reset_secs {
                headers.insert("ratelimit-reset", HeaderValue::from(*secs));
            }
            if let Some(secs) = retry_after_secs {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            FaultAction::Respond(response)
        }
        FaultKind::ServerError(code) => FaultAction::Respond(server_error(*code, api)),
        FaultKind::Unauthorized => {
            FaultAction::Respond(error_response(ApiError::authentication_failed(), api))
        }
        FaultKind::Forbidden => {
            FaultAction::Respond(error_response(ApiError::access_denied(), api))
        }
        FaultKind::MalformedBody => {
            let body = match api {
                Api::Rest => {
                    r#"{"incidents":[{"id":"Q0000000000001","type":"incident","title":"Disk fu"#
                }
                Api::Events => r#"{"status":"succ"#,
            };
            FaultAction::Respond(json_bytes(StatusCode::OK, Body::from(body)))
        }
        FaultKind::HugeBody { bytes } => {
            FaultAction::Respond(json_bytes(StatusCode::OK, huge_body(*bytes)))
        }
    }
}

fn error_response(error: ApiError, api: Api) -> Response {
    match api {
        Api::Rest => error.into_response(),
        Api::Events => (
            error.status,
            Json(json!({
                "status": error.message,
                "message": error.message,
                "errors": error.errors,
            })),
        )
            .into_response(),
    }
}

fn server_error(code: u16, api: Api) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match status.as_u16() {
        500 => error_response(ApiError::internal(), api),
        408 => error_response(
            ApiError::new(status, 2016, "The request took too long to process"),
            api,
        ),
        _ => {
            let reason = status.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n\
                 <center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n",
                code = status.as_u16()
            );
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                page,
            )
                .into_response()
        }
    }
}

fn json_bytes(status: StatusCode, body: Body) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

const HUGE_PREFIX: &str = r#"{"incidents":["#;
const HUGE_ITEM: &str = r#"{"id":"Q0000000000001","type":"incident","summary":"[#1] padding"},"#;
const CHUNK_TARGET: usize = 64 * 1024;

/// `bytes` bytes of `{"incidents":[{…},{…},…` generated chunk by chunk, so a test can ask
/// for gigabytes without the fake holding them.
fn huge_body(bytes: u64) -> Body {
    let items = CHUNK_TARGET / HUGE_ITEM.len();
    let repeated = Bytes::from(HUGE_ITEM.repeat(items));
    let first = Bytes::from(format!("{HUGE_PREFIX}{}", HUGE_ITEM.repeat(items)));
    let chunks = futures_util::stream::unfold((bytes, true), move |(left, is_first)| {
        let source = if is_first {
            first.clone()
        } else {
            repeated.clone()
        };
        async move {
            if left == 0 {
                return None;
            }
            let take = usize::try_from(left).map_or(source.len(), |l| l.min(source.len()));
            let chunk = source.slice(..take);
            Some((
                Ok::<Bytes, std::io::Error>(chunk),
                (left - take as u64, false),
            ))
        }
    });
    Body::from_stream(chunks)
}

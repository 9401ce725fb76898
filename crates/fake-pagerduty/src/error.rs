//! PagerDuty's REST error body, `{"error":{"code":N,"message":"…","errors":["…"]}}`, and
//! the codes the fake answers with.
//!
//! Codes and messages follow PagerDuty's published error table (developer docs, "Errors")
//! so a client can key its behaviour on `code` exactly as it will against the real API.
//! State transitions return these errors directly: the rule "acknowledging an acknowledged
//! incident is 1002" lives next to the transition, not in a route.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A PagerDuty REST error: the HTTP status plus the body's code, message and details.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code} {message}")]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: u32,
    pub(crate) message: String,
    pub(crate) errors: Vec<String>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// Adds one human-readable detail to `errors`.
    pub(crate) fn detail(mut self, detail: impl Into<String>) -> Self {
        self.errors.push(detail.into());
        self
    }

    pub(crate) fn already_resolved() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 1001, "Incident Already Resolved")
    }

    pub(crate) fn already_acknowledged() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            1002,
            "Incident Already Acknowledged",
        )
    }

    pub(crate) fn invalid_status() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 1003, "Invalid Status Provided")
    }

    pub(crate) fn assignee_not_found(id: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 1007, "Assigned To User Not Found")
            .detail(format!("User {id} not found"))
    }

    pub(crate) fn requester_not_found() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 1008, "Requester User Not Found")
            .detail("The From header must hold the email address of a user on this account")
    }

    pub(crate) fn cannot_reassign() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            1011,
            "Cannot process reassign action",
        )
    }

    pub(crate) fn not_acknowledged() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            1012,
            "Incident is not Acknowledged",
        )
    }

    pub(crate) fn invalid_snooze_duration() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 1013, "Snooze Duration is Invalid")
            .detail("duration must be an integer number of seconds from 1 to 604800")
    }

    pub(crate) fn invalid_input(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 2001, "Invalid Input Provided").detail(detail)
    }

    pub(crate) fn invalid_time(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            2004,
            "Invalid time values in 'since' and/or 'until' parameters",
        )
        .detail(detail)
    }

    pub(crate) fn invalid_date_range(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 2005, "Invalid Query Date Range").detail(detail)
    }

    pub(crate) fn service_not_found(id: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 5002, "Service Not Found")
            .detail(format!("Service {id} not found"))
    }

    pub(crate) fn authentication_failed() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 2006, "Authentication failed")
    }

    pub(crate) fn access_denied() -> Self {
        Self::new(StatusCode::FORBIDDEN, 2010, "Access Denied")
    }

    pub(crate) fn rate_limited() -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, 2020, "Rate Limit Exceeded")
    }

    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, 2100, "Not Found")
    }

    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            2000,
            "An internal error has occurred. PagerDuty team has been notified.",
        )
    }

    pub(crate) fn too_large(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            2001,
            "Request Entity Too Large",
        )
        .detail(detail)
    }

    pub(crate) fn body(&self) -> serde_json::Value {
        json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "errors": self.errors,
            }
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

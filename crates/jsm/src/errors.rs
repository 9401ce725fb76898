//! Turning what went wrong into the caller's vocabulary.
//!
//! [`ClientError`] is a bad configuration, found once when the client is built.
//! Everything later becomes an [`oncall_model::ProviderError`]. This module holds what is
//! Atlassian's own (its error bodies, the 401/403 wording, `Retry-After`); the wording
//! every provider shares is `oncall_http`'s.
//!
//! Atlassian's Operations reference documents no error body. Two shapes are read: the
//! gateway's `{"code":401,"message":"…"}` and the Jira platform's
//! `{"errorMessages":["…"]}` / `{"errors":[{"title":"…"}]}`; anything else leaves the
//! status to speak.
//!
//! No message built here contains a request header: the token lives in one.

use std::time::Duration;

use oncall_http::{displayable, non_empty, other_status, redirect_refused};
use oncall_model::{InsecureUrl, ProviderError};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

/// The longest wait a `Retry-After` may ask for; a longer one is a server gone wrong.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5 * 60);

/// Why a [`crate::JsmClient`] could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("the JSM API URL is not allowed: {0}")]
    InsecureUrl(#[from] InsecureUrl),
    /// The URL itself is not repeated, as it may hold a password.
    #[error("the JSM API URL must not contain a user name, password, query or fragment")]
    UrlHasExtras,
    #[error("the JSM API URL `{0}` cannot take API paths")]
    CannotBeABase(String),
    /// Never names the token's value.
    #[error("the Atlassian e-mail or API token is empty or contains characters that cannot be sent in an HTTP header")]
    InvalidCredential,
    #[error("the Jira site URL is not allowed: {0}")]
    InvalidSite(String),
    #[error("request_timeout and confirm_timeout must be longer than zero")]
    ZeroTimeout,
    #[error("could not set up the HTTP client: {0}")]
    Http(String),
}

oncall_http::from_setup_error!(ClientError);

/// The service's own words in an error body, or `None` (no body, HTML, another shape).
pub(crate) fn error_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let text = value
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            value
                .get("errorMessages")?
                .as_array()?
                .iter()
                .find_map(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| {
            value.get("errors")?.as_array()?.iter().find_map(|e| {
                e.get("title")
                    .or_else(|| e.get("detail"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
        })?;
    non_empty(&text).map(|t| displayable(&t))
}

/// Decodes a response that was not a success.
pub(crate) fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    let server_text = error_message(body);
    let said = |text: Option<String>| text.map(|t| format!(" ({t})")).unwrap_or_default();
    match status {
        300..=399 => redirect_refused(status, headers, "the account's API URL"),
        401 => ProviderError::Unauthorized {
            status,
            message: format!(
                "Atlassian refused the e-mail and API token{}",
                said(server_text)
            ),
        },
        403 => ProviderError::Unauthorized {
            status,
            message: format!(
                "Atlassian refused the e-mail and API token for this request: the account \
                 lacks a JSM Operations role{}",
                said(server_text)
            ),
        },
        429 => ProviderError::RateLimited {
            retry_after: retry_after(headers),
        },
        _ => other_status(status, server_text, None),
    }
}

/// `Retry-After` in seconds (the only form the gateway is known to send), capped at
/// [`MAX_RETRY_AFTER`].
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn check(status: u16, body: &str, expected: ProviderError) {
        assert_eq!(
            decode_error(status, &HeaderMap::new(), body.as_bytes()),
            expected,
            "{status} {body}"
        );
    }

    #[test]
    fn statuses_sorted_by_what_to_do() {
        check(
            401,
            r#"{"code":401,"message":"Unauthorized"}"#,
            ProviderError::Unauthorized {
                status: 401,
                message: "Atlassian refused the e-mail and API token (Unauthorized)".into(),
            },
        );
        assert!(matches!(
            decode_error(403, &HeaderMap::new(), b""),
            ProviderError::Unauthorized { status: 403, .. }
        ));
        check(429, "", ProviderError::RateLimited { retry_after: None });
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(
            decode_error(429, &headers, b""),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("999999"));
        assert_eq!(
            decode_error(429, &headers, b""),
            ProviderError::RateLimited {
                retry_after: Some(MAX_RETRY_AFTER)
            }
        );
        check(
            502,
            "<html>bad gateway</html>",
            ProviderError::Unavailable {
                message: "HTTP 502 Bad Gateway".into(),
            },
        );
        check(
            404,
            r#"{"errorMessages":["Alert does not exist"]}"#,
            ProviderError::Rejected {
                status: 404,
                code: None,
                message: "Alert does not exist".into(),
            },
        );
        check(
            422,
            r#"{"errors":[{"title":"Sum of offset and size should be lower than 20000"}]}"#,
            ProviderError::Rejected {
                status: 422,
                code: None,
                message: "Sum of offset and size should be lower than 20000".into(),
            },
        );
    }

    /// Error text reaches the tray menu, the window and the terminal.
    #[test]
    fn server_text_is_cleaned_before_it_is_shown() {
        check(
            422,
            r#"{"message":"Bad \u001b]52;c;ZXZpbA==\u0007input\u0000\u202e"}"#,
            ProviderError::Rejected {
                status: 422,
                code: None,
                message: "Bad ]52;c;ZXZpbA== input ".into(),
            },
        );
    }
}

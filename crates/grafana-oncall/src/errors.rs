//! Turning what went wrong into the caller's vocabulary.
//!
//! [`ClientError`] is a bad configuration, found once when the client is built.
//! Everything later becomes an [`oncall_model::ProviderError`], sorted by what the caller
//! must do about it. This module holds what is Grafana OnCall's own (its error body,
//! 401/403 wording, `Retry-After`); the wording every provider shares is `oncall_http`'s.
//!
//! No message built here contains a request header: the API key lives in one.

use std::time::Duration;

use oncall_http::{displayable, non_empty, other_status, redirect_refused};
use oncall_model::{InsecureUrl, ProviderError};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

/// The longest wait a `Retry-After` may ask for: the API's rate limit is a five-minute
/// window, so anything longer is a confused proxy.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5 * 60);

/// Why a [`crate::GrafanaOnCallClient`] could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("the Grafana OnCall API URL is not allowed: {0}")]
    InsecureUrl(#[from] InsecureUrl),
    /// The URL itself is not repeated, as it may hold a password.
    #[error(
        "the Grafana OnCall API URL must not contain a user name, password, query or fragment"
    )]
    UrlHasExtras,
    #[error("the Grafana OnCall API URL `{0}` cannot take API paths")]
    CannotBeABase(String),
    /// Never names the key's value.
    #[error("the Grafana OnCall API key is empty or contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey,
    #[error("request_timeout must be longer than zero")]
    ZeroTimeout,
    #[error("could not set up the HTTP client: {0}")]
    Http(String),
}

oncall_http::from_setup_error!(ClientError);

/// The text of an error body: Django REST framework's `{"detail": "…"}` (what the
/// OnCall API is built on answers with), else a `message`, else the first message of a
/// field error (`{"delay": ["…"]}`). `None` for anything else (no body, HTML).
pub(crate) fn error_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let text = object
        .get("detail")
        .or_else(|| object.get("message"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            object.iter().find_map(|(field, v)| {
                let first = v.as_array()?.first()?.as_str()?;
                Some(format!("{field}: {first}"))
            })
        })?;
    non_empty(&text).map(|t| displayable(&t))
}

/// Decodes a response that was not a success.
pub(crate) fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    let server_text = error_message(body);
    let refused = |why: &str| ProviderError::Unauthorized {
        status,
        message: match &server_text {
            Some(text) => format!("Grafana OnCall refused the API key: {text}"),
            None => format!("Grafana OnCall refused the API key ({why})"),
        },
    };
    match status {
        300..=399 => redirect_refused(status, headers, "the account's API URL"),
        401 => refused("wrong, revoked or expired key"),
        403 => refused("the key's user lacks the permission for this request"),
        429 => ProviderError::RateLimited {
            retry_after: retry_after(headers),
        },
        _ => other_status(status, server_text, None),
    }
}

/// `Retry-After` in seconds (the only form Django REST framework's throttling sends),
/// capped at [`MAX_RETRY_AFTER`].
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
    use oncall_http::MAX_MESSAGE_CHARS;
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
            r#"{"detail":"Invalid token."}"#,
            ProviderError::Unauthorized {
                status: 401,
                message: "Grafana OnCall refused the API key: Invalid token.".into(),
            },
        );
        let forbidden = decode_error(403, &HeaderMap::new(), b"");
        assert!(
            matches!(&forbidden, ProviderError::Unauthorized { status: 403, message }
                if message.starts_with("Grafana OnCall refused the API key")),
            "{forbidden:?}"
        );
        check(429, "", ProviderError::RateLimited { retry_after: None });
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("42"));
        assert_eq!(
            decode_error(429, &headers, b""),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(42))
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
            "<html><h1>502 Bad Gateway</h1></html>",
            ProviderError::Unavailable {
                message: "HTTP 502 Bad Gateway".into(),
            },
        );
        check(
            400,
            r#"{"detail":"Can't acknowledge an acknowledged alert group"}"#,
            ProviderError::Rejected {
                status: 400,
                code: None,
                message: "Can't acknowledge an acknowledged alert group".into(),
            },
        );
        check(
            400,
            r#"{"delay":["A valid integer is required."]}"#,
            ProviderError::Rejected {
                status: 400,
                code: None,
                message: "delay: A valid integer is required.".into(),
            },
        );
    }

    #[test]
    fn long_server_text_is_cut_and_cleaned() {
        let body = format!(r#"{{"detail":"{}"}}"#, "x".repeat(5000));
        let ProviderError::Rejected { message, .. } =
            decode_error(404, &HeaderMap::new(), body.as_bytes())
        else {
            panic!("expected Rejected")
        };
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
        check(
            404,
            r#"{"detail":"Not \u001b]52;c;ZXZpbA==\u0007found\u0000\u202e"}"#,
            ProviderError::Rejected {
                status: 404,
                code: None,
                message: "Not ]52;c;ZXZpbA== found ".into(),
            },
        );
    }
}

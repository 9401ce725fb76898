//! Turning what went wrong into the caller's vocabulary.
//!
//! [`ClientError`] is a bad configuration, found once when the client is built.
//! Everything later becomes an [`oncall_model::ProviderError`], sorted by what the caller
//! must do about it. This module holds what is Opsgenie's own (its error body, 401/403
//! wording); the wording every provider shares is `oncall_http`'s. Decoding is kept
//! apart from the HTTP plumbing so that it can be tested on plain tables of status and
//! body.
//!
//! No message built here contains a request header: the API key lives in one.

use oncall_http::{displayable, non_empty, other_status, redirect_refused};
use oncall_model::{InsecureUrl, ProviderError};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Why a [`crate::OpsgenieClient`] could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("the Opsgenie base URL is not allowed: {0}")]
    InsecureUrl(#[from] InsecureUrl),
    /// The URL itself is not repeated, as it may hold a password.
    #[error("the Opsgenie base URL must not contain a user name, password, query or fragment")]
    UrlHasExtras,
    #[error("the Opsgenie base URL `{0}` cannot take API paths")]
    CannotBeABase(String),
    /// Never names the key's value.
    #[error("the Opsgenie API key is empty or contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey,
    #[error("request_timeout and confirm_timeout must be longer than zero")]
    ZeroTimeout,
    #[error("could not set up the HTTP client: {0}")]
    Http(String),
}

oncall_http::from_setup_error!(ClientError);

/// Opsgenie's `ErrorResponse` message (`{"message":"…","took":…,"requestId":"…"}`), or
/// `None` for anything else (no body, HTML, JSON of another shape).
pub(crate) fn error_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value
        .get("message")?
        .as_str()
        .and_then(non_empty)
        .map(|t| displayable(&t))
}

/// Decodes a response that was not a success.
pub(crate) fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    let server_text = error_message(body);
    match status {
        300..=399 => redirect_refused(status, headers, "the account's API URL"),
        401 => ProviderError::Unauthorized {
            status,
            message: server_text.unwrap_or_else(|| {
                "the API key was not accepted (wrong key or disabled integration)".to_owned()
            }),
        },
        403 => ProviderError::Unauthorized {
            status,
            message: server_text.unwrap_or_else(|| {
                "the API key lacks the access rights for this request".to_owned()
            }),
        },
        // Opsgenie documents no reset header (only `X-RateLimit-Period-In-Sec`, the
        // length of the window, not the time left in it), so the engine's backoff decides.
        429 => ProviderError::RateLimited { retry_after: None },
        _ => other_status(status, server_text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oncall_http::MAX_MESSAGE_CHARS;

    fn check(status: u16, body: &str, expected: ProviderError) {
        assert_eq!(
            decode_error(status, &HeaderMap::new(), body.as_bytes()),
            expected,
            "{status} {body}"
        );
    }

    const HTML: &str = "<html><body><h1>502 Bad Gateway</h1></body></html>";

    #[test]
    fn statuses_sorted_by_what_to_do() {
        check(
            401,
            r#"{"message":"Could not authenticate","took":0.0,"requestId":"r"}"#,
            ProviderError::Unauthorized {
                status: 401,
                message: "Could not authenticate".into(),
            },
        );
        assert!(matches!(
            decode_error(403, &HeaderMap::new(), b""),
            ProviderError::Unauthorized { status: 403, .. }
        ));
        check(429, "", ProviderError::RateLimited { retry_after: None });
        check(
            502,
            HTML,
            ProviderError::Unavailable {
                message: "HTTP 502 Bad Gateway".into(),
            },
        );
        check(
            500,
            r#"{"message":"Internal Server Error","took":0.0,"requestId":"r"}"#,
            ProviderError::Unavailable {
                message: "HTTP 500 Internal Server Error: Internal Server Error".into(),
            },
        );
        for status in [402, 404, 422] {
            check(
                status,
                r#"{"message":"Alert does not exist","took":0.0,"requestId":"r"}"#,
                ProviderError::Rejected {
                    status,
                    code: None,
                    message: "Alert does not exist".into(),
                },
            );
        }
        check(
            404,
            HTML,
            ProviderError::Rejected {
                status: 404,
                code: None,
                message: "HTTP 404 Not Found".into(),
            },
        );
        let redirect = decode_error(302, &HeaderMap::new(), b"");
        assert!(
            redirect.to_string().contains("refusing to follow"),
            "{redirect}"
        );
    }

    #[test]
    fn long_server_text_is_cut() {
        let body = format!(r#"{{"message":"{}"}}"#, "x".repeat(5000));
        let ProviderError::Rejected { message, .. } =
            decode_error(422, &HeaderMap::new(), body.as_bytes())
        else {
            panic!("expected Rejected")
        };
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    /// Error text reaches the tray menu, the window and the terminal: an escape sequence
    /// or a NUL in it must not act there.
    #[test]
    fn server_text_is_cleaned_before_it_is_shown() {
        check(
            422,
            r#"{"message":"Bad \u001b]52;c;ZXZpbA==\u0007input\u0000\u202e\u009b2J","took":0.0,"requestId":"r"}"#,
            ProviderError::Rejected {
                status: 422,
                code: None,
                message: "Bad ]52;c;ZXZpbA== input 2J".into(),
            },
        );
    }
}

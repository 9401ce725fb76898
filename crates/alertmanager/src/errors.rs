//! Turning what went wrong into the caller's vocabulary.
//!
//! [`ClientError`] is a bad configuration, found once when the client is built.
//! Everything that goes wrong later becomes an [`oncall_model::ProviderError`], sorted by
//! what the caller must do about it. This module holds what is Alertmanager's own (its
//! error text, 401/403 wording); the wording every provider shares is `oncall_http`'s.
//! The decoding is kept apart from the HTTP plumbing so that it can be tested on plain
//! tables of status and body.
//!
//! No message built here contains a request header: the credential lives in one.

use oncall_http::{displayable, non_empty, other_status, redirect_refused, with_server_text};
use oncall_model::{InsecureUrl, ProviderError};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Why a [`crate::AlertmanagerClient`] could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("the Alertmanager base URL is not allowed: {0}")]
    InsecureUrl(#[from] InsecureUrl),
    /// Credentials in a URL would end up in logs; a query or fragment would be mangled
    /// by every request path. The URL itself is not repeated, as it may hold a password.
    #[error("the Alertmanager base URL must not contain a user name, password, query or fragment")]
    UrlHasExtras,
    #[error("the Alertmanager base URL `{0}` cannot take API paths")]
    CannotBeABase(String),
    /// Names only the kind of credential, never its value.
    #[error("the {0} is empty or contains characters that cannot be sent in an HTTP header")]
    InvalidCredential(&'static str),
    #[error("`{0}` is not a usable HTTP header name")]
    InvalidHeaderName(String),
    #[error("the basic-auth user name is empty or contains `:` or control characters")]
    InvalidBasicUser,
    #[error("created_by (the user name written on silences) must not be empty")]
    EmptyCreatedBy,
    #[error("ack_duration must be longer than zero")]
    ZeroAckDuration,
    #[error("ack_max_duration must be at least ack_duration")]
    AckMaxShorterThanAck,
    #[error("ack_matchers must name at least one label, or be left out to match every label")]
    NoAckMatchers,
    #[error("`{0}` in ack_matchers is not a label name (letters, digits and `_`, not starting with a digit)")]
    InvalidAckMatcher(String),
    #[error("request_timeout must be longer than zero")]
    ZeroTimeout,
    /// A CA file or client identity that cannot be read or parsed; names the file only.
    #[error("could not use {what} `{path}`: {reason}")]
    Tls {
        what: &'static str,
        path: String,
        reason: String,
    },
    #[error("could not set up the HTTP client: {0}")]
    Http(String),
}

oncall_http::from_setup_error!(ClientError);

/// Alertmanager's error text. go-swagger answers handler errors as a JSON *string*
/// (`"silence invalid: …"`) and validation errors as `{"code":602,"message":"…"}`;
/// exporter-toolkit's basic auth answers plain `Unauthorized`. Anything else (HTML of a
/// proxy, empty) gives `None`, so the status alone decides the message.
pub(crate) fn error_text(body: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let text = match &value {
            Value::String(s) => Some(s.as_str()),
            Value::Object(map) => map
                .get("message")
                .or_else(|| map.get("error"))
                .and_then(Value::as_str),
            _ => None,
        };
        return text.and_then(non_empty).map(|t| displayable(&t));
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    // One short line of plain text is a message; markup or a page is not.
    if text.is_empty() || text.contains('<') || text.contains('\n') || text.len() > 200 {
        return None;
    }
    Some(displayable(text))
}

/// Decodes a response that was not a success.
pub(crate) fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    let server_text = error_text(body);
    match status {
        300..=399 => redirect_refused(status, headers, "the account's API URL and route prefix"),
        401 | 403 => ProviderError::Unauthorized {
            status,
            message: with_server_text(status, server_text),
        },
        // Alertmanager documents no rate limit; a proxy in front of it may have one.
        429 => ProviderError::RateLimited { retry_after: None },
        _ => other_status(status, server_text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oncall_http::MAX_MESSAGE_CHARS;
    use reqwest::header::{HeaderValue, LOCATION};

    fn check(status: u16, body: &str, expected: ProviderError) {
        let got = decode_error(status, &HeaderMap::new(), body.as_bytes());
        assert_eq!(got, expected, "status {status}, body {body:?}");
    }

    fn rejected(status: u16, message: &str) -> ProviderError {
        ProviderError::Rejected {
            status,
            code: None,
            message: message.into(),
        }
    }

    fn unauthorized(status: u16, message: &str) -> ProviderError {
        ProviderError::Unauthorized {
            status,
            message: message.into(),
        }
    }

    fn unavailable(message: &str) -> ProviderError {
        ProviderError::Unavailable {
            message: message.into(),
        }
    }

    const HTML: &str = "<html><body><h1>502 Bad Gateway</h1></body></html>";

    #[test]
    fn statuses_sort_into_what_to_do() {
        check(
            400,
            r#""silence invalid: invalid label matcher 0: invalid label name \"\"""#,
            rejected(
                400,
                r#"silence invalid: invalid label matcher 0: invalid label name """#,
            ),
        );
        check(
            400,
            r#"{"code":602,"message":"comment in body is required"}"#,
            rejected(400, "comment in body is required"),
        );
        check(400, "", rejected(400, "HTTP 400 Bad Request"));
        check(404, "", rejected(404, "HTTP 404 Not Found"));
        check(404, HTML, rejected(404, "HTTP 404 Not Found"));
        check(
            401,
            "Unauthorized\n",
            unauthorized(401, "HTTP 401 Unauthorized: Unauthorized"),
        );
        check(403, HTML, unauthorized(403, "HTTP 403 Forbidden"));
        check(500, "", unavailable("HTTP 500 Internal Server Error"));
        check(502, HTML, unavailable("HTTP 502 Bad Gateway"));
        check(
            500,
            r#""silence abc already expired""#,
            unavailable("HTTP 500 Internal Server Error: silence abc already expired"),
        );
        check(408, "", unavailable("HTTP 408 Request Timeout"));
        check(429, "", ProviderError::RateLimited { retry_after: None });
        check(
            101,
            "",
            ProviderError::Malformed {
                message: "unexpected HTTP status 101".into(),
            },
        );
    }

    #[test]
    fn redirects_are_refused_and_name_the_target() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LOCATION,
            HeaderValue::from_static("https://sso.example/login"),
        );
        let got = decode_error(302, &headers, b"");
        assert!(
            got.to_string()
                .contains("redirected to https://sso.example/login"),
            "{got}"
        );
        assert!(matches!(got, ProviderError::Rejected { status: 302, .. }));
    }

    #[test]
    fn long_server_text_is_cut() {
        let body = format!("\"{}\"", "x".repeat(5000));
        let ProviderError::Rejected { message, .. } =
            decode_error(400, &HeaderMap::new(), body.as_bytes())
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
            400,
            r#""silence invalid: \u001b]52;c;ZXZpbA==\u0007bad\u0000\u202ematcher\u009b2J""#,
            rejected(400, "silence invalid: ]52;c;ZXZpbA== bad matcher 2J"),
        );
        check(
            401,
            "Unauthorized\u{1b}[2J",
            unauthorized(401, "HTTP 401 Unauthorized: Unauthorized [2J"),
        );
    }
}

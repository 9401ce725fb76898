//! The wording every provider shares for what went wrong.
//!
//! [`SetupError`] is a bad configuration, found once when a client is built; each
//! provider turns it into its own `ClientError`. Everything later becomes an
//! [`oncall_model::ProviderError`], sorted by what the caller must do about it. A
//! provider decodes its own error bodies and the statuses it words its own way (401,
//! 403, 429); [`redirect_refused`] and [`other_status`] word the rest alike.
//!
//! No message built here contains a request header: the credential lives in one.

use std::error::Error as _;
use std::time::Duration;

use oncall_model::{display_text, InsecureUrl, ProviderError};
use reqwest::header::{HeaderMap, LOCATION};

/// Server-provided text is cut to this many characters: a proxy's error page must not
/// end up whole in a notification or a log line.
pub const MAX_MESSAGE_CHARS: usize = 400;

/// Why the transport of an account could not be set up. Never shown as it is: each
/// provider's `ClientError` has a variant of the same name whose message names the
/// provider ([`crate::from_setup_error!`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("the base URL is not allowed: {0}")]
    InsecureUrl(#[from] InsecureUrl),
    /// Credentials in a URL would end up in logs; a query or fragment would be mangled
    /// by every request path. The URL itself is not repeated, as it may hold a password.
    #[error("the base URL must not contain a user name, password, query or fragment")]
    UrlHasExtras,
    #[error("the base URL `{0}` cannot take API paths")]
    CannotBeABase(String),
    #[error("request_timeout must be longer than zero")]
    ZeroTimeout,
    #[error("could not set up the HTTP client: {0}")]
    Http(String),
}

/// Implements `From<SetupError>` for a provider's `ClientError`, which has variants
/// named as [`SetupError`]'s, each worded with the provider's name.
#[macro_export]
macro_rules! from_setup_error {
    ($client_error:ty) => {
        impl ::core::convert::From<$crate::SetupError> for $client_error {
            fn from(error: $crate::SetupError) -> Self {
                match error {
                    $crate::SetupError::InsecureUrl(e) => Self::InsecureUrl(e),
                    $crate::SetupError::UrlHasExtras => Self::UrlHasExtras,
                    $crate::SetupError::CannotBeABase(url) => Self::CannotBeABase(url),
                    $crate::SetupError::ZeroTimeout => Self::ZeroTimeout,
                    $crate::SetupError::Http(reason) => Self::Http(reason),
                }
            }
        }
    };
}

/// A 3xx: refused, as following it would carry the credential along. Names the target
/// and what to `check` in the account's configuration.
pub fn redirect_refused(status: u16, headers: &HeaderMap, check: &str) -> ProviderError {
    let target = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| displayable(v.trim()))
        .unwrap_or_else(|| "another location".to_owned());
    ProviderError::Rejected {
        status,
        code: None,
        message: format!(
            "the server redirected to {target}; refusing to follow with credentials \
             (check {check})"
        ),
    }
}

/// The statuses every service means alike: 408 and 5xx are an outage (retried), any
/// other 4xx a refusal for good (with the service's error `code`), anything else an
/// answer nobody expects. `server_text` is the service's own message, if it sent one.
pub fn other_status(status: u16, server_text: Option<String>, code: Option<i64>) -> ProviderError {
    match status {
        408 | 500..=599 => ProviderError::Unavailable {
            message: with_server_text(status, server_text),
        },
        400..=499 => ProviderError::Rejected {
            status,
            code,
            message: server_text.unwrap_or_else(|| status_line(status)),
        },
        _ => ProviderError::Malformed {
            message: format!("unexpected HTTP status {status}"),
        },
    }
}

/// A transport failure (no HTTP response, or the body broke off) as a short message.
///
/// reqwest's own `Display` names the URL; only the innermost cause is used (an I/O or
/// protocol error such as "Connection refused"), which never holds a header.
pub(crate) fn transport_error(err: &reqwest::Error) -> ProviderError {
    let what = if err.is_timeout() {
        "the request timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the connection broke while reading the response"
    } else {
        "the connection failed"
    };
    let mut innermost = None;
    let mut next = err.source();
    while let Some(cause) = next {
        innermost = Some(cause);
        next = cause.source();
    }
    let message = match innermost {
        Some(cause) => format!("{what}: {}", displayable(&cause.to_string())),
        None => what.to_owned(),
    };
    ProviderError::Unavailable { message }
}

/// The whole exchange took longer than the configured budget.
pub(crate) fn timed_out(budget: Duration) -> ProviderError {
    ProviderError::Unavailable {
        message: format!("no complete answer within {} ms", budget.as_millis()),
    }
}

/// A success response whose body could not be used.
pub fn malformed(what: impl std::fmt::Display) -> ProviderError {
    ProviderError::Malformed {
        message: displayable(&what.to_string()),
    }
}

/// The status line, followed by the server's text when there is one.
pub fn with_server_text(status: u16, text: Option<String>) -> String {
    match text {
        Some(text) => format!("{}: {text}", status_line(status)),
        None => status_line(status),
    }
}

/// `HTTP 404 Not Found`, or `HTTP 599` for a status without a reason phrase.
pub fn status_line(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("HTTP {status} {reason}"),
        None => format!("HTTP {status}"),
    }
}

/// `text` trimmed, or `None` when nothing is left.
pub fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Server (or connection) text as it may be shown: without what would act instead of
/// being shown ([`display_text`]: terminal escapes, NULs, bidi controls), cut at
/// [`MAX_MESSAGE_CHARS`].
pub fn displayable(text: &str) -> String {
    let text = display_text(text);
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn other_statuses_sort_into_what_to_do() {
        assert_eq!(
            other_status(503, None, None),
            ProviderError::Unavailable {
                message: "HTTP 503 Service Unavailable".into()
            }
        );
        assert_eq!(
            other_status(408, Some("slow".into()), Some(7)),
            ProviderError::Unavailable {
                message: "HTTP 408 Request Timeout: slow".into()
            }
        );
        assert_eq!(
            other_status(400, Some("bad".into()), Some(2001)),
            ProviderError::Rejected {
                status: 400,
                code: Some(2001),
                message: "bad".into()
            }
        );
        assert_eq!(
            other_status(418, None, None),
            ProviderError::Rejected {
                status: 418,
                code: None,
                message: "HTTP 418 I'm a teapot".into()
            }
        );
        assert_eq!(
            other_status(101, Some("upgrade".into()), None),
            ProviderError::Malformed {
                message: "unexpected HTTP status 101".into()
            }
        );
        assert_eq!(status_line(599), "HTTP 599");
    }

    #[test]
    fn redirects_name_the_target_and_what_to_check() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LOCATION,
            HeaderValue::from_static(" https://sso.example/login "),
        );
        assert_eq!(
            redirect_refused(307, &headers, "the account's API URL"),
            ProviderError::Rejected {
                status: 307,
                code: None,
                message: "the server redirected to https://sso.example/login; refusing to \
                          follow with credentials (check the account's API URL)"
                    .into()
            }
        );
        let bare = redirect_refused(301, &HeaderMap::new(), "x");
        assert!(bare.to_string().contains("redirected to another location"));
    }

    #[test]
    fn shown_text_is_cleaned_and_cut() {
        assert_eq!(non_empty(" \n"), None);
        assert_eq!(non_empty(" a b\n").as_deref(), Some("a b"));
        let cut = displayable(&"é".repeat(MAX_MESSAGE_CHARS + 50));
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(
            malformed("bad\u{0}\u{202e}json"),
            ProviderError::Malformed {
                message: "bad json".into()
            }
        );
    }
}

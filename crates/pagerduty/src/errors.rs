//! Turning what went wrong into the caller's vocabulary.
//!
//! [`ClientError`] is a bad configuration, found once when the client is built.
//! Everything that goes wrong later becomes an [`oncall_model::ProviderError`], sorted by
//! what the caller must do about it (stop, wait, back off, give up). This module holds
//! what is PagerDuty's own (its error body, 401/403 wording, its rate-limit headers);
//! the wording every provider shares is `oncall_http`'s. The decoding is kept apart from
//! the HTTP plumbing so that it can be tested on plain tables of status, headers and
//! body.
//!
//! No message built here contains a request header: the credential lives in one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_http::{displayable, non_empty, other_status, redirect_refused};
use oncall_model::{InsecureUrl, ProviderError};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

/// Why a [`crate::PagerDutyClient`] could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("the PagerDuty base URL is not allowed: {0}")]
    InsecureUrl(#[from] InsecureUrl),
    /// Credentials in a URL would end up in logs; a query or fragment would be mangled
    /// by every request path. The URL itself is not repeated, as it may hold a password.
    #[error("the PagerDuty base URL must not contain a user name, password, query or fragment")]
    UrlHasExtras,
    #[error("the PagerDuty base URL `{0}` cannot take API paths")]
    CannotBeABase(String),
    /// Names only the kind of credential, never its value.
    #[error("the {0} is empty or contains characters that cannot be sent in an HTTP header")]
    InvalidCredential(&'static str),
    #[error("from_email `{0}` is not a usable email address")]
    InvalidFromEmail(String),
    #[error("request_timeout must be longer than zero")]
    ZeroTimeout,
    #[error("could not set up the HTTP client: {0}")]
    Http(String),
}

oncall_http::from_setup_error!(ClientError);

/// The longest wait a 429 can impose. PagerDuty's limits are per minute; a longer
/// `ratelimit-reset` or `Retry-After` is a broken header or proxy, and believing it
/// would silence pages for that long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5 * 60);

/// PagerDuty's error body, `{"error":{"code":…,"message":"…","errors":["…"]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PdErrorBody {
    pub code: Option<i64>,
    pub message: Option<String>,
    pub errors: Vec<String>,
}

impl PdErrorBody {
    /// `message` followed by the `errors[]` details, or `None` when both are empty.
    pub fn text(&self) -> Option<String> {
        let details = self.errors.join("; ");
        let text = match (self.message.as_deref(), details.is_empty()) {
            (Some(m), false) => format!("{m}: {details}"),
            (Some(m), true) => m.to_owned(),
            (None, false) => details,
            (None, true) => return None,
        };
        Some(displayable(text.trim()))
    }
}

/// Reads PagerDuty's error body. Returns `None` for anything else (no body, HTML, JSON
/// of another shape), so that callers fall back on the status alone.
pub(crate) fn parse_error_body(body: &[u8]) -> Option<PdErrorBody> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?;
    // Some endpoints and proxies answer `{"error":"text"}`.
    if let Some(text) = error.as_str() {
        return Some(PdErrorBody {
            message: non_empty(text),
            ..PdErrorBody::default()
        });
    }
    let error = error.as_object()?;
    let code = error.get("code").and_then(|c| {
        c.as_i64()
            .or_else(|| c.as_str().and_then(|s| s.trim().parse().ok()))
    });
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .and_then(non_empty);
    let errors = error
        .get("errors")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| match item {
                    Value::String(s) => non_empty(s),
                    Value::Null => None,
                    other => Some(other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(PdErrorBody {
        code,
        message,
        errors,
    })
}

/// Decodes a response that was not a success. `now` resolves an HTTP-date `Retry-After`.
pub(crate) fn decode_error(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> ProviderError {
    let parsed = parse_error_body(body);
    let server_text = parsed.as_ref().and_then(PdErrorBody::text);
    let code = parsed.as_ref().and_then(|p| p.code);
    match status {
        300..=399 => redirect_refused(status, headers, "the account's API URL"),
        401 => ProviderError::Unauthorized {
            status,
            message: server_text.unwrap_or_else(|| "the token was not accepted".to_owned()),
        },
        403 => ProviderError::Unauthorized {
            status,
            message: server_text.unwrap_or_else(|| {
                "the token was not accepted for this request (it may lack a permission or scope)"
                    .to_owned()
            }),
        },
        429 => ProviderError::RateLimited {
            retry_after: retry_after(headers, now),
        },
        _ => other_status(status, server_text, code),
    }
}

/// How long a 429 asks us to wait: PagerDuty's `ratelimit-reset` (seconds), else the
/// standard `Retry-After` (seconds or an HTTP-date), else unknown. Capped at
/// [`MAX_RETRY_AFTER`].
pub(crate) fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let from_reset = header("ratelimit-reset").and_then(parse_seconds);
    let wait = from_reset.or_else(|| {
        let value = header(RETRY_AFTER.as_str())?;
        parse_seconds(value).or_else(|| {
            let date = DateTime::parse_from_rfc2822(value).ok()?;
            let delta = date.with_timezone(&Utc) - now;
            Some(delta.to_std().unwrap_or(Duration::ZERO))
        })
    })?;
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Whole or fractional non-negative seconds.
fn parse_seconds(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let secs: f64 = value.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oncall_http::MAX_MESSAGE_CHARS;
    use reqwest::header::{HeaderName, HeaderValue};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn check(status: u16, pairs: &[(&str, &str)], body: &str, expected: ProviderError) {
        let got = decode_error(status, &headers(pairs), body.as_bytes(), now());
        assert_eq!(
            got, expected,
            "status {status}, headers {pairs:?}, body {body:?}"
        );
    }

    fn unavailable(message: &str) -> ProviderError {
        ProviderError::Unavailable {
            message: message.into(),
        }
    }

    fn rejected(status: u16, code: Option<i64>, message: &str) -> ProviderError {
        ProviderError::Rejected {
            status,
            code,
            message: message.into(),
        }
    }

    const PD_1002: &str = r#"{"error":{"message":"Incident Already Acknowledged","code":1002,"errors":["Incident PABC123 is already acknowledged"]}}"#;
    const HTML: &str = "<html><body><h1>502 Bad Gateway</h1></body></html>";

    #[test]
    fn unauthorized_statuses() {
        check(
            401,
            &[],
            r#"{"error":{"message":"Authentication failed","code":2006}}"#,
            ProviderError::Unauthorized {
                status: 401,
                message: "Authentication failed".into(),
            },
        );
        check(
            401,
            &[],
            "",
            ProviderError::Unauthorized {
                status: 401,
                message: "the token was not accepted".into(),
            },
        );
        check(
            401,
            &[],
            HTML,
            ProviderError::Unauthorized {
                status: 401,
                message: "the token was not accepted".into(),
            },
        );
        check(
            403,
            &[],
            r#"{"error":{"message":"Access Denied","code":2010,"errors":["missing scope incidents.write"]}}"#,
            ProviderError::Unauthorized {
                status: 403,
                message: "Access Denied: missing scope incidents.write".into(),
            },
        );
        let bare_403 = decode_error(403, &HeaderMap::new(), b"", now());
        assert!(
            matches!(&bare_403, ProviderError::Unauthorized { status: 403, message } if message.starts_with("the token was not accepted")),
            "{bare_403:?}"
        );
    }

    #[test]
    fn rate_limits() {
        let limited = |secs: Option<u64>| ProviderError::RateLimited {
            retry_after: secs.map(Duration::from_secs),
        };
        let body = r#"{"error":{"message":"Rate Limit Exceeded","code":2020}}"#;
        check(429, &[("ratelimit-reset", "7")], body, limited(Some(7)));
        check(429, &[("RateLimit-Reset", " 12 ")], "", limited(Some(12)));
        // PagerDuty's own header wins over the generic one.
        check(
            429,
            &[("ratelimit-reset", "3"), ("retry-after", "30")],
            "",
            limited(Some(3)),
        );
        check(429, &[("retry-after", "30")], "", limited(Some(30)));
        check(
            429,
            &[("retry-after", "Wed, 01 May 2024 12:00:45 GMT")],
            "",
            limited(Some(45)),
        );
        // A date in the past means "now".
        check(
            429,
            &[("retry-after", "Wed, 01 May 2024 11:00:00 GMT")],
            "",
            limited(Some(0)),
        );
        check(429, &[], body, limited(None));
        check(429, &[], "", limited(None));
        check(429, &[("retry-after", "soon")], "", limited(None));
        check(429, &[("ratelimit-reset", "-4")], "", limited(None));
        check(
            429,
            &[("ratelimit-reset", "86400")],
            "",
            ProviderError::RateLimited {
                retry_after: Some(MAX_RETRY_AFTER),
            },
        );
        check(
            429,
            &[("ratelimit-reset", "1.5")],
            "",
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_millis(1500)),
            },
        );
    }

    #[test]
    fn outages() {
        check(500, &[], "", unavailable("HTTP 500 Internal Server Error"));
        check(502, &[], HTML, unavailable("HTTP 502 Bad Gateway"));
        check(503, &[], "", unavailable("HTTP 503 Service Unavailable"));
        check(408, &[], "", unavailable("HTTP 408 Request Timeout"));
        check(
            500,
            &[],
            r#"{"error":{"message":"Internal Error","code":5000}}"#,
            unavailable("HTTP 500 Internal Server Error: Internal Error"),
        );
        check(599, &[], "", unavailable("HTTP 599"));
    }

    #[test]
    fn refusals() {
        check(
            400,
            &[],
            PD_1002,
            rejected(
                400,
                Some(1002),
                "Incident Already Acknowledged: Incident PABC123 is already acknowledged",
            ),
        );
        check(404, &[], "", rejected(404, None, "HTTP 404 Not Found"));
        check(404, &[], HTML, rejected(404, None, "HTTP 404 Not Found"));
        check(
            413,
            &[],
            r#"{"error":{"message":"Request Entity Too Large","code":2001}}"#,
            rejected(413, Some(2001), "Request Entity Too Large"),
        );
        check(
            400,
            &[],
            r#"{"error":{"code":"1008","errors":["Requester User Not Found"]}}"#,
            rejected(400, Some(1008), "Requester User Not Found"),
        );
        check(
            402,
            &[],
            r#"{"error":"Account does not have the teams ability"}"#,
            rejected(402, None, "Account does not have the teams ability"),
        );
        // JSON of another shape is not PagerDuty's error body.
        check(
            400,
            &[],
            r#"{"message":"bad"}"#,
            rejected(400, None, "HTTP 400 Bad Request"),
        );
        check(
            400,
            &[],
            r#"{"error":{"code":2001,"message":"Invalid Input","errors":[{"field":"x"},null," "]}}"#,
            rejected(400, Some(2001), r#"Invalid Input: {"field":"x"}"#),
        );
    }

    #[test]
    fn redirects_are_refused_and_name_the_target() {
        let got = decode_error(
            302,
            &headers(&[("location", "https://elsewhere.example/incidents")]),
            b"",
            now(),
        );
        let ProviderError::Rejected {
            status: 302,
            code: None,
            message,
        } = got
        else {
            panic!("expected Rejected, got {got:?}")
        };
        assert!(message.contains("redirected to https://elsewhere.example/incidents"));
        assert!(message.contains("refusing to follow with credentials"));

        let bare = decode_error(301, &HeaderMap::new(), b"", now());
        assert!(bare.to_string().contains("redirected to another location"));
    }

    #[test]
    fn unexpected_statuses_are_malformed() {
        check(
            101,
            &[],
            "",
            ProviderError::Malformed {
                message: "unexpected HTTP status 101".into(),
            },
        );
    }

    #[test]
    fn long_server_text_is_cut() {
        let long = "x".repeat(5000);
        let body = format!(r#"{{"error":{{"message":"{long}","code":2001}}}}"#);
        let ProviderError::Rejected { message, .. } =
            decode_error(400, &HeaderMap::new(), body.as_bytes(), now())
        else {
            panic!("expected Rejected")
        };
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn error_body_parsing() {
        assert_eq!(parse_error_body(b""), None);
        assert_eq!(parse_error_body(HTML.as_bytes()), None);
        assert_eq!(parse_error_body(b"[1,2]"), None);
        assert_eq!(
            parse_error_body(PD_1002.as_bytes()),
            Some(PdErrorBody {
                code: Some(1002),
                message: Some("Incident Already Acknowledged".into()),
                errors: vec!["Incident PABC123 is already acknowledged".into()],
            })
        );
        assert_eq!(
            parse_error_body(br#"{"error":{}}"#).and_then(|b| b.text()),
            None
        );
    }

    /// Error text reaches the tray menu, the window and the terminal: an escape sequence
    /// or a NUL in it must not act there.
    #[test]
    fn server_text_is_cleaned_before_it_is_shown() {
        check(
            400,
            &[],
            r#"{"error":{"message":"Bad \u001b]52;c;ZXZpbA==\u0007input\u202e","code":2001,"errors":["x\u0000\u009b2Jy"]}}"#,
            rejected(400, Some(2001), "Bad ]52;c;ZXZpbA== input: x 2Jy"),
        );
        check(
            503,
            &[],
            r#"{"error":"down\u001b[2J\r\nfor maintenance"}"#,
            unavailable("HTTP 503 Service Unavailable: down [2J for maintenance"),
        );
    }
}

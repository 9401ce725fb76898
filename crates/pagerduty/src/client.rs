//! HTTP plumbing: one configured `reqwest` client, the auth headers, the single-flight
//! gate, the body cap and the mapping of every failure to a `ProviderError`.
//!
//! Everything PagerDuty-specific about *which* request to send lives in `provider.rs`;
//! this module only knows how to send one safely.

use std::time::{Duration, Instant};

use chrono::Utc;
use oncall_model::{require_secure_transport, ProviderError};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::{Credential, PagerDutyConfig};
use crate::errors::{self, ClientError};

/// PagerDuty REST API v2; without it a token's default API version would answer.
const ACCEPT_V2: &str = "application/vnd.pagerduty+json;version=2";
const USER_AGENT: &str = concat!("oncall-tray/", env!("CARGO_PKG_VERSION"));
/// Connecting is quick or not happening; the rest of `request_timeout` is for the answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Error bodies are only read for PagerDuty's short JSON message; a proxy's large error
/// page is cut here rather than refused, so that the status still decides the error.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// A success response, body read in full (within the cap).
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ProviderError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            errors::malformed(format_args!(
                "HTTP {} with a body that is not the expected JSON ({e})",
                self.status.as_u16()
            ))
        })
    }
}

/// The query string of a list request. PagerDuty's array parameters are written with
/// literal brackets (`statuses[]=triggered`), as in its documentation; values are
/// form-encoded.
#[derive(Default)]
pub(crate) struct Query(String);

impl Query {
    pub fn push(&mut self, key: &'static str, value: &str) -> &mut Self {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(key);
        self.0.push('=');
        self.0
            .extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        self
    }
}

/// What a success response is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Success {
    /// The body is the answer (lists, identity).
    ReadBody,
    /// The status is the answer (writes).
    StatusOnly,
}

/// Sends requests to one account's API, one at a time.
pub(crate) struct Http {
    client: reqwest::Client,
    base: Url,
    request_timeout: Duration,
    max_body_bytes: usize,
    /// Held for the whole of each exchange (send and body read). PagerDuty asks for one
    /// request at a time per token, and it keeps polls and actions of one account from
    /// racing each other into the rate limit. tokio's mutex is fair, so an action queued
    /// behind a long poll gets the next slot, not the one after the whole poll.
    gate: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The reqwest client holds the default headers, Authorization among them.
        f.debug_struct("Http")
            .field("base", &self.base.as_str())
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl Http {
    pub fn new(config: &PagerDutyConfig) -> Result<Self, ClientError> {
        let base = &config.base_url;
        // Checked before anything repeats the URL in a message: it may hold a password.
        if !base.username().is_empty()
            || base.password().is_some()
            || base.query().is_some()
            || base.fragment().is_some()
        {
            return Err(ClientError::UrlHasExtras);
        }
        require_secure_transport(base)?;
        if base.cannot_be_a_base() {
            return Err(ClientError::CannotBeABase(base.to_string()));
        }
        if config.request_timeout.is_zero() {
            return Err(ClientError::ZeroTimeout);
        }

        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT_V2));
        headers.insert(header::AUTHORIZATION, authorization(&config.credential)?);

        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            // A redirect would carry the token to wherever it points; PagerDuty's API
            // never redirects, so one means a wrong base URL or an interfering proxy.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT.min(config.request_timeout))
            .https_only(base.scheme() == "https");
        if base.scheme() == "http" {
            // Plain HTTP is allowed only because loopback crosses no network. A proxy
            // from HTTP_PROXY/ALL_PROXY would carry the credential across one in
            // clear text (reqwest does not exempt loopback by itself).
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| ClientError::Http(e.without_url().to_string()))?;

        Ok(Http {
            client,
            base: base.clone(),
            request_timeout: config.request_timeout,
            max_body_bytes: config.max_body_bytes,
            gate: tokio::sync::Mutex::new(()),
        })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `base` + path segments (each percent-encoded, so an id can never add a path
    /// level) + query.
    pub fn url(&self, segments: &[&str], query: Option<&Query>) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            // `Http::new` refused cannot-be-a-base URLs.
            .expect("base URL can take paths")
            .pop_if_empty()
            .extend(segments);
        url.set_query(query.map(|q| q.0.as_str()).filter(|q| !q.is_empty()));
        url
    }

    pub async fn get(&self, url: Url) -> Result<Reply, ProviderError> {
        self.exchange(Method::GET, url, None, None, Success::ReadBody)
            .await
    }

    /// A write: JSON body plus PagerDuty's `From` header naming the acting user.
    ///
    /// A success status is the whole answer: the body (the updated incidents) is not
    /// read, so that a large, slow or broken body can never turn an acknowledgement
    /// PagerDuty accepted into an error the user would be told about.
    pub async fn write(
        &self,
        method: Method,
        url: Url,
        from: &HeaderValue,
        body: &serde_json::Value,
    ) -> Result<(), ProviderError> {
        let body = serde_json::to_vec(body).expect("a JSON value always serialises");
        self.exchange(method, url, Some(from), Some(body), Success::StatusOnly)
            .await
            .map(drop)
    }

    /// One HTTP exchange under the single-flight gate and the time budget. One attempt:
    /// retrying is the engine's job, which knows about backoff and the user.
    async fn exchange(
        &self,
        method: Method,
        url: Url,
        from: Option<&HeaderValue>,
        body: Option<Vec<u8>>,
        success: Success,
    ) -> Result<Reply, ProviderError> {
        let mut request = self.client.request(method.clone(), url.clone());
        if let Some(from) = from {
            request = request.header("from", from.clone());
        }
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }

        let _turn = self.gate.lock().await;
        let started = Instant::now();
        let result = tokio::time::timeout(self.request_timeout, async {
            let response = request
                .send()
                .await
                .map_err(|e| errors::transport_error(&e))?;
            self.read(response, success).await
        })
        .await
        .unwrap_or_else(|_| Err(errors::timed_out(self.request_timeout)));

        // Path only: it holds incident ids at most, never a credential.
        match &result {
            Ok(reply) => tracing::debug!(
                %method, path = url.path(), status = reply.status.as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64, "pagerduty request"
            ),
            Err(error) => tracing::debug!(
                %method, path = url.path(), %error,
                elapsed_ms = started.elapsed().as_millis() as u64, "pagerduty request failed"
            ),
        }
        result
    }

    /// Reads the body of a response within the caps and decodes non-success statuses.
    async fn read(
        &self,
        mut response: reqwest::Response,
        success: Success,
    ) -> Result<Reply, ProviderError> {
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            // A broken or oversized error body still leaves the status to go by.
            let body = read_capped(&mut response, MAX_ERROR_BODY_BYTES)
                .await
                .map(|(bytes, _complete)| bytes)
                .unwrap_or_default();
            return Err(errors::decode_error(
                status.as_u16(),
                &headers,
                &body,
                Utc::now(),
            ));
        }

        if success == Success::StatusOnly {
            // Dropping the unread body closes the connection; nothing is reused anyway.
            return Ok(Reply {
                status,
                body: Vec::new(),
            });
        }
        let too_large = || {
            errors::malformed(format_args!(
                "the response is larger than the {} byte limit",
                self.max_body_bytes
            ))
        };
        // Refuse early when the server announces the size; the cap below still holds
        // when it does not (chunked) or lies.
        if response
            .content_length()
            .is_some_and(|len| len > self.max_body_bytes as u64)
        {
            return Err(too_large());
        }
        let (body, complete) = read_capped(&mut response, self.max_body_bytes)
            .await
            .map_err(|e| errors::transport_error(&e))?;
        if !complete {
            return Err(too_large());
        }
        Ok(Reply { status, body })
    }
}

/// Reads at most `cap` bytes, chunk by chunk, so that a huge or endless body never sits
/// in memory. Returns the bytes and whether the body ended within the cap.
async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    // Sized once from Content-Length (within the cap): growing by doubling copied a
    // 2,000-incident poll's pages several times over.
    let announced = response.content_length().unwrap_or(0).min(cap as u64) as usize;
    let mut body = Vec::with_capacity(announced);
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > cap {
            let room = cap - body.len();
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, true))
}

/// The `Authorization` value, marked sensitive so that hyper and any header dump
/// (HTTP/2 HPACK included) treat it as a secret.
fn authorization(credential: &Credential) -> Result<HeaderValue, ClientError> {
    let (scheme, secret) = match credential {
        Credential::ApiToken(token) => ("Token token=", token),
        Credential::OAuth(token) => ("Bearer ", token),
    };
    // Tokens pasted from a web page often carry a trailing newline.
    let token = secret.expose_secret().trim();
    if token.is_empty() {
        return Err(ClientError::InvalidCredential(credential.kind_name()));
    }
    let mut value = HeaderValue::from_str(&format!("{scheme}{token}"))
        .map_err(|_| ClientError::InvalidCredential(credential.kind_name()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The `From` header value of writes.
pub(crate) fn from_header(email: &str) -> Option<HeaderValue> {
    let email = email.trim();
    if email.is_empty() || !email.contains('@') {
        return None;
    }
    HeaderValue::from_str(email).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oncall_model::AccountId;
    use secrecy::SecretString;

    fn config(url: &str, credential: Credential) -> PagerDutyConfig {
        PagerDutyConfig::new(AccountId::new("work"), Url::parse(url).unwrap(), credential)
    }

    fn token(t: &str) -> Credential {
        Credential::ApiToken(SecretString::from(t.to_owned()))
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_ids() {
        let http = Http::new(&config("https://api.pagerduty.com", token("t"))).unwrap();
        assert_eq!(
            http.url(&["incidents", "P1", "snooze"], None).as_str(),
            "https://api.pagerduty.com/incidents/P1/snooze"
        );
        assert_eq!(
            http.url(&["incidents", "../users/me"], None).as_str(),
            "https://api.pagerduty.com/incidents/..%2Fusers%2Fme"
        );
        let http = Http::new(&config("http://127.0.0.1:8080/pd/", token("t"))).unwrap();
        let mut query = Query::default();
        query
            .push("statuses[]", "triggered")
            .push("statuses[]", "acknowledged")
            .push("since", "2024-05-01T12:00:00+02:00")
            .push("team_ids[]", "P&Q");
        assert_eq!(
            http.url(&["incidents"], Some(&query)).as_str(),
            "http://127.0.0.1:8080/pd/incidents?statuses[]=triggered&statuses[]=acknowledged\
             &since=2024-05-01T12%3A00%3A00%2B02%3A00&team_ids[]=P%26Q"
        );
    }

    #[test]
    fn construction_refusals() {
        let refused = |url: &str, credential: Credential| {
            Http::new(&config(url, credential)).map(|_| ()).unwrap_err()
        };
        assert!(matches!(
            refused("http://api.pagerduty.com", token("t")),
            ClientError::InsecureUrl(_)
        ));
        assert!(matches!(
            refused("http://10.0.0.1:8080", token("t")),
            ClientError::InsecureUrl(_)
        ));
        let with_password = refused("https://me:hunter2@api.pagerduty.com", token("t"));
        assert_eq!(with_password, ClientError::UrlHasExtras);
        assert!(!with_password.to_string().contains("hunter2"));
        assert_eq!(
            refused("https://api.pagerduty.com/?x=1", token("t")),
            ClientError::UrlHasExtras
        );
        assert_eq!(
            refused("https://api.pagerduty.com", token("  ")),
            ClientError::InvalidCredential("API token")
        );
        let bad = refused("https://api.pagerduty.com", token("abc\u{7f}secret"));
        assert_eq!(bad, ClientError::InvalidCredential("API token"));
        assert!(!format!("{bad} {bad:?}").contains("secret"));

        let mut zero = config("https://api.pagerduty.com", token("t"));
        zero.request_timeout = Duration::ZERO;
        assert_eq!(Http::new(&zero).unwrap_err(), ClientError::ZeroTimeout);
    }

    #[test]
    fn authorization_forms_are_sensitive() {
        let value = authorization(&token(" abc\n")).unwrap();
        assert_eq!(value, "Token token=abc");
        assert!(value.is_sensitive());
        let value =
            authorization(&Credential::OAuth(SecretString::from("xyz".to_owned()))).unwrap();
        assert_eq!(value, "Bearer xyz");
        assert!(value.is_sensitive());
    }

    #[test]
    fn from_header_needs_an_address() {
        assert_eq!(from_header(" pat@example.com ").unwrap(), "pat@example.com");
        assert!(from_header("").is_none());
        assert!(from_header("pat").is_none());
        assert!(from_header("pat@example.com\r\nX-Evil: 1").is_none());
    }
}

//! HTTP plumbing: one configured `reqwest` client, the auth headers, the single-flight
//! gate, the body cap and the mapping of every failure to a `ProviderError`.
//!
//! Everything Opsgenie-specific about *which* request to send lives in `provider.rs`;
//! this module only knows how to send one safely.

use std::time::{Duration, Instant};

use oncall_model::{require_secure_transport, ProviderError};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::OpsgenieConfig;
use crate::errors::{self, ClientError};

const USER_AGENT: &str = concat!("oncall-tray/", env!("CARGO_PKG_VERSION"));
/// Connecting is quick or not happening; the rest of `request_timeout` is for the answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Error bodies are only read for Opsgenie's short JSON message; a proxy's large error
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

/// The query string of a request; values are form-encoded.
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

/// Sends requests to one account's API, one at a time.
pub(crate) struct Http {
    client: reqwest::Client,
    base: Url,
    request_timeout: Duration,
    max_body_bytes: usize,
    /// Held for the whole of each exchange (send and body read), never across the waits
    /// between request-status polls. It keeps polls and actions of one account from
    /// racing each other into Opsgenie's per-integration rate limit. tokio's mutex is fair, so an action queued
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
    pub fn new(config: &OpsgenieConfig) -> Result<Self, ClientError> {
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
        if config.request_timeout.is_zero() || config.confirm_timeout.is_zero() {
            return Err(ClientError::ZeroTimeout);
        }

        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(header::AUTHORIZATION, authorization(&config.api_key)?);

        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            // A redirect would carry the key to wherever it points; Opsgenie's API
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
        self.exchange(Method::GET, url, None).await
    }

    /// A `POST` with a JSON body; the (202) body is read, as it holds the `requestId`.
    pub async fn post(&self, url: Url, body: &serde_json::Value) -> Result<Reply, ProviderError> {
        let body = serde_json::to_vec(body).expect("a JSON value always serialises");
        self.exchange(Method::POST, url, Some(body)).await
    }

    /// One HTTP exchange under the single-flight gate and the time budget. One attempt:
    /// retrying is the engine's job, which knows about backoff and the user.
    async fn exchange(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<Reply, ProviderError> {
        let mut request = self.client.request(method.clone(), url.clone());
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
            self.read(response).await
        })
        .await
        .unwrap_or_else(|_| Err(errors::timed_out(self.request_timeout)));

        // Path only: it holds alert and request ids at most, never a credential.
        match &result {
            Ok(reply) => tracing::debug!(
                %method, path = url.path(), status = reply.status.as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64, "opsgenie request"
            ),
            Err(error) => tracing::debug!(
                %method, path = url.path(), %error,
                elapsed_ms = started.elapsed().as_millis() as u64, "opsgenie request failed"
            ),
        }
        result
    }

    /// Reads the body of a response within the caps and decodes non-success statuses.
    async fn read(&self, mut response: reqwest::Response) -> Result<Reply, ProviderError> {
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            // A broken or oversized error body still leaves the status to go by.
            let body = read_capped(&mut response, MAX_ERROR_BODY_BYTES)
                .await
                .map(|(bytes, _complete)| bytes)
                .unwrap_or_default();
            return Err(errors::decode_error(status.as_u16(), &headers, &body));
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

/// The `Authorization` value, marked sensitive so that hyper and any header dump treat
/// it as a secret.
fn authorization(key: &SecretString) -> Result<HeaderValue, ClientError> {
    // Keys pasted from a web page often carry a trailing newline.
    let key = key.expose_secret().trim();
    if key.is_empty() {
        return Err(ClientError::InvalidApiKey);
    }
    let mut value = HeaderValue::from_str(&format!("GenieKey {key}"))
        .map_err(|_| ClientError::InvalidApiKey)?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oncall_model::AccountId;

    fn config(url: &str, key: &str) -> OpsgenieConfig {
        OpsgenieConfig::new(
            AccountId::new("ops"),
            Url::parse(url).unwrap(),
            SecretString::from(key.to_owned()),
        )
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_ids() {
        let http = Http::new(&config("https://api.eu.opsgenie.com", "k")).unwrap();
        assert_eq!(
            http.url(&["v2", "alerts", "../users", "acknowledge"], None)
                .as_str(),
            "https://api.eu.opsgenie.com/v2/alerts/..%2Fusers/acknowledge"
        );
        let mut query = Query::default();
        query
            .push("query", "status:open AND responders:pat")
            .push("limit", "100");
        assert_eq!(
            http.url(&["v2", "alerts"], Some(&query)).as_str(),
            "https://api.eu.opsgenie.com/v2/alerts?query=status%3Aopen+AND+responders%3Apat&limit=100"
        );
    }

    #[test]
    fn construction_refusals_never_show_the_key() {
        let refused = |url: &str, key: &str| Http::new(&config(url, key)).map(|_| ()).unwrap_err();
        assert!(matches!(
            refused("http://api.opsgenie.com", "k"),
            ClientError::InsecureUrl(_)
        ));
        assert_eq!(
            refused("https://me:hunter2@api.opsgenie.com", "k"),
            ClientError::UrlHasExtras
        );
        assert_eq!(
            refused("https://api.opsgenie.com", " \n"),
            ClientError::InvalidApiKey
        );
        let bad = refused("https://api.opsgenie.com", "abc\u{7f}secret");
        assert!(!format!("{bad} {bad:?}").contains("secret"));
        let mut zero = config("https://api.opsgenie.com", "k");
        zero.confirm_timeout = Duration::ZERO;
        assert_eq!(Http::new(&zero).unwrap_err(), ClientError::ZeroTimeout);
    }

    #[test]
    fn the_authorization_header_is_sensitive() {
        let value = authorization(&SecretString::from(" abc\n".to_owned())).unwrap();
        assert_eq!(value, "GenieKey abc");
        assert!(value.is_sensitive());
    }
}

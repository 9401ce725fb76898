//! [`Http`]: one configured `reqwest` client, the single-flight gate, the time budget
//! and the body caps, for one account of one [`Service`].

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use oncall_model::{require_secure_transport, ProviderError};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::errors::{self, SetupError};

const USER_AGENT: &str = concat!("oncall-tray/", env!("CARGO_PKG_VERSION"));
/// Connecting is quick or not happening; the rest of `request_timeout` is for the answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Error bodies are only read for the service's short message; a proxy's large error
/// page is cut here rather than refused, so that the status still decides the error.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// One service's API as the transport sees it. Implemented once per provider crate, on
/// an uninhabited marker type.
pub trait Service {
    /// The configuration of one account.
    type Config;
    /// The provider's construction error; every [`SetupError`] becomes one of its
    /// variants, worded with the provider's name.
    type Error: From<SetupError>;

    /// Where `config` says requests go, and their limits.
    fn endpoint(config: &Self::Config) -> Endpoint<'_>;

    /// The headers every request carries (the credential among them) and any TLS extras.
    /// Asked for once the base URL and the timeout have passed their checks, so that a
    /// bad URL is reported before a bad credential.
    fn connection(config: &Self::Config) -> Result<Connection, Self::Error>;

    /// Decodes an answer that was not a success (its body cut at 64 KiB).
    fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError;

    /// Writes the debug line of one exchange. Implement it with [`crate::log_exchange!`]
    /// in the provider's module, so that the line is the provider's: its target, and so
    /// the `RUST_LOG` directive that selects it, name the provider crate.
    fn log(exchange: &Exchange<'_>);
}

/// Where an account's requests go, and their limits.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    /// Every request URL is this plus path segments and a query.
    pub base_url: &'a Url,
    /// The budget of a whole exchange: connecting, sending and reading the body.
    pub request_timeout: Duration,
    /// Larger success bodies are refused as malformed.
    pub max_body_bytes: usize,
}

/// What every request of an account carries besides the URL.
#[derive(Debug, Default)]
pub struct Connection {
    /// Sent with every request (`Accept`, the credential); values holding a secret are
    /// marked sensitive by the provider.
    pub default_headers: HeaderMap,
    /// Trusted in addition to the system's roots.
    pub root_certificates: Vec<reqwest::Certificate>,
    /// A client certificate, for servers that ask for one.
    pub identity: Option<reqwest::Identity>,
}

/// A success response, body read in full (within the cap).
pub struct Reply {
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

/// The query string of a request: keys as written (PagerDuty's array parameters keep
/// their literal brackets, `statuses[]=triggered`, as in its documentation), values
/// form-encoded.
#[derive(Default)]
pub struct Query(String);

impl Query {
    /// `key` is written as it is: a constant of the API, never input.
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

/// One finished exchange, for its debug line.
pub struct Exchange<'a> {
    pub method: &'a Method,
    /// The path only: it holds ids at most, never a credential, and says which call it
    /// was; a query may be long.
    pub path: &'a str,
    pub result: &'a Result<Reply, ProviderError>,
    pub elapsed: Duration,
}

/// Writes an [`Exchange`]'s debug line, `$ok` or `$failed` as its message, from the
/// module that expands it (which is the line's target).
#[macro_export]
macro_rules! log_exchange {
    ($exchange:expr, $ok:literal, $failed:literal) => {{
        let exchange: &$crate::Exchange<'_> = $exchange;
        let elapsed_ms = exchange.elapsed.as_millis() as u64;
        match exchange.result {
            Ok(reply) => $crate::__tracing::debug!(
                method = %exchange.method, path = exchange.path,
                status = reply.status.as_u16(), elapsed_ms, $ok
            ),
            Err(error) => $crate::__tracing::debug!(
                method = %exchange.method, path = exchange.path, %error, elapsed_ms, $failed
            ),
        }
    }};
}

/// What a success response is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Success {
    /// The body is the answer (lists, identity, created objects).
    ReadBody,
    /// The status is the answer (writes whose body nobody reads).
    StatusOnly,
}

/// Sends requests to one account's API, one at a time.
pub struct Http<S> {
    client: reqwest::Client,
    base: Url,
    request_timeout: Duration,
    max_body_bytes: usize,
    /// Held for the whole of each exchange (send and body read), never between
    /// exchanges. Polls and actions of one account never overlap, so they do not race
    /// each other into a rate limit (PagerDuty asks for one request at a time per token)
    /// and a slow server is never asked twice at once. tokio's mutex is fair, so an
    /// action queued behind a long poll gets the next slot, not the one after the whole
    /// poll.
    gate: tokio::sync::Mutex<()>,
    service: PhantomData<fn() -> S>,
}

impl<S> std::fmt::Debug for Http<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The reqwest client holds the default headers, the credential among them.
        f.debug_struct("Http")
            .field("base", &self.base.as_str())
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl<S: Service> Http<S> {
    /// Checks the configuration and builds the client. Sends nothing.
    pub fn new(config: &S::Config) -> Result<Self, S::Error> {
        let Endpoint {
            base_url: base,
            request_timeout,
            max_body_bytes,
        } = S::endpoint(config);
        // Checked before anything repeats the URL in a message: it may hold a password.
        if !base.username().is_empty()
            || base.password().is_some()
            || base.query().is_some()
            || base.fragment().is_some()
        {
            return Err(SetupError::UrlHasExtras.into());
        }
        require_secure_transport(base).map_err(SetupError::from)?;
        if base.cannot_be_a_base() {
            return Err(SetupError::CannotBeABase(base.to_string()).into());
        }
        if request_timeout.is_zero() {
            return Err(SetupError::ZeroTimeout.into());
        }
        let connection = S::connection(config)?;

        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(connection.default_headers)
            // A redirect would carry the credential to wherever it points. The services'
            // APIs never redirect; one means a wrong base URL (or route prefix), an SSO
            // page or an interfering proxy.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT.min(request_timeout))
            .https_only(base.scheme() == "https");
        if base.scheme() == "http" {
            // Plain HTTP is allowed only because loopback crosses no network. A proxy
            // from HTTP_PROXY/ALL_PROXY would carry the credential across one in
            // clear text (reqwest does not exempt loopback by itself).
            builder = builder.no_proxy();
        }
        for certificate in connection.root_certificates {
            builder = builder.add_root_certificate(certificate);
        }
        if let Some(identity) = connection.identity {
            builder = builder.identity(identity);
        }
        let client = builder
            .build()
            .map_err(|e| SetupError::Http(e.without_url().to_string()))?;

        Ok(Http {
            client,
            base: base.clone(),
            request_timeout,
            max_body_bytes,
            gate: tokio::sync::Mutex::new(()),
            service: PhantomData,
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

    /// A `POST` with a JSON body, whose answer's body is read (it says what was made).
    pub async fn post_json(
        &self,
        url: Url,
        body: &serde_json::Value,
    ) -> Result<Reply, ProviderError> {
        self.exchange(Method::POST, url, None, Some(body), Success::ReadBody)
            .await
    }

    /// A `DELETE`; its answer's body is read (within the cap) and dropped.
    pub async fn delete(&self, url: Url) -> Result<(), ProviderError> {
        self.exchange(Method::DELETE, url, None, None, Success::ReadBody)
            .await
            .map(drop)
    }

    /// A write with a JSON body and one header of its own (PagerDuty's `From`).
    ///
    /// A success status is the whole answer: the body is not read, so that a large, slow
    /// or broken body can never turn a write the service accepted into an error the user
    /// would be told about.
    pub async fn write(
        &self,
        method: Method,
        url: Url,
        header: (&'static str, &HeaderValue),
        body: &serde_json::Value,
    ) -> Result<(), ProviderError> {
        self.exchange(method, url, Some(header), Some(body), Success::StatusOnly)
            .await
            .map(drop)
    }

    /// One HTTP exchange under the single-flight gate and the time budget. One attempt:
    /// retrying is the engine's job, which knows about backoff and the user.
    async fn exchange(
        &self,
        method: Method,
        url: Url,
        header: Option<(&'static str, &HeaderValue)>,
        body: Option<&serde_json::Value>,
        success: Success,
    ) -> Result<Reply, ProviderError> {
        let mut request = self.client.request(method.clone(), url.clone());
        if let Some((name, value)) = header {
            request = request.header(name, value.clone());
        }
        if let Some(body) = body {
            let body = serde_json::to_vec(body).expect("a JSON value always serialises");
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

        S::log(&Exchange {
            method: &method,
            path: url.path(),
            result: &result,
            elapsed: started.elapsed(),
        });
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
            return Err(S::decode_error(status.as_u16(), &headers, &body));
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

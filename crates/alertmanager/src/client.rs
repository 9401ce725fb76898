//! HTTP plumbing: one configured `reqwest` client, the auth header, TLS extras, the
//! single-flight gate, the body cap and the mapping of every failure to a
//! `ProviderError`.
//!
//! Which requests to send lives in `provider.rs`; this module only knows how to send
//! one safely.

use std::time::{Duration, Instant};

use base64::Engine as _;
use oncall_model::{require_secure_transport, ProviderError};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::{AlertmanagerConfig, Auth};
use crate::errors::{self, ClientError};

const USER_AGENT: &str = concat!("oncall-tray/", env!("CARGO_PKG_VERSION"));
/// Connecting is quick or not happening; the rest of `request_timeout` is for the answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Error bodies are only read for a short message; a proxy's large error page is cut
/// here rather than refused, so that the status still decides the error.
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

/// Sends requests to one Alertmanager, one at a time.
pub(crate) struct Http {
    client: reqwest::Client,
    base: Url,
    request_timeout: Duration,
    max_body_bytes: usize,
    /// Held for the whole of each exchange (send and body read): polls and actions of
    /// one account never overlap, and a slow Alertmanager is never asked twice at once.
    /// tokio's mutex is fair, so a queued action gets the next slot.
    gate: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The reqwest client holds the default headers, the credential among them.
        f.debug_struct("Http")
            .field("base", &self.base.as_str())
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl Http {
    pub fn new(config: &AlertmanagerConfig) -> Result<Self, ClientError> {
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
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some((name, value)) = auth_header(&config.auth)? {
            headers.insert(name, value);
        }

        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            // A redirect would carry the credential to wherever it points. Alertmanager's
            // API never redirects; one means a wrong route prefix or an SSO proxy.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT.min(config.request_timeout))
            .https_only(base.scheme() == "https");
        if base.scheme() == "http" {
            // Plain HTTP is allowed only because loopback crosses no network. A proxy
            // from HTTP_PROXY/ALL_PROXY would carry the credential across one in
            // clear text (reqwest does not exempt loopback by itself).
            builder = builder.no_proxy();
        }
        if let Some(path) = &config.ca_file {
            for cert in read_certificates(path)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(path) = &config.client_identity_pem {
            builder = builder.identity(read_identity(path)?);
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
    /// level) + query pairs (form-encoded; repeated keys allowed).
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            // `Http::new` refused cannot-be-a-base URLs.
            .expect("base URL can take paths")
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    pub async fn get(&self, url: Url) -> Result<Reply, ProviderError> {
        self.exchange(Method::GET, url, None).await
    }

    pub async fn post_json(
        &self,
        url: Url,
        body: &serde_json::Value,
    ) -> Result<Reply, ProviderError> {
        let body = serde_json::to_vec(body).expect("a JSON value always serialises");
        self.exchange(Method::POST, url, Some(body)).await
    }

    pub async fn delete(&self, url: Url) -> Result<(), ProviderError> {
        self.exchange(Method::DELETE, url, None).await.map(drop)
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

        // Path only: the query holds label matchers at most, never a credential, but it
        // may be long; the path says which call it was.
        match &result {
            Ok(reply) => tracing::debug!(
                %method, path = url.path(), status = reply.status.as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64, "alertmanager request"
            ),
            Err(error) => tracing::debug!(
                %method, path = url.path(), %error,
                elapsed_ms = started.elapsed().as_millis() as u64, "alertmanager request failed"
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

/// The credential header, its value marked sensitive so that hyper and any header dump
/// (HTTP/2 HPACK included) treat it as a secret.
fn auth_header(auth: &Auth) -> Result<Option<(HeaderName, HeaderValue)>, ClientError> {
    let invalid = || ClientError::InvalidCredential(auth.kind_name());
    // Secrets pasted from a web page often carry a trailing newline.
    let trimmed = |secret: &secrecy::SecretString| {
        let text = secret.expose_secret().trim().to_owned();
        if text.is_empty() {
            Err(invalid())
        } else {
            Ok(text)
        }
    };
    let (name, text) = match auth {
        Auth::None => return Ok(None),
        Auth::Basic { user, password } => {
            // RFC 7617: the user id cannot contain a colon.
            if user.is_empty() || user.contains(':') || user.chars().any(char::is_control) {
                return Err(ClientError::InvalidBasicUser);
            }
            // Not trimmed: a password may legitimately end in a space.
            let password = password.expose_secret();
            if password.is_empty() {
                return Err(invalid());
            }
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            (header::AUTHORIZATION, format!("Basic {encoded}"))
        }
        Auth::Bearer(token) => (header::AUTHORIZATION, format!("Bearer {}", trimmed(token)?)),
        Auth::Header { name, value } => {
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| ClientError::InvalidHeaderName(name.clone()))?;
            (name, trimmed(value)?)
        }
    };
    let mut value = HeaderValue::from_str(&text).map_err(|_| invalid())?;
    value.set_sensitive(true);
    Ok(Some((name, value)))
}

fn tls_error(what: &'static str, path: &std::path::Path, reason: impl ToString) -> ClientError {
    ClientError::Tls {
        what,
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

fn read_certificates(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, ClientError> {
    let what = "the CA file";
    let pem = std::fs::read(path).map_err(|e| tls_error(what, path, e))?;
    let certs =
        reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| tls_error(what, path, e))?;
    if certs.is_empty() {
        return Err(tls_error(what, path, "no PEM certificate in it"));
    }
    Ok(certs)
}

fn read_identity(path: &std::path::Path) -> Result<reqwest::Identity, ClientError> {
    let what = "the client certificate";
    let pem = std::fs::read(path).map_err(|e| tls_error(what, path, e))?;
    // reqwest's error text names the parse problem, never the key material.
    reqwest::Identity::from_pem(&pem).map_err(|e| tls_error(what, path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oncall_model::AccountId;
    use secrecy::SecretString;

    fn config(url: &str, auth: Auth) -> AlertmanagerConfig {
        let mut config =
            AlertmanagerConfig::new(AccountId::new("prom"), Url::parse(url).unwrap(), "pat");
        config.auth = auth;
        config
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn urls_keep_the_route_prefix_and_encode_ids() {
        let http = Http::new(&config("https://am.example.com/am/", Auth::None)).unwrap();
        assert_eq!(
            http.url(&["api", "v2", "silence", "../status"], &[])
                .as_str(),
            "https://am.example.com/am/api/v2/silence/..%2Fstatus"
        );
        let http = Http::new(&config("http://127.0.0.1:9093", Auth::None)).unwrap();
        assert_eq!(
            http.url(
                &["api", "v2", "alerts"],
                &[("active", "true"), ("filter", r#"team="db""#), ("filter", "a=~b.*")]
            )
            .as_str(),
            "http://127.0.0.1:9093/api/v2/alerts?active=true&filter=team%3D%22db%22&filter=a%3D%7Eb.*"
        );
    }

    #[test]
    fn construction_refusals() {
        let refused =
            |url: &str, auth: Auth| Http::new(&config(url, auth)).map(|_| ()).unwrap_err();
        assert!(matches!(
            refused("http://am.example.com:9093", Auth::None),
            ClientError::InsecureUrl(_)
        ));
        let with_password = refused("https://me:hunter2@am.example.com", Auth::None);
        assert_eq!(with_password, ClientError::UrlHasExtras);
        assert!(!with_password.to_string().contains("hunter2"));
        assert_eq!(
            refused("https://am.example.com", Auth::Bearer(secret(" \n"))),
            ClientError::InvalidCredential("bearer token")
        );
        let bad = refused(
            "https://am.example.com",
            Auth::Header {
                name: "X-Key".into(),
                value: secret("abc\u{7f}secret"),
            },
        );
        assert!(!format!("{bad} {bad:?}").contains("secret"), "{bad}");
        assert_eq!(
            refused(
                "https://am.example.com",
                Auth::Header {
                    name: "bad name".into(),
                    value: secret("v")
                }
            ),
            ClientError::InvalidHeaderName("bad name".into())
        );
        assert_eq!(
            refused(
                "https://am.example.com",
                Auth::Basic {
                    user: "a:b".into(),
                    password: secret("p")
                }
            ),
            ClientError::InvalidBasicUser
        );
        let mut zero = config("https://am.example.com", Auth::None);
        zero.request_timeout = Duration::ZERO;
        assert_eq!(Http::new(&zero).unwrap_err(), ClientError::ZeroTimeout);
        let mut missing_ca = config("https://am.example.com", Auth::None);
        missing_ca.ca_file = Some("/nonexistent/ca.pem".into());
        assert!(matches!(
            Http::new(&missing_ca).unwrap_err(),
            ClientError::Tls {
                what: "the CA file",
                ..
            }
        ));
    }

    #[test]
    fn auth_headers_are_sensitive() {
        let (name, value) = auth_header(&Auth::Basic {
            user: "Aladdin".into(),
            password: secret("open sesame"),
        })
        .unwrap()
        .unwrap();
        // RFC 7617's example.
        assert_eq!(name, header::AUTHORIZATION);
        assert_eq!(value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(value.is_sensitive());
        let (_, value) = auth_header(&Auth::Bearer(secret("tok\n")))
            .unwrap()
            .unwrap();
        assert_eq!(value, "Bearer tok");
        assert!(value.is_sensitive());
        let (name, value) = auth_header(&Auth::Header {
            name: "X-Api-Key".into(),
            value: secret("k"),
        })
        .unwrap()
        .unwrap();
        assert_eq!(name.as_str(), "x-api-key");
        assert!(value.is_sensitive());
        assert!(auth_header(&Auth::None).unwrap().is_none());
    }
}

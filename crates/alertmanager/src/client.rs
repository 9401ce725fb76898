//! Alertmanager's side of the shared transport ([`oncall_http`]): its credential header,
//! TLS extras (a CA file, a client certificate), query pairs, its error bodies and its
//! log line.
//!
//! Which requests to send lives in `provider.rs`; how one is sent safely lives in
//! `oncall_http`.

use base64::Engine as _;
use oncall_http::{Connection, Endpoint, Exchange, Service};
use oncall_model::ProviderError;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use secrecy::ExposeSecret;
use url::Url;

use crate::config::{AlertmanagerConfig, Auth};
use crate::errors::{self, ClientError};

/// A success answer; built by hand in the fuzz targets and property tests too.
pub(crate) use oncall_http::Reply;

/// The Alertmanager API v2, as [`oncall_http`] sees it.
pub(crate) enum Alertmanager {}

impl Service for Alertmanager {
    type Config = AlertmanagerConfig;
    type Error = ClientError;

    fn endpoint(config: &AlertmanagerConfig) -> Endpoint<'_> {
        Endpoint {
            base_url: &config.base_url,
            request_timeout: config.request_timeout,
            max_body_bytes: config.max_body_bytes,
        }
    }

    fn connection(config: &AlertmanagerConfig) -> Result<Connection, ClientError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some((name, value)) = auth_header(&config.auth)? {
            headers.insert(name, value);
        }
        let root_certificates = match &config.ca_file {
            Some(path) => read_certificates(path)?,
            None => Vec::new(),
        };
        let identity = match &config.client_identity_pem {
            Some(path) => Some(read_identity(path)?),
            None => None,
        };
        Ok(Connection {
            default_headers: headers,
            root_certificates,
            identity,
        })
    }

    fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
        errors::decode_error(status, headers, body)
    }

    fn log(exchange: &Exchange<'_>) {
        // The path says which call it was; the query holds label matchers at most, never
        // a credential, but it may be long.
        oncall_http::log_exchange!(
            exchange,
            "alertmanager request",
            "alertmanager request failed"
        );
    }
}

/// Sends requests to one Alertmanager, one at a time. URLs take query pairs, as label
/// matchers repeat the `filter` key.
#[derive(Debug)]
pub(crate) struct Http(oncall_http::Http<Alertmanager>);

impl Http {
    pub fn new(config: &AlertmanagerConfig) -> Result<Self, ClientError> {
        oncall_http::Http::new(config).map(Http)
    }

    pub fn base(&self) -> &Url {
        self.0.base()
    }

    /// `base` + path segments (each percent-encoded, so an id can never add a path
    /// level) + query pairs (form-encoded; repeated keys allowed).
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.0.url(segments, None);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    pub async fn get(&self, url: Url) -> Result<Reply, ProviderError> {
        self.0.get(url).await
    }

    pub async fn post_json(
        &self,
        url: Url,
        body: &serde_json::Value,
    ) -> Result<Reply, ProviderError> {
        self.0.post_json(url, body).await
    }

    pub async fn delete(&self, url: Url) -> Result<(), ProviderError> {
        self.0.delete(url).await
    }
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
    use std::time::Duration;

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

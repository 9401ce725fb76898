//! JSM's side of the shared transport ([`oncall_http`]): two services, because the
//! account talks to two hosts.
//!
//! - [`JsmApi`]: the Operations API on Atlassian's gateway (`api_url`), every request
//!   signed with basic auth (e-mail : API token,
//!   <https://developer.atlassian.com/cloud/jira/service-desk-ops/security/basic-auth-for-rest-apis>).
//! - [`JsmSite`]: the customer's Jira site (`site_url`), asked one thing without any
//!   credential: its cloud id (`GET /_edge/tenant_info`). Its client has no
//!   `Authorization` header at all, so the token cannot reach the site by mistake.

use base64::Engine as _;
use oncall_http::{Connection, Endpoint, Exchange, Service};
use oncall_model::ProviderError;
use reqwest::header::{self, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::config::JsmConfig;
use crate::errors::{self, ClientError};

/// The decoders' input, built by hand in the fuzz targets and property tests.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use oncall_http::Reply;

/// Requests to the Operations API, one at a time.
pub(crate) type ApiHttp = oncall_http::Http<JsmApi>;
/// Requests to the Jira site, without credentials.
pub(crate) type SiteHttp = oncall_http::Http<JsmSite>;

/// The Operations REST API, as [`oncall_http`] sees it.
pub(crate) enum JsmApi {}

impl Service for JsmApi {
    type Config = JsmConfig;
    type Error = ClientError;

    fn endpoint(config: &JsmConfig) -> Endpoint<'_> {
        Endpoint {
            base_url: &config.api_url,
            request_timeout: config.request_timeout,
            max_body_bytes: config.max_body_bytes,
        }
    }

    fn connection(config: &JsmConfig) -> Result<Connection, ClientError> {
        if config.confirm_timeout.is_zero() {
            return Err(ClientError::ZeroTimeout);
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            header::AUTHORIZATION,
            authorization(&config.email, &config.api_token)?,
        );
        Ok(Connection {
            default_headers: headers,
            ..Connection::default()
        })
    }

    fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
        errors::decode_error(status, headers, body)
    }

    fn log(exchange: &Exchange<'_>) {
        oncall_http::log_exchange!(exchange, "jsm request", "jsm request failed");
    }
}

/// The customer's Jira site, asked only for its cloud id.
pub(crate) enum JsmSite {}

impl Service for JsmSite {
    type Config = JsmConfig;
    type Error = ClientError;

    fn endpoint(config: &JsmConfig) -> Endpoint<'_> {
        Endpoint {
            base_url: &config.site_url,
            request_timeout: config.request_timeout,
            // `{"cloudId":"…"}` and little else.
            max_body_bytes: 64 * 1024,
        }
    }

    fn connection(_: &JsmConfig) -> Result<Connection, ClientError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        Ok(Connection {
            default_headers: headers,
            ..Connection::default()
        })
    }

    fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
        errors::decode_error(status, headers, body)
    }

    fn log(exchange: &Exchange<'_>) {
        oncall_http::log_exchange!(exchange, "jira site request", "jira site request failed");
    }
}

/// `Basic base64(email:token)`, marked sensitive so that hyper and any header dump treat
/// it as a secret.
fn authorization(email: &str, token: &SecretString) -> Result<HeaderValue, ClientError> {
    // Tokens pasted from a web page often carry a trailing newline.
    let (email, token) = (email.trim(), token.expose_secret().trim());
    if email.is_empty() || token.is_empty() || email.contains(':') {
        return Err(ClientError::InvalidCredential);
    }
    if !email
        .chars()
        .chain(token.chars())
        .all(|c| c.is_ascii_graphic())
    {
        return Err(ClientError::InvalidCredential);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"));
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
        .map_err(|_| ClientError::InvalidCredential)?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oncall_model::AccountId;
    use url::Url;

    fn config(api: &str, email: &str, token: &str) -> JsmConfig {
        JsmConfig::new(
            AccountId::new("jsm"),
            Url::parse("https://acme.atlassian.net/").unwrap(),
            Url::parse(api).unwrap(),
            email.to_owned(),
            SecretString::from(token.to_owned()),
        )
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_ids() {
        let http = ApiHttp::new(&config("https://api.atlassian.com", "a@b.c", "t")).unwrap();
        assert_eq!(
            http.url(
                &["jsm", "ops", "api", "c1", "v1", "alerts", "../x", "close"],
                None
            )
            .as_str(),
            "https://api.atlassian.com/jsm/ops/api/c1/v1/alerts/..%2Fx/close"
        );
    }

    #[test]
    fn the_credential_is_basic_auth_and_sensitive() {
        let value = authorization("Aladdin", &SecretString::from("open sesame".to_owned()));
        assert_eq!(
            value.unwrap_err(),
            ClientError::InvalidCredential,
            "a space"
        );
        let value =
            authorization(" pat@example.com", &SecretString::from("tok\n".to_owned())).unwrap();
        assert_eq!(value, "Basic cGF0QGV4YW1wbGUuY29tOnRvaw==");
        assert!(value.is_sensitive());
    }

    #[test]
    fn construction_refusals_never_show_the_token() {
        let refused = |url: &str, email: &str, token: &str| {
            ApiHttp::new(&config(url, email, token))
                .map(|_| ())
                .unwrap_err()
        };
        assert!(matches!(
            refused("http://api.atlassian.com", "a@b.c", "t"),
            ClientError::InsecureUrl(_)
        ));
        assert_eq!(
            refused("https://api.atlassian.com", "a@b.c", " \n"),
            ClientError::InvalidCredential
        );
        assert_eq!(
            refused("https://api.atlassian.com", "", "t"),
            ClientError::InvalidCredential
        );
        let bad = refused("https://api.atlassian.com", "a@b.c", "abc\u{7f}secret");
        assert!(!format!("{bad} {bad:?}").contains("secret"));
    }
}

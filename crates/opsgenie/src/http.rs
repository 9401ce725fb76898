//! Opsgenie's side of the shared transport ([`oncall_http`]): its credential header, its
//! error bodies and its log line.
//!
//! Everything Opsgenie-specific about *which* request to send lives in `provider.rs`;
//! how one is sent safely lives in `oncall_http`.

use oncall_http::{Connection, Endpoint, Exchange, Service};
use oncall_model::ProviderError;
use reqwest::header::{self, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::config::OpsgenieConfig;
use crate::errors::{self, ClientError};

/// The decoders' input, built by hand in the fuzz targets and property tests.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use oncall_http::Reply;

/// Sends requests to one account's API, one at a time. The gate is held for each
/// exchange, never across the waits between request-status polls.
pub(crate) type Http = oncall_http::Http<Opsgenie>;

/// The Opsgenie Alert API v2, as [`oncall_http`] sees it.
pub(crate) enum Opsgenie {}

impl Service for Opsgenie {
    type Config = OpsgenieConfig;
    type Error = ClientError;

    fn endpoint(config: &OpsgenieConfig) -> Endpoint<'_> {
        Endpoint {
            base_url: &config.base_url,
            request_timeout: config.request_timeout,
            max_body_bytes: config.max_body_bytes,
        }
    }

    fn connection(config: &OpsgenieConfig) -> Result<Connection, ClientError> {
        // Checked with `request_timeout`, which the transport checks just before.
        if config.confirm_timeout.is_zero() {
            return Err(ClientError::ZeroTimeout);
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(header::AUTHORIZATION, authorization(&config.api_key)?);
        Ok(Connection {
            default_headers: headers,
            ..Connection::default()
        })
    }

    fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
        errors::decode_error(status, headers, body)
    }

    fn log(exchange: &Exchange<'_>) {
        oncall_http::log_exchange!(exchange, "opsgenie request", "opsgenie request failed");
    }
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
    use std::time::Duration;

    use oncall_http::Query;
    use oncall_model::AccountId;
    use url::Url;

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

//! Grafana OnCall's side of the shared transport ([`oncall_http`]): its credential
//! header, its error bodies and its log line.
//!
//! Which request to send lives in `provider.rs`; how one is sent safely lives in
//! `oncall_http`.

use oncall_http::{Connection, Endpoint, Exchange, Service};
use oncall_model::ProviderError;
use reqwest::header::{self, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::config::GrafanaOnCallConfig;
use crate::errors::{self, ClientError};

/// The decoders' input, built by hand in the fuzz targets and property tests.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use oncall_http::Reply;

/// Sends requests to one account's API, one at a time.
pub(crate) type Http = oncall_http::Http<GrafanaOnCall>;

/// The Grafana OnCall HTTP API, as [`oncall_http`] sees it.
pub(crate) enum GrafanaOnCall {}

impl Service for GrafanaOnCall {
    type Config = GrafanaOnCallConfig;
    type Error = ClientError;

    fn endpoint(config: &GrafanaOnCallConfig) -> Endpoint<'_> {
        Endpoint {
            base_url: &config.api_url,
            request_timeout: config.request_timeout,
            max_body_bytes: config.max_body_bytes,
        }
    }

    fn connection(config: &GrafanaOnCallConfig) -> Result<Connection, ClientError> {
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
        oncall_http::log_exchange!(
            exchange,
            "grafana oncall request",
            "grafana oncall request failed"
        );
    }
}

/// The `Authorization` value: the key itself, no scheme word (the API reference's
/// `--header "Authorization: <api_key_here>"`), marked sensitive so that hyper and any
/// header dump treat it as a secret.
fn authorization(key: &SecretString) -> Result<HeaderValue, ClientError> {
    // Keys pasted from a web page often carry a trailing newline.
    let key = key.expose_secret().trim();
    if key.is_empty() {
        return Err(ClientError::InvalidApiKey);
    }
    let mut value = HeaderValue::from_str(key).map_err(|_| ClientError::InvalidApiKey)?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    use oncall_http::Query;
    use oncall_model::AccountId;
    use url::Url;

    fn config(url: &str, key: &str) -> GrafanaOnCallConfig {
        GrafanaOnCallConfig::new(
            AccountId::new("irm"),
            Url::parse(url).unwrap(),
            SecretString::from(key.to_owned()),
        )
    }

    #[test]
    fn urls_keep_the_api_path_and_the_documented_trailing_slash() {
        let http = Http::new(&config(
            "https://oncall-prod-us-central-0.grafana.net/oncall",
            "k",
        ))
        .unwrap();
        let mut query = Query::default();
        query.push("state", "new").push("label", "team:db");
        assert_eq!(
            http.url(&["api", "v1", "alert_groups", ""], Some(&query))
                .as_str(),
            "https://oncall-prod-us-central-0.grafana.net/oncall/api/v1/alert_groups/?state=new&label=team%3Adb"
        );
        assert_eq!(
            http.url(&["api", "v1", "alert_groups", "../x", "silence"], None)
                .as_str(),
            "https://oncall-prod-us-central-0.grafana.net/oncall/api/v1/alert_groups/..%2Fx/silence"
        );
    }

    #[test]
    fn construction_refusals_never_show_the_key() {
        let refused = |url: &str, key: &str| Http::new(&config(url, key)).map(|_| ()).unwrap_err();
        assert!(matches!(
            refused("http://oncall.example", "k"),
            ClientError::InsecureUrl(_)
        ));
        assert_eq!(
            refused("https://me:hunter2@oncall.example", "k"),
            ClientError::UrlHasExtras
        );
        assert_eq!(
            refused("https://oncall.example", " \n"),
            ClientError::InvalidApiKey
        );
        let bad = refused("https://oncall.example", "abc\u{7f}secret");
        assert!(!format!("{bad} {bad:?}").contains("secret"));
    }

    #[test]
    fn the_authorization_header_is_the_bare_key_and_sensitive() {
        let value = authorization(&SecretString::from(" abc\n".to_owned())).unwrap();
        assert_eq!(value, "abc");
        assert!(value.is_sensitive());
    }
}

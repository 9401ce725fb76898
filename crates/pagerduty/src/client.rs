//! PagerDuty's side of the shared transport ([`oncall_http`]): its media type, its
//! credential header, the `From` header of writes, its error bodies and its log line.
//!
//! Everything PagerDuty-specific about *which* request to send lives in `provider.rs`;
//! how one is sent safely lives in `oncall_http`.

use chrono::Utc;
use oncall_http::{Connection, Endpoint, Exchange, Service};
use oncall_model::ProviderError;
use reqwest::header::{self, HeaderMap, HeaderValue};
use secrecy::ExposeSecret;

use crate::config::{Credential, PagerDutyConfig};
use crate::errors::{self, ClientError};

/// The decoders' input, built by hand in the fuzz targets and property tests.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use oncall_http::Reply;

/// PagerDuty REST API v2; without it a token's default API version would answer.
const ACCEPT_V2: &str = "application/vnd.pagerduty+json;version=2";

/// Sends requests to one account's API, one at a time.
pub(crate) type Http = oncall_http::Http<PagerDuty>;

/// The PagerDuty REST API v2, as [`oncall_http`] sees it.
pub(crate) enum PagerDuty {}

impl Service for PagerDuty {
    type Config = PagerDutyConfig;
    type Error = ClientError;

    fn endpoint(config: &PagerDutyConfig) -> Endpoint<'_> {
        Endpoint {
            base_url: &config.base_url,
            request_timeout: config.request_timeout,
            max_body_bytes: config.max_body_bytes,
        }
    }

    fn connection(config: &PagerDutyConfig) -> Result<Connection, ClientError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT_V2));
        headers.insert(header::AUTHORIZATION, authorization(&config.credential)?);
        Ok(Connection {
            default_headers: headers,
            ..Connection::default()
        })
    }

    fn decode_error(status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
        errors::decode_error(status, headers, body, Utc::now())
    }

    fn log(exchange: &Exchange<'_>) {
        oncall_http::log_exchange!(exchange, "pagerduty request", "pagerduty request failed");
    }
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
    use std::time::Duration;

    use oncall_http::Query;
    use oncall_model::AccountId;
    use secrecy::SecretString;
    use url::Url;

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

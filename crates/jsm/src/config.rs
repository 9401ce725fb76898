//! What one JSM Operations account needs: which Jira site it belongs to, where the API
//! is, whose e-mail and API token sign the requests and which alerts page.
//!
//! This is the validated form; [`crate::JsmClient::new`] checks what only an HTTP client
//! can check (secure transport, a header-safe credential).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use oncall_model::AccountId;
use secrecy::SecretString;
use url::Url;

/// Atlassian's API gateway, where the Operations REST API lives
/// (`{ATLASSIAN_API}/jsm/ops/api/{cloudId}/v1/…`,
/// <https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/intro/>).
pub const ATLASSIAN_API: &str = "https://api.atlassian.com";

pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// A page of 100 alerts is far below this; more is a proxy gone wrong.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// How long an action waits for JSM to report its 202 request processed.
pub const DEFAULT_CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);

/// The Jira site of an account as a person writes it, made into its base URL:
/// `acme`, `acme.atlassian.net` and `https://acme.atlassian.net/` all become
/// `https://acme.atlassian.net/`. An `http(s)` URL on a loopback address is taken as it is
/// (tests, the fake). Anything else is refused with words for a person.
pub fn site_url(site: &str) -> Result<Url, String> {
    let site = site.trim();
    if site.is_empty() {
        return Err("enter your Jira site, e.g. acme for acme.atlassian.net".to_owned());
    }
    if let Ok(url) = Url::parse(site) {
        if matches!(url.scheme(), "http" | "https") && is_loopback(&url) {
            return Ok(url);
        }
    }
    let host = site
        .strip_prefix("https://")
        .unwrap_or(site)
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let name = host.strip_suffix(".atlassian.net").unwrap_or(&host);
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !valid {
        return Err(format!(
            "{:?} is not a Jira Cloud site: enter its name (acme for acme.atlassian.net)",
            oncall_model::display_text(site)
        ));
    }
    Url::parse(&format!("https://{name}.atlassian.net/"))
        .map_err(|e| format!("the Jira site cannot be made into a URL ({e})"))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Everything the client needs to talk to one JSM Operations account.
#[derive(Clone)]
pub struct JsmConfig {
    /// The account's name in the tray; becomes `IncidentKey::account`.
    pub account: AccountId,
    /// The Jira site (`https://acme.atlassian.net/`, see [`site_url`]): where the cloud
    /// id is looked up (without credentials) and where the alerts' web links point.
    pub site_url: Url,
    /// [`ATLASSIAN_API`], or a loopback fake.
    pub api_url: Url,
    /// The Atlassian account's e-mail: the basic-auth user, and "me" in the query,
    /// the identity and the schedules.
    pub email: String,
    /// The account's API token (id.atlassian.com), the basic-auth password.
    pub api_token: SecretString,
    /// JSM alert search query selecting the alerts that page this user; see
    /// [`JsmConfig::query_for`]. Every alert it returns counts as "mine".
    pub query: String,
    /// Priorities that page with high urgency (default `P1`, `P2`); others are low.
    pub high_priorities: Vec<String>,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    /// How long `act` polls `GET …/v1/alerts/requests/{id}` before giving up with
    /// `Unavailable` (the engine's queue retries; a repeated action is harmless).
    pub confirm_timeout: Duration,
}

impl JsmConfig {
    /// Defaults: the query for open alerts with the e-mail as a responder, P1/P2 high,
    /// 15 s requests, 8 MiB bodies, 30 s confirm.
    pub fn new(
        account: AccountId,
        site_url: Url,
        api_url: Url,
        email: String,
        api_token: SecretString,
    ) -> Self {
        JsmConfig {
            account,
            site_url,
            api_url,
            query: Self::query_for(None, &email),
            email,
            api_token,
            high_priorities: vec!["P1".into(), "P2".into()],
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            confirm_timeout: DEFAULT_CONFIRM_TIMEOUT,
        }
    }

    /// "Open alerts for me": `status:open AND responders:<responder>`, the responder
    /// being a user, team or e-mail, the account's `email` when none is given. A name
    /// with spaces is quoted (quotes inside it dropped).
    pub fn query_for(responder: Option<&str>, email: &str) -> String {
        let responder = responder
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(email.trim());
        if responder.is_empty() {
            return "status:open".to_owned();
        }
        if responder.contains(char::is_whitespace) {
            format!(
                "status:open AND responders:\"{}\"",
                responder.replace('"', "")
            )
        } else {
            format!("status:open AND responders:{responder}")
        }
    }
}

impl fmt::Debug for JsmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand so that the token can never be printed, whatever secrecy does.
        f.debug_struct("JsmConfig")
            .field("account", &self.account)
            .field("site_url", &self.site_url.as_str())
            .field("api_url", &self.api_url.as_str())
            .field("email", &self.email)
            .field("api_token", &"[REDACTED]")
            .field("query", &self.query)
            .field("high_priorities", &self.high_priorities)
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("confirm_timeout", &self.confirm_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_is_named_the_way_people_write_it() {
        for written in [
            "acme",
            " acme.atlassian.net",
            "https://acme.atlassian.net",
            "https://ACME.atlassian.net/",
        ] {
            assert_eq!(
                site_url(written).unwrap().as_str(),
                "https://acme.atlassian.net/",
                "{written}"
            );
        }
        assert_eq!(
            site_url("http://127.0.0.1:4000/").unwrap().as_str(),
            "http://127.0.0.1:4000/"
        );
        for refused in [
            "",
            "http://acme.atlassian.net",
            "acme.example.com",
            "https://evil.com/acme",
            "-acme",
            "a b",
        ] {
            let error = site_url(refused).unwrap_err();
            assert!(!error.is_empty(), "{refused}");
        }
    }

    #[test]
    fn the_default_query_is_my_open_alerts() {
        assert_eq!(
            JsmConfig::query_for(None, "pat@example.com"),
            "status:open AND responders:pat@example.com"
        );
        assert_eq!(
            JsmConfig::query_for(Some(" Payments Team "), "pat@example.com"),
            "status:open AND responders:\"Payments Team\""
        );
        assert_eq!(JsmConfig::query_for(Some(""), " "), "status:open");
    }

    #[test]
    fn debug_never_shows_the_token() {
        let config = JsmConfig::new(
            AccountId::new("jsm"),
            site_url("acme").unwrap(),
            ATLASSIAN_API.parse().unwrap(),
            "pat@example.com".into(),
            SecretString::from("tok-hunter2".to_owned()),
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }
}

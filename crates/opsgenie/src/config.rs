//! What one Opsgenie account needs: where the API is, the key and which alerts it watches.
//!
//! This is the validated form; [`crate::OpsgenieClient::new`] checks what only an HTTP
//! client can check (secure transport, a header-safe key).

use std::fmt;
use std::time::Duration;

use oncall_model::AccountId;
use secrecy::SecretString;
use url::Url;

/// The API host of accounts in Opsgenie's US region.
pub const US_API: &str = "https://api.opsgenie.com";
/// The API host of accounts in Opsgenie's EU region.
pub const EU_API: &str = "https://api.eu.opsgenie.com";

pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// A page of 100 alerts is far below this; more is a proxy gone wrong.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// How long an action waits for Opsgenie to report its 202 request processed.
pub const DEFAULT_CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);
/// The query of an account that configures nothing: every open alert the key can see.
pub const DEFAULT_QUERY: &str = "status:open";

/// Everything the client needs to talk to one Opsgenie account.
#[derive(Clone)]
pub struct OpsgenieConfig {
    /// The account's name in the tray; becomes `IncidentKey::account` and the identity.
    pub account: AccountId,
    /// [`US_API`], [`EU_API`], or a loopback fake.
    pub base_url: Url,
    /// An API integration's key, sent as `Authorization: GenieKey <key>`.
    pub api_key: SecretString,
    /// Opsgenie search query selecting the alerts that page this user; see
    /// [`OpsgenieConfig::query_for`]. Every alert it returns counts as "mine".
    pub query: String,
    /// Priorities that page with high urgency (default `P1`, `P2`); others are low.
    pub high_priorities: Vec<String>,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    /// How long `act` polls `GET /v2/alerts/requests/{id}` before giving up with
    /// `Unavailable` (the engine's queue retries; a repeated action is harmless).
    pub confirm_timeout: Duration,
    /// Sent as `user` with every action, so Opsgenie's log shows who acknowledged (an
    /// API key has no user of its own). `None` leaves it to the integration's name.
    pub user: Option<String>,
    /// The Opsgenie user the tray is for (username, i.e. the e-mail address, or user id):
    /// whose shifts `on_calls` lists, whose schedules `rota` shows and whom `cover` puts
    /// on call. An API key belongs to an integration, not a user, so without this the
    /// three are refused (`Rejected`, status 400, nothing sent) with a message saying to
    /// set it. Needs a key with configuration access.
    pub on_call_user: Option<String>,
}

impl OpsgenieConfig {
    /// Defaults: query `status:open`, P1/P2 high, 15 s requests, 8 MiB bodies, 30 s confirm.
    pub fn new(account: AccountId, base_url: Url, api_key: SecretString) -> Self {
        OpsgenieConfig {
            account,
            base_url,
            api_key,
            query: DEFAULT_QUERY.to_string(),
            high_priorities: vec!["P1".into(), "P2".into()],
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            confirm_timeout: DEFAULT_CONFIRM_TIMEOUT,
            user: None,
            on_call_user: None,
        }
    }

    /// The default query for a user who is paged as `responder` (a user name, e-mail or
    /// team name): `status:open AND responders:<responder>`; `status:open` alone without one.
    pub fn query_for(responder: Option<&str>) -> String {
        match responder.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) if r.contains(char::is_whitespace) => {
                format!("status:open AND responders:\"{}\"", r.replace('"', ""))
            }
            Some(r) => format!("status:open AND responders:{r}"),
            None => DEFAULT_QUERY.to_string(),
        }
    }
}

impl fmt::Debug for OpsgenieConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand so that the key can never be printed, whatever secrecy does.
        f.debug_struct("OpsgenieConfig")
            .field("account", &self.account)
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &"[REDACTED]")
            .field("query", &self.query)
            .field("high_priorities", &self.high_priorities)
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("confirm_timeout", &self.confirm_timeout)
            .field("user", &self.user)
            .field("on_call_user", &self.on_call_user)
            .finish()
    }
}

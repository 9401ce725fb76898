//! What one PagerDuty account needs: where the API is, the credential and which
//! incidents the account watches.
//!
//! This is already the validated form: the store crate parses the user's config file and
//! builds a [`PagerDutyConfig`]; [`crate::PagerDutyClient::new`] checks what only an HTTP
//! client can check (secure transport, header-safe token and email).

use std::fmt;
use std::time::Duration;

use oncall_model::{AccountId, Urgency};
use secrecy::SecretString;
use url::Url;

/// The API host of accounts in PagerDuty's US service region.
pub const US_API: &str = "https://api.pagerduty.com";
/// The API host of accounts in PagerDuty's EU service region.
pub const EU_API: &str = "https://api.eu.pagerduty.com";

/// How long one HTTP exchange (connect, send, read the whole body) may take by default.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest response body read by default. A page of 100 incidents is well under
/// 1 MiB; anything near this cap is a proxy gone wrong, not PagerDuty.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Everything the client needs to talk to one PagerDuty account.
#[derive(Debug, Clone)]
pub struct PagerDutyConfig {
    /// The account's name in the tray; becomes `IncidentKey::account`.
    pub account: AccountId,
    /// [`US_API`], [`EU_API`], or a loopback fake in tests and demo mode.
    pub base_url: Url,
    pub credential: Credential,
    /// Which open incidents a poll returns.
    pub filter: IncidentFilter,
    /// The `From` address of writes (acknowledge, resolve, snooze). `None` uses the
    /// email of the token's user from `GET /users/me`.
    pub from_email: Option<String>,
    /// Budget for one HTTP exchange, including reading the body. Default 15 s.
    pub request_timeout: Duration,
    /// Responses larger than this are refused as malformed. Default 8 MiB.
    pub max_body_bytes: usize,
}

impl PagerDutyConfig {
    /// A config with the default filter (incidents assigned to the token's user), the
    /// token user's email as `From`, and the default timeout and body cap.
    pub fn new(account: AccountId, base_url: Url, credential: Credential) -> Self {
        PagerDutyConfig {
            account,
            base_url,
            credential,
            filter: IncidentFilter::default(),
            from_email: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// A PagerDuty credential. Both kinds must act for a *user*: `GET /users/me` and the
/// `From` header of writes need one, so account-level API keys are not enough.
///
/// `Debug` prints only the kind; the secret itself is redacted by `secrecy`.
#[derive(Clone)]
pub enum Credential {
    /// A user API key, sent as `Authorization: Token token=<key>`.
    ApiToken(SecretString),
    /// An OAuth access token, sent as `Authorization: Bearer <token>`.
    OAuth(SecretString),
}

impl Credential {
    /// The name used in messages, never the value.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Credential::ApiToken(_) => "API token",
            Credential::OAuth(_) => "OAuth token",
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand so that no future change of `secrecy`'s Debug can leak it.
        match self {
            Credential::ApiToken(_) => f.write_str("ApiToken([REDACTED])"),
            Credential::OAuth(_) => f.write_str("OAuth([REDACTED])"),
        }
    }
}

/// Which open incidents of the account a poll selects. The lists combine with AND
/// between them and OR inside each one, as in PagerDuty's own filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFilter {
    /// Only incidents currently assigned to the token's user (`user_ids[]=<me>`).
    /// Default `true`: an on-call engineer is paged for their own incidents.
    pub assigned_to_me: bool,
    /// `team_ids[]`; empty means any team. Needs the account's `teams` ability.
    pub team_ids: Vec<String>,
    /// `service_ids[]`; empty means any service.
    pub service_ids: Vec<String>,
    /// `urgencies[]`; empty means both.
    pub urgencies: Vec<Urgency>,
}

impl Default for IncidentFilter {
    fn default() -> Self {
        IncidentFilter {
            assigned_to_me: true,
            team_ids: Vec::new(),
            service_ids: Vec::new(),
            urgencies: Vec::new(),
        }
    }
}

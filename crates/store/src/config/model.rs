//! The validated configuration: what the rest of the app reads. Every value here has
//! been checked, and every default has been filled in, so no consumer re-validates.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use oncall_model::{AccountId, ProviderKind, Urgency};
use oncall_policy::Settings;
use url::Url;

/// The poll interval of an account that does not set `poll_interval_seconds`.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15);
/// The shortest poll interval accepted: faster polling only burns the rate limit.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// The longest poll interval accepted: slower than this is not on-call any more.
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(3600);

/// The whole of `config.toml`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The `[notifications]` table: when and how the tray rings.
    pub notifications: Settings,
    /// The `[[accounts]]` tables, in file order. Names are unique.
    pub accounts: Vec<AccountConfig>,
}

impl Config {
    /// The account called `name`, if any.
    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.name.as_str() == name)
    }
}

/// One `[[accounts]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// Unique, `[A-Za-z0-9._-]{1,64}`; also the key of the account's token in the
    /// keychain (`oncall-tray token set NAME`).
    pub name: AccountId,
    /// Time between two polls when all is well (backoff may stretch it).
    pub poll_interval: Duration,
    /// A shell command whose standard output is the token (`pass show pagerduty`). When
    /// `None`, the token comes from the keychain. Never the token itself.
    pub token_command: Option<String>,
    /// `false`: incidents are listed in the tray and window but never raise a
    /// notification.
    pub notify: bool,
    /// Which service the account talks to, and the settings only that service has.
    pub provider: ProviderConfig,
}

impl AccountConfig {
    /// A PagerDuty account at `api_url` with what an `[[accounts]]` table that names
    /// only these would get: the default poll interval, auth and filter. Demo mode and
    /// tests build their accounts from it.
    pub fn pagerduty(name: &str, api_url: Url) -> AccountConfig {
        AccountConfig {
            name: AccountId::new(name),
            poll_interval: DEFAULT_POLL_INTERVAL,
            token_command: None,
            notify: true,
            provider: ProviderConfig::PagerDuty(PagerDutyAccount {
                api_url,
                region: None,
                auth: AuthScheme::Token,
                email: None,
                filter: PagerDutyFilter::default(),
            }),
        }
    }
}

/// The provider-specific part of an account. One variant per supported service;
/// Alertmanager and Opsgenie will get their own when their clients exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderConfig {
    PagerDuty(PagerDutyAccount),
}

impl ProviderConfig {
    pub fn kind(&self) -> ProviderKind {
        match self {
            ProviderConfig::PagerDuty(_) => ProviderKind::PagerDuty,
        }
    }
}

/// A PagerDuty account (REST API v2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagerDutyAccount {
    /// The API base URL to use: `api_url` when set, else the region's host. Always
    /// https, except loopback addresses (the fake service of tests and demo mode).
    pub api_url: Url,
    /// The `region` key as written, `None` when absent. Informational only: `api_url`
    /// is what to connect to.
    pub region: Option<Region>,
    /// How the token is sent.
    pub auth: AuthScheme,
    /// The `From` address for writes (acknowledge, resolve, snooze). `None`: use the
    /// email of `GET /users/me`.
    pub email: Option<String>,
    /// Which incidents the account lists.
    pub filter: PagerDutyFilter,
}

/// The `GET /incidents` filter of an account. Conditions combine with AND; within one
/// list any value matches. Validation guarantees it never selects the whole account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagerDutyFilter {
    /// Only incidents currently assigned to the token's user (`user_ids[]=<me>`).
    pub assigned_to_me: bool,
    /// `team_ids[]`; needs the account's "teams" ability, else PagerDuty answers 402.
    pub team_ids: Vec<String>,
    /// `service_ids[]`.
    pub service_ids: Vec<String>,
    /// `urgencies[]`; empty means both. Needs the "urgencies" ability.
    pub urgencies: Vec<Urgency>,
}

impl Default for PagerDutyFilter {
    /// Incidents assigned to me, any team, any service, any urgency.
    fn default() -> Self {
        PagerDutyFilter {
            assigned_to_me: true,
            team_ids: Vec::new(),
            service_ids: Vec::new(),
            urgencies: Vec::new(),
        }
    }
}

/// Where a PagerDuty account's data lives; a token only works in its own region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    Us,
    Eu,
}

impl Region {
    /// The REST API host of the region.
    pub fn api_url(self) -> Url {
        let url = match self {
            Region::Us => "https://api.pagerduty.com",
            Region::Eu => "https://api.eu.pagerduty.com",
        };
        Url::parse(url).expect("the region URLs are valid constants")
    }

    /// The value as written in `config.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `region` value that is neither `us` nor `eu`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a PagerDuty region: allowed values are \"us\" and \"eu\"")]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            other => Err(UnknownRegion(other.to_string())),
        }
    }
}

/// How the token goes into the `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AuthScheme {
    /// A user API token: `Authorization: Token token=<token>`.
    #[default]
    Token,
    /// An OAuth access token: `Authorization: Bearer <token>`. These expire.
    OAuth,
}

impl AuthScheme {
    /// The value as written in `config.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthScheme::Token => "token",
            AuthScheme::OAuth => "oauth",
        }
    }
}

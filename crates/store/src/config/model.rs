//! The validated configuration: what the rest of the app reads. Every value here has
//! been checked, and every default has been filled in, so no consumer re-validates.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use oncall_model::{AccountId, ProviderKind, Urgency};
use oncall_policy::Settings;
use oncall_report::ReportSettings;
use url::Url;

use super::noise::NoiseRules;

/// The poll interval of an account that does not set `poll_interval_seconds`.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15);
/// A shift reminder comes this long before the shift, unless configured otherwise.
pub const DEFAULT_SHIFT_REMINDER: Duration = Duration::from_secs(15 * 60);
/// The longest shift reminder accepted (`shift_reminder_minutes`): a day ahead.
pub const MAX_SHIFT_REMINDER: Duration = Duration::from_secs(1440 * 60);
/// The shortest poll interval accepted: faster polling only burns the rate limit.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// The longest poll interval accepted: slower than this is not on-call any more.
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(3600);

/// How long an Alertmanager acknowledgement (a silence) lasts when `ack_hours` is not set.
pub const DEFAULT_ACK_DURATION: Duration = Duration::from_secs(2 * 3600);
/// The shortest `ack_hours` accepted.
pub const MIN_ACK_DURATION: Duration = Duration::from_secs(3600);
/// The longest `ack_hours` accepted: a silence of more than a week is not an
/// acknowledgement any more.
pub const MAX_ACK_DURATION: Duration = Duration::from_secs(168 * 3600);
/// How long an Alertmanager acknowledgement is kept alive while its alert fires, when
/// `ack_max_hours` is not set: one on-call day (or `ack_hours`, if that is longer).
pub const DEFAULT_ACK_MAX_DURATION: Duration = Duration::from_secs(24 * 3600);
/// The longest `ack_max_hours` accepted, for the same reason as [`MAX_ACK_DURATION`].
pub const MAX_ACK_MAX_DURATION: Duration = MAX_ACK_DURATION;
/// The `severity` label values that make an Alertmanager alert high urgency when
/// `severity_high` is not set.
pub const DEFAULT_SEVERITY_HIGH: [&str; 2] = ["critical", "page"];
/// The Opsgenie search query of an account that does not set `query`.
pub const DEFAULT_OPSGENIE_QUERY: &str = "status:open";
/// The Opsgenie (and JSM) priorities that are high urgency when `high_priorities` is
/// not set.
pub const DEFAULT_HIGH_PRIORITIES: [&str; 2] = ["P1", "P2"];
/// Where every Jira Service Management Operations site's API is.
pub const ATLASSIAN_API: &str = "https://api.atlassian.com";

/// The whole of `config.toml`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The `[notifications]` table: when and how the tray rings.
    pub notifications: Settings,
    /// The `[[accounts]]` tables, in file order. Names are unique.
    pub accounts: Vec<AccountConfig>,
    /// The sound keys of `[notifications]`: what a page sounds like. Not part of the
    /// policy's settings: the policy decides *whether* to ring, the shell plays it.
    pub alarm: AlarmSettings,
    /// The `[report]` table: the user's working and sleep hours, which the on-call
    /// report counts pages against.
    pub report: ReportSettings,
}

impl Config {
    /// The account called `name`, if any.
    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.name.as_str() == name)
    }
}

/// What an account name may be, as the user is told: [`valid_account_name`] checks it.
pub const ACCOUNT_NAME_RULE: &str = "1 to 64 letters, digits, '.', '_' or '-'";

/// The one rule for an account's name (`[A-Za-z0-9._-]{1,64}`): it keys the account's
/// token in the keychain and is typed on the command line, so it stays plain ASCII.
pub fn valid_account_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// One `[[accounts]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// Unique, `[A-Za-z0-9._-]{1,64}`; with the origin the token is sent to, the key of
    /// the account's token in the keychain (`oncall-tray token set NAME`).
    pub name: AccountId,
    /// Time between two polls when all is well (backoff may stretch it).
    pub poll_interval: Duration,
    /// A shell command whose standard output is the token (`pass show pagerduty`). When
    /// `None`, the token comes from the keychain. Never the token itself.
    pub token_command: Option<String>,
    /// `false`: incidents are listed in the tray and window but never raise a
    /// notification.
    pub notify: bool,
    /// How long before one of the user's on-call shifts starts to remind them; `None`:
    /// no reminder (the start and end still get a word). Alertmanager has no shifts.
    pub shift_reminder: Option<Duration>,
    /// `[accounts.noise]`: which incidents page, and per-service urgency (none by
    /// default: every incident may page, at the service's urgency).
    pub noise: NoiseRules,
    /// Which service the account talks to, and the settings only that service has.
    pub provider: ProviderConfig,
}

impl AccountConfig {
    /// An account called `name` of `provider` with what every provider's keys default
    /// to: the default poll interval and shift reminder, notifying, no noise rules, the
    /// token from the keychain.
    fn with_defaults(name: &str, provider: ProviderConfig) -> AccountConfig {
        AccountConfig {
            name: AccountId::new(name),
            poll_interval: DEFAULT_POLL_INTERVAL,
            token_command: None,
            notify: true,
            shift_reminder: Some(DEFAULT_SHIFT_REMINDER),
            noise: NoiseRules::default(),
            provider,
        }
    }

    /// A PagerDuty account at `api_url` with what an `[[accounts]]` table that names
    /// only these would get: the default poll interval, auth and filter. Demo mode and
    /// tests build their accounts from it.
    pub fn pagerduty(name: &str, api_url: Url) -> AccountConfig {
        AccountConfig::with_defaults(
            name,
            ProviderConfig::PagerDuty(PagerDutyAccount {
                api_url,
                region: None,
                auth: AuthScheme::Token,
                email: None,
                filter: PagerDutyFilter::default(),
            }),
        )
    }

    /// An Alertmanager account at `api_url` (made to end with `/`, as validation does)
    /// with every other key at its default: no auth, no filter, 2-hour silences.
    pub fn alertmanager(name: &str, api_url: Url) -> AccountConfig {
        AccountConfig::with_defaults(
            name,
            ProviderConfig::Alertmanager(AlertmanagerAccount {
                api_url: with_trailing_slash(api_url),
                auth: AlertmanagerAuth::None,
                filter: Vec::new(),
                receiver: None,
                severity_high: DEFAULT_SEVERITY_HIGH.map(String::from).to_vec(),
                ack_duration: DEFAULT_ACK_DURATION,
                ack_max_duration: DEFAULT_ACK_MAX_DURATION,
                ack_matchers: None,
                created_by: None,
                ca_file: None,
                client_cert: None,
            }),
        )
    }

    /// An Opsgenie account at `api_url` with every other key at its default: query
    /// `status:open`, no responder, no on-call user, P1 and P2 high urgency.
    pub fn opsgenie(name: &str, api_url: Url) -> AccountConfig {
        AccountConfig::with_defaults(
            name,
            ProviderConfig::Opsgenie(OpsgenieAccount {
                api_url,
                region: None,
                query: DEFAULT_OPSGENIE_QUERY.to_string(),
                responder: None,
                on_call_user: None,
                high_priorities: DEFAULT_HIGH_PRIORITIES.map(String::from).to_vec(),
            }),
        )
    }
}

impl AccountConfig {
    /// A JSM Operations account for the Atlassian account `email` on the site at
    /// `site_url`, its API at `api_url` (a loopback fake serves both in tests), every
    /// other key at its default: open alerts with `email` as a responder, P1 and P2 high.
    pub fn jsm(name: &str, site_url: Url, api_url: Url, email: &str) -> AccountConfig {
        AccountConfig::with_defaults(
            name,
            ProviderConfig::Jsm(JsmAccount {
                api_url,
                site: site_url.host_str().unwrap_or_default().to_owned(),
                site_url: with_trailing_slash(site_url),
                email: email.to_owned(),
                query: None,
                responder: None,
                high_priorities: DEFAULT_HIGH_PRIORITIES.map(String::from).to_vec(),
            }),
        )
    }

    /// A Grafana OnCall account whose OnCall API is at `api_url`, every other key at its
    /// default: every team, no label filter.
    pub fn grafana_oncall(name: &str, api_url: Url) -> AccountConfig {
        AccountConfig::with_defaults(
            name,
            ProviderConfig::GrafanaOnCall(GrafanaOnCallAccount {
                api_url,
                team_id: None,
                labels: Vec::new(),
            }),
        )
    }
}

/// `url` with a path ending in `/`, so that `url.join("api/v2/alerts")` keeps a route
/// prefix (`https://host/am` would otherwise lose `am`).
pub(crate) fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

/// The provider-specific part of an account: one variant per supported service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderConfig {
    PagerDuty(PagerDutyAccount),
    Alertmanager(AlertmanagerAccount),
    Opsgenie(OpsgenieAccount),
    Jsm(JsmAccount),
    GrafanaOnCall(GrafanaOnCallAccount),
}

impl ProviderConfig {
    pub fn kind(&self) -> ProviderKind {
        match self {
            ProviderConfig::PagerDuty(_) => ProviderKind::PagerDuty,
            ProviderConfig::Alertmanager(_) => ProviderKind::Alertmanager,
            ProviderConfig::Opsgenie(_) => ProviderKind::Opsgenie,
            ProviderConfig::Jsm(_) => ProviderKind::Jsm,
            ProviderConfig::GrafanaOnCall(_) => ProviderKind::GrafanaOnCall,
        }
    }

    /// The URL the account's client connects to.
    pub fn api_url(&self) -> &Url {
        match self {
            ProviderConfig::PagerDuty(pd) => &pd.api_url,
            ProviderConfig::Alertmanager(am) => &am.api_url,
            ProviderConfig::Opsgenie(og) => &og.api_url,
            ProviderConfig::Jsm(jsm) => &jsm.api_url,
            ProviderConfig::GrafanaOnCall(grafana) => &grafana.api_url,
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

/// A Prometheus Alertmanager account (API v2, Alertmanager 0.25 or later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertmanagerAccount {
    /// The server's base URL including its route prefix, always ending with `/`:
    /// `https://am.example.com/prefix/`, to which `api/v2/alerts` is joined. https,
    /// except loopback addresses. Never ends in `/api/v2/` (validation refuses that).
    pub api_url: Url,
    /// How requests are authenticated. The secret itself (password, bearer token,
    /// header value) is the account's token: keychain or `token_command`.
    pub auth: AlertmanagerAuth,
    /// Label matchers for `GET /api/v2/alerts?filter=…`, as written (outer whitespace
    /// trimmed), each checked to be `name(=|!=|=~|!~)"value"` with a valid regex after
    /// `=~` and `!~`. Empty: every alert.
    pub filter: Vec<String>,
    /// A regular expression for the `receiver` query parameter (checked to compile).
    /// `None`: every receiver.
    pub receiver: Option<String>,
    /// `severity` label values that make an alert high urgency; any other value, or no
    /// `severity` label, is low urgency. Non-empty strings, no duplicates; may be empty
    /// (everything low).
    pub severity_high: Vec<String>,
    /// How long the silence created by an acknowledgement lasts (`ack_hours`, 1 to 168),
    /// and how far each extension reaches while the alert fires.
    pub ack_duration: Duration,
    /// How long after the acknowledgement its silence may be extended while the alert
    /// fires (`ack_max_hours`, `ack_hours` to 168). Not set: 24 hours, or `ack_duration`
    /// if that is longer (an `ack_hours` beyond a day is then never extended).
    pub ack_max_duration: Duration,
    /// The label names an acknowledgement silence matches on (`ack_matchers`): each a
    /// valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`), trimmed, once each, never empty.
    /// `None`: every label of the alert.
    pub ack_matchers: Option<Vec<String>>,
    /// The silence's `createdBy`. `None`: the engine uses the OS user name.
    pub created_by: Option<String>,
    /// A PEM file of CA certificates to trust besides the system's; absolute (a
    /// relative `ca_file` is resolved against the config file's directory), and it
    /// existed and held a `CERTIFICATE` block when the config was loaded.
    pub ca_file: Option<PathBuf>,
    /// One PEM file with the client certificate and its private key, for servers that
    /// require mutual TLS; resolved and checked like `ca_file`.
    pub client_cert: Option<PathBuf>,
}

/// How an Alertmanager account authenticates; the secret is the account's token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum AlertmanagerAuth {
    /// No authentication (`auth = "none"`, the default).
    #[default]
    None,
    /// HTTP basic auth as `user`; the token is the password.
    Basic { user: String },
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `<name>: <token>`, for a reverse proxy in front of Alertmanager. `name` is a
    /// valid HTTP header name.
    Header { name: String },
}

impl AlertmanagerAuth {
    /// The `auth` value as written in `config.toml`.
    pub fn as_str(&self) -> &'static str {
        match self {
            AlertmanagerAuth::None => "none",
            AlertmanagerAuth::Basic { .. } => "basic",
            AlertmanagerAuth::Bearer => "bearer",
            AlertmanagerAuth::Header { .. } => "header",
        }
    }

    /// Whether requests carry the account's token at all.
    pub fn needs_token(&self) -> bool {
        !matches!(self, AlertmanagerAuth::None)
    }
}

/// An Opsgenie account (Alert API v2). The token is the API key (`GenieKey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpsgenieAccount {
    /// The API base URL to use: `api_url` when set, else the region's host. Always
    /// https, except loopback addresses.
    pub api_url: Url,
    /// The `region` key as written, `None` when absent. Informational only.
    pub region: Option<OpsgenieRegion>,
    /// The search query as written (trimmed; default `status:open`). The list request
    /// should use [`OpsgenieAccount::list_query`], which adds `responder`.
    pub query: String,
    /// Only alerts with this responder (a user, team or schedule name). Never contains
    /// a double quote.
    pub responder: Option<String>,
    /// The Opsgenie user the tray is for (their login email, or user id), trimmed:
    /// whose shifts are reminded and shown, and whom covering a shift puts on call. An
    /// API key belongs to an integration, not a user, so without it there are no shifts.
    /// Never empty, never contains a double quote or a control character.
    pub on_call_user: Option<String>,
    /// Priorities (`P1` … `P5`) that are high urgency; the others are low. No
    /// duplicates; may be empty (everything low).
    pub high_priorities: Vec<String>,
}

impl OpsgenieAccount {
    /// The `query` parameter for `GET /v2/alerts`: `query`, and when a responder is set,
    /// ` AND responders:"<name>"` after it.
    pub fn list_query(&self) -> String {
        match &self.responder {
            None => self.query.clone(),
            Some(name) => format!("{} AND responders:\"{name}\"", self.query),
        }
    }
}

/// A Jira Service Management Operations account: Opsgenie's alert API at its new home.
/// The token is an Atlassian API token, sent with `email` as HTTP basic auth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsmAccount {
    /// [`ATLASSIAN_API`] unless `api_url` says otherwise (a loopback fake in tests).
    pub api_url: Url,
    /// The `site` key as written, trimmed (`acme`, `acme.atlassian.net` or a URL).
    pub site: String,
    /// The site's address, ending in `/`: `https://acme.atlassian.net/` for `acme`. The
    /// client asks it for the site's cloud id, which names the site in every API path.
    /// https, or http on a loopback address.
    pub site_url: Url,
    /// The Atlassian account's e-mail address: the basic-auth user, and who "me" is.
    pub email: String,
    /// The search query as written (trimmed); `None`: `status:open`.
    pub query: Option<String>,
    /// Only alerts with this responder (a user, team or schedule name). Never contains a
    /// double quote. `None` with no `query` either: the account's own `email`.
    pub responder: Option<String>,
    /// Priorities (`P1` … `P5`) that are high urgency; the others are low.
    pub high_priorities: Vec<String>,
}

impl JsmAccount {
    /// The alert search the account polls with. By default "open alerts for me":
    /// `status:open AND responders:"<email>"`. A `responder` replaces the e-mail; a
    /// `query` without a `responder` is used as written (so an Opsgenie account that
    /// listed every alert its query found still does after `account migrate`).
    pub fn list_query(&self) -> String {
        let query = self.query.as_deref().unwrap_or(DEFAULT_OPSGENIE_QUERY);
        match (&self.query, &self.responder) {
            (_, Some(name)) => format!("{query} AND responders:\"{name}\""),
            (Some(_), None) => query.to_owned(),
            (None, None) => format!("{query} AND responders:\"{}\"", self.email),
        }
    }
}

/// A Grafana OnCall account (open source, or Grafana Cloud IRM: one HTTP API). The
/// token is the user's OnCall API key, sent as `Authorization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrafanaOnCallAccount {
    /// The OnCall API URL from OnCall → Settings (required: every stack has its own).
    pub api_url: Url,
    /// Only this team's alert groups (a team id), when set.
    pub team_id: Option<String>,
    /// Only alert groups with every one of these labels, each `key:value`.
    pub labels: Vec<String>,
}

/// Where an Opsgenie account lives; an API key only works in its own region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpsgenieRegion {
    Us,
    Eu,
}

impl OpsgenieRegion {
    /// The API host of the region.
    pub fn api_url(self) -> Url {
        let url = match self {
            OpsgenieRegion::Us => "https://api.opsgenie.com",
            OpsgenieRegion::Eu => "https://api.eu.opsgenie.com",
        };
        Url::parse(url).expect("the region URLs are valid constants")
    }

    /// The value as written in `config.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            OpsgenieRegion::Us => "us",
            OpsgenieRegion::Eu => "eu",
        }
    }
}

impl fmt::Display for OpsgenieRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The same two values are written for both providers (`region = "eu"`).
impl From<Region> for OpsgenieRegion {
    fn from(region: Region) -> Self {
        match region {
            Region::Us => OpsgenieRegion::Us,
            Region::Eu => OpsgenieRegion::Eu,
        }
    }
}

/// The longest `alarm_repeat_seconds` accepted: an alarm that repeats less often than
/// hourly is not an alarm any more (the policy's own repeats take over).
pub const MAX_ALARM_REPEAT: Duration = Duration::from_secs(3600);

/// What a page sounds like: the sound keys of the `[notifications]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmSettings {
    /// `sound_high`: a high-urgency page (and a summary of one).
    pub sound_high: Sound,
    /// `sound_low`: a low-urgency page.
    pub sound_low: Sound,
    /// `alarm_repeat_seconds`: a high-urgency sound plays again this long after it
    /// ended, until the incident is acknowledged, resolved or withdrawn. `None` (0):
    /// once per page.
    pub repeat: Option<Duration>,
    /// `alarm_volume`, 0 to 100 percent of the device's volume.
    pub volume: u8,
}

impl Default for AlarmSettings {
    fn default() -> Self {
        AlarmSettings {
            sound_high: Sound::Theme(DEFAULT_SOUND_HIGH.to_string()),
            // Low urgency is by definition what can wait until someone looks: its
            // notification is enough, and a sound for each would train the user to
            // ignore the one that matters.
            sound_low: Sound::None,
            repeat: None,
            volume: 100,
        }
    }
}

impl AlarmSettings {
    pub fn sound(&self, urgency: Urgency) -> &Sound {
        match urgency {
            Urgency::High => &self.sound_high,
            Urgency::Low => &self.sound_low,
        }
    }
}

/// `sound_high`'s default, from the freedesktop sound theme.
pub const DEFAULT_SOUND_HIGH: &str = "alarm-clock-elapsed";

/// A `sound_high` / `sound_low` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sound {
    /// `"none"`: silent.
    None,
    /// A name in the freedesktop sound theme (`alarm-clock-elapsed`, `bell`), looked up
    /// when it plays: which theme is installed is the desktop's business.
    Theme(String),
    /// A sound file (Ogg Vorbis or WAV), absolute; it existed when the file was read.
    File(PathBuf),
}

impl fmt::Display for Sound {
    /// As written in `config.toml`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sound::None => f.write_str("none"),
            Sound::Theme(name) => f.write_str(name),
            Sound::File(path) => write!(f, "{}", path.display()),
        }
    }
}

//! What one Alertmanager account needs: where the API is, how to authenticate, which
//! alerts the account watches and how an acknowledgement (a silence) is written.
//!
//! This is the validated form: the store crate parses the user's config file and builds
//! an [`AlertmanagerConfig`]; [`crate::AlertmanagerClient::new`] checks what only an HTTP
//! client can check (secure transport, header-safe secrets, readable certificates).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use oncall_model::AccountId;
use secrecy::SecretString;
use url::Url;

/// How long one HTTP exchange (connect, send, read the whole body) may take by default.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest response body read by default. Alertmanager returns every matching alert
/// in one response (no paging), so the cap is generous.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// How long an acknowledgement silence lasts by default.
pub const DEFAULT_ACK_DURATION: Duration = Duration::from_secs(2 * 60 * 60);
/// How long an acknowledgement is kept alive by default while its alert fires: one
/// on-call day.
pub const DEFAULT_ACK_MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);
/// The account's time between polls when not told otherwise (the app's default).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15);
/// `severity` label values that page (high urgency) by default.
pub const DEFAULT_SEVERITY_HIGH: [&str; 2] = ["critical", "page"];

/// Everything the client needs to talk to one Alertmanager.
#[derive(Debug, Clone)]
pub struct AlertmanagerConfig {
    /// The account's name in the tray; becomes `IncidentKey::account`.
    pub account: AccountId,
    /// The API root including any `--web.route-prefix`, e.g. `https://am.example.com/am/`.
    /// `api/v2/…` is appended to it.
    pub base_url: Url,
    pub auth: Auth,
    /// Label matchers such as `team="db"`, each sent as one `filter=` parameter (AND).
    pub filter: Vec<String>,
    /// A regex on receiver names (`receiver=`); `None` means every receiver.
    pub receiver: Option<String>,
    /// `severity` label values that make an alert high urgency; others are low.
    /// Compared case-insensitively.
    pub severity_high: Vec<String>,
    /// How long the silence written by Acknowledge lasts, and how far each extension
    /// reaches: while an alert it matches fires, a poll extends a silence of ours that
    /// is about to end (see the crate docs).
    pub ack_duration: Duration,
    /// The longest an acknowledgement is kept alive, from the moment the user
    /// acknowledged. When its silence runs out after that while the alert still fires,
    /// the alert triggers (and pages) again. At least `ack_duration`.
    pub ack_max_duration: Duration,
    /// The label names an acknowledgement silence matches on, e.g. `alertname`,
    /// `instance`, `job`: an alert differing only in other (volatile) labels stays
    /// silenced. A name the alert lacks is matched as absent (`name=""`). `None`: every
    /// label of the alert. Each a valid label name; never empty when `Some`.
    pub ack_matchers: Option<Vec<String>>,
    /// How often the account is polled. Extensions happen on polls, so a silence is
    /// extended while at least two polls remain before it ends.
    pub poll_interval: Duration,
    /// `createdBy` of our silences: the user's name as their colleagues see it in the
    /// Alertmanager UI. Together with the comment it tells our silences from others'.
    pub created_by: String,
    /// Budget for one HTTP exchange, including reading the body. Default 15 s.
    pub request_timeout: Duration,
    /// Responses larger than this are refused as malformed. Default 32 MiB.
    pub max_body_bytes: usize,
    /// A PEM file of extra CA certificates to trust (a private CA), besides the system's.
    pub ca_file: Option<PathBuf>,
    /// A PEM file holding a client certificate and its private key, for Alertmanagers
    /// that require client certificates (`tls_server_config.client_auth_type`).
    pub client_identity_pem: Option<PathBuf>,
}

impl AlertmanagerConfig {
    /// A config with no auth, no filter, the default severity mapping, a 2 h ack kept
    /// alive for up to 24 h on every label, a 15 s poll, and the default timeout and
    /// body cap.
    pub fn new(account: AccountId, base_url: Url, created_by: impl Into<String>) -> Self {
        AlertmanagerConfig {
            account,
            base_url,
            auth: Auth::None,
            filter: Vec::new(),
            receiver: None,
            severity_high: DEFAULT_SEVERITY_HIGH
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ack_duration: DEFAULT_ACK_DURATION,
            ack_max_duration: DEFAULT_ACK_MAX_DURATION,
            ack_matchers: None,
            poll_interval: DEFAULT_POLL_INTERVAL,
            created_by: created_by.into(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            ca_file: None,
            client_identity_pem: None,
        }
    }
}

/// How requests authenticate. Alertmanager itself only knows basic auth; the others are
/// for a reverse proxy in front of it.
///
/// `Debug` names the kind (and the user or header name), never a secret.
#[derive(Clone)]
pub enum Auth {
    None,
    /// `Authorization: Basic …` (Alertmanager's `--web.config.file` `basic_auth_users`).
    Basic {
        user: String,
        password: SecretString,
    },
    /// `Authorization: Bearer <token>` (an OAuth proxy).
    Bearer(SecretString),
    /// Any other header a proxy wants, e.g. `X-Api-Key`.
    Header {
        name: String,
        value: SecretString,
    },
}

impl Auth {
    /// The name used in messages, never the value.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Auth::None => "no authentication",
            Auth::Basic { .. } => "basic-auth password",
            Auth::Bearer(_) => "bearer token",
            Auth::Header { .. } => "custom header value",
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand so that no future change of `secrecy`'s Debug can leak it.
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => {
                write!(f, "Basic {{ user: {user:?}, password: [REDACTED] }}")
            }
            Auth::Bearer(_) => f.write_str("Bearer([REDACTED])"),
            Auth::Header { name, .. } => {
                write!(f, "Header {{ name: {name:?}, value: [REDACTED] }}")
            }
        }
    }
}

//! What one Grafana OnCall account needs: where its API is, the user's API key and which
//! alert groups page the user.
//!
//! This is the validated form; [`crate::GrafanaOnCallClient::new`] checks what only an
//! HTTP client can check (secure transport, a header-safe key).

use std::fmt;
use std::time::Duration;

use oncall_model::AccountId;
use secrecy::SecretString;
use url::Url;

pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// A page of 50 alert groups is far below this; more is a proxy gone wrong.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Everything the client needs to talk to one Grafana OnCall (or Grafana Cloud IRM)
/// account.
#[derive(Clone)]
pub struct GrafanaOnCallConfig {
    /// The account's name in the tray; becomes `IncidentKey::account`.
    pub account: AccountId,
    /// The OnCall API URL from OnCall → Settings (e.g.
    /// `https://oncall-prod-us-central-0.grafana.net/oncall`), or a loopback fake. Paths
    /// (`/api/v1/…`) are appended to it.
    pub api_url: Url,
    /// The user's OnCall API key, sent as the whole `Authorization` value (no scheme
    /// word, as the API reference shows).
    pub api_key: SecretString,
    /// Only this team's alert groups (the list's `team_id` filter); `None`: every team's.
    pub team_id: Option<String>,
    /// Label filters, each `key:value`, each sent as one `label=` parameter (the API
    /// matches alert groups carrying all of them).
    pub labels: Vec<String>,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
}

impl GrafanaOnCallConfig {
    /// Defaults: every team, no labels, 15 s requests, 8 MiB bodies.
    pub fn new(account: AccountId, api_url: Url, api_key: SecretString) -> Self {
        GrafanaOnCallConfig {
            account,
            api_url,
            api_key,
            team_id: None,
            labels: Vec::new(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl fmt::Debug for GrafanaOnCallConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand so that the key can never be printed, whatever secrecy does.
        f.debug_struct("GrafanaOnCallConfig")
            .field("account", &self.account)
            .field("api_url", &self.api_url.as_str())
            .field("api_key", &"[REDACTED]")
            .field("team_id", &self.team_id)
            .field("labels", &self.labels)
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let config = GrafanaOnCallConfig::new(
            AccountId::new("irm"),
            Url::parse("https://oncall.example/oncall").unwrap(),
            SecretString::from("s3cret-key".to_owned()),
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("[REDACTED]"), "{shown}");
    }
}

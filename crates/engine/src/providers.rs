//! Builds the client for an account's provider. The only place that knows which
//! provider crates exist.

use std::sync::Arc;

use oncall_model::{ActionKind, Capabilities, Provider, WallClock};
use oncall_store::{
    AccountConfig, AlertmanagerAccount, AlertmanagerAuth, AuthScheme, GrafanaOnCallAccount,
    JsmAccount, OpsgenieAccount, PagerDutyAccount, ProviderConfig,
};
use secrecy::SecretString;

use crate::clock::{Clock, SystemClock};

/// Where an account's token is sent: the scheme, host and port of the API base URL its
/// client sends every request to (`http://127.0.0.1:8080`, `https://api.pagerduty.com:443`).
///
/// The keychain keys a token by account *and* origin, so a token entered for one server
/// is never sent to another: an account whose URL or region now points elsewhere (a typo,
/// a hand edit, a compromised page saving a form) simply has no token there until the
/// user enters one. The port is always written out, so `https://host` and
/// `https://host:443` are one origin; the path is left out, as it does not change who
/// receives the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenOrigin(String);

impl TokenOrigin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The origin `account`'s token goes to, whichever way the config names the server
/// (`api_url`, a region, or the provider's default: validation has already turned each
/// into the URL the client uses, [`oncall_store::ProviderConfig::api_url`]).
pub fn token_origin(account: &AccountConfig) -> TokenOrigin {
    let url = account.provider.api_url();
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => TokenOrigin(format!("{}://{host}:{port}", url.scheme())),
        // Validation accepts only http(s) URLs with a host, so this is unreachable from a
        // loaded config; the whole URL still names one server and no other.
        _ => TokenOrigin(url.as_str().to_owned()),
    }
}

/// Whether the account needs a secret from the keychain (or its `token_command`) at
/// all: an Alertmanager without authentication does not.
pub fn needs_token(account: &AccountConfig) -> bool {
    match &account.provider {
        ProviderConfig::Alertmanager(am) => am.auth.needs_token(),
        ProviderConfig::PagerDuty(_)
        | ProviderConfig::Opsgenie(_)
        | ProviderConfig::Jsm(_)
        | ProviderConfig::GrafanaOnCall(_) => true,
    }
}

/// The client for `account`, holding `token` in memory only (`None` only for accounts
/// that need none, see [`needs_token`]).
///
/// Public for the CLI's one-shot commands (`oncall-tray incidents`, `ack`, `token set`),
/// which talk to the service directly without starting an engine: building the client
/// here keeps the mapping from config to client in one place.
pub fn build(
    account: &AccountConfig,
    token: Option<SecretString>,
) -> Result<Arc<dyn Provider>, String> {
    build_on(account, token, Arc::new(SystemClock))
}

/// [`build`] with on-call questions ("who is on call now?") asked at `clock`'s now:
/// the engine's, so that tests and the simulation on virtual time get their shifts.
pub(crate) fn build_on(
    account: &AccountConfig,
    token: Option<SecretString>,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn Provider>, String> {
    let now: WallClock = Arc::new(move || clock.now());
    let required = || token.clone().ok_or_else(|| missing_token(account));
    match &account.provider {
        ProviderConfig::PagerDuty(pd) => {
            let config = pagerduty_config(account, pd, required()?);
            let client =
                oncall_pagerduty::PagerDutyClient::new(config).map_err(|e| e.to_string())?;
            Ok(Arc::new(client.with_clock(now)))
        }
        ProviderConfig::Alertmanager(am) => {
            let config = alertmanager_config(account, am, token.clone())?;
            let client =
                oncall_alertmanager::AlertmanagerClient::new(config).map_err(|e| e.to_string())?;
            Ok(Arc::new(client))
        }
        ProviderConfig::Opsgenie(og) => {
            let config = opsgenie_config(account, og, required()?);
            let client = oncall_opsgenie::OpsgenieClient::new(config).map_err(|e| e.to_string())?;
            Ok(Arc::new(client.with_clock(now)))
        }
        ProviderConfig::Jsm(jsm) => {
            let config = jsm_config(account, jsm, required()?);
            let client = oncall_jsm::JsmClient::new(config).map_err(|e| e.to_string())?;
            Ok(Arc::new(client.with_clock(now)))
        }
        ProviderConfig::GrafanaOnCall(grafana) => {
            let config = grafana_oncall_config(account, grafana, required()?);
            let client = oncall_grafana_oncall::GrafanaOnCallClient::new(config)
                .map_err(|e| e.to_string())?;
            Ok(Arc::new(client.with_clock(now)))
        }
    }
}

fn missing_token(account: &AccountConfig) -> String {
    format!("account `{}` has no token", account.name)
}

/// What each kind of account can do, known before any client is built: each provider
/// crate says it once, for its client and for this.
pub(crate) fn capabilities(provider: &ProviderConfig) -> Capabilities {
    match provider {
        ProviderConfig::PagerDuty(_) => oncall_pagerduty::CAPABILITIES,
        ProviderConfig::Alertmanager(_) => oncall_alertmanager::CAPABILITIES,
        ProviderConfig::Opsgenie(_) => oncall_opsgenie::CAPABILITIES,
        ProviderConfig::Jsm(_) => oncall_jsm::CAPABILITIES,
        ProviderConfig::GrafanaOnCall(_) => oncall_grafana_oncall::CAPABILITIES,
    }
}

/// What the account's service can do (the CLI asks before it offers a choice).
pub fn capabilities_of(account: &AccountConfig) -> Capabilities {
    capabilities(&account.provider)
}

/// Refuses actions the provider cannot perform, before anything is queued.
pub(crate) fn supports(account: &AccountConfig, kind: &ActionKind) -> Result<(), String> {
    if capabilities(&account.provider).supports(kind) {
        Ok(())
    } else {
        Err(format!(
            "{} accounts cannot {}",
            account.provider.kind(),
            kind.verb()
        ))
    }
}

fn pagerduty_config(
    account: &AccountConfig,
    pd: &PagerDutyAccount,
    token: SecretString,
) -> oncall_pagerduty::PagerDutyConfig {
    let credential = match pd.auth {
        AuthScheme::Token => oncall_pagerduty::Credential::ApiToken(token),
        AuthScheme::OAuth => oncall_pagerduty::Credential::OAuth(token),
    };
    let mut config = oncall_pagerduty::PagerDutyConfig::new(
        account.name.clone(),
        pd.api_url.clone(),
        credential,
    );
    config.from_email = pd.email.clone();
    config.filter = oncall_pagerduty::IncidentFilter {
        assigned_to_me: pd.filter.assigned_to_me,
        team_ids: pd.filter.team_ids.clone(),
        service_ids: pd.filter.service_ids.clone(),
        urgencies: pd.filter.urgencies.clone(),
    };
    config
}

fn alertmanager_config(
    account: &AccountConfig,
    am: &AlertmanagerAccount,
    token: Option<SecretString>,
) -> Result<oncall_alertmanager::AlertmanagerConfig, String> {
    let secret = || token.clone().ok_or_else(|| missing_token(account));
    let auth = match &am.auth {
        AlertmanagerAuth::None => oncall_alertmanager::Auth::None,
        AlertmanagerAuth::Basic { user } => oncall_alertmanager::Auth::Basic {
            user: user.clone(),
            password: secret()?,
        },
        AlertmanagerAuth::Bearer => oncall_alertmanager::Auth::Bearer(secret()?),
        AlertmanagerAuth::Header { name } => oncall_alertmanager::Auth::Header {
            name: name.clone(),
            value: secret()?,
        },
    };
    let created_by = am.created_by.clone().unwrap_or_else(os_user_name);
    let mut config = oncall_alertmanager::AlertmanagerConfig::new(
        account.name.clone(),
        am.api_url.clone(),
        created_by,
    );
    config.auth = auth;
    config.filter = am.filter.clone();
    config.receiver = am.receiver.clone();
    config.severity_high = am.severity_high.clone();
    config.ack_duration = am.ack_duration;
    config.ack_max_duration = am.ack_max_duration;
    config.ack_matchers = am.ack_matchers.clone();
    // The client extends acknowledgements on polls, so it needs to know how often.
    config.poll_interval = account.poll_interval;
    config.ca_file = am.ca_file.clone();
    config.client_identity_pem = am.client_cert.clone();
    Ok(config)
}

fn opsgenie_config(
    account: &AccountConfig,
    og: &OpsgenieAccount,
    token: SecretString,
) -> oncall_opsgenie::OpsgenieConfig {
    let mut config =
        oncall_opsgenie::OpsgenieConfig::new(account.name.clone(), og.api_url.clone(), token);
    config.query = og.list_query();
    config.high_priorities = og.high_priorities.clone();
    config.user = og.responder.clone();
    config.on_call_user = og.on_call_user.clone();
    config
}

fn jsm_config(
    account: &AccountConfig,
    jsm: &JsmAccount,
    token: SecretString,
) -> oncall_jsm::JsmConfig {
    let mut config = oncall_jsm::JsmConfig::new(
        account.name.clone(),
        jsm.site_url.clone(),
        jsm.api_url.clone(),
        jsm.email.clone(),
        token,
    );
    config.query = jsm.list_query();
    config.high_priorities = jsm.high_priorities.clone();
    config
}

fn grafana_oncall_config(
    account: &AccountConfig,
    grafana: &GrafanaOnCallAccount,
    token: SecretString,
) -> oncall_grafana_oncall::GrafanaOnCallConfig {
    let mut config = oncall_grafana_oncall::GrafanaOnCallConfig::new(
        account.name.clone(),
        grafana.api_url.clone(),
        token,
    );
    config.team_id = grafana.team_id.clone();
    config.labels = grafana.labels.clone();
    config
}

/// Who silences an alert when the config does not say: the login name, which is what
/// colleagues recognise in the Alertmanager UI.
fn os_user_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "oncall-tray".to_string())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use oncall_store::Config;

    use super::token_origin;

    /// The origin of the one account in a config made of `keys` (and a name).
    fn origin(keys: &str) -> String {
        let text = format!("[[accounts]]\nname = \"work\"\n{keys}\n");
        let config = Config::parse(&text, Path::new("config.toml"))
            .unwrap_or_else(|e| panic!("{keys:?} does not load: {e}"));
        token_origin(&config.accounts[0]).as_str().to_owned()
    }

    #[test]
    fn the_default_and_the_regions_name_the_providers_hosts() {
        let pd = "https://api.pagerduty.com:443";
        assert_eq!(origin("provider = \"pagerduty\""), pd);
        assert_eq!(origin("provider = \"pagerduty\"\nregion = \"us\""), pd);
        assert_eq!(
            origin("provider = \"pagerduty\"\nregion = \"eu\""),
            "https://api.eu.pagerduty.com:443"
        );
        assert_eq!(
            origin("provider = \"opsgenie\""),
            "https://api.opsgenie.com:443"
        );
        assert_eq!(
            origin("provider = \"opsgenie\"\nregion = \"eu\""),
            "https://api.eu.opsgenie.com:443"
        );
        // A region and the URL it stands for are one server.
        assert_eq!(
            origin("provider = \"pagerduty\"\napi_url = \"https://api.eu.pagerduty.com\""),
            origin("provider = \"pagerduty\"\nregion = \"eu\"")
        );
        // `api_url` wins over `region`, as it does for the client.
        assert_eq!(
            origin(
                "provider = \"pagerduty\"\nregion = \"eu\"\napi_url = \"https://pd.example.com\""
            ),
            "https://pd.example.com:443"
        );
    }

    #[test]
    fn paths_trailing_slashes_and_letter_case_do_not_change_the_origin() {
        let am = |url: &str| origin(&format!("provider = \"alertmanager\"\napi_url = \"{url}\""));
        let base = am("https://am.example.com");
        assert_eq!(base, "https://am.example.com:443");
        for same in [
            "https://am.example.com/",
            "https://am.example.com//",
            "https://AM.Example.COM/",
            "https://am.example.com/alertmanager",
            "https://am.example.com/alertmanager/",
        ] {
            assert_eq!(am(same), base, "{same}");
        }
    }

    #[test]
    fn an_explicit_default_port_is_the_implicit_one_and_another_port_is_another_origin() {
        let pd = |url: &str| origin(&format!("provider = \"pagerduty\"\napi_url = \"{url}\""));
        assert_eq!(
            pd("https://pd.example.com:443/"),
            pd("https://pd.example.com")
        );
        assert_eq!(pd("http://127.0.0.1:80"), pd("http://127.0.0.1/"));
        assert_eq!(pd("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_ne!(
            pd("https://pd.example.com:8443"),
            pd("https://pd.example.com")
        );
        assert_ne!(pd("http://127.0.0.1:8080"), pd("http://127.0.0.1:8081"));
        // The scheme is part of it: http and https on one host are two servers.
        assert_ne!(pd("http://localhost:443"), pd("https://localhost:443"));
        // Another host, even another name for the same machine, is another origin.
        assert_ne!(pd("http://127.0.0.1:8080"), pd("http://localhost:8080"));
        assert_eq!(pd("http://[::1]:9093/"), "http://[::1]:9093");
    }

    /// The Opsgenie keys the client needs reach it: `responder` signs actions, and
    /// `on_call_user` is whose shifts are read (without it there are none to show).
    #[test]
    fn an_opsgenie_account_passes_its_responder_and_on_call_user_on() {
        let text = "[[accounts]]\nname = \"ops\"\nprovider = \"opsgenie\"\n\
                    responder = \"Platform Team\"\non_call_user = \"pat@example.com\"\n";
        let config = Config::parse(text, Path::new("config.toml")).unwrap();
        let account = &config.accounts[0];
        let oncall_store::ProviderConfig::Opsgenie(og) = &account.provider else {
            panic!("{account:?}")
        };
        let client = super::opsgenie_config(account, og, "key".to_owned().into());
        assert_eq!(client.on_call_user.as_deref(), Some("pat@example.com"));
        assert_eq!(client.user.as_deref(), Some("Platform Team"));
    }
}

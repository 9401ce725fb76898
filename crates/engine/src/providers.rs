//! Builds the client for an account's provider. The only place that knows which
//! provider crates exist.

use std::sync::Arc;

use oncall_model::{ActionKind, Provider};
use oncall_pagerduty::{Credential, IncidentFilter, PagerDutyConfig};
use oncall_store::{AccountConfig, AuthScheme, PagerDutyAccount, ProviderConfig};
use secrecy::SecretString;

/// The client for `account`, holding `token` in memory only.
///
/// Public for the CLI's one-shot commands (`oncall-tray incidents`, `ack`, `token set`),
/// which talk to the service directly without starting an engine: building the client
/// here keeps the mapping from config to client (filter, `From` address, auth scheme)
/// in one place.
pub fn build(account: &AccountConfig, token: SecretString) -> Result<Arc<dyn Provider>, String> {
    match &account.provider {
        ProviderConfig::PagerDuty(pd) => {
            let client =
                oncall_pagerduty::PagerDutyClient::new(pagerduty_config(account, pd, token))
                    .map_err(|e| e.to_string())?;
            Ok(Arc::new(client))
        }
    }
}

/// Refuses actions the provider cannot perform, before anything is queued.
pub(crate) fn supports(account: &AccountConfig, kind: ActionKind) -> Result<(), String> {
    let ok = match (&account.provider, kind) {
        (ProviderConfig::PagerDuty(_), ActionKind::Unacknowledge) => false,
        (ProviderConfig::PagerDuty(_), _) => true,
    };
    if ok {
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
) -> PagerDutyConfig {
    let credential = match pd.auth {
        AuthScheme::Token => Credential::ApiToken(token),
        AuthScheme::OAuth => Credential::OAuth(token),
    };
    let mut config = PagerDutyConfig::new(account.name.clone(), pd.api_url.clone(), credential);
    config.from_email = pd.email.clone();
    config.filter = IncidentFilter {
        assigned_to_me: pd.filter.assigned_to_me,
        team_ids: pd.filter.team_ids.clone(),
        service_ids: pd.filter.service_ids.clone(),
        urgencies: pd.filter.urgencies.clone(),
    };
    config
}

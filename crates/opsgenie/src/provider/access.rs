//! What a 403 means on the routes beyond the Alert API.
//!
//! Schedules, users and escalations need an API key with configuration access; alert
//! polling does not. A 403 there is therefore `Rejected` (this feature is off), never
//! `Unauthorized`, which would stop the account's polling.

use oncall_http::displayable;
use oncall_model::ProviderError;

/// A 403 as "the key may page but not read configuration", naming what needs it
/// (`feature`: "shifts and schedules"). Every other error is left as it is.
pub(super) fn configuration_refused(error: ProviderError, feature: &str) -> ProviderError {
    match error {
        ProviderError::Unauthorized {
            status: 403,
            message,
        } => ProviderError::Rejected {
            status: 403,
            code: None,
            message: displayable(&format!(
                "the Opsgenie API key needs \"Configuration access\" (a setting of its API \
                 integration) for {feature}; alerts keep working without it \
                 (Opsgenie said: {message})"
            )),
        },
        other => other,
    }
}

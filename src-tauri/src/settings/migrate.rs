//! "Move to Jira Service Management…" in Settings: `oncall-tray account migrate`, from
//! the window.
//!
//! The same order as the CLI, so that every step can still be abandoned until the
//! last: the move is worked out and checked (`plan_jsm_move`), the Atlassian token is
//! checked with JSM, stored under the new origin, and only then is `config.toml`
//! rewritten and the engine reconfigured. A refused token, an unreachable site or a
//! failed store leaves the account on Opsgenie as it was. The account keeps its name,
//! so the engine keeps its memory of what rang (the alerts keep their ids in JSM) and
//! nothing rings twice. The Opsgenie key is deleted last: no use after Opsgenie's end,
//! and a secret nobody reads is one more to leak.

use oncall_engine::Engine;
use oncall_store::{plan_jsm_move, Config, ConfigError, JsmMove, ProviderConfig};
use secrecy::{ExposeSecret as _, SecretString};
use tracing::{info, warn};

use super::dto::{FieldError, SaveResult};
use super::{identify, Autostart, Check, SettingsStore};
use crate::keychain::{self, TokenKey};

/// Where the account moves: what the move form asks.
#[derive(Debug, Clone)]
pub struct MoveTo {
    /// The Jira site: `acme`, `acme.atlassian.net`, or a URL (a loopback fake).
    pub site: String,
    /// The Atlassian account's e-mail address (the token is that person's).
    pub email: String,
    /// The JSM API's address when not Atlassian's (a loopback fake); empty or `None`:
    /// Atlassian's.
    pub api_url: Option<String>,
}

/// Why a move stopped before the write.
enum Stopped {
    Config(ConfigError),
    /// A message for the form as a whole and the fields it is about.
    Refused(String, Vec<FieldError>),
}

impl From<ConfigError> for Stopped {
    fn from(e: ConfigError) -> Stopped {
        Stopped::Config(e)
    }
}

fn on_field(field: &str, message: String) -> Vec<FieldError> {
    vec![FieldError {
        field: field.into(),
        message,
    }]
}

impl SettingsStore {
    /// Moves the Opsgenie account `name` to JSM Operations with `token` (see the
    /// module's documentation for the order). Answers as `save_account` does: the new
    /// settings, or why nothing was changed, on the move form's fields (`site`,
    /// `email`, `api_url`, `token`).
    pub async fn migrate_account(
        &self,
        engine: &Engine,
        autostart: &dyn Autostart,
        name: &str,
        to: MoveTo,
        token: SecretString,
    ) -> SaveResult {
        let token = SecretString::from(token.expose_secret().trim().to_owned());
        if token.expose_secret().is_empty() {
            return SaveResult::refused(
                "Nothing was changed.",
                on_field("token", "Paste your Atlassian API token.".into()),
            );
        }
        if !self.keychain {
            return SaveResult::refused(
                "Demo mode's accounts cannot be moved: nothing was changed.",
                vec![],
            );
        }
        let moved = async {
            let _one_at_a_time = self.editing.lock().await;
            self.move_account(engine, name, &to, token).await
        }
        .await;
        match moved {
            Ok(()) => {
                info!(account = %name, "account moved from Opsgenie to JSM from the window");
                SaveResult::saved(self.get(engine, autostart).await)
            }
            Err(Stopped::Config(e)) => SaveResult::from_config_error(&e),
            Err(Stopped::Refused(message, errors)) => SaveResult::refused(message, errors),
        }
    }

    /// The move itself; the caller holds `editing`.
    async fn move_account(
        &self,
        engine: &Engine,
        name: &str,
        to: &MoveTo,
        token: SecretString,
    ) -> Result<(), Stopped> {
        let path = self.dirs.config_file();
        let config = Config::load(&path)?;
        let Some(old) = config.account(name) else {
            return Err(Stopped::Refused(
                format!("There is no account named {name:?} any more: nothing was changed."),
                vec![],
            ));
        };
        if old.token_command.is_some() {
            return Err(Stopped::Refused(
                format!(
                    "Account {name:?} reads its token from a command (token_command in {}): \
                     move it with `oncall-tray account migrate {name} --to jsm`, then make \
                     the command print your Atlassian API token. Nothing was changed.",
                    path.display()
                ),
                vec![],
            ));
        }
        let old_key = TokenKey::of(old);
        let filled = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        let plan = plan_jsm_move(
            &path,
            name,
            &JsmMove {
                site: to.site.trim().to_owned(),
                email: filled(&to.email),
                api_url: to.api_url.as_deref().and_then(filled),
            },
        )?;
        let ProviderConfig::Jsm(jsm) = &plan.account.provider else {
            unreachable!("a JSM move makes a JSM account")
        };
        match identify(&plan.account, token.clone()).await {
            Ok(_) => {}
            Err(Check::Rejected(message)) => {
                return Err(Stopped::Refused(
                    "Jira Service Management refused the token: nothing was changed.".into(),
                    on_field(
                        "token",
                        format!(
                            "Not accepted for {} ({message}). Use an Atlassian API token of \
                             that account (id.atlassian.com → Security → API tokens).",
                            jsm.email
                        ),
                    ),
                ))
            }
            Err(Check::Unreachable(message)) => {
                return Err(Stopped::Refused(
                    format!(
                        "Could not reach Jira Service Management for the site {} to check \
                         the token: {message}. Nothing was changed.",
                        jsm.site_url
                    ),
                    vec![],
                ))
            }
        }
        let new_key = TokenKey::of(&plan.account);
        if let Err(e) = keychain::set(&new_key, token).await {
            return Err(Stopped::Refused(
                format!("The token was not stored ({e}): nothing was changed."),
                vec![],
            ));
        }
        if let Err(e) = plan.write() {
            // The account stays on Opsgenie: its new token would only be a stray secret.
            if new_key != old_key {
                if let Err(e) = keychain::delete(&new_key).await {
                    warn!(account = %name, "the unused JSM token may still be in the keychain: {e}");
                }
            }
            return Err(Stopped::Config(e));
        }
        if new_key != old_key {
            if let Err(e) = keychain::delete(&old_key).await {
                warn!(account = %name, "the Opsgenie key may still be in the keychain: {e}");
            }
        }
        let config = Config::load(&path)?;
        self.apply(engine, config).await;
        Ok(())
    }
}

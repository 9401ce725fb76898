//! The Settings screen's operations, done by the tray process: it owns `config.toml`,
//! the keychain and the engine. The window only sends forms and reads back
//! [`dto::SettingsDto`]; a token goes one way, from the form into the keychain.
//!
//! Every change is the same three steps, one change at a time: write `config.toml`
//! (through `oncall-store`, which validates and keeps the user's comments), load it
//! back, and hand it to [`Engine::reconfigure`]. The file stays the one source of truth,
//! whether the user edits it by hand, with `oncall-tray account …`, or here.

pub mod dto;
pub mod migrate;
pub mod notices;

use std::sync::Arc;
use std::time::Duration;

use oncall_engine::{Connection, Credentials, Engine};
use oncall_model::{AccountId, ProviderError, Urgency};
use oncall_store::{Config, ConfigError, Dirs};
use secrecy::{ExposeSecret as _, SecretString};
use tokio::sync::{watch, Mutex};
use tracing::{info, warn};

use crate::keychain::{self, TokenKey};
use crate::notifier::alarm::Alarm;
use dto::{
    AccountForm, AccountSettings, FieldError, NotificationsForm, ReportForm, SaveResult,
    SettingsDto, TestResult, TokenResult, TokenState,
};

/// How long "Test connection" and a token check may take before they say so.
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// Start at login, as the platform offers it.
pub trait Autostart: Send + Sync {
    /// `None` when it cannot be read here.
    fn enabled(&self) -> Option<bool>;
    fn set(&self, enabled: bool) -> Result<(), String>;
}

pub struct SettingsStore {
    dirs: Dirs,
    credentials: Arc<dyn Credentials>,
    /// Demo mode's tokens are built in: Settings must not write the real keychain.
    keychain: bool,
    /// One change at a time: read-modify-write of the file, then reconfigure.
    editing: Mutex<()>,
    /// Bumped after every change, so an open window can show it.
    changed: watch::Sender<u64>,
    /// Gets the sound settings of every change; plays "Test alarm".
    alarm: Arc<Alarm>,
}

impl SettingsStore {
    pub fn new(
        dirs: Dirs,
        credentials: Arc<dyn Credentials>,
        keychain: bool,
        alarm: Arc<Alarm>,
    ) -> SettingsStore {
        SettingsStore {
            dirs,
            credentials,
            keychain,
            editing: Mutex::new(()),
            changed: watch::Sender::new(0),
            alarm,
        }
    }

    /// Wakes when the settings changed (here, or start-at-login from the tray menu).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub fn notify_changed(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// The `config.toml` these settings are kept in (the report reads its hours there).
    pub fn config_file(&self) -> std::path::PathBuf {
        self.dirs.config_file()
    }

    /// The settings as the form shows them. A config file that no longer loads (edited
    /// by hand meanwhile) shows as the error, with the accounts the engine runs.
    pub async fn get(&self, engine: &Engine, autostart: &dyn Autostart) -> SettingsDto {
        let config = match Config::load(&self.dirs.config_file()) {
            Ok(config) => config,
            Err(e) => {
                warn!("config.toml does not load: {e}");
                Config::default()
            }
        };
        let view = engine.view().borrow().clone();
        let mut accounts = Vec::new();
        for account in &config.accounts {
            let rejected = view.accounts.iter().any(|a| {
                a.account == account.name && matches!(a.connection, Connection::AuthFailed { .. })
            });
            let token = if account.token_command.is_some() {
                TokenState::Command
            } else if !oncall_engine::needs_token(account) {
                TokenState::NotNeeded
            } else if rejected {
                TokenState::Rejected
            } else if !self.keychain || self.credentials.token(account).await.is_ok() {
                TokenState::Set
            } else {
                TokenState::NotSet
            };
            accounts.push(AccountSettings {
                draft: AccountForm::from_config(account),
                token,
            });
        }
        // A notices file that cannot be read shows every notice again.
        let dismissed = match oncall_store::notices::dismissed(&self.dirs) {
            Ok(loaded) => loaded.value,
            Err(e) => {
                warn!("the dismissed notices cannot be read: {e}");
                Default::default()
            }
        };
        let today = engine.now().with_timezone(&chrono::Local).date_naive();
        SettingsDto {
            accounts,
            notifications: NotificationsForm::from_config(&config.notifications, &config.alarm),
            report: ReportForm::from_config(&config.report),
            autostart: autostart.enabled(),
            config_file: self.dirs.config_file().display().to_string(),
            notices: notices::notices(&config, today, &dismissed),
        }
    }

    /// Puts the notice `id` away for good (it is remembered in the data directory).
    pub async fn dismiss_notice(
        &self,
        engine: &Engine,
        autostart: &dyn Autostart,
        id: &str,
    ) -> SaveResult {
        // Only ids this version shows: the page cannot fill the file with anything else.
        if !notices::NOTICE_IDS.contains(&id) {
            return SaveResult::refused(format!("There is no notice {id:?}."), vec![]);
        }
        let dismissed = {
            let _one_at_a_time = self.editing.lock().await;
            oncall_store::notices::dismiss(&self.dirs, id)
        };
        if let Err(e) = dismissed {
            return SaveResult::refused(format!("The notice could not be put away: {e}"), vec![]);
        }
        info!(notice = %id, "notice dismissed from the window");
        self.notify_changed();
        SaveResult::saved(self.get(engine, autostart).await)
    }

    pub async fn save_account(
        &self,
        engine: &Engine,
        autostart: &dyn Autostart,
        original: Option<String>,
        draft: AccountForm,
    ) -> SaveResult {
        let form = match draft.normalized() {
            Ok(form) => form,
            Err(e) => return SaveResult::refused("Nothing was saved.", vec![FieldError::from(e)]),
        };
        let path = self.dirs.config_file();
        let result = async {
            let _one_at_a_time = self.editing.lock().await;
            let before = original
                .as_deref()
                .and_then(|name| Some(TokenKey::of(Config::load(&path).ok()?.account(name)?)));
            oncall_store::save_account(&path, original.as_deref(), &form)?;
            let config = Config::load(&path)?;
            if let (Some(before), Some(after)) = (before, config.account(&form.name)) {
                self.follow_token(before, TokenKey::of(after)).await;
            }
            self.apply(engine, config).await;
            Ok::<(), ConfigError>(())
        }
        .await;
        match result {
            Ok(()) => {
                info!(account = %form.name, "account saved from the window");
                SaveResult::saved(self.get(engine, autostart).await)
            }
            Err(e) => SaveResult::from_config_error(&e),
        }
    }

    /// Keeps the keychain in step with an edited account. A token stays with its
    /// origin: when the account now sends its requests elsewhere, the old entry is
    /// deleted (no stale secret stays behind) and the account has no token until the
    /// user enters one for the new server. (A rename, which the page does not offer,
    /// also leaves the token behind: it must be entered again too.)
    async fn follow_token(&self, before: TokenKey, after: TokenKey) {
        if !self.keychain || before == after {
            return;
        }
        if before.origin != after.origin {
            info!(
                account = %after.account,
                from = %before.origin,
                to = %after.origin,
                "the account's server changed: its token stays behind and is deleted"
            );
        }
        if let Err(e) = keychain::delete(&before).await {
            warn!(account = %before.account, "its old token may still be in the keychain: {e}");
        }
    }

    /// Removes the account and its keychain token.
    pub async fn remove_account(
        &self,
        engine: &Engine,
        autostart: &dyn Autostart,
        name: String,
    ) -> SaveResult {
        let path = self.dirs.config_file();
        let result = async {
            let _one_at_a_time = self.editing.lock().await;
            // Its origin is in the config about to lose it.
            let key = Config::load(&path)
                .ok()
                .and_then(|config| Some(TokenKey::of(config.account(&name)?)));
            oncall_store::remove_account(&path, &name)?;
            let config = Config::load(&path)?;
            self.apply(engine, config).await;
            Ok::<_, ConfigError>(key)
        }
        .await;
        let key = match result {
            Ok(key) => key,
            Err(e) => return SaveResult::from_config_error(&e),
        };
        if let (true, Some(key)) = (self.keychain, key) {
            if let Err(e) = keychain::delete(&key).await {
                warn!(account = %name, "its token may still be in the keychain: {e}");
            }
        }
        info!(account = %name, "account removed from the window");
        SaveResult::saved(self.get(engine, autostart).await)
    }

    pub async fn save_notifications(
        &self,
        engine: &Engine,
        autostart: &dyn Autostart,
        form: NotificationsForm,
    ) -> SaveResult {
        let path = self.dirs.config_file();
        match self
            .change(engine, || oncall_store::save_notifications(&path, &form))
            .await
        {
            Ok(()) => SaveResult::saved(self.get(engine, autostart).await),
            Err(e) => SaveResult::from_config_error(&e),
        }
    }

    /// "Your hours": the `[report]` table, which the on-call report reads when it is
    /// built (the engine does not use it, but a change goes the same way as any other).
    pub async fn save_report(
        &self,
        engine: &Engine,
        autostart: &dyn Autostart,
        form: ReportForm,
    ) -> SaveResult {
        let path = self.dirs.config_file();
        match self
            .change(engine, || oncall_store::save_report(&path, &form))
            .await
        {
            Ok(()) => SaveResult::saved(self.get(engine, autostart).await),
            Err(e) => SaveResult::from_config_error(&e),
        }
    }

    pub async fn set_autostart(
        &self,
        engine: &Engine,
        autostart: &dyn Autostart,
        enabled: bool,
    ) -> SaveResult {
        if let Err(e) = autostart.set(enabled) {
            return SaveResult::refused(
                format!("Start at login could not be changed: {e}"),
                vec![],
            );
        }
        self.notify_changed();
        SaveResult::saved(self.get(engine, autostart).await)
    }

    /// Checks the token with the service and stores it only if the service accepts it.
    /// The token is dropped when this returns; nothing about it is logged.
    pub async fn set_token(&self, engine: &Engine, name: &str, token: SecretString) -> TokenResult {
        let error = |message: String| TokenResult::Error { message };
        if token.expose_secret().trim().is_empty() {
            return error("The token is empty: paste the token and save again.".into());
        }
        let config = match Config::load(&self.dirs.config_file()) {
            Ok(config) => config,
            Err(e) => return error(e.to_string()),
        };
        let Some(account) = config.account(name) else {
            return error(format!("There is no account named {name:?}."));
        };
        if !self.keychain {
            return error("Demo mode uses its built-in token: nothing to store.".into());
        }
        if account.token_command.is_some() {
            return error(format!(
                "Account {name:?} reads its token from a command (token_command in {}); \
                 remove that line to use the keychain.",
                self.dirs.config_file().display()
            ));
        }
        if !oncall_engine::needs_token(account) {
            return error(format!("Account {name:?} signs in without a token."));
        }
        let token = SecretString::from(token.expose_secret().trim().to_owned());
        let who = match identify(account, token.clone()).await {
            Ok(who) => who,
            Err(Check::Rejected(message)) => {
                return TokenResult::Rejected {
                    message: format!(
                        "The service rejected this token ({message}). Nothing was stored."
                    ),
                }
            }
            Err(Check::Unreachable(message)) => {
                return TokenResult::Unreachable {
                    message: format!(
                        "The token could not be checked: {message}. Nothing was stored."
                    ),
                }
            }
        };
        if let Err(e) = keychain::set(&TokenKey::of(account), token).await {
            return error(format!("The token was not stored: {e}"));
        }
        info!(account = %name, "token stored from the window");
        engine.credential_changed(&AccountId::new(name));
        self.notify_changed();
        TokenResult::Stored { who }
    }

    /// Silences and stops the alarm for good: the app is quitting.
    pub fn stop_alarm(&self) {
        self.alarm.shutdown();
    }

    /// "Test alarm": plays the saved sound of `urgency` once, even while paused.
    pub async fn test_alarm(&self, urgency: Urgency) -> TestResult {
        match self.alarm.test(urgency).await {
            Ok(message) => TestResult { ok: true, message },
            Err(message) => TestResult { ok: false, message },
        }
    }

    /// Asks the service who the account's current token belongs to.
    pub async fn test_connection(&self, name: &str) -> TestResult {
        let config = match Config::load(&self.dirs.config_file()) {
            Ok(config) => config,
            Err(e) => {
                return TestResult {
                    ok: false,
                    message: e.to_string(),
                }
            }
        };
        let Some(account) = config.account(name) else {
            return TestResult {
                ok: false,
                message: format!("There is no account named {name:?}."),
            };
        };
        let token = if oncall_engine::needs_token(account) {
            match self.credentials.token(account).await {
                Ok(token) => Some(token),
                Err(e) => {
                    return TestResult {
                        ok: false,
                        message: format!("{e}."),
                    }
                }
            }
        } else {
            None
        };
        let outcome = match token {
            Some(token) => identify(account, token).await,
            None => identify_without_token(account).await,
        };
        match outcome {
            Ok(Some(who)) => TestResult {
                ok: true,
                message: format!("Connected as {who}."),
            },
            Ok(None) => TestResult {
                ok: true,
                message: "Connected.".into(),
            },
            Err(Check::Rejected(message)) => TestResult {
                ok: false,
                message: format!("The service rejected the token: {message}."),
            },
            Err(Check::Unreachable(message)) => TestResult {
                ok: false,
                message: format!("Could not connect: {message}."),
            },
        }
    }

    /// Writes the file with `edit`, then runs the engine on what it now says.
    async fn change(
        &self,
        engine: &Engine,
        edit: impl FnOnce() -> Result<(), ConfigError>,
    ) -> Result<(), ConfigError> {
        let _one_at_a_time = self.editing.lock().await;
        edit()?;
        let config = Config::load(&self.dirs.config_file())?;
        self.apply(engine, config).await;
        Ok(())
    }

    /// Runs the engine (and the alarm) on `config`, just read back from the file. The
    /// caller holds `editing`.
    async fn apply(&self, engine: &Engine, config: Config) {
        self.alarm.update(config.alarm.clone());
        if let Err(e) = engine.reconfigure(config).await {
            warn!("the new settings could not be applied: {e}");
        }
        self.notify_changed();
    }
}

enum Check {
    Rejected(String),
    Unreachable(String),
}

/// "Pat Doe <pat@example.com>", or `None` when the service has no notion of a user.
async fn identify(
    account: &oncall_store::AccountConfig,
    token: SecretString,
) -> Result<Option<String>, Check> {
    let client = oncall_engine::build_provider(account, Some(token)).map_err(Check::Unreachable)?;
    check(client.identify()).await
}

async fn identify_without_token(
    account: &oncall_store::AccountConfig,
) -> Result<Option<String>, Check> {
    let client = oncall_engine::build_provider(account, None).map_err(Check::Unreachable)?;
    check(client.identify()).await
}

async fn check(
    identify: impl std::future::Future<Output = Result<oncall_model::Identity, ProviderError>>,
) -> Result<Option<String>, Check> {
    match tokio::time::timeout(CHECK_TIMEOUT, identify).await {
        Err(_) => Err(Check::Unreachable(
            "the service did not answer in time".into(),
        )),
        Ok(Ok(me)) => Ok(Some(match me.email {
            Some(email) if !me.name.is_empty() => format!("{} <{email}>", me.name),
            Some(email) => email,
            None if !me.name.is_empty() => me.name,
            None => return Ok(None),
        })),
        Ok(Err(ProviderError::Unauthorized { message, .. })) => Err(Check::Rejected(message)),
        Ok(Err(e)) => Err(Check::Unreachable(e.to_string())),
    }
}

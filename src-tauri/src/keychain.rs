//! Tokens in the OS keychain (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), under service `oncall-tray`, keyed by the account *and* the
//! origin the token is sent to ([`TokenKey`]).
//!
//! Keying by origin is what keeps a token on its own server: an account whose
//! `api_url` or region now points elsewhere (a typo in Settings, a compromised page
//! saving a form, a hand edit of `config.toml`) looks up a key that holds nothing, so
//! nothing is sent to the new host until the user enters a token for it. Entries stored
//! under the account's name alone (before this) are never read.
//!
//! The keyring crate is blocking (it waits on D-Bus or a system API), so every call runs
//! on tokio's blocking pool. A token read here lives only in a `SecretString`: the
//! keyring's `String` is moved into one at once, which wipes it when dropped.

use std::time::Duration;

use async_trait::async_trait;
use oncall_engine::{run_token_command, token_origin, CredentialError, Credentials, TokenOrigin};
use oncall_model::AccountId;
use oncall_store::AccountConfig;
use secrecy::{ExposeSecret, SecretString};

/// The keychain's service name for every token of this app.
pub const SERVICE: &str = "oncall-tray";

/// Where an account's token is kept: its name and the origin its requests go to. The
/// keychain's user name is `NAME@ORIGIN` (`work@https://api.pagerduty.com:443`): account
/// names cannot contain `@`, so no two keys share one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenKey {
    pub account: AccountId,
    pub origin: TokenOrigin,
}

impl TokenKey {
    pub fn of(account: &AccountConfig) -> TokenKey {
        TokenKey {
            account: account.name.clone(),
            origin: token_origin(account),
        }
    }

    /// The keychain entry's user name.
    pub fn user(&self) -> String {
        format!("{}@{}", self.account, self.origin)
    }
}

/// The token stored under `key`, or `None` when there is none.
pub async fn get(key: &TokenKey) -> Result<Option<SecretString>, String> {
    let user = key.user();
    blocking(move || match entry(&user)?.get_password() {
        Ok(token) => Ok(Some(SecretString::from(token))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(describe(e)),
    })
    .await
}

pub async fn set(key: &TokenKey, token: SecretString) -> Result<(), String> {
    let user = key.user();
    blocking(move || {
        entry(&user)?
            .set_password(token.expose_secret())
            .map_err(describe)
    })
    .await
}

/// Deletes the token stored under `key`; `Ok(false)` when there was none.
pub async fn delete(key: &TokenKey) -> Result<bool, String> {
    let user = key.user();
    blocking(move || match entry(&user)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(describe(e)),
    })
    .await
}

fn entry(user: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, user).map_err(describe)
}

/// keyring's errors, in words that say what to do. Never contains the token: keyring
/// errors carry no secret data.
fn describe(e: keyring::Error) -> String {
    match e {
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            format!(
                "no keychain service is reachable ({inner}); on Linux a Secret Service such as \
                 gnome-keyring must be running and unlocked, or set `token_command` for the account"
            )
        }
        other => format!("the keychain failed: {other}"),
    }
}

/// A keychain call gets this long: the Secret Service may be showing an unlock prompt
/// (at login, say), but one that never answers must not stall polling or a Settings
/// form. The engine asks again later (a keychain error is retried with backoff).
const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs a blocking keychain call on tokio's blocking pool, bounded by
/// [`KEYCHAIN_TIMEOUT`]. A call that times out is left to finish on its own thread
/// (a blocking call cannot be cancelled); its answer is dropped.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    match tokio::time::timeout(KEYCHAIN_TIMEOUT, tokio::task::spawn_blocking(f)).await {
        Ok(done) => done.unwrap_or_else(|e| Err(format!("the keychain call failed: {e}"))),
        Err(_) => Err(format!(
            "the keychain did not answer within {} s (is it waiting to be unlocked?)",
            KEYCHAIN_TIMEOUT.as_secs()
        )),
    }
}

/// Where the engine gets tokens: the account's `token_command` when it has one (the
/// user's command decides what it prints for which server), else the keychain entry for
/// the account at its current origin.
pub struct KeychainCredentials;

#[async_trait]
impl Credentials for KeychainCredentials {
    async fn token(&self, account: &AccountConfig) -> Result<SecretString, CredentialError> {
        token_for(account).await
    }
}

/// The token of `account`, wherever its configuration says it comes from.
pub async fn token_for(account: &AccountConfig) -> Result<SecretString, CredentialError> {
    if let Some(command) = &account.token_command {
        return run_token_command(&account.name, command).await;
    }
    let key = TokenKey::of(account);
    match get(&key).await {
        Ok(Some(token)) => Ok(token),
        Ok(None) => Err(CredentialError::NotStoredFor {
            account: key.account,
            origin: key.origin,
        }),
        Err(reason) => Err(CredentialError::Keychain(reason)),
    }
}

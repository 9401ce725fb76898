//! Tokens in the OS keychain (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), under service `oncall-tray` with the account's name as user.
//!
//! The keyring crate is blocking (it waits on D-Bus or a system API), so every call runs
//! on tokio's blocking pool. A token read here lives only in a `SecretString`.

use std::time::Duration;

use async_trait::async_trait;
use oncall_engine::{run_token_command, CredentialError, Credentials};
use oncall_store::AccountConfig;
use secrecy::{ExposeSecret, SecretString};

/// The keychain's service name for every token of this app.
pub const SERVICE: &str = "oncall-tray";

/// The account's token, or `None` when none is stored.
pub async fn get(account: &str) -> Result<Option<SecretString>, String> {
    let account = account.to_owned();
    blocking(move || match entry(&account)?.get_password() {
        Ok(token) => Ok(Some(SecretString::from(token))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(describe(e)),
    })
    .await
}

pub async fn set(account: &str, token: SecretString) -> Result<(), String> {
    let account = account.to_owned();
    blocking(move || {
        entry(&account)?
            .set_password(token.expose_secret())
            .map_err(describe)
    })
    .await
}

/// Deletes the account's token; `Ok(false)` when there was none.
pub async fn delete(account: &str) -> Result<bool, String> {
    let account = account.to_owned();
    blocking(move || match entry(&account)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(describe(e)),
    })
    .await
}

fn entry(account: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, account).map_err(describe)
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

/// Where the engine gets tokens: the account's `token_command` when it has one, else
/// the keychain.
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
    match get(account.name.as_str()).await {
        Ok(Some(token)) => Ok(token),
        Ok(None) => Err(CredentialError::Missing(account.name.clone())),
        Err(reason) => Err(CredentialError::Keychain(reason)),
    }
}

//! `oncall-tray token set | clear`: the account's token in the OS keychain.
//!
//! The token is read from standard input, never from argv or the environment, so it
//! shows up in no process list and no shell history.

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::{anyhow, bail, Context as _};
use oncall_model::ProviderError;
use oncall_store::{AccountConfig, AlertmanagerAuth, Dirs, ProviderConfig};
use secrecy::{ExposeSecret as _, SecretString};
use zeroize::Zeroizing;

use crate::exit::Failure;
use crate::keychain::{self, TokenKey};

pub async fn set(dirs: &Dirs, name: &str, verify: bool) -> anyhow::Result<()> {
    let config = super::load_config(dirs)?;
    let account = super::find_account(&config, dirs, name)?;
    let token = read_token(account).await?;
    if verify {
        let client = oncall_engine::build_provider(account, Some(token.clone()))
            .map_err(anyhow::Error::msg)
            .context("cannot check the token")?;
        match client.identify().await {
            Ok(me) => {
                let email = me.email.map(|e| format!(" <{e}>")).unwrap_or_default();
                println!("The token belongs to {}{email}.", me.name);
            }
            Err(e) => {
                let failure = Failure::of_provider(&e);
                let why = match e {
                    ProviderError::Unauthorized { message, .. } => {
                        format!("the service rejected this token ({message}); nothing was stored")
                    }
                    e => format!(
                        "the token could not be checked: {e}; nothing was stored (use --no-verify to store it unchecked)"
                    ),
                };
                return Err(failure.on(anyhow!(why)));
            }
        }
    }
    let key = TokenKey::of(account);
    keychain::set(&key, token)
        .await
        .map_err(anyhow::Error::msg)
        .context("the token was not stored")?;
    println!(
        "Stored the token of account `{name}` for {} in the keychain.",
        key.origin
    );
    if account.token_command.is_some() {
        eprintln!(
            "oncall-tray: warning: account `{name}` has a token_command, which is used instead of the keychain"
        );
    }
    Ok(())
}

/// Deletes the token of the account's current server (tokens are kept per server,
/// see `keychain::TokenKey`), so the account must be in the config.
pub async fn clear(dirs: &Dirs, name: &str) -> anyhow::Result<()> {
    let config = super::load_config(dirs)?;
    let key = TokenKey::of(super::find_account(&config, dirs, name)?);
    let deleted = keychain::delete(&key)
        .await
        .map_err(anyhow::Error::msg)
        .context("the token was not deleted")?;
    if deleted {
        println!(
            "Deleted the token of account `{name}` for {} from the keychain.",
            key.origin
        );
    } else {
        println!(
            "No token was stored for account `{name}` at {}.",
            key.origin
        );
    }
    Ok(())
}

/// What the account's secret is called where the user gets it.
fn secret_name(account: &AccountConfig) -> &'static str {
    match &account.provider {
        ProviderConfig::PagerDuty(_) => "PagerDuty API token",
        ProviderConfig::Alertmanager(am) => match am.auth {
            AlertmanagerAuth::Basic { .. } => "Alertmanager password",
            AlertmanagerAuth::Header { .. } => "Alertmanager header value",
            AlertmanagerAuth::Bearer | AlertmanagerAuth::None => "Alertmanager bearer token",
        },
        ProviderConfig::Opsgenie(_) => "Opsgenie API key",
        ProviderConfig::Jsm(_) => "Atlassian API token",
        ProviderConfig::GrafanaOnCall(_) => "Grafana OnCall API key",
    }
}

/// One line from standard input: prompted without echo on a terminal, read plainly
/// from a pipe (`pass show pagerduty | oncall-tray token set work`).
pub(super) async fn read_token(account: &AccountConfig) -> anyhow::Result<SecretString> {
    let prompt = format!(
        "{} for account `{}` (input is hidden): ",
        secret_name(account),
        account.name
    );
    let line = tokio::task::spawn_blocking(move || -> std::io::Result<Zeroizing<String>> {
        if std::io::stdin().is_terminal() {
            rpassword::prompt_password(prompt).map(Zeroizing::new)
        } else {
            // Room for any real token up front, so that reading does not reallocate
            // and leave a copy behind; a longer line still reads, only less tidily.
            let mut line = Zeroizing::new(String::with_capacity(4096));
            std::io::stdin().lock().read_line(&mut line)?;
            Ok(line)
        }
    })
    .await
    .context("reading the token failed")?
    .context("cannot read the token from standard input")?;
    // The line (with its newline) is wiped when dropped; the secret keeps the one copy.
    let token = SecretString::from(line.trim().to_owned());
    drop(line);
    if token.expose_secret().is_empty() {
        bail!("no token was given on standard input; nothing was stored");
    }
    Ok(token)
}

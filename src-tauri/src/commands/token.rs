//! `oncall-tray token set | clear`: the account's token in the OS keychain.
//!
//! The token is read from standard input, never from argv or the environment, so it
//! shows up in no process list and no shell history.

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::{bail, Context as _};
use oncall_model::ProviderError;
use oncall_store::Dirs;
use secrecy::{ExposeSecret as _, SecretString};

use crate::keychain;

pub async fn set(dirs: &Dirs, name: &str, verify: bool) -> anyhow::Result<()> {
    let config = super::load_config(dirs)?;
    let account = super::find_account(&config, dirs, name)?;
    let token = read_token(name).await?;
    if verify {
        let client = oncall_engine::build_provider(account, Some(token.clone()))
            .map_err(anyhow::Error::msg)
            .context("cannot check the token")?;
        match client.identify().await {
            Ok(me) => {
                let email = me.email.map(|e| format!(" <{e}>")).unwrap_or_default();
                println!("The token belongs to {}{email}.", me.name);
            }
            Err(ProviderError::Unauthorized { message, .. }) => bail!(
                "the service rejected this token ({message}); nothing was stored"
            ),
            Err(e) => bail!(
                "the token could not be checked: {e}; nothing was stored (use --no-verify to store it unchecked)"
            ),
        }
    }
    keychain::set(name, token)
        .await
        .map_err(anyhow::Error::msg)
        .context("the token was not stored")?;
    println!("Stored the token of account `{name}` in the keychain.");
    if account.token_command.is_some() {
        eprintln!(
            "oncall-tray: warning: account `{name}` has a token_command, which is used instead of the keychain"
        );
    }
    Ok(())
}

pub async fn clear(name: &str) -> anyhow::Result<()> {
    let deleted = keychain::delete(name)
        .await
        .map_err(anyhow::Error::msg)
        .context("the token was not deleted")?;
    if deleted {
        println!("Deleted the token of account `{name}` from the keychain.");
    } else {
        println!("No token was stored for account `{name}`.");
    }
    Ok(())
}

/// One line from standard input: prompted without echo on a terminal, read plainly
/// from a pipe (`pass show pagerduty | oncall-tray token set work`).
async fn read_token(name: &str) -> anyhow::Result<SecretString> {
    let prompt = format!("PagerDuty API token for account `{name}` (input is hidden): ");
    let line = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        if std::io::stdin().is_terminal() {
            rpassword::prompt_password(prompt)
        } else {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            Ok(line)
        }
    })
    .await
    .context("reading the token failed")?
    .context("cannot read the token from standard input")?;
    let token = SecretString::from(line.trim().to_owned());
    drop(line);
    if token.expose_secret().is_empty() {
        bail!("no token was given on standard input; nothing was stored");
    }
    Ok(token)
}

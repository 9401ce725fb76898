//! `oncall-tray account migrate NAME --to jsm --site SITE`: an Opsgenie account moves
//! to Jira Service Management Operations before Opsgenie stops answering.
//!
//! The order keeps every step undoable until the last: the move is worked out and
//! checked (`plan_jsm_move`), the Atlassian token is asked for and checked with JSM,
//! stored under the new origin, and only then is `config.toml` rewritten. Giving up at
//! the prompt leaves the account on Opsgenie. The account keeps its name, so a running
//! app keeps its memory of what rang and what the user acknowledged (the alerts keep
//! their ids in JSM), and nothing rings twice.

use anyhow::{anyhow, Context as _};
use oncall_model::ProviderError;
use oncall_store::{plan_jsm_move, Dirs, JsmMove, ProviderConfig, OPSGENIE_END};

use crate::cli::{MigrateAccount, MigrateTarget};
use crate::exit::Failure;
use crate::keychain::{self, TokenKey};

pub async fn migrate(dirs: &Dirs, args: MigrateAccount) -> anyhow::Result<()> {
    let MigrateTarget::Jsm = args.to;
    let config = super::load_config(dirs)?;
    let old = super::find_account(&config, dirs, &args.name)?;
    let old_key = TokenKey::of(old);
    let plan = plan_jsm_move(
        &dirs.config_file(),
        &args.name,
        &JsmMove {
            site: args.site.clone(),
            email: args.email.clone(),
            api_url: args.api_url.clone(),
        },
    )?;
    let account = plan.account.clone();
    let ProviderConfig::Jsm(jsm) = &account.provider else {
        unreachable!("a JSM move makes a JSM account")
    };
    let site = jsm.site_url.host_str().unwrap_or(&jsm.site).to_owned();

    if account.token_command.is_none() {
        let token = super::token::read_token(&account).await?;
        if !args.no_verify {
            let client = oncall_engine::build_provider(&account, Some(token.clone()))
                .map_err(anyhow::Error::msg)
                .context("cannot check the token")?;
            if let Err(e) = client.identify().await {
                let failure = Failure::of_provider(&e);
                let why = match e {
                    ProviderError::Unauthorized { message, .. } => format!(
                        "JSM refused {} with this token ({message}); nothing was changed",
                        jsm.email
                    ),
                    e => format!(
                        "the token could not be checked with JSM: {e}; nothing was changed (use --no-verify to move without checking)"
                    ),
                };
                return Err(failure.on(anyhow!(why)));
            }
        }
        keychain::set(&TokenKey::of(&account), token)
            .await
            .map_err(anyhow::Error::msg)
            .context("the token was not stored; nothing was changed")?;
    }
    plan.write()?;
    println!(
        "Moved account `{}` from Opsgenie to JSM Operations: site {site}, as {}.",
        args.name, jsm.email
    );
    println!(
        "It keeps its name, search and settings; alerts that already rang will not ring again."
    );
    if let Err(oncall_store::LockError::Held { .. }) = oncall_store::DataDirLock::acquire(dirs) {
        println!(
            "oncall-tray is running: quit it and start it again (or `systemctl --user restart oncall-tray-headless`) to switch it to JSM."
        );
    }
    if account.token_command.is_some() {
        eprintln!(
            "oncall-tray: warning: account `{}` has a token_command: it must now print your Atlassian API token",
            args.name
        );
        return Ok(());
    }
    // The Opsgenie key is no use after Opsgenie's end, and a secret nobody reads is
    // one more to leak: it goes.
    match keychain::delete(&old_key).await {
        Ok(true) => println!(
            "Deleted the Opsgenie key from the keychain (Opsgenie stops on {OPSGENIE_END})."
        ),
        Ok(false) => {}
        Err(e) => {
            eprintln!("oncall-tray: warning: the Opsgenie key may still be in the keychain: {e}")
        }
    }
    Ok(())
}

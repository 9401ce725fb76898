//! `oncall-tray account add | list | remove`: edits `config.toml`, keeping the user's
//! comments (oncall-store does the editing and validation).

use oncall_model::ProviderKind;
use oncall_store::{add_account, remove_account, NewAccount, Region};

use crate::cli::{AddAccount, ProviderArg, RegionArg};
use crate::exit::Failure;
use crate::keychain::{self, TokenKey};
use oncall_store::Dirs;

pub fn add(dirs: &Dirs, args: AddAccount) -> anyhow::Result<()> {
    let provider = match args.provider {
        ProviderArg::PagerDuty => ProviderKind::PagerDuty,
        ProviderArg::Alertmanager => ProviderKind::Alertmanager,
        ProviderArg::Opsgenie => ProviderKind::Opsgenie,
        ProviderArg::Jsm => ProviderKind::Jsm,
        ProviderArg::GrafanaOnCall => ProviderKind::GrafanaOnCall,
    };
    // An Alertmanager without authentication needs no secret.
    let needs_secret = args.basic_user.is_some();
    let account = NewAccount {
        name: args.name.clone(),
        provider,
        region: args.region.map(|r| match r {
            RegionArg::Us => Region::Us,
            RegionArg::Eu => Region::Eu,
        }),
        api_url: args.api_url,
        poll_interval_seconds: args.poll_interval,
        email: args.email,
        basic_user: args.basic_user,
        shift_reminder_minutes: args.shift_reminder_minutes,
        on_call_user: args.on_call_user,
        site: args.site,
        query: args.query,
        responder: args.responder,
        team_id: args.team_id,
        labels: args.labels,
    };
    add_account(&dirs.config_file(), account)?;
    let next = match provider {
        ProviderKind::Alertmanager if !needs_secret => String::new(),
        _ => format!(" Next: `oncall-tray token set {}`.", args.name),
    };
    println!(
        "Added account `{}` to {}.{next}",
        args.name,
        dirs.config_file().display(),
    );
    Ok(())
}

pub fn list(dirs: &Dirs) -> anyhow::Result<()> {
    let config = super::load_config(dirs)?;
    if config.accounts.is_empty() {
        println!(
            "No accounts in {}. Add one with `oncall-tray account add NAME --provider pagerduty`.",
            dirs.config_file().display()
        );
        return Ok(());
    }
    let rows: Vec<[String; 5]> = config
        .accounts
        .iter()
        .map(|a| {
            let token = if a.token_command.is_some() {
                "token_command"
            } else {
                "keychain"
            };
            [
                a.name.to_string(),
                a.provider.kind().to_string(),
                a.provider.api_url().to_string(),
                format!("{} s", a.poll_interval.as_secs()),
                token.to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        super::remote::table(["NAME", "PROVIDER", "API URL", "POLL", "TOKEN FROM"], &rows)
    );
    Ok(())
}

pub async fn remove(dirs: &Dirs, name: &str) -> anyhow::Result<()> {
    // The token is kept under the account's origin, which only the config still knows.
    let key = super::load_config(dirs)
        .ok()
        .and_then(|config| Some(TokenKey::of(config.account(name)?)));
    if !remove_account(&dirs.config_file(), name)? {
        return Err(Failure::Config.on(anyhow::anyhow!(
            "there is no account named `{name}` in {}",
            dirs.config_file().display()
        )));
    }
    println!(
        "Removed account `{name}` from {}.",
        dirs.config_file().display()
    );
    // The account is gone either way; a keychain that cannot be reached only leaves a
    // stale token behind, which is worth a warning, not a failure.
    let Some(key) = key else {
        return Ok(());
    };
    match keychain::delete(&key).await {
        Ok(true) => println!("Deleted its token from the keychain."),
        Ok(false) => {}
        Err(e) => eprintln!("oncall-tray: warning: its token may still be in the keychain: {e}"),
    }
    Ok(())
}

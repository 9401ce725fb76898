//! `oncall-tray mute | unmute | mutes`: muting a service from a shell. The mutes live in
//! the data directory's `mutes.json`, changed under its own short lock so a running tray
//! app (which reads it on every poll) and this command never lose each other's change.
//! Nothing is sent to a service: a mute is this app's, not PagerDuty's.

use anyhow::anyhow;
use chrono::{Duration, Local, Utc};
use oncall_model::display_text;
use oncall_store::{mutes, AccountConfig, Config, Dirs};

use super::{find_account, load_config};
use crate::exit::Failure;

/// Mutes `service` for `hours` (replacing a mute of it already running).
pub fn mute(dirs: &Dirs, service: &str, hours: u32, account: Option<&str>) -> anyhow::Result<()> {
    let config = load_config(dirs)?;
    let account = which_account(&config, dirs, account)?;
    let service = named(service)?;
    let now = Utc::now();
    let until = now + Duration::hours(i64::from(hours));
    let changed = mutes::mute(dirs, &account.name, service, until, now)?;
    warn(changed.warning.as_deref());
    println!(
        "Muted {} ({}) until {}: its incidents are listed but do not page.",
        display_text(service),
        account.name,
        until.with_timezone(&Local).format("%a %H:%M")
    );
    Ok(())
}

/// Ends the mute of `service` now.
pub fn unmute(dirs: &Dirs, service: &str, account: Option<&str>) -> anyhow::Result<()> {
    let config = load_config(dirs)?;
    let account = which_account(&config, dirs, account)?;
    let service = named(service)?;
    let now = Utc::now();
    let was = mutes::read(dirs, now)?
        .value
        .iter()
        .any(|m| m.covers(&account.name, service));
    let changed = mutes::unmute(dirs, &account.name, service, now)?;
    warn(changed.warning.as_deref());
    if was {
        println!(
            "Unmuted {} ({}): what is still triggered on it pages now.",
            display_text(service),
            account.name
        );
    } else {
        println!(
            "{} ({}) was not muted.",
            display_text(service),
            account.name
        );
    }
    Ok(())
}

/// The mutes running now, soonest to end first.
pub fn list(dirs: &Dirs) -> anyhow::Result<()> {
    let loaded = mutes::read(dirs, Utc::now())?;
    warn(loaded.warning.as_deref());
    if loaded.value.is_empty() {
        println!("No service is muted.");
        return Ok(());
    }
    let rows: Vec<[String; 3]> = loaded
        .value
        .iter()
        .map(|m| {
            [
                m.account.to_string(),
                m.service.clone(),
                m.until
                    .with_timezone(&Local)
                    .format("%a %d %b %H:%M")
                    .to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        super::remote::table(["ACCOUNT", "SERVICE", "UNTIL"], &rows)
    );
    Ok(())
}

/// The account named, or the only one.
fn which_account<'c>(
    config: &'c Config,
    dirs: &Dirs,
    name: Option<&str>,
) -> anyhow::Result<&'c AccountConfig> {
    match (name, &config.accounts[..]) {
        (Some(name), _) => find_account(config, dirs, name),
        (None, [only]) => Ok(only),
        (None, []) => Err(Failure::Config.on(anyhow!(
            "{} has no accounts: add one with `oncall-tray account add NAME --provider pagerduty`",
            dirs.config_file().display()
        ))),
        (None, several) => {
            let names: Vec<&str> = several.iter().map(|a| a.name.as_str()).collect();
            Err(Failure::Usage.on(anyhow!(
                "there are several accounts ({}): say which with --account NAME",
                names.join(", ")
            )))
        }
    }
}

fn named(service: &str) -> anyhow::Result<&str> {
    let service = service.trim();
    if service.is_empty() {
        return Err(Failure::Usage.on(anyhow!(
            "the service name is empty: write it as `oncall-tray incidents` shows it"
        )));
    }
    Ok(service)
}

fn warn(warning: Option<&str>) {
    if let Some(warning) = warning {
        eprintln!("oncall-tray: {}", display_text(warning));
    }
}

//! `oncall-tray status | incidents | ack`: ask each account's service directly.
//!
//! A failure in one account is reported for that account and the others are still
//! shown; the command fails if any account failed, with the exit code of the accounts'
//! failures when they agree (all unreachable, say), else 1.
//!
//! Everything printed that a service wrote (titles, names, ids, error messages) goes
//! through [`display_text`]: an escape sequence in an alert title must not rewrite the
//! screen or write the clipboard (OSC 52) of the terminal it is printed in.

use std::sync::Arc;

use anyhow::{anyhow, bail};
use chrono::Utc;
use oncall_model::{display_text, ActionKind, ActionOutcome, Incident, Provider, Status};
use oncall_store::{AccountConfig, Config, Dirs};

use crate::exit::Failure;
use crate::keychain;

/// A client for `account`, with its token from the token command or the keychain.
async fn client(account: &AccountConfig) -> anyhow::Result<Arc<dyn Provider>> {
    let token = if oncall_engine::needs_token(account) {
        Some(keychain::token_for(account).await?)
    } else {
        None
    };
    oncall_engine::build_provider(account, token).map_err(anyhow::Error::msg)
}

/// Every open incident of one account.
async fn open_incidents(account: &AccountConfig) -> anyhow::Result<Vec<Incident>> {
    let client = client(account).await?;
    Ok(client.open_incidents().await?.incidents)
}

fn configured(dirs: &Dirs) -> anyhow::Result<Config> {
    let config = super::load_config(dirs)?;
    if config.accounts.is_empty() {
        return Err(Failure::Config.on(anyhow!(
            "{} has no accounts: add one with `oncall-tray account add NAME --provider pagerduty`",
            dirs.config_file().display()
        )));
    }
    Ok(config)
}

/// What failed among several accounts or incidents: how many, and the exit code they
/// share.
#[derive(Default)]
struct Failed {
    count: usize,
    kind: Option<Failure>,
}

impl Failed {
    fn add(&mut self, failure: Failure) {
        self.count += 1;
        self.kind = Some(self.kind.map_or(failure, |kind| kind.and(failure)));
    }

    /// The exit code of these failures and `other`'s together.
    fn and(&self, other: &Failed) -> Failure {
        match (self.kind, other.kind) {
            (Some(a), Some(b)) => a.and(b),
            (Some(kind), None) | (None, Some(kind)) => kind,
            (None, None) => Failure::Other,
        }
    }

    fn failure(&self) -> Failure {
        self.kind.unwrap_or(Failure::Other)
    }
}

/// The accounts' incidents, fetched one account after another; failures are printed
/// and counted.
async fn fetch_all(config: &Config) -> (Vec<Incident>, Failed) {
    let mut incidents = Vec::new();
    let mut failed = Failed::default();
    for account in &config.accounts {
        match open_incidents(account).await {
            Ok(list) => incidents.extend(list),
            Err(e) => {
                failed.add(Failure::of_error(&e));
                eprintln!(
                    "oncall-tray: account {}: {}",
                    account.name,
                    display_text(&crate::one_message(&e))
                );
            }
        }
    }
    (incidents, failed)
}

fn failed_accounts(failed: &Failed) -> anyhow::Result<()> {
    let failure = failed.failure();
    match failed.count {
        0 => Ok(()),
        1 => Err(failure.on(anyhow!("1 account could not be read"))),
        n => Err(failure.on(anyhow!("{n} accounts could not be read"))),
    }
}

pub async fn status(dirs: &Dirs) -> anyhow::Result<()> {
    let config = configured(dirs)?;
    let mut rows = Vec::new();
    let mut failed = Failed::default();
    for account in &config.accounts {
        let (state, triggered, acknowledged) = match open_incidents(account).await {
            Ok(list) => {
                let count = |s| list.iter().filter(|i| i.status == s).count().to_string();
                (
                    "connected".to_string(),
                    count(Status::Triggered),
                    count(Status::Acknowledged),
                )
            }
            Err(e) => {
                failed.add(Failure::of_error(&e));
                (crate::one_message(&e), "-".into(), "-".into())
            }
        };
        rows.push([account.name.to_string(), triggered, acknowledged, state]);
    }
    print!(
        "{}",
        table(
            ["ACCOUNT", "TRIGGERED", "ACKNOWLEDGED", "CONNECTION"],
            &rows
        )
    );
    failed_accounts(&failed)
}

pub async fn incidents(dirs: &Dirs) -> anyhow::Result<()> {
    let config = configured(dirs)?;
    let (mut incidents, failed) = fetch_all(&config).await;
    sort_most_urgent_first(&mut incidents);
    if incidents.is_empty() {
        println!("No open incidents.");
    } else {
        let now = Utc::now();
        let rows: Vec<[String; 7]> = incidents
            .iter()
            .map(|i| {
                [
                    i.key.account.to_string(),
                    i.key.id.clone(),
                    i.status.as_str().to_string(),
                    i.urgency.as_str().to_string(),
                    short_age(now - i.created_at),
                    i.service.clone().unwrap_or_default(),
                    i.title.clone(),
                ]
            })
            .collect();
        print!(
            "{}",
            table(
                ["ACCOUNT", "ID", "STATUS", "URGENCY", "AGE", "SERVICE", "TITLE"],
                &rows
            )
        );
    }
    failed_accounts(&failed)
}

/// `ack all` acknowledges every triggered incident; `ack ID` (or `ack ACCOUNT/ID`) one.
pub async fn ack(dirs: &Dirs, target: &str) -> anyhow::Result<()> {
    let config = configured(dirs)?;
    let (incidents, failed) = fetch_all(&config).await;
    let chosen: Vec<&Incident> = if target == "all" {
        incidents
            .iter()
            .filter(|i| i.status == Status::Triggered)
            .collect()
    } else {
        vec![the_one(&incidents, target, &failed)?]
    };
    if chosen.is_empty() {
        println!("Nothing is triggered: nothing to acknowledge.");
        return failed_accounts(&failed);
    }
    let mut refused = Failed::default();
    for account in &config.accounts {
        let ids: Vec<String> = chosen
            .iter()
            .filter(|i| i.key.account == account.name)
            .map(|i| i.key.id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let client = client(account).await?;
        let results = client.act(&ActionKind::Acknowledge, &ids).await;
        for (id, result) in ids.iter().zip(results) {
            let id = display_text(id);
            match result {
                Ok(ActionOutcome::Done) => println!("Acknowledged {}/{id}.", account.name),
                Ok(ActionOutcome::AlreadyDone) => {
                    println!("{}/{id} was already acknowledged.", account.name)
                }
                Ok(ActionOutcome::AlreadyResolved) => {
                    println!("{}/{id} was already resolved.", account.name)
                }
                Err(e) => {
                    refused.add(Failure::of_provider(&e));
                    eprintln!(
                        "oncall-tray: {}/{id} was not acknowledged: {}",
                        account.name,
                        display_text(&e.to_string())
                    );
                }
            }
        }
    }
    let failure = refused.and(&failed);
    match refused.count {
        0 => failed_accounts(&failed),
        1 => Err(failure.on(anyhow!("1 incident was not acknowledged"))),
        n => Err(failure.on(anyhow!("{n} incidents were not acknowledged"))),
    }
}

/// The open incident `target` names (its id, or ACCOUNT/ID).
fn the_one<'i>(
    incidents: &'i [Incident],
    target: &str,
    failed: &Failed,
) -> anyhow::Result<&'i Incident> {
    let matching: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.key.id == target || i.key.to_string() == target)
        .collect();
    match matching[..] {
        [one] => Ok(one),
        // It may be open in an account that failed: that failure is the reason.
        [] if failed.count > 0 => Err(failed.failure().on(anyhow!(
            "no open incident {target} in the accounts that could be read"
        ))),
        [] => bail!("no open incident {target}: `oncall-tray incidents` lists them"),
        _ => bail!("{target} is open in several accounts: write it as ACCOUNT/{target}"),
    }
}

/// One open incident (`target`: its id, or ACCOUNT/ID), its account and a client for
/// it: what `note`, `reassign`, `escalate` and the others act on.
pub(super) async fn one_incident(
    dirs: &Dirs,
    target: &str,
) -> anyhow::Result<(AccountConfig, Incident, Arc<dyn Provider>)> {
    let config = configured(dirs)?;
    let (incidents, failed) = fetch_all(&config).await;
    let incident = the_one(&incidents, target, &failed)?.clone();
    let account = config
        .account(incident.key.account.as_str())
        .cloned()
        .ok_or_else(|| anyhow!("account {} vanished from the config", incident.key.account))?;
    let client = client(&account).await?;
    Ok((account, incident, client))
}

/// Triggered first, then high urgency, then oldest: the order the tray shows.
fn sort_most_urgent_first(incidents: &mut [Incident]) {
    let rank = |s: Status| match s {
        Status::Triggered => 0,
        Status::Acknowledged => 1,
        Status::Resolved => 2,
    };
    incidents.sort_by(|a, b| {
        rank(a.status)
            .cmp(&rank(b.status))
            .then(b.urgency.cmp(&a.urgency))
            .then(a.created_at.cmp(&b.created_at))
    });
}

fn short_age(elapsed: chrono::Duration) -> String {
    let minutes = elapsed.num_minutes().max(0);
    match minutes {
        0..=59 => format!("{minutes}m"),
        60..=2879 => format!("{}h", minutes / 60),
        _ => format!("{}d", minutes / 1440),
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded. Cells
/// are shown as [`display_text`] makes them, so none can break a line or drive the
/// terminal.
pub fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|row| row.each_ref().map(|cell| display_text(cell)))
        .collect();
    let rows = rows.as_slice();
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = header.map(String::from);
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let rows = [["work".to_string(), "Q1".to_string(), "down".to_string()]];
        assert_eq!(
            table(["ACCOUNT", "ID", "TITLE"], &rows),
            "ACCOUNT  ID  TITLE\nwork     Q1  down\n"
        );
    }

    /// Issue 12: service text printed raw reached the terminal as escape sequences.
    #[test]
    fn table_cells_cannot_drive_the_terminal_or_break_lines() {
        let rows = [[
            "work".to_string(),
            "Q\u{1b}[2J1".to_string(),
            "DB\u{1b}]52;c;ZXZpbA==\u{7}\u{0}\u{202E}down\u{9b}31m\nFAKE ROW".to_string(),
        ]];
        assert_eq!(
            table(["ACCOUNT", "ID", "TITLE"], &rows),
            "ACCOUNT  ID      TITLE\nwork     Q [2J1  DB ]52;c;ZXZpbA== down 31m FAKE ROW\n"
        );
    }
}

//! Moving an account off Opsgenie: `oncall-tray account migrate NAME --to jsm` and the
//! Settings window's "Move to Jira Service Management".
//!
//! Opsgenie stops answering on [`OPSGENIE_END`]; its alert API lives on in Jira Service
//! Management Operations, with the same alerts under the same ids. The account keeps its
//! name, so what the engine remembers of it (what rang, what is acknowledged and on its
//! way) carries over and nothing rings twice; it keeps its search (`query` written out,
//! `responder`), its priorities, `notify`, poll interval, shift reminder and noise rules.
//! What only Opsgenie had goes: `region`, `api_url` (Opsgenie's host) and `on_call_user`
//! (a JSM token is a person's, so the e-mail says whose shifts they are). The new token
//! is keyed by the new origin, so the Opsgenie key is never sent to Atlassian.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use toml_edit::{value, Item, Table};

use super::edit::{document, read, table_name};
use super::model::{ATLASSIAN_API, DEFAULT_OPSGENIE_QUERY};
use super::{AccountConfig, Config, ConfigError, ProviderConfig};
use crate::atomic::write_private;

/// The last day Opsgenie answers (Atlassian's announced end of support, 2027-04-05).
pub const OPSGENIE_END: NaiveDate = match NaiveDate::from_ymd_opt(2027, 4, 5) {
    Some(date) => date,
    None => panic!("a valid date"),
};

/// Where an Opsgenie account moves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsmMove {
    /// The Jira site (`acme` for acme.atlassian.net), checked as the `site` key is.
    pub site: String,
    /// The Atlassian account's e-mail; `None`: the account's `on_call_user` when that is
    /// an e-mail address (Opsgenie's login names are).
    pub email: Option<String>,
    /// The API's address when not Atlassian's (a loopback fake in tests and demos).
    pub api_url: Option<String>,
}

/// An Opsgenie account's move to JSM, worked out and checked but not yet written, so
/// the CLI can ask for and check the new token first: a move the user abandons at the
/// token prompt leaves the file as it was.
#[derive(Debug)]
pub struct JsmMovePlan {
    path: PathBuf,
    text: String,
    /// The account as it will be.
    pub account: AccountConfig,
}

impl JsmMovePlan {
    /// Writes the moved account (atomically, mode 0600).
    pub fn write(self) -> Result<AccountConfig, ConfigError> {
        write_private(&self.path, self.text.as_bytes())?;
        Ok(self.account)
    }
}

/// Turns the Opsgenie account `name` into a JSM Operations account, in place (comments
/// and the other accounts untouched). Refused, with nothing written, when there is no
/// such account, it is not an Opsgenie one, no e-mail is known, or the result would not
/// load.
pub fn migrate_to_jsm(path: &Path, name: &str, to: &JsmMove) -> Result<AccountConfig, ConfigError> {
    plan_jsm_move(path, name, to)?.write()
}

/// [`migrate_to_jsm`] up to the write.
pub fn plan_jsm_move(path: &Path, name: &str, to: &JsmMove) -> Result<JsmMovePlan, ConfigError> {
    let action = format!("account {name:?} was not moved to JSM");
    let refused = |source: ConfigError| ConfigError::EditRefused {
        action: action.clone(),
        source: Box::new(source),
    };
    let said = |message: String| {
        refused(ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    };
    let config = Config::load(path)?;
    let Some(account) = config.account(name) else {
        return Err(said(format!("there is no account named {name:?}")));
    };
    let ProviderConfig::Opsgenie(og) = &account.provider else {
        return Err(said(format!(
            "{name:?} is a {} account: only Opsgenie accounts move to JSM",
            account.provider.kind()
        )));
    };
    let email = to
        .email
        .clone()
        .or_else(|| og.on_call_user.clone().filter(|u| u.contains('@')));
    let Some(email) = email else {
        return Err(said(
            "give the e-mail address of your Atlassian account (--email): the API token is yours, and JSM needs both"
                .to_owned(),
        ));
    };

    let text = read(path)?.unwrap_or_default();
    let mut doc = document(&text, path).map_err(refused)?;
    let Some(table) = doc
        .get_mut("accounts")
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|tables| tables.iter_mut().find(|t| table_name(t) == Some(name)))
    else {
        return Err(said(
            "accounts written as `accounts = [...]` cannot be moved: edit the file by hand, or use [[accounts]] tables"
                .to_owned(),
        ));
    };
    rewrite(table, &og.query, to, &email);
    let text = doc.to_string();
    let moved = Config::parse(&text, path).map_err(refused)?;
    let account = moved
        .account(name)
        .cloned()
        .expect("the account was just written");
    Ok(JsmMovePlan {
        path: path.to_path_buf(),
        text,
        account,
    })
}

/// The Opsgenie table `table` as a JSM one: `query` is `og_query` (as validated, so an
/// account that had none keeps listing `status:open`, not "mine").
fn rewrite(table: &mut Table, og_query: &str, to: &JsmMove, email: &str) {
    table.insert("provider", value("jsm"));
    let moved = format!(
        "# Moved from Opsgenie to JSM Operations on {} (oncall-tray account migrate).\n",
        chrono::Local::now().date_naive()
    );
    let before = table
        .decor()
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or("")
        .to_owned();
    table.decor_mut().set_prefix(format!("{before}{moved}"));
    for gone in ["region", "api_url", "on_call_user"] {
        table.remove(gone);
    }
    table.insert("site", value(to.site.trim()));
    table.insert("email", value(email.trim()));
    if let Some(url) = to.api_url.as_deref().filter(|u| *u != ATLASSIAN_API) {
        table.insert("api_url", value(url));
    }
    if table.get("query").is_none() {
        let query = if og_query.is_empty() {
            DEFAULT_OPSGENIE_QUERY
        } else {
            og_query
        };
        table.insert("query", value(query));
    }
}

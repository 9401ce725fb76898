//! Edits `config.toml` for `oncall-tray account add` and `account remove`.
//!
//! The file belongs to the user, so edits go through `toml_edit`, which keeps comments,
//! blank lines and key order. Every edit follows the same steps, and any failing step
//! leaves the file untouched: read, refuse credential-looking keys, parse as a document,
//! change it, validate the *result* with [`Config::parse`] (so the file on disk is always
//! one the app can load), then write it atomically with mode 0600.
//!
//! Edits are read-modify-write without a lock: an editor saving the file at the same
//! moment may win or lose, but the file is never torn (see the `atomic` module).

use std::fs;
use std::io;
use std::path::Path;

use oncall_model::ProviderKind;
use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table, Value};

use super::{secrets, Config, ConfigError, Region};
use crate::atomic::write_private;

/// The first lines of a `config.toml` created by [`add_account`].
const NEW_FILE_HEADER: &str = "\
# oncall-tray configuration. Every key is described in config.example.toml,
# which the README includes. Tokens never go here: use `oncall-tray token set NAME`.
";

/// An account to append, as given on the command line. Values are checked by the same
/// validation as the file, so errors name the config key (`api_url`, `region`, …). A
/// value the provider has no key for (`email` for Opsgenie, `region` for Alertmanager)
/// is written anyway and refused by that validation, with a message naming the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub provider: ProviderKind,
    /// Written as `region` (PagerDuty and Opsgenie). When neither this nor `api_url` is
    /// given, `region = "us"` is written so the file says which host is used.
    pub region: Option<Region>,
    /// Written as `api_url`, which takes precedence over `region`. Required for
    /// Alertmanager (the server's base URL, with its route prefix).
    pub api_url: Option<String>,
    /// Written as `basic_user` (Alertmanager), which alone means `auth = "basic"`; the
    /// password is the account's token (`oncall-tray token set NAME`).
    pub basic_user: Option<String>,
    pub poll_interval_seconds: Option<u64>,
    /// Written as `email` (PagerDuty's `From`, JSM's Atlassian account).
    pub email: Option<String>,
    /// Written as `shift_reminder_minutes` (PagerDuty and Opsgenie; 0 = no reminder).
    pub shift_reminder_minutes: Option<u64>,
    /// Written as `on_call_user` (Opsgenie): whose shifts are shown.
    pub on_call_user: Option<String>,
    /// Written as `site` (JSM): the Jira site's name, e.g. `acme`.
    pub site: Option<String>,
    /// Written as `query` (Opsgenie and JSM).
    pub query: Option<String>,
    /// Written as `responder` (Opsgenie and JSM).
    pub responder: Option<String>,
    /// Written as `team_id` (Grafana OnCall).
    pub team_id: Option<String>,
    /// Written as `labels` when not empty (Grafana OnCall), each `key:value`.
    pub labels: Vec<String>,
}

impl NewAccount {
    /// An account with only a name and a provider; everything else at its default.
    pub fn new(name: impl Into<String>, provider: ProviderKind) -> NewAccount {
        NewAccount {
            name: name.into(),
            provider,
            region: None,
            api_url: None,
            basic_user: None,
            poll_interval_seconds: None,
            email: None,
            shift_reminder_minutes: None,
            on_call_user: None,
            site: None,
            query: None,
            responder: None,
            team_id: None,
            labels: Vec::new(),
        }
    }

    /// The new `[[accounts]]` table; `prefix` goes before its header line.
    fn to_table(&self, prefix: &str) -> Table {
        let mut table = Table::new();
        table.insert("name", value(&self.name));
        table.insert("provider", value(self.provider.to_string()));
        let has_regions = matches!(
            self.provider,
            ProviderKind::PagerDuty | ProviderKind::Opsgenie
        );
        let region = match (self.region, &self.api_url) {
            (None, None) if has_regions => Some(Region::Us),
            (region, _) => region,
        };
        if let Some(region) = region {
            table.insert("region", value(region.as_str()));
        }
        if let Some(url) = &self.api_url {
            table.insert("api_url", value(url));
        }
        if let Some(user) = &self.basic_user {
            table.insert("basic_user", value(user));
        }
        if let Some(seconds) = self.poll_interval_seconds {
            // Out of i64's range is far above the maximum: validation reports it.
            table.insert(
                "poll_interval_seconds",
                value(i64::try_from(seconds).unwrap_or(i64::MAX)),
            );
        }
        if let Some(email) = &self.email {
            table.insert("email", value(email));
        }
        if let Some(minutes) = self.shift_reminder_minutes {
            // Out of i64's range is far above the maximum: validation reports it.
            table.insert(
                "shift_reminder_minutes",
                value(i64::try_from(minutes).unwrap_or(i64::MAX)),
            );
        }
        if let Some(user) = &self.on_call_user {
            table.insert("on_call_user", value(user));
        }
        for (key, text) in [
            ("site", &self.site),
            ("query", &self.query),
            ("responder", &self.responder),
            ("team_id", &self.team_id),
        ] {
            if let Some(text) = text {
                table.insert(key, value(text));
            }
        }
        if !self.labels.is_empty() {
            table.insert("labels", value(Array::from_iter(&self.labels)));
        }
        table.decor_mut().set_prefix(prefix);
        table
    }
}

/// Appends `account` as a new `[[accounts]]` table, creating the file (and its
/// directory) when missing. Refused, with nothing written, when the name is taken or
/// the resulting file would not be valid.
pub fn add_account(path: &Path, account: NewAccount) -> Result<(), ConfigError> {
    let refused = |source| ConfigError::EditRefused {
        action: format!("account {:?} was not added", account.name),
        source: Box::new(source),
    };
    let existing = read(path)?;
    let text = existing.as_deref().unwrap_or_default();
    let mut doc = document(text, path).map_err(refused)?;

    if account_names(&doc).any(|name| name == account.name) {
        return Err(ConfigError::AccountExists {
            path: path.to_path_buf(),
            name: account.name,
        });
    }

    let prefix = match existing {
        None => format!("{NEW_FILE_HEADER}\n"),
        Some(ref text) if text.trim().is_empty() => String::new(),
        // A blank line between the previous table and this one.
        Some(_) => "\n".to_string(),
    };
    let table = account.to_table(&prefix);
    match doc.get_mut("accounts") {
        None => {
            let mut accounts = ArrayOfTables::new();
            accounts.push(table);
            doc.insert("accounts", Item::ArrayOfTables(accounts));
        }
        Some(Item::ArrayOfTables(accounts)) => accounts.push(table),
        Some(Item::Value(Value::Array(accounts))) => accounts.push(table.into_inline_table()),
        Some(_) => {
            // `accounts` is something else (a string, a single table): the existing file
            // does not validate, and its error says why.
            let err = Config::parse(text, path)
                .err()
                .unwrap_or(ConfigError::Parse {
                    path: path.to_path_buf(),
                    message: "accounts must be a list of [[accounts]] tables".to_string(),
                });
            return Err(refused(err));
        }
    }

    let new_text = doc.to_string();
    Config::parse(&new_text, path).map_err(refused)?;
    write_private(path, new_text.as_bytes())?;
    Ok(())
}

/// Removes every `[[accounts]]` table named `name`, with the comments above and inside
/// it. `Ok(false)` when there is no such account (or no file); nothing is written then.
/// Refused, with nothing written, when the file would not be valid afterwards.
pub fn remove_account(path: &Path, name: &str) -> Result<bool, ConfigError> {
    let refused = |source| ConfigError::EditRefused {
        action: format!("account {name:?} was not removed"),
        source: Box::new(source),
    };
    let Some(text) = read(path)? else {
        return Ok(false);
    };
    let mut doc = document(&text, path).map_err(refused)?;

    let removed = match doc.get_mut("accounts") {
        Some(Item::ArrayOfTables(accounts)) => {
            let before = accounts.len();
            accounts.retain(|table| table_name(table) != Some(name));
            before - accounts.len()
        }
        Some(Item::Value(Value::Array(accounts))) => {
            let before = accounts.len();
            accounts.retain(|item| inline_name(item) != Some(name));
            before - accounts.len()
        }
        _ => 0,
    };
    if removed == 0 {
        return Ok(false);
    }

    let new_text = doc.to_string();
    Config::parse(&new_text, path).map_err(refused)?;
    write_private(path, new_text.as_bytes())?;
    Ok(true)
}

/// The file's text, `None` when it does not exist.
pub(super) fn read(path: &Path) -> Result<Option<String>, ConfigError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// `text` as an editable document. Credential-looking lines are refused before
/// parsing, so a syntax error message never quotes a token.
pub(super) fn document(text: &str, path: &Path) -> Result<DocumentMut, ConfigError> {
    let secret_lines = secrets::scan_lines(text);
    if !secret_lines.is_empty() {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            problems: secret_lines,
        });
    }
    text.parse::<DocumentMut>()
        .map_err(|err| ConfigError::Parse {
            path: path.to_path_buf(),
            message: err.to_string(),
        })
}

fn account_names(doc: &DocumentMut) -> Box<dyn Iterator<Item = &str> + '_> {
    match doc.get("accounts") {
        Some(Item::ArrayOfTables(accounts)) => Box::new(accounts.iter().filter_map(table_name)),
        Some(Item::Value(Value::Array(accounts))) => {
            Box::new(accounts.iter().filter_map(inline_name))
        }
        _ => Box::new(std::iter::empty()),
    }
}

pub(super) fn table_name(table: &Table) -> Option<&str> {
    table.get("name").and_then(Item::as_str)
}

fn inline_name(item: &Value) -> Option<&str> {
    item.as_inline_table()
        .and_then(|table| table.get("name"))
        .and_then(Value::as_str)
}

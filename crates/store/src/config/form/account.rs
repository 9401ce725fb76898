//! The account form: an `[[accounts]]` table added or edited from the window.

use std::path::Path;

use oncall_model::{ProviderKind, Urgency};
use serde::{Deserialize, Serialize};
use toml_edit::{value, Array, ArrayOfTables, Item, Table};

use super::whole;
use crate::atomic::write_private;
use crate::config::edit::{document, read, table_name};
use crate::config::model::{valid_account_name, ACCOUNT_NAME_RULE};
use crate::config::{
    AccountConfig, AlertmanagerAuth, Config, ConfigError, OpsgenieRegion, ProviderConfig, Region,
    ATLASSIAN_API, DEFAULT_SHIFT_REMINDER,
};
use url::Url;

/// An account as the Settings form shows it. Empty strings mean "not set".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountForm {
    pub name: String,
    pub provider: ProviderKind,
    /// PagerDuty and Opsgenie: `"us"` or `"eu"`, as typed (see [`AccountForm::normalized`]).
    pub region: Option<String>,
    pub api_url: Option<String>,
    pub poll_interval_seconds: u64,
    pub notify: bool,
    /// PagerDuty: the `From` address.
    pub email: Option<String>,
    /// Alertmanager: basic auth as this user (the password is the token).
    pub basic_user: Option<String>,
    /// PagerDuty filter.
    pub assigned_to_me: bool,
    pub team_ids: Vec<String>,
    pub service_ids: Vec<String>,
    pub urgencies: Vec<Urgency>,
    /// Alertmanager filter: label matchers.
    pub matchers: Vec<String>,
    /// Opsgenie: only alerts with this responder.
    pub responder: Option<String>,
    /// PagerDuty and Opsgenie: minutes before a shift to remind the user, 0 for no
    /// reminder; `None` (and the default) leave the key out of the file. Always `None`
    /// for Alertmanager, which has no shifts.
    pub shift_reminder_minutes: Option<u64>,
    /// Opsgenie: the user the tray is for (login email or user id), whose shifts are
    /// shown; an empty one removes the key.
    pub on_call_user: Option<String>,
    /// JSM: the Jira site (`acme` for acme.atlassian.net).
    #[serde(default)]
    pub site: Option<String>,
    /// Grafana OnCall: only this team's alert groups.
    #[serde(default)]
    pub team_id: Option<String>,
    /// Grafana OnCall: only alert groups with these labels (`key:value`).
    #[serde(default)]
    pub labels: Vec<String>,
}

/// A field of an [`AccountForm`] that is refused before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FormError {
    /// The form's field: `name` or `region`.
    pub field: &'static str,
    /// What is allowed, for beside the field.
    pub message: String,
}

impl AccountForm {
    /// The form of an account as the config has it.
    pub fn from_config(account: &AccountConfig) -> AccountForm {
        // The region's own host is what `region` means: no URL to show then.
        let region_host = match &account.provider {
            ProviderConfig::PagerDuty(pd) => Some(pd.region.unwrap_or(Region::Us).api_url()),
            ProviderConfig::Opsgenie(og) => Some(og.region.unwrap_or(OpsgenieRegion::Us).api_url()),
            ProviderConfig::Jsm(_) => Url::parse(ATLASSIAN_API).ok(),
            ProviderConfig::Alertmanager(_) | ProviderConfig::GrafanaOnCall(_) => None,
        };
        let api_url = account.provider.api_url();
        let mut form = AccountForm {
            name: account.name.0.clone(),
            provider: account.provider.kind(),
            region: None,
            api_url: (region_host.as_ref() != Some(api_url)).then(|| api_url.to_string()),
            poll_interval_seconds: account.poll_interval.as_secs(),
            notify: account.notify,
            email: None,
            basic_user: None,
            assigned_to_me: true,
            team_ids: Vec::new(),
            service_ids: Vec::new(),
            urgencies: Vec::new(),
            matchers: Vec::new(),
            responder: None,
            shift_reminder_minutes: None,
            on_call_user: None,
            site: None,
            team_id: None,
            labels: Vec::new(),
        };
        if !matches!(account.provider, ProviderConfig::Alertmanager(_)) {
            form.shift_reminder_minutes =
                Some(account.shift_reminder.map_or(0, |d| d.as_secs() / 60));
        }
        match &account.provider {
            ProviderConfig::PagerDuty(pd) => {
                form.region = pd.region.map(|r| r.as_str().to_owned());
                form.email = pd.email.clone();
                form.assigned_to_me = pd.filter.assigned_to_me;
                form.team_ids = pd.filter.team_ids.clone();
                form.service_ids = pd.filter.service_ids.clone();
                form.urgencies = pd.filter.urgencies.clone();
            }
            ProviderConfig::Alertmanager(am) => {
                if let AlertmanagerAuth::Basic { user } = &am.auth {
                    form.basic_user = Some(user.clone());
                }
                form.matchers = am.filter.clone();
            }
            ProviderConfig::Opsgenie(og) => {
                form.region = og.region.map(|r| r.as_str().to_owned());
                form.responder = og.responder.clone();
                form.on_call_user = og.on_call_user.clone();
            }
            ProviderConfig::Jsm(jsm) => {
                form.site = Some(jsm.site.clone());
                form.email = Some(jsm.email.clone());
                form.responder = jsm.responder.clone();
            }
            ProviderConfig::GrafanaOnCall(grafana) => {
                form.team_id = grafana.team_id.clone();
                form.labels = grafana.labels.clone();
            }
        }
        form
    }

    /// The form with its name and region trimmed (an empty region is none), or the
    /// first field the page must correct before anything is written: a region other
    /// than `us`/`eu`, or a name that breaks the account-name rule.
    pub fn normalized(&self) -> Result<AccountForm, FormError> {
        let region = match self.region.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse::<Region>().map_err(|e| FormError {
                field: "region",
                message: e.to_string(),
            })?),
        };
        let name = self.name.trim();
        if !valid_account_name(name) {
            return Err(FormError {
                field: "name",
                message: ACCOUNT_NAME_RULE.into(),
            });
        }
        Ok(AccountForm {
            name: name.to_owned(),
            region: region.map(|r| r.as_str().to_owned()),
            ..self.clone()
        })
    }
}

/// Adds (`original` = `None`) or changes the account `original`. A changed name or
/// provider is refused: the name is the token's key in the keychain, and a provider's
/// keys mean nothing to another; remove the account and add a new one instead.
pub fn save_account(
    path: &Path,
    original: Option<&str>,
    form: &AccountForm,
) -> Result<(), ConfigError> {
    let action = match original {
        None => format!("account {:?} was not added", form.name),
        Some(name) => format!("account {name:?} was not changed"),
    };
    let refused = |source| ConfigError::EditRefused {
        action: action.clone(),
        source: Box::new(source),
    };
    let existing = read(path)?;
    let text = existing.as_deref().unwrap_or_default();
    let mut doc = document(text, path).map_err(refused)?;
    if !matches!(doc.get("accounts"), None | Some(Item::ArrayOfTables(_))) {
        // Inline `accounts = [{…}]` or something else: `account add` handles the former
        // and the file's own error explains the latter; the form does not rewrite them.
        return Err(refused(ConfigError::Parse {
            path: path.to_path_buf(),
            message: "accounts are written as `accounts = [...]`: edit this file by hand, \
                      or use [[accounts]] tables"
                .into(),
        }));
    }
    let accounts = doc
        .entry("accounts")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .expect("checked above");

    match original {
        None => {
            if accounts
                .iter()
                .any(|t| table_name(t) == Some(form.name.as_str()))
            {
                return Err(ConfigError::AccountExists {
                    path: path.to_path_buf(),
                    name: form.name.clone(),
                });
            }
            let mut table = Table::new();
            table.insert("name", value(&form.name));
            table.insert("provider", value(form.provider.to_string()));
            let prefix = if existing.as_deref().is_some_and(|t| !t.trim().is_empty()) {
                "\n"
            } else {
                ""
            };
            table.decor_mut().set_prefix(prefix);
            write_form(&mut table, form);
            accounts.push(table);
        }
        Some(name) => {
            let Some(table) = accounts.iter_mut().find(|t| table_name(t) == Some(name)) else {
                return Err(refused(not_found(path, name)));
            };
            let provider = table.get("provider").and_then(Item::as_str);
            if form.name != name || provider != Some(&form.provider.to_string()) {
                return Err(refused(ConfigError::Parse {
                    path: path.to_path_buf(),
                    message: "an account's name and provider cannot change: remove it and \
                              add a new one"
                        .into(),
                }));
            }
            write_form(table, form);
        }
    }
    let new_text = doc.to_string();
    Config::parse(&new_text, path).map_err(refused)?;
    write_private(path, new_text.as_bytes())?;
    Ok(())
}

fn not_found(path: &Path, name: &str) -> ConfigError {
    ConfigError::Parse {
        path: path.to_path_buf(),
        message: format!("there is no account named {name:?} any more"),
    }
}

/// Sets or removes the keys the form owns for the account's provider.
fn write_form(table: &mut Table, form: &AccountForm) {
    let set = |table: &mut Table, key: &str, v: Option<&str>| match v.map(str::trim) {
        Some(v) if !v.is_empty() => {
            table.insert(key, value(v));
        }
        _ => {
            table.remove(key);
        }
    };
    table.insert(
        "poll_interval_seconds",
        value(whole(form.poll_interval_seconds)),
    );
    if form.notify {
        table.remove("notify");
    } else {
        table.insert("notify", value(false));
    }
    set(table, "api_url", form.api_url.as_deref());
    if matches!(
        form.provider,
        ProviderKind::PagerDuty | ProviderKind::Opsgenie
    ) {
        let has_url = form
            .api_url
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty());
        let region = form.region.as_deref().map(str::trim);
        let region = match region.filter(|r| !r.is_empty()) {
            // As `account add` does: say which host is used.
            None if !has_url => Some(Region::Us.as_str()),
            region => region,
        };
        set(table, "region", region);
    }
    match form.provider {
        ProviderKind::Alertmanager => {}
        ProviderKind::PagerDuty
        | ProviderKind::Opsgenie
        | ProviderKind::Jsm
        | ProviderKind::GrafanaOnCall => {
            let default = DEFAULT_SHIFT_REMINDER.as_secs() / 60;
            match form.shift_reminder_minutes {
                Some(minutes) if minutes != default => {
                    table.insert("shift_reminder_minutes", value(whole(minutes)));
                }
                _ => {
                    table.remove("shift_reminder_minutes");
                }
            }
        }
    }
    match form.provider {
        ProviderKind::PagerDuty => {
            set(table, "email", form.email.as_deref());
            write_pagerduty_filter(table, form);
        }
        ProviderKind::Alertmanager => {
            let user = form.basic_user.as_deref().map(str::trim).unwrap_or("");
            let auth = table.get("auth").and_then(Item::as_str).map(str::to_owned);
            if user.is_empty() {
                table.remove("basic_user");
                if auth.as_deref() == Some("basic") {
                    table.remove("auth");
                }
            } else {
                table.insert("basic_user", value(user));
                if auth.is_some_and(|a| a != "basic") {
                    table.insert("auth", value("basic"));
                }
            }
            let matchers: Vec<&str> = form
                .matchers
                .iter()
                .map(|m| m.trim())
                .filter(|m| !m.is_empty())
                .collect();
            if matchers.is_empty() {
                table.remove("filter");
            } else {
                table.insert("filter", value(Array::from_iter(matchers)));
            }
        }
        ProviderKind::Opsgenie => {
            set(table, "responder", form.responder.as_deref());
            set(table, "on_call_user", form.on_call_user.as_deref());
        }
        ProviderKind::Jsm => {
            set(table, "site", form.site.as_deref());
            set(table, "email", form.email.as_deref());
            set(table, "responder", form.responder.as_deref());
        }
        ProviderKind::GrafanaOnCall => {
            set(table, "team_id", form.team_id.as_deref());
            let labels: Vec<&str> = form
                .labels
                .iter()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .collect();
            if labels.is_empty() {
                table.remove("labels");
            } else {
                table.insert("labels", value(Array::from_iter(labels)));
            }
        }
    }
}

fn write_pagerduty_filter(table: &mut Table, form: &AccountForm) {
    let ids = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let (teams, services) = (ids(&form.team_ids), ids(&form.service_ids));
    let default =
        form.assigned_to_me && teams.is_empty() && services.is_empty() && form.urgencies.is_empty();
    if default {
        table.remove("filter");
        return;
    }
    let mut filter = match table.remove("filter") {
        Some(Item::Table(t)) => t,
        _ => Table::new(),
    };
    filter.insert("assigned_to_me", value(form.assigned_to_me));
    for (key, list) in [("team_ids", teams), ("service_ids", services)] {
        if list.is_empty() {
            filter.remove(key);
        } else {
            filter.insert(key, value(Array::from_iter(list)));
        }
    }
    if form.urgencies.is_empty() {
        filter.remove("urgencies");
    } else {
        let names = form.urgencies.iter().map(|u| match u {
            Urgency::High => "high",
            Urgency::Low => "low",
        });
        filter.insert("urgencies", value(Array::from_iter(names)));
    }
    table.insert("filter", Item::Table(filter));
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::config::{AlertmanagerAuth, ProviderConfig};

    fn pagerduty(name: &str) -> AccountForm {
        AccountForm {
            name: name.into(),
            provider: ProviderKind::PagerDuty,
            region: None,
            api_url: Some("http://127.0.0.1:9/".into()),
            poll_interval_seconds: 30,
            notify: true,
            email: Some("pat@example.com".into()),
            basic_user: None,
            assigned_to_me: true,
            team_ids: vec![],
            service_ids: vec![],
            urgencies: vec![],
            matchers: vec![],
            responder: None,
            shift_reminder_minutes: None,
            on_call_user: None,
            site: None,
            team_id: None,
            labels: vec![],
        }
    }

    #[test]
    fn a_new_account_then_an_edit_keeps_the_users_comments_and_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(
            &path,
            "# mine\n[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\n\
             # keep me\ntoken_command = \"pass show pd\"\n",
        )
        .unwrap();
        save_account(&path, None, &pagerduty("team")).unwrap();
        let mut edit = pagerduty("work");
        edit.poll_interval_seconds = 60;
        edit.team_ids = vec!["PTEAM01".into(), " ".into()];
        edit.assigned_to_me = false;
        save_account(&path, Some("work"), &edit).unwrap();

        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# mine\n"), "{text}");
        assert!(text.contains("# keep me\ntoken_command"), "{text}");
        let config = Config::load(&path).unwrap();
        let work = config.account("work").unwrap();
        assert_eq!(work.poll_interval.as_secs(), 60);
        assert_eq!(work.token_command.as_deref(), Some("pass show pd"));
        let ProviderConfig::PagerDuty(pd) = &work.provider else {
            panic!()
        };
        assert_eq!(pd.filter.team_ids, ["PTEAM01"]);
        assert!(!pd.filter.assigned_to_me);
        assert_eq!(pd.email.as_deref(), Some("pat@example.com"));
        assert!(config.account("team").is_some());

        // Back to the defaults: the filter table goes away.
        save_account(&path, Some("work"), &pagerduty("work")).unwrap();
        assert!(!fs::read_to_string(&path).unwrap().contains("filter"));
    }

    #[test]
    fn an_invalid_form_writes_nothing_and_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        save_account(&path, None, &pagerduty("work")).unwrap();
        let before = fs::read_to_string(&path).unwrap();
        let mut bad = pagerduty("work");
        bad.poll_interval_seconds = 1;
        bad.api_url = Some("http://example.com".into());
        let err = save_account(&path, Some("work"), &bad).unwrap_err();
        let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
        assert!(
            keys.iter().any(|k| k.ends_with("poll_interval_seconds")),
            "{keys:?}"
        );
        assert!(keys.iter().any(|k| k.ends_with("api_url")), "{keys:?}");
        assert_eq!(fs::read_to_string(&path).unwrap(), before);

        let taken = save_account(&path, None, &pagerduty("work")).unwrap_err();
        assert!(matches!(taken, ConfigError::AccountExists { .. }));
        let mut renamed = pagerduty("other");
        renamed.provider = ProviderKind::PagerDuty;
        assert!(save_account(&path, Some("work"), &renamed).is_err());
    }

    #[test]
    fn alertmanager_basic_user_and_matchers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let form = AccountForm {
            provider: ProviderKind::Alertmanager,
            email: None,
            basic_user: Some("oncall".into()),
            matchers: vec!["team=\"platform\"".into(), "".into()],
            ..pagerduty("prom")
        };
        save_account(&path, None, &form).unwrap();
        let config = Config::load(&path).unwrap();
        let ProviderConfig::Alertmanager(am) = &config.account("prom").unwrap().provider else {
            panic!()
        };
        assert_eq!(
            am.auth,
            AlertmanagerAuth::Basic {
                user: "oncall".into()
            }
        );
        assert_eq!(am.filter, ["team=\"platform\""]);
        let cleared = AccountForm {
            basic_user: None,
            matchers: vec![],
            ..form
        };
        save_account(&path, Some("prom"), &cleared).unwrap();
        let config = Config::load(&path).unwrap();
        let ProviderConfig::Alertmanager(am) = &config.account("prom").unwrap().provider else {
            panic!()
        };
        assert_eq!(am.auth, AlertmanagerAuth::None);
        assert!(am.filter.is_empty());
    }

    #[test]
    fn the_shift_reminder_is_written_unless_it_is_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let key = || {
            fs::read_to_string(&path)
                .unwrap()
                .contains("shift_reminder_minutes")
        };
        let reminder = |name: &str| {
            Config::load(&path)
                .unwrap()
                .account(name)
                .unwrap()
                .shift_reminder
        };
        let minutes = |n: u64| Some(std::time::Duration::from_secs(n * 60));

        save_account(&path, None, &pagerduty("work")).unwrap();
        assert!(!key());
        let form = AccountForm::from_config(Config::load(&path).unwrap().account("work").unwrap());
        assert_eq!(form.shift_reminder_minutes, Some(15));

        let edit = |n| AccountForm {
            shift_reminder_minutes: Some(n),
            ..pagerduty("work")
        };
        save_account(&path, Some("work"), &edit(0)).unwrap();
        assert_eq!(reminder("work"), None);
        let form = AccountForm::from_config(Config::load(&path).unwrap().account("work").unwrap());
        assert_eq!(form.shift_reminder_minutes, Some(0));
        save_account(&path, Some("work"), &edit(45)).unwrap();
        assert_eq!(reminder("work"), minutes(45));
        // Back to the default: the key goes, as every other key the form leaves at its
        // default.
        save_account(&path, Some("work"), &edit(15)).unwrap();
        assert!(!key());
        assert_eq!(reminder("work"), minutes(15));

        let bad = save_account(&path, Some("work"), &edit(2000)).unwrap_err();
        let keys: Vec<&str> = bad.problems().iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["accounts[0].shift_reminder_minutes"]);

        // Opsgenie has shifts too; Alertmanager has none, so its form has no reminder
        // and never writes one.
        let opsgenie = AccountForm {
            provider: ProviderKind::Opsgenie,
            email: None,
            ..edit(5)
        };
        save_account(
            &path,
            None,
            &AccountForm {
                name: "ops".into(),
                ..opsgenie
            },
        )
        .unwrap();
        assert_eq!(reminder("ops"), minutes(5));
        let alertmanager = AccountForm {
            name: "prom".into(),
            provider: ProviderKind::Alertmanager,
            email: None,
            ..edit(5)
        };
        save_account(&path, None, &alertmanager).unwrap();
        let prom = Config::load(&path).unwrap();
        assert_eq!(
            AccountForm::from_config(prom.account("prom").unwrap()).shift_reminder_minutes,
            None
        );
    }

    #[test]
    fn the_opsgenie_user_round_trips_and_an_empty_one_removes_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let opsgenie = |user: Option<&str>| AccountForm {
            provider: ProviderKind::Opsgenie,
            email: None,
            on_call_user: user.map(String::from),
            ..pagerduty("ops")
        };
        let user = |path: &Path| {
            let config = Config::load(path).unwrap();
            AccountForm::from_config(config.account("ops").unwrap()).on_call_user
        };

        save_account(&path, None, &opsgenie(Some(" pat@example.com "))).unwrap();
        assert!(fs::read_to_string(&path)
            .unwrap()
            .contains("on_call_user = \"pat@example.com\"\n"));
        assert_eq!(user(&path).as_deref(), Some("pat@example.com"));

        let before = fs::read_to_string(&path).unwrap();
        let bad = save_account(&path, Some("ops"), &opsgenie(Some("pat\"x"))).unwrap_err();
        let keys: Vec<&str> = bad.problems().iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["accounts[0].on_call_user"]);
        assert_eq!(fs::read_to_string(&path).unwrap(), before);

        save_account(&path, Some("ops"), &opsgenie(Some("  "))).unwrap();
        assert!(!fs::read_to_string(&path).unwrap().contains("on_call_user"));
        assert_eq!(user(&path), None);

        // A PagerDuty form never writes it: the key is Opsgenie's.
        let pagerduty_form = AccountForm {
            on_call_user: Some("pat@example.com".into()),
            ..pagerduty("work")
        };
        save_account(&path, None, &pagerduty_form).unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(
            AccountForm::from_config(config.account("work").unwrap()).on_call_user,
            None
        );
    }
}

//! `RawConfig` → `Config`: every check, every default, every message.
//!
//! Checks never stop at the first problem: each one records a [`Problem`] and carries
//! on with a placeholder, so the user fixes the whole file in one go. Messages start
//! with the key (`accounts[0] (work): poll_interval_seconds = 1 …`) and end with what is
//! allowed, for someone reading them at 3 a.m.
//!
//! Every check is a method of [`Checker`], which carries what each one needs: the
//! config file's directory, where in the file the keys are, and the problems found so
//! far. This module checks what every account has; `keys` is the one table of which
//! provider owns which account key; `notifications` checks `[notifications]` and
//! `report` `[report]`; each provider's module checks the keys only that provider has.

mod alert_search;
mod alertmanager;
mod grafana_oncall;
mod jsm;
mod keys;
mod noise;
mod notifications;
mod opsgenie;
mod pagerduty;
mod report;

pub(crate) use report::WEEKDAYS;

use std::collections::HashMap;
use std::fmt::Display;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use oncall_model::{require_secure_transport, AccountId, InsecureUrl, ProviderKind};
use url::Url;

use super::model::{
    valid_account_name, ACCOUNT_NAME_RULE, MAX_POLL_INTERVAL, MAX_SHIFT_REMINDER, MIN_POLL_INTERVAL,
};
use super::raw::{RawAccount, RawConfig, WholeNumber};
use super::{
    secrets, AccountConfig, Config, Problem, ProviderConfig, Region, DEFAULT_POLL_INTERVAL,
    DEFAULT_SHIFT_REMINDER,
};

/// `dir` is the config file's directory: relative paths in the file start there.
pub(crate) fn validate(raw: RawConfig, dir: &Path) -> Result<Config, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut raw_notifications = raw.notifications.unwrap_or_default();
    let mut at_notifications = Checker::new(dir, Location::notifications(), &mut problems);
    let alarm = at_notifications.alarm(&mut raw_notifications);
    let notifications = at_notifications.notifications(raw_notifications);
    let raw_report = raw.report.unwrap_or_default();
    let report = Checker::new(dir, Location::report(), &mut problems).report(raw_report);
    let mut names = AccountNames::default();
    let accounts = raw
        .accounts
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(index, raw)| {
            let at = Location::account(index, raw.name.as_deref());
            Checker::new(dir, at, &mut problems).account(index, raw, &mut names)
        })
        .collect();
    if problems.is_empty() {
        Ok(Config {
            notifications,
            accounts,
            alarm,
            report,
        })
    } else {
        Err(problems)
    }
}

/// What every check threads through: the file's directory, where the keys being
/// checked live, and the problems of the whole file so far.
struct Checker<'a> {
    /// The config file's directory: relative paths in the file start there.
    dir: &'a Path,
    /// The table whose keys are being checked.
    at: Location,
    /// Every problem of the file, in the order the user reads them.
    problems: &'a mut Vec<Problem>,
}

/// Where a key lives: its path for [`Problem::key`] and the label the message opens with.
struct Location {
    /// `notifications` or `accounts[0]`.
    path: String,
    /// What messages open with: `notifications.` or `accounts[0] (work): `.
    label: String,
    /// The account's name when it is valid, for advice such as `oncall-tray token set
    /// work`.
    name: Option<String>,
}

impl Location {
    fn notifications() -> Location {
        Location {
            path: "notifications".to_string(),
            label: "notifications.".to_string(),
            name: None,
        }
    }

    fn report() -> Location {
        Location {
            path: "report".to_string(),
            label: "report.".to_string(),
            name: None,
        }
    }

    fn account(index: usize, name: Option<&str>) -> Location {
        let path = format!("accounts[{index}]");
        let name = name.filter(|name| valid_account_name(name));
        let label = match name {
            Some(name) => format!("{path} ({name}): "),
            None => format!("{path}: "),
        };
        Location {
            path,
            label,
            name: name.map(str::to_string),
        }
    }
}

/// The names seen so far, with the index of the account that has each.
type AccountNames = HashMap<String, usize>;

impl<'a> Checker<'a> {
    fn new(dir: &'a Path, at: Location, problems: &'a mut Vec<Problem>) -> Checker<'a> {
        Checker { dir, at, problems }
    }

    /// Records that `key` is wrong; `message` follows the key in the sentence.
    fn problem(&mut self, key: &str, message: impl Display) {
        self.problems.push(Problem {
            key: format!("{}.{key}", self.at.path),
            message: format!("{}{key}{message}", self.at.label),
        });
    }

    /// How many problems the file has so far; [`Checker::none_since`] tells whether a
    /// check found more.
    fn mark(&self) -> usize {
        self.problems.len()
    }

    /// Whether no problem was recorded since `mark`.
    fn none_since(&self, mark: usize) -> bool {
        self.problems.len() == mark
    }

    /// `oncall-tray token set work`, or `… NAME` when the name is not known.
    fn token_set(&self) -> String {
        format!(
            "`oncall-tray token set {}`",
            self.at.name.as_deref().unwrap_or("NAME")
        )
    }

    /// One account; `None` when it has problems (they are recorded).
    fn account(
        &mut self,
        index: usize,
        mut raw: RawAccount,
        names: &mut AccountNames,
    ) -> Option<AccountConfig> {
        let mark = self.mark();
        let name = self.account_name(index, raw.name.take(), names);
        let poll_interval = self.poll_interval(raw.poll_interval_seconds.take());
        let token_command = self.token_command(raw.token_command.take());
        let notify = raw.notify.take().unwrap_or(true);
        let noise = self.noise(raw.noise.take());
        let kind = self.provider_kind(raw.provider.take());
        // Keys of another provider: named, with the provider they are for, instead of
        // being silently ignored (or checked as if they belonged).
        let foreign = kind.is_some_and(|kind| self.foreign_keys(kind, &raw));
        let shift_reminder = if foreign {
            Some(DEFAULT_SHIFT_REMINDER)
        } else {
            self.shift_reminder(raw.shift_reminder_minutes.take())
        };
        let provider = match kind {
            _ if foreign => None,
            Some(ProviderKind::PagerDuty) => self.pagerduty(raw).map(ProviderConfig::PagerDuty),
            Some(ProviderKind::Alertmanager) => {
                self.alertmanager(raw).map(ProviderConfig::Alertmanager)
            }
            Some(ProviderKind::Opsgenie) => self.opsgenie(raw).map(ProviderConfig::Opsgenie),
            Some(ProviderKind::Jsm) => self.jsm(raw).map(ProviderConfig::Jsm),
            Some(ProviderKind::GrafanaOnCall) => {
                self.grafana_oncall(raw).map(ProviderConfig::GrafanaOnCall)
            }
            None => None,
        };
        if !self.none_since(mark) {
            return None;
        }
        Some(AccountConfig {
            name: AccountId::new(name?),
            poll_interval,
            token_command,
            notify,
            shift_reminder,
            noise,
            provider: provider?,
        })
    }

    fn account_name(
        &mut self,
        index: usize,
        name: Option<String>,
        names: &mut AccountNames,
    ) -> Option<String> {
        match name {
            None => {
                self.problem(
                    "name",
                    " is missing: every account needs a unique name, e.g. name = \"work\"",
                );
                None
            }
            Some(name) if !valid_account_name(&name) => {
                self.problem(
                    "name",
                    format!(" = {name:?} is not allowed: use {ACCOUNT_NAME_RULE}"),
                );
                None
            }
            Some(name) => {
                match names.get(&name) {
                    Some(first) => self.problem(
                        "name",
                        format!(" = {name:?} is already used by accounts[{first}]: account names must be unique"),
                    ),
                    None => {
                        names.insert(name.clone(), index);
                    }
                }
                Some(name)
            }
        }
    }

    fn poll_interval(&mut self, seconds: Option<WholeNumber>) -> Duration {
        let Some(seconds) = seconds.map(|n| n.0) else {
            return DEFAULT_POLL_INTERVAL;
        };
        let (min, max) = (MIN_POLL_INTERVAL.as_secs(), MAX_POLL_INTERVAL.as_secs());
        match u64::try_from(seconds) {
            Ok(ok) if (min..=max).contains(&ok) => Duration::from_secs(ok),
            _ if seconds < min as i64 => {
                self.problem(
                    "poll_interval_seconds",
                    format!(" = {seconds} is too short: the minimum is {min} seconds"),
                );
                DEFAULT_POLL_INTERVAL
            }
            _ => {
                self.problem(
                    "poll_interval_seconds",
                    format!(" = {seconds} is too long: the maximum is {max} seconds (one hour)"),
                );
                DEFAULT_POLL_INTERVAL
            }
        }
    }

    /// `shift_reminder_minutes` (PagerDuty and Opsgenie; an Alertmanager account never
    /// has it, so gets the default and no shifts to use it on). 0 turns reminders off.
    fn shift_reminder(&mut self, minutes: Option<WholeNumber>) -> Option<Duration> {
        let max = MAX_SHIFT_REMINDER.as_secs() / 60;
        let chosen = self.minutes_or_off(
            "shift_reminder_minutes",
            minutes,
            max,
            ("no reminder", "before a shift"),
        );
        match chosen {
            Some(minutes) => minutes.map(|m| Duration::from_secs(m * 60)),
            None => Some(DEFAULT_SHIFT_REMINDER),
        }
    }

    /// A key of whole minutes where 0 turns the feature off: `Some(None)` for 0,
    /// `Some(Some(m))` for 1 to `max`; `None` when absent, or out of range (reported,
    /// in the words of `(off, meaning)`: "use 0 for no reminder, or 1 to 1440 minutes
    /// (one day) before a shift"), where the caller's default applies.
    pub(super) fn minutes_or_off(
        &mut self,
        key: &str,
        minutes: Option<WholeNumber>,
        max: u64,
        (off, meaning): (&str, &str),
    ) -> Option<Option<u64>> {
        let minutes = minutes?.0;
        match u64::try_from(minutes) {
            Ok(0) => Some(None),
            Ok(ok) if ok <= max => Some(Some(ok)),
            _ => {
                self.problem(
                    key,
                    format!(" = {minutes} is out of range: use 0 for {off}, or 1 to {max} minutes (one day) {meaning}"),
                );
                None
            }
        }
    }

    fn token_command(&mut self, command: Option<String>) -> Option<String> {
        match command {
            Some(command) if command.trim().is_empty() => {
                self.problem(
                    "token_command",
                    " is empty: remove it to use the token stored with `oncall-tray token set`, or give a command that prints the token",
                );
                None
            }
            other => other,
        }
    }

    fn provider_kind(&mut self, provider: Option<String>) -> Option<ProviderKind> {
        match provider.as_deref() {
            None => {
                self.problem(
                    "provider",
                    " is missing: set provider = \"pagerduty\", \"alertmanager\", \"opsgenie\", \"jsm\" or \"grafana-oncall\"",
                );
                None
            }
            Some("pagerduty") => Some(ProviderKind::PagerDuty),
            Some("alertmanager") => Some(ProviderKind::Alertmanager),
            Some("opsgenie") => Some(ProviderKind::Opsgenie),
            Some("jsm") => Some(ProviderKind::Jsm),
            Some("grafana-oncall") => Some(ProviderKind::GrafanaOnCall),
            Some(other) => {
                self.problem(
                    "provider",
                    format!(" = {other:?}: allowed values are \"pagerduty\", \"alertmanager\", \"opsgenie\", \"jsm\" and \"grafana-oncall\""),
                );
                None
            }
        }
    }

    /// Records every key of `raw` that a `kind` account does not have, in the order of
    /// [`keys::ACCOUNT_KEYS`]; `true` when there was one.
    fn foreign_keys(&mut self, kind: ProviderKind, raw: &RawAccount) -> bool {
        let mark = self.mark();
        for key in keys::ACCOUNT_KEYS {
            if (key.is_set)(raw) && !key.owners.contains(&kind) {
                self.problem(key.name, keys::not_for(key, kind));
            }
        }
        !self.none_since(mark)
    }

    /// `region`, PagerDuty's and Opsgenie's: `us` or `eu`.
    fn region(&mut self, text: Option<String>) -> Option<Region> {
        text.and_then(|text| match text.parse::<Region>() {
            Ok(region) => Some(region),
            Err(_) => {
                self.problem(
                    "region",
                    format!(" = {text:?}: allowed values are \"us\" and \"eu\""),
                );
                None
            }
        })
    }

    /// `api_url` where the region gives a host when it is absent.
    fn api_url_or(&mut self, text: Option<String>, region_host: Url, example: &str) -> Url {
        match text {
            None => region_host,
            Some(text) => self.api_url(&text, example).unwrap_or(region_host),
        }
    }

    /// An `api_url` value; `example` is a URL of the account's provider, for messages.
    fn api_url(&mut self, text: &str, example: &str) -> Option<Url> {
        let url = match Url::parse(text) {
            Ok(url) => url,
            Err(err) => {
                self.problem(
                    "api_url",
                    format!(" = {text:?} is not a URL ({err}): write it like \"{example}\""),
                );
                return None;
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            // Not echoed: the user name or password may be a credential.
            self.problem(
                "api_url",
                format!(
                    " contains a user name or password: {}",
                    secrets::advice(None)
                ),
            );
            return None;
        }
        match require_secure_transport(&url) {
            Ok(()) => Some(url),
            Err(err) => {
                let why = match err {
                    InsecureUrl::PlainHttp(_) => "is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)".to_string(),
                    InsecureUrl::NotHttp(_) => "is not allowed: use an https:// URL".to_string(),
                    InsecureUrl::NoHost(_) => format!("has no host name: write it like \"{example}\""),
                };
                self.problem("api_url", format!(" = {text:?} {why}"));
                None
            }
        }
    }

    /// A path key naming a file: resolved against the config directory (a relative path
    /// is said resolved in every problem), not a directory, and opened with `open`.
    /// `what` names the file in the directory problem; `not_found_hint` follows the
    /// "does not exist" one.
    fn config_file<T>(
        &mut self,
        key: &str,
        text: &str,
        what: &str,
        not_found_hint: &str,
        open: impl FnOnce(&Path) -> io::Result<T>,
    ) -> Option<(PathBuf, T)> {
        let written = Path::new(text);
        let path = if written.is_absolute() {
            written.to_path_buf()
        } else {
            self.dir.join(written)
        };
        let resolved = if written.is_absolute() {
            String::new()
        } else {
            format!(
                " (relative paths start from the config file's directory: looked for {})",
                path.display()
            )
        };
        if path.is_dir() {
            self.problem(
                key,
                format!(" = {text:?} is a directory: give the path of {what}{resolved}"),
            );
            return None;
        }
        match open(&path) {
            Ok(opened) => Some((path, opened)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                self.problem(
                    key,
                    format!(" = {text:?} does not exist{resolved}{not_found_hint}"),
                );
                None
            }
            Err(err) => {
                self.problem(key, format!(" = {text:?} cannot be read ({err}){resolved}"));
                None
            }
        }
    }
}

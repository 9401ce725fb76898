//! `RawConfig` → `Config`: every check, every default, every message.
//!
//! Checks never stop at the first problem: each one records a [`Problem`] and carries
//! on with a placeholder, so the user fixes the whole file in one go. Messages start
//! with the key (`accounts[0] (work): poll_interval_seconds = 1 …`) and end with what is
//! allowed, for someone reading them at 3 a.m.

use std::collections::HashMap;
use std::fmt::Display;
use std::time::Duration;

use chrono::NaiveTime;
use oncall_model::{require_secure_transport, AccountId, InsecureUrl, Urgency};
use oncall_policy::{LowUrgency, NotifyFor, QuietHours, Settings};
use url::Url;

use super::model::{MAX_POLL_INTERVAL, MIN_POLL_INTERVAL};
use super::raw::{RawAccount, RawConfig, RawFilter, RawNotifications, RawQuietHours};
use super::{
    secrets, AccountConfig, AuthScheme, Config, PagerDutyAccount, PagerDutyFilter, Problem,
    ProviderConfig, Region, DEFAULT_POLL_INTERVAL,
};

const MAX_REPEAT_MINUTES: i64 = 1440;
const MAX_STORM_THRESHOLD: usize = 1000;

pub(crate) fn validate(raw: RawConfig) -> Result<Config, Vec<Problem>> {
    let mut problems = Problems::default();
    let notifications = notifications(raw.notifications.unwrap_or_default(), &mut problems);
    let mut names: HashMap<String, usize> = HashMap::new();
    let accounts = raw
        .accounts
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(index, raw)| account(index, raw, &mut names, &mut problems))
        .collect();
    if problems.0.is_empty() {
        Ok(Config {
            notifications,
            accounts,
        })
    } else {
        Err(problems.0)
    }
}

#[derive(Default)]
struct Problems(Vec<Problem>);

/// Where a key lives: its path for [`Problem::key`] and the label the message opens with.
struct Location {
    /// `notifications` or `accounts[0]`.
    path: String,
    /// What messages open with: `notifications.` or `accounts[0] (work): `.
    label: String,
}

impl Location {
    fn notifications() -> Location {
        Location {
            path: "notifications".to_string(),
            label: "notifications.".to_string(),
        }
    }

    fn account(index: usize, name: Option<&str>) -> Location {
        let path = format!("accounts[{index}]");
        let label = match name {
            Some(name) if is_valid_name(name) => format!("{path} ({name}): "),
            _ => format!("{path}: "),
        };
        Location { path, label }
    }

    /// Records that `key` is wrong; `message` follows the key in the sentence.
    fn problem(&self, problems: &mut Problems, key: &str, message: impl Display) {
        problems.0.push(Problem {
            key: format!("{}.{key}", self.path),
            message: format!("{}{key}{message}", self.label),
        });
    }
}

fn notifications(raw: RawNotifications, problems: &mut Problems) -> Settings {
    let at = Location::notifications();
    let defaults = Settings::default();

    let notify_for = match raw.notify_for.as_deref() {
        None => defaults.notify_for,
        Some("mine") => NotifyFor::Mine,
        Some("all") => NotifyFor::All,
        Some(other) => {
            at.problem(
                problems,
                "notify_for",
                format!(" = {other:?}: allowed values are \"mine\" and \"all\""),
            );
            defaults.notify_for
        }
    };

    let low_urgency = match raw.low_urgency.as_deref() {
        None => defaults.low_urgency,
        Some("once") => LowUrgency::Once,
        Some("never") => LowUrgency::Never,
        Some(other) => {
            at.problem(
                problems,
                "low_urgency",
                format!(" = {other:?}: allowed values are \"once\" and \"never\""),
            );
            defaults.low_urgency
        }
    };

    let repeat_high_urgency = match raw.repeat_high_urgency_minutes.map(|n| n.0) {
        None => defaults.repeat_high_urgency,
        Some(0) => None,
        Some(minutes @ 1..=MAX_REPEAT_MINUTES) => Some(chrono::Duration::minutes(minutes)),
        Some(minutes) if minutes < 0 => {
            at.problem(
                problems,
                "repeat_high_urgency_minutes",
                format!(" = {minutes} is negative: use 0 to never repeat, or 1 to {MAX_REPEAT_MINUTES} minutes"),
            );
            defaults.repeat_high_urgency
        }
        Some(minutes) => {
            at.problem(
                problems,
                "repeat_high_urgency_minutes",
                format!(" = {minutes} is too long: the maximum is {MAX_REPEAT_MINUTES} minutes (one day); 0 turns repeats off"),
            );
            defaults.repeat_high_urgency
        }
    };

    let storm_threshold = match raw.storm_threshold.map(|n| n.0) {
        None => defaults.storm_threshold,
        Some(n) => match usize::try_from(n) {
            Ok(ok @ 1..=MAX_STORM_THRESHOLD) => ok,
            _ if n < 1 => {
                at.problem(
                    problems,
                    "storm_threshold",
                    format!(" = {n} is too small: the minimum is 1"),
                );
                defaults.storm_threshold
            }
            _ => {
                at.problem(
                    problems,
                    "storm_threshold",
                    format!(" = {n} is too large: the maximum is {MAX_STORM_THRESHOLD}"),
                );
                defaults.storm_threshold
            }
        },
    };

    let quiet_hours = raw
        .quiet_hours
        .and_then(|raw| quiet_hours(&at, raw, problems));

    Settings {
        notify_for,
        low_urgency,
        repeat_high_urgency,
        storm_threshold,
        quiet_hours,
    }
}

fn quiet_hours(at: &Location, raw: RawQuietHours, problems: &mut Problems) -> Option<QuietHours> {
    let time = |key: &str, value: Option<String>, problems: &mut Problems| match value {
        None => {
            at.problem(
                problems,
                &format!("quiet_hours.{key}"),
                " is missing: quiet hours need both start and end, e.g. { start = \"22:00\", end = \"07:00\" }",
            );
            None
        }
        Some(text) => {
            let parsed = parse_hh_mm(&text);
            if parsed.is_none() {
                at.problem(
                    problems,
                    &format!("quiet_hours.{key}"),
                    format!(
                        " = {text:?} is not a time: write HH:MM on a 24-hour clock, e.g. \"22:00\""
                    ),
                );
            }
            parsed
        }
    };
    let start = time("start", raw.start, problems);
    let end = time("end", raw.end, problems);
    let (start, end) = (start?, end?);
    if start == end {
        at.problem(
            problems,
            "quiet_hours",
            format!(
                ": start and end are both \"{}\", which makes an empty window: remove quiet_hours to turn them off",
                start.format("%H:%M")
            ),
        );
        return None;
    }
    Some(QuietHours { start, end })
}

/// `H:MM` or `HH:MM`, 00:00 to 23:59.
fn parse_hh_mm(text: &str) -> Option<NaiveTime> {
    let (hours, minutes) = text.split_once(':')?;
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hours, 1..=2) || !digits(minutes, 2..=2) {
        return None;
    }
    NaiveTime::from_hms_opt(hours.parse().ok()?, minutes.parse().ok()?, 0)
}

fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// One account; `None` when it has problems (they are recorded).
fn account(
    index: usize,
    raw: RawAccount,
    names: &mut HashMap<String, usize>,
    problems: &mut Problems,
) -> Option<AccountConfig> {
    let at = &Location::account(index, raw.name.as_deref());
    let before = problems.0.len();
    let RawAccount {
        name,
        provider,
        region,
        api_url,
        auth,
        email,
        poll_interval_seconds,
        token_command,
        notify,
        filter,
    } = raw;

    let name = match name {
        None => {
            at.problem(
                problems,
                "name",
                " is missing: every account needs a unique name, e.g. name = \"work\"",
            );
            None
        }
        Some(name) if !is_valid_name(&name) => {
            at.problem(
                problems,
                "name",
                format!(" = {name:?} is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'"),
            );
            None
        }
        Some(name) => {
            match names.get(&name) {
                Some(first) => at.problem(
                    problems,
                    "name",
                    format!(" = {name:?} is already used by accounts[{first}]: account names must be unique"),
                ),
                None => {
                    names.insert(name.clone(), index);
                }
            }
            Some(name)
        }
    };

    let poll_interval = match poll_interval_seconds.map(|n| n.0) {
        None => DEFAULT_POLL_INTERVAL,
        Some(seconds) => {
            let (min, max) = (MIN_POLL_INTERVAL.as_secs(), MAX_POLL_INTERVAL.as_secs());
            match u64::try_from(seconds) {
                Ok(ok) if (min..=max).contains(&ok) => Duration::from_secs(ok),
                _ if seconds < min as i64 => {
                    at.problem(
                        problems,
                        "poll_interval_seconds",
                        format!(" = {seconds} is too short: the minimum is {min} seconds"),
                    );
                    DEFAULT_POLL_INTERVAL
                }
                _ => {
                    at.problem(
                        problems,
                        "poll_interval_seconds",
                        format!(
                            " = {seconds} is too long: the maximum is {max} seconds (one hour)"
                        ),
                    );
                    DEFAULT_POLL_INTERVAL
                }
            }
        }
    };

    let token_command = match token_command {
        Some(command) if command.trim().is_empty() => {
            at.problem(
                problems,
                "token_command",
                " is empty: remove it to use the token stored with `oncall-tray token set`, or give a command that prints the token",
            );
            None
        }
        other => other,
    };

    let provider = match provider.as_deref() {
        None => {
            at.problem(
                problems,
                "provider",
                " is missing: set provider = \"pagerduty\"",
            );
            None
        }
        Some("pagerduty") => pagerduty(
            at,
            PagerDutyKeys {
                region,
                api_url,
                auth,
                email,
                filter,
            },
            problems,
        )
        .map(ProviderConfig::PagerDuty),
        Some(kind @ ("alertmanager" | "opsgenie")) => {
            at.problem(
                problems,
                "provider",
                format!(" = {kind:?} is not supported yet: the only supported provider is \"pagerduty\""),
            );
            None
        }
        Some(other) => {
            at.problem(
                problems,
                "provider",
                format!(" = {other:?}: allowed values are \"pagerduty\""),
            );
            None
        }
    };

    if problems.0.len() > before {
        return None;
    }
    Some(AccountConfig {
        name: AccountId::new(name?),
        poll_interval,
        token_command,
        notify: notify.unwrap_or(true),
        provider: provider?,
    })
}

/// The keys of an account that only PagerDuty has.
struct PagerDutyKeys {
    region: Option<String>,
    api_url: Option<String>,
    auth: Option<String>,
    email: Option<String>,
    filter: Option<RawFilter>,
}

fn pagerduty(
    at: &Location,
    keys: PagerDutyKeys,
    problems: &mut Problems,
) -> Option<PagerDutyAccount> {
    let before = problems.0.len();

    let region = keys.region.and_then(|text| match text.parse::<Region>() {
        Ok(region) => Some(region),
        Err(_) => {
            at.problem(
                problems,
                "region",
                format!(" = {text:?}: allowed values are \"us\" and \"eu\""),
            );
            None
        }
    });

    let api_url = match keys.api_url {
        None => region.unwrap_or(Region::Us).api_url(),
        Some(text) => api_url(at, &text, problems).unwrap_or_else(|| Region::Us.api_url()),
    };

    let auth = match keys.auth.as_deref() {
        None => AuthScheme::default(),
        Some("token") => AuthScheme::Token,
        Some("oauth") => AuthScheme::OAuth,
        Some(other) => {
            at.problem(
                problems,
                "auth",
                format!(" = {other:?}: allowed values are \"token\" (a user API token) and \"oauth\" (an OAuth access token)"),
            );
            AuthScheme::default()
        }
    };

    let email = keys.email.map(|email| email.trim().to_string());
    if let Some(email) = &email {
        if !email.contains('@') || email.contains(char::is_whitespace) {
            at.problem(
                problems,
                "email",
                format!(" = {email:?} is not an email address: it needs an '@' (PagerDuty wants it as the From of an acknowledge or resolve)"),
            );
        }
    }

    let filter = match keys.filter {
        None => PagerDutyFilter::default(),
        Some(raw) => filter(at, raw, problems),
    };

    (problems.0.len() == before).then_some(PagerDutyAccount {
        api_url,
        region,
        auth,
        email,
        filter,
    })
}

fn api_url(at: &Location, text: &str, problems: &mut Problems) -> Option<Url> {
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(err) => {
            at.problem(
                problems,
                "api_url",
                format!(
                    " = {text:?} is not a URL ({err}): write it like \"https://api.pagerduty.com\""
                ),
            );
            return None;
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        // Not echoed: the user name or password may be a credential.
        at.problem(
            problems,
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
                InsecureUrl::PlainHttp(_) => "is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)",
                InsecureUrl::NotHttp(_) => "is not allowed: use an https:// URL",
                InsecureUrl::NoHost(_) => "has no host name: write it like \"https://api.pagerduty.com\"",
            };
            at.problem(problems, "api_url", format!(" = {text:?} {why}"));
            None
        }
    }
}

fn filter(at: &Location, raw: RawFilter, problems: &mut Problems) -> PagerDutyFilter {
    let team_ids = ids(at, "filter.team_ids", raw.team_ids, problems);
    let service_ids = ids(at, "filter.service_ids", raw.service_ids, problems);

    let mut urgencies = Vec::new();
    for (i, text) in raw.urgencies.unwrap_or_default().into_iter().enumerate() {
        let urgency = match text.as_str() {
            "high" => Urgency::High,
            "low" => Urgency::Low,
            _ => {
                at.problem(
                    problems,
                    &format!("filter.urgencies[{i}]"),
                    format!(" = {text:?}: allowed values are \"high\" and \"low\""),
                );
                continue;
            }
        };
        if !urgencies.contains(&urgency) {
            urgencies.push(urgency);
        }
    }

    let no_ids = team_ids.is_empty() && service_ids.is_empty();
    let assigned_to_me = match raw.assigned_to_me {
        Some(value) => value,
        None if no_ids => true,
        None => {
            // With ids, "mine within these teams" and "everything in these teams" are
            // both plausible: make the user say which.
            at.problem(
                problems,
                "filter.assigned_to_me",
                " is missing: with team_ids or service_ids, say assigned_to_me = true (only incidents assigned to you in them) or false (every incident in them)",
            );
            true
        }
    };
    if !assigned_to_me && no_ids {
        at.problem(
            problems,
            "filter",
            " selects every incident in the account: with assigned_to_me = false, list team_ids or service_ids, or set assigned_to_me = true",
        );
    }

    PagerDutyFilter {
        assigned_to_me,
        team_ids,
        service_ids,
        urgencies,
    }
}

/// A list of PagerDuty object ids (`PABC123`).
fn ids(at: &Location, key: &str, raw: Option<Vec<String>>, problems: &mut Problems) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, id) in raw.unwrap_or_default().into_iter().enumerate() {
        let valid = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !valid {
            at.problem(
                problems,
                &format!("{key}[{i}]"),
                format!(" = {id:?} is not a PagerDuty id: ids are capital letters and digits, e.g. \"PABC123\""),
            );
        } else if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

//! `RawConfig` → `Config`: every check, every default, every message.
//!
//! Checks never stop at the first problem: each one records a [`Problem`] and carries
//! on with a placeholder, so the user fixes the whole file in one go. Messages start
//! with the key (`accounts[0] (work): poll_interval_seconds = 1 …`) and end with what is
//! allowed, for someone reading them at 3 a.m.

use std::collections::HashMap;
use std::fmt::Display;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use oncall_model::{require_secure_transport, AccountId, InsecureUrl, ProviderKind, Urgency};
use oncall_policy::{LowUrgency, NotifyFor, QuietHours, Settings};
use url::Url;

use super::model::{
    with_trailing_slash, AlarmSettings, Sound, DEFAULT_ACK_DURATION, DEFAULT_HIGH_PRIORITIES,
    DEFAULT_OPSGENIE_QUERY, DEFAULT_SEVERITY_HIGH, MAX_ACK_DURATION, MAX_ALARM_REPEAT,
    MAX_POLL_INTERVAL, MIN_ACK_DURATION, MIN_POLL_INTERVAL,
};
use super::raw::{
    RawAccount, RawConfig, RawFilter, RawFilterValue, RawNotifications, RawQuietHours, WholeNumber,
};
use super::{
    secrets, AccountConfig, AlertmanagerAccount, AlertmanagerAuth, AuthScheme, Config,
    OpsgenieAccount, OpsgenieRegion, PagerDutyAccount, PagerDutyFilter, Problem, ProviderConfig,
    Region, DEFAULT_POLL_INTERVAL,
};

const MAX_REPEAT_MINUTES: i64 = 1440;
const MAX_STORM_THRESHOLD: usize = 1000;

/// `dir` is the config file's directory: relative paths in the file start there.
pub(crate) fn validate(raw: RawConfig, dir: &Path) -> Result<Config, Vec<Problem>> {
    let mut problems = Problems::default();
    let mut raw_notifications = raw.notifications.unwrap_or_default();
    let alarm = alarm(&mut raw_notifications, dir, &mut problems);
    let notifications = notifications(raw_notifications, &mut problems);
    let mut names: HashMap<String, usize> = HashMap::new();
    let accounts = raw
        .accounts
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(index, raw)| account(index, raw, dir, &mut names, &mut problems))
        .collect();
    if problems.0.is_empty() {
        Ok(Config {
            notifications,
            accounts,
            alarm,
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

    fn account(index: usize, name: Option<&str>) -> Location {
        let path = format!("accounts[{index}]");
        let name = name.filter(|name| is_valid_name(name));
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

    /// `oncall-tray token set work`, or `… NAME` when the name is not known.
    fn token_set(&self) -> String {
        format!(
            "`oncall-tray token set {}`",
            self.name.as_deref().unwrap_or("NAME")
        )
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

/// The sound keys of `[notifications]`, taken out of `raw` (the policy's settings are
/// read from the rest).
fn alarm(raw: &mut RawNotifications, dir: &Path, problems: &mut Problems) -> AlarmSettings {
    let at = Location::notifications();
    let defaults = AlarmSettings::default();
    let sound_high = match raw.sound_high.take() {
        None => defaults.sound_high,
        Some(text) => sound(&at, "sound_high", &text, dir, problems).unwrap_or(Sound::None),
    };
    let sound_low = match raw.sound_low.take() {
        None => defaults.sound_low,
        Some(text) => sound(&at, "sound_low", &text, dir, problems).unwrap_or(Sound::None),
    };
    let max_repeat = MAX_ALARM_REPEAT.as_secs() as i64;
    let repeat = match raw.alarm_repeat_seconds.take().map(|n| n.0) {
        None => defaults.repeat,
        Some(0) => None,
        Some(seconds) if (1..=max_repeat).contains(&seconds) => {
            Some(Duration::from_secs(seconds as u64))
        }
        Some(seconds) => {
            at.problem(
                problems,
                "alarm_repeat_seconds",
                format!(" = {seconds} is out of range: use 0 to play once, or 1 to {max_repeat} seconds"),
            );
            defaults.repeat
        }
    };
    let volume = match raw.alarm_volume.take().map(|n| n.0) {
        None => defaults.volume,
        Some(volume @ 0..=100) => volume as u8,
        Some(volume) => {
            at.problem(
                problems,
                "alarm_volume",
                format!(" = {volume} is out of range: 0 to 100 (percent)"),
            );
            defaults.volume
        }
    };
    AlarmSettings {
        sound_high,
        sound_low,
        repeat,
        volume,
    }
}

/// `"none"`, a sound theme name, or the path of a readable file (absolute, or relative
/// to the config file's directory). Whether a theme name exists is only known where the
/// sound plays (themes differ per desktop), so only its spelling is checked here.
fn sound(
    at: &Location,
    key: &str,
    text: &str,
    dir: &Path,
    problems: &mut Problems,
) -> Option<Sound> {
    const ALLOWED: &str = "allowed are \"none\", a sound theme name such as \"alarm-clock-elapsed\", or the path of an Ogg Vorbis or WAV file";
    if text == "none" {
        return Some(Sound::None);
    }
    let theme_name = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if theme_name {
        return Some(Sound::Theme(text.to_string()));
    }
    let looks_like_path = text.contains('/') || text.contains('\\') || text.contains('.');
    if text.trim().is_empty() || !looks_like_path {
        at.problem(problems, key, format!(" = {text:?}: {ALLOWED}"));
        return None;
    }
    config_file(
        at,
        key,
        text,
        dir,
        "a sound file",
        &format!(": {ALLOWED}"),
        problems,
        |p| fs::File::open(p),
    )
    .map(|(path, _)| Sound::File(path))
}

/// A path key naming a file: resolved against the config directory (a relative path is
/// said resolved in every problem), not a directory, and opened with `open`. `what`
/// names the file in the directory problem; `not_found_hint` follows the "does not
/// exist" one.
#[allow(clippy::too_many_arguments)]
fn config_file<T>(
    at: &Location,
    key: &str,
    text: &str,
    dir: &Path,
    what: &str,
    not_found_hint: &str,
    problems: &mut Problems,
    open: impl FnOnce(&Path) -> io::Result<T>,
) -> Option<(PathBuf, T)> {
    let written = Path::new(text);
    let path = if written.is_absolute() {
        written.to_path_buf()
    } else {
        dir.join(written)
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
        at.problem(
            problems,
            key,
            format!(" = {text:?} is a directory: give the path of {what}{resolved}"),
        );
        return None;
    }
    match open(&path) {
        Ok(opened) => Some((path, opened)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            at.problem(
                problems,
                key,
                format!(" = {text:?} does not exist{resolved}{not_found_hint}"),
            );
            None
        }
        Err(err) => {
            at.problem(
                problems,
                key,
                format!(" = {text:?} cannot be read ({err}){resolved}"),
            );
            None
        }
    }
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
    dir: &Path,
    names: &mut HashMap<String, usize>,
    problems: &mut Problems,
) -> Option<AccountConfig> {
    let at = &Location::account(index, raw.name.as_deref());
    let before = problems.0.len();
    let RawAccount {
        name,
        provider,
        api_url,
        poll_interval_seconds,
        token_command,
        notify,
        region,
        auth,
        filter,
        email,
        basic_user,
        header_name,
        receiver,
        severity_high,
        ack_hours,
        created_by,
        ca_file,
        client_cert,
        query,
        responder,
        high_priorities,
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

    let kind = match provider.as_deref() {
        None => {
            at.problem(
                problems,
                "provider",
                " is missing: set provider = \"pagerduty\", \"alertmanager\" or \"opsgenie\"",
            );
            None
        }
        Some("pagerduty") => Some(ProviderKind::PagerDuty),
        Some("alertmanager") => Some(ProviderKind::Alertmanager),
        Some("opsgenie") => Some(ProviderKind::Opsgenie),
        Some(other) => {
            at.problem(
                problems,
                "provider",
                format!(" = {other:?}: allowed values are \"pagerduty\", \"alertmanager\" and \"opsgenie\""),
            );
            None
        }
    };

    let provider = kind.and_then(|kind| {
        // Keys of another provider: named, with the provider they are for, instead of
        // being silently ignored.
        let given = [
            ("region", region.is_some()),
            ("auth", auth.is_some()),
            ("filter", filter.is_some()),
            ("email", email.is_some()),
            ("basic_user", basic_user.is_some()),
            ("header_name", header_name.is_some()),
            ("receiver", receiver.is_some()),
            ("severity_high", severity_high.is_some()),
            ("ack_hours", ack_hours.is_some()),
            ("created_by", created_by.is_some()),
            ("ca_file", ca_file.is_some()),
            ("client_cert", client_cert.is_some()),
            ("query", query.is_some()),
            ("responder", responder.is_some()),
            ("high_priorities", high_priorities.is_some()),
        ];
        let foreign_before = problems.0.len();
        for (key, _) in given.iter().filter(|(_, given)| *given) {
            let owners = owners(key);
            if !owners.contains(&kind) {
                let owners = owners
                    .iter()
                    .map(|&k| title(k))
                    .collect::<Vec<_>>()
                    .join("/");
                at.problem(
                    problems,
                    key,
                    format!(
                        " is {} {owners} key; {} {} account has no {key}",
                        article(&owners),
                        article(title(kind)),
                        title(kind)
                    ),
                );
            }
        }
        if problems.0.len() > foreign_before {
            return None;
        }
        match kind {
            ProviderKind::PagerDuty => pagerduty(
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
            ProviderKind::Alertmanager => alertmanager(
                at,
                AlertmanagerKeys {
                    api_url,
                    auth,
                    basic_user,
                    header_name,
                    filter,
                    receiver,
                    severity_high,
                    ack_hours,
                    created_by,
                    ca_file,
                    client_cert,
                },
                dir,
                problems,
            )
            .map(ProviderConfig::Alertmanager),
            ProviderKind::Opsgenie => opsgenie(
                at,
                OpsgenieKeys {
                    region,
                    api_url,
                    query,
                    responder,
                    high_priorities,
                },
                problems,
            )
            .map(ProviderConfig::Opsgenie),
        }
    });

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

/// The providers that have `key`, for the keys that not every provider has.
fn owners(key: &str) -> &'static [ProviderKind] {
    use ProviderKind::{Alertmanager, Opsgenie, PagerDuty};
    match key {
        "region" => &[PagerDuty, Opsgenie],
        "auth" | "filter" => &[PagerDuty, Alertmanager],
        "email" => &[PagerDuty],
        "query" | "responder" | "high_priorities" => &[Opsgenie],
        _ => &[Alertmanager],
    }
}

/// The provider's name as its users write it.
fn title(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::PagerDuty => "PagerDuty",
        ProviderKind::Alertmanager => "Alertmanager",
        ProviderKind::Opsgenie => "Opsgenie",
    }
}

/// "a" or "an" before `word` ("a PagerDuty", "an Opsgenie").
fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// The keys of an account that only PagerDuty has (or has in this shape).
struct PagerDutyKeys {
    region: Option<String>,
    api_url: Option<String>,
    auth: Option<String>,
    email: Option<String>,
    filter: Option<RawFilterValue>,
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
        Some(text) => api_url(at, &text, PAGERDUTY_EXAMPLE_URL, problems)
            .unwrap_or_else(|| Region::Us.api_url()),
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
        Some(RawFilterValue::Table(raw)) => filter(at, raw, problems),
        Some(RawFilterValue::Matchers(_)) => {
            at.problem(
                problems,
                "filter",
                " is a list, but a PagerDuty filter is a table: write an [accounts.filter] table with assigned_to_me, team_ids, service_ids or urgencies (lists of label matchers are for Alertmanager accounts)",
            );
            PagerDutyFilter::default()
        }
    };

    (problems.0.len() == before).then_some(PagerDutyAccount {
        api_url,
        region,
        auth,
        email,
        filter,
    })
}

const PAGERDUTY_EXAMPLE_URL: &str = "https://api.pagerduty.com";
const ALERTMANAGER_EXAMPLE_URL: &str = "https://alertmanager.example.com";
const OPSGENIE_EXAMPLE_URL: &str = "https://api.opsgenie.com";

/// The keys of an Alertmanager account.
struct AlertmanagerKeys {
    api_url: Option<String>,
    auth: Option<String>,
    basic_user: Option<String>,
    header_name: Option<String>,
    filter: Option<RawFilterValue>,
    receiver: Option<String>,
    severity_high: Option<Vec<String>>,
    ack_hours: Option<WholeNumber>,
    created_by: Option<String>,
    ca_file: Option<String>,
    client_cert: Option<String>,
}

fn alertmanager(
    at: &Location,
    keys: AlertmanagerKeys,
    dir: &Path,
    problems: &mut Problems,
) -> Option<AlertmanagerAccount> {
    let before = problems.0.len();

    let api_url = match keys.api_url {
        None => {
            at.problem(
                problems,
                "api_url",
                format!(" is missing: an Alertmanager account needs the server's base URL, with its route prefix if it has one, e.g. api_url = \"{ALERTMANAGER_EXAMPLE_URL}\""),
            );
            None
        }
        Some(text) => api_url(at, &text, ALERTMANAGER_EXAMPLE_URL, problems)
            .and_then(|url| alertmanager_base(at, &text, url, problems)),
    };

    let auth = alertmanager_auth(at, keys.auth, keys.basic_user, keys.header_name, problems);

    let filter = match keys.filter {
        None => Vec::new(),
        Some(RawFilterValue::Matchers(matchers)) => matchers
            .iter()
            .enumerate()
            .filter_map(|(i, text)| {
                let trimmed = text.trim();
                match check_matcher(trimmed) {
                    Ok(()) => Some(trimmed.to_string()),
                    Err(why) => {
                        at.problem(
                            problems,
                            &format!("filter[{i}]"),
                            format!(" = {} {why}", toml_string(text)),
                        );
                        None
                    }
                }
            })
            .collect(),
        Some(RawFilterValue::Table(_)) => {
            at.problem(
                problems,
                "filter",
                format!(" is a table, but an Alertmanager filter is a list of label matchers, e.g. filter = [{MATCHER_EXAMPLES}] (an [accounts.filter] table is for PagerDuty accounts)"),
            );
            Vec::new()
        }
    };

    let receiver = match keys.receiver {
        None => None,
        Some(text) if text.is_empty() => {
            at.problem(
                problems,
                "receiver",
                " is empty: remove it to list the alerts of every receiver, or give a regular expression, e.g. receiver = \"team-a|team-b\"",
            );
            None
        }
        Some(text) => match regex_error(&text) {
            None => Some(text),
            Some(err) => {
                at.problem(
                    problems,
                    "receiver",
                    format!(" = {text:?} is not a valid regular expression ({err}): write one in Alertmanager's (RE2) syntax, e.g. \"team-a|team-b\""),
                );
                None
            }
        },
    };

    let severity_high = match keys.severity_high {
        None => DEFAULT_SEVERITY_HIGH.map(String::from).to_vec(),
        Some(values) => {
            let mut severities: Vec<String> = Vec::new();
            for (i, value) in values.into_iter().enumerate() {
                let value = value.trim().to_string();
                if value.is_empty() {
                    at.problem(
                        problems,
                        &format!("severity_high[{i}]"),
                        " is empty: list values of the severity label, e.g. severity_high = [\"critical\", \"page\"]",
                    );
                } else if !severities.contains(&value) {
                    severities.push(value);
                }
            }
            severities
        }
    };

    let ack_duration = match keys.ack_hours.map(|n| n.0) {
        None => DEFAULT_ACK_DURATION,
        Some(hours) => {
            let (min, max) = (
                MIN_ACK_DURATION.as_secs() / 3600,
                MAX_ACK_DURATION.as_secs() / 3600,
            );
            match u64::try_from(hours) {
                Ok(ok) if (min..=max).contains(&ok) => Duration::from_secs(ok * 3600),
                _ if hours < min as i64 => {
                    at.problem(
                        problems,
                        "ack_hours",
                        format!(" = {hours} is too short: the minimum is {min} hour"),
                    );
                    DEFAULT_ACK_DURATION
                }
                _ => {
                    at.problem(
                        problems,
                        "ack_hours",
                        format!(" = {hours} is too long: the maximum is {max} hours (one week)"),
                    );
                    DEFAULT_ACK_DURATION
                }
            }
        }
    };

    let created_by = match keys.created_by.map(|text| text.trim().to_string()) {
        Some(text) if text.is_empty() => {
            at.problem(
                problems,
                "created_by",
                " is empty: remove it to sign silences with your OS user name, or give a name, e.g. created_by = \"jane\"",
            );
            None
        }
        other => other,
    };

    let ca_file = keys
        .ca_file
        .and_then(|text| pem_file(at, "ca_file", &text, dir, Pem::Certificates, problems));
    let client_cert = keys.client_cert.and_then(|text| {
        pem_file(
            at,
            "client_cert",
            &text,
            dir,
            Pem::CertificateAndKey,
            problems,
        )
    });

    if problems.0.len() > before {
        return None;
    }
    Some(AlertmanagerAccount {
        api_url: api_url?,
        auth,
        filter,
        receiver,
        severity_high,
        ack_duration,
        created_by,
        ca_file,
        client_cert,
    })
}

/// `url` as a base for `api/v2/…`: ending with `/`, and not already ending in the API
/// path (a common paste from the API's documentation).
fn alertmanager_base(at: &Location, text: &str, url: Url, problems: &mut Problems) -> Option<Url> {
    let path = url.path().trim_end_matches('/');
    for suffix in ["/api/v2", "/api/v1"] {
        if let Some(prefix) = path.strip_suffix(suffix) {
            let mut base = url.clone();
            base.set_path(prefix);
            base.set_query(None);
            base.set_fragment(None);
            let base = base.as_str().trim_end_matches('/');
            at.problem(
                problems,
                "api_url",
                format!(" = {text:?} ends in {suffix}: give the base URL without it (with the route prefix, if any), e.g. \"{base}\""),
            );
            return None;
        }
    }
    Some(with_trailing_slash(url))
}

fn alertmanager_auth(
    at: &Location,
    auth: Option<String>,
    basic_user: Option<String>,
    header_name: Option<String>,
    problems: &mut Problems,
) -> AlertmanagerAuth {
    let token_set = at.token_set();
    let kind = match auth.as_deref() {
        // basic_user alone says it all: `account add --basic-user` writes only that.
        None if basic_user.is_some() => "basic",
        None => "none",
        Some(kind @ ("none" | "basic" | "bearer" | "header")) => kind,
        Some(other) => {
            at.problem(
                problems,
                "auth",
                format!(" = {other:?}: allowed values are \"none\" (the default), \"basic\" (basic_user and a password), \"bearer\" (a bearer token) and \"header\" (a token in the header named by header_name)"),
            );
            return AlertmanagerAuth::None;
        }
    };

    if kind != "basic" && basic_user.is_some() {
        at.problem(
            problems,
            "basic_user",
            format!(" is only used with auth = \"basic\", and auth is {kind:?}: remove basic_user, or set auth = \"basic\""),
        );
    }
    if kind != "header" && header_name.is_some() {
        at.problem(
            problems,
            "header_name",
            format!(" is only used with auth = \"header\", and auth is {kind:?}: set auth = \"header\", or remove header_name"),
        );
    }

    match kind {
        "basic" => match basic_user {
            None => {
                at.problem(
                    problems,
                    "basic_user",
                    format!(" is missing: auth = \"basic\" needs the user name, e.g. basic_user = \"oncall\" (the password is stored with {token_set})"),
                );
                AlertmanagerAuth::None
            }
            Some(user)
                if user.is_empty() || user.contains(':') || user.contains(char::is_control) =>
            {
                at.problem(
                    problems,
                    "basic_user",
                    format!(" = {user:?} is not allowed: a basic auth user name cannot be empty or contain ':' or control characters"),
                );
                AlertmanagerAuth::None
            }
            Some(user) => AlertmanagerAuth::Basic { user },
        },
        "bearer" => AlertmanagerAuth::Bearer,
        "header" => match header_name {
            None => {
                at.problem(
                    problems,
                    "header_name",
                    format!(" is missing: auth = \"header\" needs the header's name, e.g. header_name = \"X-Auth-Token\" (its value is stored with {token_set})"),
                );
                AlertmanagerAuth::None
            }
            Some(name) if !is_header_name(&name) => {
                at.problem(
                    problems,
                    "header_name",
                    format!(" = {name:?} is not an HTTP header name: use letters, digits and '-', e.g. \"X-Auth-Token\""),
                );
                AlertmanagerAuth::None
            }
            Some(name) => AlertmanagerAuth::Header { name },
        },
        _ => AlertmanagerAuth::None,
    }
}

/// An RFC 9110 field name: one or more `tchar`.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

const MATCHER_EXAMPLES: &str = r#"'alertname="Foo"', 'severity=~"crit.*"'"#;

/// Checks one label matcher, `name(=|!=|=~|!~)"value"` as Alertmanager's `filter`
/// parameter takes it; `Err` is the rest of the sentence after the value.
fn check_matcher(text: &str) -> Result<(), String> {
    let shape = || {
        format!("is not a label matcher: write name=\"value\" with one of the operators =, !=, =~ or !~ and the value in double quotes, e.g. {MATCHER_EXAMPLES}")
    };
    let name_len = text
        .bytes()
        .enumerate()
        .take_while(|&(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()))
        .count();
    if name_len == 0 {
        return Err(shape());
    }
    let rest = &text[name_len..];
    let (regex, quoted) = if let Some(v) = rest.strip_prefix("=~").or(rest.strip_prefix("!~")) {
        (true, v)
    } else if let Some(v) = rest.strip_prefix("!=").or(rest.strip_prefix('=')) {
        (false, v)
    } else {
        return Err(shape());
    };
    let value = unquote(quoted).ok_or_else(shape)?;
    if regex {
        if let Some(err) = regex_error(&value) {
            return Err(format!(
                "has an invalid regular expression ({err}): write it in Alertmanager's (RE2) syntax, e.g. 'severity=~\"crit.*\"'"
            ));
        }
    }
    Ok(())
}

/// The content of `"…"` with `\x` escapes resolved; `None` unless `text` is exactly one
/// double-quoted string.
fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut value = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next()?),
            '"' => return None,
            c => value.push(c),
        }
    }
    Some(value)
}

/// `None` when `pattern` compiles; else regex's reason, on one line ("unclosed group").
fn regex_error(pattern: &str) -> Option<String> {
    let err = regex::Regex::new(pattern).err()?.to_string();
    // Syntax errors are several lines (the pattern, a caret, then "error: …").
    let last = err.lines().rev().find(|line| !line.trim().is_empty());
    let reason = last.unwrap_or(&err).trim();
    Some(reason.strip_prefix("error: ").unwrap_or(reason).to_string())
}

/// `text` as the user would write it in TOML: a literal string `'…'` when it has no
/// single quote (label matchers are full of double quotes), else a basic string.
fn toml_string(text: &str) -> String {
    if text.contains('\'') || text.contains(char::is_control) {
        format!("{text:?}")
    } else {
        format!("'{text}'")
    }
}

/// What a PEM file must hold.
#[derive(Clone, Copy)]
enum Pem {
    /// `ca_file`: one or more CA certificates.
    Certificates,
    /// `client_cert`: a certificate and its private key.
    CertificateAndKey,
}

/// A path key naming a PEM file: resolved against the config directory, read, and its
/// blocks checked. Never quotes the file's content.
fn pem_file(
    at: &Location,
    key: &str,
    text: &str,
    dir: &Path,
    pem: Pem,
    problems: &mut Problems,
) -> Option<PathBuf> {
    if text.trim().is_empty() {
        at.problem(
            problems,
            key,
            " is empty: remove it, or give the path of a PEM file",
        );
        return None;
    }
    let (path, bytes) = config_file(at, key, text, dir, "a PEM file", "", problems, |p| {
        fs::read(p)
    })?;
    let has = |marker: &[u8]| bytes.windows(marker.len()).any(|w| w == marker);
    let certificate = has(b"-----BEGIN CERTIFICATE-----");
    let key_block = has(b"PRIVATE KEY-----");
    let why = match pem {
        Pem::Certificates if !certificate => {
            Some("is not a PEM certificate file: it needs at least one -----BEGIN CERTIFICATE----- block")
        }
        Pem::CertificateAndKey if !certificate => {
            Some("has no certificate: it must be one PEM file with the client certificate (-----BEGIN CERTIFICATE-----) and its private key")
        }
        Pem::CertificateAndKey if !key_block => {
            Some("has no private key: it must be one PEM file with the client certificate and its private key (-----BEGIN PRIVATE KEY-----)")
        }
        _ => None,
    };
    if let Some(why) = why {
        at.problem(problems, key, format!(" = {text:?} {why}"));
        return None;
    }
    Some(path)
}

/// The keys of an Opsgenie account.
struct OpsgenieKeys {
    region: Option<String>,
    api_url: Option<String>,
    query: Option<String>,
    responder: Option<String>,
    high_priorities: Option<Vec<String>>,
}

fn opsgenie(at: &Location, keys: OpsgenieKeys, problems: &mut Problems) -> Option<OpsgenieAccount> {
    let before = problems.0.len();

    let region = keys.region.and_then(|text| match text.as_str() {
        "us" => Some(OpsgenieRegion::Us),
        "eu" => Some(OpsgenieRegion::Eu),
        _ => {
            at.problem(
                problems,
                "region",
                format!(" = {text:?}: allowed values are \"us\" and \"eu\""),
            );
            None
        }
    });

    let api_url = match keys.api_url {
        None => region.unwrap_or(OpsgenieRegion::Us).api_url(),
        Some(text) => api_url(at, &text, OPSGENIE_EXAMPLE_URL, problems)
            .unwrap_or_else(|| OpsgenieRegion::Us.api_url()),
    };

    let query = match keys.query.map(|text| text.trim().to_string()) {
        None => DEFAULT_OPSGENIE_QUERY.to_string(),
        Some(text) if text.is_empty() => {
            at.problem(
                problems,
                "query",
                format!(" is empty: remove it for the default {DEFAULT_OPSGENIE_QUERY:?}, or give an Opsgenie search query, e.g. query = \"status:open AND priority:P1\""),
            );
            DEFAULT_OPSGENIE_QUERY.to_string()
        }
        Some(text) => text,
    };

    let responder = match keys.responder.map(|text| text.trim().to_string()) {
        Some(text) if text.is_empty() => {
            at.problem(
                problems,
                "responder",
                " is empty: remove it to list every alert the query finds, or give a user, team or schedule name, e.g. responder = \"Platform Team\"",
            );
            None
        }
        Some(text) if text.contains('"') || text.contains(char::is_control) => {
            at.problem(
                problems,
                "responder",
                format!(" = {text:?} is not allowed: a responder name cannot contain '\"' or control characters"),
            );
            None
        }
        other => other,
    };

    let high_priorities = match keys.high_priorities {
        None => DEFAULT_HIGH_PRIORITIES.map(String::from).to_vec(),
        Some(values) => {
            let mut priorities: Vec<String> = Vec::new();
            for (i, value) in values.into_iter().enumerate() {
                if !matches!(value.as_str(), "P1" | "P2" | "P3" | "P4" | "P5") {
                    at.problem(
                        problems,
                        &format!("high_priorities[{i}]"),
                        format!(" = {value:?}: allowed values are \"P1\", \"P2\", \"P3\", \"P4\" and \"P5\""),
                    );
                } else if !priorities.contains(&value) {
                    priorities.push(value);
                }
            }
            priorities
        }
    };

    (problems.0.len() == before).then_some(OpsgenieAccount {
        api_url,
        region,
        query,
        responder,
        high_priorities,
    })
}

/// An `api_url` value; `example` is a URL of the account's provider, for messages.
fn api_url(at: &Location, text: &str, example: &str, problems: &mut Problems) -> Option<Url> {
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(err) => {
            at.problem(
                problems,
                "api_url",
                format!(" = {text:?} is not a URL ({err}): write it like \"{example}\""),
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
                InsecureUrl::PlainHttp(_) => "is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)".to_string(),
                InsecureUrl::NotHttp(_) => "is not allowed: use an https:// URL".to_string(),
                InsecureUrl::NoHost(_) => format!("has no host name: write it like \"{example}\""),
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

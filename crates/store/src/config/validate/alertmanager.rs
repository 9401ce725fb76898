//! The keys of an Alertmanager account: `api_url` (required), `auth` with
//! `basic_user` or `header_name`, the `filter` list of label matchers, `receiver`,
//! `severity_high`, the acknowledgement's `ack_hours`, `ack_max_hours` and
//! `ack_matchers`, `created_by`, and the PEM files `ca_file` and `client_cert`.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::Checker;
use crate::config::model::{
    with_trailing_slash, AlertmanagerAccount, AlertmanagerAuth, DEFAULT_ACK_DURATION,
    DEFAULT_ACK_MAX_DURATION, DEFAULT_SEVERITY_HIGH, MAX_ACK_DURATION, MAX_ACK_MAX_DURATION,
    MIN_ACK_DURATION,
};
use crate::config::raw::{RawAccount, RawFilterValue, WholeNumber};

const ALERTMANAGER_EXAMPLE_URL: &str = "https://alertmanager.example.com";

const MATCHER_EXAMPLES: &str = r#"'alertname="Foo"', 'severity=~"crit.*"'"#;

impl Checker<'_> {
    /// `raw` has no key of another provider (checked before).
    pub(super) fn alertmanager(&mut self, raw: RawAccount) -> Option<AlertmanagerAccount> {
        let mark = self.mark();
        let api_url = match raw.api_url {
            None => {
                self.problem(
                    "api_url",
                    format!(" is missing: an Alertmanager account needs the server's base URL, with its route prefix if it has one, e.g. api_url = \"{ALERTMANAGER_EXAMPLE_URL}\""),
                );
                None
            }
            Some(text) => self
                .api_url(&text, ALERTMANAGER_EXAMPLE_URL)
                .and_then(|url| self.alertmanager_base(&text, url)),
        };

        let auth = self.alertmanager_auth(raw.auth, raw.basic_user, raw.header_name);
        let filter = self.matchers(raw.filter);
        let receiver = self.receiver(raw.receiver);

        let severity_high = match raw.severity_high {
            None => DEFAULT_SEVERITY_HIGH.map(String::from).to_vec(),
            Some(values) => {
                let mut severities: Vec<String> = Vec::new();
                for (i, value) in values.into_iter().enumerate() {
                    let value = value.trim().to_string();
                    if value.is_empty() {
                        self.problem(
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

        let before_ack = self.mark();
        let ack_hours_set = raw.ack_hours.is_some();
        let ack_duration = self.ack_duration(raw.ack_hours);
        // Compared with ack_hours only when that is valid: its own problem says enough.
        let ack_max_duration = if self.none_since(before_ack) {
            self.ack_max_duration(raw.ack_max_hours, ack_duration, ack_hours_set)
        } else {
            DEFAULT_ACK_MAX_DURATION.max(ack_duration)
        };
        let ack_matchers = raw.ack_matchers.and_then(|names| self.ack_matchers(names));

        let created_by = match raw.created_by.map(|text| text.trim().to_string()) {
            Some(text) if text.is_empty() => {
                self.problem(
                    "created_by",
                    " is empty: remove it to sign silences with your OS user name, or give a name, e.g. created_by = \"jane\"",
                );
                None
            }
            other => other,
        };

        let ca_file = raw
            .ca_file
            .and_then(|text| self.pem_file("ca_file", &text, Pem::Certificates));
        let client_cert = raw
            .client_cert
            .and_then(|text| self.pem_file("client_cert", &text, Pem::CertificateAndKey));

        if !self.none_since(mark) {
            return None;
        }
        Some(AlertmanagerAccount {
            api_url: api_url?,
            auth,
            filter,
            receiver,
            severity_high,
            ack_duration,
            ack_max_duration,
            ack_matchers,
            created_by,
            ca_file,
            client_cert,
        })
    }

    /// `url` as a base for `api/v2/…`: ending with `/`, and not already ending in the
    /// API path (a common paste from the API's documentation).
    fn alertmanager_base(&mut self, text: &str, url: Url) -> Option<Url> {
        let path = url.path().trim_end_matches('/');
        for suffix in ["/api/v2", "/api/v1"] {
            if let Some(prefix) = path.strip_suffix(suffix) {
                let mut base = url.clone();
                base.set_path(prefix);
                base.set_query(None);
                base.set_fragment(None);
                let base = base.as_str().trim_end_matches('/');
                self.problem(
                    "api_url",
                    format!(" = {text:?} ends in {suffix}: give the base URL without it (with the route prefix, if any), e.g. \"{base}\""),
                );
                return None;
            }
        }
        Some(with_trailing_slash(url))
    }

    fn alertmanager_auth(
        &mut self,
        auth: Option<String>,
        basic_user: Option<String>,
        header_name: Option<String>,
    ) -> AlertmanagerAuth {
        let token_set = self.token_set();
        let kind = match auth.as_deref() {
            // basic_user alone says it all: `account add --basic-user` writes only that.
            None if basic_user.is_some() => "basic",
            None => "none",
            Some(kind @ ("none" | "basic" | "bearer" | "header")) => kind,
            Some(other) => {
                self.problem(
                    "auth",
                    format!(" = {other:?}: allowed values are \"none\" (the default), \"basic\" (basic_user and a password), \"bearer\" (a bearer token) and \"header\" (a token in the header named by header_name)"),
                );
                return AlertmanagerAuth::None;
            }
        };

        if kind != "basic" && basic_user.is_some() {
            self.problem(
                "basic_user",
                format!(" is only used with auth = \"basic\", and auth is {kind:?}: remove basic_user, or set auth = \"basic\""),
            );
        }
        if kind != "header" && header_name.is_some() {
            self.problem(
                "header_name",
                format!(" is only used with auth = \"header\", and auth is {kind:?}: set auth = \"header\", or remove header_name"),
            );
        }

        match kind {
            "basic" => match basic_user {
                None => {
                    self.problem(
                        "basic_user",
                        format!(" is missing: auth = \"basic\" needs the user name, e.g. basic_user = \"oncall\" (the password is stored with {token_set})"),
                    );
                    AlertmanagerAuth::None
                }
                Some(user)
                    if user.is_empty() || user.contains(':') || user.contains(char::is_control) =>
                {
                    self.problem(
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
                    self.problem(
                        "header_name",
                        format!(" is missing: auth = \"header\" needs the header's name, e.g. header_name = \"X-Auth-Token\" (its value is stored with {token_set})"),
                    );
                    AlertmanagerAuth::None
                }
                Some(name) if !is_header_name(&name) => {
                    self.problem(
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

    /// `filter`: a list of label matchers, each kept trimmed.
    fn matchers(&mut self, filter: Option<RawFilterValue>) -> Vec<String> {
        match filter {
            None => Vec::new(),
            Some(RawFilterValue::Matchers(matchers)) => matchers
                .iter()
                .enumerate()
                .filter_map(|(i, text)| {
                    let trimmed = text.trim();
                    match check_matcher(trimmed) {
                        Ok(()) => Some(trimmed.to_string()),
                        Err(why) => {
                            self.problem(
                                &format!("filter[{i}]"),
                                format!(" = {} {why}", toml_string(text)),
                            );
                            None
                        }
                    }
                })
                .collect(),
            Some(RawFilterValue::Table(_)) => {
                self.problem(
                    "filter",
                    format!(" is a table, but an Alertmanager filter is a list of label matchers, e.g. filter = [{MATCHER_EXAMPLES}] (an [accounts.filter] table is for PagerDuty accounts)"),
                );
                Vec::new()
            }
        }
    }

    fn receiver(&mut self, receiver: Option<String>) -> Option<String> {
        match receiver {
            None => None,
            Some(text) if text.is_empty() => {
                self.problem(
                    "receiver",
                    " is empty: remove it to list the alerts of every receiver, or give a regular expression, e.g. receiver = \"team-a|team-b\"",
                );
                None
            }
            Some(text) => match regex_error(&text) {
                None => Some(text),
                Some(err) => {
                    self.problem(
                        "receiver",
                        format!(" = {text:?} is not a valid regular expression ({err}): write one in Alertmanager's (RE2) syntax, e.g. \"team-a|team-b\""),
                    );
                    None
                }
            },
        }
    }

    fn ack_duration(&mut self, ack_hours: Option<WholeNumber>) -> Duration {
        let Some(hours) = ack_hours.map(|n| n.0) else {
            return DEFAULT_ACK_DURATION;
        };
        let (min, max) = (
            MIN_ACK_DURATION.as_secs() / 3600,
            MAX_ACK_DURATION.as_secs() / 3600,
        );
        match u64::try_from(hours) {
            Ok(ok) if (min..=max).contains(&ok) => Duration::from_secs(ok * 3600),
            _ if hours < min as i64 => {
                self.problem(
                    "ack_hours",
                    format!(" = {hours} is too short: the minimum is {min} hour"),
                );
                DEFAULT_ACK_DURATION
            }
            _ => {
                self.problem(
                    "ack_hours",
                    format!(" = {hours} is too long: the maximum is {max} hours (one week)"),
                );
                DEFAULT_ACK_DURATION
            }
        }
    }

    /// `ack_max_hours`: from `ack_hours` (an acknowledgement lasts at least one silence)
    /// to a week. Not set: a day, or `ack_hours` when that is longer, so that a config
    /// written before the key existed keeps its meaning.
    fn ack_max_duration(
        &mut self,
        ack_max_hours: Option<WholeNumber>,
        ack_duration: Duration,
        ack_hours_set: bool,
    ) -> Duration {
        let fallback = DEFAULT_ACK_MAX_DURATION.max(ack_duration);
        let Some(hours) = ack_max_hours.map(|n| n.0) else {
            return fallback;
        };
        let ack_hours = ack_duration.as_secs() / 3600;
        let max = MAX_ACK_MAX_DURATION.as_secs() / 3600;
        match u64::try_from(hours) {
            Ok(ok) if (ack_hours..=max).contains(&ok) => Duration::from_secs(ok * 3600),
            Ok(ok) if ok > max => {
                self.problem(
                    "ack_max_hours",
                    format!(" = {hours} is too long: the maximum is {max} hours (one week)"),
                );
                fallback
            }
            _ => {
                let given = if ack_hours_set { "" } else { ", the default" };
                self.problem(
                    "ack_max_hours",
                    format!(" = {hours} is shorter than ack_hours ({ack_hours}{given}): an acknowledgement is kept alive at least as long as one silence lasts; give {ack_hours} or more, e.g. ack_max_hours = 24 (one on-call day)"),
                );
                fallback
            }
        }
    }

    /// `ack_matchers`: label names, each valid, kept once each in the order written.
    /// `None` after a problem (reported) or for an empty list (reported too: leaving the
    /// key out is how every label is chosen).
    fn ack_matchers(&mut self, names: Vec<String>) -> Option<Vec<String>> {
        const EXAMPLE: &str = r#"ack_matchers = ["alertname", "instance", "job"]"#;
        if names.is_empty() {
            self.problem(
                "ack_matchers",
                format!(" is empty: list the labels an acknowledgement matches on, e.g. {EXAMPLE}, or remove it to match every label of the alert"),
            );
            return None;
        }
        let mark = self.mark();
        let mut chosen: Vec<String> = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let trimmed = name.trim();
            if trimmed.is_empty() {
                self.problem(
                    &format!("ack_matchers[{i}]"),
                    format!(" is empty: give a label name, e.g. {EXAMPLE}"),
                );
            } else if !is_label_name(trimmed) {
                self.problem(
                    &format!("ack_matchers[{i}]"),
                    format!(" = {name:?} is not a label name: use letters, digits and '_', not starting with a digit, e.g. {EXAMPLE}"),
                );
            } else if !chosen.iter().any(|c| c == trimmed) {
                chosen.push(trimmed.to_string());
            }
        }
        self.none_since(mark).then_some(chosen)
    }

    /// A path key naming a PEM file: resolved against the config directory, read, and
    /// its blocks checked. Never quotes the file's content.
    fn pem_file(&mut self, key: &str, text: &str, pem: Pem) -> Option<PathBuf> {
        if text.trim().is_empty() {
            self.problem(key, " is empty: remove it, or give the path of a PEM file");
            return None;
        }
        let (path, bytes) = self.config_file(key, text, "a PEM file", "", |p| fs::read(p))?;
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
            self.problem(key, format!(" = {text:?} {why}"));
            return None;
        }
        Some(path)
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

/// A label name as Alertmanager accepts it in a silence: `[a-zA-Z_][a-zA-Z0-9_]*`.
fn is_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

/// An RFC 9110 field name: one or more `tchar`.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

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

//! `[accounts.noise]`: title patterns that compile (within the size limit), names that
//! are not empty, and urgencies that exist. Every provider has these keys.

use oncall_model::Urgency;

use super::Checker;
use crate::config::noise::{same_name, NoiseRules, TitlePattern, MAX_PATTERN_BYTES};
use crate::config::raw::RawNoise;

impl Checker<'_> {
    /// The account's noise rules; a bad entry is reported and left out.
    pub(super) fn noise(&mut self, raw: Option<RawNoise>) -> NoiseRules {
        let Some(raw) = raw else {
            return NoiseRules::default();
        };
        NoiseRules {
            include_title: self.title_patterns("include_title", raw.include_title),
            exclude_title: self.title_patterns("exclude_title", raw.exclude_title),
            include_services: self.names("include_services", "service", raw.include_services),
            exclude_services: self.names("exclude_services", "service", raw.exclude_services),
            include_teams: self.names("include_teams", "team", raw.include_teams),
            exclude_teams: self.names("exclude_teams", "team", raw.exclude_teams),
            urgency: self.urgency_overrides(raw.urgency.unwrap_or_default()),
        }
    }

    fn title_patterns(&mut self, key: &str, raw: Option<Vec<String>>) -> Vec<TitlePattern> {
        let mut patterns = Vec::new();
        for (index, text) in raw.unwrap_or_default().into_iter().enumerate() {
            let at = format!("noise.{key}[{index}]");
            if text.is_empty() {
                self.problem(
                    &at,
                    " is empty: it would match every title; remove it, or write the text titles must contain",
                );
                continue;
            }
            match TitlePattern::new(&text) {
                Ok(pattern) => patterns.push(pattern),
                Err(regex::Error::CompiledTooBig(_)) => self.problem(
                    &at,
                    format!(
                        " = {text:?} is too big a regular expression (more than {} KiB compiled): write a simpler pattern",
                        MAX_PATTERN_BYTES / 1024
                    ),
                ),
                Err(err) => self.problem(
                    &at,
                    format!(
                        " = {text:?} is not a valid regular expression: {}",
                        one_line(&err.to_string())
                    ),
                ),
            }
        }
        patterns
    }

    /// A list of service or team names (`what`) as the service shows them.
    fn names(&mut self, key: &str, what: &str, raw: Option<Vec<String>>) -> Vec<String> {
        let mut names = Vec::new();
        for (index, name) in raw.unwrap_or_default().into_iter().enumerate() {
            if name.trim().is_empty() {
                self.problem(
                    &format!("noise.{key}[{index}]"),
                    format!(" is empty: write a {what} name as the service shows it"),
                );
            } else {
                names.push(name);
            }
        }
        names
    }

    fn urgency_overrides(
        &mut self,
        raw: std::collections::BTreeMap<String, String>,
    ) -> Vec<(String, Urgency)> {
        let mut overrides: Vec<(String, Urgency)> = Vec::new();
        for (service, value) in raw {
            let at = format!("noise.urgency.{service:?}");
            let urgency = match value.as_str() {
                "high" => Urgency::High,
                "low" => Urgency::Low,
                other => {
                    self.problem(
                        &at,
                        format!(" = {other:?}: allowed values are \"high\" and \"low\""),
                    );
                    continue;
                }
            };
            if service.trim().is_empty() {
                self.problem(
                    &at,
                    " names no service: write the service's name as it shows it",
                );
            } else if let Some((first, _)) = overrides.iter().find(|(s, _)| same_name(s, &service))
            {
                self.problem(
                    &at,
                    format!(" repeats {first:?} (names are compared ignoring case): keep one"),
                );
            } else {
                overrides.push((service, urgency));
            }
        }
        overrides
    }
}

/// The regex crate's messages span several lines (the pattern, a caret, the error);
/// a problem is one sentence.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // "regex parse error:" / the pattern / the caret / "error: unclosed group": the last
    // line says what is wrong.
    lines
        .last()
        .map(|l| l.trim_start_matches("error: ").to_string())
        .unwrap_or_default()
}

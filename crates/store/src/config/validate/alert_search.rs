//! The alert-search keys Opsgenie and JSM Operations share (JSM's alert API is
//! Opsgenie's, moved): `query`, `responder` and `high_priorities`.

use super::Checker;
use crate::config::model::DEFAULT_HIGH_PRIORITIES;

impl Checker<'_> {
    /// `query`, trimmed; `None` when absent or refused (recorded). `absent` says what
    /// removing it gives, `service` whose search it is ("an Opsgenie").
    pub(super) fn search_query(
        &mut self,
        text: Option<String>,
        (absent, service): (&str, &str),
    ) -> Option<String> {
        match text.map(|text| text.trim().to_string()) {
            Some(text) if text.is_empty() => {
                self.problem(
                    "query",
                    format!(" is empty: remove it {absent}, or give {service} search query, e.g. query = \"status:open AND priority:P1\""),
                );
                None
            }
            other => other,
        }
    }

    /// `responder`, trimmed: a user, team or schedule name without quotes or controls.
    pub(super) fn responder(&mut self, text: Option<String>, absent: &str) -> Option<String> {
        match text.map(|text| text.trim().to_string()) {
            Some(text) if text.is_empty() => {
                self.problem(
                    "responder",
                    format!(" is empty: remove it {absent}, or give a user, team or schedule name, e.g. responder = \"Platform Team\""),
                );
                None
            }
            Some(text) if text.contains('"') || text.contains(char::is_control) => {
                self.problem(
                    "responder",
                    format!(" = {text:?} is not allowed: a responder name cannot contain '\"' or control characters"),
                );
                None
            }
            other => other,
        }
    }

    /// `high_priorities`: each of `P1` … `P5`, once; default P1 and P2.
    pub(super) fn high_priorities(&mut self, values: Option<Vec<String>>) -> Vec<String> {
        let Some(values) = values else {
            return DEFAULT_HIGH_PRIORITIES.map(String::from).to_vec();
        };
        let mut priorities: Vec<String> = Vec::new();
        for (i, value) in values.into_iter().enumerate() {
            if !matches!(value.as_str(), "P1" | "P2" | "P3" | "P4" | "P5") {
                self.problem(
                    &format!("high_priorities[{i}]"),
                    format!(" = {value:?}: allowed values are \"P1\", \"P2\", \"P3\", \"P4\" and \"P5\""),
                );
            } else if !priorities.contains(&value) {
                priorities.push(value);
            }
        }
        priorities
    }
}

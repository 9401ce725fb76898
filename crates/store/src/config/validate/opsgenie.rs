//! The keys of an Opsgenie account: `region`, `api_url`, `query`, `responder`,
//! `on_call_user` and `high_priorities`.

use super::Checker;
use crate::config::model::{
    OpsgenieAccount, OpsgenieRegion, DEFAULT_HIGH_PRIORITIES, DEFAULT_OPSGENIE_QUERY,
};
use crate::config::raw::RawAccount;

const OPSGENIE_EXAMPLE_URL: &str = "https://api.opsgenie.com";

impl Checker<'_> {
    /// `raw` has no key of another provider (checked before).
    pub(super) fn opsgenie(&mut self, raw: RawAccount) -> Option<OpsgenieAccount> {
        let mark = self.mark();
        let region = self.region(raw.region).map(OpsgenieRegion::from);
        let region_host = region.unwrap_or(OpsgenieRegion::Us).api_url();
        let api_url = self.api_url_or(raw.api_url, region_host, OPSGENIE_EXAMPLE_URL);

        let query = match raw.query.map(|text| text.trim().to_string()) {
            None => DEFAULT_OPSGENIE_QUERY.to_string(),
            Some(text) if text.is_empty() => {
                self.problem(
                    "query",
                    format!(" is empty: remove it for the default {DEFAULT_OPSGENIE_QUERY:?}, or give an Opsgenie search query, e.g. query = \"status:open AND priority:P1\""),
                );
                DEFAULT_OPSGENIE_QUERY.to_string()
            }
            Some(text) => text,
        };

        let responder = match raw.responder.map(|text| text.trim().to_string()) {
            Some(text) if text.is_empty() => {
                self.problem(
                    "responder",
                    " is empty: remove it to list every alert the query finds, or give a user, team or schedule name, e.g. responder = \"Platform Team\"",
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
        };

        let on_call_user = match raw.on_call_user.map(|text| text.trim().to_string()) {
            Some(text) if text.is_empty() => {
                self.problem(
                    "on_call_user",
                    " is empty: remove it (no shifts are shown then), or give your Opsgenie login email, e.g. on_call_user = \"pat@example.com\"",
                );
                None
            }
            Some(text) if text.contains('"') || text.contains(char::is_control) => {
                self.problem(
                    "on_call_user",
                    format!(" = {text:?} is not allowed: an Opsgenie user (login email or user id) cannot contain '\"' or control characters"),
                );
                None
            }
            other => other,
        };

        let high_priorities = match raw.high_priorities {
            None => DEFAULT_HIGH_PRIORITIES.map(String::from).to_vec(),
            Some(values) => {
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
        };

        self.none_since(mark).then_some(OpsgenieAccount {
            api_url,
            region,
            query,
            responder,
            on_call_user,
            high_priorities,
        })
    }
}

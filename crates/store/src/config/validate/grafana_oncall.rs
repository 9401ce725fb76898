//! The keys of a Grafana OnCall account: `api_url` (required: each stack has its own),
//! and the alert group filters `team_id` and `labels`.

use super::Checker;
use crate::config::model::{with_trailing_slash, GrafanaOnCallAccount};
use crate::config::raw::RawAccount;

const GRAFANA_EXAMPLE_URL: &str = "https://oncall-prod-us-central-0.grafana.net/oncall";

impl Checker<'_> {
    /// `raw` has no key of another provider (checked before).
    pub(super) fn grafana_oncall(&mut self, raw: RawAccount) -> Option<GrafanaOnCallAccount> {
        let mark = self.mark();
        let api_url = match raw.api_url {
            None => {
                self.problem(
                    "api_url",
                    format!(" is missing: a Grafana OnCall account needs the OnCall API URL shown in OnCall → Settings, e.g. api_url = \"{GRAFANA_EXAMPLE_URL}\""),
                );
                None
            }
            Some(text) => self
                .api_url(&text, GRAFANA_EXAMPLE_URL)
                .map(with_trailing_slash),
        };
        let team_id = match raw.team_id.map(|t| t.trim().to_owned()) {
            Some(id) if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                self.problem(
                    "team_id",
                    format!(" = {id:?} is not a team id: give the id OnCall shows for the team (letters and digits, e.g. team_id = \"TI73TDU19W48J\"), or remove it for every team"),
                );
                None
            }
            other => other,
        };
        let mut labels = Vec::new();
        for (i, label) in raw.labels.unwrap_or_default().into_iter().enumerate() {
            let label = label.trim().to_owned();
            let ok = label
                .split_once(':')
                .is_some_and(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty())
                && !label.contains(char::is_control);
            if ok {
                labels.push(label);
            } else {
                self.problem(
                    &format!("labels[{i}]"),
                    format!(" = {label:?} is not a label: write it as key:value, e.g. labels = [\"severity:critical\"]"),
                );
            }
        }
        let api_url = api_url?;
        self.none_since(mark).then_some(GrafanaOnCallAccount {
            api_url,
            team_id,
            labels,
        })
    }
}

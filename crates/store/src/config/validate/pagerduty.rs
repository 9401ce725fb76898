//! The keys of a PagerDuty account: `region`, `api_url`, `auth`, `email` and the
//! `[accounts.filter]` table.

use oncall_model::Urgency;

use super::Checker;
use crate::config::model::{AuthScheme, PagerDutyAccount, PagerDutyFilter, Region};
use crate::config::raw::{RawAccount, RawFilter, RawFilterValue};

const PAGERDUTY_EXAMPLE_URL: &str = "https://api.pagerduty.com";

impl Checker<'_> {
    /// `raw` has no key of another provider (checked before).
    pub(super) fn pagerduty(&mut self, raw: RawAccount) -> Option<PagerDutyAccount> {
        let mark = self.mark();
        let region = self.region(raw.region);
        let region_host = region.unwrap_or(Region::Us).api_url();
        let api_url = self.api_url_or(raw.api_url, region_host, PAGERDUTY_EXAMPLE_URL);

        let auth = match raw.auth.as_deref() {
            None => AuthScheme::default(),
            Some("token") => AuthScheme::Token,
            Some("oauth") => AuthScheme::OAuth,
            Some(other) => {
                self.problem(
                    "auth",
                    format!(" = {other:?}: allowed values are \"token\" (a user API token) and \"oauth\" (an OAuth access token)"),
                );
                AuthScheme::default()
            }
        };

        let email = raw.email.map(|email| email.trim().to_string());
        if let Some(email) = &email {
            if !email.contains('@') || email.contains(char::is_whitespace) {
                self.problem(
                    "email",
                    format!(" = {email:?} is not an email address: it needs an '@' (PagerDuty wants it as the From of an acknowledge or resolve)"),
                );
            }
        }

        let filter = match raw.filter {
            None => PagerDutyFilter::default(),
            Some(RawFilterValue::Table(raw)) => self.pagerduty_filter(raw),
            Some(RawFilterValue::Matchers(_)) => {
                self.problem(
                    "filter",
                    " is a list, but a PagerDuty filter is a table: write an [accounts.filter] table with assigned_to_me, team_ids, service_ids or urgencies (lists of label matchers are for Alertmanager accounts)",
                );
                PagerDutyFilter::default()
            }
        };

        self.none_since(mark).then_some(PagerDutyAccount {
            api_url,
            region,
            auth,
            email,
            filter,
        })
    }

    fn pagerduty_filter(&mut self, raw: RawFilter) -> PagerDutyFilter {
        let team_ids = self.ids("filter.team_ids", raw.team_ids);
        let service_ids = self.ids("filter.service_ids", raw.service_ids);

        let mut urgencies = Vec::new();
        for (i, text) in raw.urgencies.unwrap_or_default().into_iter().enumerate() {
            let urgency = match text.as_str() {
                "high" => Urgency::High,
                "low" => Urgency::Low,
                _ => {
                    self.problem(
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
                // With ids, "mine within these teams" and "everything in these teams"
                // are both plausible: make the user say which.
                self.problem(
                    "filter.assigned_to_me",
                    " is missing: with team_ids or service_ids, say assigned_to_me = true (only incidents assigned to you in them) or false (every incident in them)",
                );
                true
            }
        };
        if !assigned_to_me && no_ids {
            self.problem(
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
    fn ids(&mut self, key: &str, raw: Option<Vec<String>>) -> Vec<String> {
        let mut ids = Vec::new();
        for (i, id) in raw.unwrap_or_default().into_iter().enumerate() {
            let valid = !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !valid {
                self.problem(
                    &format!("{key}[{i}]"),
                    format!(" = {id:?} is not a PagerDuty id: ids are capital letters and digits, e.g. \"PABC123\""),
                );
            } else if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }
}

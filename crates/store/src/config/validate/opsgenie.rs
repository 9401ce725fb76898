//! The keys of an Opsgenie account: `region`, `api_url`, `query`, `responder`,
//! `on_call_user` and `high_priorities`.

use super::Checker;
use crate::config::model::{OpsgenieAccount, OpsgenieRegion, DEFAULT_OPSGENIE_QUERY};
use crate::config::raw::RawAccount;

const OPSGENIE_EXAMPLE_URL: &str = "https://api.opsgenie.com";

impl Checker<'_> {
    /// `raw` has no key of another provider (checked before).
    pub(super) fn opsgenie(&mut self, raw: RawAccount) -> Option<OpsgenieAccount> {
        let mark = self.mark();
        let region = self.region(raw.region).map(OpsgenieRegion::from);
        let region_host = region.unwrap_or(OpsgenieRegion::Us).api_url();
        let api_url = self.api_url_or(raw.api_url, region_host, OPSGENIE_EXAMPLE_URL);

        let query = self
            .search_query(
                raw.query,
                (
                    &format!("for the default {DEFAULT_OPSGENIE_QUERY:?}"),
                    "an Opsgenie",
                ),
            )
            .unwrap_or_else(|| DEFAULT_OPSGENIE_QUERY.to_string());
        let responder = self.responder(raw.responder, "to list every alert the query finds");

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

        let high_priorities = self.high_priorities(raw.high_priorities);

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

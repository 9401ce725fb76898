//! What the window asks for on demand, never on a poll: an incident's detail pane (its
//! notes, log overview and alerts: three requests) and the reassign and escalate pickers'
//! search (`GET /users?query=`, `GET /escalation_policies?query=`).

use oncall_http::Query;
use oncall_model::{Assignee, AssigneeKind, IncidentDetails, ProviderError};

use super::respond::unknown_incident;
use super::PagerDutyClient;
use crate::{convert, wire};

/// The newest this many of each list in the detail pane, and matches per picker search.
pub(super) const DETAILS_LIMIT: usize = 25;

impl PagerDutyClient {
    pub(super) async fn incident_details(
        &self,
        id: &str,
    ) -> Result<IncidentDetails, ProviderError> {
        let limit = DETAILS_LIMIT.to_string();
        let notes: wire::NoteList = self.get_of_incident(id, "notes", None).await?;
        let mut overview = Query::default();
        overview.push("is_overview", "true").push("limit", &limit);
        let log: wire::LogEntryPage = self
            .get_of_incident(id, "log_entries", Some(&overview))
            .await?;
        let mut newest = Query::default();
        newest
            .push("sort_by", "created_at:desc")
            .push("limit", &limit);
        let alerts: wire::AlertPage = self.get_of_incident(id, "alerts", Some(&newest)).await?;
        Ok(convert::details(notes, log, alerts, DETAILS_LIMIT))
    }

    async fn get_of_incident<T: serde::de::DeserializeOwned>(
        &self,
        id: &str,
        what: &str,
        query: Option<&Query>,
    ) -> Result<T, ProviderError> {
        let url = self.http.url(&["incidents", id, what], query);
        let reply = self
            .http
            .get(url)
            .await
            .map_err(|error| unknown_incident(id, error))?;
        reply.json()
    }

    pub(super) async fn search_assignees(
        &self,
        text: &str,
        kinds: &[AssigneeKind],
    ) -> Result<Vec<Assignee>, ProviderError> {
        let limit = DETAILS_LIMIT.to_string();
        let mut query = Query::default();
        query.push("query", text).push("limit", &limit);
        let mut found = Vec::new();
        if kinds.contains(&AssigneeKind::User) {
            let url = self.http.url(&["users"], Some(&query));
            let page: wire::UserPage = self.http.get(url).await?.json()?;
            found.extend(page.users.into_iter().filter_map(|user| {
                convert::assignee(AssigneeKind::User, user.id, user.name, user.summary)
            }));
        }
        if kinds.contains(&AssigneeKind::EscalationPolicy) {
            let url = self.http.url(&["escalation_policies"], Some(&query));
            let page: wire::EscalationPolicyPage = self.http.get(url).await?.json()?;
            found.extend(page.escalation_policies.into_iter().filter_map(|policy| {
                convert::assignee(
                    AssigneeKind::EscalationPolicy,
                    policy.id,
                    policy.name,
                    policy.summary,
                )
            }));
        }
        Ok(best_first(found, text))
    }
}

/// At most `DETAILS_LIMIT` matches, the closest first: the name itself, then names that
/// start with the text, then those with a word that does, then the rest, each group in the
/// service's order (users before policies).
fn best_first(mut found: Vec<Assignee>, text: &str) -> Vec<Assignee> {
    let text = text.trim().to_lowercase();
    let rank = |assignee: &Assignee| {
        let name = assignee.name.to_lowercase();
        if name == text {
            0
        } else if name.starts_with(&text) {
            1
        } else if name.split_whitespace().any(|word| word.starts_with(&text)) {
            2
        } else {
            3
        }
    };
    found.sort_by_key(rank);
    let mut seen = std::collections::HashSet::new();
    found.retain(|a| seen.insert((a.kind, a.id.clone())));
    found.truncate(DETAILS_LIMIT);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(kind: AssigneeKind, name: &str) -> Assignee {
        Assignee {
            kind,
            id: format!("P{name}"),
            name: name.into(),
        }
    }

    #[test]
    fn closest_names_first() {
        use AssigneeKind::{EscalationPolicy as Policy, User};
        let found = vec![
            named(User, "Sam Checkout"),
            named(User, "Alex Checkout-Fan"),
            named(Policy, "Checkout on-call"),
            named(Policy, "checkout"),
            named(Policy, "checkout"),
            named(User, "Pat (checkout)"),
        ];
        let names: Vec<String> = best_first(found, "Checkout ")
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(
            names,
            [
                "checkout",
                "Checkout on-call",
                "Sam Checkout",
                "Alex Checkout-Fan",
                "Pat (checkout)"
            ]
        );
        let many: Vec<Assignee> = (0..60).map(|n| named(User, &format!("u{n}"))).collect();
        assert_eq!(best_first(many, "").len(), DETAILS_LIMIT);
    }
}

//! Escalating to the next level of an incident's escalation policy.
//!
//! PagerDuty's incident does not say which level it is at, and `PUT /incidents` takes an
//! absolute `escalation_level`. The document gives levels in one place only: `/oncalls`
//! rows (`escalation_level`, with the user on call there). Log entries record escalations
//! with their new assignees but no level. So, when asked: `GET /incidents/{id}` for the
//! policy and the current assignees, `GET /oncalls` for who is on call at each level of
//! that policy now, and the incident's level is the one whose on-call people its
//! assignees are (see [`current_level`]). The last level is the highest one with someone
//! on call: a level nobody is on call for could not take the incident anyway.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use oncall_model::{display_text, ActionOutcome, ProviderError};
use serde_json::json;

use super::respond::{not_sent, unknown_incident};
use super::update::{change_outcome, is_account_wide, Change};
use super::PagerDutyClient;
use crate::{convert, wire};

/// Escalation policy ids per `GET /oncalls`, as for the rota.
const POLICIES_PER_REQUEST: usize = 25;

/// Who is on call at each level of one policy, now.
type Levels = BTreeMap<u32, BTreeSet<String>>;

/// What escalating one incident needs to know about it.
struct Found {
    title: String,
    policy_id: String,
    policy_name: String,
    assignees: Vec<String>,
}

impl PagerDutyClient {
    pub(super) async fn escalate(&self, ids: &[&str]) -> Vec<Result<ActionOutcome, ProviderError>> {
        // Each incident: its answer so far, or what is needed to escalate it.
        let mut looked_up: Vec<Result<Option<Found>, ProviderError>> =
            Vec::with_capacity(ids.len());
        let mut halt: Option<ProviderError> = None;
        for id in ids {
            if let Some(error) = &halt {
                looked_up.push(Err(error.clone()));
                continue;
            }
            let found = self.look_up(id).await;
            if let Err(error) = &found {
                halt = is_account_wide(error).then(|| error.clone());
            }
            looked_up.push(found);
        }
        let mut policies: Vec<&str> = looked_up
            .iter()
            .filter_map(|r| r.as_ref().ok()?.as_ref().map(|f| f.policy_id.as_str()))
            .collect();
        policies.sort_unstable();
        policies.dedup();
        let levels = if policies.is_empty() {
            Ok(HashMap::new())
        } else {
            self.levels_of(&policies).await
        };

        let mut results: Vec<Option<Result<ActionOutcome, ProviderError>>> = Vec::new();
        let mut changes: Vec<Change> = Vec::new();
        let mut sent_for: Vec<usize> = Vec::new();
        for (index, (id, found)) in ids.iter().zip(looked_up).enumerate() {
            let found = match found {
                Err(error) => {
                    results.push(Some(Err(error)));
                    continue;
                }
                // Resolved meanwhile: nobody is left to escalate to, as intended.
                Ok(None) => {
                    results.push(Some(Ok(ActionOutcome::AlreadyResolved)));
                    continue;
                }
                Ok(Some(found)) => found,
            };
            let levels = match &levels {
                Ok(levels) => levels,
                Err(error) => {
                    results.push(Some(Err(error.clone())));
                    continue;
                }
            };
            let empty = Levels::new();
            let policy_levels = levels.get(&found.policy_id).unwrap_or(&empty);
            match next_level(&found, policy_levels) {
                Ok(level) => {
                    results.push(None);
                    sent_for.push(index);
                    changes.push(Change::new(id, json!({ "escalation_level": level })));
                }
                Err(error) => results.push(Some(Err(error))),
            }
        }
        let sent = self.put_changes(&changes, change_outcome).await;
        for (index, result) in sent_for.into_iter().zip(sent) {
            results[index] = Some(result);
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(not_sent("the escalation was not sent"))))
            .collect()
    }

    /// The incident's policy and assignees; `None` once it is resolved.
    async fn look_up(&self, id: &str) -> Result<Option<Found>, ProviderError> {
        let url = self.http.url(&["incidents", id], None);
        let reply = self
            .http
            .get(url)
            .await
            .map_err(|error| unknown_incident(id, error))?;
        let incident = reply.json::<wire::IncidentEnvelope>()?.incident;
        if incident.status.as_deref() == Some("resolved") {
            return Ok(None);
        }
        let title = convert::shown(incident.title.clone())
            .or_else(|| convert::shown(incident.summary.clone()))
            .unwrap_or_else(|| display_text(&format!("Incident {id}")));
        let policy = incident.escalation_policy.as_ref();
        let policy_id = policy
            .and_then(|p| p.id.clone())
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| not_sent(&format!("{title} has no escalation policy to escalate in")))?;
        let policy_name = policy
            .and_then(convert::label)
            .unwrap_or_else(|| display_text(&policy_id));
        let assignees = incident
            .assignments
            .iter()
            .filter_map(|a| a.assignee.as_ref()?.id.clone())
            .collect();
        Ok(Some(Found {
            title,
            policy_id,
            policy_name,
            assignees,
        }))
    }

    /// Who is on call now at each level of each policy (`GET /oncalls`, `since` and
    /// `until` left to their default, now).
    async fn levels_of(&self, policies: &[&str]) -> Result<HashMap<String, Levels>, ProviderError> {
        let mut levels: HashMap<String, Levels> = HashMap::new();
        for chunk in policies.chunks(POLICIES_PER_REQUEST) {
            let filters: Vec<(&'static str, &str)> = chunk
                .iter()
                .map(|id| ("escalation_policy_ids[]", *id))
                .collect();
            let rows = self
                .every_page::<wire::OnCallPage>("oncalls", &filters)
                .await?;
            for row in rows {
                let (Some(policy), Some(level), Some(user)) = (
                    row.escalation_policy.and_then(|p| p.id),
                    row.escalation_level,
                    row.user.and_then(|u| u.id),
                ) else {
                    continue;
                };
                levels
                    .entry(policy)
                    .or_default()
                    .entry(level)
                    .or_default()
                    .insert(user);
            }
        }
        Ok(levels)
    }
}

/// The level to escalate to, or why there is none.
fn next_level(found: &Found, levels: &Levels) -> Result<u32, ProviderError> {
    let Some(&last) = levels.keys().next_back() else {
        return Err(not_sent(&format!(
            "nobody in {}'s escalation policy ({}) is on call to escalate to",
            found.title, found.policy_name
        )));
    };
    let current = current_level(&found.assignees, levels);
    if current >= last {
        return Err(not_sent(&format!(
            "{} is already at the last level ({last}) of its escalation policy ({}): \
             there is nobody further to escalate to",
            found.title, found.policy_name
        )));
    }
    Ok(levels
        .keys()
        .copied()
        .find(|&level| level > current)
        .unwrap_or(last))
}

/// The level an incident is at: the one whose on-call people most of its assignees are,
/// an exact match first, the lowest when several are as good (so an ambiguous answer
/// escalates rather than refuses). 0 when no assignee is on call in the policy (handed to
/// someone outside it): escalating then goes to its first level.
fn current_level(assignees: &[String], levels: &Levels) -> u32 {
    let wanted: BTreeSet<&str> = assignees.iter().map(String::as_str).collect();
    let mut best: Option<((usize, bool), u32)> = None;
    for (&level, on_call) in levels {
        let overlap = on_call
            .iter()
            .filter(|u| wanted.contains(u.as_str()))
            .count();
        if overlap == 0 {
            continue;
        }
        let exact = overlap == wanted.len() && overlap == on_call.len();
        let score = (overlap, exact);
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, level));
        }
    }
    best.map_or(0, |(_, level)| level)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(table: &[(u32, &[&str])]) -> Levels {
        table
            .iter()
            .map(|(level, users)| (*level, users.iter().map(|u| u.to_string()).collect()))
            .collect()
    }

    fn at(assignees: &[&str], table: &[(u32, &[&str])]) -> u32 {
        let assignees: Vec<String> = assignees.iter().map(|a| a.to_string()).collect();
        current_level(&assignees, &levels(table))
    }

    #[test]
    fn the_current_level_is_where_the_assignees_are_on_call() {
        let policy: &[(u32, &[&str])] = &[(1, &["PAT"]), (2, &["PAT", "SAM"]), (3, &["KIM"])];
        assert_eq!(at(&["PAT"], policy), 1, "exact match");
        assert_eq!(at(&["PAT", "SAM"], policy), 2, "most assignees");
        assert_eq!(at(&["KIM"], policy), 3);
        assert_eq!(at(&["ALEX"], policy), 0, "outside the policy");
        let twice: &[(u32, &[&str])] = &[(1, &["PAT"]), (2, &["PAT"])];
        assert_eq!(at(&["PAT"], twice), 1, "ambiguous: the lowest");
    }

    #[test]
    fn the_next_level_or_a_reason_why_not() {
        let found = |assignees: &[&str]| Found {
            title: "Checkout down".into(),
            policy_id: "PEP".into(),
            policy_name: "Checkout on-call".into(),
            assignees: assignees.iter().map(|a| a.to_string()).collect(),
        };
        let policy = levels(&[(1, &["PAT"]), (3, &["SAM"])]);
        assert_eq!(
            next_level(&found(&["PAT"]), &policy),
            Ok(3),
            "level 2 has nobody"
        );
        assert_eq!(next_level(&found(&["ALEX"]), &policy), Ok(1));
        let Err(last) = next_level(&found(&["SAM"]), &policy) else {
            panic!("escalated past the last level")
        };
        assert_eq!(
            last.to_string(),
            "the service refused the request (400): Checkout down is already at the last \
             level (3) of its escalation policy (Checkout on-call): there is nobody further \
             to escalate to"
        );
        let nobody = next_level(&found(&["PAT"]), &Levels::new()).unwrap_err();
        assert!(
            nobody.to_string().contains("nobody in Checkout down's"),
            "{nobody}"
        );
    }
}

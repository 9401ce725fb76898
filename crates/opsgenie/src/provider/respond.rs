//! Responding beyond status changes: the requests behind a note, "escalate", "assign"
//! and more responders (sent and confirmed as the other actions are), the detail pane's
//! notes and log, and the people, escalations and teams the pickers search.
//!
//! - `AddNote`: `POST /v2/alerts/{id}/notes` with the text as `note`.
//! - `Escalate`: `POST /v2/alerts/{id}/escalate` to the chosen escalation (by id);
//!   Opsgenie has no "next level" of its own, so an escalation must be named.
//! - `Reassign`: `POST /v2/alerts/{id}/assign` with the user as `owner` (by id); the
//!   document's `owner` is a `UserRecipient`, so a team cannot own an alert.
//! - `AddResponders`: `POST /v2/alerts/{id}/responders`, one request per responder (user,
//!   team or escalation, by id), the message as the first one's `note`; the action is
//!   done when every request is (`merge` in `provider.rs`).
//! - `details`: `GET /v2/alerts/{id}/notes` and `…/logs`, one page of the newest
//!   [`DETAIL_LIMIT`] each. No alerts: an Opsgenie alert is itself the alert.
//! - `find_assignees`: users (`GET /v2/users?query=…`), escalations
//!   (`GET /v2/escalations`) and teams (`GET /v2/teams`; neither list has a search), each
//!   asked only when its kind is; all are filtered here by name too, so what the picker
//!   shows matches what was typed whatever Opsgenie made of the query. They need
//!   configuration access: a 403 is `Rejected` naming it (`access.rs`).

use chrono::{DateTime, Utc};
use oncall_http::Query;
use oncall_model::{
    display_text, ActionKind, Assignee, AssigneeKind, IncidentDetails, IncidentLogEntry,
    IncidentNote, ProviderError, ProviderKind,
};
use serde_json::{json, Value};

use super::access::configuration_refused;
use super::{OpsgenieClient, SOURCE};
use crate::wire;

/// How many notes and how many log lines the detail pane gets: one page of each, the
/// largest Opsgenie serves.
pub(crate) const DETAIL_LIMIT: usize = 100;
/// How many assignees a search returns, as [`oncall_model::Provider::find_assignees`]
/// promises.
const MAX_ASSIGNEES: usize = 25;
/// What needs configuration access here, for the 403's message.
const SEARCH_FEATURE: &str = "searching people, escalations and teams";

/// The action's requests (path segment and body, never none), for the kinds this module
/// owns. `Unsupported` for a kind Opsgenie has no request for; `Rejected` for a request
/// that cannot be made as it stands. Either way nothing is sent.
pub(super) fn action_requests(
    kind: &ActionKind,
) -> Result<Vec<(&'static str, Value)>, ProviderError> {
    if let ActionKind::AddResponders {
        responders,
        message,
    } = kind
    {
        return responder_requests(responders, message);
    }
    action_request(kind).map(|request| vec![request])
}

fn unsupported(action: &'static str) -> ProviderError {
    ProviderError::Unsupported {
        provider: ProviderKind::Opsgenie,
        action,
    }
}

/// One `responders` request per responder; the message goes with the first.
fn responder_requests(
    responders: &[Assignee],
    message: &str,
) -> Result<Vec<(&'static str, Value)>, ProviderError> {
    if responders.is_empty() {
        return Err(ProviderError::Rejected {
            status: 400,
            code: None,
            message: "no responders to add".to_owned(),
        });
    }
    let mut requests = Vec::new();
    for (n, responder) in responders.iter().enumerate() {
        let kind = match responder.kind {
            AssigneeKind::User => "user",
            AssigneeKind::Team => "team",
            AssigneeKind::Escalation => "escalation",
            AssigneeKind::EscalationPolicy => {
                return Err(unsupported("add an escalation policy as a responder"))
            }
        };
        let mut body = json!({"source": SOURCE, "responder": {"type": kind, "id": responder.id}});
        if n == 0 && !message.trim().is_empty() {
            body["note"] = json!(message);
        }
        requests.push(("responders", body));
    }
    Ok(requests)
}

fn action_request(kind: &ActionKind) -> Result<(&'static str, Value), ProviderError> {
    match kind {
        ActionKind::AddNote { text } => {
            if text.trim().is_empty() {
                return Err(ProviderError::Rejected {
                    status: 400,
                    code: None,
                    message: "a note needs some text".to_owned(),
                });
            }
            Ok(("notes", json!({"source": SOURCE, "note": text})))
        }
        ActionKind::Escalate { to: Some(to) } if to.kind == AssigneeKind::Escalation => Ok((
            "escalate",
            json!({"source": SOURCE, "escalation": {"type": "escalation", "id": to.id}}),
        )),
        ActionKind::Escalate { to: Some(_) } => {
            Err(unsupported("escalate to anything but an escalation"))
        }
        ActionKind::Escalate { to: None } => {
            Err(unsupported("escalate without naming an escalation"))
        }
        ActionKind::Reassign { to } if to.kind == AssigneeKind::User => Ok((
            "assign",
            json!({"source": SOURCE, "owner": {"type": "user", "id": to.id}}),
        )),
        ActionKind::Reassign { .. } => Err(unsupported("assign an alert to anyone but a user")),
        other => Err(unsupported(other.verb())),
    }
}

impl OpsgenieClient {
    pub(super) async fn incident_details(
        &self,
        incident_id: &str,
    ) -> Result<IncidentDetails, ProviderError> {
        let notes: Vec<wire::AlertNote> = self.alert_list(incident_id, "notes").await?;
        let log: Vec<wire::AlertLog> = self.alert_list(incident_id, "logs").await?;
        Ok(details(notes, log))
    }

    /// The newest page of an alert's notes or logs.
    async fn alert_list<T: serde::de::DeserializeOwned>(
        &self,
        incident_id: &str,
        list: &str,
    ) -> Result<Vec<T>, ProviderError> {
        let mut query = Query::default();
        query
            .push("identifierType", "id")
            .push("limit", &DETAIL_LIMIT.to_string())
            .push("order", "desc");
        let url = self
            .http
            .url(&["v2", "alerts", incident_id, list], Some(&query));
        let page: wire::Data<Option<Vec<T>>> = self.http.get(url).await?.json()?;
        Ok(page.data.unwrap_or_default())
    }

    pub(super) async fn search_assignees(
        &self,
        query: &str,
        kinds: &[AssigneeKind],
    ) -> Result<Vec<Assignee>, ProviderError> {
        let wanted = |kind| kinds.is_empty() || kinds.contains(&kind);
        let searched = [
            AssigneeKind::User,
            AssigneeKind::Escalation,
            AssigneeKind::Team,
        ];
        if !searched.into_iter().any(wanted) {
            return Err(unsupported("search for escalation policies"));
        }
        let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let mut found = Vec::new();
        if wanted(AssigneeKind::User) {
            found.extend(self.users(query).await?.into_iter().filter_map(user));
        }
        if wanted(AssigneeKind::Escalation) {
            let escalations = self.named_list("escalations").await?;
            found.extend(
                escalations
                    .into_iter()
                    .filter_map(|e| named(AssigneeKind::Escalation, e)),
            );
        }
        if wanted(AssigneeKind::Team) {
            let teams = self.named_list("teams").await?;
            found.extend(
                teams
                    .into_iter()
                    .filter_map(|t| named(AssigneeKind::Team, t)),
            );
        }
        Ok(best_first(found, &terms))
    }

    async fn users(&self, query: &str) -> Result<Vec<wire::User>, ProviderError> {
        let mut params = Query::default();
        params.push("limit", "100");
        if !query.trim().is_empty() {
            params.push("query", query.trim());
        }
        let url = self.http.url(&["v2", "users"], Some(&params));
        self.configuration_list(url).await
    }

    /// `GET /v2/escalations` or `GET /v2/teams`.
    async fn named_list(&self, list: &str) -> Result<Vec<wire::Named>, ProviderError> {
        let url = self.http.url(&["v2", list], None);
        self.configuration_list(url).await
    }

    async fn configuration_list<T: serde::de::DeserializeOwned>(
        &self,
        url: url::Url,
    ) -> Result<Vec<T>, ProviderError> {
        let reply = self
            .http
            .get(url)
            .await
            .map_err(|e| configuration_refused(e, SEARCH_FEATURE))?;
        Ok(reply
            .json::<wire::Data<Option<Vec<T>>>>()?
            .data
            .unwrap_or_default())
    }
}

/// One candidate of a search: the assignee and the texts the query is matched against.
struct Candidate {
    assignee: Assignee,
    /// Lower-case.
    searchable: Vec<String>,
}

fn user(user: wire::User) -> Option<Candidate> {
    let id = user.id.filter(|id| !id.trim().is_empty())?;
    let username = user.username.unwrap_or_default();
    let full_name = user.full_name.unwrap_or_default();
    let name = [&full_name, &username, &id]
        .into_iter()
        .map(|n| display_text(n.trim()))
        .find(|n| !n.trim().is_empty())?;
    Some(Candidate {
        searchable: vec![full_name.to_lowercase(), username.to_lowercase()],
        assignee: Assignee {
            kind: AssigneeKind::User,
            id,
            name,
        },
    })
}

fn named(kind: AssigneeKind, named: wire::Named) -> Option<Candidate> {
    let id = named.id.filter(|id| !id.trim().is_empty())?;
    let raw = named.name.unwrap_or_default();
    let name = Some(display_text(raw.trim()))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| display_text(&id));
    Some(Candidate {
        searchable: vec![raw.to_lowercase()],
        assignee: Assignee { kind, id, name },
    })
}

/// The candidates every term is found in, those with a text starting with the first
/// term first, then by name; at most [`MAX_ASSIGNEES`], each id once.
fn best_first(candidates: Vec<Candidate>, terms: &[String]) -> Vec<Assignee> {
    let mut matching: Vec<(bool, Candidate)> = candidates
        .into_iter()
        .filter(|c| {
            terms
                .iter()
                .all(|t| c.searchable.iter().any(|s| s.contains(t.as_str())))
        })
        .map(|c| {
            let prefix = terms
                .first()
                .is_some_and(|t| c.searchable.iter().any(|s| s.starts_with(t.as_str())));
            (!prefix, c)
        })
        .collect();
    matching.sort_by(|(a_later, a), (b_later, b)| {
        (a_later, a.assignee.name.to_lowercase()).cmp(&(b_later, b.assignee.name.to_lowercase()))
    });
    let mut found: Vec<Assignee> = Vec::new();
    for (_, candidate) in matching {
        if found.len() == MAX_ASSIGNEES {
            break;
        }
        let seen = found
            .iter()
            .any(|a| a.kind == candidate.assignee.kind && a.id == candidate.assignee.id);
        if !seen {
            found.push(candidate.assignee);
        }
    }
    found
}

/// Text as it may be shown, `None` when nothing visible is left.
fn shown(text: Option<&str>) -> Option<String> {
    text.map(|t| display_text(t).trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Notes and log lines newest first, each with a time and some visible text, at most
/// [`DETAIL_LIMIT`] of each.
pub(crate) fn details(notes: Vec<wire::AlertNote>, log: Vec<wire::AlertLog>) -> IncidentDetails {
    let mut notes: Vec<IncidentNote> = notes
        .into_iter()
        .filter_map(|n| {
            Some(IncidentNote {
                at: n.created_at?,
                author: shown(n.owner.as_deref()),
                text: shown(n.note.as_deref())?,
            })
        })
        .collect();
    let mut log: Vec<IncidentLogEntry> = log
        .into_iter()
        .filter_map(|l| {
            let text = shown(l.log.as_deref())?;
            // Opsgenie keeps who did it apart from what was done; the pane shows both.
            let summary = match shown(l.owner.as_deref()) {
                Some(owner) if !text.contains(&owner) => format!("{text} ({owner})"),
                _ => text,
            };
            Some(IncidentLogEntry {
                at: l.created_at?,
                summary,
            })
        })
        .collect();
    newest_first(&mut notes, |n| n.at);
    newest_first(&mut log, |l| l.at);
    IncidentDetails {
        notes,
        log,
        alerts: Vec::new(),
    }
}

/// Sorts newest first (keeping Opsgenie's order among equal times) and keeps the newest
/// [`DETAIL_LIMIT`].
fn newest_first<T>(items: &mut Vec<T>, at: impl Fn(&T) -> DateTime<Utc>) {
    items.sort_by_key(|item| std::cmp::Reverse(at(item)));
    items.truncate(DETAIL_LIMIT);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assignee(kind: AssigneeKind) -> Assignee {
        Assignee {
            kind,
            id: "x".into(),
            name: "X".into(),
        }
    }

    fn one(kind: &ActionKind) -> Result<Value, ProviderError> {
        let mut requests = action_requests(kind)?;
        assert_eq!(requests.len(), 1, "{kind:?}");
        Ok(requests.remove(0).1)
    }

    #[test]
    fn only_the_documented_targets_make_a_request() {
        let note = action_requests(&ActionKind::AddNote {
            text: "on it".into(),
        })
        .unwrap();
        assert_eq!(note[0].0, "notes");
        assert_eq!(note[0].1["note"], "on it");
        assert!(matches!(
            action_requests(&ActionKind::AddNote { text: " \n".into() }),
            Err(ProviderError::Rejected { status: 400, .. })
        ));
        let escalate = ActionKind::Escalate {
            to: Some(assignee(AssigneeKind::Escalation)),
        };
        assert_eq!(
            one(&escalate).unwrap()["escalation"],
            json!({"type": "escalation", "id": "x"})
        );
        let assign = ActionKind::Reassign {
            to: assignee(AssigneeKind::User),
        };
        assert_eq!(
            one(&assign).unwrap()["owner"],
            json!({"type": "user", "id": "x"})
        );
        for unsupported in [
            ActionKind::Escalate { to: None },
            ActionKind::Escalate {
                to: Some(assignee(AssigneeKind::User)),
            },
            ActionKind::Reassign {
                to: assignee(AssigneeKind::Team),
            },
            ActionKind::Reassign {
                to: assignee(AssigneeKind::EscalationPolicy),
            },
            ActionKind::AddResponders {
                responders: vec![
                    assignee(AssigneeKind::User),
                    assignee(AssigneeKind::EscalationPolicy),
                ],
                message: "help".into(),
            },
            ActionKind::SetUrgency {
                urgency: oncall_model::Urgency::High,
            },
            ActionKind::Acknowledge,
        ] {
            assert!(
                matches!(
                    action_requests(&unsupported),
                    Err(ProviderError::Unsupported { .. })
                ),
                "{unsupported:?}"
            );
        }
    }

    #[test]
    fn responders_take_a_request_each_and_the_message_goes_once() {
        let add = ActionKind::AddResponders {
            responders: vec![assignee(AssigneeKind::Team), assignee(AssigneeKind::User)],
            message: "Checkout is down".into(),
        };
        let requests = action_requests(&add).unwrap();
        let bodies: Vec<&Value> = requests.iter().map(|(_, body)| body).collect();
        assert!(requests.iter().all(|(verb, _)| *verb == "responders"));
        assert_eq!(bodies[0]["responder"], json!({"type": "team", "id": "x"}));
        assert_eq!(bodies[0]["note"], "Checkout is down");
        assert_eq!(bodies[1]["responder"], json!({"type": "user", "id": "x"}));
        assert!(bodies[1].get("note").is_none());
        let nobody = ActionKind::AddResponders {
            responders: Vec::new(),
            message: "help".into(),
        };
        assert!(matches!(
            action_requests(&nobody),
            Err(ProviderError::Rejected { status: 400, .. })
        ));
    }

    fn candidate(name: &str, id: &str) -> Candidate {
        Candidate {
            assignee: Assignee {
                kind: AssigneeKind::User,
                id: id.into(),
                name: name.into(),
            },
            searchable: vec![name.to_lowercase()],
        }
    }

    #[test]
    fn searches_keep_every_term_prefixes_first_each_once() {
        let found = best_first(
            vec![
                candidate("Sam Pat", "1"),
                candidate("Pat Oncall", "2"),
                candidate("Alex", "3"),
                candidate("Pat Oncall", "2"),
            ],
            &["pat".to_owned()],
        );
        let names: Vec<&str> = found.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Pat Oncall", "Sam Pat"]);
        let both = best_first(
            vec![candidate("Sam Pat", "1"), candidate("Pat Oncall", "2")],
            &["pat".to_owned(), "on".to_owned()],
        );
        assert_eq!(both.len(), 1);
        let many: Vec<Candidate> = (0..40)
            .map(|n| candidate(&format!("u{n}"), &n.to_string()))
            .collect();
        assert_eq!(best_first(many, &[]).len(), MAX_ASSIGNEES);
    }
}

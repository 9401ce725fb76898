//! Responding beyond acknowledge: reassign (to users or an escalation policy), change the
//! urgency (both fields of the bulk `PUT /incidents`, as acknowledge is), add a note
//! (`POST /incidents/{id}/notes`) and ask for more responders
//! (`POST /incidents/{id}/responder_requests`). Escalating is `escalate.rs`'s.
//!
//! Notes and responder requests have no bulk form: they go one incident at a time, and
//! an account-wide failure stops the rest as for snooze.

use oncall_model::{
    ActionKind, ActionOutcome, Assignee, AssigneeKind, ProviderError, ProviderKind,
};
use reqwest::Method;
use serde_json::{json, Value};

use super::update::{change_outcome, halting_error, Change};
use super::PagerDutyClient;

impl PagerDutyClient {
    /// The kinds beyond acknowledge, resolve and snooze, for every id (no repeats).
    pub(super) async fn respond(
        &self,
        kind: &ActionKind,
        ids: &[&str],
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let every = |error: ProviderError| ids.iter().map(|_| Err(error.clone())).collect();
        match kind {
            ActionKind::Reassign { to } => match reassignment(to) {
                Ok(fields) => {
                    let changes: Vec<Change> = ids
                        .iter()
                        .map(|id| Change::new(id, fields.clone()))
                        .collect();
                    self.put_changes(&changes, change_outcome).await
                }
                Err(error) => every(error),
            },
            ActionKind::SetUrgency { urgency } => {
                let changes: Vec<Change> = ids
                    .iter()
                    .map(|id| Change::new(id, json!({ "urgency": urgency.as_str() })))
                    .collect();
                self.put_changes(&changes, change_outcome).await
            }
            ActionKind::Escalate { to: None } => self.escalate(ids).await,
            ActionKind::AddNote { text } => match note_body(text) {
                Ok(body) => self.post_each(ids, "notes", &body).await,
                Err(error) => every(error),
            },
            ActionKind::AddResponders {
                responders,
                message,
            } => {
                let me = match self.identify_for_responders().await {
                    Ok(me) => me,
                    Err(error) => return every(error),
                };
                match responder_body(&me, responders, message) {
                    Ok(body) => self.post_each(ids, "responder_requests", &body).await,
                    Err(error) => every(error),
                }
            }
            _ => every(unsupported(kind)),
        }
    }

    async fn identify_for_responders(&self) -> Result<String, ProviderError> {
        Ok(self.identity_counting().await?.0.user_id)
    }

    /// `POST /incidents/{id}/{what}` with `body` for each incident, with the acting
    /// user's `From` (the document asks for it on notes; on responder requests it is
    /// harmless, and older versions of PagerDuty's reference ask for it there too).
    async fn post_each(
        &self,
        ids: &[&str],
        what: &str,
        body: &Value,
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let from = match self.acting_user_email().await {
            Ok(from) => from,
            Err(error) => return ids.iter().map(|_| Err(error.clone())).collect(),
        };
        let mut results = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(error) = halting_error(&results) {
                results.push(Err(error));
                continue;
            }
            let url = self.http.url(&["incidents", id, what], None);
            let sent = self
                .http
                .write(Method::POST, url, ("from", &from), body)
                .await;
            results.push(
                sent.map(|()| ActionOutcome::Done)
                    .map_err(|error| unknown_incident(id, error)),
            );
        }
        results
    }
}

/// The fields of a reassignment: `assignments` for a user, `escalation_policy` for a
/// policy (PD-spec `updateIncidents`).
fn reassignment(to: &Assignee) -> Result<Value, ProviderError> {
    match to.kind {
        AssigneeKind::User => Ok(json!({
            "assignments": [{"assignee": {"id": to.id, "type": "user_reference"}}]
        })),
        AssigneeKind::EscalationPolicy => Ok(json!({
            "escalation_policy": {"id": to.id, "type": "escalation_policy_reference"}
        })),
        AssigneeKind::Team | AssigneeKind::Escalation => Err(ProviderError::Unsupported {
            provider: ProviderKind::PagerDuty,
            action: "reassign to a team or an Opsgenie escalation",
        }),
    }
}

fn note_body(text: &str) -> Result<Value, ProviderError> {
    if text.trim().is_empty() {
        return Err(not_sent("a note needs some text"));
    }
    Ok(json!({ "note": { "content": text } }))
}

/// The request for more responders, the token's user asking (PD-spec
/// `createIncidentResponderRequest`, targets wrapped as in its example).
fn responder_body(
    requester_id: &str,
    responders: &[Assignee],
    message: &str,
) -> Result<Value, ProviderError> {
    if responders.is_empty() {
        return Err(not_sent(
            "choose at least one person or escalation policy to ask",
        ));
    }
    let targets = responders
        .iter()
        .map(|responder| {
            let kind = match responder.kind {
                AssigneeKind::User => "user_reference",
                AssigneeKind::EscalationPolicy => "escalation_policy_reference",
                AssigneeKind::Team | AssigneeKind::Escalation => {
                    return Err(ProviderError::Unsupported {
                        provider: ProviderKind::PagerDuty,
                        action: "ask a team or an Opsgenie escalation to respond",
                    })
                }
            };
            Ok(json!({"responder_request_target": {"id": responder.id, "type": kind}}))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({
        "requester_id": requester_id,
        "message": message,
        "responder_request_targets": targets,
    }))
}

/// A request refused before it was sent, worded as PagerDuty's own 400 would be.
pub(super) fn not_sent(message: &str) -> ProviderError {
    ProviderError::Rejected {
        status: 400,
        code: None,
        message: message.to_owned(),
    }
}

pub(super) fn unsupported(kind: &ActionKind) -> ProviderError {
    ProviderError::Unsupported {
        provider: ProviderKind::PagerDuty,
        action: kind.verb(),
    }
}

/// A 404 on an incident's sub-route says the incident is gone (merged, deleted or
/// never there); PagerDuty's own text ("Not Found") does not say which thing.
pub(super) fn unknown_incident(id: &str, error: ProviderError) -> ProviderError {
    match error {
        ProviderError::Rejected {
            status: 404, code, ..
        } => ProviderError::Rejected {
            status: 404,
            code,
            message: oncall_model::display_text(&format!(
                "PagerDuty has no incident {id} (it may have been merged or deleted)"
            )),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> Assignee {
        Assignee {
            kind: AssigneeKind::User,
            id: id.into(),
            name: "Alex".into(),
        }
    }

    #[test]
    fn request_bodies_follow_the_document() {
        assert_eq!(
            reassignment(&user("PX")).unwrap(),
            json!({"assignments": [{"assignee": {"id": "PX", "type": "user_reference"}}]})
        );
        let policy = Assignee {
            kind: AssigneeKind::EscalationPolicy,
            ..user("PEP")
        };
        assert_eq!(
            reassignment(&policy).unwrap(),
            json!({"escalation_policy": {"id": "PEP", "type": "escalation_policy_reference"}})
        );
        let team = Assignee {
            kind: AssigneeKind::Team,
            ..user("T")
        };
        assert!(matches!(
            reassignment(&team),
            Err(ProviderError::Unsupported { .. })
        ));
        assert_eq!(
            responder_body("ME", &[user("PX"), policy], "join the bridge").unwrap(),
            json!({"requester_id": "ME", "message": "join the bridge",
                   "responder_request_targets": [
                       {"responder_request_target": {"id": "PX", "type": "user_reference"}},
                       {"responder_request_target": {"id": "PEP",
                                                     "type": "escalation_policy_reference"}}]})
        );
        assert!(responder_body("ME", &[], "x").is_err());
        assert!(note_body(" \n").is_err());
        assert_eq!(
            note_body("Restarted db-3").unwrap(),
            json!({"note": {"content": "Restarted db-3"}})
        );
    }
}

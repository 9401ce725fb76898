//! What the user does to an alert group: acknowledge, unacknowledge (or unsilence),
//! resolve, silence for a time, and resolution notes. Each is one synchronous request
//! whose answer is the outcome: a 2xx is done. The reference documents no answer body
//! or refusal for these routes; Grafana OnCall (on Django REST framework) refuses an
//! action the group's state forbids with 400 and `{"detail": "…"}`, and those texts are
//! read for "already done" and "already resolved" (see [`outcome_of_refusal`]).

use oncall_model::{ActionKind, ActionOutcome, ProviderError, ProviderKind};
use serde_json::json;

use super::GrafanaOnCallClient;
use crate::wire::ResolutionNote;

impl GrafanaOnCallClient {
    pub(crate) async fn act_on(
        &self,
        kind: &ActionKind,
        id: &str,
    ) -> Result<ActionOutcome, ProviderError> {
        let result = match kind {
            ActionKind::AddNote { text } => self.add_note(id, text).await,
            _ => {
                let (verb, body) = self.request(kind, id)?;
                let url = self.api_url(&["alert_groups", id, verb], None);
                self.http.post_json(url, &body).await.map(drop)
            }
        };
        match result {
            Ok(()) => {
                self.after(kind, id, &ActionOutcome::Done);
                Ok(ActionOutcome::Done)
            }
            Err(error) => {
                let outcome = outcome_of_refusal(kind, &error).ok_or(error)?;
                self.after(kind, id, &outcome);
                Ok(outcome)
            }
        }
    }

    /// The path's verb and the body of a status change.
    fn request(
        &self,
        kind: &ActionKind,
        id: &str,
    ) -> Result<(&'static str, serde_json::Value), ProviderError> {
        Ok(match kind {
            ActionKind::Acknowledge => ("acknowledge", json!({})),
            // A silenced group is shown acknowledged; taking that back is unsilencing.
            ActionKind::Unacknowledge if self.is_silenced_here(id) => ("unsilence", json!({})),
            ActionKind::Unacknowledge => ("unacknowledge", json!({})),
            ActionKind::Resolve => ("resolve", json!({})),
            // `-1` would silence forever; a snooze always ends.
            ActionKind::Snooze { seconds } => ("silence", json!({ "delay": (*seconds).max(1) })),
            other => {
                return Err(ProviderError::Unsupported {
                    provider: ProviderKind::GrafanaOnCall,
                    action: other.verb(),
                })
            }
        })
    }

    /// `POST /api/v1/resolution_notes/`, whose 201 answer is the note.
    async fn add_note(&self, id: &str, text: &str) -> Result<(), ProviderError> {
        let url = self.api_url(&["resolution_notes", ""], None);
        let body = json!({ "alert_group_id": id, "text": text });
        let note: ResolutionNote = self.http.post_json(url, &body).await?.json()?;
        if note.id.trim().is_empty() {
            return Err(oncall_http::malformed(
                "the created resolution note has no id",
            ));
        }
        Ok(())
    }

    /// What the client remembers of a group after an action took effect: a group it
    /// silenced is watched by id, and one it acknowledged or silenced is pinned
    /// acknowledged (see `convert`).
    fn after(&self, kind: &ActionKind, id: &str, outcome: &ActionOutcome) {
        let holds = *outcome != ActionOutcome::AlreadyResolved;
        match kind {
            ActionKind::Snooze { .. } => {
                self.remember_silence(id);
                if holds {
                    self.acknowledged_here(id);
                }
            }
            ActionKind::Acknowledge => {
                self.forget_silence(id);
                if holds {
                    self.acknowledged_here(id);
                }
            }
            ActionKind::Unacknowledge | ActionKind::Resolve => self.forget_silence(id),
            _ => {}
        }
    }
}

/// A refusal that still leaves the user's intent holding: the group is gone (404) or
/// resolved, or already in the state asked for. `None`: a real refusal.
pub(crate) fn outcome_of_refusal(
    kind: &ActionKind,
    error: &ProviderError,
) -> Option<ActionOutcome> {
    let ProviderError::Rejected {
        status, message, ..
    } = error
    else {
        return None;
    };
    if *status == 404 {
        return Some(ActionOutcome::AlreadyResolved);
    }
    if *status != 400 {
        return None;
    }
    let text = message.to_ascii_lowercase();
    if text.contains("resolved") && !matches!(kind, ActionKind::AddNote { .. }) {
        return Some(ActionOutcome::AlreadyResolved);
    }
    let already = match kind {
        ActionKind::Acknowledge => text.contains("acknowledge an acknowledged"),
        ActionKind::Unacknowledge => {
            text.contains("non-acknowledged")
                || text.contains("not acknowledged")
                || text.contains("unsilence a non-silenced")
                || text.contains("not silenced")
        }
        ActionKind::Snooze { .. } => text.contains("silence a silenced"),
        _ => false,
    };
    already.then_some(ActionOutcome::AlreadyDone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(status: u16, message: &str) -> ProviderError {
        ProviderError::Rejected {
            status,
            code: None,
            message: message.into(),
        }
    }

    #[test]
    fn refusals_that_leave_the_intent_holding_are_outcomes() {
        use ActionOutcome::*;
        let ack = &ActionKind::Acknowledge;
        let unack = &ActionKind::Unacknowledge;
        let note = &ActionKind::AddNote { text: "x".into() };
        let snooze = &ActionKind::Snooze { seconds: 60 };
        let check = |kind, status, text: &str| outcome_of_refusal(kind, &rejected(status, text));
        assert_eq!(check(ack, 404, "Not found."), Some(AlreadyResolved));
        assert_eq!(
            check(ack, 400, "Can't acknowledge a resolved alert group"),
            Some(AlreadyResolved)
        );
        assert_eq!(
            check(ack, 400, "Can't acknowledge an acknowledged alert group"),
            Some(AlreadyDone)
        );
        assert_eq!(
            check(
                unack,
                400,
                "Can't unacknowledge a non-acknowledged alert group"
            ),
            Some(AlreadyDone)
        );
        assert_eq!(
            check(snooze, 400, "Can't silence a silenced alert group"),
            Some(AlreadyDone)
        );
        assert_eq!(check(note, 400, "text: This field may not be blank."), None);
        assert_eq!(check(ack, 403, "nope"), None);
        assert_eq!(
            outcome_of_refusal(
                ack,
                &ProviderError::Unavailable {
                    message: "x".into()
                }
            ),
            None
        );
    }
}

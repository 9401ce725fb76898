//! Actions: `POST …/v1/alerts/{id}/acknowledge|unacknowledge|close|snooze|notes`. Each is
//! asynchronous on JSM ("Alert creation, deletion, and action requests are processed
//! asynchronously",
//! <https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/api-group-alerts/>):
//! answered 202 with a request id, and only done once `GET …/v1/alerts/requests/{id}`
//! reports it processed, within `confirm_timeout`.
//!
//! The bodies are Opsgenie's (`source`, `note`; snooze's `endTime`), which the reference
//! does not spell out. A request not yet processed answers 404, as on Opsgenie.

use std::time::Duration;

use chrono::SecondsFormat;
use oncall_http::malformed;
use oncall_model::{ActionKind, ActionOutcome, ProviderError, ProviderKind};
use serde_json::{json, Value};

use super::JsmClient;
use crate::wire::{Accepted, RequestStatus};

/// The first wait before asking whether a 202 request was processed, doubled up to
/// [`CONFIRM_MAX_DELAY`].
const CONFIRM_FIRST_DELAY: Duration = Duration::from_millis(200);
const CONFIRM_MAX_DELAY: Duration = Duration::from_secs(2);
/// What writes name as their `source`, so the alert log shows where an action came from.
const SOURCE: &str = "oncall-tray";

type Outcome = Result<ActionOutcome, ProviderError>;

impl JsmClient {
    /// Posts every action, then asks about the requests, backing off 200 ms → 2 s, until
    /// each is processed or `confirm_timeout` has passed. An unconfirmed action is
    /// `Unavailable`: the engine keeps it queued and sends it again, which is harmless
    /// (a repeated acknowledge is "already acknowledged").
    pub(super) async fn act_and_confirm(
        &self,
        kind: &ActionKind,
        incident_ids: &[String],
    ) -> Vec<Outcome> {
        let deadline = tokio::time::Instant::now() + self.config.confirm_timeout;
        let mut results: Vec<Option<Outcome>> = vec![None; incident_ids.len()];
        let mut waiting: Vec<(usize, String, Option<ProviderError>)> = Vec::new();
        for (index, id) in incident_ids.iter().enumerate() {
            match self.post_action(kind, id).await {
                Ok(request_id) => waiting.push((index, request_id, None)),
                Err(e) => results[index] = Some(Err(e)),
            }
        }
        let mut delay = CONFIRM_FIRST_DELAY;
        while !waiting.is_empty() {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break;
            }
            tokio::time::sleep(delay.min(deadline - now)).await;
            delay = (delay * 2).min(CONFIRM_MAX_DELAY);
            let mut still = Vec::new();
            for (index, request_id, last_error) in waiting {
                match self.request_status(kind, &request_id).await {
                    Ok(Some(result)) => results[index] = Some(result),
                    Ok(None) => still.push((index, request_id, last_error)),
                    Err(e) if e.is_transient() => still.push((index, request_id, Some(e))),
                    Err(e) => results[index] = Some(Err(e)),
                }
            }
            waiting = still;
        }
        for (index, request_id, last_error) in waiting {
            let why = last_error
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default();
            tracing::debug!(%request_id, "jsm request not confirmed in time");
            results[index] = Some(Err(ProviderError::Unavailable {
                message: format!(
                    "JSM accepted the {} but did not confirm it within {} s{why}",
                    kind.verb(),
                    self.config.confirm_timeout.as_secs_f32()
                ),
            }));
        }
        results
            .into_iter()
            .map(|r| r.expect("every action has a result"))
            .collect()
    }

    /// Posts the action's request on one alert and returns its request id.
    async fn post_action(&self, kind: &ActionKind, id: &str) -> Result<String, ProviderError> {
        let (verb, body) = self.action_request(kind)?;
        let url = self.ops_url(&["alerts", id, verb], None).await?;
        let reply = self.api.post_json(url, &body).await?;
        let accepted: Accepted = reply.json()?;
        if accepted.request_id.trim().is_empty() {
            return Err(malformed("the 202 answer has no requestId"));
        }
        Ok(accepted.request_id)
    }

    /// The path segment and body of an action; nothing is sent for one JSM lacks here.
    fn action_request(&self, kind: &ActionKind) -> Result<(&'static str, Value), ProviderError> {
        Ok(match kind {
            ActionKind::Acknowledge => (
                "acknowledge",
                json!({"source": SOURCE, "note": "Acknowledged from oncall-tray"}),
            ),
            ActionKind::Unacknowledge => (
                "unacknowledge",
                json!({"source": SOURCE, "note": "Un-acknowledged from oncall-tray"}),
            ),
            ActionKind::Resolve => (
                "close",
                json!({"source": SOURCE, "note": "Closed from oncall-tray"}),
            ),
            ActionKind::Snooze { seconds } => {
                let end = (self.clock)() + chrono::Duration::seconds(i64::from((*seconds).max(1)));
                (
                    "snooze",
                    json!({
                        "source": SOURCE,
                        "note": "Snoozed from oncall-tray",
                        "endTime": end.to_rfc3339_opts(SecondsFormat::Millis, true),
                    }),
                )
            }
            ActionKind::AddNote { text } => {
                if text.trim().is_empty() {
                    return Err(ProviderError::Rejected {
                        status: 400,
                        code: None,
                        message: "a note needs some text".to_owned(),
                    });
                }
                ("notes", json!({"source": SOURCE, "note": text}))
            }
            ActionKind::Reassign { .. } => return Err(unsupported("reassign an alert")),
            ActionKind::Escalate { .. } => return Err(unsupported("escalate an alert")),
            ActionKind::AddResponders { .. } => return Err(unsupported("add responders")),
            ActionKind::SetUrgency { .. } => return Err(unsupported("change an urgency")),
        })
    }

    /// One look at a request's status: `Ok(None)` while JSM has not processed it.
    async fn request_status(
        &self,
        kind: &ActionKind,
        request_id: &str,
    ) -> Result<Option<Outcome>, ProviderError> {
        let url = self
            .ops_url(&["alerts", "requests", request_id], None)
            .await?;
        match self.api.get(url).await {
            Ok(reply) => {
                let status: RequestStatus = reply.json()?;
                let Some(success) = status.is_success else {
                    return Ok(None);
                };
                Ok(Some(outcome(
                    kind,
                    success,
                    &status.status.unwrap_or_default(),
                )))
            }
            Err(ProviderError::Rejected { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn unsupported(action: &'static str) -> ProviderError {
    ProviderError::Unsupported {
        provider: ProviderKind::Jsm,
        action,
    }
}

/// What a processed request's `isSuccess` and `status` mean for the user's intent.
pub(crate) fn outcome(kind: &ActionKind, success: bool, status: &str) -> Outcome {
    if success {
        return Ok(ActionOutcome::Done);
    }
    let text = status.to_ascii_lowercase();
    let missing = text.contains("does not exist") || text.contains("not found");
    if missing || text.contains("closed") {
        return Ok(ActionOutcome::AlreadyResolved);
    }
    let already = match kind {
        ActionKind::Acknowledge => text.contains("already acknowledged"),
        ActionKind::Unacknowledge => {
            text.contains("not acknowledged") || text.contains("already unacknowledged")
        }
        ActionKind::Snooze { .. } => text.contains("already snoozed"),
        _ => false,
    };
    if already {
        return Ok(ActionOutcome::AlreadyDone);
    }
    Err(ProviderError::Rejected {
        status: 422,
        code: None,
        message: format!(
            "JSM did not {} the alert: {}",
            kind.verb(),
            oncall_http::displayable(status.trim())
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_status_texts_become_outcomes() {
        use ActionOutcome::*;
        let ack = &ActionKind::Acknowledge;
        assert_eq!(outcome(ack, true, "Acknowledged"), Ok(Done));
        assert_eq!(
            outcome(ack, false, "Alert does not exist"),
            Ok(AlreadyResolved)
        );
        assert_eq!(
            outcome(ack, false, "Alert is already closed"),
            Ok(AlreadyResolved)
        );
        assert_eq!(
            outcome(ack, false, "Alert is already acknowledged"),
            Ok(AlreadyDone)
        );
        assert_eq!(
            outcome(
                &ActionKind::Unacknowledge,
                false,
                "Alert is not acknowledged"
            ),
            Ok(AlreadyDone)
        );
        let note = &ActionKind::AddNote { text: "x".into() };
        assert_eq!(
            outcome(note, false, "Alert is already closed"),
            Ok(AlreadyResolved)
        );
        assert!(matches!(
            outcome(ack, false, "Integration \u{1b}[2J is disabled"),
            Err(ProviderError::Rejected { status: 422, message, .. })
                if !message.contains('\u{1b}')
        ));
    }
}

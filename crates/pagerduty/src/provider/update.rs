//! Changing incidents: the bulk `PUT /incidents` every field change goes through
//! (acknowledge, resolve, reassign, escalate, urgency), and snooze. PagerDuty's "already"
//! refusals become the outcome the user wanted anyway.

use oncall_model::{ActionOutcome, ProviderError};
use reqwest::header::HeaderValue;
use reqwest::Method;
use serde_json::{json, Map, Value};

use super::{code, PagerDutyClient, BULK_MAX};

/// The status a bulk update sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Acknowledged,
    Resolved,
}

impl Target {
    fn as_str(self) -> &'static str {
        match self {
            Target::Acknowledged => "acknowledged",
            Target::Resolved => "resolved",
        }
    }
}

/// One incident's part of an update: its id and the fields that change (`status`,
/// `assignments`, `escalation_level`, …, as `PUT /incidents` names them).
pub(super) struct Change<'a> {
    pub id: &'a str,
    pub fields: Map<String, Value>,
}

impl<'a> Change<'a> {
    pub fn new(id: &'a str, fields: Value) -> Self {
        let fields = match fields {
            Value::Object(fields) => fields,
            _ => Map::new(),
        };
        Change { id, fields }
    }

    /// The item of a bulk update (`{"id", "type", …fields}`), or the `incident` of a
    /// single one (`{"type", …fields}`).
    fn body(&self, with_id: bool) -> Value {
        let mut item = self.fields.clone();
        item.insert("type".into(), json!("incident_reference"));
        if with_id {
            item.insert("id".into(), json!(self.id));
        }
        Value::Object(item)
    }
}

/// What a change's answer means for the user.
pub(super) type Outcome = fn(Result<(), ProviderError>) -> Result<ActionOutcome, ProviderError>;

impl PagerDutyClient {
    /// Acknowledge or resolve, `BULK_MAX` incidents per request.
    pub(super) async fn update(
        &self,
        ids: &[&str],
        target: Target,
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let changes: Vec<Change> = ids
            .iter()
            .map(|id| Change::new(id, json!({ "status": target.as_str() })))
            .collect();
        let outcome: Outcome = match target {
            Target::Acknowledged => |r| update_outcome(Target::Acknowledged, r),
            Target::Resolved => |r| update_outcome(Target::Resolved, r),
        };
        self.put_changes(&changes, outcome).await
    }

    /// Sends `changes` as bulk updates of at most `BULK_MAX` incidents, with the acting
    /// user's `From`.
    pub(super) async fn put_changes(
        &self,
        changes: &[Change<'_>],
        outcome: Outcome,
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        if changes.is_empty() {
            return Vec::new();
        }
        let from = match self.acting_user_email().await {
            Ok(from) => from,
            Err(error) => return changes.iter().map(|_| Err(error.clone())).collect(),
        };
        let mut results = Vec::with_capacity(changes.len());
        for chunk in changes.chunks(BULK_MAX) {
            if let Some(error) = halting_error(&results) {
                results.extend(chunk.iter().map(|_| Err(error.clone())));
                continue;
            }
            results.extend(self.put_chunk(chunk, outcome, &from).await);
        }
        results
    }

    async fn put_chunk(
        &self,
        chunk: &[Change<'_>],
        outcome: Outcome,
        from: &HeaderValue,
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let items: Vec<Value> = chunk.iter().map(|change| change.body(true)).collect();
        let url = self.http.url(&["incidents"], None);
        let bulk = self
            .http
            .write(
                Method::PUT,
                url,
                ("from", from),
                &json!({ "incidents": items }),
            )
            .await;
        match bulk {
            // The bulk update is all-or-nothing: one incident someone else already
            // acknowledged fails the whole batch. One by one, each gets its own answer.
            // Not for a bad `From`, which would fail every one of them the same way.
            Err(ProviderError::Rejected { code, .. })
                if chunk.len() > 1 && code != Some(code::REQUESTER_NOT_FOUND) =>
            {
                let mut results = Vec::with_capacity(chunk.len());
                for change in chunk {
                    if let Some(error) = halting_error(&results) {
                        results.push(Err(error));
                        continue;
                    }
                    let url = self.http.url(&["incidents", change.id], None);
                    let body = json!({ "incident": change.body(false) });
                    let one = self
                        .http
                        .write(Method::PUT, url, ("from", from), &body)
                        .await;
                    results.push(outcome(one));
                }
                results
            }
            other => chunk.iter().map(|_| outcome(other.clone())).collect(),
        }
    }

    pub(super) async fn snooze(
        &self,
        ids: &[&str],
        seconds: u32,
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
            let url = self.http.url(&["incidents", id, "snooze"], None);
            let result = self
                .http
                .write(
                    Method::POST,
                    url,
                    ("from", &from),
                    &json!({ "duration": seconds }),
                )
                .await;
            results.push(snooze_outcome(seconds, result));
        }
        results
    }
}

/// After a failure that is about the account, not the incident (bad token, rate limit,
/// outage), the remaining incidents of the call are not sent: they would fail the same
/// way and only dig the rate-limit hole deeper. They get the same error, so the caller
/// retries them together.
pub(super) fn halting_error(
    results: &[Result<ActionOutcome, ProviderError>],
) -> Option<ProviderError> {
    results.iter().find_map(|result| match result {
        Err(error) if is_account_wide(error) => Some(error.clone()),
        _ => None,
    })
}

/// A failure about the account (token, rate limit, outage), not about one incident.
pub(super) fn is_account_wide(error: &ProviderError) -> bool {
    matches!(
        error,
        ProviderError::Unauthorized { .. }
            | ProviderError::RateLimited { .. }
            | ProviderError::Unavailable { .. }
    )
}

/// The code of a refusal, if PagerDuty gave one.
fn refusal_code(error: &ProviderError) -> Option<i64> {
    match error {
        ProviderError::Rejected { code, .. } => *code,
        _ => None,
    }
}

/// Maps PagerDuty's "already" refusals to the outcome the user wanted anyway.
fn update_outcome(
    target: Target,
    result: Result<(), ProviderError>,
) -> Result<ActionOutcome, ProviderError> {
    let error = match result {
        Ok(()) => return Ok(ActionOutcome::Done),
        Err(error) => error,
    };
    match (target, refusal_code(&error)) {
        (Target::Acknowledged, Some(code::ALREADY_ACKNOWLEDGED)) => Ok(ActionOutcome::AlreadyDone),
        (Target::Acknowledged, Some(code::ALREADY_RESOLVED)) => Ok(ActionOutcome::AlreadyResolved),
        (Target::Resolved, Some(code::ALREADY_RESOLVED)) => Ok(ActionOutcome::AlreadyDone),
        _ => Err(error),
    }
}

/// Reassigning, escalating or changing the urgency of an incident that has been resolved
/// meanwhile: there is nothing left to hand over, as for an acknowledgement.
pub(super) fn change_outcome(
    result: Result<(), ProviderError>,
) -> Result<ActionOutcome, ProviderError> {
    match result {
        Ok(()) => Ok(ActionOutcome::Done),
        Err(error) if refusal_code(&error) == Some(code::ALREADY_RESOLVED) => {
            Ok(ActionOutcome::AlreadyResolved)
        }
        Err(error) => Err(error),
    }
}

fn snooze_outcome(
    seconds: u32,
    result: Result<(), ProviderError>,
) -> Result<ActionOutcome, ProviderError> {
    match result {
        Ok(()) => Ok(ActionOutcome::Done),
        // Snoozing is about silence; a resolved incident is silent already.
        Err(ProviderError::Rejected {
            code: Some(code::ALREADY_RESOLVED),
            ..
        }) => Ok(ActionOutcome::AlreadyResolved),
        Err(ProviderError::Rejected {
            status,
            code: Some(code::NOT_ACKNOWLEDGED),
            ..
        }) => Err(ProviderError::Rejected {
            status,
            code: Some(code::NOT_ACKNOWLEDGED),
            message: "PagerDuty can only snooze an incident that is acknowledged; \
                      acknowledge it first"
                .to_owned(),
        }),
        Err(ProviderError::Rejected {
            status,
            code: Some(code::BAD_SNOOZE_DURATION),
            ..
        }) => Err(ProviderError::Rejected {
            status,
            code: Some(code::BAD_SNOOZE_DURATION),
            message: format!(
                "PagerDuty snoozes for 1 second to 7 days; {seconds} seconds is outside that"
            ),
        }),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(code: i64) -> Result<(), ProviderError> {
        Err(ProviderError::Rejected {
            status: 400,
            code: Some(code),
            message: "x".into(),
        })
    }

    #[test]
    fn already_outcomes() {
        use ActionOutcome::*;
        use Target::*;
        assert_eq!(update_outcome(Acknowledged, Ok(())), Ok(Done));
        assert_eq!(
            update_outcome(Acknowledged, rejected(1002)),
            Ok(AlreadyDone)
        );
        assert_eq!(
            update_outcome(Acknowledged, rejected(1001)),
            Ok(AlreadyResolved)
        );
        assert_eq!(update_outcome(Resolved, rejected(1001)), Ok(AlreadyDone));
        assert_eq!(
            update_outcome(Resolved, rejected(1002)),
            rejected(1002).map(|_| Done)
        );
        assert_eq!(
            update_outcome(Acknowledged, rejected(1008)),
            rejected(1008).map(|_| Done)
        );
        let unavailable = ProviderError::Unavailable {
            message: "down".into(),
        };
        assert_eq!(
            update_outcome(Acknowledged, Err(unavailable.clone())),
            Err(unavailable)
        );
    }

    #[test]
    fn a_change_to_a_resolved_incident_is_already_resolved() {
        assert_eq!(change_outcome(Ok(())), Ok(ActionOutcome::Done));
        assert_eq!(
            change_outcome(rejected(1001)),
            Ok(ActionOutcome::AlreadyResolved)
        );
        assert_eq!(
            change_outcome(rejected(1007)),
            rejected(1007).map(|_| ActionOutcome::Done)
        );
    }

    #[test]
    fn snooze_outcomes() {
        assert_eq!(snooze_outcome(60, Ok(())), Ok(ActionOutcome::Done));
        assert_eq!(
            snooze_outcome(60, rejected(1001)),
            Ok(ActionOutcome::AlreadyResolved)
        );
        let Err(not_acked) = snooze_outcome(60, rejected(1012)) else {
            panic!("expected an error")
        };
        assert!(
            not_acked.to_string().contains("acknowledged"),
            "{not_acked}"
        );
        let Err(bad) = snooze_outcome(999_999, rejected(1013)) else {
            panic!("expected an error")
        };
        assert!(bad.to_string().contains("999999 seconds"), "{bad}");
    }

    #[test]
    fn account_wide_failures_halt_the_rest() {
        let done: Result<ActionOutcome, ProviderError> = Ok(ActionOutcome::Done);
        let refused = rejected(1004).map(|_| ActionOutcome::Done);
        assert_eq!(halting_error(&[done.clone(), refused]), None);
        let limited = ProviderError::RateLimited { retry_after: None };
        assert_eq!(halting_error(&[done, Err(limited.clone())]), Some(limited));
    }
}

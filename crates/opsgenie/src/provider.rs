//! [`OpsgenieClient`]: which requests implement each [`Provider`] method.

mod access;
pub(crate) mod respond;
pub(crate) mod schedules;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use oncall_http::{malformed, Query};
use oncall_model::{
    ActionKind, ActionOutcome, Assignee, AssigneeKind, Capabilities, CoverRequest, FetchResult,
    Identity, IncidentDetails, OnCallShift, Provider, ProviderError, ProviderKind, RotaEntry,
    ScheduleOverride, WallClock,
};
use serde_json::json;
use url::Url;

use crate::config::OpsgenieConfig;
use crate::convert::{self, Episodes};
use crate::errors::ClientError;
use crate::http::Http;
use crate::wire::{Accepted, Alert, ListAlertsResponse, RequestStatusResponse};

/// Opsgenie's largest page.
const PAGE_LIMIT: &str = "100";
/// A poll that needs more pages than this (20 000 alerts) is a server looping its links.
const MAX_PAGES: u32 = 200;
/// The first wait before asking whether a 202 request was processed, doubled up to
/// [`CONFIRM_MAX_DELAY`].
const CONFIRM_FIRST_DELAY: Duration = Duration::from_millis(200);
const CONFIRM_MAX_DELAY: Duration = Duration::from_secs(2);
/// What writes name as their `source`, so the alert log shows where an action came from.
const SOURCE: &str = "oncall-tray";

/// What an Opsgenie account can do, known before any client is built.
pub const CAPABILITIES: Capabilities = Capabilities {
    resolve: true,
    snooze: true,
    unacknowledge: true,
    schedules: true,
    // `assign` takes a user as the owner; a team cannot own an alert.
    reassign_to_users: true,
    reassign_to_policies: false,
    reassign_to_teams: false,
    // Opsgenie escalates to a named escalation, never to a "next level".
    escalate_needs_target: Some(true),
    notes: true,
    // One request per responder; see `provider/respond.rs`.
    add_responders: true,
    set_urgency: false,
    details: true,
};

/// An [`oncall_model::Provider`] for one Opsgenie account (one API integration key).
pub struct OpsgenieClient {
    config: OpsgenieConfig,
    http: Http,
    /// Set once the key was proven to work; `identify` asks only once.
    identity: tokio::sync::OnceCell<Identity>,
    /// Episode pins (see `convert`). A std mutex: held only for the synchronous
    /// conversion of one page, never across an `.await`.
    episodes: Mutex<Episodes>,
    /// The configured on-call user as Opsgenie knows them, fetched on first need.
    me: tokio::sync::OnceCell<schedules::Me>,
    /// "Now" for on-call questions; see [`OpsgenieClient::with_clock`].
    clock: WallClock,
}

impl std::fmt::Debug for OpsgenieClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpsgenieClient")
            .field("config", &self.config)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl OpsgenieClient {
    pub fn new(config: OpsgenieConfig) -> Result<Self, ClientError> {
        let http = Http::new(&config)?;
        Ok(OpsgenieClient {
            config,
            http,
            identity: tokio::sync::OnceCell::new(),
            episodes: Mutex::new(Episodes::default()),
            me: tokio::sync::OnceCell::new(),
            clock: Arc::new(Utc::now),
        })
    }

    /// Replaces the system clock for on-call questions, so that an engine on simulated
    /// time (and tests on the fake's clock) ask about the shifts of its own "now".
    pub fn with_clock(mut self, clock: WallClock) -> Self {
        self.clock = clock;
        self
    }

    fn list_url(&self, limit: &str) -> Url {
        let mut query = Query::default();
        query
            .push("query", &self.config.query)
            .push("limit", limit)
            // Oldest first: an alert created during the poll lands on the last page
            // instead of pushing every later page's alerts back by one.
            .push("sort", "createdAt")
            .push("order", "asc");
        self.http.url(&["v2", "alerts"], Some(&query))
    }

    /// `paging.next`, if it may be followed: the API key goes only to the base URL's
    /// origin and only to the list path.
    fn next_page(&self, next: &str) -> Result<Url, ProviderError> {
        let url = Url::parse(next)
            .map_err(|e| malformed(format_args!("paging.next is not a URL ({e})")))?;
        let base = self.http.base();
        if url.origin() != base.origin() {
            return Err(malformed(format_args!(
                "paging.next points to another origin ({}); refusing to send the API key there",
                url.origin().ascii_serialization()
            )));
        }
        if url.path() != self.http.url(&["v2", "alerts"], None).path() {
            return Err(malformed(format_args!(
                "paging.next points to {} instead of the alert list",
                url.path()
            )));
        }
        Ok(url)
    }

    /// Posts one request of an action and returns its request id.
    async fn post_action(
        &self,
        verb: &str,
        mut body: serde_json::Value,
        id: &str,
    ) -> Result<String, ProviderError> {
        if let Some(user) = &self.config.user {
            body["user"] = json!(user);
        }
        let mut query = Query::default();
        query.push("identifierType", "id");
        let url = self.http.url(&["v2", "alerts", id, verb], Some(&query));
        let reply = self.http.post_json(url, &body).await?;
        if reply.status.as_u16() != 202 && !reply.status.is_success() {
            return Err(malformed(format_args!(
                "unexpected HTTP status {}",
                reply.status
            )));
        }
        let accepted: Accepted = reply.json()?;
        if accepted.request_id.trim().is_empty() {
            return Err(malformed("the 202 answer has no requestId"));
        }
        Ok(accepted.request_id)
    }

    /// Posts every request of an action on one alert; their request ids join `waiting`.
    /// A refused post ends the alert's action with that error.
    async fn post_requests(
        &self,
        kind: &ActionKind,
        index: usize,
        id: &str,
        waiting: &mut Vec<(usize, String, Option<ProviderError>)>,
    ) -> Result<(), ProviderError> {
        for (verb, body) in action_requests(kind)? {
            let request_id = self.post_action(verb, body, id).await?;
            waiting.push((index, request_id, None));
        }
        Ok(())
    }
}

/// The requests (path segment and body) an action takes on one alert: one, except for
/// adding several responders (`provider/respond.rs`).
fn action_requests(
    kind: &ActionKind,
) -> Result<Vec<(&'static str, serde_json::Value)>, ProviderError> {
    let request = match kind {
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
            let end = Utc::now() + chrono::Duration::seconds(i64::from((*seconds).max(1)));
            (
                "snooze",
                json!({
                    "source": SOURCE,
                    "note": "Snoozed from oncall-tray",
                    "endTime": end.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                }),
            )
        }
        other => return respond::action_requests(other),
    };
    Ok(vec![request])
}

/// Joins the outcome of one more request of an alert's action into what is known: an
/// error wins (the first one), then "already resolved", then done.
fn merge(
    known: &mut Option<Result<ActionOutcome, ProviderError>>,
    new: Result<ActionOutcome, ProviderError>,
) {
    let rank = |o: &ActionOutcome| match o {
        ActionOutcome::AlreadyDone => 0,
        ActionOutcome::Done => 1,
        ActionOutcome::AlreadyResolved => 2,
    };
    *known = Some(match (known.take(), new) {
        (None, new) => new,
        (Some(Err(e)), _) | (Some(Ok(_)), Err(e)) => Err(e),
        (Some(Ok(a)), Ok(b)) => Ok(if rank(&b) > rank(&a) { b } else { a }),
    });
}

impl OpsgenieClient {
    /// One look at a request's status: `Ok(None)` while Opsgenie has not processed it.
    async fn request_status(
        &self,
        kind: &ActionKind,
        request_id: &str,
    ) -> Result<Option<Result<ActionOutcome, ProviderError>>, ProviderError> {
        let url = self
            .http
            .url(&["v2", "alerts", "requests", request_id], None);
        match self.http.get(url).await {
            Ok(reply) => {
                let status: RequestStatusResponse = reply.json()?;
                let Some(success) = status.data.succeeded() else {
                    // Processed-looking but without a verdict: ask again.
                    return Ok(None);
                };
                let text = status.data.status.unwrap_or_default();
                Ok(Some(outcome(kind, success, &text)))
            }
            // "Request not found. It might not be processed, yet."
            Err(ProviderError::Rejected { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// What a processed request's `isSuccess` and `status` mean for the user's intent.
fn outcome(kind: &ActionKind, success: bool, status: &str) -> Result<ActionOutcome, ProviderError> {
    if success {
        return Ok(ActionOutcome::Done);
    }
    let text = status.to_ascii_lowercase();
    let missing = text.contains("does not exist") || text.contains("not found");
    // A note, an escalation or an assignment names a second thing that may be missing
    // ("User [x] does not exist"): only a missing alert means the alert is gone.
    let alert_gone = missing && (kind.changes_status() || text.contains("alert"));
    if alert_gone || text.contains("closed") {
        return Ok(ActionOutcome::AlreadyResolved);
    }
    let already = match kind {
        ActionKind::Acknowledge => text.contains("already acknowledged"),
        ActionKind::Unacknowledge => {
            text.contains("not acknowledged") || text.contains("already unacknowledged")
        }
        ActionKind::Snooze { .. } => text.contains("already snoozed"),
        ActionKind::Reassign { .. } | ActionKind::Escalate { .. } => text.contains("already"),
        _ => false,
    };
    if already {
        return Ok(ActionOutcome::AlreadyDone);
    }
    Err(ProviderError::Rejected {
        status: 422,
        code: None,
        message: format!(
            "Opsgenie did not {} the alert: {}",
            kind.verb(),
            status.trim()
        ),
    })
}

#[async_trait]
impl Provider for OpsgenieClient {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Opsgenie
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Opsgenie API keys belong to integrations, not users: the identity is the account
    /// itself, returned once a cheap list (`limit=1`, with the account's query, which is
    /// thereby validated too) proves the key.
    async fn identify(&self) -> Result<Identity, ProviderError> {
        self.identity
            .get_or_try_init(|| async {
                let reply = self.http.get(self.list_url("1")).await?;
                reply.json::<ListAlertsResponse>()?;
                Ok(Identity {
                    user_id: self.config.account.as_str().to_string(),
                    email: None,
                    name: "Opsgenie integration".to_string(),
                })
            })
            .await
            .cloned()
    }

    async fn open_incidents(&self) -> Result<FetchResult, ProviderError> {
        let mut url = self.list_url(PAGE_LIMIT);
        let mut alerts = Vec::new();
        let mut seen = HashSet::new();
        let mut requests = 0;
        loop {
            requests += 1;
            let page: ListAlertsResponse = self.http.get(url).await?.json()?;
            add_unseen(&mut alerts, &mut seen, page.data);
            match page
                .paging
                .and_then(|p| p.next)
                .filter(|n| !n.trim().is_empty())
            {
                None => break,
                Some(_) if requests >= MAX_PAGES => {
                    return Err(malformed(format_args!(
                        "still more pages after {MAX_PAGES}; the paging links seem to loop"
                    )))
                }
                Some(next) => url = self.next_page(&next)?,
            }
        }
        let mut episodes = self.episodes.lock().unwrap_or_else(PoisonError::into_inner);
        let incidents: Vec<_> = alerts
            .iter()
            .filter_map(|a| {
                convert::incident(
                    &self.config.account,
                    a,
                    &self.config.high_priorities,
                    &mut episodes,
                )
            })
            .collect();
        let open: HashSet<String> = incidents.iter().map(|i| i.key.id.clone()).collect();
        episodes.retain(&open);
        Ok(FetchResult {
            incidents,
            requests,
        })
    }

    /// Posts every action (each answers 202 with a request id), then asks Opsgenie about
    /// the requests, backing off 200 ms → 2 s, until each is processed or
    /// `confirm_timeout` has passed. An unconfirmed action is `Unavailable`: the engine
    /// keeps it queued and sends it again, which is harmless (a repeated acknowledge is
    /// "already acknowledged", a responder added again changes nothing). An action of
    /// several requests (responders) is done when all of them are; the first failure
    /// speaks for it.
    async fn act(
        &self,
        kind: &ActionKind,
        incident_ids: &[String],
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let deadline = tokio::time::Instant::now() + self.config.confirm_timeout;
        let mut results: Vec<Option<Result<ActionOutcome, ProviderError>>> =
            vec![None; incident_ids.len()];
        let mut waiting: Vec<(usize, String, Option<ProviderError>)> = Vec::new();
        for (index, id) in incident_ids.iter().enumerate() {
            if let Err(e) = self.post_requests(kind, index, id, &mut waiting).await {
                merge(&mut results[index], Err(e));
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
                    Ok(Some(result)) => merge(&mut results[index], result),
                    Ok(None) => still.push((index, request_id, last_error)),
                    Err(e) if e.is_transient() => still.push((index, request_id, Some(e))),
                    Err(e) => merge(&mut results[index], Err(e)),
                }
            }
            waiting = still;
        }
        for (index, request_id, last_error) in waiting {
            let why = last_error
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default();
            tracing::debug!(%request_id, "opsgenie request not confirmed in time");
            let unconfirmed = ProviderError::Unavailable {
                message: format!(
                    "Opsgenie accepted the {} but did not confirm it within {} s{why}",
                    kind.verb(),
                    self.config.confirm_timeout.as_secs_f32()
                ),
            };
            merge(&mut results[index], Err(unconfirmed));
        }
        results
            .into_iter()
            .map(|r| r.expect("every action has a result"))
            .collect()
    }

    /// The alert's newest notes and log lines (see `provider/respond.rs`).
    async fn details(&self, incident_id: &str) -> Result<IncidentDetails, ProviderError> {
        self.incident_details(incident_id).await
    }

    /// Users, escalations and teams whose name holds every word of `query`; escalation
    /// policies are PagerDuty's.
    async fn find_assignees(
        &self,
        query: &str,
        kinds: &[AssigneeKind],
    ) -> Result<Vec<Assignee>, ProviderError> {
        self.search_assignees(query, kinds).await
    }

    /// The configured on-call user's shifts, from the final timelines of their
    /// schedules; none when the account names no on-call user.
    async fn on_calls(&self) -> Result<Vec<OnCallShift>, ProviderError> {
        self.my_shifts().await
    }

    /// One entry per schedule of the on-call user (Opsgenie has no escalation levels
    /// in schedules); none when the account names no on-call user.
    async fn rota(&self) -> Result<Vec<RotaEntry>, ProviderError> {
        self.rota_entries().await
    }

    async fn cover(&self, request: &CoverRequest) -> Result<ScheduleOverride, ProviderError> {
        self.create_override(request).await
    }
}

/// Appends the alerts of one page that were not listed before: alerts that open or close
/// while the pages are read shift the pages, so the same alert can come twice.
pub(crate) fn add_unseen(alerts: &mut Vec<Alert>, seen: &mut HashSet<String>, page: Vec<Alert>) {
    for alert in page {
        if seen.insert(alert.id.clone()) {
            alerts.push(alert);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_status_texts_become_outcomes() {
        use ActionOutcome::*;
        let ack = &ActionKind::Acknowledge;
        assert_eq!(outcome(ack, true, "Acknowledged alert"), Ok(Done));
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
            outcome(&ActionKind::Resolve, false, "Alert is already closed"),
            Ok(AlreadyResolved)
        );
        assert_eq!(
            outcome(
                &ActionKind::Unacknowledge,
                false,
                "Alert is not acknowledged"
            ),
            Ok(AlreadyDone)
        );
        assert!(matches!(
            outcome(ack, false, "Integration is disabled"),
            Err(ProviderError::Rejected { status: 422, .. })
        ));
    }

    #[test]
    fn an_action_of_several_requests_is_as_good_as_its_worst() {
        use ActionOutcome::*;
        let joined = |outcomes: Vec<Result<ActionOutcome, ProviderError>>| {
            let mut known = None;
            outcomes.into_iter().for_each(|o| merge(&mut known, o));
            known.expect("an outcome")
        };
        assert_eq!(joined(vec![Ok(AlreadyDone), Ok(Done)]), Ok(Done));
        assert_eq!(
            joined(vec![Ok(Done), Ok(AlreadyResolved)]),
            Ok(AlreadyResolved)
        );
        let refused = ProviderError::Rejected {
            status: 422,
            code: None,
            message: "Team [t] does not exist".into(),
        };
        let late = ProviderError::Unavailable {
            message: "not confirmed".into(),
        };
        assert_eq!(
            joined(vec![Ok(Done), Err(refused.clone()), Err(late.clone())]),
            Err(refused)
        );
        assert_eq!(joined(vec![Err(late.clone()), Ok(Done)]), Err(late));
    }

    #[test]
    fn a_missing_target_is_refused_and_a_missing_alert_is_gone() {
        use ActionOutcome::*;
        let person = oncall_model::Assignee {
            kind: AssigneeKind::User,
            id: "u1".into(),
            name: "Sam".into(),
        };
        let assign = &ActionKind::Reassign { to: person };
        let note = &ActionKind::AddNote { text: "x".into() };
        assert!(matches!(
            outcome(assign, false, "User [u1] does not exist"),
            Err(ProviderError::Rejected { status: 422, message, .. }) if message.contains("u1")
        ));
        assert_eq!(
            outcome(assign, false, "Alert does not exist"),
            Ok(AlreadyResolved)
        );
        assert_eq!(
            outcome(note, false, "Alert is already closed"),
            Ok(AlreadyResolved)
        );
        assert_eq!(outcome(note, true, "Added note"), Ok(Done));
        assert_eq!(
            outcome(assign, false, "Alert is already assigned to Sam"),
            Ok(AlreadyDone)
        );
    }
}

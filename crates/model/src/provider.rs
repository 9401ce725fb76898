use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{
    ActionKind, ActionOutcome, Assignee, AssigneeKind, CoverRequest, Incident, IncidentDetails,
    OnCallShift, ProviderKind, RotaEntry, ScheduleOverride,
};

/// Who the account's credential belongs to, fetched once per account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: String,
    pub email: Option<String>,
    pub name: String,
}

/// One complete poll: every open incident the account's filter selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchResult {
    pub incidents: Vec<Incident>,
    /// HTTP requests the poll took (pagination), reported for the API-cost figures.
    pub requests: u32,
}

/// Which actions a provider can perform, so the UI never offers one that must fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub resolve: bool,
    pub snooze: bool,
    pub unacknowledge: bool,
    /// On-call schedules: shifts, who is on call, covering a shift. Alertmanager has
    /// no such idea.
    pub schedules: bool,
    /// `ActionKind::Reassign` to a user.
    pub reassign_to_users: bool,
    /// `ActionKind::Reassign` to an escalation policy (PagerDuty).
    pub reassign_to_policies: bool,
    /// `ActionKind::Reassign` to a team (Opsgenie).
    pub reassign_to_teams: bool,
    /// `ActionKind::Escalate`: to the next level (`Some(false)`: PagerDuty) or to a
    /// chosen escalation (`Some(true)`: Opsgenie); `None` when there is no escalating.
    pub escalate_needs_target: Option<bool>,
    /// `ActionKind::AddNote`, and notes in the detail pane.
    pub notes: bool,
    /// `ActionKind::AddResponders`.
    pub add_responders: bool,
    /// `ActionKind::SetUrgency`.
    pub set_urgency: bool,
    /// [`Provider::details`]: the detail pane's notes, log and alerts.
    pub details: bool,
}

impl Capabilities {
    /// Acknowledge and nothing else: the base the providers' sets are written on.
    pub const ACKNOWLEDGE_ONLY: Capabilities = Capabilities {
        resolve: false,
        snooze: false,
        unacknowledge: false,
        schedules: false,
        reassign_to_users: false,
        reassign_to_policies: false,
        reassign_to_teams: false,
        escalate_needs_target: None,
        notes: false,
        add_responders: false,
        set_urgency: false,
        details: false,
    };

    /// Whether `kind` is something this service can do.
    pub fn supports(&self, kind: &ActionKind) -> bool {
        match kind {
            ActionKind::Acknowledge => true,
            ActionKind::Resolve => self.resolve,
            ActionKind::Snooze { .. } => self.snooze,
            ActionKind::Unacknowledge => self.unacknowledge,
            ActionKind::Reassign { to } => match to.kind {
                AssigneeKind::User => self.reassign_to_users,
                AssigneeKind::EscalationPolicy => self.reassign_to_policies,
                AssigneeKind::Team => self.reassign_to_teams,
                AssigneeKind::Escalation => false,
            },
            ActionKind::Escalate { to } => match (self.escalate_needs_target, to) {
                (Some(false), None) => true,
                (Some(true), Some(to)) => to.kind == AssigneeKind::Escalation,
                _ => false,
            },
            ActionKind::AddNote { .. } => self.notes,
            ActionKind::AddResponders { .. } => self.add_responders,
            ActionKind::SetUrgency { .. } => self.set_urgency,
        }
    }
}

/// How a request to a provider failed, sorted by what the caller must do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// 401/403: the credential is wrong, revoked or lacks a permission. Polling stops
    /// until the credential changes; retrying would only hammer the account.
    #[error("the service rejected the token: {message}")]
    Unauthorized { status: u16, message: String },
    /// 429: wait at least `retry_after` when the service said how long.
    #[error("rate limited by the service")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, 408, timeouts, refused or dropped connections: back off and retry.
    #[error("the service cannot be reached: {message}")]
    Unavailable { message: String },
    /// A response we could not read (not JSON, wrong shape, too large). Retried like
    /// an outage: a proxy's error page is the usual cause.
    #[error("the service sent a response that could not be read: {message}")]
    Malformed { message: String },
    /// The service refused this request for good (400, 404, 413, …); retrying the same
    /// request would fail the same way.
    #[error("the service refused the request ({status}{}): {message}", code.map(|c| format!(", code {c}")).unwrap_or_default())]
    Rejected {
        status: u16,
        code: Option<i64>,
        message: String,
    },
    /// The action does not exist for this provider (e.g. resolve on Alertmanager).
    #[error("{provider} cannot {action}")]
    Unsupported {
        provider: ProviderKind,
        action: &'static str,
    },
}

impl ProviderError {
    /// Whether the same request may succeed later without anything changing on our side.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Unavailable { .. }
                | ProviderError::Malformed { .. }
        )
    }
}

/// One account's incident service. Implementations serialise their own requests
/// (at most one in flight per credential) and cache the identity they fetch.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    fn kind(&self) -> ProviderKind;

    fn capabilities(&self) -> Capabilities;

    /// The credential's user (`GET /users/me` on PagerDuty), fetched once and cached.
    async fn identify(&self) -> Result<Identity, ProviderError>;

    /// Every open (triggered or acknowledged) incident the account's filter selects,
    /// following pagination to the end. Either the whole set or an error: a partial
    /// list would look like incidents resolving.
    async fn open_incidents(&self) -> Result<FetchResult, ProviderError>;

    /// Performs `kind` on each incident id, batching where the service allows.
    /// Returns one result per id, in the same order.
    async fn act(
        &self,
        kind: &ActionKind,
        incident_ids: &[String],
    ) -> Vec<Result<ActionOutcome, ProviderError>>;

    /// The incident's notes, log entries and alerts, for the detail pane: asked for
    /// when the user opens it, never on a poll. `Unsupported` where
    /// [`Capabilities::details`] is false.
    async fn details(&self, incident_id: &str) -> Result<IncidentDetails, ProviderError> {
        let _ = incident_id;
        Err(ProviderError::Unsupported {
            provider: self.kind(),
            action: "show incident details",
        })
    }

    /// Users, escalation policies, teams or escalations (`kinds`) whose name matches
    /// `query`, for the reassign and escalate pickers: at most 25, best first.
    async fn find_assignees(
        &self,
        query: &str,
        kinds: &[AssigneeKind],
    ) -> Result<Vec<Assignee>, ProviderError> {
        let _ = (query, kinds);
        Err(ProviderError::Unsupported {
            provider: self.kind(),
            action: "search for people",
        })
    }

    /// The user's current and coming on-call shifts, up to [`SHIFT_HORIZON`] ahead, in
    /// start order (permanent ones first); empty when the provider has no such idea.
    ///
    /// [`SHIFT_HORIZON`]: crate::SHIFT_HORIZON
    async fn on_calls(&self) -> Result<Vec<OnCallShift>, ProviderError>;

    /// Who is on call now and next for each of the user's schedules and escalation
    /// policy levels. `Unsupported` where [`Capabilities::schedules`] is false.
    async fn rota(&self) -> Result<Vec<RotaEntry>, ProviderError>;

    /// Puts the user on call in a schedule for a span of time (a schedule override).
    /// `Unsupported` where [`Capabilities::schedules`] is false.
    async fn cover(&self, request: &CoverRequest) -> Result<ScheduleOverride, ProviderError>;

    /// What this client learned that the service's answers cannot tell a new client
    /// (Grafana OnCall forgets when an un-acknowledged group's episode began), for the
    /// engine to keep across restarts and hand to the account's next client through
    /// [`Provider::recall`]. The engine stores it without reading it. `None`: nothing
    /// to keep, as for most services, whose fields name every episode.
    fn memory(&self) -> Option<serde_json::Value> {
        None
    }

    /// Takes what another client of the same account remembered ([`Provider::memory`]):
    /// the last run's or the replaced client's before this one's first poll, and the
    /// replaced client's again when it answers an action after the replacement. Of the
    /// two memories of one thing, the newer wins; memory it cannot read is dropped,
    /// leaving what the service's fields say (as on a first start).
    fn recall(&self, memory: serde_json::Value) {
        let _ = memory;
    }
}

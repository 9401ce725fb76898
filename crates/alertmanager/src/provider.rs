//! [`AlertmanagerClient`]: which requests each `Provider` method sends, and how their
//! answers become incidents and action outcomes.

use std::collections::HashSet;
use std::fmt;

use async_trait::async_trait;
use chrono::Utc;
use oncall_http::malformed;
use oncall_model::{
    AccountId, ActionKind, ActionOutcome, Capabilities, CoverRequest, FetchResult, Identity,
    Incident, OnCallShift, Provider, ProviderError, ProviderKind, RotaEntry, ScheduleOverride,
    Status,
};
use serde_json::json;
use tokio::sync::OnceCell;
use url::Url;

use crate::client::Http;
use crate::config::AlertmanagerConfig;
use crate::convert::{self, Classified, Settings, ACK_COMMENT};
use crate::errors::ClientError;
use crate::wire;

/// What an Alertmanager account can do, known before any client is built. Alertmanager
/// resolves alerts only when their source stops sending them, and a silence already is
/// a snooze with an end; an acknowledgement is a silence, which can be expired again.
pub const CAPABILITIES: Capabilities = Capabilities {
    resolve: false,
    snooze: false,
    unacknowledge: true,
    // Alertmanager has no on-call schedules.
    schedules: false,
};

/// A Prometheus Alertmanager API v2 client for one account. Cheap to share behind an
/// `Arc`; it sends at most one request at a time (see the crate docs).
pub struct AlertmanagerClient {
    account: AccountId,
    filter: Vec<String>,
    receiver: Option<String>,
    severity_high: Vec<String>,
    ack_duration: chrono::Duration,
    created_by: String,
    http: Http,
    /// `GET /api/v2/status` succeeded once; failures are not cached.
    identity: OnceCell<Identity>,
}

impl fmt::Debug for AlertmanagerClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertmanagerClient")
            .field("account", &self.account)
            .field("base_url", &self.http.base().as_str())
            .field("filter", &self.filter)
            .field("receiver", &self.receiver)
            .field("created_by", &self.created_by)
            .finish_non_exhaustive()
    }
}

/// Which alerts a read asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// What pages: inhibited alerts are left out (another alert already says it).
    Poll,
    /// Finding the alert an action is for: an inhibited alert can still be acknowledged.
    Act,
}

/// Everything known about the account's alerts at one moment.
pub(crate) struct Snapshot {
    pub alerts: Vec<wire::Alert>,
    pub silences: Vec<wire::Silence>,
}

/// The incidents a snapshot shows: each fingerprint once, even if the list repeats it,
/// and hidden (muted by someone else) alerts left out.
pub(crate) fn listed(snapshot: &Snapshot, created_by: &str, settings: &Settings) -> Vec<Incident> {
    let mut seen = HashSet::new();
    let mut incidents = Vec::new();
    for alert in &snapshot.alerts {
        if !seen.insert(alert.fingerprint.as_str()) {
            continue;
        }
        let (status, since) = match convert::classify(alert, &snapshot.silences, created_by) {
            Classified::Triggered { since } => (Status::Triggered, since),
            Classified::Acknowledged { since, .. } => (Status::Acknowledged, since),
            Classified::Hidden => continue,
        };
        incidents.push(convert::incident(alert, status, since, settings));
    }
    incidents
}

impl AlertmanagerClient {
    /// Validates the configuration and builds the HTTP client. Sends nothing.
    pub fn new(config: AlertmanagerConfig) -> Result<Self, ClientError> {
        let created_by = config.created_by.trim().to_owned();
        if created_by.is_empty() {
            return Err(ClientError::EmptyCreatedBy);
        }
        let ack_duration = chrono::Duration::from_std(config.ack_duration)
            .ok()
            .filter(|d| *d > chrono::Duration::zero())
            .ok_or(ClientError::ZeroAckDuration)?;
        let http = Http::new(&config)?;
        Ok(AlertmanagerClient {
            account: config.account,
            filter: config.filter,
            receiver: config.receiver,
            severity_high: config.severity_high,
            ack_duration,
            created_by,
            http,
            identity: OnceCell::new(),
        })
    }

    pub fn account(&self) -> &AccountId {
        &self.account
    }

    fn alerts_url(&self, purpose: Purpose) -> Url {
        // `silenced` stays at its default (true): alerts we silenced are shown as
        // acknowledged, and others' silences are told apart in `convert::classify`.
        let mut query = vec![("active", "true")];
        if purpose == Purpose::Poll {
            query.push(("inhibited", "false"));
        }
        for matcher in &self.filter {
            query.push(("filter", matcher));
        }
        if let Some(receiver) = &self.receiver {
            query.push(("receiver", receiver));
        }
        self.http.url(&["api", "v2", "alerts"], &query)
    }

    /// Alerts first, then silences: every silence an alert names already exists when
    /// the silences are read (expired ones stay listed for Alertmanager's retention).
    async fn snapshot(&self, purpose: Purpose) -> Result<Snapshot, ProviderError> {
        let alerts = self.http.get(self.alerts_url(purpose)).await?.json()?;
        let silences = self
            .http
            .get(self.http.url(&["api", "v2", "silences"], &[]))
            .await?
            .json()?;
        Ok(Snapshot { alerts, silences })
    }

    fn settings(&self) -> Settings<'_> {
        Settings {
            account: &self.account,
            base: self.http.base(),
            severity_high: &self.severity_high,
        }
    }

    /// Our active silences on `alert`: those Alertmanager says silence it, and any other
    /// active one of ours on its labels.
    fn our_active_silences<'a>(
        &self,
        alert: &wire::Alert,
        silences: &'a [wire::Silence],
    ) -> Vec<&'a wire::Silence> {
        silences
            .iter()
            .filter(|s| s.status.state == "active" && convert::is_ours(s, &self.created_by))
            .filter(|s| {
                alert.status.silenced_by.contains(&s.id)
                    || convert::matches(&s.matchers, &alert.labels)
            })
            .collect()
    }

    async fn acknowledge(
        &self,
        alert: &wire::Alert,
        silences: &[wire::Silence],
    ) -> Result<ActionOutcome, ProviderError> {
        if !self.our_active_silences(alert, silences).is_empty() {
            return Ok(ActionOutcome::AlreadyDone);
        }
        if alert.labels.is_empty() {
            // A silence needs at least one matcher; none could select only this alert.
            return Err(ProviderError::Rejected {
                status: 400,
                code: None,
                message: "the alert has no labels, so no silence can select it".into(),
            });
        }
        let now = Utc::now();
        let body = json!({
            "matchers": convert::ack_matchers(&alert.labels),
            "startsAt": now,
            "endsAt": now + self.ack_duration,
            "createdBy": self.created_by,
            "comment": ACK_COMMENT,
        });
        let reply = self
            .http
            .post_json(self.http.url(&["api", "v2", "silences"], &[]), &body)
            .await?;
        let created: wire::SilenceCreated = reply.json()?;
        tracing::debug!(
            account = %self.account, fingerprint = %alert.fingerprint,
            silence = %created.silence_id, "acknowledged with a silence"
        );
        Ok(ActionOutcome::Done)
    }

    async fn unacknowledge(
        &self,
        alert: &wire::Alert,
        silences: &[wire::Silence],
    ) -> Result<ActionOutcome, ProviderError> {
        let ours = self.our_active_silences(alert, silences);
        if ours.is_empty() {
            return Ok(ActionOutcome::AlreadyDone);
        }
        for silence in ours {
            let url = self.http.url(&["api", "v2", "silence", &silence.id], &[]);
            match self.http.delete(url).await {
                Ok(()) => {}
                // Gone meanwhile (garbage-collected after its retention): same intent.
                Err(error) if silence_is_gone(&error) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(ActionOutcome::Done)
    }
}

/// Whether a `DELETE api/v2/silence/{id}` failed only because the silence no longer
/// exists. Alertmanager 0.25 answers that with a 500 and the JSON string
/// `"silence not found"` (an already expired silence gets a 200); later releases may
/// use the 404 the spec declares.
fn silence_is_gone(error: &ProviderError) -> bool {
    match error {
        ProviderError::Rejected { status: 404, .. } => true,
        ProviderError::Unavailable { message } => message.ends_with("silence not found"),
        _ => false,
    }
}

#[async_trait]
impl Provider for AlertmanagerClient {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Alertmanager
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Alertmanager has no users: the identity is the configured `created_by`. The
    /// status request proves the server is there and answers as Alertmanager.
    async fn identify(&self) -> Result<Identity, ProviderError> {
        let me = self
            .identity
            .get_or_try_init(|| async {
                let reply = self
                    .http
                    .get(self.http.url(&["api", "v2", "status"], &[]))
                    .await?;
                let status: wire::Status = reply.json()?;
                if status.version_info.is_none() && status.uptime.is_none() {
                    return Err(malformed(
                        "GET api/v2/status did not answer as Alertmanager (check the URL and route prefix)",
                    ));
                }
                Ok(Identity {
                    user_id: self.created_by.clone(),
                    email: None,
                    name: self.created_by.clone(),
                })
            })
            .await?;
        Ok(me.clone())
    }

    async fn open_incidents(&self) -> Result<FetchResult, ProviderError> {
        let snapshot = self.snapshot(Purpose::Poll).await?;
        Ok(FetchResult {
            incidents: listed(&snapshot, &self.created_by, &self.settings()),
            requests: 2,
        })
    }

    async fn act(
        &self,
        kind: ActionKind,
        incident_ids: &[String],
    ) -> Vec<Result<ActionOutcome, ProviderError>> {
        let unsupported = |action| {
            incident_ids
                .iter()
                .map(|_| {
                    Err(ProviderError::Unsupported {
                        provider: ProviderKind::Alertmanager,
                        action,
                    })
                })
                .collect()
        };
        match kind {
            ActionKind::Resolve | ActionKind::Snooze { .. } => return unsupported(kind.verb()),
            ActionKind::Acknowledge | ActionKind::Unacknowledge => {}
        }
        // One fresh read for the whole batch: the labels to silence, and which of our
        // silences already hold.
        let snapshot = match self.snapshot(Purpose::Act).await {
            Ok(snapshot) => snapshot,
            Err(error) => return incident_ids.iter().map(|_| Err(error.clone())).collect(),
        };
        let mut done = HashSet::new();
        let mut results = Vec::with_capacity(incident_ids.len());
        for id in incident_ids {
            let Some(alert) = snapshot.alerts.iter().find(|a| &a.fingerprint == id) else {
                // Resolved (or out of the account's filter): nothing left to silence.
                results.push(Ok(ActionOutcome::AlreadyResolved));
                continue;
            };
            if !done.insert(id.as_str()) {
                // The same id twice in one batch: the first one did it.
                results.push(Ok(ActionOutcome::AlreadyDone));
                continue;
            }
            let result = match kind {
                ActionKind::Acknowledge => self.acknowledge(alert, &snapshot.silences).await,
                _ => self.unacknowledge(alert, &snapshot.silences).await,
            };
            results.push(result);
        }
        results
    }

    async fn on_calls(&self) -> Result<Vec<OnCallShift>, ProviderError> {
        Ok(Vec::new())
    }

    async fn rota(&self) -> Result<Vec<RotaEntry>, ProviderError> {
        Err(ProviderError::Unsupported {
            provider: ProviderKind::Alertmanager,
            action: "show who is on call",
        })
    }

    async fn cover(&self, _request: &CoverRequest) -> Result<ScheduleOverride, ProviderError> {
        Err(ProviderError::Unsupported {
            provider: ProviderKind::Alertmanager,
            action: "cover a shift",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silence_that_is_gone_counts_as_expired() {
        let decode = |status, body: &str| {
            crate::errors::decode_error(status, &reqwest::header::HeaderMap::new(), body.as_bytes())
        };
        assert!(silence_is_gone(&decode(500, r#""silence not found""#)));
        assert!(silence_is_gone(&decode(404, "")));
        assert!(!silence_is_gone(&decode(500, r#""storage error""#)));
        assert!(!silence_is_gone(&decode(401, "")));
    }
}

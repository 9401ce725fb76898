//! [`AlertmanagerClient`]: which requests each `Provider` method sends, and how their
//! answers become incidents and action outcomes.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;

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

use crate::ack::{self, ACK_COMMENT};
use crate::client::Http;
use crate::config::AlertmanagerConfig;
use crate::convert::{self, Classified, Settings};
use crate::errors::ClientError;
use crate::upkeep::{AckLimits, Keeper};
use crate::wire;

/// What an Alertmanager account can do, known before any client is built. Alertmanager
/// resolves alerts only when their source stops sending them, and a silence already is
/// a snooze with an end; an acknowledgement is a silence, which can be expired again.
pub const CAPABILITIES: Capabilities = Capabilities {
    unacknowledge: true,
    // No schedules, and no one to hand an alert to: Alertmanager has no people.
    ..Capabilities::ACKNOWLEDGE_ONLY
};

/// A Prometheus Alertmanager API v2 client for one account. Cheap to share behind an
/// `Arc`; it sends at most one request at a time (see the crate docs).
pub struct AlertmanagerClient {
    account: AccountId,
    filter: Vec<String>,
    receiver: Option<String>,
    severity_high: Vec<String>,
    limits: AckLimits,
    /// The label names acknowledgements match on; `None`: every label.
    ack_matchers: Option<Vec<String>>,
    created_by: String,
    http: Http,
    /// `GET /api/v2/status` succeeded once; failures are not cached.
    identity: OnceCell<Identity>,
    /// Held by a poll and by an action batch for the whole read-then-write on our
    /// silences, so that a poll's extension (written from a read taken before) never
    /// brings back a silence the user just un-acknowledged: Alertmanager answers an
    /// update of an expired silence with a new one.
    silence_writes: tokio::sync::Mutex<()>,
    /// Our silences found to match an alert this account does not show (see
    /// `upkeep.rs`): left to run out rather than asked about on every poll.
    settled: Mutex<HashSet<String>>,
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
        let duration = |d: std::time::Duration| chrono::Duration::from_std(d).ok();
        let ack_duration = duration(config.ack_duration)
            .filter(|d| *d > chrono::Duration::zero())
            .ok_or(ClientError::ZeroAckDuration)?;
        let ack_max_duration = duration(config.ack_max_duration)
            .filter(|max| *max >= ack_duration)
            .ok_or(ClientError::AckMaxShorterThanAck)?;
        // Longer than any poll interval in use: the margin is then half the ack.
        let poll_interval = duration(config.poll_interval).unwrap_or(ack_duration);
        if let Some(names) = &config.ack_matchers {
            if names.is_empty() {
                return Err(ClientError::NoAckMatchers);
            }
            if let Some(bad) = names.iter().find(|name| !ack::is_label_name(name)) {
                return Err(ClientError::InvalidAckMatcher(bad.clone()));
            }
        }
        let http = Http::new(&config)?;
        Ok(AlertmanagerClient {
            account: config.account,
            filter: config.filter,
            receiver: config.receiver,
            severity_high: config.severity_high,
            limits: AckLimits::new(ack_duration, ack_max_duration, poll_interval),
            ack_matchers: config.ack_matchers,
            created_by,
            http,
            identity: OnceCell::new(),
            silence_writes: tokio::sync::Mutex::new(()),
            settled: Mutex::new(HashSet::new()),
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
            .filter(|s| s.status.state == "active" && ack::is_ours(s, &self.created_by))
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
            "matchers": ack::matchers_for(&alert.labels, self.ack_matchers.as_deref()),
            "startsAt": now,
            "endsAt": now + self.limits.length,
            "createdBy": self.created_by,
            // Its start is the moment of the acknowledgement (see `ack.rs`).
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
pub(crate) fn silence_is_gone(error: &ProviderError) -> bool {
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

    /// The alerts and silences (2 requests), then our silences kept up to date
    /// (`upkeep.rs`): no request when none needs extending or expiring.
    async fn open_incidents(&self) -> Result<FetchResult, ProviderError> {
        let _writes = self.silence_writes.lock().await;
        let snapshot = self.snapshot(Purpose::Poll).await?;
        let incidents = listed(&snapshot, &self.created_by, &self.settings());
        let keeper = Keeper {
            http: &self.http,
            account: &self.account,
            created_by: &self.created_by,
            limits: &self.limits,
            settled: &self.settled,
        };
        let upkeep_requests = keeper.keep(&snapshot, Utc::now()).await;
        Ok(FetchResult {
            incidents,
            requests: 2 + upkeep_requests,
        })
    }

    async fn act(
        &self,
        kind: &ActionKind,
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
            ActionKind::Acknowledge | ActionKind::Unacknowledge => {}
            _ => return unsupported(kind.verb()),
        }
        let _writes = self.silence_writes.lock().await;
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
    use std::time::Duration;

    #[test]
    fn acknowledgement_settings_are_checked() {
        let refused = |tweak: fn(&mut AlertmanagerConfig)| {
            let mut config = AlertmanagerConfig::new(
                AccountId::new("prom"),
                "https://am.example.com/".parse().unwrap(),
                "pat",
            );
            tweak(&mut config);
            AlertmanagerClient::new(config).err()
        };
        assert_eq!(refused(|_| {}), None);
        assert_eq!(
            refused(|c| c.ack_max_duration = Duration::from_secs(3600)),
            Some(ClientError::AckMaxShorterThanAck),
            "shorter than the 2 h ack"
        );
        assert_eq!(
            refused(|c| {
                c.ack_duration = Duration::from_secs(60);
                c.ack_max_duration = Duration::from_secs(60);
                c.ack_matchers = Some(vec!["alertname".into(), "_job2".into()]);
            }),
            None
        );
        assert_eq!(
            refused(|c| c.ack_matchers = Some(Vec::new())),
            Some(ClientError::NoAckMatchers)
        );
        assert_eq!(
            refused(|c| c.ack_matchers = Some(vec!["alertname".into(), "pod-name".into()])),
            Some(ClientError::InvalidAckMatcher("pod-name".into()))
        );
    }

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

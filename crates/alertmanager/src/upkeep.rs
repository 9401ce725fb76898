//! An acknowledgement that lasts: on every poll, our silences are kept alive while an
//! alert they match fires, and ended once every alert they match has resolved.
//!
//! Rules, for each *active* silence of ours (our `createdBy` and comment; nobody else's
//! silence is ever touched):
//! - **Extend** when an alert of the poll matches it (it silences the alert, or its
//!   matchers select the alert's labels) and it ends within the margin: half of
//!   `ack_duration`, or two poll intervals if that is longer. Half leaves time for
//!   failed polls (an Alertmanager restart, a network change) to be retried before the
//!   silence runs out, at one extra request per silence per half `ack_duration`; two
//!   poll intervals make sure a poll comes in between. The new end is now +
//!   `ack_duration`, never past the acknowledgement's moment + `ack_max_duration`
//!   (see `ack.rs` for how the moment survives Alertmanager replacing the silence).
//!   Once there, the silence runs out and the alert pages again.
//! - **Expire** when no alert of the poll matches it, and Alertmanager, asked for every
//!   alert the silence's matchers select (`GET api/v2/alerts` with them as `filter`, and
//!   no account filter, receiver or inhibition left out), has none either: every alert
//!   it matches has resolved, so the next firing pages. The poll alone could not tell:
//!   it leaves out what the account's filter, receiver or `inhibited=false` hide. When
//!   Alertmanager still has a matching alert the account does not show, the silence is
//!   left to run out and not asked about again.
//!
//! A poll with nothing to extend or expire sends no request here. A failed extension
//! or expiry is logged and tried again on the next poll; the poll's list stays good.

use std::collections::HashSet;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use oncall_model::{AccountId, ProviderError};
use serde_json::json;

use crate::ack;
use crate::client::Http;
use crate::convert;
use crate::provider::{silence_is_gone, Snapshot};
use crate::wire::{self, Silence};

/// How long acknowledgements last and when they are extended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AckLimits {
    /// Each silence's length, and each extension's reach from now.
    pub length: Duration,
    /// From the acknowledgement's moment, the latest any extension reaches.
    pub max: Duration,
    /// A silence ending sooner than this is extended.
    pub margin: Duration,
}

impl AckLimits {
    pub fn new(length: Duration, max: Duration, poll_interval: Duration) -> Self {
        AckLimits {
            length,
            max,
            margin: (length / 2).max(poll_interval * 2),
        }
    }

    /// The new end of `silence` if it is to be extended `now`.
    pub fn extension(&self, silence: &Silence, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // An end already past (by our clock) is Alertmanager's to expire: sending its
        // id would create a new silence instead.
        if silence.ends_at <= now || silence.ends_at - now > self.margin {
            return None;
        }
        let limit = ack::acknowledged_at(silence) + self.max;
        let until = ack::whole_seconds((now + self.length).min(limit));
        // Less than a second more is not worth a request (it is what is left at the
        // limit once Alertmanager has rounded the end it was sent).
        (until - silence.ends_at >= Duration::seconds(1)).then_some(until)
    }
}

/// What a poll does about one silence of ours.
#[derive(Debug, PartialEq)]
pub(crate) enum Step<'a> {
    /// An alert it matches still fires and it ends soon: make it last until `until`.
    Extend {
        silence: &'a Silence,
        until: DateTime<Utc>,
    },
    /// No alert of the poll matches it: ask Alertmanager whether any still does, and
    /// expire it if none.
    Check { silence: &'a Silence },
}

/// The steps for `snapshot`'s silences. `settled` are silences already checked and
/// found to match an alert the account does not show: they are left to run out.
pub(crate) fn plan<'a>(
    snapshot: &'a Snapshot,
    created_by: &str,
    limits: &AckLimits,
    settled: &HashSet<String>,
    now: DateTime<Utc>,
) -> Vec<Step<'a>> {
    snapshot
        .silences
        .iter()
        .filter(|s| s.status.state == "active" && ack::is_ours(s, created_by))
        .filter_map(|silence| {
            let fires = snapshot.alerts.iter().any(|alert| {
                alert.status.silenced_by.contains(&silence.id)
                    || convert::matches(&silence.matchers, &alert.labels)
            });
            if fires {
                limits
                    .extension(silence, now)
                    .map(|until| Step::Extend { silence, until })
            } else if settled.contains(&silence.id) {
                None
            } else {
                Some(Step::Check { silence })
            }
        })
        .collect()
}

/// Keeps one client's acknowledgements up to date; what it needs to do so.
pub(crate) struct Keeper<'a> {
    pub http: &'a Http,
    pub account: &'a AccountId,
    pub created_by: &'a str,
    pub limits: &'a AckLimits,
    /// Silences already checked and still matching an alert the account does not show.
    pub settled: &'a Mutex<HashSet<String>>,
}

impl Keeper<'_> {
    /// Plans and performs a poll's upkeep at `now`, returning how many requests it took
    /// (none when nothing needs extending or expiring).
    pub async fn keep(&self, snapshot: &Snapshot, now: DateTime<Utc>) -> u32 {
        self.forget_ended(snapshot);
        let steps = plan(
            snapshot,
            self.created_by,
            self.limits,
            &lock(self.settled),
            now,
        );
        self.perform(steps).await
    }

    /// Performs `steps`, returning how many requests they took. Failures are logged:
    /// the next poll plans them again.
    async fn perform(&self, steps: Vec<Step<'_>>) -> u32 {
        let mut requests = 0;
        for step in steps {
            let (silence, result) = match step {
                Step::Extend { silence, until } => {
                    requests += 1;
                    (silence, self.extend(silence, until).await)
                }
                Step::Check { silence } => (silence, self.check(silence, &mut requests).await),
            };
            if let Err(error) = result {
                tracing::warn!(
                    account = %self.account, silence = %silence.id, %error,
                    "could not keep an acknowledgement up to date; trying again on the next poll"
                );
            }
        }
        requests
    }

    /// Forgets settled silences that are no longer active silences of the snapshot.
    fn forget_ended(&self, snapshot: &Snapshot) {
        let active: HashSet<&str> = snapshot
            .silences
            .iter()
            .filter(|s| s.status.state == "active")
            .map(|s| s.id.as_str())
            .collect();
        lock(self.settled).retain(|id| active.contains(id.as_str()));
    }

    /// `POST api/v2/silences` with the silence's id: Alertmanager updates it in place
    /// when only `endsAt` changed, or expires it and answers with a new one.
    async fn extend(&self, silence: &Silence, until: DateTime<Utc>) -> Result<(), ProviderError> {
        let body = json!({
            "id": silence.id,
            // As read: Alertmanager updates in place only when they are unchanged.
            "matchers": silence.matchers,
            "startsAt": silence.starts_at,
            "endsAt": until,
            "createdBy": silence.created_by,
            "comment": ack::comment(ack::acknowledged_at(silence)),
        });
        let reply = self
            .http
            .post_json(self.http.url(&["api", "v2", "silences"], &[]), &body)
            .await?;
        let answer: wire::SilenceCreated = reply.json()?;
        tracing::debug!(
            account = %self.account, silence = %silence.id, now = %answer.silence_id,
            %until, replaced = answer.silence_id != silence.id,
            "extended an acknowledgement"
        );
        Ok(())
    }

    async fn check(&self, silence: &Silence, requests: &mut u32) -> Result<(), ProviderError> {
        let filters: Vec<String> = silence
            .matchers
            .iter()
            .map(ack::filter_expression)
            .collect();
        if filters.is_empty() {
            // Alertmanager refuses a silence without matchers; none can be asked about.
            return Ok(());
        }
        let query: Vec<(&str, &str)> = filters.iter().map(|f| ("filter", f.as_str())).collect();
        *requests += 1;
        let alerts: Vec<wire::Alert> = self
            .http
            .get(self.http.url(&["api", "v2", "alerts"], &query))
            .await?
            .json()?;
        if !alerts.is_empty() {
            lock(self.settled).insert(silence.id.clone());
            return Ok(());
        }
        *requests += 1;
        let url = self.http.url(&["api", "v2", "silence", &silence.id], &[]);
        match self.http.delete(url).await {
            Ok(()) => {}
            Err(error) if silence_is_gone(&error) => {}
            Err(error) => return Err(error),
        }
        tracing::debug!(
            account = %self.account, silence = %silence.id,
            "expired an acknowledgement: its alerts resolved"
        );
        Ok(())
    }
}

/// The set behind a std mutex: held for one insert or retain, never across an await.
fn lock(settled: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    settled
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Alert, AlertStatus, Labels, SilenceStatus};

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_714_564_800 + minute * 60, 0).unwrap()
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn alert(pairs: &[(&str, &str)], silenced_by: &[&str]) -> Alert {
        Alert {
            fingerprint: "fp".into(),
            labels: labels(pairs),
            annotations: Labels::new(),
            starts_at: at(0),
            receivers: Vec::new(),
            generator_url: None,
            status: AlertStatus {
                silenced_by: silenced_by.iter().map(|s| s.to_string()).collect(),
                inhibited_by: Vec::new(),
                muted_by: Vec::new(),
            },
        }
    }

    /// A silence on `alertname="Down"`, acknowledged at `acked`, active from `starts`
    /// to `ends` (minutes).
    fn silence(id: &str, by: &str, acked: i64, span: (i64, i64)) -> Silence {
        Silence {
            id: id.into(),
            matchers: ack::matchers_for(&labels(&[("alertname", "Down")]), None),
            starts_at: at(span.0),
            ends_at: at(span.1),
            created_by: by.into(),
            comment: ack::comment(at(acked)),
            status: SilenceStatus {
                state: "active".into(),
            },
        }
    }

    /// A 2 h ack kept for up to 24 h, polled every 15 s: extended in its last hour.
    fn limits() -> AckLimits {
        AckLimits::new(
            Duration::hours(2),
            Duration::hours(24),
            Duration::seconds(15),
        )
    }

    #[test]
    fn the_margin_is_half_the_ack_or_two_polls() {
        assert_eq!(limits().margin, Duration::hours(1));
        let slow = AckLimits::new(Duration::hours(1), Duration::hours(24), Duration::hours(1));
        assert_eq!(slow.margin, Duration::hours(2));
    }

    #[test]
    fn extensions() {
        let cases = [
            (
                "more than the margin left",
                silence("s", "pat", 0, (0, 120)),
                at(59),
                None,
            ),
            (
                "within the margin",
                silence("s", "pat", 0, (0, 120)),
                at(61),
                Some(at(181)),
            ),
            (
                "capped at 24 h after the acknowledgement",
                silence("s", "pat", 0, (0, 1400)),
                at(1380),
                Some(at(1440)),
            ),
            (
                "at the cap: left to run out",
                silence("s", "pat", 0, (0, 1440)),
                at(1430),
                None,
            ),
            (
                "the cap counts from the acknowledgement, not a replacement's start",
                silence("s", "pat", 100, (1300, 1500)),
                at(1470),
                Some(at(1540)),
            ),
            (
                "already ended: nothing to do",
                silence("s", "pat", 0, (0, 120)),
                at(1500),
                None,
            ),
        ];
        for (name, silence, now, expected) in cases {
            assert_eq!(limits().extension(&silence, now), expected, "{name}");
        }
        // Less than a second more is not sent.
        let mut almost = silence("s", "pat", 0, (0, 1440));
        almost.ends_at -= Duration::milliseconds(400);
        assert_eq!(limits().extension(&almost, at(1439)), None);
    }

    #[test]
    fn planning() {
        let snapshot = Snapshot {
            alerts: vec![
                alert(&[("alertname", "Down"), ("pod", "p2")], &[]),
                alert(&[("alertname", "Up")], &["by-id"]),
            ],
            silences: vec![
                silence("matches-labels", "pat", 0, (0, 120)),
                silence("not-soon", "pat", 0, (0, 500)),
                Silence {
                    matchers: ack::matchers_for(&labels(&[("alertname", "Other")]), None),
                    ..silence("by-id", "pat", 0, (0, 120))
                },
                Silence {
                    matchers: ack::matchers_for(&labels(&[("alertname", "Gone")]), None),
                    ..silence("resolved", "pat", 0, (0, 500))
                },
                Silence {
                    matchers: ack::matchers_for(&labels(&[("alertname", "Gone")]), None),
                    ..silence("settled", "pat", 0, (0, 500))
                },
                silence("theirs", "sam", 0, (0, 120)),
                Silence {
                    matchers: ack::matchers_for(&labels(&[("alertname", "Gone")]), None),
                    ..silence("someone-elses", "sam", 0, (0, 500))
                },
                Silence {
                    status: SilenceStatus {
                        state: "expired".into(),
                    },
                    ..silence("expired", "pat", 0, (0, 120))
                },
            ],
        };
        let settled = HashSet::from(["settled".to_owned()]);
        let steps = plan(&snapshot, "pat", &limits(), &settled, at(90));
        let described: Vec<(String, Option<DateTime<Utc>>)> = steps
            .iter()
            .map(|step| match step {
                Step::Extend { silence, until } => (silence.id.clone(), Some(*until)),
                Step::Check { silence } => (silence.id.clone(), None),
            })
            .collect();
        assert_eq!(
            described,
            vec![
                ("matches-labels".to_owned(), Some(at(210))),
                ("by-id".to_owned(), Some(at(210))),
                ("resolved".to_owned(), None),
            ]
        );
        // Early on, only the silence whose alerts are gone needs anything.
        assert_eq!(
            plan(&snapshot, "pat", &limits(), &settled, at(10)),
            vec![Step::Check {
                silence: &snapshot.silences[3]
            }]
        );
    }
}

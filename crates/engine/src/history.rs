//! What happened in the last 24 hours: pages shown, summaries, withdrawals, the user's
//! actions and how they ended, rejected tokens. The window's History tab shows it, so
//! that someone back at the laptop sees what they missed. Kept in `history.json`.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
use oncall_model::{AccountId, ActionKind, Incident, IncidentKey, Urgency};
use oncall_policy::{Decision, NotificationTarget, RingReason, SummaryReason};
use serde::{Deserialize, Serialize};

/// How far back the history reaches.
pub const HISTORY_SPAN: Duration = Duration::hours(24);
/// At most this many entries are kept, whatever their age: a storm of actions must not
/// make the state file grow without bound.
const MAX_ENTRIES: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub account: AccountId,
    /// The incident's id, when the entry is about one incident.
    pub incident: Option<String>,
    /// The incident's display name ("#42 Database down"), when known.
    pub title: Option<String>,
    #[serde(flatten)]
    pub event: HistoryEvent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum HistoryEvent {
    /// An incident's own notification was shown.
    Paged {
        urgency: Urgency,
        reason: RingReason,
    },
    /// One notification announced several incidents.
    Summary {
        count: usize,
        reason: SummaryReason,
    },
    /// A notification was taken off the screen.
    Withdrawn,
    /// The user asked for an action, and then how the service answered.
    Action {
        kind: ActionKind,
        result: ActionStage,
        reason: Option<String>,
    },
    TokenRejected {
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStage {
    Queued,
    Confirmed,
    Failed,
}

/// Newest last on disk; [`History::newest_first`] for display.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct History(VecDeque<HistoryEntry>);

impl History {
    pub fn record(&mut self, entry: HistoryEntry) {
        let horizon = entry.at - HISTORY_SPAN;
        self.0.push_back(entry);
        while self
            .0
            .front()
            .is_some_and(|e| e.at < horizon || self.0.len() > MAX_ENTRIES)
        {
            self.0.pop_front();
        }
    }

    /// The entries of the last 24 hours before `now`, newest first.
    pub fn newest_first(&self, now: DateTime<Utc>) -> Vec<HistoryEntry> {
        let horizon = now - HISTORY_SPAN;
        self.0
            .iter()
            .rev()
            .take_while(|e| e.at >= horizon)
            .cloned()
            .collect()
    }

    /// The display name last recorded for an incident (a withdrawn incident may be gone
    /// from the service's list by then).
    fn title_of(&self, key: &IncidentKey) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|e| e.account == key.account && e.incident.as_deref() == Some(&key.id))
            .and_then(|e| e.title.clone())
    }

    /// Records what the notifier is about to be told.
    pub(crate) fn record_decision(&mut self, decision: &Decision, at: DateTime<Utc>) {
        let entry = match decision {
            Decision::Notify { incident, reason } => HistoryEntry {
                at,
                account: incident.key.account.clone(),
                incident: Some(incident.key.id.clone()),
                title: Some(display_name(incident)),
                event: HistoryEvent::Paged {
                    urgency: incident.urgency,
                    reason: *reason,
                },
            },
            Decision::Summarize(summary) => HistoryEntry {
                at,
                account: summary.account.clone(),
                incident: None,
                title: None,
                event: HistoryEvent::Summary {
                    count: summary.incidents.len(),
                    reason: summary.reason,
                },
            },
            Decision::Withdraw(NotificationTarget::Incident(key)) => HistoryEntry {
                at,
                account: key.account.clone(),
                incident: Some(key.id.clone()),
                title: self.title_of(key),
                event: HistoryEvent::Withdrawn,
            },
            // A summary leaving the screen is not worth a line of its own.
            Decision::Withdraw(NotificationTarget::Summary(_)) => return,
        };
        self.record(entry);
    }

    pub(crate) fn record_action(
        &mut self,
        key: &IncidentKey,
        title: Option<String>,
        kind: ActionKind,
        result: ActionStage,
        reason: Option<String>,
        at: DateTime<Utc>,
    ) {
        let title = title.or_else(|| self.title_of(key));
        self.record(HistoryEntry {
            at,
            account: key.account.clone(),
            incident: Some(key.id.clone()),
            title,
            event: HistoryEvent::Action {
                kind,
                result,
                reason,
            },
        });
    }
}

/// "#42 Database down", or the title alone when the service has no numbers.
pub(crate) fn display_name(incident: &Incident) -> String {
    match incident.number {
        Some(n) => format!("#{n} {}", incident.title),
        None => incident.title.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: DateTime<Utc>, id: &str) -> HistoryEntry {
        HistoryEntry {
            at,
            account: AccountId::new("work"),
            incident: Some(id.into()),
            title: Some(format!("#1 {id}")),
            event: HistoryEvent::Withdrawn,
        }
    }

    #[test]
    fn entries_older_than_a_day_are_dropped_and_the_rest_listed_newest_first() {
        let start: DateTime<Utc> = "2026-11-26T00:00:00Z".parse().unwrap();
        let mut history = History::default();
        history.record(entry(start, "old"));
        history.record(entry(start + Duration::hours(2), "kept"));
        history.record(entry(start + Duration::hours(25), "new"));
        let ids: Vec<_> = history
            .newest_first(start + Duration::hours(25))
            .into_iter()
            .map(|e| e.incident.unwrap())
            .collect();
        assert_eq!(ids, ["new", "kept"]);
        // Listing later hides what aged out since, even before the next record.
        let later = history.newest_first(start + Duration::hours(27));
        assert_eq!(later.len(), 1);
    }

    #[test]
    fn the_history_never_holds_more_than_its_cap() {
        let now: DateTime<Utc> = "2026-11-26T00:00:00Z".parse().unwrap();
        let mut history = History::default();
        for i in 0..(MAX_ENTRIES + 20) {
            history.record(entry(now, &i.to_string()));
        }
        let all = history.newest_first(now);
        assert_eq!(all.len(), MAX_ENTRIES);
        assert_eq!(
            all[0].incident.as_deref(),
            Some((MAX_ENTRIES + 19).to_string().as_str())
        );
    }

    #[test]
    fn a_withdrawal_is_named_after_the_page_it_takes_away() {
        let now: DateTime<Utc> = "2026-11-26T00:00:00Z".parse().unwrap();
        let mut history = History::default();
        history.record(entry(now, "P1"));
        let key = IncidentKey::new("work", "P1");
        history.record_decision(&Decision::Withdraw(NotificationTarget::Incident(key)), now);
        let latest = &history.newest_first(now)[0];
        assert_eq!(latest.event, HistoryEvent::Withdrawn);
        assert_eq!(latest.title.as_deref(), Some("#1 P1"));
    }

    #[test]
    fn entries_serialize_flat_for_the_window() {
        let now: DateTime<Utc> = "2026-11-26T00:00:00Z".parse().unwrap();
        let json = serde_json::to_value(HistoryEntry {
            at: now,
            account: AccountId::new("work"),
            incident: Some("P1".into()),
            title: None,
            event: HistoryEvent::Action {
                kind: ActionKind::Acknowledge,
                result: ActionStage::Failed,
                reason: Some("gone".into()),
            },
        })
        .unwrap();
        assert_eq!(json["event"], "action");
        assert_eq!(json["result"], "failed");
        assert_eq!(json["kind"]["kind"], "acknowledge");
        assert_eq!(json["account"], "work");
    }
}

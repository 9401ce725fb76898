//! What happened in the last 30 days: pages shown, summaries, withdrawals, the user's
//! actions and how they ended, incidents someone else acknowledged or resolved,
//! rejected tokens. The window's History tab shows the last 24 hours of it, so that
//! someone back at the laptop sees what they missed; "what you missed" ([`away_summary`])
//! and the on-call report ([`on_call_log`]) read the rest. Kept in `history.jsonl`
//! (see `history_file.rs`).
//!
//! An entry is only ever added, never changed, which is what lets the file be appended
//! to. New fields are optional (serde defaults), so entries written by an older version
//! still load; an entry whose `event` this version does not know (a newer version's) is
//! kept on disk and left out here.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use oncall_model::{AccountId, ActionKind, Incident, IncidentKey, Status, Urgency};
use oncall_policy::{Decision, NotificationTarget, RingReason, ShiftMoment, SummaryReason};
use oncall_report::{IncidentEvent, OnCallLog, Page};
use serde::{Deserialize, Serialize};

/// How far back the history reaches: the longest report, and "what you missed" after
/// any holiday.
pub const HISTORY_SPAN: Duration = Duration::days(30);
/// How far back the window's History tab looks.
pub const RECENT_SPAN: Duration = Duration::hours(24);
/// At most this many entries are kept, whatever their age: a storm of pages or actions
/// must not make the history grow without bound. A month of a busy rotation is a few
/// thousand entries; a 2,000-incident storm summary is one.
pub const MAX_ENTRIES: usize = 20_000;

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
        /// The incident's service, when the service names one (absent in entries
        /// written before the report needed it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<String>,
    },
    /// One notification announced several incidents.
    Summary {
        count: usize,
        reason: SummaryReason,
        /// The ids (in the entry's account) of the incidents it announced: each was put
        /// on screen, so each counts as a page. Empty in entries of older versions.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        incidents: Vec<String>,
        /// Those of `incidents` it announced as high-urgency repeats.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        repeats: Vec<String>,
        /// The highest urgency among them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        urgency: Option<Urgency>,
        /// Their distinct services, most affected first.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        services: Vec<String>,
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
    /// An incident that had paged the user was acknowledged or resolved, and not by an
    /// action of the user's in this app (a colleague, an automation, the user on
    /// another device).
    HandledByOthers {
        how: Handled,
        /// Who, when the service says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// A shift reminder, start or end was shown; the entry's title names the shift.
    Shift {
        moment: ShiftMoment,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    },
    /// The word on what happened while the user was away was shown.
    WhileAway {
        paged: usize,
        handled_by_others: usize,
        still_open: usize,
    },
}

impl HistoryEvent {
    /// The `event` tag of every variant, for telling a newer version's entry (skipped)
    /// from a damaged one (the file is corrupt).
    pub(crate) const TAGS: &'static [&'static str] = &[
        "paged",
        "summary",
        "withdrawn",
        "action",
        "token_rejected",
        "handled_by_others",
        "shift",
        "while_away",
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStage {
    Queued,
    Confirmed,
    Failed,
}

/// What someone else did to an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handled {
    Acknowledged,
    /// Resolved, or gone from the account's list of open incidents, which is all the
    /// services' lists say (with an "assigned to me" filter, reassigned away looks the
    /// same).
    Resolved,
}

/// Newest last, as on disk; [`History::recent_newest_first`] for display.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct History(VecDeque<HistoryEntry>);

impl History {
    pub(crate) fn from_entries(entries: Vec<HistoryEntry>) -> Self {
        let mut history = History(VecDeque::with_capacity(entries.len()));
        for entry in entries {
            history.record(entry);
        }
        history
    }

    pub(crate) fn record(&mut self, entry: HistoryEntry) {
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

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &HistoryEntry> {
        self.0.iter()
    }

    /// Forgets the `count` oldest entries (a compaction dropped them from the file).
    pub(crate) fn drop_oldest(&mut self, count: usize) {
        self.0.drain(..count.min(self.0.len()));
    }

    /// Forgets the entries before `horizon`.
    pub(crate) fn drop_before(&mut self, horizon: DateTime<Utc>) {
        while self.0.front().is_some_and(|e| e.at < horizon) {
            self.0.pop_front();
        }
    }

    /// What the window's History tab shows: the entries of the last 24 hours before
    /// `now`, newest first.
    pub(crate) fn recent_newest_first(&self, now: DateTime<Utc>) -> Vec<HistoryEntry> {
        let horizon = now - RECENT_SPAN;
        self.0
            .iter()
            .rev()
            .take_while(|e| e.at >= horizon)
            .cloned()
            .collect()
    }

    /// Every entry from `from` on, oldest first (at most 30 days' worth).
    pub(crate) fn since(&self, from: DateTime<Utc>) -> Vec<HistoryEntry> {
        let first = self.0.partition_point(|e| e.at < from);
        self.0.range(first..).cloned().collect()
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

    /// The entry for what the notifier is about to be told; none for a summary leaving
    /// the screen, which is not worth a line of its own.
    pub(crate) fn decision_entry(
        &self,
        decision: &Decision,
        at: DateTime<Utc>,
    ) -> Option<HistoryEntry> {
        let entry = match decision {
            Decision::Notify { incident, reason } => HistoryEntry {
                at,
                account: incident.key.account.clone(),
                incident: Some(incident.key.id.clone()),
                title: Some(display_name(incident)),
                event: HistoryEvent::Paged {
                    urgency: incident.urgency,
                    reason: *reason,
                    service: incident.service.clone(),
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
                    incidents: summary.incidents.iter().map(|k| k.id.clone()).collect(),
                    repeats: summary.repeats.iter().map(|k| k.id.clone()).collect(),
                    urgency: Some(summary.urgency),
                    services: summary.services.clone(),
                },
            },
            Decision::Withdraw(NotificationTarget::Incident(key)) => HistoryEntry {
                at,
                account: key.account.clone(),
                incident: Some(key.id.clone()),
                title: self.title_of(key),
                event: HistoryEvent::Withdrawn,
            },
            Decision::Withdraw(NotificationTarget::Summary(_)) => return None,
            // Shift notices get their own event (`HistoryEvent::Shift`, to come).
            Decision::Shift(notice) => HistoryEntry {
                at,
                account: notice.account.clone(),
                incident: None,
                title: Some(notice.shift.label()),
                event: HistoryEvent::Shift {
                    moment: notice.moment,
                    start: notice.shift.start,
                    end: notice.shift.end,
                },
            },
            // An absence is no one account's: the entry names none.
            Decision::WhileAway(notice) => HistoryEntry {
                at,
                account: AccountId::new(""),
                incident: None,
                title: None,
                event: HistoryEvent::WhileAway {
                    paged: notice.paged,
                    handled_by_others: notice.handled_by_others,
                    still_open: notice.still_open,
                },
            },
        };
        Some(entry)
    }

    /// The entry for a step of one of the user's actions; the incident's title is the
    /// last one recorded when the caller has none.
    pub(crate) fn action_entry(
        &self,
        key: &IncidentKey,
        title: Option<String>,
        kind: ActionKind,
        result: ActionStage,
        reason: Option<String>,
        at: DateTime<Utc>,
    ) -> HistoryEntry {
        let title = title.or_else(|| self.title_of(key));
        HistoryEntry {
            at,
            account: key.account.clone(),
            incident: Some(key.id.clone()),
            title,
            event: HistoryEvent::Action {
                kind,
                result,
                reason,
            },
        }
    }

    /// The entries for the incidents of one account that paged the user and that
    /// someone else acknowledged or resolved between its `previous` and `current`
    /// snapshots. "Someone else": no acknowledgement (or snooze) of the user's, queued or
    /// confirmed, since the incident's last page, for an acknowledgement; no resolve, for
    /// a resolution. Without a previous snapshot (the first poll after a start) nothing
    /// can be told.
    pub(crate) fn handled_by_others(
        &self,
        previous: Option<&[Incident]>,
        current: &[Incident],
        at: DateTime<Utc>,
    ) -> Vec<HistoryEntry> {
        let Some(previous) = previous else {
            return Vec::new();
        };
        let changes = status_changes(previous, current);
        if changes.is_empty() {
            return Vec::new();
        }
        let account = &changes[0].0.key.account;
        // One pass from the newest entry back: for each changed incident, whether the
        // user acted since its last page, and whether it paged at all.
        #[derive(Default, Clone, Copy)]
        struct Seen {
            acknowledged_by_me: bool,
            resolved_by_me: bool,
            paged: bool,
        }
        let mut seen: HashMap<&str, Seen> = changes
            .iter()
            .map(|(incident, _)| (incident.key.id.as_str(), Seen::default()))
            .collect();
        let mut unpaged = seen.len();
        for entry in self.0.iter().rev() {
            if unpaged == 0 {
                break;
            }
            if &entry.account != account {
                continue;
            }
            let mut paged = |id: &str| {
                if let Some(s) = seen.get_mut(id).filter(|s| !s.paged) {
                    s.paged = true;
                    unpaged -= 1;
                }
            };
            match &entry.event {
                HistoryEvent::Paged { .. } => {
                    if let Some(id) = &entry.incident {
                        paged(id);
                    }
                }
                HistoryEvent::Summary { incidents, .. } => {
                    for id in incidents {
                        paged(id);
                    }
                }
                HistoryEvent::Action { kind, result, .. } if *result != ActionStage::Failed => {
                    let Some(s) = entry.incident.as_deref().and_then(|id| seen.get_mut(id)) else {
                        continue;
                    };
                    if s.paged {
                        continue;
                    }
                    match kind {
                        ActionKind::Acknowledge | ActionKind::Snooze { .. } => {
                            s.acknowledged_by_me = true
                        }
                        ActionKind::Resolve => s.resolved_by_me = true,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        changes
            .into_iter()
            .filter(|(incident, how)| {
                let s = seen[incident.key.id.as_str()];
                s.paged
                    && match how {
                        Handled::Acknowledged => !s.acknowledged_by_me,
                        Handled::Resolved => !s.resolved_by_me,
                    }
            })
            .map(|(incident, how)| HistoryEntry {
                at,
                account: incident.key.account.clone(),
                incident: Some(incident.key.id.clone()),
                title: Some(display_name(incident)),
                event: HistoryEvent::HandledByOthers { how, by: None },
            })
            .collect()
    }
}

/// The incidents of `previous` that were open and are acknowledged (from triggered) or
/// resolved (or gone) in `current`, as `previous` had them.
fn status_changes<'a>(
    previous: &'a [Incident],
    current: &[Incident],
) -> Vec<(&'a Incident, Handled)> {
    let change =
        |before: &Incident, now: Option<&Incident>| match (before.status, now.map(|i| i.status)) {
            (Status::Resolved, _) => None,
            (_, None | Some(Status::Resolved)) => Some(Handled::Resolved),
            (Status::Triggered, Some(Status::Acknowledged)) => Some(Handled::Acknowledged),
            _ => None,
        };
    // Most polls list the same incidents in the same order: compared pairwise, without
    // an index of 2,000 incidents on every poll.
    if previous.len() == current.len() && previous.iter().zip(current).all(|(p, c)| p.key == c.key)
    {
        return previous
            .iter()
            .zip(current)
            .filter_map(|(p, c)| change(p, Some(c)).map(|how| (p, how)))
            .collect();
    }
    let by_key: HashMap<&IncidentKey, &Incident> = current.iter().map(|i| (&i.key, i)).collect();
    previous
        .iter()
        .filter_map(|p| change(p, by_key.get(&p.key).copied()).map(|how| (p, how)))
        .collect()
}

/// "#42 Database down", or the title alone when the service has no numbers.
pub(crate) fn display_name(incident: &Incident) -> String {
    match incident.number {
        Some(n) => format!("#{n} {}", incident.title),
        None => incident.title.clone(),
    }
}

/// The on-call report's input from history entries (any order is fine; oldest first is
/// what [`crate::Engine::history_since`] gives). Pages are the incidents' own pages and
/// each incident a summary announced (`repeat` when it rang as a repeat); a summary
/// member's title, service and urgency come from the incident's other entries when it
/// has any, else from the summary (its one service, its highest urgency). My
/// acknowledgements are those the service confirmed, at the moment I asked; the
/// acknowledgements and resolutions of others are the `handled_by_others` entries.
pub fn on_call_log(entries: &[HistoryEntry]) -> OnCallLog {
    #[derive(Default)]
    struct Known<'a> {
        title: Option<&'a str>,
        service: Option<&'a str>,
        urgency: Option<Urgency>,
    }
    let mut known: HashMap<(&AccountId, &str), Known> = HashMap::new();
    for entry in entries {
        let Some(id) = entry.incident.as_deref() else {
            continue;
        };
        let details = known.entry((&entry.account, id)).or_default();
        if let Some(title) = &entry.title {
            details.title = Some(title);
        }
        if let HistoryEvent::Paged {
            urgency, service, ..
        } = &entry.event
        {
            details.urgency = Some(*urgency);
            details.service = service.as_deref().or(details.service);
        }
    }
    let mut log = OnCallLog::default();
    let mut asked: HashMap<IncidentKey, DateTime<Utc>> = HashMap::new();
    for entry in entries {
        let key = |id: &str| IncidentKey {
            account: entry.account.clone(),
            id: id.to_string(),
        };
        match (&entry.event, entry.incident.as_deref()) {
            (
                HistoryEvent::Paged {
                    urgency,
                    reason,
                    service,
                },
                Some(id),
            ) => log.pages.push(Page {
                at: entry.at,
                incident: key(id),
                title: entry.title.clone().unwrap_or_else(|| id.to_string()),
                service: service.clone(),
                urgency: *urgency,
                repeat: *reason == RingReason::Repeat,
            }),
            (
                HistoryEvent::Summary {
                    incidents,
                    repeats,
                    urgency,
                    services,
                    ..
                },
                _,
            ) => {
                let only_service = match services.as_slice() {
                    [one] => Some(one.as_str()),
                    _ => None,
                };
                for id in incidents {
                    let details = known.get(&(&entry.account, id.as_str()));
                    log.pages.push(Page {
                        at: entry.at,
                        incident: key(id),
                        title: details.and_then(|d| d.title).unwrap_or(id).to_string(),
                        service: details
                            .and_then(|d| d.service)
                            .or(only_service)
                            .map(str::to_string),
                        urgency: details
                            .and_then(|d| d.urgency)
                            .or(*urgency)
                            .unwrap_or(Urgency::Low),
                        repeat: repeats.contains(id),
                    });
                }
            }
            (
                HistoryEvent::Action {
                    kind: ActionKind::Acknowledge,
                    result,
                    ..
                },
                Some(id),
            ) => match result {
                ActionStage::Queued => {
                    asked.entry(key(id)).or_insert(entry.at);
                }
                ActionStage::Confirmed => {
                    let incident = key(id);
                    let at = asked.remove(&incident).unwrap_or(entry.at);
                    log.acknowledged_by_me.push(IncidentEvent { at, incident });
                }
                ActionStage::Failed => {
                    asked.remove(&key(id));
                }
            },
            (HistoryEvent::HandledByOthers { .. }, Some(id)) => {
                log.handled_by_others.push(IncidentEvent {
                    at: entry.at,
                    incident: key(id),
                })
            }
            _ => {}
        }
    }
    log
}

/// What happened while the user was away, for the "what you missed" notification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AwaySummary {
    /// The incidents that paged (alone or in a summary), each once, in the order of
    /// their first page.
    pub paged: Vec<IncidentKey>,
    /// The incidents someone else acknowledged or resolved, each once, in the order
    /// that first happened.
    pub handled_by_others: Vec<IncidentKey>,
}

/// The incidents paged, and handled by others, in `[from, to)`.
pub fn away_summary(
    entries: &[HistoryEntry],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AwaySummary {
    fn add(list: &mut Vec<IncidentKey>, account: &AccountId, id: &str) {
        if !list.iter().any(|k| &k.account == account && k.id == id) {
            list.push(IncidentKey {
                account: account.clone(),
                id: id.to_string(),
            });
        }
    }
    let mut summary = AwaySummary::default();
    for entry in entries.iter().filter(|e| from <= e.at && e.at < to) {
        match (&entry.event, entry.incident.as_deref()) {
            (HistoryEvent::Paged { .. }, Some(id)) => add(&mut summary.paged, &entry.account, id),
            (HistoryEvent::Summary { incidents, .. }, _) => {
                for id in incidents {
                    add(&mut summary.paged, &entry.account, id);
                }
            }
            (HistoryEvent::HandledByOthers { .. }, Some(id)) => {
                add(&mut summary.handled_by_others, &entry.account, id)
            }
            _ => {}
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use oncall_policy::{Summary, SummaryId};

    use super::*;
    use crate::testing::{incident, key};

    fn start() -> DateTime<Utc> {
        "2026-11-26T00:00:00Z".parse().unwrap()
    }

    fn entry(at: DateTime<Utc>, id: &str) -> HistoryEntry {
        HistoryEntry {
            at,
            account: AccountId::new("work"),
            incident: Some(id.into()),
            title: Some(format!("#1 {id}")),
            event: HistoryEvent::Withdrawn,
        }
    }

    fn about(at: DateTime<Utc>, id: &str, event: HistoryEvent) -> HistoryEntry {
        HistoryEntry {
            event,
            ..entry(at, id)
        }
    }

    fn paged(reason: RingReason) -> HistoryEvent {
        HistoryEvent::Paged {
            urgency: Urgency::High,
            reason,
            service: Some("Checkout".into()),
        }
    }

    fn action(kind: ActionKind, result: ActionStage) -> HistoryEvent {
        HistoryEvent::Action {
            kind,
            result,
            reason: None,
        }
    }

    fn summary(ids: &[&str], repeats: &[&str]) -> HistoryEntry {
        HistoryEntry {
            incident: None,
            title: None,
            event: HistoryEvent::Summary {
                count: ids.len(),
                reason: SummaryReason::Storm,
                incidents: ids.iter().map(|s| s.to_string()).collect(),
                repeats: repeats.iter().map(|s| s.to_string()).collect(),
                urgency: Some(Urgency::High),
                services: vec!["Payments".into()],
            },
            ..entry(start(), "")
        }
    }

    fn ids(keys: &[IncidentKey]) -> Vec<&str> {
        keys.iter().map(|k| k.id.as_str()).collect()
    }

    #[test]
    fn the_window_lists_the_last_day_newest_first_and_the_history_keeps_thirty_days() {
        let mut history = History::default();
        history.record(entry(start(), "old"));
        history.record(entry(start() + Duration::hours(2), "kept"));
        history.record(entry(start() + Duration::hours(25), "new"));
        let listed: Vec<_> = history
            .recent_newest_first(start() + Duration::hours(25))
            .into_iter()
            .map(|e| e.incident.unwrap())
            .collect();
        assert_eq!(listed, ["new", "kept"]);
        // Listing later hides what aged out since, even before the next record.
        let later = history.recent_newest_first(start() + Duration::hours(27));
        assert_eq!(later.len(), 1);
        // The report still has all three, until they are 30 days old.
        assert_eq!(history.since(start()).len(), 3);
        assert_eq!(history.since(start() + Duration::hours(1)).len(), 2);
        history.record(entry(
            start() + Duration::days(30) + Duration::hours(1),
            "month",
        ));
        let left: Vec<_> = history
            .iter()
            .map(|e| e.incident.clone().unwrap())
            .collect();
        assert_eq!(left, ["kept", "new", "month"]);
    }

    #[test]
    fn the_history_never_holds_more_than_its_cap() {
        let mut history = History::default();
        for i in 0..(MAX_ENTRIES + 20) {
            history.record(entry(start(), &i.to_string()));
        }
        let all = history.recent_newest_first(start());
        assert_eq!(all.len(), MAX_ENTRIES);
        assert_eq!(
            all[0].incident.as_deref(),
            Some((MAX_ENTRIES + 19).to_string().as_str())
        );
    }

    #[test]
    fn a_withdrawal_is_named_after_the_page_it_takes_away() {
        let mut history = History::default();
        history.record(entry(start(), "P1"));
        let key = IncidentKey::new("work", "P1");
        let withdrawal = Decision::Withdraw(NotificationTarget::Incident(key));
        history.record(history.decision_entry(&withdrawal, start()).unwrap());
        let latest = &history.recent_newest_first(start())[0];
        assert_eq!(latest.event, HistoryEvent::Withdrawn);
        assert_eq!(latest.title.as_deref(), Some("#1 P1"));
    }

    #[test]
    fn entries_serialize_flat_for_the_window() {
        let json = serde_json::to_value(HistoryEntry {
            at: start(),
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

    #[test]
    fn a_page_records_its_service_and_a_summary_its_incidents() {
        let mut history = History::default();
        let mut checkout = incident("P1", Status::Triggered);
        checkout.service = Some("Checkout".into());
        let page = Decision::Notify {
            incident: checkout.into(),
            reason: RingReason::New,
        };
        history.record(history.decision_entry(&page, start()).unwrap());
        let storm = Decision::Summarize(Summary {
            id: SummaryId(7),
            account: AccountId::new("work"),
            reason: SummaryReason::Storm,
            incidents: vec![key("work", "P2"), key("work", "P3")],
            services: vec!["Payments".into()],
            urgency: Urgency::High,
            repeats: vec![key("work", "P3")],
            episodes: Vec::new(),
        });
        history.record(history.decision_entry(&storm, start()).unwrap());
        let events: Vec<HistoryEvent> = history.iter().map(|e| e.event.clone()).collect();
        assert_eq!(
            events,
            [
                paged(RingReason::New),
                summary(&["P2", "P3"], &["P3"]).event
            ]
        );
    }

    /// Entries written before the service and the summary's incidents were recorded.
    #[test]
    fn entries_of_older_versions_still_load() {
        let page: HistoryEntry = serde_json::from_str(
            r#"{"at":"2026-11-26T00:00:00Z","account":"work","incident":"P1","title":"Disk","event":"paged","urgency":"high","reason":"new"}"#,
        )
        .unwrap();
        assert_eq!(
            page.event,
            HistoryEvent::Paged {
                urgency: Urgency::High,
                reason: RingReason::New,
                service: None
            }
        );
        let summary: HistoryEntry = serde_json::from_str(
            r#"{"at":"2026-11-26T00:00:00Z","account":"work","incident":null,"title":null,"event":"summary","count":3,"reason":"first_start"}"#,
        )
        .unwrap();
        assert!(
            matches!(&summary.event, HistoryEvent::Summary { count: 3, incidents, urgency: None, .. } if incidents.is_empty())
        );
    }

    #[test]
    fn every_event_tag_is_known() {
        let events = [
            paged(RingReason::New),
            summary(&["P1"], &[]).event,
            HistoryEvent::Withdrawn,
            action(ActionKind::Resolve, ActionStage::Queued),
            HistoryEvent::TokenRejected {
                reason: "no".into(),
            },
            HistoryEvent::HandledByOthers {
                how: Handled::Resolved,
                by: None,
            },
            HistoryEvent::Shift {
                moment: ShiftMoment::Started,
                start: None,
                end: None,
            },
            HistoryEvent::WhileAway {
                paged: 1,
                handled_by_others: 0,
                still_open: 1,
            },
        ];
        for event in events {
            let json = serde_json::to_value(about(start(), "P1", event)).unwrap();
            let tag = json["event"].as_str().unwrap();
            assert!(HistoryEvent::TAGS.contains(&tag), "{tag}");
        }
        assert_eq!(HistoryEvent::TAGS.len(), 8);
    }

    /// Two polls of `work`: P1 to P4 triggered, then P1 acknowledged, P2 gone, P3
    /// resolved, P4 still triggered.
    fn two_polls() -> (Vec<Incident>, Vec<Incident>) {
        let before: Vec<Incident> = ["P1", "P2", "P3", "P4"]
            .iter()
            .map(|id| incident(id, Status::Triggered))
            .collect();
        let after = vec![
            incident("P1", Status::Acknowledged),
            incident("P3", Status::Resolved),
            incident("P4", Status::Triggered),
        ];
        (before, after)
    }

    fn handled(
        history: &History,
        before: &[Incident],
        after: &[Incident],
    ) -> Vec<(String, Handled)> {
        history
            .handled_by_others(Some(before), after, start() + Duration::hours(1))
            .into_iter()
            .map(|e| match e.event {
                HistoryEvent::HandledByOthers { how, .. } => (e.incident.unwrap(), how),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn incidents_that_paged_me_and_were_handled_elsewhere_are_recorded() {
        let (before, after) = two_polls();
        let mut history = History::default();
        for id in ["P1", "P2", "P4"] {
            history.record(about(start(), id, paged(RingReason::New)));
        }
        history.record(summary(&["P3"], &[]));
        assert_eq!(
            handled(&history, &before, &after),
            [
                ("P1".to_string(), Handled::Acknowledged),
                ("P2".to_string(), Handled::Resolved),
                ("P3".to_string(), Handled::Resolved)
            ]
        );
        // The same, whatever order the service lists them in.
        let reversed: Vec<Incident> = after.iter().rev().cloned().collect();
        assert_eq!(handled(&history, &before, &reversed).len(), 3);
        // Nothing is known without a previous poll, and nothing changed is nothing.
        assert!(history.handled_by_others(None, &after, start()).is_empty());
        assert!(history
            .handled_by_others(Some(&after), &after, start())
            .is_empty());
    }

    #[test]
    fn what_i_did_or_what_never_paged_me_is_not_handled_by_others() {
        let (before, after) = two_polls();
        let mut history = History::default();
        // P1: I acknowledged it. P2: I resolved it (a failed try does not count, and
        // my acknowledgement does not make its resolution mine). P3: never paged me.
        // P4 is unchanged.
        for id in ["P1", "P2", "P4"] {
            history.record(about(start(), id, paged(RingReason::New)));
        }
        history.record(about(
            start(),
            "P1",
            action(ActionKind::Acknowledge, ActionStage::Queued),
        ));
        history.record(about(
            start(),
            "P2",
            action(ActionKind::Acknowledge, ActionStage::Confirmed),
        ));
        history.record(about(
            start(),
            "P2",
            action(ActionKind::Resolve, ActionStage::Failed),
        ));
        assert_eq!(
            handled(&history, &before, &after),
            [("P2".to_string(), Handled::Resolved)]
        );
        history.record(about(
            start(),
            "P2",
            action(ActionKind::Resolve, ActionStage::Confirmed),
        ));
        assert!(handled(&history, &before, &after).is_empty());

        // An acknowledgement of mine before the incident paged again is not this one.
        history.record(about(start(), "P1", paged(RingReason::New)));
        assert_eq!(
            handled(&history, &before, &after),
            [("P1".to_string(), Handled::Acknowledged)]
        );
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        start() + Duration::minutes(minutes)
    }

    #[test]
    fn the_on_call_log_counts_pages_summary_members_and_who_acknowledged() {
        let entries = vec![
            about(at(0), "P1", paged(RingReason::New)),
            about(
                at(3),
                "P1",
                action(ActionKind::Acknowledge, ActionStage::Queued),
            ),
            about(
                at(9),
                "P1",
                action(ActionKind::Acknowledge, ActionStage::Confirmed),
            ),
            HistoryEntry {
                at: at(10),
                ..summary(&["P1", "P2"], &["P1"])
            },
            about(
                at(11),
                "P2",
                action(ActionKind::Acknowledge, ActionStage::Queued),
            ),
            about(
                at(12),
                "P2",
                action(ActionKind::Acknowledge, ActionStage::Failed),
            ),
            about(
                at(13),
                "P2",
                HistoryEvent::HandledByOthers {
                    how: Handled::Acknowledged,
                    by: Some("Ada".into()),
                },
            ),
            about(
                at(14),
                "P3",
                action(ActionKind::Resolve, ActionStage::Confirmed),
            ),
        ];
        let log = on_call_log(&entries);
        let pages: Vec<_> = log
            .pages
            .iter()
            .map(|p| {
                (
                    p.at,
                    p.incident.id.as_str(),
                    p.title.as_str(),
                    p.service.as_deref(),
                    p.repeat,
                )
            })
            .collect();
        assert_eq!(
            pages,
            [
                (at(0), "P1", "#1 P1", Some("Checkout"), false),
                // A member known from its own page keeps its service; one known only
                // from the summary gets the summary's one service.
                (at(10), "P1", "#1 P1", Some("Checkout"), true),
                (at(10), "P2", "#1 P2", Some("Payments"), false),
            ]
        );
        assert!(log.pages.iter().all(|p| p.urgency == Urgency::High));
        // Acknowledged when I asked, not when the service confirmed it.
        assert_eq!(
            log.acknowledged_by_me,
            [IncidentEvent {
                at: at(3),
                incident: key("work", "P1")
            }]
        );
        assert_eq!(
            log.handled_by_others,
            [IncidentEvent {
                at: at(13),
                incident: key("work", "P2")
            }]
        );
    }

    #[test]
    fn the_away_summary_names_each_incident_once_in_order_of_first_page() {
        let gone = |id: &str, minutes| {
            about(
                at(minutes),
                id,
                HistoryEvent::HandledByOthers {
                    how: Handled::Resolved,
                    by: None,
                },
            )
        };
        let entries = vec![
            about(at(0), "P0", paged(RingReason::New)),
            about(at(10), "P2", paged(RingReason::New)),
            HistoryEntry {
                at: at(11),
                ..summary(&["P1", "P2"], &[])
            },
            about(at(12), "P2", paged(RingReason::Repeat)),
            gone("P1", 13),
            gone("P1", 14),
            gone("P0", 15),
            about(at(20), "P9", paged(RingReason::New)),
        ];
        let away = away_summary(&entries, at(10), at(20));
        assert_eq!(ids(&away.paged), ["P2", "P1"]);
        assert_eq!(ids(&away.handled_by_others), ["P1", "P0"]);
        assert_eq!(
            away_summary(&entries, at(30), at(40)),
            AwaySummary::default()
        );
    }
}

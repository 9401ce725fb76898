//! The state one generation's tasks share, behind one async mutex (`Generation::shared`),
//! and the decisions taken on it while the lock is held: the policy run over a snapshot
//! with the user's actions laid over it, the view, and the outbox's first decision
//! brought up to date. Nothing here does IO but the files' own `save`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use oncall_model::{AccountId, Incident, IncidentKey, OnCallShift, Status, Urgency};
use oncall_policy::{
    evaluate, evaluate_shifts, Decision, EpisodeKey, Now, Poll, RingReason, Settings, ShiftMoment,
    ShiftNotice, ShiftSettings,
};
use tracing::info;

use crate::clock::Clock;
use crate::history::display_name;
use crate::noise::Noise;
use crate::outbox::{forget_ring, queue, rings_first};
use crate::overlay::{ConfirmedAction, Overlay};
use crate::persist::{ActionJournal, HistoryStore, StateStore};
use crate::view::{sort_most_urgent_first, AccountView, Delivery, IncidentView, View};

/// State behind one async mutex, never held across a request to a provider or a
/// notifier call.
pub(crate) struct Shared {
    /// `state.json`: the policy's memory, last successes, the outbox.
    pub state: StateStore,
    /// `actions.json`: the user's actions not yet answered for good.
    pub actions: ActionJournal,
    /// The last complete snapshot of each account, as the service sent it.
    pub snapshots: BTreeMap<AccountId, Vec<Incident>>,
    pub accounts: BTreeMap<AccountId, AccountView>,
    /// Confirmed actions whose effect the last snapshot may not show yet.
    pub confirmed: Vec<ConfirmedAction>,
    /// Polls started per account: a snapshot from a poll started after a
    /// confirmation reflects it.
    pub poll_gen: BTreeMap<AccountId, u64>,
    /// `history.json`: the last 24 hours of pages and actions.
    pub history: HistoryStore,
    /// Whether decisions reach the screen (the delivery task's last attempt).
    pub delivery: Delivery,
    /// When each incident last reached the screen (this generation), alone or in a
    /// summary: a held repeat is not shown right after the ring it repeats.
    pub last_shown: BTreeMap<IncidentKey, DateTime<Utc>>,
    /// The outbox's first decision is on its way to the screen (the delivery task
    /// took it): nothing else may change or drop it.
    pub in_flight: bool,
    /// The noise rules and the running mutes: which incidents are kept quiet.
    pub noise: Noise,
}

impl Shared {
    /// A generation's state as the files hold it, before any poll.
    pub(crate) fn new(
        state: StateStore,
        actions: ActionJournal,
        history: HistoryStore,
        snapshots: BTreeMap<AccountId, Vec<Incident>>,
        accounts: BTreeMap<AccountId, AccountView>,
        noise: Noise,
    ) -> Self {
        Shared {
            state,
            actions,
            snapshots,
            accounts,
            confirmed: Vec::new(),
            poll_gen: BTreeMap::new(),
            history,
            delivery: Delivery::Ok,
            last_shown: BTreeMap::new(),
            in_flight: false,
            noise,
        }
    }

    /// The incident's number and title as the last poll saw it, for history and notices.
    pub(crate) fn title_of(&self, key: &IncidentKey) -> Option<String> {
        self.snapshots
            .get(&key.account)
            .and_then(|s| s.iter().find(|i| &i.key == key))
            .map(display_name)
    }

    /// The user's actions, on their way or confirmed, to lay over a snapshot.
    pub(crate) fn overlay(&self) -> Overlay<'_> {
        Overlay {
            pending: self.actions.pending(),
            confirmed: &self.confirmed,
        }
    }

    /// Runs the policy over the account's snapshot with the user's actions applied,
    /// and queues the resulting decisions in the outbox. `just_read`: the snapshot
    /// is the poll that just ended (only then may anything ring, `Poll::just_read`).
    pub(crate) fn reevaluate(
        &mut self,
        account: &AccountId,
        settings: &Settings,
        notify: bool,
        just_read: bool,
        now: Now,
    ) -> Vec<Decision> {
        let Some(snapshot) = self.snapshots.get(account) else {
            return Vec::new();
        };
        let overlay = self.overlay();
        // Most polls have no action in flight: the snapshot is judged as it is, without
        // a copy of every incident (5 % of a 2,000-incident storm poll).
        let incidents: Cow<[Incident]> =
            if !overlay.touches(account) && snapshot.iter().all(|i| i.status != Status::Resolved) {
                Cow::Borrowed(snapshot)
            } else {
                Cow::Owned(
                    overlay
                        .apply(snapshot)
                        .into_iter()
                        .map(|v| v.incident)
                        .filter(|i| i.status != Status::Resolved)
                        .collect(),
                )
            };
        let quiet = self.noise.quiet_ids(account, &incidents, now.utc);
        let poll = Poll {
            account,
            incidents: &incidents,
            just_read,
            notify,
            quiet: &quiet,
        };
        let policy = std::mem::take(&mut self.state.policy);
        let evaluation = evaluate(policy, poll, settings, now);
        self.state.policy = evaluation.state;
        self.enqueue(&evaluation.decisions);
        evaluation.decisions
    }

    /// Puts `decisions` in the outbox, as its rules allow (`outbox::queue`).
    pub(crate) fn enqueue(&mut self, decisions: &[Decision]) {
        for decision in decisions {
            if let Some(decision) = queue(&mut self.state, self.in_flight, decision.clone()) {
                self.state.outbox.push(decision);
            }
        }
    }

    /// One step of the account's shift rules (`fetched`: its shifts, just read), with
    /// the notices queued in the outbox unless the account does not notify.
    pub(crate) fn shift_step(
        &mut self,
        account: &AccountId,
        fetched: Option<&[OnCallShift]>,
        settings: ShiftSettings,
        notify: bool,
        now: DateTime<Utc>,
    ) -> Vec<Decision> {
        let open = self.snapshots.get(account).map_or(0, |incidents| {
            incidents
                .iter()
                .filter(|i| i.status != Status::Resolved)
                .count()
        });
        let decisions = evaluate_shifts(
            &mut self.state.policy,
            account,
            fetched,
            settings,
            open,
            now,
        );
        if !notify {
            return Vec::new();
        }
        self.enqueue(&decisions);
        decisions
    }

    /// What the tray, the window and the CLI show.
    pub(crate) fn view(&self, now: DateTime<Utc>) -> View {
        let overlay = self.overlay();
        let mut incidents: Vec<IncidentView> = self
            .snapshots
            .values()
            .flat_map(|snapshot| overlay.apply(snapshot))
            .collect();
        for view in &mut incidents {
            view.quiet = self.noise.quiet(&view.incident, now);
        }
        sort_most_urgent_first(&mut incidents);
        View {
            accounts: self.accounts.values().cloned().collect(),
            incidents,
            pause: self
                .state
                .policy
                .pause
                .filter(|_| self.state.policy.is_paused(now)),
            delivery: self.delivery.clone(),
            mutes: self.noise.view(now),
        }
    }

    /// `decision` reached the screen at `now`: out of the outbox, into the policy's
    /// memory and the history.
    pub(crate) fn delivered(&mut self, decision: &Decision, now: DateTime<Utc>) {
        self.in_flight = false;
        // Not found: a withdrawal dropped it while it was on its way. It was shown all
        // the same (and the withdrawal follows it), so it goes into the history.
        if let Some(pos) = self.state.outbox.iter().position(|d| d == decision) {
            self.state.outbox.remove(pos);
        }
        let shown: Vec<IncidentKey> = match decision {
            Decision::Notify { incident, .. } => vec![incident.key.clone()],
            Decision::Summarize(summary) => summary.incidents.clone(),
            Decision::Withdraw(_) | Decision::Shift(_) | Decision::WhileAway(_) => Vec::new(),
        };
        for key in shown {
            self.last_shown.insert(key, now);
        }
        let policy = &mut self.state.policy;
        match decision {
            Decision::Notify { incident, .. } => {
                policy.shown_at(&incident.key, Some(EpisodeKey::of(incident)), now);
            }
            Decision::Summarize(summary) => {
                for key in &summary.incidents {
                    policy.shown_at(key, None, now);
                }
            }
            Decision::Withdraw(_) | Decision::Shift(_) | Decision::WhileAway(_) => {}
        }
        self.history.record_decision(decision, now);
    }

    /// The outbox's first decision, brought up to date. Decisions wait there only while
    /// the desktop cannot show them (`held`); when it can again, a person should get one
    /// ring per incident, about what needs them now: a page that a later held page or
    /// summary rings again is dropped, and a held summary names only the incidents that
    /// still need the user and no later held ring covers (none: dropped).
    pub(crate) fn refresh_first(
        &mut self,
        settings: &Settings,
        clock: &dyn Clock,
        held: bool,
    ) -> Option<Decision> {
        loop {
            if !held {
                // Decided a moment ago: shown as decided, but a repeat never right
                // after the ring it repeats (both waiting for a stopped engine's restart).
                match self.state.outbox.first()? {
                    Decision::Notify { incident, reason }
                        if *reason == RingReason::Repeat
                            && !self.repeat_due(settings, clock, &incident.key) =>
                    {
                        self.state.outbox.remove(0);
                        continue;
                    }
                    first => return Some(first.clone()),
                }
            }
            let (first, later) = self.state.outbox.split_first()?;
            // A later held first ring of the incident (a newer episode) covers this one;
            // a later repeat does not (it may find the incident low urgency by then).
            let rung_later = |key: &IncidentKey| later.iter().any(|d| rings_first(d, key));
            // Whether `key` still deserves this ring: a later held ring does not cover
            // it, it still needs the user, in the episode it rang for (`None`: unknown, a
            // summary saved by an older version), and a repeat is still high urgency and
            // not bunched up with the ring before it (`repeat_due`).
            let due = |key: &IncidentKey, episode: Option<EpisodeKey>, repeat: bool| {
                !rung_later(key)
                    && self
                        .now_needing(settings, key, clock.now())
                        .is_some_and(|(now, urgency)| {
                            episode.is_none_or(|e| e == now)
                                && (!repeat
                                    || (urgency == Urgency::High
                                        && self.repeat_due(settings, clock, key)))
                        })
            };
            let summary = match first {
                Decision::Notify { incident, reason } => {
                    let repeat = *reason == RingReason::Repeat;
                    if due(&incident.key, Some(EpisodeKey::of(incident)), repeat) {
                        return Some(first.clone());
                    }
                    info!(incident = %incident.key, "a held page no longer needs the user as it was: dropped");
                    let covered = rung_later(&incident.key);
                    let dropped = self.state.outbox.remove(0);
                    if !covered {
                        forget_ring(&mut self.state.policy, &dropped, None);
                    }
                    continue;
                }
                Decision::Summarize(summary) => summary,
                Decision::Withdraw(_) | Decision::WhileAway(_) => return Some(first.clone()),
                Decision::Shift(notice) => {
                    if still_news(notice, clock.now()) {
                        return Some(first.clone());
                    }
                    info!(account = %notice.account, "a held shift notice is no longer news: dropped");
                    self.state.outbox.remove(0);
                    continue;
                }
            };
            let keep: Vec<IncidentKey> = summary
                .incidents
                .iter()
                .filter(|key| due(key, summary.episode_of(key), summary.repeats.contains(key)))
                .cloned()
                .collect();
            if keep.len() == summary.incidents.len() {
                return Some(first.clone());
            }
            let mut refreshed = summary.clone();
            let left_out: Vec<IncidentKey> = summary
                .incidents
                .iter()
                .filter(|key| !keep.contains(key) && !rung_later(key))
                .cloned()
                .collect();
            let polled = self.snapshots.get(&summary.account);
            let members: Vec<&Incident> = keep
                .iter()
                .filter_map(|key| polled?.iter().find(|i| &i.key == key))
                .collect();
            if !members.is_empty() && members.len() == keep.len() {
                refreshed.urgency = members.iter().map(|i| i.urgency).max()?;
                refreshed.services.clear();
                for service in members.iter().filter_map(|i| i.service.as_ref()) {
                    if !refreshed.services.contains(service) {
                        refreshed.services.push(service.clone());
                    }
                }
            }
            let first = first.clone();
            self.state.policy.summary_shown_with(refreshed.id, &keep);
            forget_ring(&mut self.state.policy, &first, Some(&left_out));
            if keep.is_empty() {
                info!(
                    summary = refreshed.id.0,
                    "a held summary no longer names anything that needs the user: dropped"
                );
                self.state.outbox.remove(0);
                continue;
            }
            refreshed.retain_members(|key| keep.contains(key));
            let refreshed = Decision::Summarize(refreshed);
            self.state.outbox[0] = refreshed.clone();
            return Some(refreshed);
        }
    }

    /// Whether a repeat of `key` is not bunched up with the ring it repeats: the ring
    /// before reached the screen (as far as this run knows) at least half a repeat
    /// interval ago. Half, not a whole one: an on-time repeat is decided a whole interval
    /// after the *decision* before it, and that one reached the screen a moment later.
    fn repeat_due(&self, settings: &Settings, clock: &dyn Clock, key: &IncidentKey) -> bool {
        let Some(every) = settings.repeat_high_urgency else {
            return false;
        };
        let shown = self.last_shown.get(key);
        shown.is_none_or(|at| clock.now() - *at >= every / 2)
    }

    /// If `key` needs the user now, its episode and urgency: from the account's last
    /// snapshot (triggered, mine as the settings count it, not handled by my own
    /// acknowledgement or resolve on its way, not kept quiet at `now`), or before its first poll (a restart's
    /// leftovers) from the policy's memory of the last one, which saw my presses, and
    /// the mutes running now (a mute set since the restart holds before any poll).
    fn now_needing(
        &self,
        settings: &Settings,
        key: &IncidentKey,
        now: DateTime<Utc>,
    ) -> Option<(EpisodeKey, Urgency)> {
        let Some(snapshot) = self.snapshots.get(&key.account) else {
            let tracked = self.state.policy.tracked(key)?;
            let muted = tracked
                .service
                .as_deref()
                .is_some_and(|s| self.noise.muted_until(&key.account, s, now).is_some());
            return (tracked.status == Status::Triggered && !muted)
                .then_some((tracked.episode, tracked.urgency));
        };
        let incident = snapshot.iter().find(|i| &i.key == key)?;
        let mine = settings.notify_for == oncall_policy::NotifyFor::All || incident.is_mine();
        let needs = incident.status == Status::Triggered
            && !self.overlay().handled_by_me(key)
            && mine
            && self.noise.quiet(incident, now).is_none();
        let episode = EpisodeKey::of(incident);
        needs.then_some((episode, incident.urgency))
    }

    /// A snapshot of `account` from its poll `gen` arrived: the actions confirmed
    /// before that poll started show in it, and need no laying over it any more.
    pub(crate) fn drop_confirmed_before(&mut self, account: &AccountId, gen: u64) {
        self.confirmed
            .retain(|c| &c.incident.account != account || c.after_poll >= gen);
    }
}

/// Whether a shift notice that waited for the screen still says something true at
/// `now`: a reminder before its shift starts, "you are on call" before it ends, and
/// "your shift ended" within the window the policy announces ends in.
fn still_news(notice: &ShiftNotice, now: DateTime<Utc>) -> bool {
    let shift = &notice.shift;
    match notice.moment {
        ShiftMoment::Reminder => shift.start.is_some_and(|start| now < start),
        ShiftMoment::Started => shift.end.is_none_or(|end| now < end),
        ShiftMoment::Ended { .. } => {
            now - notice.decided_at <= oncall_policy::shifts::END_NOTICE_WINDOW
        }
    }
}

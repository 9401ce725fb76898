//! One running generation of the engine: what its tasks (pollers, action senders, the
//! delivery task) share, and the only way they touch it. Each call takes the state lock,
//! changes [`Shared`], saves what changed, publishes the view, and only then emits
//! events and wakes other tasks; none holds the lock across a provider or notifier call.
//!
//! The tasks depend on this type, not on the [`Engine`](crate::Engine) that starts
//! them; `Engine::reconfigure` replaces a generation whole.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use chrono::{DateTime, DurationRound, Utc};
use oncall_model::{
    AccountId, ActionId, ActionKind, ActionOutcome, Incident, IncidentKey, OnCallShift, Provider,
    ProviderError, RotaEntry,
};
use oncall_policy::{Decision, Now, Pause, Settings, ShiftSettings};
use oncall_store::{Dirs, StoreError};
use tokio::sync::{broadcast, watch, Mutex, Notify};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::account::AccountSlot;
use crate::away::{self, Away};
use crate::clock::Clock;
use crate::credentials::Credentials;
use crate::error::EngineError;
use crate::history::{ActionStage, HistoryEntry, HistoryEvent};
use crate::notifier::{Notice, Notifier};
use crate::overlay::ConfirmedAction;
use crate::persist::PendingAction;
use crate::providers;
use crate::shared::Shared;
use crate::view::{ActionResult, Connection, Delivery, EngineEvent, View};

/// The host's parts and the engine's channels, shared by every generation so that a
/// `reconfigure` is invisible to whoever watches the view or the events.
#[derive(Clone)]
pub(crate) struct Parts {
    pub dirs: Dirs,
    pub clock: Arc<dyn Clock>,
    pub credentials: Arc<dyn Credentials>,
    pub notifier: Arc<dyn Notifier>,
    pub view: Arc<watch::Sender<View>>,
    pub events: broadcast::Sender<EngineEvent>,
    /// Whether the user is away, and since when (see `away.rs`). Outlives a
    /// generation: a reconfigure while away still sums up the absence.
    /// A std mutex: never held across an `.await`.
    pub away: Arc<std::sync::Mutex<Option<Away>>>,
}

pub(crate) struct Generation {
    pub settings: Settings,
    pub clock: Arc<dyn Clock>,
    pub credentials: Arc<dyn Credentials>,
    pub notifier: Arc<dyn Notifier>,
    pub shared: Mutex<Shared>,
    /// New decisions are in the outbox, or notices in `notices`: the delivery task
    /// takes them.
    pub delivery_wake: Notify,
    /// The delivery task's last pass failed: what the outbox holds has waited. Set from
    /// the start when the outbox holds what a previous run left undelivered, so that a
    /// generation stopped before its delivery task's first pass (a restart or reconfigure
    /// right after a start) still brings those up to date in its `flush`, instead of
    /// showing them as if decided a moment ago.
    pub delivery_held: AtomicBool,
    /// Notices waiting for the screen, oldest first. Only in memory: a notice describes
    /// the running app's state and is raised again by a restart that finds it so.
    /// A std mutex: never held across an `.await`.
    notices: std::sync::Mutex<VecDeque<Notice>>,
    view: Arc<watch::Sender<View>>,
    events: broadcast::Sender<EngineEvent>,
    away: Arc<std::sync::Mutex<Option<Away>>>,
    pub slots: BTreeMap<AccountId, Arc<AccountSlot>>,
    pub cancel: CancellationToken,
}

impl Generation {
    pub(crate) fn new(
        parts: &Parts,
        settings: Settings,
        shared: Shared,
        slots: BTreeMap<AccountId, Arc<AccountSlot>>,
        cancel: CancellationToken,
    ) -> Self {
        // A stopping engine shows what it decided (see `delivery::flush`), so what a start
        // finds in the outbox waited (or a crash left it).
        let held = !shared.state.outbox.is_empty();
        Generation {
            settings,
            clock: parts.clock.clone(),
            credentials: parts.credentials.clone(),
            notifier: parts.notifier.clone(),
            shared: Mutex::new(shared),
            delivery_wake: Notify::new(),
            delivery_held: AtomicBool::new(held),
            notices: std::sync::Mutex::new(VecDeque::new()),
            view: parts.view.clone(),
            events: parts.events.clone(),
            away: parts.away.clone(),
            slots,
            cancel,
        }
    }

    pub(crate) fn emit(&self, event: EngineEvent) {
        // No subscriber is fine: events are informational; the view holds the truth.
        let _ = self.events.send(event);
    }

    pub(crate) fn now(&self) -> Now {
        Now {
            utc: self.clock.now(),
            local_time: self.clock.local_time(),
        }
    }

    /// Numbers the poll about to start for `account`.
    pub(crate) async fn begin_poll(&self, account: &AccountId) -> u64 {
        let mut shared = self.shared.lock().await;
        let gen = shared.poll_gen.entry(account.clone()).or_default();
        *gen += 1;
        *gen
    }

    /// A complete snapshot arrived: decide, save, publish, deliver.
    pub(crate) async fn on_snapshot(
        &self,
        account: &AccountId,
        mut incidents: Vec<Incident>,
        gen: u64,
        requests: u32,
        client: &dyn Provider,
    ) {
        let mut shared = self.shared.lock().await;
        remember_client(&mut shared, account, client);
        let now = self.clock.now();
        shared.noise.apply_urgency(account, &mut incidents);
        shared.drop_confirmed_before(account, gen);
        let open = incidents.len();
        let previous = shared.snapshots.get(account).map(Vec::as_slice);
        for entry in shared.history.handled_by_others(previous, &incidents, now) {
            shared.history.record(entry);
        }
        shared.snapshots.insert(account.clone(), incidents);
        // Kept to the minute on disk (the view has the exact time): a poll that finds
        // nothing new then writes nothing, instead of an fsync every poll on battery.
        let minute = now
            .duration_trunc(chrono::TimeDelta::minutes(1))
            .unwrap_or(now);
        shared.state.last_success.insert(account.clone(), minute);
        if let Some(view) = shared.accounts.get_mut(account) {
            view.connection = Connection::Ok;
            view.last_success = Some(now);
        }
        // A mute the CLI wrote meanwhile counts from this poll on (`mutes.rs`).
        let mut decisions = self.mutes_on_poll(&mut shared, account);
        decisions.extend(self.reevaluate(&mut shared, account, true));
        self.save_state(&mut shared);
        self.publish_view(&shared);
        drop(shared);
        self.emit(EngineEvent::Polled {
            account: account.clone(),
            requests,
            open,
        });
        if !decisions.is_empty() {
            self.delivery_wake.notify_one();
        }
    }

    /// The policy over the account's snapshot (see [`Shared::reevaluate`]).
    fn reevaluate(
        &self,
        shared: &mut Shared,
        account: &AccountId,
        just_read: bool,
    ) -> Vec<Decision> {
        let notify = self.slots.get(account).is_some_and(|s| s.config.notify);
        shared.reevaluate(account, &self.settings, notify, just_read, self.now())
    }

    /// Saves the history if it grew and `state.json` if it changed. A failure is
    /// reported, not returned: pages still go out; what is lost is only their memory.
    pub(crate) fn save_state(&self, shared: &mut Shared) {
        if let Err(e) = shared.history.save_if_changed() {
            warn!("could not save the history: {e}");
        }
        if let Err(e) = shared.state.save() {
            warn!("could not save state: {e}");
            self.emit(EngineEvent::Warning {
                message: format!("could not save state: {e}"),
            });
        }
    }

    fn save_actions(&self, shared: &Shared) {
        if let Err(e) = shared.actions.save() {
            warn!("could not save the action queue: {e}");
        }
    }

    pub(crate) fn publish_view(&self, shared: &Shared) {
        let view = shared.view(self.clock.now());
        self.view.send_if_modified(|current| {
            let changed = *current != view;
            *current = view;
            changed
        });
    }

    /// The last 24 hours of pages and actions, newest first.
    pub(crate) async fn history(&self) -> Vec<HistoryEntry> {
        let now = self.clock.now();
        let shared = self.shared.lock().await;
        shared.history.recent_newest_first(now)
    }

    /// The history from `from` on, oldest first.
    pub(crate) async fn history_since(&self, from: DateTime<Utc>) -> Vec<HistoryEntry> {
        self.shared.lock().await.history.since(from)
    }

    /// Queues `kind` for each incident (see `Engine::act`).
    pub(crate) async fn act(
        &self,
        incidents: &[IncidentKey],
        kind: ActionKind,
    ) -> Result<Vec<ActionId>, EngineError> {
        if let Some(problem) = kind.problem() {
            return Err(EngineError::InvalidAction(problem));
        }
        for key in incidents {
            let slot = self
                .slots
                .get(&key.account)
                .ok_or_else(|| EngineError::UnknownAccount(key.account.clone()))?;
            providers::supports(&slot.config, &kind).map_err(EngineError::Unsupported)?;
        }
        let now = self.clock.now();
        let mut shared = self.shared.lock().await;
        let mut ids = Vec::new();
        let mut queued = Vec::new();
        for key in incidents {
            if let Some(existing) = shared.actions.waiting(key, &kind) {
                // A second press of the same button: one action is enough.
                ids.push(existing);
                continue;
            }
            let id = shared.actions.push(key.clone(), kind.clone(), now);
            ids.push(id);
            queued.push((id, key.clone()));
        }
        if queued.is_empty() {
            return Ok(ids);
        }
        if let Err(source) = shared.actions.save() {
            // Not on disk means not accepted: undo, and tell the user, on screen too:
            // a button pressed on a notification has no other place to say it failed.
            let not_saved: Vec<ActionId> = queued.iter().map(|(id, _)| *id).collect();
            shared.actions.take_back(&not_saved);
            let not_saved: Vec<Notice> = queued
                .iter()
                .map(|(_, key)| Notice::ActionNotSaved {
                    incident: key.clone(),
                    title: shared.title_of(key),
                    kind: kind.clone(),
                    cause: source.plain_cause(),
                })
                .collect();
            drop(shared);
            warn!(
                verb = kind.verb(),
                "an action could not be saved, so it was not sent: {source}"
            );
            for notice in not_saved {
                self.notice(notice).await;
            }
            return Err(EngineError::ActionNotSaved {
                kind: Box::new(kind),
                source,
            });
        }
        for (_, key) in &queued {
            let title = shared.title_of(key);
            shared
                .history
                .record_action(key, title, kind.clone(), ActionStage::Queued, None, now);
        }
        let accounts: BTreeSet<AccountId> = queued.iter().map(|(_, k)| k.account.clone()).collect();
        for (id, incident) in queued {
            info!(action = id.0, %incident, verb = kind.verb(), "action queued");
            self.emit(EngineEvent::ActionQueued {
                id,
                incident,
                kind: kind.clone(),
            });
        }
        // The actions are on disk: that is all sending needs. Let the sender take the
        // lock now, before the policy re-run and the state.json write below, so the
        // acknowledgement reaches the wire one file write sooner. Whatever the sender
        // and pollers do in between sees the pending actions.
        drop(shared);
        for account in &accounts {
            self.slots[account].send_now.notify_one();
        }
        tokio::task::yield_now().await;

        // The optimistic view, and the withdrawal of what no longer needs the user.
        let mut shared = self.shared.lock().await;
        let mut decisions = Vec::new();
        for account in &accounts {
            decisions.extend(self.reevaluate(&mut shared, account, false));
        }
        self.save_state(&mut shared);
        self.publish_view(&shared);
        drop(shared);
        if !decisions.is_empty() {
            self.delivery_wake.notify_one();
        }
        Ok(ids)
    }

    /// Starts (`Some`) or ends a pause; it is on disk before this returns.
    pub(crate) async fn set_pause(&self, pause: Option<Pause>) -> Result<(), StoreError> {
        let mut shared = self.shared.lock().await;
        shared.state.policy.pause = pause;
        shared.state.save()?;
        self.publish_view(&shared);
        Ok(())
    }

    /// The account's actions that are due, grouped by kind (oldest first).
    pub(crate) async fn due_actions(
        &self,
        account: &AccountId,
    ) -> Vec<(ActionKind, Vec<PendingAction>)> {
        self.shared.lock().await.actions.due(account)
    }

    /// Records the service's answers. Returns the first error that means "try again
    /// later" (transient or auth), if any; those actions stay queued.
    pub(crate) async fn finish_actions(
        &self,
        account: &AccountId,
        sent: &[PendingAction],
        results: Vec<Result<ActionOutcome, ProviderError>>,
        client: &dyn Provider,
    ) -> Option<ProviderError> {
        let mut shared = self.shared.lock().await;
        remember_client(&mut shared, account, client);
        let gen = shared.poll_gen.get(account).copied().unwrap_or(0);
        let mut retry = None;
        let mut finished = Vec::new();
        for (action, result) in sent.iter().zip(results) {
            let result = match result {
                Ok(outcome) => ActionResult::Confirmed { outcome },
                Err(e) if e.is_transient() || matches!(e, ProviderError::Unauthorized { .. }) => {
                    shared.actions.attempt_failed(action.id, e.to_string());
                    retry.get_or_insert(e);
                    continue;
                }
                Err(e) => ActionResult::Failed {
                    reason: e.to_string(),
                },
            };
            shared.actions.finished(action.id);
            let (stage, reason) = match &result {
                ActionResult::Confirmed { .. } => (ActionStage::Confirmed, None),
                ActionResult::Failed { reason } => (ActionStage::Failed, Some(reason.clone())),
            };
            let now = self.clock.now();
            let history = &mut shared.history;
            history.record_action(
                &action.incident,
                None,
                action.kind.clone(),
                stage,
                reason,
                now,
            );
            if matches!(result, ActionResult::Confirmed { .. }) {
                shared.confirmed.push(ConfirmedAction {
                    incident: action.incident.clone(),
                    kind: action.kind.clone(),
                    after_poll: gen,
                });
            }
            finished.push((action.clone(), result));
        }
        self.save_actions(&shared);
        let decisions = self.reevaluate(&mut shared, account, false);
        self.save_state(&mut shared);
        self.publish_view(&shared);
        drop(shared);
        for (action, result) in finished {
            match &result {
                ActionResult::Confirmed { outcome } => {
                    info!(action = action.id.0, incident = %action.incident, verb = action.kind.verb(), ?outcome, "action confirmed")
                }
                ActionResult::Failed { reason } => {
                    warn!(action = action.id.0, incident = %action.incident, verb = action.kind.verb(), "action refused: {reason}")
                }
            }
            self.emit(EngineEvent::ActionFinished {
                id: action.id,
                incident: action.incident,
                kind: action.kind.clone(),
                result,
            });
        }
        if !decisions.is_empty() {
            self.delivery_wake.notify_one();
        }
        retry
    }

    /// The outbox's first decision, brought up to date (see [`Shared::refresh_first`]),
    /// now on its way to the screen.
    pub(crate) async fn next_decision(&self, held: bool) -> Option<Decision> {
        let mut guard = self.shared.lock().await;
        let next = guard.refresh_first(&self.settings, self.clock.as_ref(), held);
        guard.in_flight = next.is_some();
        next
    }

    /// The decision on its way did not reach the screen; it stays first in the outbox.
    pub(crate) async fn not_delivered(&self) {
        self.shared.lock().await.in_flight = false;
    }

    /// `decision` reached the screen: out of the outbox, into the history.
    pub(crate) async fn delivered(&self, decision: &Decision) {
        let mut shared = self.shared.lock().await;
        let now = self.clock.now();
        shared.delivered(decision, now);
        self.save_state(&mut shared);
    }

    pub(crate) fn next_notice(&self) -> Option<Notice> {
        lock(&self.notices).front().cloned()
    }

    pub(crate) fn notice_delivered(&self, notice: &Notice) {
        let mut notices = lock(&self.notices);
        if notices.front() == Some(notice) {
            notices.pop_front();
        }
    }

    /// Queues a notice for the screen; the delivery task shows it (retrying, like a page).
    pub(crate) async fn notice(&self, notice: Notice) {
        lock(&self.notices).push_back(notice);
        self.delivery_wake.notify_one();
    }

    pub(crate) async fn set_delivery(&self, delivery: Delivery) {
        let mut shared = self.shared.lock().await;
        if shared.delivery != delivery {
            shared.delivery = delivery;
            self.publish_view(&shared);
        }
    }

    /// Remembers a rejected token in the history (the notice itself is shown once).
    pub(crate) async fn record_token_rejected(&self, account: &AccountId, reason: &str) {
        let mut shared = self.shared.lock().await;
        let at = self.clock.now();
        shared.history.record(HistoryEntry {
            at,
            account: account.clone(),
            incident: None,
            title: None,
            event: HistoryEvent::TokenRejected {
                reason: reason.to_string(),
            },
        });
        self.save_state(&mut shared);
    }

    pub(crate) async fn set_connection(
        &self,
        account: &AccountId,
        connection: Connection,
        next_poll: Option<DateTime<Utc>>,
    ) {
        let mut shared = self.shared.lock().await;
        if let Some(view) = shared.accounts.get_mut(account) {
            view.connection = connection;
            view.next_poll = next_poll;
        }
        self.publish_view(&shared);
    }

    pub(crate) async fn set_next_poll(
        &self,
        account: &AccountId,
        next_poll: Option<DateTime<Utc>>,
    ) {
        let mut shared = self.shared.lock().await;
        if let Some(view) = shared.accounts.get_mut(account) {
            view.next_poll = next_poll;
        }
        self.publish_view(&shared);
    }

    /// The account's shifts were just read: the view lists them and the shift rules run
    /// over them (see [`Shared::shift_step`]).
    pub(crate) async fn set_on_call(&self, account: &AccountId, shifts: Vec<OnCallShift>) {
        let mut shared = self.shared.lock().await;
        let decisions = self.shift_step(&mut shared, account, Some(&shifts));
        if let Some(view) = shared.accounts.get_mut(account) {
            // As the user thinks of them: permanent on-call first, then each shift
            // whole (the service may list one in pieces).
            let mut shown: Vec<OnCallShift> = shifts
                .iter()
                .filter(|s| s.start.is_none())
                .cloned()
                .collect();
            shown.extend(oncall_policy::shifts::merge(&shifts));
            view.on_call = shown;
            view.shifts_problem = None;
        }
        self.save_state(&mut shared);
        self.publish_view(&shared);
        drop(shared);
        if !decisions.is_empty() {
            self.delivery_wake.notify_one();
        }
    }

    /// The user left at `at`: the screen locked (`screen_locked`), or the machine
    /// slept. An earlier start of the absence is kept.
    pub(crate) fn went_away(&self, at: DateTime<Utc>, screen_locked: bool) {
        let mut away = lock(&self.away);
        let away = away.get_or_insert(Away {
            since: at,
            screen_locked: false,
        });
        away.screen_locked |= screen_locked;
    }

    /// The user is back (`screen_unlocked`: the screen says so; else the machine woke
    /// a while ago): what happened while they were away, queued as one notification if
    /// anything did and the absence was long enough to count. A wake to a locked
    /// screen is not a return: the unlock is.
    pub(crate) async fn came_back(&self, screen_unlocked: bool) {
        let from = {
            let mut away = lock(&self.away);
            match *away {
                Some(a) if screen_unlocked || !a.screen_locked => away.take().map(|a| a.since),
                _ => None,
            }
        };
        let Some(from) = from else { return };
        let now = self.clock.now();
        let Some(long_enough) = self.settings.away_summary_after else {
            return;
        };
        if now - from < long_enough {
            return;
        }
        let mut shared = self.shared.lock().await;
        let Some(notice) = away::notice(&shared, from, now) else {
            return;
        };
        if !self.slots.values().any(|s| s.config.notify) {
            return;
        }
        shared.enqueue(&[Decision::WhileAway(notice)]);
        self.save_state(&mut shared);
        drop(shared);
        self.delivery_wake.notify_one();
    }

    /// Who is on call in the account's schedules, or why that cannot be read.
    pub(crate) async fn set_rota(&self, account: &AccountId, rota: Result<Vec<RotaEntry>, String>) {
        let mut shared = self.shared.lock().await;
        if let Some(view) = shared.accounts.get_mut(account) {
            match rota {
                Ok(rota) => view.rota = rota,
                Err(problem) => view.shifts_problem = Some(problem),
            }
        }
        self.publish_view(&shared);
    }

    /// Time passed: the shift rules for every account with shifts. Returns when the
    /// next shift moment is due, if any.
    pub(crate) async fn shift_tick(&self) -> Option<DateTime<Utc>> {
        let mut shared = self.shared.lock().await;
        let accounts: Vec<AccountId> = shared.state.policy.shifts.keys().cloned().collect();
        let mut decided = false;
        for account in &accounts {
            decided |= !self.shift_step(&mut shared, account, None).is_empty();
        }
        let next = accounts
            .iter()
            .filter_map(|a| {
                oncall_policy::next_shift_moment(&shared.state.policy, a, self.shift_settings(a))
            })
            .min();
        if decided {
            self.save_state(&mut shared);
            self.publish_view(&shared);
        }
        drop(shared);
        if decided {
            self.delivery_wake.notify_one();
        }
        next
    }

    fn shift_step(
        &self,
        shared: &mut Shared,
        account: &AccountId,
        fetched: Option<&[OnCallShift]>,
    ) -> Vec<Decision> {
        let notify = self.slots.get(account).is_some_and(|s| s.config.notify);
        let settings = self.shift_settings(account);
        shared.shift_step(account, fetched, settings, notify, self.clock.now())
    }

    fn shift_settings(&self, account: &AccountId) -> ShiftSettings {
        let remind_before = self
            .slots
            .get(account)
            .and_then(|s| s.config.shift_reminder)
            .and_then(|d| chrono::Duration::from_std(d).ok());
        ShiftSettings { remind_before }
    }
}

/// A std mutex's state, even if a panic elsewhere poisoned it: what it holds is at
/// worst a step behind, and paging must go on.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keeps what `client` remembers for the next run's client. Asked for under the shared
/// lock, so that of a poll and an action finishing together, the later one's memory is
/// what is saved.
fn remember_client(shared: &mut Shared, account: &AccountId, client: &dyn Provider) {
    if let Some(memory) = client.memory() {
        shared.state.clients.insert(account.clone(), memory);
    }
}

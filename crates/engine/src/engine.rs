//! The engine: owns one poller and one action sender per account, the policy state and
//! the action journal, and publishes the [`View`].
//!
//! Data flow: poller → snapshot → (pending actions applied) → policy → decisions →
//! state saved (with the decisions in its outbox) → notifier. User actions: journal
//! saved → optimistic view → policy (withdrawals) → sender → service → confirmation.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, DurationRound, Utc};
use oncall_model::{
    AccountId, ActionId, ActionKind, ActionOutcome, Incident, IncidentKey, OnCallShift, Provider,
    ProviderError, Status, Urgency,
};
use oncall_policy::{
    evaluate, Decision, EpisodeKey, NotificationTarget, Now, Pause, Poll, RingReason, Settings,
};
use oncall_store::{AccountConfig, Config, Dirs};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{broadcast, watch, Mutex, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::clock::Clock;
use crate::credentials::{Credentials, NoClient};
use crate::history::{display_name, ActionStage, History, HistoryEntry, HistoryEvent};
use crate::notifier::{Notice, Notifier};
use crate::persist::{ActionsFile, PendingAction, StateFile};
use crate::providers;
use crate::view::{
    sort_most_urgent_first, AccountView, ActionResult, Connection, Delivery, EngineEvent,
    IncidentView, View,
};
use crate::{actions, delivery, poller};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the state file could not be written: {0}")]
    Store(#[from] oncall_store::StoreError),
    /// An action is accepted only once it is on disk (so a crash or a lost network
    /// cannot lose it); this one could not be written, so it was not sent either.
    #[error(
        "could not {verb}: oncall-tray could not save it to disk first ({cause}), so \
         nothing was sent. Free some space or fix the data folder, then try again",
        verb = kind.verb(),
        cause = source.plain_cause()
    )]
    ActionNotSaved {
        kind: ActionKind,
        #[source]
        source: oncall_store::StoreError,
    },
    #[error("there is no account named `{0}`")]
    UnknownAccount(AccountId),
    #[error("{0}")]
    Unsupported(String),
}

/// Everything the engine needs from its host (the tray app, the CLI or a test).
pub struct EngineOptions {
    pub config: Config,
    /// `state.json` and `actions.json` live in its data directory.
    pub dirs: Dirs,
    pub clock: Arc<dyn Clock>,
    pub credentials: Arc<dyn Credentials>,
    pub notifier: Arc<dyn Notifier>,
}

/// Per-account plumbing shared by its poller and its action sender.
pub(crate) struct AccountSlot {
    pub config: AccountConfig,
    /// Poll as soon as possible (user action, pause ended, explicit refresh).
    pub poll_now: Notify,
    /// New actions were queued.
    pub send_now: Notify,
    /// Bumped whenever the account's token may have changed.
    pub credential_gen: watch::Sender<u64>,
    /// Bumped whenever the account's token is seen to work: a client was built (the
    /// token could be had), or the service answered a poll. An action sender waiting
    /// for a token sends then, not at the next token change.
    pub token_works: watch::Sender<u64>,
    /// The client, with the `credential_gen` it was built under: a client from an older
    /// generation is never handed out, whichever task notices the new token first.
    provider: Mutex<Option<(u64, Arc<dyn Provider>)>>,
    /// The token the current client was built with, to notice when the keychain holds
    /// a different one (`oncall-tray token set` while the app runs).
    token: Mutex<Option<SecretString>>,
}

impl AccountSlot {
    /// The client and the credential generation it belongs to, built on first use (and
    /// again after the token changes).
    pub(crate) async fn client(&self, inner: &Inner) -> Result<(u64, Arc<dyn Provider>), NoClient> {
        let mut slot = self.provider.lock().await;
        let gen = *self.credential_gen.borrow();
        if let Some((built, provider)) = slot.as_ref() {
            if *built == gen {
                return Ok((gen, provider.clone()));
            }
        }
        let token = if providers::needs_token(&self.config) {
            let token = inner.credentials.token(&self.config).await?;
            *self.token.lock().await = Some(token.clone());
            Some(token)
        } else {
            None
        };
        let provider = providers::build(&self.config, token).map_err(NoClient::Config)?;
        *slot = Some((gen, provider.clone()));
        drop(slot);
        self.token_works.send_modify(|n| *n += 1);
        Ok((gen, provider))
    }

    /// The token may have changed: the poller (watching `credential_gen`) and the action
    /// sender (woken here) both try again with a client built from the keychain.
    pub(crate) fn credential_changed(&self) {
        self.credential_gen.send_modify(|g| *g += 1);
        self.send_now.notify_one();
    }

    /// Whether the credential store now holds a token other than the one in use (or
    /// one at all, where there was none).
    pub(crate) async fn token_replaced(&self, inner: &Inner) -> bool {
        let Ok(current) = inner.credentials.token(&self.config).await else {
            return false;
        };
        let used = self.token.lock().await;
        used.as_ref().map(|t| t.expose_secret()) != Some(current.expose_secret())
    }
}

/// State behind one async mutex, never held across a request to a provider or a
/// notifier call.
pub(crate) struct Shared {
    pub state: StateFile,
    pub actions: ActionsFile,
    /// The last complete snapshot of each account, as the service sent it.
    pub snapshots: BTreeMap<AccountId, Vec<Incident>>,
    pub accounts: BTreeMap<AccountId, AccountView>,
    /// Confirmed actions whose effect the last snapshot may not show yet, with the
    /// poll generation after which a snapshot is sure to include them.
    pub confirmed: Vec<(IncidentKey, ActionKind, u64)>,
    /// Polls started per account: a snapshot from a poll started after a
    /// confirmation reflects it.
    pub poll_gen: BTreeMap<AccountId, u64>,
    /// The last 24 hours of pages and actions (`history.json`).
    pub history: History,
    /// `history` has entries not yet on disk.
    pub history_changed: bool,
    /// What `state.json` holds, as this engine last wrote it: an unchanged state is not
    /// written again.
    pub state_on_disk: Vec<u8>,
    /// Whether decisions reach the screen (the delivery task's last attempt).
    pub delivery: Delivery,
    /// When each incident last reached the screen (this generation), alone or in a
    /// summary: a held repeat is not shown right after the ring it repeats.
    pub last_shown: BTreeMap<IncidentKey, DateTime<Utc>>,
    /// The outbox's first decision is on its way to the screen (the delivery task
    /// took it): nothing else may change or drop it.
    pub in_flight: bool,
}

impl Shared {
    /// The incident's number and title as the last poll saw it, for history and notices.
    fn title_of(&self, key: &IncidentKey) -> Option<String> {
        self.snapshots
            .get(&key.account)
            .and_then(|s| s.iter().find(|i| &i.key == key))
            .map(display_name)
    }

    /// Writes `state.json` unless it already holds exactly this state. Every write of
    /// the file goes through here, so that `state_on_disk` stays true.
    fn write_state(&mut self, path: &Path) -> Result<bool, oncall_store::StoreError> {
        oncall_store::json_file::save_if_changed(path, &self.state, &mut self.state_on_disk)
    }
}

pub(crate) struct Inner {
    pub settings: Settings,
    pub clock: Arc<dyn Clock>,
    pub credentials: Arc<dyn Credentials>,
    pub notifier: Arc<dyn Notifier>,
    state_path: PathBuf,
    actions_path: PathBuf,
    history_path: PathBuf,
    pub shared: Mutex<Shared>,
    /// New decisions are in the outbox, or notices in `notices`: the delivery task
    /// takes them.
    pub delivery_wake: Notify,
    /// The delivery task's last pass failed: what the outbox holds has waited.
    pub delivery_held: std::sync::atomic::AtomicBool,
    /// Notices waiting for the screen, oldest first. Only in memory: a notice describes
    /// the running app's state and is raised again by a restart that finds it so.
    /// A std mutex: never held across an `.await`.
    notices: std::sync::Mutex<VecDeque<Notice>>,
    view: Arc<watch::Sender<View>>,
    events: broadcast::Sender<EngineEvent>,
    pub slots: BTreeMap<AccountId, Arc<AccountSlot>>,
    pub cancel: CancellationToken,
}

pub struct Engine {
    /// The running generation: its accounts, tasks and state. `reconfigure` replaces it
    /// whole; the lock is only held to clone the `Arc`, never across an `.await`.
    current: std::sync::RwLock<Arc<Inner>>,
    /// The current generation's tasks. The mutex also makes `reconfigure` and
    /// `shutdown` take turns.
    tracker: Mutex<TaskTracker>,
    /// What outlives a generation: the host's parts and the channels subscribers hold.
    parts: Parts,
    /// Cancelled by `shutdown`; each generation's token is a child of it.
    root: CancellationToken,
}

/// The host's parts and the engine's channels, shared by every generation so that a
/// `reconfigure` is invisible to whoever watches the view or the events.
struct Parts {
    dirs: Dirs,
    clock: Arc<dyn Clock>,
    credentials: Arc<dyn Credentials>,
    notifier: Arc<dyn Notifier>,
    view: Arc<watch::Sender<View>>,
    events: broadcast::Sender<EngineEvent>,
}

/// What an account keeps across a `reconfigure` that leaves its service and filter
/// unchanged, so the window does not flicker to "connecting" with an empty list.
#[derive(Default)]
struct Carried {
    snapshots: BTreeMap<AccountId, Vec<Incident>>,
    accounts: BTreeMap<AccountId, AccountView>,
}

impl Engine {
    /// Loads the state, re-delivers anything a crash left undelivered, and starts one
    /// poller and one action sender per account.
    pub async fn start(opts: EngineOptions) -> Result<Engine, EngineError> {
        let parts = Parts {
            dirs: opts.dirs,
            clock: opts.clock,
            credentials: opts.credentials,
            notifier: opts.notifier,
            view: Arc::new(watch::Sender::new(View::default())),
            events: broadcast::channel(256).0,
        };
        let root = CancellationToken::new();
        let (inner, tracker) =
            launch(&parts, opts.config, root.child_token(), Carried::default()).await?;
        Ok(Engine {
            current: std::sync::RwLock::new(inner),
            tracker: Mutex::new(tracker),
            parts,
            root,
        })
    }

    /// The running generation.
    fn inner(&self) -> Arc<Inner> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Runs with a new configuration (accounts added, changed or removed; notification
    /// settings): stops every task, then starts again from the files on disk, as a
    /// restart would, so nothing rings twice and no queued action is lost. Accounts
    /// whose config did not change keep their incidents on screen meanwhile. Watchers
    /// of [`Engine::view`] and [`Engine::events`] carry on undisturbed.
    pub async fn reconfigure(&self, config: Config) -> Result<(), EngineError> {
        let mut tracker = self.tracker.lock().await;
        if self.root.is_cancelled() {
            return Ok(());
        }
        let old = self.inner();
        old.cancel.cancel();
        tracker.wait().await;
        delivery::flush(&old).await;
        let mut carried = Carried::default();
        {
            let shared = old.shared.lock().await;
            for account in &config.accounts {
                // Same service, same filter: the last list is still the right one to show
                // until the first poll (a new poll interval or token does not change it).
                let same_list = old
                    .slots
                    .get(&account.name)
                    .is_some_and(|s| s.config.provider == account.provider);
                if !same_list {
                    continue;
                }
                if let Some(snapshot) = shared.snapshots.get(&account.name) {
                    carried
                        .snapshots
                        .insert(account.name.clone(), snapshot.clone());
                }
                if let Some(view) = shared.accounts.get(&account.name) {
                    carried.accounts.insert(account.name.clone(), view.clone());
                }
            }
        }
        let (inner, new_tracker) =
            launch(&self.parts, config, self.root.child_token(), carried).await?;
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = inner;
        *tracker = new_tracker;
        Ok(())
    }

    /// The last 24 hours of pages and actions, newest first.
    pub async fn history(&self) -> Vec<HistoryEntry> {
        let inner = self.inner();
        let now = inner.clock.now();
        let shared = inner.shared.lock().await;
        shared.history.newest_first(now)
    }

    /// The latest view; `changed()` wakes on every update.
    pub fn view(&self) -> watch::Receiver<View> {
        self.parts.view.subscribe()
    }

    pub fn events(&self) -> broadcast::Receiver<EngineEvent> {
        self.parts.events.subscribe()
    }

    /// Queues `kind` for each incident. The actions are on disk before this returns;
    /// the view shows them pending at once and the service is asked right away.
    pub async fn act(
        &self,
        incidents: &[IncidentKey],
        kind: ActionKind,
    ) -> Result<Vec<ActionId>, EngineError> {
        let inner = &self.inner();
        for key in incidents {
            let slot = inner
                .slots
                .get(&key.account)
                .ok_or_else(|| EngineError::UnknownAccount(key.account.clone()))?;
            providers::supports(&slot.config, kind).map_err(EngineError::Unsupported)?;
        }
        let now = inner.clock.now();
        let mut shared = inner.shared.lock().await;
        let mut ids = Vec::new();
        let mut queued = Vec::new();
        for key in incidents {
            let existing = shared
                .actions
                .pending
                .iter()
                .find(|p| &p.incident == key && p.kind == kind);
            if let Some(existing) = existing {
                // A second press of the same button: one action is enough.
                ids.push(existing.id);
                continue;
            }
            let id = ActionId(shared.actions.next_id);
            shared.actions.next_id += 1;
            shared.actions.pending.push(PendingAction {
                id,
                incident: key.clone(),
                kind,
                requested_at: now,
                attempts: 0,
                last_error: None,
            });
            ids.push(id);
            queued.push((id, key.clone()));
        }
        if queued.is_empty() {
            return Ok(ids);
        }
        if let Err(source) = oncall_store::json_file::save(&inner.actions_path, &shared.actions) {
            // Not on disk means not accepted: undo, and tell the user, on screen too:
            // a button pressed on a notification has no other place to say it failed.
            shared
                .actions
                .pending
                .retain(|p| !queued.iter().any(|(id, _)| *id == p.id));
            let not_saved: Vec<Notice> = queued
                .iter()
                .map(|(_, key)| Notice::ActionNotSaved {
                    incident: key.clone(),
                    title: shared.title_of(key),
                    kind,
                    cause: source.plain_cause(),
                })
                .collect();
            drop(shared);
            warn!(
                verb = kind.verb(),
                "an action could not be saved, so it was not sent: {source}"
            );
            for notice in not_saved {
                inner.notice(notice).await;
            }
            return Err(EngineError::ActionNotSaved { kind, source });
        }
        for (_, key) in &queued {
            let title = shared.title_of(key);
            shared.history_changed = true;
            let history = &mut shared.history;
            history.record_action(key, title, kind, ActionStage::Queued, None, now);
        }
        let accounts: BTreeSet<AccountId> = queued.iter().map(|(_, k)| k.account.clone()).collect();
        for (id, incident) in queued {
            info!(action = id.0, %incident, verb = kind.verb(), "action queued");
            inner.emit(EngineEvent::ActionQueued { id, incident, kind });
        }
        // The actions are on disk: that is all sending needs. Let the sender take the
        // lock now, before the policy re-run and the state.json write below, so the
        // acknowledgement reaches the wire one file write sooner. Whatever the sender
        // and pollers do in between sees the pending actions.
        drop(shared);
        for account in &accounts {
            inner.slots[account].send_now.notify_one();
        }
        tokio::task::yield_now().await;

        // The optimistic view, and the withdrawal of what no longer needs the user.
        let mut shared = inner.shared.lock().await;
        let mut decisions = Vec::new();
        for account in &accounts {
            decisions.extend(inner.reevaluate(&mut shared, account));
        }
        inner.save_state(&mut shared);
        inner.publish_view(&shared);
        drop(shared);
        if !decisions.is_empty() {
            inner.delivery_wake.notify_one();
        }
        Ok(ids)
    }

    /// Acknowledges (or resolves…) every incident that is triggered right now.
    pub async fn act_on_all_triggered(
        &self,
        kind: ActionKind,
    ) -> Result<Vec<ActionId>, EngineError> {
        let keys: Vec<IncidentKey> = self
            .parts
            .view
            .borrow()
            .incidents
            .iter()
            .filter(|i| i.incident.status == Status::Triggered && i.pending.is_none())
            .map(|i| i.incident.key.clone())
            .collect();
        self.act(&keys, kind).await
    }

    pub async fn pause(&self, pause: Pause) -> Result<(), EngineError> {
        self.set_pause(Some(pause)).await
    }

    /// Ends a pause; held pages ring on the poll this triggers.
    pub async fn resume(&self) -> Result<(), EngineError> {
        self.set_pause(None).await
    }

    async fn set_pause(&self, pause: Option<Pause>) -> Result<(), EngineError> {
        let inner = self.inner();
        let mut shared = inner.shared.lock().await;
        shared.state.policy.pause = pause;
        shared.write_state(&inner.state_path)?;
        inner.publish_view(&shared);
        drop(shared);
        if pause.is_none() {
            self.poll_now();
        }
        Ok(())
    }

    /// Polls every account now (a refresh button, or the machine woke up).
    pub fn poll_now(&self) {
        for slot in self.inner().slots.values() {
            slot.poll_now.notify_one();
        }
    }

    /// The account's token may have changed: rebuild its client and retry at once,
    /// even if the old token was rejected.
    pub fn credential_changed(&self, account: &AccountId) {
        if let Some(slot) = self.inner().slots.get(account) {
            slot.credential_changed();
        }
    }

    /// Stops every task and waits for them. Unconfirmed actions stay on disk and are
    /// sent by the next start.
    /// Takes `&self` so an engine shared by a tray, a window and notification buttons
    /// can be stopped by whichever of them sees the quit.
    pub async fn shutdown(&self) {
        self.root.cancel();
        let tracker = self.tracker.lock().await;
        tracker.wait().await;
        delivery::flush(&self.inner()).await;
    }
}

/// Starts one generation: loads the state, re-delivers anything a crash left
/// undelivered, and starts one poller and one action sender per account.
async fn launch(
    parts: &Parts,
    config: Config,
    cancel: CancellationToken,
    mut carried: Carried,
) -> Result<(Arc<Inner>, TaskTracker), EngineError> {
    let state_path = parts.dirs.state_file();
    let actions_path = parts.dirs.actions_file();
    let mut warnings = Vec::new();
    let state = oncall_store::json_file::load::<StateFile>(&state_path)?;
    warnings.extend(state.warning);
    let actions = oncall_store::json_file::load::<ActionsFile>(&actions_path)?;
    warnings.extend(actions.warning);
    let (mut state, actions) = (state.value, actions.value);
    let history_path = parts.dirs.history_file();
    let history = oncall_store::json_file::load::<History>(&history_path)?;
    warnings.extend(history.warning);

    // Accounts removed from the config take their memory with them.
    let configured: Vec<AccountId> = config.accounts.iter().map(|a| a.name.clone()).collect();
    let stale: Vec<AccountId> = state
        .policy
        .accounts
        .keys()
        .filter(|a| !configured.contains(a))
        .cloned()
        .collect();
    for account in &stale {
        state.policy.forget_account(account);
    }

    let accounts = config
        .accounts
        .iter()
        .map(|a| {
            if let Some(view) = carried.accounts.remove(&a.name) {
                return (a.name.clone(), view);
            }
            let view = AccountView {
                account: a.name.clone(),
                provider: a.provider.kind(),
                capabilities: providers::capabilities(&a.provider),
                connection: Connection::Connecting,
                last_success: state.last_success.get(&a.name).copied(),
                next_poll: None,
                on_call: Vec::new(),
            };
            (a.name.clone(), view)
        })
        .collect();
    let slots = config
        .accounts
        .iter()
        .map(|a| {
            let slot = AccountSlot {
                config: a.clone(),
                poll_now: Notify::new(),
                send_now: Notify::new(),
                credential_gen: watch::Sender::new(0),
                token_works: watch::Sender::new(0),
                provider: Mutex::new(None),
                token: Mutex::new(None),
            };
            (a.name.clone(), Arc::new(slot))
        })
        .collect();
    let inner = Arc::new(Inner {
        settings: config.notifications.clone(),
        clock: parts.clock.clone(),
        credentials: parts.credentials.clone(),
        notifier: parts.notifier.clone(),
        state_path,
        actions_path,
        history_path,
        shared: Mutex::new(Shared {
            state,
            actions,
            snapshots: carried.snapshots,
            accounts,
            confirmed: Vec::new(),
            poll_gen: BTreeMap::new(),
            history: history.value,
            history_changed: false,
            state_on_disk: Vec::new(),
            delivery: Delivery::Ok,
            last_shown: BTreeMap::new(),
            in_flight: false,
        }),
        delivery_wake: Notify::new(),
        delivery_held: std::sync::atomic::AtomicBool::new(false),
        notices: std::sync::Mutex::new(VecDeque::new()),
        view: parts.view.clone(),
        events: parts.events.clone(),
        slots,
        cancel,
    });
    for message in warnings {
        warn!("{message}");
        inner.emit(EngineEvent::Warning { message });
    }
    {
        let shared = inner.shared.lock().await;
        inner.publish_view(&shared);
        if !shared.state.outbox.is_empty() {
            info!(
                count = shared.state.outbox.len(),
                "delivering decisions a previous run left undelivered"
            );
        }
    }

    let tracker = TaskTracker::new();
    tracker.spawn(delivery::run(inner.clone()));
    for slot in inner.slots.values() {
        tracker.spawn(poller::run(inner.clone(), slot.clone()));
        tracker.spawn(actions::run(inner.clone(), slot.clone()));
    }
    tracker.close();
    Ok((inner, tracker))
}

impl Inner {
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
        incidents: Vec<Incident>,
        gen: u64,
        requests: u32,
    ) {
        let mut shared = self.shared.lock().await;
        let now = self.clock.now();
        shared
            .confirmed
            .retain(|(key, _, after)| &key.account != account || *after >= gen);
        let open = incidents.len();
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
        let decisions = self.reevaluate(&mut shared, account);
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

    /// Runs the policy over the account's snapshot with the user's actions applied,
    /// and queues the resulting decisions in the outbox.
    fn reevaluate(&self, shared: &mut Shared, account: &AccountId) -> Vec<Decision> {
        let Some(snapshot) = shared.snapshots.get(account) else {
            return Vec::new();
        };
        let touched = shared
            .actions
            .pending
            .iter()
            .any(|p| &p.incident.account == account)
            || shared
                .confirmed
                .iter()
                .any(|(k, _, _)| &k.account == account);
        // Most polls have no action in flight: the snapshot is judged as it is, without
        // a copy of every incident (5 % of a 2,000-incident storm poll).
        let incidents: Cow<[Incident]> =
            if !touched && snapshot.iter().all(|i| i.status != Status::Resolved) {
                Cow::Borrowed(snapshot)
            } else {
                Cow::Owned(
                    apply_actions(snapshot, &shared.actions.pending, &shared.confirmed)
                        .into_iter()
                        .map(|v| v.incident)
                        .filter(|i| i.status != Status::Resolved)
                        .collect(),
                )
            };
        let notify = self.slots.get(account).is_some_and(|s| s.config.notify);
        let poll = Poll {
            account,
            incidents: &incidents,
            notify,
        };
        let policy = std::mem::take(&mut shared.state.policy);
        let evaluation = evaluate(policy, poll, &self.settings, self.now());
        shared.state.policy = evaluation.state;
        for decision in &evaluation.decisions {
            if let Some(decision) = queue(shared, decision.clone()) {
                shared.state.outbox.push(decision);
            }
        }
        evaluation.decisions
    }

    pub(crate) fn save_state(&self, shared: &mut Shared) {
        if shared.history_changed {
            // Its own file: pages and actions are rare, polls are not, and state.json is
            // written whenever the policy's memory changes.
            shared.history_changed = false;
            if let Err(e) = oncall_store::json_file::save(&self.history_path, &shared.history) {
                warn!("could not save the history: {e}");
            }
        }
        if let Err(e) = shared.write_state(&self.state_path) {
            // Pages still go out; what is lost is only the memory of them.
            warn!("could not save state: {e}");
            self.emit(EngineEvent::Warning {
                message: format!("could not save state: {e}"),
            });
        }
    }

    pub(crate) fn save_actions(&self, shared: &Shared) {
        if let Err(e) = oncall_store::json_file::save(&self.actions_path, &shared.actions) {
            warn!("could not save the action queue: {e}");
        }
    }

    /// The outbox's first decision, brought up to date. Decisions wait there only while
    /// the desktop cannot show them; when it can again, a person should get one ring
    /// per incident, about what needs them now: a page that a later held page or
    /// summary rings again is dropped, and a held summary names only the incidents that
    /// still need the user and no later held ring covers (none: dropped).
    pub(crate) async fn next_decision(&self, held: bool) -> Option<Decision> {
        let mut guard = self.shared.lock().await;
        let next = self.refresh_first(&mut guard, held);
        guard.in_flight = next.is_some();
        next
    }

    fn refresh_first(&self, shared: &mut Shared, held: bool) -> Option<Decision> {
        loop {
            if !held {
                // Decided a moment ago: shown as decided, but a repeat never right
                // after the ring it repeats (both waiting for a stopped engine's restart).
                match shared.state.outbox.first()? {
                    Decision::Notify { incident, reason }
                        if *reason == RingReason::Repeat
                            && !self.repeat_due(shared, &incident.key) =>
                    {
                        shared.state.outbox.remove(0);
                        continue;
                    }
                    first => return Some(first.clone()),
                }
            }
            let (first, later) = shared.state.outbox.split_first()?;
            // A later held first ring of the incident (a newer episode) covers this one;
            // a later repeat does not (it may find the incident low urgency by then).
            let rung_later = |key: &IncidentKey| later.iter().any(|d| rings_first(d, key));
            // Whether `key` still deserves this ring: a later held ring does not cover
            // it, it still needs the user, in the episode it rang for (`None`: unknown, a
            // summary saved by an older version), and a repeat is still high urgency and
            // not bunched up with the ring before it (`repeat_due`).
            let due = |key: &IncidentKey, episode: Option<EpisodeKey>, repeat: bool| {
                !rung_later(key)
                    && self.now_needing(shared, key).is_some_and(|(now, urgency)| {
                        episode.is_none_or(|e| e == now)
                            && (!repeat
                                || (urgency == Urgency::High && self.repeat_due(shared, key)))
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
                    let dropped = shared.state.outbox.remove(0);
                    if !covered {
                        forget_ring(&mut shared.state.policy, &dropped, None);
                    }
                    continue;
                }
                Decision::Summarize(summary) => summary,
                Decision::Withdraw(_) => return Some(first.clone()),
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
            let polled = shared.snapshots.get(&summary.account);
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
            shared.state.policy.summary_shown_with(refreshed.id, &keep);
            forget_ring(&mut shared.state.policy, first, Some(&left_out));
            if keep.is_empty() {
                info!(
                    summary = refreshed.id.0,
                    "a held summary no longer names anything that needs the user: dropped"
                );
                shared.state.outbox.remove(0);
                continue;
            }
            refreshed.retain_members(|key| keep.contains(key));
            let refreshed = Decision::Summarize(refreshed);
            shared.state.outbox[0] = refreshed.clone();
            return Some(refreshed);
        }
    }

    /// Whether a repeat of `key` is not bunched up with the ring it repeats: the ring
    /// before reached the screen (as far as this run knows) at least half a repeat
    /// interval ago. Half, not a whole one: an on-time repeat is decided a whole interval
    /// after the *decision* before it, and that one reached the screen a moment later.
    fn repeat_due(&self, shared: &Shared, key: &IncidentKey) -> bool {
        let Some(every) = self.settings.repeat_high_urgency else {
            return false;
        };
        let shown = shared.last_shown.get(key);
        shown.is_none_or(|at| self.clock.now() - *at >= every / 2)
    }

    /// If `key` needs the user now, its episode and urgency: from the account's last
    /// snapshot (triggered, mine as the settings count it, not handled by my own
    /// acknowledgement or resolve on its way), or before its first poll (a restart's
    /// leftovers) from the policy's memory of the last one, which saw my presses.
    fn now_needing(&self, shared: &Shared, key: &IncidentKey) -> Option<(EpisodeKey, Urgency)> {
        let Some(snapshot) = shared.snapshots.get(&key.account) else {
            let tracked = shared.state.policy.tracked(key)?;
            return (tracked.status == Status::Triggered)
                .then_some((tracked.episode, tracked.urgency));
        };
        let incident = snapshot.iter().find(|i| &i.key == key)?;
        let mine = self.settings.notify_for == oncall_policy::NotifyFor::All || incident.is_mine();
        let needs = incident.status == Status::Triggered && !handled_by_me(shared, key) && mine;
        let episode = EpisodeKey::of(incident);
        needs.then_some((episode, incident.urgency))
    }

    /// The decision on its way did not reach the screen; it stays first in the outbox.
    pub(crate) async fn not_delivered(&self) {
        self.shared.lock().await.in_flight = false;
    }

    /// `decision` reached the screen: out of the outbox, into the history.
    pub(crate) async fn delivered(&self, decision: &Decision) {
        let mut shared = self.shared.lock().await;
        shared.in_flight = false;
        // Not found: a withdrawal dropped it while it was on its way. It was shown all
        // the same (and the withdrawal follows it), so it goes into the history.
        if let Some(pos) = shared.state.outbox.iter().position(|d| d == decision) {
            shared.state.outbox.remove(pos);
        }
        let now = self.clock.now();
        let shown: Vec<IncidentKey> = match decision {
            Decision::Notify { incident, .. } => vec![incident.key.clone()],
            Decision::Summarize(summary) => summary.incidents.clone(),
            Decision::Withdraw(_) => Vec::new(),
        };
        for key in shown {
            shared.last_shown.insert(key, now);
        }
        let policy = &mut shared.state.policy;
        match decision {
            Decision::Notify { incident, .. } => {
                policy.shown_at(&incident.key, Some(EpisodeKey::of(incident)), now);
            }
            Decision::Summarize(summary) => {
                for key in &summary.incidents {
                    policy.shown_at(key, None, now);
                }
            }
            Decision::Withdraw(_) => {}
        }
        shared.history.record_decision(decision, now);
        shared.history_changed = true;
        self.save_state(&mut shared);
    }

    pub(crate) fn next_notice(&self) -> Option<Notice> {
        self.notices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .front()
            .cloned()
    }

    pub(crate) fn notice_delivered(&self, notice: &Notice) {
        let mut notices = self
            .notices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if notices.front() == Some(notice) {
            notices.pop_front();
        }
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
        shared.history_changed = true;
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

    /// Queues a notice for the screen; the delivery task shows it (retrying, like a page).
    pub(crate) async fn notice(&self, notice: Notice) {
        self.notices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push_back(notice);
        self.delivery_wake.notify_one();
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

    pub(crate) async fn set_on_call(&self, account: &AccountId, shifts: Vec<OnCallShift>) {
        let mut shared = self.shared.lock().await;
        if let Some(view) = shared.accounts.get_mut(account) {
            view.on_call = shifts;
        }
        self.publish_view(&shared);
    }

    /// The account's actions that are due, grouped by kind (oldest first).
    pub(crate) async fn due_actions(
        &self,
        account: &AccountId,
    ) -> Vec<(ActionKind, Vec<PendingAction>)> {
        let shared = self.shared.lock().await;
        let mut groups: Vec<(ActionKind, Vec<PendingAction>)> = Vec::new();
        for action in shared
            .actions
            .pending
            .iter()
            .filter(|p| &p.incident.account == account)
        {
            match groups.iter_mut().find(|(k, _)| *k == action.kind) {
                Some((_, items)) => items.push(action.clone()),
                None => groups.push((action.kind, vec![action.clone()])),
            }
        }
        groups
    }

    /// Records the service's answers. Returns the first error that means "try again
    /// later" (transient or auth), if any; those actions stay queued.
    pub(crate) async fn finish_actions(
        &self,
        account: &AccountId,
        sent: &[PendingAction],
        results: Vec<Result<ActionOutcome, ProviderError>>,
    ) -> Option<ProviderError> {
        let mut shared = self.shared.lock().await;
        let gen = shared.poll_gen.get(account).copied().unwrap_or(0);
        let mut retry = None;
        let mut finished = Vec::new();
        for (action, result) in sent.iter().zip(results) {
            let result = match result {
                Ok(outcome) => ActionResult::Confirmed { outcome },
                Err(e) if e.is_transient() || matches!(e, ProviderError::Unauthorized { .. }) => {
                    if let Some(p) = shared
                        .actions
                        .pending
                        .iter_mut()
                        .find(|p| p.id == action.id)
                    {
                        p.attempts += 1;
                        p.last_error = Some(e.to_string());
                    }
                    retry.get_or_insert(e);
                    continue;
                }
                Err(e) => ActionResult::Failed {
                    reason: e.to_string(),
                },
            };
            shared.actions.pending.retain(|p| p.id != action.id);
            let (stage, reason) = match &result {
                ActionResult::Confirmed { .. } => (ActionStage::Confirmed, None),
                ActionResult::Failed { reason } => (ActionStage::Failed, Some(reason.clone())),
            };
            let now = self.clock.now();
            shared.history_changed = true;
            let history = &mut shared.history;
            history.record_action(&action.incident, None, action.kind, stage, reason, now);
            if matches!(result, ActionResult::Confirmed { .. }) {
                shared
                    .confirmed
                    .push((action.incident.clone(), action.kind, gen));
            }
            finished.push((action.clone(), result));
        }
        self.save_actions(&shared);
        let decisions = self.reevaluate(&mut shared, account);
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
                kind: action.kind,
                result,
            });
        }
        if !decisions.is_empty() {
            self.delivery_wake.notify_one();
        }
        retry
    }

    pub(crate) fn publish_view(&self, shared: &Shared) {
        let mut incidents: Vec<IncidentView> = shared
            .snapshots
            .values()
            .flat_map(|snapshot| {
                apply_actions(snapshot, &shared.actions.pending, &shared.confirmed)
            })
            .collect();
        sort_most_urgent_first(&mut incidents);
        let view = View {
            accounts: shared.accounts.values().cloned().collect(),
            incidents,
            pause: shared
                .state
                .policy
                .pause
                .filter(|_| shared.state.policy.is_paused(self.clock.now())),
            delivery: shared.delivery.clone(),
        };
        self.view.send_if_modified(|current| {
            let changed = *current != view;
            *current = view;
            changed
        });
    }
}

/// The service's snapshot with the user's actions laid over it: what the user expects
/// to see, and what the policy must judge (an acknowledged incident must not repeat
/// while our acknowledgement is on its way).
fn apply_actions(
    snapshot: &[Incident],
    pending: &[PendingAction],
    confirmed: &[(IncidentKey, ActionKind, u64)],
) -> Vec<IncidentView> {
    snapshot
        .iter()
        .map(|incident| {
            let mut view = IncidentView {
                incident: incident.clone(),
                pending: None,
                pending_error: None,
            };
            let confirmed = confirmed
                .iter()
                .filter(|(k, _, _)| k == &incident.key)
                .map(|(_, kind, _)| (*kind, None));
            let pending = pending
                .iter()
                .filter(|p| p.incident == incident.key)
                .map(|p| (p.kind, Some(p)));
            for (kind, pending) in confirmed.chain(pending) {
                // Only the status changes: `status_changed_at` is the service's, and the
                // policy relies on it to tell a re-trigger from our own optimism.
                match kind {
                    ActionKind::Acknowledge if view.incident.status == Status::Triggered => {
                        view.incident.status = Status::Acknowledged
                    }
                    ActionKind::Resolve => view.incident.status = Status::Resolved,
                    ActionKind::Unacknowledge if view.incident.status == Status::Acknowledged => {
                        view.incident.status = Status::Triggered
                    }
                    _ => {}
                }
                if let Some(pending) = pending {
                    view.pending = Some(kind);
                    view.pending_error = pending.last_error.clone();
                }
            }
            view
        })
        .collect()
}

/// What joins the outbox for `decision`, given what already waits there (normally
/// nothing: it only fills while the desktop cannot show notifications). One ring per
/// incident waits at a time: a repeat of an incident whose ring still waits is not
/// queued, and a first ring (a new episode) replaces the one that waits. A page that
/// no longer needs the user is not shown late: a withdrawal takes what waits for its
/// target (and still goes out, for an earlier notification on screen). The ring on
/// its way to the screen right now (`in_flight`) is never touched; the policy keeps its
/// memory of dropped rings, since that one may reach the screen.
fn queue(shared: &mut Shared, decision: Decision) -> Option<Decision> {
    let start = usize::from(shared.in_flight);
    let waiting = |outbox: &[Decision], key: &IncidentKey| outbox.iter().any(|d| rings(d, key));
    match decision {
        Decision::Withdraw(target) => {
            let mut index = 0;
            shared.state.outbox.retain(|queued| {
                index += 1;
                index <= start || !shows(queued, &target)
            });
            Some(Decision::Withdraw(target))
        }
        Decision::Notify { incident, reason } => {
            if reason == RingReason::Repeat {
                if waiting(&shared.state.outbox, &incident.key) {
                    return None;
                }
            } else {
                let key = incident.key.clone();
                let mut index = 0;
                shared.state.outbox.retain(|queued| {
                    index += 1;
                    index <= start
                        || !matches!(queued, Decision::Notify { incident, .. } if incident.key == key)
                });
            }
            Some(Decision::Notify { incident, reason })
        }
        Decision::Summarize(mut summary) => {
            let outbox = &shared.state.outbox;
            let repeats_waiting: Vec<IncidentKey> = summary
                .repeats
                .iter()
                .filter(|key| waiting(outbox, key))
                .cloned()
                .collect();
            if !repeats_waiting.is_empty() {
                summary.retain_members(|k| !repeats_waiting.contains(k));
                shared
                    .state
                    .policy
                    .summary_shown_with(summary.id, &summary.incidents);
            }
            (!summary.incidents.is_empty()).then_some(Decision::Summarize(summary))
        }
    }
}

/// Whether `decision` rings for `key`, alone or in a summary.
fn rings(decision: &Decision, key: &IncidentKey) -> bool {
    match decision {
        Decision::Notify { incident, .. } => &incident.key == key,
        Decision::Summarize(summary) => summary.incidents.contains(key),
        Decision::Withdraw(_) => false,
    }
}

/// A ring in `decision` was dropped before it reached the screen: the policy forgets
/// it rang (only `members` of a summary, when given). A dropped repeat leaves the
/// policy's memory alone: the first ring of that episode did reach the screen.
fn forget_ring(
    policy: &mut oncall_policy::PolicyState,
    decision: &Decision,
    members: Option<&[IncidentKey]>,
) {
    match decision {
        Decision::Notify { incident, reason } if *reason != RingReason::Repeat => {
            policy.not_shown(&incident.key, Some(EpisodeKey::of(incident)));
        }
        Decision::Summarize(summary) => {
            for key in members.unwrap_or(&summary.incidents) {
                if !summary.repeats.contains(key) {
                    policy.not_shown(key, None);
                }
            }
        }
        _ => {}
    }
}

/// Whether I acknowledged or resolved `key` (on its way, or confirmed but perhaps not
/// polled yet).
fn handled_by_me(shared: &Shared, key: &IncidentKey) -> bool {
    shared
        .actions
        .pending
        .iter()
        .map(|p| (&p.incident, p.kind))
        .chain(shared.confirmed.iter().map(|(k, kind, _)| (k, *kind)))
        .any(|(k, kind)| k == key && matches!(kind, ActionKind::Acknowledge | ActionKind::Resolve))
}

/// Whether `decision` rings for `key` other than as a repeat, alone or in a summary.
fn rings_first(decision: &Decision, key: &IncidentKey) -> bool {
    match decision {
        Decision::Notify { incident, reason } => {
            &incident.key == key && *reason != RingReason::Repeat
        }
        Decision::Summarize(summary) => {
            summary.incidents.contains(key) && !summary.repeats.contains(key)
        }
        Decision::Withdraw(_) => false,
    }
}

/// Whether `decision` would put `target` on screen.
fn shows(decision: &Decision, target: &NotificationTarget) -> bool {
    match (decision, target) {
        (Decision::Notify { incident, .. }, NotificationTarget::Incident(key)) => {
            &incident.key == key
        }
        (Decision::Summarize(summary), NotificationTarget::Summary(id)) => &summary.id == id,
        _ => false,
    }
}

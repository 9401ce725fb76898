//! The engine's façade: what the host (the tray app, the CLI or a test) calls. It owns
//! the running generation ([`Generation`]: one poller and one action sender per
//! account, the delivery task, the policy state and the action journal) and its tasks,
//! and swaps in a new one on `reconfigure`.
//!
//! Data flow: poller → snapshot → (pending actions applied) → policy → decisions →
//! state saved (with the decisions in its outbox) → notifier. User actions: journal
//! saved → optimistic view → policy (withdrawals) → sender → service → confirmation.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use oncall_model::{
    AccountId, ActionId, ActionKind, Assignee, AssigneeKind, CoverRequest, IncidentDetails,
    IncidentKey, Provider, ScheduleOverride, Status,
};
use oncall_policy::Pause;
use oncall_store::{Config, Dirs};
use tokio::sync::{broadcast, watch, Mutex};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::Clock;
use crate::credentials::Credentials;
use crate::delivery;
use crate::error::EngineError;
use crate::generation::{Generation, Parts};
use crate::history::HistoryEntry;
use crate::launch::{launch, Carried};
use crate::notifier::Notifier;
use crate::view::{EngineEvent, View};

/// Everything the engine needs from its host (the tray app, the CLI or a test).
pub struct EngineOptions {
    pub config: Config,
    /// `state.json` and `actions.json` live in its data directory.
    pub dirs: Dirs,
    pub clock: Arc<dyn Clock>,
    pub credentials: Arc<dyn Credentials>,
    pub notifier: Arc<dyn Notifier>,
}

pub struct Engine {
    /// The running generation: its accounts, tasks and state. `reconfigure` replaces it
    /// whole; the lock is only held to clone the `Arc`, never across an `.await`.
    current: std::sync::RwLock<Arc<Generation>>,
    /// The current generation's tasks. The mutex also makes `reconfigure` and
    /// `shutdown` take turns.
    tracker: Mutex<TaskTracker>,
    /// What outlives a generation: the host's parts and the channels subscribers hold.
    parts: Parts,
    /// Cancelled by `shutdown`; each generation's token is a child of it.
    root: CancellationToken,
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
            away: Arc::default(),
        };
        let root = CancellationToken::new();
        let (generation, tracker) =
            launch(&parts, opts.config, root.child_token(), Carried::default()).await?;
        Ok(Engine {
            current: std::sync::RwLock::new(generation),
            tracker: Mutex::new(tracker),
            parts,
            root,
        })
    }

    /// The running generation.
    fn current(&self) -> Arc<Generation> {
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
        let old = self.current();
        old.cancel.cancel();
        tracker.wait().await;
        delivery::flush(&old).await;
        let carried = Carried::from(&old, &config).await;
        let (generation, new_tracker) =
            launch(&self.parts, config, self.root.child_token(), carried).await?;
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = generation;
        *tracker = new_tracker;
        Ok(())
    }

    /// The last 24 hours of pages and actions, newest first: the window's History tab.
    pub async fn history(&self) -> Vec<HistoryEntry> {
        self.current().history().await
    }

    /// Every history entry from `from` on (at most 30 days back), oldest first: for
    /// the on-call report ([`crate::on_call_log`]) and "what you missed"
    /// ([`crate::away_summary`]).
    pub async fn history_since(&self, from: DateTime<Utc>) -> Vec<HistoryEntry> {
        self.current().history_since(from).await
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
        self.current().act(incidents, kind).await
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

    /// Mutes `service` (its name as the account's incidents show it, ignoring case) of
    /// `account` until `until`: its incidents stay listed, marked muted, and never
    /// page; a notification of one on screen is withdrawn. Saved in `mutes.json`
    /// before this returns (it survives a restart); a mute of the same service is
    /// replaced. At `until` the mute ends by itself, as [`Engine::unmute`] would.
    pub async fn mute(
        &self,
        account: &AccountId,
        service: &str,
        until: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.current().mute(account, service, until).await
    }

    /// Ends the mute of `service` of `account`, if any: an incident of it still
    /// triggered pages now, once (unless it paged before the mute).
    pub async fn unmute(&self, account: &AccountId, service: &str) -> Result<(), EngineError> {
        self.current().unmute(account, service).await
    }

    /// The engine's wall clock: a pause "for N minutes" ends N minutes after this, so
    /// it is counted on the same clock that decides when it is over.
    pub fn now(&self) -> DateTime<Utc> {
        self.parts.clock.now()
    }

    async fn set_pause(&self, pause: Option<Pause>) -> Result<(), EngineError> {
        self.current().set_pause(pause).await?;
        if pause.is_none() {
            self.poll_now();
        }
        Ok(())
    }

    /// The user left the screen (it locked, or the session went idle). When they are
    /// back ([`Engine::user_back`]), one notification sums up what happened meanwhile.
    pub fn user_away(&self) {
        self.current().went_away(self.parts.clock.now(), true);
    }

    /// The user is back: if they were away long enough and anything happened, one
    /// notification says what (pages, handled by others, still open).
    pub async fn user_back(&self) {
        self.current().came_back(true).await;
    }

    /// Puts the user on call in one of the account's schedules (a schedule override;
    /// "take this shift"). Sent at once, not queued: the user waits for the answer and
    /// is told if it failed. The account's shifts are read again right after.
    pub async fn cover(
        &self,
        account: &AccountId,
        request: CoverRequest,
    ) -> Result<ScheduleOverride, EngineError> {
        let provider = self.client_of(account).await?;
        let created = provider.cover(&request).await?;
        let generation = self.current();
        let Some(slot) = generation.slots.get(account) else {
            return Ok(created);
        };
        slot.refresh_on_call
            .store(true, std::sync::atomic::Ordering::Relaxed);
        slot.poll_now.notify_one();
        Ok(created)
    }

    /// The incident's notes, log entries and alerts, asked of its service now (the
    /// window's detail pane): never part of a poll, so a poll's cost stays what it was.
    pub async fn details(&self, incident: &IncidentKey) -> Result<IncidentDetails, EngineError> {
        let provider = self.client_of(&incident.account).await?;
        Ok(provider.details(&incident.id).await?)
    }

    /// The account's users, escalation policies, teams or escalations (`kinds`) whose
    /// name matches `query`: the reassign and escalate pickers.
    pub async fn find_assignees(
        &self,
        account: &AccountId,
        query: &str,
        kinds: &[AssigneeKind],
    ) -> Result<Vec<Assignee>, EngineError> {
        let provider = self.client_of(account).await?;
        Ok(provider.find_assignees(query, kinds).await?)
    }

    /// The account's client, for a question asked at once rather than queued.
    async fn client_of(&self, account: &AccountId) -> Result<Arc<dyn Provider>, EngineError> {
        let generation = self.current();
        let slot = generation
            .slots
            .get(account)
            .ok_or_else(|| EngineError::UnknownAccount(account.clone()))?;
        let (_, provider) = slot
            .client(generation.credentials.as_ref(), generation.clock.clone())
            .await
            .map_err(|e| EngineError::NoClient(e.to_string()))?;
        Ok(provider)
    }

    /// Polls every account now (a refresh button, or the machine woke up).
    pub fn poll_now(&self) {
        for slot in self.current().slots.values() {
            slot.poll_now.notify_one();
        }
    }

    /// The account's token may have changed: rebuild its client and retry at once,
    /// even if the old token was rejected.
    pub fn credential_changed(&self, account: &AccountId) {
        if let Some(slot) = self.current().slots.get(account) {
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
        delivery::flush(&self.current()).await;
    }
}

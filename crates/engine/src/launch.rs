//! Starting one generation of the engine: its files loaded (what a crash left
//! undelivered included), one poller and one action sender per account and the delivery
//! task started, all on one [`TaskTracker`] that the [`Engine`](crate::Engine) owns.

use std::collections::BTreeMap;
use std::sync::Arc;

use oncall_model::{AccountId, Incident};
use oncall_store::Config;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::account::AccountSlot;
use crate::error::EngineError;
use crate::generation::{Generation, Parts};
use crate::noise::Noise;
use crate::persist::{ActionJournal, HistoryStore, StateStore};
use crate::providers;
use crate::shared::Shared;
use crate::view::{AccountView, Connection, EngineEvent};
use crate::{actions, away, delivery, mutes, poller, shifts};

/// What an account keeps across a `reconfigure` that leaves its service and filter
/// unchanged, so the window does not flicker to "connecting" with an empty list.
#[derive(Default)]
pub(crate) struct Carried {
    snapshots: BTreeMap<AccountId, Vec<Incident>>,
    accounts: BTreeMap<AccountId, AccountView>,
}

impl Carried {
    /// What `config`'s accounts keep of the stopped generation `old`.
    pub(crate) async fn from(old: &Generation, config: &Config) -> Carried {
        let mut carried = Carried::default();
        let shared = old.shared.lock().await;
        for account in &config.accounts {
            // Same service, same filter: the last list is still the right one to show
            // until the first poll (a new poll interval or token does not change it).
            // Not with other urgency rules: the list holds the urgencies they gave.
            let same_list = old.slots.get(&account.name).is_some_and(|s| {
                s.config.provider == account.provider
                    && s.config.noise.urgency == account.noise.urgency
            });
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
        carried
    }
}

/// Starts one generation: loads the state, re-delivers anything a crash left
/// undelivered, and starts one poller and one action sender per account.
pub(crate) async fn launch(
    parts: &Parts,
    config: Config,
    cancel: CancellationToken,
    mut carried: Carried,
) -> Result<(Arc<Generation>, TaskTracker), EngineError> {
    let mut warnings = Vec::new();
    let mut state = StateStore::load(parts.dirs.state_file(), &mut warnings)?;
    let actions = ActionJournal::load(parts.dirs.actions_file(), &mut warnings)?;
    let history = HistoryStore::load(
        parts.dirs.history_file(),
        &parts.dirs.legacy_history_file(),
        parts.clock.now(),
        &mut warnings,
    )?;

    // Accounts removed from the config take their memory with them.
    let configured: Vec<AccountId> = config.accounts.iter().map(|a| a.name.clone()).collect();
    let stale: Vec<AccountId> = state
        .policy
        .accounts
        .keys()
        .chain(state.policy.shifts.keys())
        .filter(|a| !configured.contains(a))
        .cloned()
        .collect();
    for account in &stale {
        state.policy.forget_account(account);
    }
    state
        .clients
        .retain(|account, _| configured.contains(account));

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
                rota: Vec::new(),
                shifts_problem: None,
            };
            (a.name.clone(), view)
        })
        .collect();
    let slots = config
        .accounts
        .iter()
        .map(|a| {
            let remembered = state.clients.get(&a.name).cloned();
            (
                a.name.clone(),
                Arc::new(AccountSlot::new(a.clone(), remembered)),
            )
        })
        .collect();
    let rules = config
        .accounts
        .iter()
        .map(|a| (a.name.clone(), a.noise.clone()))
        .collect();
    let running = mutes::load(&parts.dirs, parts.clock.now(), &mut warnings);
    let noise = Noise::new(parts.dirs.clone(), rules, running);
    let shared = Shared::new(state, actions, history, carried.snapshots, accounts, noise);
    let generation = Arc::new(Generation::new(
        parts,
        config.notifications.clone(),
        shared,
        slots,
        cancel,
    ));
    for message in warnings {
        warn!("{message}");
        generation.emit(EngineEvent::Warning { message });
    }
    {
        let shared = generation.shared.lock().await;
        generation.publish_view(&shared);
        if !shared.state.outbox.is_empty() {
            info!(
                count = shared.state.outbox.len(),
                "delivering decisions a previous run left undelivered"
            );
        }
    }

    let tracker = TaskTracker::new();
    tracker.spawn(delivery::run(generation.clone()));
    tracker.spawn(away::run(generation.clone()));
    tracker.spawn(mutes::run(generation.clone()));
    if generation
        .slots
        .values()
        .any(|s| providers::capabilities(&s.config.provider).schedules)
    {
        tracker.spawn(shifts::run(generation.clone()));
    }
    for slot in generation.slots.values() {
        tracker.spawn(poller::run(generation.clone(), slot.clone()));
        tracker.spawn(actions::run(generation.clone(), slot.clone()));
    }
    tracker.close();
    Ok((generation, tracker))
}

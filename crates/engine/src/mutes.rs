//! Muting a service for a while, and keeping the engine's mutes current: the user's
//! mute and unmute (`Engine::mute`/`unmute`, written to `mutes.json` before they take
//! effect), a change the CLI wrote while the app runs (the file is read again on every
//! poll and by the task below), and a mute's end, which re-runs the policy at once so an
//! incident still triggered then pages without waiting for the next poll.
//!
//! Whatever changes the running mutes, every account is judged again on its last
//! snapshot: a muted incident's notification leaves the screen, an unmuted one that
//! still needs the user pages once (the policy's rules for quiet incidents).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_model::AccountId;
use oncall_store::mutes::{self, MuteEntry};
use oncall_store::Loaded;
use tracing::{info, warn};

use crate::error::EngineError;
use crate::generation::Generation;
use crate::shared::Shared;
use crate::view::EngineEvent;

/// Timers stop while the machine sleeps, and the CLI may change the file between
/// polls: the mutes are looked at again at least this often.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// The task that ends mutes on time and notices the CLI's changes between polls.
pub(crate) async fn run(generation: Arc<Generation>) {
    let changed = generation.shared.lock().await.noise.changed.clone();
    loop {
        let next = generation.mutes_tick().await;
        let now = generation.clock.now();
        let wait = next
            .and_then(|at| (at - now).to_std().ok())
            .map_or(MAX_WAIT, |until| until.min(MAX_WAIT));
        tokio::select! {
            biased;
            _ = generation.cancel.cancelled() => return,
            _ = changed.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

impl Generation {
    /// Mutes `service` of `account` until `until`: on disk first, then its incidents
    /// are quiet (their notifications withdrawn).
    pub(crate) async fn mute(
        &self,
        account: &AccountId,
        service: &str,
        until: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.known(account)?;
        let service = service.trim();
        if service.is_empty() {
            return Err(EngineError::Unsupported(
                "name the service to mute, as its incidents show it".into(),
            ));
        }
        let now = self.clock.now();
        let mut shared = self.shared.lock().await;
        let written = mutes::mute(&shared.noise.dirs, account, service, until, now)?;
        info!(%account, service, %until, "service muted");
        self.mutes_now(&mut shared, written);
        Ok(())
    }

    /// Ends the mute of `service` of `account`: its incidents that still need the user
    /// page now, once.
    pub(crate) async fn unmute(
        &self,
        account: &AccountId,
        service: &str,
    ) -> Result<(), EngineError> {
        self.known(account)?;
        let now = self.clock.now();
        let mut shared = self.shared.lock().await;
        let written = mutes::unmute(&shared.noise.dirs, account, service.trim(), now)?;
        info!(%account, service, "service unmuted");
        self.mutes_now(&mut shared, written);
        Ok(())
    }

    fn known(&self, account: &AccountId) -> Result<(), EngineError> {
        if self.slots.contains_key(account) {
            Ok(())
        } else {
            Err(EngineError::UnknownAccount(account.clone()))
        }
    }

    /// Reads `mutes.json` again and, if the running mutes changed (the CLI wrote it, or
    /// one ended), judges every account again. Returns when the next mute ends.
    pub(crate) async fn mutes_tick(&self) -> Option<DateTime<Utc>> {
        let mut shared = self.shared.lock().await;
        if let Some(read) = self.read_mutes(&shared) {
            self.mutes_now(&mut shared, read);
        }
        shared.noise.next_end(self.clock.now())
    }

    /// On a poll: the file read again, every account but `polled` judged again if the
    /// mutes changed (the poll judges `polled` itself). Returns their decisions.
    pub(crate) fn mutes_on_poll(
        &self,
        shared: &mut Shared,
        polled: &AccountId,
    ) -> Vec<oncall_policy::Decision> {
        let Some(read) = self.read_mutes(shared) else {
            return Vec::new();
        };
        self.report(read.warning);
        if !shared.noise.set_mutes(read.value) {
            return Vec::new();
        }
        let others: Vec<AccountId> = self
            .slots
            .keys()
            .filter(|a| *a != polled)
            .cloned()
            .collect();
        self.judge(shared, &others)
    }

    /// `mutes.json` as it is now, or `None` when it cannot be read (said in the log;
    /// the mutes last read stay in force rather than paging everything at once).
    fn read_mutes(&self, shared: &Shared) -> Option<Loaded<Vec<MuteEntry>>> {
        match mutes::read(&shared.noise.dirs, self.clock.now()) {
            Ok(read) => Some(read),
            Err(e) => {
                warn!("could not read the muted services: {e}");
                None
            }
        }
    }

    /// The running mutes are now `mutes`: if that changes anything, every account is
    /// judged again, saved, shown and delivered.
    fn mutes_now(&self, shared: &mut Shared, mutes: Loaded<Vec<MuteEntry>>) {
        self.report(mutes.warning);
        if !shared.noise.set_mutes(mutes.value) {
            return;
        }
        let accounts: Vec<AccountId> = self.slots.keys().cloned().collect();
        let decisions = self.judge(shared, &accounts);
        self.save_state(shared);
        self.publish_view(shared);
        if !decisions.is_empty() {
            self.delivery_wake.notify_one();
        }
    }

    /// The policy over each of `accounts`' last snapshot: what a mute now hides leaves
    /// the screen at once. What a mute's end lets ring rings from a fresh list, so each
    /// account is polled now (a poll waiting out an outage's back-off stays waiting).
    fn judge(&self, shared: &mut Shared, accounts: &[AccountId]) -> Vec<oncall_policy::Decision> {
        let now = self.now();
        let mut decisions = Vec::new();
        for account in accounts {
            let Some(slot) = self.slots.get(account) else {
                continue;
            };
            decisions.extend(shared.reevaluate(
                account,
                &self.settings,
                slot.config.notify,
                false,
                now,
            ));
            slot.poll_now.notify_one();
        }
        decisions
    }

    /// A corrupt `mutes.json` moved aside: told like the other files.
    fn report(&self, warning: Option<String>) {
        if let Some(message) = warning {
            self.emit(EngineEvent::Warning { message });
        }
    }
}

/// The mutes in force at the start of a generation, with the warning if the file had
/// to be moved aside. An unreadable file (not a corrupt one) starts with none, and
/// says so, rather than stopping the engine: pages matter more than a mute.
pub(crate) fn load(
    dirs: &oncall_store::Dirs,
    now: DateTime<Utc>,
    warnings: &mut Vec<String>,
) -> Vec<MuteEntry> {
    match mutes::read(dirs, now) {
        Ok(Loaded { value, warning }) => {
            warnings.extend(warning);
            value
        }
        Err(e) => {
            warnings.push(format!(
                "the muted services could not be read ({e}): none are muted"
            ));
            Vec::new()
        }
    }
}

//! "While you were away": when the user comes back to the laptop (it woke from sleep,
//! or the shell says the screen unlocked), one notification sums up what happened:
//! how many incidents paged, how many someone else acknowledged or resolved, how many
//! of those that paged are still open. The History tab has the details.
//!
//! The shell reports the screen locking and unlocking (`Engine::user_away`/`user_back`);
//! a sleep the engine notices itself, as the wall clock running ahead of the monotonic
//! one, and it waits [`SETTLE`] after the wake so the word counts what the polls after
//! it found. An absence shorter than `away_summary_minutes` (10 by default) is not
//! worth a word: the user saw the screen a moment ago.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_model::Status;
use oncall_policy::AwayNotice;
use tokio::time::Instant;
use tracing::info;

use crate::clock::WakeDetector;
use crate::generation::Generation;
use crate::history::away_summary;
use crate::shared::Shared;

/// The user's absence, as far as the engine knows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Away {
    pub since: DateTime<Utc>,
    /// The shell said the screen locked: only its unlock ends the absence (a laptop
    /// wakes to a locked screen).
    pub screen_locked: bool,
}

/// After a wake, how long the polls get to page what happened during the sleep
/// before the summary is made.
const SETTLE: Duration = Duration::from_secs(90);
/// How often the wall clock is compared with the monotonic one.
const CHECK: Duration = Duration::from_secs(5);

pub(crate) async fn run(generation: Arc<Generation>) {
    let clock = generation.clock.clone();
    let mut wake = WakeDetector::new(clock.as_ref());
    let mut last_seen = clock.now();
    let mut summary_at: Option<Instant> = None;
    let mut check = tokio::time::interval(CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = generation.cancel.cancelled() => return,
            _ = check.tick() => {}
        }
        if wake.woke(clock.as_ref()) {
            info!(since = %last_seen, "the machine slept");
            generation.went_away(last_seen, false);
            summary_at = Some(Instant::now() + SETTLE);
        }
        last_seen = clock.now();
        if summary_at.is_some_and(|at| Instant::now() >= at) {
            summary_at = None;
            generation.came_back(false).await;
        }
    }
}

/// The notice for an absence from `from` to `to`; `None` when nothing happened.
pub(crate) fn notice(
    shared: &Shared,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<AwayNotice> {
    let entries = shared.history.since(from);
    let summary = away_summary(&entries, from, to);
    if summary.paged.is_empty() && summary.handled_by_others.is_empty() {
        return None;
    }
    let still_open = summary
        .paged
        .iter()
        .filter(|key| {
            shared
                .snapshots
                .get(&key.account)
                .and_then(|incidents| incidents.iter().find(|i| &i.key == *key))
                .is_some_and(|i| i.status != Status::Resolved)
        })
        .count();
    Some(AwayNotice {
        from,
        to,
        paged: summary.paged.len(),
        handled_by_others: summary.handled_by_others.len(),
        still_open,
    })
}

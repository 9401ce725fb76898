//! The one task that puts decisions on screen. It takes the outbox (in `state.json`) in
//! order, hands each decision to the notifier, and drops it from the outbox only once
//! the notifier says it was shown. A failure keeps it, and everything queued after it,
//! for a retry with backoff, or at once when the notification server (re)appears: a
//! page is on screen, or still in the outbox.
//!
//! One task, so decisions reach the screen in the order they were made (a withdrawal
//! never overtakes the page it withdraws), and so a wedged notification server delays
//! pages without stalling polls or actions.

use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use crate::backoff::Backoff;
use crate::generation::Generation;
use crate::view::Delivery;

/// The longest a retry waits: a page held by a missing notification server is at most
/// this late once the server is back, even if its appearance went unnoticed.
pub(crate) const RETRY_CAP: Duration = Duration::from_secs(30);
/// How long one notifier call may take before it counts as failed. Notifiers time out
/// their own calls; this guards the engine against one that does not.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn run(generation: Arc<Generation>) {
    let mut backoff = Backoff::new(RETRY_CAP);
    let mut server = generation.notifier.server_changes();
    // Since when deliveries fail, if they do.
    let mut failing_since = None;
    // Whether the outbox holds decisions that waited for a failed delivery: those are
    // brought up to date before they show. At first, whether the start found any there
    // (see `Generation::delivery_held`).
    let mut held = generation
        .delivery_held
        .load(std::sync::atomic::Ordering::Relaxed);
    loop {
        let result = deliver_all(&generation, held, false).await;
        // A pass cut short by a stop (it ends at once, without an error) says nothing
        // about the screen: what waited still has, and the stop's `flush` brings it up
        // to date before it shows.
        held = result.is_err() || (held && generation.cancel.is_cancelled());
        generation
            .delivery_held
            .store(held, std::sync::atomic::Ordering::Relaxed);
        match result {
            Ok(()) => {
                backoff.reset();
                if failing_since.take().is_some() {
                    info!("notifications reach the desktop again");
                    generation.set_delivery(Delivery::Ok).await;
                }
                tokio::select! {
                    biased;
                    _ = generation.cancel.cancelled() => return,
                    _ = generation.delivery_wake.notified() => {}
                }
            }
            Err(reason) => {
                let since = *failing_since.get_or_insert_with(|| {
                    warn!("notifications are not reaching the desktop: {reason}");
                    generation.clock.now()
                });
                generation
                    .set_delivery(Delivery::Failing { since, reason })
                    .await;
                let wait = backoff.next_delay();
                tokio::select! {
                    biased;
                    _ = generation.cancel.cancelled() => return,
                    // A server appeared: try again now rather than at the end of the wait.
                    _ = server_changed(&mut server) => {}
                    _ = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
}

async fn server_changed(server: &mut Option<tokio::sync::watch::Receiver<u64>>) {
    match server {
        Some(rx) => {
            if rx.changed().await.is_err() {
                // The notifier stopped watching: fall back to the backoff alone.
                *server = None;
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

/// The last pass of a stopping generation, once its other tasks have ended: what a poll
/// or an answer decided while the engine was stopping is shown now, not by the next
/// start (which may be much later). Failures stay in the outbox for it.
pub(crate) async fn flush(generation: &Generation) {
    // Still failing when the engine stopped: what waits is brought up to date first.
    let held = generation
        .delivery_held
        .load(std::sync::atomic::Ordering::Relaxed);
    if let Err(reason) = deliver_all(generation, held, true).await {
        warn!("pages decided while stopping wait for the next start: {reason}");
    }
}

/// Delivers the outbox, then the queued notices, front to back; stops at the first
/// failure. A stop of the engine lets the call in flight finish (it is bounded by
/// [`CALL_TIMEOUT`]): cut short, it could be on screen and still in the outbox.
async fn deliver_all(generation: &Generation, held: bool, stopping: bool) -> Result<(), String> {
    loop {
        if generation.cancel.is_cancelled() && !stopping {
            return Ok(());
        }
        let Some(decision) = generation.next_decision(held).await else {
            break;
        };
        let failed =
            match tokio::time::timeout(CALL_TIMEOUT, generation.notifier.apply(&decision)).await {
                Ok(Ok(())) => {
                    generation.delivered(&decision).await;
                    continue;
                }
                Ok(Err(e)) => e,
                Err(_) => "the notification service did not answer".to_string(),
            };
        generation.not_delivered().await;
        return Err(failed);
    }
    loop {
        if generation.cancel.is_cancelled() && !stopping {
            return Ok(());
        }
        let Some(notice) = generation.next_notice() else {
            return Ok(());
        };
        match tokio::time::timeout(CALL_TIMEOUT, generation.notifier.notice(&notice)).await {
            Ok(Ok(())) => generation.notice_delivered(&notice),
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err("the notification service did not answer".into()),
        }
    }
}

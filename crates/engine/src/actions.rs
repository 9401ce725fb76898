//! One task per account sends the user's queued actions: batched by kind, retried
//! with backoff on transient failures and on a rejected token (after it changes),
//! dropped only when the service confirms or refuses for good.

use std::sync::Arc;
use std::time::Duration;

use oncall_model::ProviderError;
use tokio::time::{sleep_until, Instant};
use tracing::warn;

use crate::backoff::Backoff;
use crate::engine::{AccountSlot, Inner};

pub(crate) async fn run(inner: Arc<Inner>, slot: Arc<AccountSlot>) {
    let account = slot.config.name.clone();
    let mut backoff = Backoff::new(slot.config.poll_interval.max(Duration::from_secs(2)));
    let mut credential = slot.credential_gen.subscribe();
    // Actions left by a previous run are due at once.
    let mut retry_at = Some(Instant::now());
    let mut waiting_for_token = false;

    loop {
        tokio::select! {
            biased;
            _ = inner.cancel.cancelled() => return,
            changed = credential.changed() => {
                if changed.is_err() { return; }
                waiting_for_token = false;
                backoff.reset();
            }
            _ = slot.send_now.notified() => {}
            _ = sleep_until(retry_at.unwrap_or_else(Instant::now)), if retry_at.is_some() && !waiting_for_token => {}
        }
        retry_at = None;
        if waiting_for_token {
            continue;
        }

        let mut sent_any = false;
        for (kind, actions) in inner.due_actions(&account).await {
            let provider = match slot.provider(&inner).await {
                Ok(p) => p,
                Err(connection) => {
                    warn!(%account, "actions wait: {}", connection.describe());
                    waiting_for_token = true;
                    break;
                }
            };
            let ids: Vec<String> = actions.iter().map(|a| a.incident.id.clone()).collect();
            let results = tokio::select! {
                _ = inner.cancel.cancelled() => return,
                r = provider.act(kind, &ids) => r,
            };
            sent_any = true;
            match inner.finish_actions(&account, &actions, results).await {
                None => backoff.reset(),
                Some(ProviderError::Unauthorized { .. }) => {
                    waiting_for_token = true;
                    break;
                }
                Some(ProviderError::RateLimited {
                    retry_after: Some(wait),
                }) => {
                    retry_at = Some(Instant::now() + wait);
                    break;
                }
                Some(e) => {
                    let wait = backoff.next_delay();
                    warn!(%account, wait_s = wait.as_secs_f64(), "actions will be retried: {e}");
                    retry_at = Some(Instant::now() + wait);
                    break;
                }
            }
        }
        if sent_any {
            // The user expects the list to show the service's word now, not in 15 s.
            slot.poll_now.notify_one();
        }
    }
}

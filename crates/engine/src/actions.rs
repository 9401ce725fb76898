//! One task per account sends the user's queued actions: batched by kind, retried
//! with backoff on transient failures, and on a token that could not be had or was
//! refused as soon as it works again (or changes); dropped only when the service
//! confirms or refuses for good.

use std::sync::Arc;
use std::time::Duration;

use oncall_model::ProviderError;
use tokio::time::{sleep_until, Instant};
use tracing::{debug, warn};

use crate::account::AccountSlot;
use crate::backoff::Backoff;
use crate::generation::Generation;

/// How long a quit waits for an action already sent to be answered.
const QUIT_GRACE: Duration = Duration::from_secs(3);

pub(crate) async fn run(generation: Arc<Generation>, slot: Arc<AccountSlot>) {
    let account = slot.config.name.clone();
    let mut backoff = Backoff::new(slot.config.poll_interval.max(Duration::from_secs(2)));
    // Actions left by a previous run are due at once.
    let mut retry_at = Some(Instant::now());
    // The credential generation whose token could not be had or was refused: nothing
    // is sent with it until it works again (`token_works`: the poller got it, or the
    // service accepted it on a re-check) or the token changes. Not a watch of
    // `credential_gen`: `AccountSlot::credential_changed` wakes this task through
    // `send_now`, after the poller, in that order every time.
    let mut refused: Option<u64> = None;
    let mut token_works = slot.token_works.subscribe();

    loop {
        let waiting_for_token = refused == Some(*slot.credential_gen.borrow());
        tokio::select! {
            biased;
            _ = generation.cancel.cancelled() => return,
            _ = slot.send_now.notified() => {}
            works = token_works.changed(), if refused.is_some() => {
                if works.is_err() { return; }
                debug!(%account, "the token works again: sending the queued actions");
                refused = None;
                backoff.reset();
            }
            _ = sleep_until(retry_at.unwrap_or_else(Instant::now)), if retry_at.is_some() && !waiting_for_token => {}
        }
        retry_at = None;
        if refused.is_some() {
            if refused == Some(*slot.credential_gen.borrow()) {
                continue;
            }
            refused = None;
            backoff.reset();
        }

        let mut sent_any = false;
        for (kind, actions) in generation.due_actions(&account).await {
            // What worked before this attempt is old news; what works after it wakes us.
            token_works.borrow_and_update();
            // Nothing is on the wire yet: a quit stops here, the actions stay on disk.
            let client = tokio::select! {
                biased;
                _ = generation.cancel.cancelled() => return,
                client = slot.client(generation.credentials.as_ref(), generation.clock.clone()) => client,
            };
            let (gen, provider) = match client {
                Ok(client) => client,
                Err(e) => {
                    warn!(%account, "actions wait for a token: {e}");
                    refused = Some(*slot.credential_gen.borrow());
                    break;
                }
            };
            // Built just now by this call, which says nothing about the answer to come.
            token_works.borrow_and_update();
            let ids: Vec<String> = actions.iter().map(|a| a.incident.id.clone()).collect();
            let request = provider.act(&kind, &ids);
            tokio::pin!(request);
            let results = tokio::select! {
                // An answer that arrives with a quit is still recorded: dropping it would
                // send the action again on the next start.
                biased;
                r = &mut request => r,
                _ = generation.cancel.cancelled() => {
                    // Quitting (or reconfiguring) while the action is on the wire: the
                    // service may already have done it, so its answer is awaited
                    // briefly and recorded, rather than abandoned and sent again by
                    // the next start. Past the grace, at-least-once is all that is left.
                    if let Ok(results) = tokio::time::timeout(QUIT_GRACE, request).await {
                        generation.finish_actions(&account, &actions, results, provider.as_ref()).await;
                    }
                    return;
                }
            };
            sent_any = true;
            slot.hand_over(&provider).await;
            match generation
                .finish_actions(&account, &actions, results, provider.as_ref())
                .await
            {
                None => backoff.reset(),
                Some(ProviderError::Unauthorized { .. }) => {
                    // Refused with this generation's token: a newer one is tried at once.
                    refused = Some(gen);
                    if gen != *slot.credential_gen.borrow() {
                        retry_at = Some(Instant::now());
                    }
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

//! One task per account: poll at once, then every `poll_interval`; at once after a
//! user action, a wake from sleep or a new token; back off on failure; stop polling
//! on a rejected token until it changes.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_model::ProviderError;
use tokio::time::{sleep_until, Instant};
use tracing::{debug, info, warn};

use crate::backoff::Backoff;
use crate::clock::WakeDetector;
use crate::engine::{AccountSlot, Inner};
use crate::notifier::Notice;
use crate::view::Connection;

/// How often to compare the wall clock with the monotonic one to notice a wake.
const WAKE_CHECK: Duration = Duration::from_secs(5);
/// While a token is rejected or missing, how often to look for a new one in the
/// keychain, so that `oncall-tray token set` heals a running app. Accounts with a
/// `token_command` are not re-asked: the command may prompt (a password manager).
const TOKEN_RECHECK: Duration = Duration::from_secs(30);
/// On-call shifts change rarely; this keeps `GET /oncalls` off the request budget.
const ON_CALL_REFRESH: Duration = Duration::from_secs(600);

pub(crate) async fn run(inner: Arc<Inner>, slot: Arc<AccountSlot>) {
    let account = slot.config.name.clone();
    let interval = slot.config.poll_interval;
    let mut backoff = Backoff::new(interval);
    let mut wake = WakeDetector::new(inner.clock.as_ref());
    let mut credential = slot.credential_gen.subscribe();
    let mut next_poll = Instant::now();
    // Polls may not be hurried before this (the service said how long to wait).
    let mut not_before = Instant::now();
    // Set when the token was refused or the account cannot start: wait for a new token.
    let mut stuck = false;
    let mut next_on_call = Instant::now();
    let mut token_recheck = tokio::time::interval(TOKEN_RECHECK);
    token_recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let recheck_tokens = slot.config.token_command.is_none();
    let mut wake_check = tokio::time::interval(WAKE_CHECK);
    wake_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        tokio::select! {
            biased;
            _ = inner.cancel.cancelled() => return,
            changed = credential.changed() => {
                if changed.is_err() { return; }
                info!(%account, "token changed, polling again");
                stuck = false;
                backoff.reset();
                not_before = Instant::now();
                next_poll = Instant::now();
                continue;
            }
            _ = token_recheck.tick(), if stuck && recheck_tokens => {
                if slot.token_replaced(&inner).await {
                    info!(%account, "a new token was stored");
                    slot.credential_changed();
                }
                continue;
            }
            _ = slot.poll_now.notified(), if !stuck => {
                next_poll = not_before.max(Instant::now());
                if next_poll > Instant::now() { continue; }
            }
            _ = wake_check.tick() => {
                if wake.woke(inner.clock.as_ref()) && !stuck {
                    info!(%account, "the machine woke up, polling now");
                    next_poll = not_before.max(Instant::now());
                }
                if stuck || Instant::now() < next_poll { continue; }
            }
            _ = sleep_until(next_poll), if !stuck => {}
        }

        let provider = match slot.provider(&inner).await {
            Ok(p) => p,
            Err(connection) => {
                warn!(%account, "{}", connection.describe());
                inner.set_connection(&account, connection, None).await;
                stuck = true;
                continue;
            }
        };
        let gen = inner.begin_poll(&account).await;
        let result = tokio::select! {
            // Fixed order: a quit that coincides with an answer stops, the same way on
            // every run (tokio's default picks a branch at random).
            biased;
            _ = inner.cancel.cancelled() => return,
            r = provider.open_incidents() => r,
        };
        let wait = match result {
            Ok(fetch) => {
                debug!(%account, open = fetch.incidents.len(), requests = fetch.requests, "polled");
                backoff.reset();
                inner
                    .on_snapshot(&account, fetch.incidents, gen, fetch.requests)
                    .await;
                interval
            }
            Err(ProviderError::Unauthorized { message, .. }) => {
                warn!(%account, "token rejected: {message}");
                let connection = Connection::AuthFailed {
                    reason: message.clone(),
                };
                inner.set_connection(&account, connection, None).await;
                inner.record_token_rejected(&account, &message).await;
                inner
                    .notice(Notice::TokenRejected {
                        account: account.clone(),
                        provider: slot.config.provider.kind(),
                        reason: message,
                    })
                    .await;
                stuck = true;
                continue;
            }
            Err(ProviderError::RateLimited { retry_after }) => {
                let wait = retry_after
                    .unwrap_or_else(|| backoff.next_delay())
                    .max(interval.min(Duration::from_secs(2)));
                warn!(%account, wait_s = wait.as_secs_f64(), "rate limited");
                not_before = Instant::now() + wait;
                let retry_at = at(&inner, wait);
                inner
                    .set_connection(
                        &account,
                        Connection::RateLimited { retry_at },
                        Some(retry_at),
                    )
                    .await;
                next_poll = not_before;
                continue;
            }
            Err(e) => {
                let wait = backoff.next_delay();
                warn!(%account, wait_s = wait.as_secs_f64(), "poll failed: {e}");
                let retry_at = at(&inner, wait);
                let connection = Connection::Offline {
                    reason: short_reason(&e),
                    retry_at,
                };
                inner
                    .set_connection(&account, connection, Some(retry_at))
                    .await;
                next_poll = Instant::now() + wait;
                continue;
            }
        };
        next_poll = Instant::now() + wait;
        inner.set_next_poll(&account, Some(at(&inner, wait))).await;

        if Instant::now() >= next_on_call {
            next_on_call = Instant::now() + ON_CALL_REFRESH;
            match provider.on_calls().await {
                Ok(shifts) => inner.set_on_call(&account, shifts).await,
                Err(e) => debug!(%account, "on-call lookup failed: {e}"),
            }
        }
    }
}

fn at(inner: &Inner, wait: Duration) -> DateTime<Utc> {
    inner.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default()
}

/// The status line's reason, shorter than the full error.
fn short_reason(e: &ProviderError) -> String {
    match e {
        ProviderError::Unavailable { message } => message.clone(),
        ProviderError::Malformed { .. } => "the service's answer could not be read".into(),
        other => other.to_string(),
    }
}

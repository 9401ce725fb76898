//! One task per account: poll at once, then every `poll_interval`; at once after a
//! user action, a wake from sleep or a new token; back off on failure. Token trouble
//! heals by itself where it can: a token that cannot be had (a password manager still
//! locked at login) is asked for again with backoff, a refused token is tried again
//! every [`AUTH_RECHECK`]; only what needs the user (no token stored, a bad URL) waits
//! for a new token.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_model::{AccountId, Provider, ProviderError};
use tokio::time::{sleep_until, Instant};
use tracing::{debug, info, warn};

use crate::account::AccountSlot;
use crate::backoff::{Backoff, AUTH_RECHECK};
use crate::clock::WakeDetector;
use crate::credentials::NoClient;
use crate::generation::Generation;
use crate::notifier::Notice;
use crate::providers;
use crate::view::Connection;

/// How often to compare the wall clock with the monotonic one to notice a wake.
const WAKE_CHECK: Duration = Duration::from_secs(5);
/// While a token is rejected or missing, how often to look for a new one in the
/// keychain, so that `oncall-tray token set` heals a running app. Accounts with a
/// `token_command` are not re-asked: the command may prompt (a password manager).
const TOKEN_RECHECK: Duration = Duration::from_secs(30);
/// On-call shifts change rarely; this keeps `GET /oncalls` off the request budget.
const ON_CALL_REFRESH: Duration = Duration::from_secs(600);

/// Why the account is not polled on its normal schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trouble {
    None,
    /// The token could not be had: asked for again with backoff, and at once on a wake
    /// or a refresh.
    NoToken,
    /// The service refused the token: tried again every [`AUTH_RECHECK`], and on a wake.
    Rejected,
    /// Nothing to retry until the user acts (no token stored, a bad URL): waits for a
    /// new token.
    Stuck,
}

pub(crate) async fn run(generation: Arc<Generation>, slot: Arc<AccountSlot>) {
    let account = slot.config.name.clone();
    let interval = slot.config.poll_interval;
    let mut backoff = Backoff::new(interval);
    let mut token_backoff = Backoff::credentials();
    let mut wake = WakeDetector::new(generation.clock.as_ref());
    let mut credential = slot.credential_gen.subscribe();
    let mut next_poll = Instant::now();
    // Polls may not be hurried before this (the service said how long to wait).
    let mut not_before = Instant::now();
    let mut trouble = Trouble::None;
    let mut next_on_call = Instant::now();
    let has_schedules = providers::capabilities(&slot.config.provider).schedules;
    let mut token_recheck = tokio::time::interval(TOKEN_RECHECK);
    token_recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let recheck_tokens = slot.config.token_command.is_none();
    let mut wake_check = tokio::time::interval(WAKE_CHECK);
    wake_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        tokio::select! {
            biased;
            _ = generation.cancel.cancelled() => return,
            changed = credential.changed() => {
                if changed.is_err() { return; }
                info!(%account, "token changed, polling again");
                // A new token's trouble is news: it gets its own notice.
                trouble = Trouble::None;
                backoff.reset();
                token_backoff.reset();
                not_before = Instant::now();
                next_poll = Instant::now();
                continue;
            }
            _ = token_recheck.tick(),
                if matches!(trouble, Trouble::Stuck | Trouble::Rejected) && recheck_tokens =>
            {
                if slot.token_replaced(generation.credentials.as_ref()).await {
                    info!(%account, "a new token was stored");
                    slot.credential_changed();
                }
                continue;
            }
            // A refused token is not tried again on every press: only on its schedule.
            _ = slot.poll_now.notified(), if matches!(trouble, Trouble::None | Trouble::NoToken) => {
                next_poll = not_before.max(Instant::now());
                if next_poll > Instant::now() { continue; }
            }
            _ = wake_check.tick() => {
                if wake.woke(generation.clock.as_ref()) && trouble != Trouble::Stuck {
                    info!(%account, "the machine woke up, polling now");
                    next_poll = not_before.max(Instant::now());
                    // Shifts may have changed hands while it slept.
                    next_on_call = Instant::now();
                }
                if trouble == Trouble::Stuck || Instant::now() < next_poll { continue; }
            }
            _ = sleep_until(next_poll), if trouble != Trouble::Stuck => {}
        }

        // A token command may wait a minute for a prompt; a quit does not (dropping it
        // kills the command).
        let client = tokio::select! {
            biased;
            _ = generation.cancel.cancelled() => return,
            client = slot.client(generation.credentials.as_ref(), generation.clock.clone()) => client,
        };
        let provider = match client {
            Ok((_, provider)) => provider,
            Err(NoClient::Credentials(e)) if e.is_transient() => {
                let wait = token_backoff.next_delay();
                warn!(%account, wait_s = wait.as_secs_f64(), "cannot get the token, retrying: {e}");
                let retry_at = at(&generation, wait);
                let connection = Connection::TokenUnavailable {
                    reason: e.to_string(),
                    retry_at,
                };
                generation
                    .set_connection(&account, connection, Some(retry_at))
                    .await;
                if trouble != Trouble::NoToken {
                    generation
                        .notice(Notice::CredentialFailed {
                            account: account.clone(),
                            reason: e.cause(),
                        })
                        .await;
                }
                trouble = Trouble::NoToken;
                next_poll = Instant::now() + wait;
                continue;
            }
            Err(e) => {
                let connection = Connection::Misconfigured {
                    reason: e.to_string(),
                };
                warn!(%account, "{}", connection.describe());
                generation.set_connection(&account, connection, None).await;
                trouble = Trouble::Stuck;
                continue;
            }
        };
        if trouble == Trouble::NoToken {
            // Building the client told the action sender already (`token_works`).
            info!(%account, "got the token, polling again");
            trouble = Trouble::None;
            token_backoff.reset();
        }
        let gen = generation.begin_poll(&account).await;
        let result = tokio::select! {
            // Fixed order: a quit that coincides with an answer stops, the same way on
            // every run (tokio's default picks a branch at random).
            biased;
            _ = generation.cancel.cancelled() => return,
            r = provider.open_incidents() => r,
        };
        let wait = match result {
            Ok(fetch) => {
                debug!(%account, open = fetch.incidents.len(), requests = fetch.requests, "polled");
                backoff.reset();
                if trouble == Trouble::Rejected {
                    info!(%account, "the token is accepted again");
                    trouble = Trouble::None;
                }
                // The service took this token just now: actions it refused (a blip, a
                // re-check that heals) go now, at most once a poll.
                slot.token_works.send_modify(|n| *n += 1);
                generation
                    .on_snapshot(
                        &account,
                        fetch.incidents,
                        gen,
                        fetch.requests,
                        provider.as_ref(),
                    )
                    .await;
                interval
            }
            Err(ProviderError::Unauthorized { message, .. }) => {
                let retry_at = at(&generation, AUTH_RECHECK);
                let connection = Connection::AuthFailed {
                    reason: message.clone(),
                };
                generation
                    .set_connection(&account, connection, Some(retry_at))
                    .await;
                if trouble == Trouble::Rejected {
                    debug!(%account, "token still rejected: {message}");
                } else {
                    warn!(%account, "token rejected: {message}");
                    generation.record_token_rejected(&account, &message).await;
                    generation
                        .notice(Notice::TokenRejected {
                            account: account.clone(),
                            provider: slot.config.provider.kind(),
                            reason: message,
                        })
                        .await;
                }
                trouble = Trouble::Rejected;
                next_poll = Instant::now() + AUTH_RECHECK;
                continue;
            }
            Err(ProviderError::RateLimited { retry_after }) => {
                let wait = retry_after
                    .unwrap_or_else(|| backoff.next_delay())
                    .max(interval.min(Duration::from_secs(2)));
                let wait = slow_while_rejected(trouble, wait);
                warn!(%account, wait_s = wait.as_secs_f64(), "rate limited");
                not_before = Instant::now() + wait;
                let retry_at = at(&generation, wait);
                generation
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
                let wait = slow_while_rejected(trouble, backoff.next_delay());
                warn!(%account, wait_s = wait.as_secs_f64(), "poll failed: {e}");
                let retry_at = at(&generation, wait);
                let connection = Connection::Offline {
                    reason: short_reason(&e),
                    retry_at,
                };
                generation
                    .set_connection(&account, connection, Some(retry_at))
                    .await;
                next_poll = Instant::now() + wait;
                continue;
            }
        };
        next_poll = Instant::now() + wait;
        generation
            .set_next_poll(&account, Some(at(&generation, wait)))
            .await;

        let refresh_asked = slot
            .refresh_on_call
            .swap(false, std::sync::atomic::Ordering::Relaxed);
        if has_schedules && (refresh_asked || Instant::now() >= next_on_call) {
            next_on_call = Instant::now() + ON_CALL_REFRESH;
            refresh_on_call(&generation, &account, provider.as_ref()).await;
        }
    }
}

/// Reads the user's shifts and who is on call. A refusal (the key may not read
/// schedules) is shown in the window; other failures keep what was read last and are
/// retried at the next refresh.
async fn refresh_on_call(generation: &Generation, account: &AccountId, provider: &dyn Provider) {
    match provider.on_calls().await {
        Ok(shifts) => generation.set_on_call(account, shifts).await,
        Err(e @ (ProviderError::Unauthorized { .. } | ProviderError::Rejected { .. })) => {
            warn!(%account, "cannot read on-call shifts: {e}");
            generation.set_rota(account, Err(shifts_problem(&e))).await;
            return;
        }
        Err(e) => {
            debug!(%account, "on-call lookup failed: {e}");
            return;
        }
    }
    match provider.rota().await {
        Ok(rota) => generation.set_rota(account, Ok(rota)).await,
        Err(e @ (ProviderError::Unauthorized { .. } | ProviderError::Rejected { .. })) => {
            warn!(%account, "cannot read who is on call: {e}");
            generation.set_rota(account, Err(shifts_problem(&e))).await;
        }
        Err(e) => debug!(%account, "who-is-on-call lookup failed: {e}"),
    }
}

/// Why shifts cannot be read, for the window; the account's pages are not affected.
fn shifts_problem(error: &ProviderError) -> String {
    // The service's (or the client's) own words say what to fix; "refused (400)" adds
    // nothing, and is wrong where nothing was sent (no Opsgenie user configured).
    let why = match error {
        ProviderError::Rejected { message, .. } | ProviderError::Unauthorized { message, .. } => {
            message.clone()
        }
        other => other.to_string(),
    };
    format!("No shift reminders or rota for this account: {why}. Incidents still page as usual.")
}

/// A re-check of a refused token that fails otherwise (the network, the service) is not
/// retried sooner than the next re-check: the token is still the one refused.
fn slow_while_rejected(trouble: Trouble, wait: Duration) -> Duration {
    if trouble == Trouble::Rejected {
        wait.max(AUTH_RECHECK)
    } else {
        wait
    }
}

fn at(generation: &Generation, wait: Duration) -> DateTime<Utc> {
    generation.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default()
}

/// The status line's reason, shorter than the full error.
fn short_reason(e: &ProviderError) -> String {
    match e {
        ProviderError::Unavailable { message } => message.clone(),
        ProviderError::Malformed { .. } => "the service's answer could not be read".into(),
        other => other.to_string(),
    }
}

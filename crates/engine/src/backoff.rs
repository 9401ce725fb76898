//! How long to wait after a failure. Exponential with jitter (backon's builder), capped:
//! a failed poll at the account's poll interval (retrying never polls faster than
//! normal, and once the service is back a page is at most one interval late); a token
//! that cannot be had at [`CREDENTIAL_RETRY_MAX`], starting at [`CREDENTIAL_RETRY_MIN`]
//! (a token command may prompt, and a locked password manager stays locked a while); a
//! token the service refused, unchanged, every [`AUTH_RECHECK`].

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

pub(crate) struct Backoff {
    builder: ExponentialBuilder,
    current: ExponentialBackoff,
    /// backon adds its jitter after applying the maximum, so a wait could reach twice
    /// the cap; the cap is enforced here again.
    cap: Duration,
}

/// The first wait after a token could not be had.
pub(crate) const CREDENTIAL_RETRY_MIN: Duration = Duration::from_secs(5);
/// The longest wait between two attempts to get a token.
pub(crate) const CREDENTIAL_RETRY_MAX: Duration = Duration::from_secs(300);

/// While the service refuses the token, how often it is tried again, unchanged: a
/// service's authentication blip or a misbehaving proxy heals by itself, and one request
/// every few minutes costs the service nothing.
pub(crate) const AUTH_RECHECK: Duration = Duration::from_secs(300);

impl Backoff {
    /// Waits from 2 s (or `cap`, if shorter) up to `cap`.
    pub(crate) fn new(cap: Duration) -> Self {
        Backoff::between(Duration::from_secs(2).min(cap), cap)
    }

    /// The waits between attempts to get a token.
    pub(crate) fn credentials() -> Self {
        Backoff::between(CREDENTIAL_RETRY_MIN, CREDENTIAL_RETRY_MAX)
    }

    fn between(min: Duration, cap: Duration) -> Self {
        let builder = ExponentialBuilder::default()
            .with_min_delay(min)
            .with_max_delay(cap)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times();
        Backoff {
            current: builder.build(),
            builder,
            cap,
        }
    }

    pub(crate) fn next_delay(&mut self) -> Duration {
        // `without_max_times` never ends, so `None` cannot happen; the cap is the answer.
        self.current.next().unwrap_or(self.cap).min(self.cap)
    }

    pub(crate) fn reset(&mut self) {
        self.current = self.builder.build();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_with_jitter_but_never_beyond_the_cap() {
        let cap = Duration::from_secs(15);
        let mut backoff = Backoff::new(cap);
        let waits: Vec<Duration> = (0..50).map(|_| backoff.next_delay()).collect();
        assert!(waits.iter().all(|w| *w <= cap), "{waits:?}");
        assert!(
            waits[0] >= Duration::from_secs(2) && waits[0] < Duration::from_secs(4),
            "{waits:?}"
        );
        assert_eq!(*waits.last().unwrap(), cap);
        backoff.reset();
        assert!(backoff.next_delay() < Duration::from_secs(4));
    }

    #[test]
    fn token_retries_start_at_five_seconds_and_settle_at_five_minutes() {
        let mut backoff = Backoff::credentials();
        let waits: Vec<Duration> = (0..20).map(|_| backoff.next_delay()).collect();
        assert!(
            waits[0] >= CREDENTIAL_RETRY_MIN && waits[0] < 2 * CREDENTIAL_RETRY_MIN,
            "{waits:?}"
        );
        assert!(
            waits.iter().all(|w| *w <= CREDENTIAL_RETRY_MAX),
            "{waits:?}"
        );
        assert_eq!(*waits.last().unwrap(), CREDENTIAL_RETRY_MAX);
    }
}

//! PagerDuty's per-token request budget: N requests in any rolling minute, reported on
//! every REST response through the `ratelimit-*` headers.
//!
//! Time comes from the fake's clock, so a test can exhaust the budget and then move the
//! clock a minute on instead of sleeping.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

/// PagerDuty's documented limit for user API keys.
pub(crate) const DEFAULT_PER_MINUTE: u32 = 960;

/// The values of the `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quota {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    /// Seconds until the oldest counted request leaves the window.
    pub(crate) reset_secs: u64,
}

pub(crate) struct RateLimiter {
    per_minute: u32,
    /// Times of the requests counted in the last minute, per token, oldest first.
    windows: HashMap<String, VecDeque<DateTime<Utc>>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            per_minute: DEFAULT_PER_MINUTE,
            windows: HashMap::new(),
        }
    }
}

impl RateLimiter {
    pub(crate) fn set_limit(&mut self, per_minute: u32) {
        self.per_minute = per_minute;
    }

    /// Counts one request for `token` at `now`: `Ok` with the quota left, or `Err` with
    /// the quota (remaining 0) when the request is over the limit. Refused requests are
    /// not counted, so a client that backs off is not punished further.
    pub(crate) fn check(&mut self, token: &str, now: DateTime<Utc>) -> Result<Quota, Quota> {
        let window = self.windows.entry(token.to_string()).or_default();
        let minute = Duration::seconds(60);
        while window.front().is_some_and(|t| *t + minute <= now) {
            window.pop_front();
        }
        let used = u32::try_from(window.len()).unwrap_or(u32::MAX);
        if used >= self.per_minute {
            return Err(Quota {
                limit: self.per_minute,
                remaining: 0,
                reset_secs: reset_secs(window.front().copied(), now),
            });
        }
        window.push_back(now);
        Ok(Quota {
            limit: self.per_minute,
            remaining: self.per_minute - used - 1,
            reset_secs: reset_secs(window.front().copied(), now),
        })
    }
}

fn reset_secs(oldest: Option<DateTime<Utc>>, now: DateTime<Utc>) -> u64 {
    let Some(oldest) = oldest else { return 60 };
    let millis = (oldest + Duration::seconds(60) - now)
        .num_milliseconds()
        .max(0);
    // Rounded up: "retry after 0 seconds" would invite an immediate, refused retry.
    u64::try_from(millis).unwrap_or(0).div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_per_token_and_rolls() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let mut limiter = RateLimiter::default();
        limiter.set_limit(2);
        assert_eq!(limiter.check("a", t0).map(|q| q.remaining), Ok(1));
        assert_eq!(
            limiter
                .check("a", t0 + Duration::seconds(10))
                .map(|q| q.remaining),
            Ok(0)
        );
        let refused = limiter
            .check("a", t0 + Duration::seconds(20))
            .expect_err("over the limit");
        assert_eq!(refused.reset_secs, 40);
        assert!(
            limiter.check("b", t0).is_ok(),
            "other tokens are unaffected"
        );
        assert!(limiter.check("a", t0 + Duration::seconds(60)).is_ok());
    }
}

//! How long to wait after a failure. Exponential with jitter (backon's builder), capped
//! at the account's poll interval: retrying never polls faster than normal, and once
//! the service is back a page is at most one interval late.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

pub(crate) struct Backoff {
    builder: ExponentialBuilder,
    current: ExponentialBackoff,
}

impl Backoff {
    pub(crate) fn new(cap: Duration) -> Self {
        let min = Duration::from_secs(2).min(cap);
        let builder = ExponentialBuilder::default()
            .with_min_delay(min)
            .with_max_delay(cap)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times();
        Backoff {
            current: builder.build(),
            builder,
        }
    }

    pub(crate) fn next_delay(&mut self) -> Duration {
        self.current.next().unwrap_or(self.builder_cap())
    }

    fn builder_cap(&self) -> Duration {
        // `without_max_times` never ends; this is only a fallback.
        Duration::from_secs(15)
    }

    pub(crate) fn reset(&mut self) {
        self.current = self.builder.build();
    }
}

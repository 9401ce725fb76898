//! The judgements every provider's hostile-server tests make of what its client did.

use std::time::{Duration, Instant};

use oncall_model::ProviderError;

/// The message of a `Malformed` error; panics on any other.
pub fn malformed_message(error: &ProviderError) -> &str {
    match error {
        ProviderError::Malformed { message } => message,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

/// Panics unless less than `limit` has passed since `started`: the client gave up on its
/// own (a cap, its own deadline), not at some later timeout.
pub fn assert_done_within(started: Instant, limit: Duration) {
    let elapsed = started.elapsed();
    assert!(elapsed < limit, "{elapsed:?}, want under {limit:?}");
}

//! The one way a test waits for something it cannot be told about: a probe checked
//! every [`POLL_EVERY`] until it holds, or a timeout that names what never happened.
//!
//! Time is tokio's, so under a paused clock (`start_paused`) the timeout and the pauses
//! between checks are virtual time, and the waiting costs no real time.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// How long a test waits between two checks of a probe: short next to any timeout, long
/// enough that a probe reading a file or asking a server is not a busy loop.
pub const POLL_EVERY: Duration = Duration::from_millis(50);

/// Checks `probe` until it gives a value and returns it, or `None` once `timeout` has
/// passed without one. The caller says what that means (a panic, an error of its own).
pub async fn within<T, Fut>(timeout: Duration, mut probe: impl FnMut() -> Fut) -> Option<T>
where
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Waits until `probe` holds; panics naming `what` once `timeout` has passed without.
pub async fn eventually(what: &str, timeout: Duration, probe: impl FnMut() -> bool) {
    eventually_or(what, timeout, String::new, probe).await
}

/// [`eventually`], with `context` (a log, what was seen instead) after `what` in the
/// failure.
pub async fn eventually_or(
    what: &str,
    timeout: Duration,
    context: impl FnOnce() -> String,
    mut probe: impl FnMut() -> bool,
) {
    if within(timeout, || std::future::ready(probe().then_some(())))
        .await
        .is_none()
    {
        timed_out(what, timeout, context())
    }
}

/// Waits until the asynchronous `probe` gives a value, and returns it; panics naming
/// `what` once `timeout` has passed without one.
pub async fn eventually_some<T, Fut>(what: &str, timeout: Duration, probe: impl FnMut() -> Fut) -> T
where
    Fut: Future<Output = Option<T>>,
{
    match within(timeout, probe).await {
        Some(value) => value,
        None => timed_out(what, timeout, String::new()),
    }
}

fn timed_out(what: &str, timeout: Duration, context: String) -> ! {
    panic!("{what} did not happen within {timeout:?}\n{context}")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_probe_that_comes_true_ends_the_wait_with_its_value() {
        let checks = AtomicU32::new(0);
        let value = eventually_some("the third check", Duration::from_secs(1), || {
            let n = checks.fetch_add(1, Ordering::SeqCst) + 1;
            std::future::ready((n == 3).then_some(n))
        })
        .await;
        assert_eq!(value, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_probe_that_never_holds_fails_naming_what_and_the_context() {
        let waiting = tokio::spawn(eventually_or(
            "the sky falling",
            Duration::from_secs(2),
            || "it stayed up".to_owned(),
            || false,
        ));
        let panic = waiting.await.unwrap_err().into_panic();
        let message = panic.downcast_ref::<String>().unwrap();
        assert_eq!(
            message,
            "the sky falling did not happen within 2s\nit stayed up"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn within_gives_up_after_the_timeout() {
        let started = Instant::now();
        let never = within(Duration::from_secs(3), || std::future::ready(None::<()>)).await;
        assert_eq!(never, None);
        assert!(started.elapsed() >= Duration::from_secs(3));
        assert!(started.elapsed() < Duration::from_secs(3) + 2 * POLL_EVERY);
    }
}

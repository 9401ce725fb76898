//! The hostile-server checks every provider client passes the same way: a body without
//! end, a body announced as 10 GB, an answer dripped a byte at a time, text that is not
//! UTF-8. Each provider's
//! `tests/hostile.rs` calls them with a `serve` of its own, and keeps the checks that
//! are its API's alone.
//!
//! `serve(answer, limits)` starts a server that answers the provider's incident list with
//! the hostile `answer` (and whatever a poll asks first, as the service would), and a
//! client for it with `limits`.

use std::future::Future;
use std::time::{Duration, Instant};

use oncall_model::{Provider, ProviderError};

use super::expect::{assert_done_within, malformed_message};
use super::{Answer, Server};

/// The client settings a check sets; `None` leaves the provider's test default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    pub max_body_bytes: Option<usize>,
    pub request_timeout: Option<Duration>,
}

impl Limits {
    /// Sets what is set here on a provider's config fields.
    pub fn apply(self, max_body_bytes: &mut usize, request_timeout: &mut Duration) {
        if let Some(bytes) = self.max_body_bytes {
            *max_body_bytes = bytes;
        }
        if let Some(timeout) = self.request_timeout {
            *request_timeout = timeout;
        }
    }
}

/// Polls once; the poll's error.
async fn failed_poll<P: Provider>(client: &P) -> ProviderError {
    match client.open_incidents().await {
        Ok(fetched) => panic!("the poll succeeded: {fetched:?}"),
        Err(error) => error,
    }
}

/// A body that never ends (`chunk` over and over) is cut at a 64 KiB cap, well `within`
/// the client's timeout.
pub async fn an_endless_body_is_cut_at_the_cap<P, Fut>(
    serve: impl FnOnce(Answer, Limits) -> Fut,
    chunk: Vec<u8>,
    within: Duration,
) where
    P: Provider,
    Fut: Future<Output = (Server, P)>,
{
    let limits = Limits {
        max_body_bytes: Some(64 * 1024),
        ..Limits::default()
    };
    let (_server, client) = serve(Answer::Endless { chunk }, limits).await;
    let started = Instant::now();
    let error = failed_poll(&client).await;
    // The body never ends, so only the cap can end the read before the timeout.
    assert!(
        malformed_message(&error).contains("65536 byte limit"),
        "{error:?}"
    );
    assert_done_within(started, within);
}

/// 10 GB announced, nothing sent: the client refuses at once, naming its cap (`cap`, or
/// its default, `limit_text`), where waiting for the body would end at the timeout.
pub async fn an_announced_huge_length_is_refused_before_reading<P, Fut>(
    serve: impl FnOnce(Answer, Limits) -> Fut,
    cap: Option<usize>,
    limit_text: &str,
    within: Duration,
) where
    P: Provider,
    Fut: Future<Output = (Server, P)>,
{
    let limits = Limits {
        max_body_bytes: cap,
        ..Limits::default()
    };
    let (_server, client) = serve(Answer::huge_length(), limits).await;
    let started = Instant::now();
    let error = failed_poll(&client).await;
    assert!(malformed_message(&error).contains(limit_text), "{error:?}");
    assert_done_within(started, within);
}

/// A complete answer (`body` as JSON) whose bytes arrive 50 ms apart: the client's own
/// deadline (800 ms here) ends the wait, not the server.
pub async fn a_drip_fed_answer_times_out<P, Fut>(
    serve: impl FnOnce(Answer, Limits) -> Fut,
    body: String,
) where
    P: Provider,
    Fut: Future<Output = (Server, P)>,
{
    let bytes = Answer::response_bytes(200, &[], body.as_bytes());
    let drip = Answer::Drip {
        prefix: Vec::new(),
        bytes,
        every: Duration::from_millis(50),
    };
    let limits = Limits {
        request_timeout: Some(Duration::from_millis(800)),
        ..Limits::default()
    };
    let (_server, client) = serve(drip, limits).await;
    let started = Instant::now();
    let error = failed_poll(&client).await;
    assert!(
        matches!(&error, ProviderError::Unavailable { message }
            if message == "no complete answer within 800 ms"),
        "{error:?}"
    );
    assert_done_within(started, Duration::from_secs(3));
}

/// A list whose text has bytes that are not UTF-8 (between `before` and `after`) is
/// `Malformed`, with a short message that does not repeat the body.
pub async fn invalid_utf8_is_malformed_with_a_short_message<P, Fut>(
    serve: impl FnOnce(Answer, Limits) -> Fut,
    before: &[u8],
    after: &[u8],
) where
    P: Provider,
    Fut: Future<Output = (Server, P)>,
{
    let body = [before, &[0xFF, 0xFE, 0xC3], after].concat();
    let (_server, client) = serve(Answer::json(body), Limits::default()).await;
    let error = failed_poll(&client).await;
    let message = malformed_message(&error);
    assert!(message.contains("not the expected JSON"), "{message}");
    assert!(message.chars().count() < 400, "{message}");
}

//! How failures reach the caller: each HTTP status, transport failure and bad body
//! becomes the right `ProviderError`, one attempt per call, one request at a time.

use std::time::{Duration, Instant};

use oncall_fake_pagerduty::{Fault, FaultKind, NewIncident, Route};
use oncall_model::{ActionKind, Provider, ProviderError};
use oncall_pagerduty::{ClientError, Credential, PagerDutyClient};
use oncall_test_support::hostile::expect::assert_done_within;
use oncall_test_support::pagerduty;
use oncall_test_support::scripted::{Canned, Scripted};
use serde_json::json;

use crate::util::{config, secret, Harness};

/// Polls once with `kind` injected on the list request (identity already cached).
async fn poll_with_fault(kind: FaultKind) -> (Harness, ProviderError) {
    let h = Harness::start().await;
    h.client.identify().await.unwrap();
    h.fake.inject(Fault::once(Route::ListIncidents, kind));
    let error = h.client.open_incidents().await.unwrap_err();
    (h, error)
}

fn rate_limited(reset: Option<u64>, retry_after: Option<u64>, with_body: bool) -> FaultKind {
    FaultKind::RateLimited {
        reset_secs: reset,
        retry_after_secs: retry_after,
        with_body,
    }
}

#[tokio::test]
async fn unknown_token_is_unauthorized() {
    let h = Harness::start().await;
    let client = h.client_with(|c| c.credential = Credential::ApiToken(secret("not-a-token")));
    let error = client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unauthorized { status: 401, .. }),
        "{error:?}"
    );
    assert!(!error.is_transient());
}

#[tokio::test]
async fn status_401_is_unauthorized() {
    let (_h, error) = poll_with_fault(FaultKind::Unauthorized).await;
    assert!(
        matches!(&error, ProviderError::Unauthorized { status: 401, message } if !message.is_empty()),
        "{error:?}"
    );
}

#[tokio::test]
async fn status_403_is_unauthorized() {
    let (_h, error) = poll_with_fault(FaultKind::Forbidden).await;
    assert!(
        matches!(&error, ProviderError::Unauthorized { status: 403, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn status_429_with_ratelimit_reset() {
    let (_h, error) = poll_with_fault(rate_limited(Some(7), None, true)).await;
    assert_eq!(
        error,
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
}

#[tokio::test]
async fn status_429_with_only_retry_after() {
    let (_h, error) = poll_with_fault(rate_limited(None, Some(42), false)).await;
    assert_eq!(
        error,
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(42))
        }
    );
}

#[tokio::test]
async fn bare_status_429_has_no_retry_after() {
    let (_h, error) = poll_with_fault(rate_limited(None, None, false)).await;
    assert_eq!(error, ProviderError::RateLimited { retry_after: None });
}

#[tokio::test]
async fn the_fakes_own_rate_limit_is_reported() {
    let h = Harness::start().await;
    h.fake.set_rate_limit(2);
    h.client.identify().await.unwrap();
    h.client.open_incidents().await.unwrap();
    let error = h.client.open_incidents().await.unwrap_err();
    assert!(
        matches!(
            error,
            ProviderError::RateLimited {
                retry_after: Some(_)
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn server_errors_and_408_are_unavailable() {
    for status in [500, 502, 503, 504, 408] {
        let (_h, error) = poll_with_fault(FaultKind::ServerError(status)).await;
        assert!(
            matches!(&error, ProviderError::Unavailable { message } if message.contains(&status.to_string())),
            "{status}: {error:?}"
        );
        assert!(!error.to_string().contains("<html>"), "{error}");
        assert!(error.is_transient());
    }
}

#[tokio::test]
async fn a_dropped_connection_is_unavailable() {
    let (_h, error) = poll_with_fault(FaultKind::DropConnection).await;
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    // A port that was free a moment ago and has no listener now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = PagerDutyClient::new(config(&url, Credential::ApiToken(secret("t")))).unwrap();
    let error = client.identify().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unavailable { message } if message.starts_with("could not connect")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_slow_answer_times_out_as_unavailable() {
    let h = Harness::start_with(|c| c.request_timeout = Duration::from_millis(300)).await;
    h.client.identify().await.unwrap();
    h.fake.inject(Fault::once(
        Route::ListIncidents,
        FaultKind::Latency { millis: 5_000 },
    ));
    let started = Instant::now();
    let error = h.client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unavailable { message } if message.contains("300 ms")),
        "{error:?}"
    );
    assert_done_within(started, Duration::from_secs(3));
}

#[tokio::test]
async fn a_cut_off_body_is_malformed() {
    let (_h, error) = poll_with_fault(FaultKind::MalformedBody).await;
    assert!(
        matches!(error, ProviderError::Malformed { .. }),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_huge_body_is_refused_at_the_cap_without_reading_it_all() {
    let h = Harness::start_with(|c| c.max_body_bytes = 256 * 1024).await;
    h.client.identify().await.unwrap();
    // 4 GiB: reading it whole would take far longer than this test allows, and memory.
    h.fake.inject(Fault::once(
        Route::ListIncidents,
        FaultKind::HugeBody {
            bytes: 4 * 1024 * 1024 * 1024,
        },
    ));
    let started = Instant::now();
    let error = h.client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Malformed { message } if message.contains("262144 byte limit")),
        "{error:?}"
    );
    assert_done_within(started, Duration::from_secs(5));
}

#[tokio::test]
async fn identity_failures_are_not_cached() {
    let h = Harness::start().await;
    h.fake
        .inject(Fault::once(Route::UsersMe, FaultKind::ServerError(503)));
    assert!(matches!(
        h.client.identify().await,
        Err(ProviderError::Unavailable { .. })
    ));
    assert_eq!(h.client.identify().await.unwrap().user_id, "PUSER01");
    assert_eq!(h.requests_to("GET", "/users/me").len(), 2);
}

#[tokio::test]
async fn one_attempt_per_call() {
    let h = Harness::start().await;
    h.client.identify().await.unwrap();
    h.fake.clear_requests();
    h.fake.inject(Fault::once(
        Route::ListIncidents,
        FaultKind::ServerError(500),
    ));
    assert!(h.client.open_incidents().await.is_err());
    assert_eq!(h.requests().len(), 1, "no retry inside the client");
    let id = h.fake.trigger(NewIncident::new("x"));
    h.fake.clear_requests();
    h.fake.inject(Fault::once(
        Route::UpdateIncidents,
        FaultKind::ServerError(503),
    ));
    let results = h.client.act(&ActionKind::Acknowledge, &[id]).await;
    assert!(matches!(results[0], Err(ProviderError::Unavailable { .. })));
    assert_eq!(h.requests().len(), 1, "no retry inside the client");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = Scripted::start(|_| Canned {
        status: 302,
        headers: vec![("location", "https://elsewhere.example/users/me".into())],
        body: String::new(),
        delay: Duration::ZERO,
    })
    .await;
    let client =
        PagerDutyClient::new(config(&server.url, Credential::ApiToken(secret("t")))).unwrap();
    let error = client.identify().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Rejected { status: 302, message, .. }
            if message.contains("redirected to https://elsewhere.example/users/me")),
        "{error:?}"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "the redirect was not followed: {seen:?}");
    assert_eq!(seen[0].target, "/users/me");
}

#[tokio::test]
async fn a_wrong_shape_is_malformed() {
    let server = Scripted::start(|seen| {
        if seen.target.starts_with("/users/me") {
            pagerduty::me()
        } else {
            Canned::json(json!({"incidents": {"not": "a list"}}))
        }
    })
    .await;
    let client =
        PagerDutyClient::new(config(&server.url, Credential::ApiToken(secret("t")))).unwrap();
    let error = client.open_incidents().await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Malformed { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_incident_without_status_fails_the_whole_poll() {
    let server = Scripted::start(|seen| {
        if seen.target.starts_with("/users/me") {
            return pagerduty::me();
        }
        let mut broken = pagerduty::incident(2);
        broken.as_object_mut().unwrap().remove("status");
        Canned::json(json!({"incidents": [pagerduty::incident(1), broken], "more": false}))
    })
    .await;
    let client =
        PagerDutyClient::new(config(&server.url, Credential::ApiToken(secret("t")))).unwrap();
    let error = client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Malformed { message } if message.contains("PINC0002 has no status")),
        "{error:?}"
    );
}

#[tokio::test]
async fn plain_http_to_another_host_is_refused_at_construction() {
    for url in [
        "http://api.pagerduty.com",
        "http://192.168.1.10:8080",
        "ftp://example.com",
    ] {
        let error =
            PagerDutyClient::new(config(url, Credential::ApiToken(secret("t")))).unwrap_err();
        assert!(
            matches!(error, ClientError::InsecureUrl(_)),
            "{url}: {error:?}"
        );
    }
    for url in [
        "https://api.pagerduty.com",
        "https://api.eu.pagerduty.com",
        "http://127.0.0.1:9",
        "http://localhost:9",
    ] {
        assert!(
            PagerDutyClient::new(config(url, Credential::ApiToken(secret("t")))).is_ok(),
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_bad_from_email_is_refused_at_construction() {
    let mut cfg = config(
        "https://api.pagerduty.com",
        Credential::ApiToken(secret("t")),
    );
    cfg.from_email = Some("not an address".into());
    assert!(matches!(
        PagerDutyClient::new(cfg),
        Err(ClientError::InvalidFromEmail(_))
    ));
}

/// Polls and actions of one client never overlap on the wire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_in_flight_at_a_time() {
    let server = Scripted::start(|seen| {
        let canned = if seen.target.starts_with("/users/me") {
            pagerduty::me()
        } else if seen.method == "GET" {
            Canned::json(
                json!({"incidents": [pagerduty::incident(1)], "limit": 100, "more": false}),
            )
        } else {
            Canned::json(json!({"incidents": []}))
        };
        canned.delayed(Duration::from_millis(50))
    })
    .await;
    let client = std::sync::Arc::new(
        PagerDutyClient::new(config(&server.url, Credential::ApiToken(secret("t")))).unwrap(),
    );
    let mut tasks = Vec::new();
    for n in 0..6 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 {
                client.open_incidents().await.map(|_| ())
            } else {
                client
                    .act(&ActionKind::Acknowledge, &["PINC0001".to_owned()])
                    .await
                    .remove(0)
                    .map(|_| ())
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 7, "users/me once, 3 lists, 3 acks");
    for ack in seen.iter().filter(|s| s.method == "PUT") {
        assert_eq!(ack.header("from"), Some("me@example.com"));
    }
    assert_eq!(server.max_in_flight(), 1);
}

/// The same against the fake: two concurrent polls, each list request slowed down,
/// take at least twice the latency because the second waits for the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_polls_queue_behind_each_other() {
    let h = Harness::start().await;
    h.client.identify().await.unwrap();
    let latency = Duration::from_millis(300);
    h.fake.inject(Fault {
        route: Route::ListIncidents,
        kind: FaultKind::Latency {
            millis: latency.as_millis() as u64,
        },
        times: 2,
    });
    let started = Instant::now();
    let (a, b) = tokio::join!(h.client.open_incidents(), h.client.open_incidents());
    a.unwrap();
    b.unwrap();
    assert!(started.elapsed() >= 2 * latency, "{:?}", started.elapsed());
}

/// PagerDuty accepted the acknowledgement: whatever comes after the status (here a body
/// over the cap) must not turn it into an error the user sees.
#[tokio::test]
async fn an_accepted_write_is_done_whatever_its_body() {
    let server = Scripted::start(|seen| {
        if seen.target.starts_with("/users/me") {
            pagerduty::me()
        } else {
            Canned::json(json!({"incidents": [], "padding": "x".repeat(64 * 1024)}))
        }
    })
    .await;
    let mut cfg = config(&server.url, Credential::ApiToken(secret("t")));
    cfg.max_body_bytes = 1024;
    let client = PagerDutyClient::new(cfg).unwrap();
    let results = client
        .act(&ActionKind::Acknowledge, &["PINC0001".to_owned()])
        .await;
    assert_eq!(results, vec![Ok(oncall_model::ActionOutcome::Done)]);
}

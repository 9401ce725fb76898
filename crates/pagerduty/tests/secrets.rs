//! The token must never show up in an error message, a `Debug` output or a log line.
//! Every error the client can be made to produce is formatted both ways, and every log
//! line the client (and reqwest/hyper under it) writes meanwhile is captured, at TRACE.
//!
//! A test binary of its own: a scoped subscriber (`set_default`) can miss events of
//! callsites that tests on other threads registered first.

use std::time::Duration;

use oncall_fake_pagerduty::{FakePagerDuty, Fault, FaultKind, NewIncident, Route};
use oncall_model::{ActionKind, Provider};
use oncall_pagerduty::{Credential, PagerDutyClient, PagerDutyConfig};
use oncall_test_support::pagerduty::{config, secret, PAT_TOKEN};
use oncall_test_support::scripted::{Canned, Scripted};
use oncall_test_support::CapturedLog;

/// The fake runs on its own thread and runtime, so that the captured log holds only
/// what the client's side wrote (the fake may log what it received).
struct FakeOnItsOwnThread {
    fake: FakePagerDuty,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeOnItsOwnThread {
    fn start() -> Self {
        let fake = FakePagerDuty::new();
        let (url_tx, url_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = fake.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let running = serving.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
                url_tx.send(running.url.clone()).unwrap();
                let _ = stopped.await;
                running.shutdown().await;
            });
        });
        let url = url_rx.recv().unwrap();
        FakeOnItsOwnThread {
            fake,
            url,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for FakeOnItsOwnThread {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn assert_clean(what: &str, text: &str, token: &str) {
    assert!(!text.contains(token), "{what} leaks the token: {text}");
}

#[tokio::test]
async fn the_token_never_appears_in_errors_debug_or_logs() {
    let log = CapturedLog::start();

    let fake = FakeOnItsOwnThread::start();
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut record = |what: &str, text: String| texts.push((what.to_owned(), text));

    // A working token: successes, then every injected fault, then refused actions.
    let good =
        PagerDutyClient::new(config(&fake.url, Credential::ApiToken(secret(PAT_TOKEN)))).unwrap();
    record("client Debug", format!("{good:?}"));
    let id = fake.fake.trigger(NewIncident::new("leak check"));
    good.open_incidents().await.unwrap();
    good.on_calls().await.unwrap();
    record("client Debug after identify", format!("{good:?}"));
    let faults = [
        FaultKind::Unauthorized,
        FaultKind::Forbidden,
        FaultKind::RateLimited {
            reset_secs: Some(1),
            retry_after_secs: Some(1),
            with_body: true,
        },
        FaultKind::ServerError(500),
        FaultKind::ServerError(502),
        FaultKind::ServerError(408),
        FaultKind::MalformedBody,
        FaultKind::DropConnection,
        FaultKind::HugeBody { bytes: 64 << 20 },
    ];
    for kind in faults {
        fake.fake
            .inject(Fault::once(Route::ListIncidents, kind.clone()));
        let error = good.open_incidents().await.unwrap_err();
        record(&format!("{kind:?}"), format!("{error} {error:?}"));
    }
    let slow = PagerDutyClient::new(PagerDutyConfig {
        request_timeout: Duration::from_millis(200),
        ..config(&fake.url, Credential::ApiToken(secret(PAT_TOKEN)))
    })
    .unwrap();
    fake.fake.inject(Fault::once(
        Route::UsersMe,
        FaultKind::Latency { millis: 2_000 },
    ));
    let error = slow.identify().await.unwrap_err();
    record("timeout", format!("{error} {error:?}"));
    for (kind, ids) in [
        (ActionKind::Snooze { seconds: 60 }, vec![id.clone()]),
        (
            ActionKind::Acknowledge,
            vec!["QNOSUCH".to_owned(), id.clone()],
        ),
        (ActionKind::Unacknowledge, vec![id.clone()]),
        (
            ActionKind::AddNote {
                text: "note".into(),
            },
            vec!["QNOSUCH".to_owned(), id.clone()],
        ),
        (
            ActionKind::Escalate { to: None },
            vec!["QNOSUCH".to_owned(), id.clone()],
        ),
    ] {
        let results = good.act(&kind, &ids).await;
        record(&format!("{kind:?}"), format!("{results:?}"));
        for error in results.iter().filter_map(|r| r.as_ref().err()) {
            record(&format!("{kind:?} Display"), error.to_string());
        }
    }
    let details = good.details("QNOSUCH").await.unwrap_err();
    record("details", format!("{details} {details:?}"));
    for text in &texts {
        assert_clean(&text.0, &text.1, PAT_TOKEN);
    }

    // A token the service refuses, and one that cannot even be sent.
    let rejected_token = "sekrit-token-4f1c9a";
    let config_bad = config(&fake.url, Credential::OAuth(secret(rejected_token)));
    assert_clean("config Debug", &format!("{config_bad:?}"), rejected_token);
    let bad = PagerDutyClient::new(config_bad).unwrap();
    let error = bad.open_incidents().await.unwrap_err();
    assert_clean("401", &format!("{error} {error:?}"), rejected_token);
    let results = bad
        .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
        .await;
    assert_clean(
        "act with a bad token",
        &format!("{results:?}"),
        rejected_token,
    );
    let unsendable = "sekrit\u{7f}-token";
    let error = PagerDutyClient::new(config(&fake.url, Credential::ApiToken(secret(unsendable))))
        .unwrap_err();
    assert_clean("ClientError", &format!("{error} {error:?}"), "sekrit");

    // Transport failures: refused connection, redirect.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let refused = PagerDutyClient::new(config(
        &closed,
        Credential::ApiToken(secret(rejected_token)),
    ))
    .unwrap();
    let error = refused.identify().await.unwrap_err();
    assert_clean(
        "connection refused",
        &format!("{error} {error:?}"),
        rejected_token,
    );
    let redirecting = Scripted::start(|_| Canned {
        status: 307,
        headers: vec![("location", "https://elsewhere.example/".into())],
        body: String::new(),
        delay: Duration::ZERO,
    })
    .await;
    let redirected = PagerDutyClient::new(config(
        &redirecting.url,
        Credential::ApiToken(secret(rejected_token)),
    ))
    .unwrap();
    let error = redirected.identify().await.unwrap_err();
    assert_clean("redirect", &format!("{error} {error:?}"), rejected_token);

    let log = log.finish();
    assert!(
        log.contains("pagerduty request"),
        "the client's own log lines were captured"
    );
    assert_clean("log", &log, PAT_TOKEN);
    assert_clean("log", &log, rejected_token);
}

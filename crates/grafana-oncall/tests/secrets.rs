//! The API key must never show up in an error message, a `Debug` output or a log line.
//! Every error the client can be made to produce is formatted both ways, and every log
//! line the client (and reqwest/hyper under it) writes meanwhile is captured, at TRACE.
//!
//! A test binary of its own: a scoped subscriber (`set_default`) can miss events of
//! callsites that tests on other threads registered first.

use oncall_fake_grafana_oncall::{
    FakeGrafanaOnCall, Fault, FaultKind, NewAlertGroup, Route, API_KEY,
};
use oncall_grafana_oncall::{GrafanaOnCallClient, GrafanaOnCallConfig, SecretString};
use oncall_model::{AccountId, ActionKind, Provider};
use oncall_test_support::CapturedLog;

/// The fake runs on its own thread and runtime, so that the captured log holds only
/// what the client's side wrote (the fake may log what it received).
fn fake_on_its_own_thread(fake: FakeGrafanaOnCall) -> (String, tokio::sync::oneshot::Sender<()>) {
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
            url_tx.send(running.url.clone()).unwrap();
            let _ = stopped.await;
            running.shutdown().await;
        });
    });
    (url_rx.recv().unwrap(), stop)
}

#[tokio::test]
async fn the_key_never_appears_in_errors_debug_or_logs() {
    let log = CapturedLog::start();
    let fake = FakeGrafanaOnCall::new();
    let (url, stop) = fake_on_its_own_thread(fake.clone());
    let config = GrafanaOnCallConfig::new(
        AccountId::new("irm"),
        url.parse().unwrap(),
        SecretString::from(API_KEY.to_owned()),
    );
    let mut texts = vec![format!("{config:?}")];
    let client = GrafanaOnCallClient::new(config.clone()).unwrap();
    texts.push(format!("{client:?}"));
    let id = fake.create_alert_group(NewAlertGroup::new("leak check"));
    client.identify().await.unwrap();
    client.open_incidents().await.unwrap();
    for kind in [
        FaultKind::Unauthorized,
        FaultKind::Forbidden,
        FaultKind::RateLimited {
            retry_after_secs: Some(5),
        },
        FaultKind::ServerError(500),
        FaultKind::ServerError(502),
        FaultKind::MalformedBody,
        FaultKind::DropConnection,
    ] {
        fake.inject(Fault::once(Route::Any, kind));
        let error = client.open_incidents().await.unwrap_err();
        texts.push(format!("{error} {error:?}"));
    }
    for kind in [
        ActionKind::Acknowledge,
        ActionKind::Acknowledge,
        ActionKind::Resolve,
    ] {
        for result in client.act(&kind, &[id.clone(), "INOPE".into()]).await {
            texts.push(format!("{result:?}"));
        }
    }
    let wrong = GrafanaOnCallConfig {
        api_key: SecretString::from(format!("{API_KEY}-revoked")),
        ..config
    };
    let error = GrafanaOnCallClient::new(wrong)
        .unwrap()
        .open_incidents()
        .await
        .unwrap_err();
    texts.push(format!("{error} {error:?}"));
    let _ = stop.send(());

    let logged = log.finish();
    assert!(
        logged.contains("grafana oncall request"),
        "the client logged: {logged}"
    );
    assert!(
        !logged.contains(API_KEY),
        "a log line leaks the key: {logged}"
    );
    for text in texts {
        assert!(!text.contains(API_KEY), "leaks the key: {text}");
    }
}

//! The API token never shows: not in `Debug` of the config or the client, not in an
//! error, not in any log line of a poll, an action or a failure (reqwest's and hyper's
//! included, at every level), and never in a request to the Jira site. A binary of its
//! own, as `CapturedLog` captures the test thread's default subscriber.

use std::time::Duration;

use oncall_fake_jsm::{FakeJsm, Fault, FaultKind, NewAlert, Route, API_TOKEN, EMAIL};
use oncall_jsm::{site_url, JsmClient, JsmConfig, SecretString};
use oncall_model::{AccountId, ActionKind, Provider};
use oncall_test_support::CapturedLog;

#[tokio::test(flavor = "current_thread")]
async fn the_token_is_in_no_debug_output_error_or_log_line() {
    let log = CapturedLog::start();
    let fake = FakeJsm::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let config = |token: &str| {
        let mut config = JsmConfig::new(
            AccountId::new("jsm"),
            site_url(&running.url).unwrap(),
            running.url.parse().unwrap(),
            EMAIL.to_owned(),
            SecretString::from(token.to_owned()),
        );
        config.confirm_timeout = Duration::from_secs(5);
        config
    };
    let client = JsmClient::new(config(API_TOKEN)).unwrap();
    let id = fake.create_alert(NewAlert::new("disk full"));
    client.identify().await.unwrap();
    client.open_incidents().await.unwrap();
    client.act(&ActionKind::Acknowledge, &[id]).await;
    fake.inject(Fault::once(Route::ListAlerts, FaultKind::ServerError(500)));
    let failed = client.open_incidents().await.unwrap_err();

    let wrong = JsmClient::new(config("wrong-token-hunter2")).unwrap();
    let refused = wrong.identify().await.unwrap_err();

    let shown = format!(
        "{:?} {client:?} {wrong:?} {failed} {failed:?} {refused} {refused:?}",
        config(API_TOKEN)
    );
    let logged = log.finish();
    assert!(
        logged.contains("jsm request"),
        "nothing was captured: {logged}"
    );
    for secret in [API_TOKEN, "hunter2"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
        assert!(!logged.contains(secret), "{secret} in the log");
    }
    // The basic-auth value (base64 of e-mail:token) is no more visible than the token.
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}:{API_TOKEN}"));
    assert!(!shown.contains(&basic) && !logged.contains(&basic));
    let site: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/_edge/tenant_info")
        .collect();
    assert!(!site.is_empty());
    assert!(site.iter().all(|r| r.headers.iter().all(|(name, value)| {
        name != "authorization" && !value.contains(API_TOKEN) && !value.contains(&basic)
    })));
}

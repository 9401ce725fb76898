//! The password must never show up in an error message, a `Debug` output or a log
//! line. Alertmanager runs in its own process, so everything the test thread's
//! subscriber captures (at TRACE, reqwest and hyper included) is the client's.
//!
//! A test binary of its own: a scoped subscriber (`set_default`) can miss events of
//! callsites that tests on other threads registered first, which made "the log was
//! captured" fail now and then when this ran beside the other integration tests.

use oncall_alertmanager::{AlertmanagerClient, Auth, SecretString};
use oncall_model::{ActionKind, Provider};
use oncall_test_support::alertmanager::{basic, config, Alertmanager, TestAlert};
use oncall_test_support::CapturedLog;

const PASSWORD: &str = "s3cr3t-Pa55word-that-must-not-leak";

#[tokio::test]
async fn the_password_never_appears_in_errors_debug_or_logs() {
    let log = CapturedLog::start();

    let am = Alertmanager::start_with_basic_auth("pat", PASSWORD).await;
    am.post_alert(&TestAlert::new(&[("alertname", "Leak")]))
        .await;
    let mut texts: Vec<String> = Vec::new();

    let mut good_config = config(&am.url);
    good_config.auth = basic("pat", PASSWORD);
    texts.push(format!("{good_config:?}"));
    let good = AlertmanagerClient::new(good_config).unwrap();
    texts.push(format!("{good:?}"));
    let id = good.open_incidents().await.unwrap().incidents[0]
        .key
        .id
        .clone();
    for kind in [
        ActionKind::Acknowledge,
        ActionKind::Unacknowledge,
        ActionKind::Resolve,
    ] {
        texts.push(format!(
            "{:?}",
            good.act(&kind, std::slice::from_ref(&id)).await
        ));
    }

    // A password one character off: 401s everywhere.
    let mut wrong = config(&am.url);
    wrong.auth = basic("pat", &format!("{PASSWORD}x"));
    let wrong = AlertmanagerClient::new(wrong).unwrap();
    let error = wrong.open_incidents().await.unwrap_err();
    texts.push(format!("{error} {error:?}"));
    texts.push(format!(
        "{:?}",
        wrong
            .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
            .await
    ));

    // The server gone: transport errors.
    let url = am.url.clone();
    drop(am);
    let mut gone = config(&url);
    gone.auth = basic("pat", PASSWORD);
    let error = AlertmanagerClient::new(gone)
        .unwrap()
        .identify()
        .await
        .unwrap_err();
    texts.push(format!("{error} {error:?}"));

    // Refused configurations.
    for auth in [
        Auth::Bearer(SecretString::from(format!("{PASSWORD}\u{7f}"))),
        Auth::Header {
            name: "X-Key".into(),
            value: SecretString::from(format!("{PASSWORD}\r\nX-Evil: 1")),
        },
    ] {
        let mut bad = config("https://am.example.com/");
        bad.auth = auth;
        texts.push(format!("{bad:?}"));
        let error = AlertmanagerClient::new(bad).unwrap_err();
        texts.push(format!("{error} {error:?}"));
    }

    let log = log.finish();
    assert!(
        log.contains("alertmanager request"),
        "the log was captured: {log}"
    );
    texts.push(log);
    for text in texts {
        assert!(!text.contains(PASSWORD), "leaks the password: {text}");
        // The basic-auth header carries it base64-encoded.
        assert!(
            !text.contains("czNjcjN0"),
            "leaks the encoded password: {text}"
        );
    }
}

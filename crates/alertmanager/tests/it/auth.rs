//! Basic auth through Alertmanager's own `--web.config.file`.

use oncall_alertmanager::AlertmanagerClient;
use oncall_model::{Provider, ProviderError};
use oncall_test_support::alertmanager::{basic, config, Alertmanager, TestAlert};

#[tokio::test]
async fn basic_auth_works_with_the_right_password_only() {
    let am = Alertmanager::start_with_basic_auth("pat", "correct horse").await;
    am.post_alert(&TestAlert::new(&[("alertname", "Secured")]))
        .await;

    let mut right = config(&am.url);
    right.auth = basic("pat", "correct horse");
    let client = AlertmanagerClient::new(right).unwrap();
    assert_eq!(client.open_incidents().await.unwrap().incidents.len(), 1);
    client.identify().await.unwrap();

    for (what, auth) in [
        ("a wrong password", Some(basic("pat", "wrong horse"))),
        ("another user", Some(basic("sam", "correct horse"))),
        ("no credentials", None),
    ] {
        let mut account = config(&am.url);
        if let Some(auth) = auth {
            account.auth = auth;
        }
        let client = AlertmanagerClient::new(account).unwrap();
        let error = client.open_incidents().await.unwrap_err();
        assert!(
            matches!(error, ProviderError::Unauthorized { status: 401, .. }),
            "{what}: {error:?}"
        );
        let error = client.identify().await.unwrap_err();
        assert!(
            matches!(error, ProviderError::Unauthorized { .. }),
            "{what}: {error:?}"
        );
    }
}

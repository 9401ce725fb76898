//! A private CA and a client certificate, with Alertmanager's own TLS
//! (`tls_server_config` in `--web.config.file`, client certificates required).

use oncall_alertmanager::{AlertmanagerClient, ClientError};
use oncall_model::{Provider, ProviderError};
use oncall_test_support::alertmanager::{config, Alertmanager, Pki, TestAlert};

#[tokio::test]
async fn a_private_ca_and_a_client_certificate_work() {
    let pki = Pki::new();
    let am = Alertmanager::start_with_tls(&pki).await;
    assert!(am.url.starts_with("https://127.0.0.1:"), "{}", am.url);
    am.post_alert(&TestAlert::new(&[("alertname", "OverTls")]))
        .await;

    let mut account = config(&am.url);
    account.ca_file = Some(pki.ca.clone());
    account.client_identity_pem = Some(pki.client_identity.clone());
    let client = AlertmanagerClient::new(account.clone()).unwrap();
    let incidents = client.open_incidents().await.unwrap().incidents;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].title, "OverTls");

    // Without the client certificate the server ends the handshake; without the CA the
    // server's certificate is not trusted. Both are "cannot reach", not "bad token".
    let mut no_identity = account.clone();
    no_identity.client_identity_pem = None;
    let error = AlertmanagerClient::new(no_identity)
        .unwrap()
        .open_incidents()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    let mut no_ca = account.clone();
    no_ca.ca_file = None;
    let error = AlertmanagerClient::new(no_ca)
        .unwrap()
        .open_incidents()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );

    // A file that is not a certificate is a configuration error naming the file.
    let mut wrong_file = account;
    wrong_file.ca_file = Some(pki.server_key.clone());
    let error = AlertmanagerClient::new(wrong_file).unwrap_err();
    assert!(
        matches!(&error, ClientError::Tls { what: "the CA file", path, .. } if path.ends_with("server-key.pem")),
        "{error:?}"
    );
}

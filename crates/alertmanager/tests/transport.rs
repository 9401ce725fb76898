//! Transport (issue 7, security pass): TLS trusts the operating system's store, so a
//! corporate CA works, and `HTTPS_PROXY` / `NO_PROXY` are honoured, all with servers on
//! loopback. The client reads both from the environment when it is built (proxies in
//! reqwest, `SSL_CERT_FILE` in rustls-native-certs); the environment is process-global,
//! so this binary holds a single test that changes it step by step. The checks are the
//! same for every provider (`oncall_test_support::hostile::transport`).

use oncall_alertmanager::{AlertmanagerClient, AlertmanagerConfig, Auth, SecretString};
use oncall_model::{AccountId, Provider};
use oncall_test_support::hostile::{transport, Answer};
use serde_json::json;

const TOKEN: &str = "transport-test-token";

/// No `ca_file`: only the OS store (and what overrides it) decides.
fn client(url: &str) -> AlertmanagerClient {
    let mut config = AlertmanagerConfig::new(AccountId::new("prom"), url.parse().unwrap(), "pat");
    config.auth = Auth::Bearer(SecretString::from(TOKEN.to_owned()));
    AlertmanagerClient::new(config).unwrap()
}

/// What the API answers to the identity request.
fn answer() -> Answer {
    Answer::json(json!({"uptime": "2024-05-01T09:00:00Z"}).to_string())
}

#[tokio::test]
async fn tls_trusts_the_os_store_and_the_proxy_environment_is_honoured() {
    transport::os_trust_store_and_proxy_environment(
        |url| async move { client(&url).identify().await },
        answer,
        "pat",
        &format!("Bearer {TOKEN}"),
    )
    .await;
}

//! Transport (issue 7, security pass): TLS trusts the operating system's store, so a
//! corporate CA works, and `HTTPS_PROXY` / `NO_PROXY` are honoured, all with servers on
//! loopback. The environment is process-global, so this binary holds a single test that
//! changes it step by step. The checks are the same for every provider
//! (`oncall_test_support::hostile::transport`).

use oncall_grafana_oncall::{GrafanaOnCallClient, GrafanaOnCallConfig, SecretString};
use oncall_model::{AccountId, Provider};
use oncall_test_support::hostile::{transport, Answer};
use serde_json::json;

const KEY: &str = "transport-test-key";

fn client(url: &str) -> GrafanaOnCallClient {
    let config = GrafanaOnCallConfig::new(
        AccountId::new("irm"),
        url.parse().unwrap(),
        SecretString::from(KEY.to_owned()),
    );
    GrafanaOnCallClient::new(config).unwrap()
}

/// What `users/current/` answers.
fn answer() -> Answer {
    Answer::json(json!({"id": "U1", "email": "pat@example.com", "username": "pat"}).to_string())
}

#[tokio::test]
async fn tls_trusts_the_os_store_and_the_proxy_environment_is_honoured() {
    transport::os_trust_store_and_proxy_environment(
        |url| async move { client(&url).identify().await },
        answer,
        "U1",
        KEY,
    )
    .await;
}

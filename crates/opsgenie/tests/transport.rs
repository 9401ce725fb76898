//! Transport (issue 7, security pass): TLS trusts the operating system's store, so a
//! corporate CA works, and `HTTPS_PROXY` / `NO_PROXY` are honoured, all with servers on
//! loopback. The client reads both from the environment when it is built (proxies in
//! reqwest, `SSL_CERT_FILE` in rustls-native-certs); the environment is process-global,
//! so this binary holds a single test that changes it step by step. The checks are the
//! same for every provider (`oncall_test_support::hostile::transport`).

use oncall_model::{AccountId, Provider};
use oncall_opsgenie::{OpsgenieClient, OpsgenieConfig, SecretString};
use oncall_test_support::hostile::{transport, Answer};
use serde_json::json;

const TOKEN: &str = "transport-test-key";

fn client(url: &str) -> OpsgenieClient {
    let config = OpsgenieConfig::new(
        AccountId::new("ops"),
        url.parse().unwrap(),
        SecretString::from(TOKEN.to_owned()),
    );
    OpsgenieClient::new(config).unwrap()
}

/// What the API answers to the identity request.
fn answer() -> Answer {
    Answer::json(json!({"data": [], "took": 0.01, "requestId": "r1"}).to_string())
}

#[tokio::test]
async fn tls_trusts_the_os_store_and_the_proxy_environment_is_honoured() {
    transport::os_trust_store_and_proxy_environment(
        |url| async move { client(&url).identify().await },
        answer,
        "ops",
        &format!("GenieKey {TOKEN}"),
    )
    .await;
}

//! Transport (issue 7, security pass): TLS trusts the operating system's store, so a
//! corporate CA works, and `HTTPS_PROXY` / `NO_PROXY` are honoured, all with servers on
//! loopback. The client reads both from the environment when it is built (proxies in
//! reqwest, `SSL_CERT_FILE` in rustls-native-certs); the environment is process-global,
//! so this binary holds a single test that changes it step by step. The checks are the
//! same for every provider (`oncall_test_support::hostile::transport`).

use oncall_model::{AccountId, Provider};
use oncall_pagerduty::{Credential, PagerDutyClient, PagerDutyConfig, SecretString};
use oncall_test_support::hostile::{transport, Answer};
use serde_json::json;

const TOKEN: &str = "transport-test-token";

fn client(url: &str) -> PagerDutyClient {
    let config = PagerDutyConfig::new(
        AccountId::new("work"),
        url.parse().unwrap(),
        Credential::ApiToken(SecretString::from(TOKEN.to_owned())),
    );
    PagerDutyClient::new(config).unwrap()
}

/// What the API answers to the identity request.
fn answer() -> Answer {
    Answer::json(json!({"user": {"id": "PME", "name": "Me"}}).to_string())
}

#[tokio::test]
async fn tls_trusts_the_os_store_and_the_proxy_environment_is_honoured() {
    transport::os_trust_store_and_proxy_environment(
        |url| async move { client(&url).identify().await },
        answer,
        "PME",
        &format!("Token token={TOKEN}"),
    )
    .await;
}

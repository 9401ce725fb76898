//! Transport: TLS trusts the operating system's store, so a corporate CA works, and
//! `HTTPS_PROXY` / `NO_PROXY` are honoured, all with servers on loopback. The checks are
//! the same for every provider (`oncall_test_support::hostile::transport`); the Jira
//! site (its cloud id) is a plain loopback server of its own, so the checked server sees
//! only API requests. The environment is process-global, so this binary holds a single
//! test.

use base64::Engine as _;
use oncall_jsm::{site_url, JsmClient, JsmConfig, SecretString};
use oncall_model::{AccountId, Provider};
use oncall_test_support::hostile::{transport, Answer, Server};
use serde_json::json;

const EMAIL: &str = "pat@example.com";
const TOKEN: &str = "transport-test-token";

/// What the API answers to the identity request.
fn answer() -> Answer {
    Answer::json(json!({"values": [], "links": {}}).to_string())
}

#[tokio::test]
async fn tls_trusts_the_os_store_and_the_proxy_environment_is_honoured() {
    let site = Server::start(|_| Answer::json(json!({"cloudId": "c1"}).to_string())).await;
    let site = site_url(&site.url).unwrap();
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}:{TOKEN}"))
    );
    transport::os_trust_store_and_proxy_environment(
        |url| {
            let site = site.clone();
            async move {
                let config = JsmConfig::new(
                    AccountId::new("jsm"),
                    site,
                    url.parse().unwrap(),
                    EMAIL.to_owned(),
                    SecretString::from(TOKEN.to_owned()),
                );
                JsmClient::new(config).unwrap().identify().await
            }
        },
        answer,
        EMAIL,
        &basic,
    )
    .await;
}

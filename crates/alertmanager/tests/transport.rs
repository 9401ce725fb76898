//! Transport (issue 7, security pass): TLS trusts the operating system's store, so a
//! corporate CA works, and `HTTPS_PROXY` / `NO_PROXY` are honoured, all with servers on
//! loopback. The client reads both from the environment when it is built (proxies in
//! reqwest, `SSL_CERT_FILE` in rustls-native-certs); the environment is process-global,
//! so this binary holds a single test that changes it step by step.

use oncall_alertmanager::{AlertmanagerClient, AlertmanagerConfig, Auth, SecretString};
use oncall_hostile_http::{clear_transport_env, Answer, ConnectProxy, Pki, Server};
use oncall_model::{AccountId, Provider, ProviderError};
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
    clear_transport_env();
    let pki = Pki::new();
    let server = Server::start_tls(&pki, |_| answer()).await;
    assert!(
        server.url.starts_with("https://localhost:"),
        "{}",
        server.url
    );

    // The private CA is in no store yet: the handshake fails, and says why.
    let error = client(&server.url).identify().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unavailable { message }
            if message.contains("invalid peer certificate") && message.contains("UnknownIssuer")),
        "{error:?}"
    );
    assert_eq!(
        server.requests(),
        vec![],
        "no request over an untrusted connection"
    );

    // `SSL_CERT_FILE` is how the OS store is overridden on Linux (as in OpenSSL): a
    // corporate CA installed there is trusted.
    std::env::set_var("SSL_CERT_FILE", &pki.ca_pem);
    assert_eq!(client(&server.url).identify().await.unwrap().user_id, "pat");
    let direct = server.requests();
    assert_eq!(direct.len(), 1);
    assert_eq!(
        direct[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );

    // Through the proxy: one tunnel to the API's host and port, and the proxy never
    // sees the token (it travels inside TLS).
    let proxy = ConnectProxy::start().await;
    std::env::set_var("HTTPS_PROXY", &proxy.url);
    assert_eq!(client(&server.url).identify().await.unwrap().user_id, "pat");
    let tunnels = proxy.requests();
    assert_eq!(tunnels.len(), 1, "{tunnels:?}");
    assert_eq!(tunnels[0].method, "CONNECT");
    assert_eq!(tunnels[0].target, format!("localhost:{}", server.port));
    assert_eq!(tunnels[0].header("authorization"), None);
    assert_eq!(server.requests().len(), 2, "the tunnelled request arrived");

    // `NO_PROXY` naming the host: straight to the server, the proxy not even asked.
    std::env::set_var("NO_PROXY", "example.com, localhost");
    assert_eq!(client(&server.url).identify().await.unwrap().user_id, "pat");
    assert_eq!(proxy.requests().len(), 1, "NO_PROXY was ignored");
    assert_eq!(server.requests().len(), 3);

    // A proxy that is down is a connection failure, not a silent direct connection.
    std::env::remove_var("NO_PROXY");
    std::env::set_var("HTTPS_PROXY", "http://127.0.0.1:9");
    let error = client(&server.url).identify().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unavailable { message } if message.contains("could not connect")),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 3);

    plain_http_to_loopback_never_goes_through_a_proxy(&proxy).await;
    clear_transport_env();
}

/// Regression: plain http:// to loopback went through `HTTP_PROXY`/`ALL_PROXY`, with the
/// credential in clear text. Plain HTTP is allowed only because loopback crosses no
/// network; a proxy would carry it across one.
async fn plain_http_to_loopback_never_goes_through_a_proxy(proxy: &ConnectProxy) {
    clear_transport_env();
    let before = proxy.requests().len();
    let plain = Server::start(|_| answer()).await;
    std::env::set_var("HTTP_PROXY", &proxy.url);
    std::env::set_var("ALL_PROXY", &proxy.url);
    client(&plain.url).identify().await.unwrap();
    assert_eq!(
        proxy.requests().len(),
        before,
        "plain http went through the proxy"
    );
    assert_eq!(plain.requests().len(), 1);
    clear_transport_env();
}

//! The transport checks every provider client passes (issue 7, security pass): TLS
//! trusts the operating system's store, so a corporate CA works; `HTTPS_PROXY` and
//! `NO_PROXY` are honoured; a proxy that is down is an error, not a silent direct
//! connection; plain `http://` to loopback never goes through a proxy. All with servers
//! on loopback. Clients read the environment when they are built, and the environment is
//! process-global: each provider calls this from a test binary of its own, once.

use std::future::Future;

use oncall_model::{Identity, ProviderError};

use super::{clear_transport_env, Answer, ConnectProxy, Pki, Server};

/// Runs every check with a client built afresh by `identify(url)` each time (so it sees
/// the environment of that step). The server answers `answer()` to everything; the
/// client must report `user_id` and send `authorization` as its `Authorization` header.
pub async fn os_trust_store_and_proxy_environment<F, Fut>(
    identify: F,
    answer: fn() -> Answer,
    user_id: &str,
    authorization: &str,
) where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Identity, ProviderError>>,
{
    clear_transport_env();
    let pki = Pki::new();
    let server = Server::start_tls(&pki, move |_| answer()).await;
    assert!(
        server.url.starts_with("https://localhost:"),
        "{}",
        server.url
    );

    // The private CA is in no store yet: the handshake fails, and says why.
    let error = identify(server.url.clone()).await.unwrap_err();
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
    assert_eq!(identify(server.url.clone()).await.unwrap().user_id, user_id);
    let direct = server.requests();
    assert_eq!(direct.len(), 1);
    assert_eq!(direct[0].header("authorization"), Some(authorization));

    // Through the proxy: one tunnel to the API's host and port, and the proxy never
    // sees the token (it travels inside TLS).
    let proxy = ConnectProxy::start().await;
    std::env::set_var("HTTPS_PROXY", &proxy.url);
    assert_eq!(identify(server.url.clone()).await.unwrap().user_id, user_id);
    let tunnels = proxy.requests();
    assert_eq!(tunnels.len(), 1, "{tunnels:?}");
    assert_eq!(tunnels[0].method, "CONNECT");
    assert_eq!(tunnels[0].target, format!("localhost:{}", server.port));
    assert_eq!(tunnels[0].header("authorization"), None);
    assert_eq!(server.requests().len(), 2, "the tunnelled request arrived");

    // `NO_PROXY` naming the host: straight to the server, the proxy not even asked.
    std::env::set_var("NO_PROXY", "example.com, localhost");
    assert_eq!(identify(server.url.clone()).await.unwrap().user_id, user_id);
    assert_eq!(proxy.requests().len(), 1, "NO_PROXY was ignored");
    assert_eq!(server.requests().len(), 3);

    // A proxy that is down is a connection failure, not a silent direct connection.
    std::env::remove_var("NO_PROXY");
    std::env::set_var("HTTPS_PROXY", "http://127.0.0.1:9");
    let error = identify(server.url.clone()).await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unavailable { message } if message.contains("could not connect")),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 3);

    plain_http_to_loopback_never_goes_through_a_proxy(&identify, answer, &proxy).await;
    clear_transport_env();
}

/// Regression: plain http:// to loopback went through `HTTP_PROXY`/`ALL_PROXY`, with the
/// credential in clear text. Plain HTTP is allowed only because loopback crosses no
/// network; a proxy would carry it across one.
async fn plain_http_to_loopback_never_goes_through_a_proxy<F, Fut>(
    identify: &F,
    answer: fn() -> Answer,
    proxy: &ConnectProxy,
) where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Identity, ProviderError>>,
{
    clear_transport_env();
    let before = proxy.requests().len();
    let plain = Server::start(move |_| answer()).await;
    std::env::set_var("HTTP_PROXY", &proxy.url);
    std::env::set_var("ALL_PROXY", &proxy.url);
    identify(plain.url.clone()).await.unwrap();
    assert_eq!(
        proxy.requests().len(),
        before,
        "plain http went through the proxy"
    );
    assert_eq!(plain.requests().len(), 1);
    clear_transport_env();
}

//! A hostile or broken server (issue 7): bodies without end or with a lying length,
//! answers dripped a byte at a time, redirects to another origin, invalid UTF-8, deep
//! nesting, repeated fingerprints and titles carrying markup. A raw HTTP server on
//! loopback (`oncall_test_support::hostile`) plays Alertmanager here, not the real one.
//!
//! Its own test binary: `it/secrets.rs` captures the client's logs with a scoped
//! subscriber, which other threads logging through the same call sites can race.

use std::time::Duration;

use oncall_alertmanager::{AlertmanagerClient, AlertmanagerConfig, Auth, SecretString};
use oncall_model::{AccountId, ActionKind, Provider, ProviderError};
use oncall_test_support::hostile::checks::{self, Limits};
use oncall_test_support::hostile::expect::malformed_message;
use oncall_test_support::hostile::{Answer, Request, Server};
use serde_json::{json, Value};

const PASSWORD: &str = "hostile-test-password";

fn alert(fingerprint: &str, summary: &str) -> Value {
    json!({
        "fingerprint": fingerprint,
        "labels": {"alertname": "DiskFull", "instance": fingerprint},
        "annotations": {"summary": summary},
        "startsAt": "2024-05-01T09:00:00Z",
        "receivers": [{"name": "team"}],
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
    })
}

/// A server that answers the status and the silence list as an idle Alertmanager does
/// and the alert list with `alerts`.
async fn server(alerts: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Server {
    Server::start(move |request| match request.path() {
        "/api/v2/status" => Answer::json(json!({"uptime": "2024-05-01T09:00:00Z"}).to_string()),
        "/api/v2/silences" if request.method == "GET" => Answer::json("[]"),
        _ => alerts(request),
    })
    .await
}

fn client_with(server: &Server, tweak: impl FnOnce(&mut AlertmanagerConfig)) -> AlertmanagerClient {
    let mut config =
        AlertmanagerConfig::new(AccountId::new("prom"), server.url.parse().unwrap(), "pat");
    config.request_timeout = Duration::from_secs(5);
    config.auth = Auth::Basic {
        user: "pat".into(),
        password: SecretString::from(PASSWORD.to_owned()),
    };
    tweak(&mut config);
    AlertmanagerClient::new(config).unwrap()
}

/// A server answering every list request with `answer`, and a client for it.
async fn serve(answer: Answer, limits: Limits) -> (Server, AlertmanagerClient) {
    let server = server(move |_| answer.clone()).await;
    let client = client_with(&server, |c| {
        limits.apply(&mut c.max_body_bytes, &mut c.request_timeout)
    });
    (server, client)
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap() {
    checks::an_endless_body_is_cut_at_the_cap(
        serve,
        alert("fp", "x").to_string().into_bytes(),
        Duration::from_secs(4),
    )
    .await;
}

#[tokio::test]
async fn an_announced_huge_length_is_refused_before_reading() {
    checks::an_announced_huge_length_is_refused_before_reading(
        serve,
        Some(1024 * 1024),
        "1048576 byte limit",
        Duration::from_secs(4),
    )
    .await;
}

#[tokio::test]
async fn a_drip_fed_answer_times_out() {
    checks::a_drip_fed_answer_times_out(serve, json!([alert("fp1", "disk full")]).to_string())
        .await;
}

/// A redirect of the poll and of the silence an acknowledgement writes: neither is
/// followed, and a second server recording every request never sees one, so never the
/// credential.
#[tokio::test]
async fn redirects_to_another_origin_are_not_followed_and_never_get_the_credential() {
    let elsewhere = Server::start(|_| Answer::json("[]")).await;
    for status in [301, 302, 303, 307, 308] {
        let location = format!("http://localhost:{}/api/v2/alerts", elsewhere.port);
        let target = location.clone();
        let origin = server(move |_| Answer::redirect(status, &target)).await;
        let error = client_with(&origin, |_| {})
            .open_incidents()
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ProviderError::Rejected { status: s, message, .. }
                if *s == status && message.contains(&location)),
            "{status}: {error:?}"
        );
        let asked = origin.requests();
        assert_eq!(asked.len(), 1, "{status}: {asked:?}");
        assert!(asked[0]
            .header("authorization")
            .is_some_and(|v| v.starts_with("Basic ")));
    }

    let location = format!("http://127.0.0.1:{}/api/v2/silences", elsewhere.port);
    let origin = server(move |request| {
        if request.method == "POST" {
            Answer::redirect(307, &location)
        } else {
            Answer::json(json!([alert("fp1", "disk full")]).to_string())
        }
    })
    .await;
    let results = client_with(&origin, |_| {})
        .act(ActionKind::Acknowledge, &["fp1".to_owned()])
        .await;
    assert!(
        matches!(
            &results[..],
            [Err(ProviderError::Rejected { status: 307, .. })]
        ),
        "{results:?}"
    );
    assert!(origin.requests().iter().any(|r| r.method == "POST"));
    assert_eq!(elsewhere.requests(), vec![], "a redirect was followed");
}

#[tokio::test]
async fn invalid_utf8_is_malformed_with_a_short_message() {
    checks::invalid_utf8_is_malformed_with_a_short_message(
        serve,
        br#"[{"fingerprint":"fp1","startsAt":"2024-05-01T09:00:00Z","annotations":{"summary":"disk "#,
        br#""}}]"#,
    )
    .await;
}

/// Labels are a map of strings, so nesting can only sit in a field the client does not
/// read (skipped without recursion) or in a typed one (refused at once).
#[tokio::test]
async fn deeply_nested_json_is_skipped_or_refused_without_recursion() {
    let depth = 200_000;
    let (open, close) = ("[".repeat(depth), "]".repeat(depth));
    let mut skipped = alert("fp1", "disk full");
    skipped["extra"] = json!("PLACEHOLDER");
    let ignored = skipped
        .to_string()
        .replace("\"PLACEHOLDER\"", &format!("{open}{close}"));
    let listing = server(move |_| Answer::json(format!("[{ignored}]"))).await;
    let poll = client_with(&listing, |_| {})
        .open_incidents()
        .await
        .unwrap();
    assert_eq!(poll.incidents.len(), 1);

    let typed = format!(r#"[{{"fingerprint":"fp1","labels":{open}{close}}}]"#);
    let refusing = server(move |_| Answer::json(typed.clone())).await;
    let error = client_with(&refusing, |_| {})
        .open_incidents()
        .await
        .unwrap_err();
    assert!(
        malformed_message(&error).contains("invalid type: sequence"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_list_repeating_a_fingerprint_lists_the_alert_once_as_first_seen() {
    let body = json!([
        alert("fp1", "first"),
        alert("fp2", "other"),
        alert("fp1", "the same fingerprint again")
    ])
    .to_string();
    let server = server(move |_| Answer::json(body.clone())).await;
    let poll = client_with(&server, |_| {}).open_incidents().await.unwrap();
    let listed: Vec<(&str, &str)> = poll
        .incidents
        .iter()
        .map(|i| (i.key.id.as_str(), i.title.as_str()))
        .collect();
    assert_eq!(listed, [("fp1", "first"), ("fp2", "other")]);
}

/// The decoder keeps markup as text, every visible character of it (escaping it is the
/// notifier's job, `src-tauri/src/notifier/text.rs`), and drops only what would act on a
/// screen instead of being shown (`oncall_model::display_text`, issue 12): controls, bidi
/// controls, invisible characters; a line break becomes a space. Surrounding
/// whitespace is trimmed.
#[tokio::test]
async fn titles_keep_markup_as_text_and_lose_what_would_act_on_a_screen() {
    let summary =
        "<b>DB</b> <a href=\"https://evil.example\">down</a> &amp; \u{0}\u{7}\u{1b}[31m\u{202e}\r\nend";
    let body = json!([alert("fp1", summary)]).to_string();
    let server = server(move |_| Answer::json(body.clone())).await;
    let poll = client_with(&server, |_| {}).open_incidents().await.unwrap();
    assert_eq!(
        poll.incidents[0].title,
        "<b>DB</b> <a href=\"https://evil.example\">down</a> &amp; [31m end"
    );
}

//! A hostile or broken server (issue 7): bodies without end or with a lying length,
//! answers dripped a byte at a time, redirects to another origin, invalid UTF-8, deep
//! nesting, repeated fingerprints and titles carrying markup; writes that keep an
//! acknowledgement alive failing, or answered with a new silence. A raw HTTP server on
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
        .act(&ActionKind::Acknowledge, &["fp1".to_owned()])
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

/// One active acknowledgement of ours on `alertname="DiskFull", instance="fp1"`, made an
/// hour ago and ending in 10 minutes: due for an extension on a 2 h ack.
fn our_silence(id: &str) -> Value {
    let now = chrono::Utc::now();
    json!([{
        "id": id,
        "status": {"state": "active"},
        "updatedAt": now - chrono::Duration::hours(1),
        "comment": format!("{} at {}", oncall_alertmanager::ACK_COMMENT,
            (now - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ")),
        "createdBy": "pat",
        "startsAt": now - chrono::Duration::hours(1),
        "endsAt": now + chrono::Duration::minutes(10),
        "matchers": [
            {"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true},
            {"name": "instance", "value": "fp1", "isRegex": false, "isEqual": true}
        ]
    }])
}

fn storage_error() -> Answer {
    Answer::Http {
        status: 500,
        headers: vec![("content-type".into(), "application/json".into())],
        body: br#""storage error""#.to_vec(),
    }
}

/// Alertmanager may answer an update with a new silence (it expired the old one); a
/// refused extension is logged, and neither changes what the poll shows.
#[tokio::test]
async fn an_extension_answered_with_a_new_silence_or_refused_leaves_the_poll_good() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let posts = AtomicUsize::new(0);
    let server = Server::start(
        move |request| match (request.method.as_str(), request.path()) {
            ("GET", "/api/v2/alerts") => {
                let mut acked = alert("fp1", "Disk full");
                acked["status"]["silencedBy"] = json!(["s1"]);
                Answer::json(json!([acked]).to_string())
            }
            ("GET", "/api/v2/silences") => Answer::json(our_silence("s1").to_string()),
            ("POST", "/api/v2/silences") if posts.fetch_add(1, Ordering::SeqCst) == 0 => {
                Answer::json(json!({"silenceID": "s2"}).to_string())
            }
            _ => storage_error(),
        },
    )
    .await;
    let client = client_with(&server, |_| {});
    for _ in 0..2 {
        let result = client.open_incidents().await.unwrap();
        assert_eq!(result.requests, 3, "alerts, silences, the extension");
        assert_eq!(result.incidents.len(), 1);
        assert_eq!(
            result.incidents[0].status,
            oncall_model::Status::Acknowledged
        );
    }
    let extensions: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.target)
        .collect();
    assert_eq!(extensions, ["/api/v2/silences", "/api/v2/silences"]);
}

/// An expiry that fails is tried again on the next poll, which stays good meanwhile.
#[tokio::test]
async fn an_expiry_that_fails_is_tried_again_on_the_next_poll() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let deletes = AtomicUsize::new(0);
    let server = Server::start(
        move |request| match (request.method.as_str(), request.path()) {
            // The alert resolved: gone from the poll, and from the question with the
            // silence's matchers.
            ("GET", "/api/v2/alerts") => Answer::json("[]"),
            ("GET", "/api/v2/silences") => Answer::json(our_silence("s1").to_string()),
            ("DELETE", "/api/v2/silence/s1") if deletes.fetch_add(1, Ordering::SeqCst) == 0 => {
                storage_error()
            }
            ("DELETE", "/api/v2/silence/s1") => Answer::json(""),
            _ => storage_error(),
        },
    )
    .await;
    let client = client_with(&server, |_| {});
    for _ in 0..2 {
        let result = client.open_incidents().await.unwrap();
        assert!(result.incidents.is_empty());
        assert_eq!(
            result.requests, 4,
            "alerts, silences, the question, the expiry"
        );
    }
    let targets: Vec<(String, String)> = server
        .requests()
        .into_iter()
        .map(|r| (r.method, r.target))
        .collect();
    let question = (
        "GET".to_owned(),
        "/api/v2/alerts?filter=alertname%3D%22DiskFull%22&filter=instance%3D%22fp1%22".to_owned(),
    );
    let expiry = ("DELETE".to_owned(), "/api/v2/silence/s1".to_owned());
    assert_eq!(targets[2], question);
    assert_eq!(targets[3], expiry);
    assert_eq!(&targets[6..], [question, expiry]);
}

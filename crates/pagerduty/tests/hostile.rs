//! A hostile or broken server (issue 7): bodies without end or with a lying length,
//! answers dripped a byte at a time, redirects to another origin, invalid UTF-8, deep
//! nesting, repeated ids and titles carrying markup. Each is a raw HTTP server on
//! loopback (`oncall_test_support::hostile`), so nothing depends on a fake behaving nicely.
//!
//! Its own test binary: `it/secrets.rs` captures the client's logs with a scoped
//! subscriber, which other threads logging through the same call sites can race.

use std::time::{Duration, Instant};

use oncall_model::{ActionKind, Provider, ProviderError};
use oncall_pagerduty::{Credential, PagerDutyClient, PagerDutyConfig};
use oncall_test_support::hostile::checks::{self, Limits};
use oncall_test_support::hostile::expect::malformed_message;
use oncall_test_support::hostile::{Answer, Request, Server};
use oncall_test_support::pagerduty::{self, config, secret};
use serde_json::json;

const TOKEN: &str = "hostile-test-token";

fn me() -> Answer {
    Answer::json(
        json!({"user": {"id": "PME", "name": "Me", "email": "me@example.com"}}).to_string(),
    )
}

/// A server that answers `/users/me` as PagerDuty does and everything else with `list`.
async fn server(list: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Server {
    Server::start(move |request| {
        if request.path() == "/users/me" {
            me()
        } else {
            list(request)
        }
    })
    .await
}

fn client_with(server: &Server, tweak: impl FnOnce(&mut PagerDutyConfig)) -> PagerDutyClient {
    let mut config = config(&server.url, Credential::ApiToken(secret(TOKEN)));
    tweak(&mut config);
    PagerDutyClient::new(config).unwrap()
}

fn page(incidents: Vec<serde_json::Value>) -> Answer {
    Answer::json(json!({"incidents": incidents, "more": false, "limit": 100}).to_string())
}

/// A server answering every list request with `answer`, and a client for it.
async fn serve(answer: Answer, limits: Limits) -> (Server, PagerDutyClient) {
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
        br#"{"id":"PX","status":"triggered"},"#.repeat(64),
        Duration::from_secs(5),
    )
    .await;
}

#[tokio::test]
async fn an_announced_huge_length_is_refused_before_reading() {
    checks::an_announced_huge_length_is_refused_before_reading(
        serve,
        None,
        "8388608 byte limit",
        Duration::from_secs(5),
    )
    .await;
}

/// A full, valid answer whose bytes arrive 50 ms apart (the head alone takes seconds).
fn drip(prefix_len: usize) -> Answer {
    let body = json!({"incidents": [pagerduty::incident(1)], "more": false}).to_string();
    let bytes = Answer::response_bytes(
        200,
        &[("content-type".into(), "application/json".into())],
        body.as_bytes(),
    );
    let prefix_len = prefix_len.min(bytes.len());
    Answer::Drip {
        prefix: bytes[..prefix_len].to_vec(),
        bytes: bytes[prefix_len..].to_vec(),
        every: Duration::from_millis(50),
    }
}

#[tokio::test]
async fn a_drip_fed_head_or_body_times_out() {
    for (what, prefix_len) in [("head", 0), ("body", usize::MAX / 2)] {
        // With `usize::MAX / 2` only the head comes at once: find where it ends.
        let prefix_len = if prefix_len == 0 {
            0
        } else {
            let Answer::Drip { prefix, .. } = drip(usize::MAX) else {
                unreachable!()
            };
            prefix.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4
        };
        let server = server(move |_| drip(prefix_len)).await;
        let client = client_with(&server, |c| c.request_timeout = Duration::from_millis(800));
        client.identify().await.unwrap();
        let started = Instant::now();
        let error = client.open_incidents().await.unwrap_err();
        assert!(
            matches!(&error, ProviderError::Unavailable { message }
                if message == "no complete answer within 800 ms"),
            "{what}: {error:?}"
        );
        assert!(error.is_transient(), "{what}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{what}: {:?}",
            started.elapsed()
        );
    }
}

/// Every redirect status, to another port and to another host name: the client stops
/// at the first answer, and the other origin (a second server recording every request)
/// never sees a request, so never the token.
#[tokio::test]
async fn redirects_to_another_origin_are_not_followed_and_never_get_the_token() {
    let elsewhere = Server::start(|_| me()).await;
    for status in [301, 302, 303, 307, 308] {
        for host in ["127.0.0.1", "localhost"] {
            let location = format!("http://{host}:{}/users/me", elsewhere.port);
            let target = location.clone();
            let origin = Server::start(move |_| Answer::redirect(status, &target)).await;
            let client = client_with(&origin, |_| {});
            let error = client.identify().await.unwrap_err();
            assert!(
                matches!(&error, ProviderError::Rejected { status: s, message, .. }
                    if *s == status && message.contains(&location)),
                "{status} {host}: {error:?}"
            );
            let asked = origin.requests();
            assert_eq!(asked.len(), 1, "{status} {host}: {asked:?}");
            assert_eq!(
                asked[0].header("authorization"),
                Some(format!("Token token={TOKEN}").as_str()),
                "the origin itself did get the token"
            );
        }
    }
    assert_eq!(elsewhere.requests(), vec![], "a redirect was followed");
}

/// 307 and 308 keep the method and body: an acknowledgement redirected elsewhere would
/// be replayed there with the token.
#[tokio::test]
async fn a_redirected_acknowledgement_is_not_replayed_elsewhere() {
    let elsewhere = Server::start(|_| Answer::json("{}")).await;
    for status in [307, 308] {
        let location = format!("http://127.0.0.1:{}/incidents", elsewhere.port);
        let origin = server(move |_| Answer::redirect(status, &location)).await;
        let client = client_with(&origin, |_| {});
        let results = client
            .act(&ActionKind::Acknowledge, &["P1".to_owned()])
            .await;
        assert!(
            matches!(&results[..], [Err(ProviderError::Rejected { status: s, .. })] if *s == status),
            "{status}: {results:?}"
        );
        let methods: Vec<String> = origin.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(methods, ["GET", "PUT"], "{status}");
    }
    assert_eq!(
        elsewhere.requests(),
        vec![],
        "a write was replayed elsewhere"
    );
}

#[tokio::test]
async fn invalid_utf8_is_malformed_with_a_short_message() {
    checks::invalid_utf8_is_malformed_with_a_short_message(
        serve,
        br#"{"incidents":[{"id":"P1","status":"triggered","created_at":"2024-05-01T09:00:00Z","title":"disk "#,
        br#" full"}],"more":false}"#,
    )
    .await;
}

#[tokio::test]
async fn invalid_utf8_in_an_error_body_keeps_the_status() {
    let server = server(|_| Answer::Http {
        status: 503,
        headers: vec![("content-type".into(), "application/json".into())],
        body: b"{\"error\":{\"message\":\"down \xFF\xFE\"}}".to_vec(),
    })
    .await;
    let error = client_with(&server, |_| {})
        .open_incidents()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unavailable { message } if message.contains("503")),
        "{error:?}"
    );
}

/// 200,000 levels of nesting never reach the stack: serde_json skips a field the client
/// does not read without recursing, and a typed field refuses an array at once.
#[tokio::test]
async fn deeply_nested_json_is_skipped_or_refused_without_recursion() {
    let depth = 200_000;
    let (open, close) = ("[".repeat(depth), "]".repeat(depth));
    let ignored = format!(
        r#"{{"incidents":[{}],"more":false,"extra":{open}{close}}}"#,
        pagerduty::incident(1)
    );
    let skipping = server(move |_| Answer::json(ignored.clone())).await;
    let poll = client_with(&skipping, |_| {})
        .open_incidents()
        .await
        .unwrap();
    assert_eq!(poll.incidents.len(), 1);

    let unterminated = format!(r#"{{"incidents":[{{"id":"P1","pending_actions":{open}"#);
    let typed = format!(r#"{{"incidents":{open}{close}}}"#);
    for (what, body, expected) in [
        ("unterminated", unterminated, "EOF while parsing a list"),
        ("where an incident belongs", typed, "invalid type: sequence"),
    ] {
        let server = server(move |_| Answer::json(body.clone())).await;
        let error = client_with(&server, |_| {})
            .open_incidents()
            .await
            .unwrap_err();
        assert!(
            malformed_message(&error).contains(expected),
            "{what}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_page_repeating_an_id_lists_the_incident_once_as_first_seen() {
    let mut again = pagerduty::incident(1);
    again["title"] = json!("the same id again");
    let server = server(move |_| {
        page(vec![
            pagerduty::incident(1),
            pagerduty::incident(2),
            again.clone(),
        ])
    })
    .await;
    let poll = client_with(&server, |_| {}).open_incidents().await.unwrap();
    let listed: Vec<(&str, &str)> = poll
        .incidents
        .iter()
        .map(|i| (i.key.id.as_str(), i.title.as_str()))
        .collect();
    assert_eq!(
        listed,
        [("PINC0001", "incident 1"), ("PINC0002", "incident 2")]
    );
}

/// The decoder keeps markup as text, every visible character of it (escaping it is the
/// notifier's job, `src-tauri/src/notifier/text.rs`), and drops only what would act on a
/// screen instead of being shown (`oncall_model::display_text`, issue 12): controls, bidi
/// controls, invisible characters; a line break becomes a space.
#[tokio::test]
async fn titles_keep_markup_as_text_and_lose_what_would_act_on_a_screen() {
    let title = "<b>DB</b> <a href=\"https://evil.example\">down</a> &amp; \u{0}\u{7}\u{1b}[31m\u{202e}\r\nend";
    let service = "<img src=x onerror=alert(1)>";
    let mut incident = pagerduty::incident(1);
    incident["title"] = json!(title);
    incident["service"] = json!({"id": "PS", "summary": service});
    let server = server(move |_| page(vec![incident.clone()])).await;
    let poll = client_with(&server, |_| {}).open_incidents().await.unwrap();
    assert_eq!(
        poll.incidents[0].title,
        "<b>DB</b> <a href=\"https://evil.example\">down</a> &amp; [31m end"
    );
    assert_eq!(poll.incidents[0].service.as_deref(), Some(service));
}

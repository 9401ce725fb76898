//! A hostile or broken server: bodies without end or with a lying length, answers
//! dripped a byte at a time, redirects to another origin, invalid UTF-8, deep nesting,
//! repeated alert ids and titles carrying markup. A raw HTTP server on loopback
//! (`oncall_test_support::hostile`) plays both the Jira site (its `tenant_info`) and the
//! API, not the fake.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use oncall_jsm::{site_url, JsmClient, JsmConfig, SecretString};
use oncall_model::{AccountId, ActionKind, Provider, ProviderError};
use oncall_test_support::hostile::checks::{self, Limits};
use oncall_test_support::hostile::expect::malformed_message;
use oncall_test_support::hostile::{Answer, Request, Server};
use serde_json::{json, Value};

const TOKEN: &str = "hostile-test-token";
const CLOUD: &str = "c1";

fn alert(id: &str, message: &str) -> Value {
    json!({
        "id": id, "tinyId": "1", "message": message, "status": "open",
        "acknowledged": false, "snoozed": false, "priority": "P1",
        "createdAt": "2024-05-01T09:00:00Z", "updatedAt": "2024-05-01T09:00:00Z"
    })
}

fn list(alerts: Vec<Value>) -> Answer {
    Answer::json(json!({"values": alerts, "links": {}}).to_string())
}

/// A server that tells its cloud id like a Jira site and answers everything else with
/// `answer`.
async fn server(answer: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Server {
    Server::start(move |request| {
        if request.path() == "/_edge/tenant_info" {
            Answer::json(json!({ "cloudId": CLOUD }).to_string())
        } else {
            answer(request)
        }
    })
    .await
}

fn client_with(server: &Server, tweak: impl FnOnce(&mut JsmConfig)) -> JsmClient {
    let mut config = JsmConfig::new(
        AccountId::new("jsm"),
        site_url(&server.url).unwrap(),
        server.url.parse().unwrap(),
        "pat@example.com".to_owned(),
        SecretString::from(TOKEN.to_owned()),
    );
    config.request_timeout = Duration::from_secs(10);
    config.confirm_timeout = Duration::from_secs(5);
    tweak(&mut config);
    JsmClient::new(config).unwrap()
}

/// A server answering every list request with `answer`, and a client for it.
async fn serve(answer: Answer, limits: Limits) -> (Server, JsmClient) {
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
        alert("a", "x").to_string().into_bytes(),
        Duration::from_secs(5),
    )
    .await;
}

#[tokio::test]
async fn an_announced_huge_length_is_refused_before_reading() {
    checks::an_announced_huge_length_is_refused_before_reading(
        serve,
        Some(1024 * 1024),
        "1048576 byte limit",
        Duration::from_secs(5),
    )
    .await;
}

#[tokio::test]
async fn a_drip_fed_answer_times_out() {
    checks::a_drip_fed_answer_times_out(
        serve,
        json!({"values": [alert("a1", "disk full")]}).to_string(),
    )
    .await;
}

#[tokio::test]
async fn invalid_utf8_is_malformed_with_a_short_message() {
    checks::invalid_utf8_is_malformed_with_a_short_message(
        serve,
        br#"{"values":[{"id":"a1","createdAt":"2024-05-01T09:00:00Z","message":"disk "#,
        br#""}]}"#,
    )
    .await;
}

/// A redirect of the poll, and of an acknowledgement (307 keeps the method and body),
/// is not followed: a second server recording every request never sees one, so never
/// the token.
#[tokio::test]
async fn redirects_to_another_origin_are_not_followed_and_never_get_the_token() {
    let elsewhere = Server::start(|_| list(vec![])).await;
    for status in [301, 302, 303, 307, 308] {
        let location = format!("http://localhost:{}/v1/alerts", elsewhere.port);
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
        let asked: Vec<_> = origin
            .requests()
            .into_iter()
            .filter(|r| r.path() != "/_edge/tenant_info")
            .collect();
        assert_eq!(asked.len(), 1, "{status}: {asked:?}");
        assert!(asked[0]
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic ")));
    }

    let location = format!(
        "http://127.0.0.1:{}/v1/alerts/a1/acknowledge",
        elsewhere.port
    );
    let origin = server(move |_| Answer::redirect(307, &location)).await;
    let results = client_with(&origin, |_| {})
        .act(&ActionKind::Acknowledge, &["a1".to_owned()])
        .await;
    assert!(
        matches!(
            &results[..],
            [Err(ProviderError::Rejected { status: 307, .. })]
        ),
        "{results:?}"
    );
    assert_eq!(elsewhere.requests(), vec![], "a redirect was followed");
}

/// A site that redirects `tenant_info` elsewhere is not followed either.
#[tokio::test]
async fn a_redirecting_site_is_refused() {
    let elsewhere = Server::start(|_| list(vec![])).await;
    let location = format!("http://127.0.0.1:{}/_edge/tenant_info", elsewhere.port);
    let site = Server::start(move |_| Answer::redirect(302, &location)).await;
    let error = client_with(&site, |_| {}).identify().await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Rejected { status: 302, .. }),
        "{error:?}"
    );
    assert_eq!(elsewhere.requests(), vec![]);
}

/// Nesting in a field the client does not read is skipped without recursion; in a
/// typed field it is refused at once.
#[tokio::test]
async fn deeply_nested_json_is_skipped_or_refused_without_recursion() {
    let depth = 200_000;
    let (open, close) = ("[".repeat(depth), "]".repeat(depth));
    let mut skipped = alert("a1", "disk full");
    skipped["details"] = json!("PLACEHOLDER");
    let ignored = json!({"values": [skipped]})
        .to_string()
        .replace("\"PLACEHOLDER\"", &format!("{open}{close}"));
    let listing = server(move |_| Answer::json(ignored.clone())).await;
    let poll = client_with(&listing, |_| {})
        .open_incidents()
        .await
        .unwrap();
    assert_eq!(poll.incidents.len(), 1);

    let typed = format!(r#"{{"values":[{{"id":"a1","tags":{open}{close}}}]}}"#);
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

/// The same id twice in a page and again on the next page: listed once, as first seen.
/// The second page's link is absolute, on the server's own origin.
#[tokio::test]
async fn repeated_alert_ids_are_listed_once_as_first_seen() {
    let origin = Arc::new(OnceLock::<String>::new());
    let own = origin.clone();
    let server = server(move |request| {
        if request.target.contains("offset=100") {
            list(vec![alert("a1", "again on page two"), alert("a3", "third")])
        } else {
            let next = format!(
                "{}/jsm/ops/api/{CLOUD}/v1/alerts?offset=100&size=100",
                own.get().unwrap()
            );
            Answer::json(
                json!({
                    "values": [alert("a1", "first"), alert("a2", "second"), alert("a1", "again")],
                    "links": {"next": next}
                })
                .to_string(),
            )
        }
    })
    .await;
    origin.set(server.url.clone()).unwrap();
    let poll = client_with(&server, |_| {}).open_incidents().await.unwrap();
    assert_eq!(poll.requests, 2);
    let listed: Vec<(&str, &str)> = poll
        .incidents
        .iter()
        .map(|i| (i.key.id.as_str(), i.title.as_str()))
        .collect();
    assert_eq!(listed, [("a1", "first"), ("a2", "second"), ("a3", "third")]);
}

/// Markup stays text (escaping it is the notifier's job); controls, bidi controls and
/// invisible characters go (`oncall_model::display_text`).
#[tokio::test]
async fn titles_keep_markup_as_text_and_lose_what_would_act_on_a_screen() {
    let message =
        "<b>DB</b> <a href=\"https://evil.example\">down</a> &amp; \u{0}\u{7}\u{1b}[31m\u{202e}\r\nend";
    let server = server(move |_| list(vec![alert("a1", message)])).await;
    let poll = client_with(&server, |_| {}).open_incidents().await.unwrap();
    assert_eq!(
        poll.incidents[0].title,
        "<b>DB</b> <a href=\"https://evil.example\">down</a> &amp; [31m end"
    );
}

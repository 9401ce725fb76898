//! A hostile or broken server (issue 7): bodies without end or with a lying length,
//! answers dripped a byte at a time, redirects to another origin, invalid UTF-8, deep
//! nesting, repeated group ids and titles carrying markup. A raw HTTP server on loopback
//! (`oncall_test_support::hostile`) plays Grafana OnCall, not the fake.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use oncall_grafana_oncall::{GrafanaOnCallClient, GrafanaOnCallConfig, SecretString};
use oncall_model::{AccountId, ActionKind, Provider, ProviderError};
use oncall_test_support::hostile::checks::{self, Limits};
use oncall_test_support::hostile::expect::malformed_message;
use oncall_test_support::hostile::{Answer, Request, Server};
use serde_json::{json, Value};

const KEY: &str = "hostile-test-key";

fn group(id: &str, title: &str) -> Value {
    json!({
        "id": id, "integration_id": "C1", "state": "firing", "title": title,
        "created_at": "2024-05-01T09:00:00Z", "acknowledged_at": null, "silenced_at": null
    })
}

fn page(groups: Vec<Value>) -> Answer {
    Answer::json(json!({"count": groups.len(), "next": null, "results": groups}).to_string())
}

async fn server(answer: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Server {
    Server::start(answer).await
}

fn client_with(
    server: &Server,
    tweak: impl FnOnce(&mut GrafanaOnCallConfig),
) -> GrafanaOnCallClient {
    let mut config = GrafanaOnCallConfig::new(
        AccountId::new("irm"),
        server.url.parse().unwrap(),
        SecretString::from(KEY.to_owned()),
    );
    config.request_timeout = Duration::from_secs(10);
    tweak(&mut config);
    GrafanaOnCallClient::new(config).unwrap()
}

/// A server answering every list request with `answer`, and a client for it.
async fn serve(answer: Answer, limits: Limits) -> (Server, GrafanaOnCallClient) {
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
        group("I1", "x").to_string().into_bytes(),
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
        json!({"next": null, "results": [group("I1", "disk full")]}).to_string(),
    )
    .await;
}

/// A redirect of the poll, and of an acknowledgement (307 keeps the method and body),
/// is not followed: a second server recording every request never sees one, so never
/// the key.
#[tokio::test]
async fn redirects_to_another_origin_are_not_followed_and_never_get_the_key() {
    let elsewhere = Server::start(|_| page(vec![])).await;
    for status in [301, 302, 303, 307, 308] {
        let location = format!("http://localhost:{}/api/v1/alert_groups/", elsewhere.port);
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
        assert_eq!(asked[0].header("authorization"), Some(KEY));
    }

    let location = format!(
        "http://127.0.0.1:{}/api/v1/alert_groups/I1/acknowledge",
        elsewhere.port
    );
    let origin = server(move |_| Answer::redirect(307, &location)).await;
    let results = client_with(&origin, |_| {})
        .act(&ActionKind::Acknowledge, &["I1".to_owned()])
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

#[tokio::test]
async fn invalid_utf8_is_malformed_with_a_short_message() {
    checks::invalid_utf8_is_malformed_with_a_short_message(
        serve,
        br#"{"next":null,"results":[{"id":"I1","created_at":"2024-05-01T09:00:00Z","title":"disk "#,
        br#""}]}"#,
    )
    .await;
}

/// Nesting in a field the client does not read is skipped without recursion; in a
/// typed field it is refused at once.
#[tokio::test]
async fn deeply_nested_json_is_skipped_or_refused_without_recursion() {
    let depth = 200_000;
    let (open, close) = ("[".repeat(depth), "]".repeat(depth));
    let mut skipped = group("I1", "disk full");
    skipped["last_alert"] = json!("PLACEHOLDER");
    let ignored = json!({"next": null, "results": [skipped]})
        .to_string()
        .replace("\"PLACEHOLDER\"", &format!("{open}{close}"));
    let listing = server(move |_| Answer::json(ignored.clone())).await;
    let poll = client_with(&listing, |_| {})
        .open_incidents()
        .await
        .unwrap();
    assert_eq!(poll.incidents.len(), 1);

    let typed = format!(r#"{{"next":null,"results":[{{"id":"I1","title":{open}{close}}}]}}"#);
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

/// The same id twice in a page, again on the next page and in the acknowledged list:
/// listed once, as first seen.
#[tokio::test]
async fn repeated_group_ids_are_listed_once_as_first_seen() {
    // `next` is absolute, on the server's own origin, known once it listens.
    let origin = Arc::new(OnceLock::<String>::new());
    let own = origin.clone();
    let server = server(move |request| {
        if request.target.contains("state=acknowledged") {
            page(vec![group("I2", "acknowledged copy")])
        } else if request.target.contains("page=2") {
            page(vec![group("I1", "again on page two"), group("I3", "third")])
        } else {
            let next = format!(
                "{}/api/v1/alert_groups/?state=new&page=2",
                own.get().unwrap()
            );
            Answer::json(
                json!({
                    "next": next,
                    "results": [group("I1", "first"), group("I2", "second"), group("I1", "again")],
                })
                .to_string(),
            )
        }
    })
    .await;
    origin.set(server.url.clone()).unwrap();
    let poll = client_with(&server, |_| {}).open_incidents().await.unwrap();
    assert_eq!(poll.requests, 3);
    let listed: Vec<(&str, &str)> = poll
        .incidents
        .iter()
        .map(|i| (i.key.id.as_str(), i.title.as_str()))
        .collect();
    assert_eq!(listed, [("I1", "first"), ("I2", "second"), ("I3", "third")]);
}

/// A `next` that points to another list of the same origin is refused: the key is
/// sent only where the poll means to read.
#[tokio::test]
async fn a_next_link_to_another_path_is_refused() {
    let origin = Arc::new(OnceLock::<String>::new());
    let own = origin.clone();
    let server = server(move |_| {
        let next = format!("{}/api/v1/users/?page=2", own.get().unwrap());
        Answer::json(json!({"next": next, "results": []}).to_string())
    })
    .await;
    origin.set(server.url.clone()).unwrap();
    let error = client_with(&server, |_| {})
        .open_incidents()
        .await
        .unwrap_err();
    assert!(
        malformed_message(&error).contains("instead of the list"),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

/// The decoder keeps markup as text and drops only what would act on a screen
/// (`oncall_model::display_text`): controls, bidi controls, invisible characters; a line
/// break becomes a space.
#[tokio::test]
async fn titles_keep_markup_as_text_and_lose_what_would_act_on_a_screen() {
    let title =
        "<b>DB</b> <a href=\"https://evil.example\">down</a> &amp; \u{0}\u{7}\u{1b}[31m\u{202e}\r\nend";
    let server = server(move |request| {
        if request.target.contains("state=new") {
            page(vec![group("I1", title)])
        } else {
            page(vec![])
        }
    })
    .await;
    let poll = client_with(&server, |_| {}).open_incidents().await.unwrap();
    assert_eq!(
        poll.incidents[0].title,
        "<b>DB</b> <a href=\"https://evil.example\">down</a> &amp; [31m end"
    );
}

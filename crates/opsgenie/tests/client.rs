//! The client against the fake Opsgenie over loopback.

use std::time::Duration;

use oncall_fake_opsgenie::{
    FakeOpsgenie, FakeResponder, Fault, FaultKind, NewAlert, Route, RunningFake, API_KEY,
};
use oncall_model::{
    AccountId, ActionKind, ActionOutcome, Provider, ProviderError, Status, Urgency,
};
use oncall_opsgenie::{OpsgenieClient, OpsgenieConfig, SecretString};

async fn setup(
    tweak: impl FnOnce(&mut OpsgenieConfig),
) -> (FakeOpsgenie, RunningFake, OpsgenieClient) {
    let fake = FakeOpsgenie::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut config = OpsgenieConfig::new(
        AccountId::new("ops"),
        running.url.parse().unwrap(),
        SecretString::from(API_KEY.to_owned()),
    );
    config.confirm_timeout = Duration::from_secs(5);
    tweak(&mut config);
    let client = OpsgenieClient::new(config).unwrap();
    (fake, running, client)
}

#[tokio::test]
async fn lists_every_page_with_the_genie_key_and_maps_priority() {
    let (fake, _running, client) = setup(|_| {}).await;
    for n in 0..250 {
        let priority = ["P1", "P2", "P3", "P4", "P5"][n % 5];
        fake.create_alert(NewAlert::new(&format!("alert {n}")).priority(priority));
    }
    let closed = fake.create_alert(NewAlert::new("gone"));
    fake.close(&closed);
    let poll = client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents.len(), 250);
    assert_eq!(poll.requests, 3);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_eq!(
            r.header("authorization"),
            Some(format!("GenieKey {API_KEY}").as_str())
        );
        assert!(
            r.query.contains("limit=100") && r.query.contains("query=status%3Aopen"),
            "{}",
            r.query
        );
    }
    let high = poll
        .incidents
        .iter()
        .filter(|i| i.urgency == Urgency::High)
        .count();
    assert_eq!(high, 100);
    let first = poll
        .incidents
        .iter()
        .find(|i| i.title == "alert 0")
        .unwrap();
    assert_eq!(first.number, Some(1));
    assert_eq!(first.status, Status::Triggered);
    assert_eq!(first.priority.as_deref(), Some("P1"));
    assert!(first.is_mine());
}

#[tokio::test]
async fn the_query_selects_the_alerts() {
    let (fake, _running, client) = setup(|c| {
        c.query = OpsgenieConfig::query_for(Some("pat"));
    })
    .await;
    fake.create_alert(NewAlert::new("mine").responder(FakeResponder::user("pat")));
    fake.create_alert(NewAlert::new("theirs").responder(FakeResponder::user("sam")));
    let poll = client.open_incidents().await.unwrap();
    let titles: Vec<_> = poll.incidents.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["mine"]);
}

#[tokio::test]
async fn paging_links_to_another_origin_are_refused() {
    let (fake, _running, client) = setup(|_| {}).await;
    for n in 0..101 {
        fake.create_alert(NewAlert::new(&format!("a{n}")));
    }
    fake.set_public_url("http://127.0.0.2:9");
    let err = client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Malformed { message } if message.contains("another origin")),
        "{err:?}"
    );
    assert_eq!(fake.requests().len(), 1, "nothing sent elsewhere");
}

#[tokio::test]
async fn acknowledge_is_confirmed_through_the_request_status() {
    let (fake, _running, client) = setup(|_| {}).await;
    let id = fake.create_alert(NewAlert::new("disk"));
    let results = client
        .act(&ActionKind::Acknowledge, &[id.clone(), "missing".into()])
        .await;
    assert_eq!(
        results,
        vec![Ok(ActionOutcome::Done), Ok(ActionOutcome::AlreadyResolved)]
    );
    assert!(fake.alert(&id).unwrap().acknowledged);
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.path.starts_with("/v2/alerts/requests/")));
    // Again: "already acknowledged" still means the user's intent holds.
    assert_eq!(
        client
            .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
            .await,
        vec![Ok(ActionOutcome::AlreadyDone)]
    );
    let poll = client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents[0].status, Status::Acknowledged);
}

#[tokio::test]
async fn actions_name_the_user_when_one_is_configured() {
    let (fake, _running, client) = setup(|c| c.user = Some("pat@example.com".into())).await;
    let id = fake.create_alert(NewAlert::new("disk"));
    let results = client
        .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
        .await;
    assert_eq!(results, vec![Ok(ActionOutcome::Done)]);
    let ack = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/acknowledge"))
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&ack.body).unwrap();
    assert_eq!(body["user"], "pat@example.com");
}

#[tokio::test]
async fn close_snooze_and_unacknowledge() {
    let (fake, _running, client) = setup(|_| {}).await;
    let a = fake.create_alert(NewAlert::new("a"));
    let b = fake.create_alert(NewAlert::new("b"));
    fake.acknowledge_elsewhere(&b, "sam");
    assert_eq!(
        client
            .act(
                &ActionKind::Snooze { seconds: 600 },
                std::slice::from_ref(&a)
            )
            .await,
        vec![Ok(ActionOutcome::Done)]
    );
    assert!(fake.alert(&a).unwrap().snoozed);
    let snooze = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/snooze"))
        .unwrap();
    assert!(snooze.body.contains("endTime"), "{}", snooze.body);
    assert_eq!(
        client
            .act(&ActionKind::Unacknowledge, std::slice::from_ref(&b))
            .await,
        vec![Ok(ActionOutcome::Done)]
    );
    assert!(!fake.alert(&b).unwrap().acknowledged);
    assert_eq!(
        client
            .act(&ActionKind::Resolve, std::slice::from_ref(&a))
            .await,
        vec![Ok(ActionOutcome::Done)]
    );
    assert_eq!(fake.alert(&a).unwrap().status, "closed");
    assert_eq!(
        client.act(&ActionKind::Resolve, &[a]).await,
        vec![Ok(ActionOutcome::AlreadyResolved)]
    );
}

#[tokio::test]
async fn an_unprocessed_request_is_unavailable_within_confirm_timeout() {
    let (fake, _running, client) = setup(|c| c.confirm_timeout = Duration::from_millis(900)).await;
    let id = fake.create_alert(NewAlert::new("slow"));
    fake.hold_processing(true);
    let started = std::time::Instant::now();
    let results = client
        .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
        .await;
    let took = started.elapsed();
    assert!(
        matches!(&results[0], Err(ProviderError::Unavailable { .. })),
        "{results:?}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    // Processed later: the retry the engine sends is harmless.
    fake.hold_processing(false);
    assert_eq!(
        client.act(&ActionKind::Acknowledge, &[id]).await,
        vec![Ok(ActionOutcome::AlreadyDone)]
    );
}

/// Whether an error is the expected one.
type Check = fn(&ProviderError) -> bool;

#[tokio::test]
async fn failures_become_the_right_errors() {
    let (fake, _running, client) = setup(|_| {}).await;
    let cases: Vec<(FaultKind, Check)> = vec![
        (FaultKind::Unauthorized, |e| {
            matches!(e, ProviderError::Unauthorized { status: 401, .. })
        }),
        (FaultKind::Forbidden, |e| {
            matches!(e, ProviderError::Unauthorized { status: 403, .. })
        }),
        (
            FaultKind::RateLimited {
                period_secs: Some(60),
            },
            |e| matches!(e, ProviderError::RateLimited { retry_after: None }),
        ),
        (FaultKind::ServerError(503), |e| {
            matches!(e, ProviderError::Unavailable { .. })
        }),
        (FaultKind::ServerError(500), |e| {
            matches!(e, ProviderError::Unavailable { .. })
        }),
        (FaultKind::MalformedBody, |e| {
            matches!(e, ProviderError::Malformed { .. })
        }),
        (FaultKind::DropConnection, |e| {
            matches!(e, ProviderError::Unavailable { .. })
        }),
    ];
    for (kind, expected) in cases {
        fake.inject(Fault::once(Route::ListAlerts, kind.clone()));
        let err = client.open_incidents().await.unwrap_err();
        assert!(expected(&err), "{kind:?} -> {err:?}");
        assert!(!format!("{err} {err:?}").contains(API_KEY));
    }
    fake.inject(Fault::once(Route::AlertAction, FaultKind::ServerError(502)));
    let id = fake.create_alert(NewAlert::new("x"));
    assert!(matches!(
        &client.act(&ActionKind::Acknowledge, &[id]).await[0],
        Err(ProviderError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn a_bad_key_is_unauthorized_and_never_shown() {
    let (_fake, running, _client) = setup(|_| {}).await;
    let secret = "super-secret-genie-key";
    let config = OpsgenieConfig::new(
        AccountId::new("ops"),
        running.url.parse().unwrap(),
        SecretString::from(secret.to_owned()),
    );
    assert!(!format!("{config:?}").contains(secret));
    let client = OpsgenieClient::new(config).unwrap();
    assert!(!format!("{client:?}").contains(secret));
    let err = client.identify().await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains(secret));
}

#[tokio::test]
async fn identify_proves_the_key_once() {
    let (fake, _running, client) = setup(|_| {}).await;
    let me = client.identify().await.unwrap();
    assert_eq!(
        (me.user_id.as_str(), me.email.as_deref(), me.name.as_str()),
        ("ops", None, "Opsgenie integration")
    );
    client.identify().await.unwrap();
    assert_eq!(fake.requests().len(), 1);
    assert!(fake.requests()[0].query.contains("limit=1"));
    // The key's identity is an integration, not a person: shifts need `on_call_user`,
    // and asking for them without one sends nothing.
    let shifts = client.on_calls().await.unwrap_err();
    assert!(
        matches!(&shifts, ProviderError::Rejected { status: 400, message, .. } if message.contains("on_call_user")),
        "{shifts:?}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn oversized_bodies_are_malformed() {
    let (fake, _running, client) = setup(|c| c.max_body_bytes = 512).await;
    for n in 0..10 {
        fake.create_alert(NewAlert::new(&format!("alert {n}")));
    }
    let err = client.open_incidents().await.unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn an_unacknowledged_alert_pages_again_with_a_later_time() {
    let (fake, _running, client) = setup(|_| {}).await;
    let id = fake.create_alert(NewAlert::new("flapping"));
    let first = client.open_incidents().await.unwrap().incidents[0].clone();
    tokio::time::sleep(Duration::from_millis(5)).await;
    fake.acknowledge_elsewhere(&id, "pat");
    let acked = client.open_incidents().await.unwrap().incidents[0].clone();
    assert_eq!(acked.status, Status::Acknowledged);
    tokio::time::sleep(Duration::from_millis(5)).await;
    fake.unacknowledge_elsewhere(&id, "pat");
    let again = client.open_incidents().await.unwrap().incidents[0].clone();
    assert_eq!(again.status, Status::Triggered);
    assert!(again.status_changed_at > acked.status_changed_at);
    assert!(again.status_changed_at > first.status_changed_at);
    // Someone looking at it is no new page.
    fake.mark_seen(&id);
    let seen = client.open_incidents().await.unwrap().incidents[0].clone();
    assert_eq!(seen.status_changed_at, again.status_changed_at);
}

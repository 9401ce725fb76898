//! The client against the fake JSM over loopback: paging and its limits, asynchronous
//! actions confirmed through the request status, on-call from the schedules, and how
//! failures are sorted.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use oncall_fake_jsm::{
    FakeJsm, Fault, FaultKind, NewAlert, Route, RunningFake, ScheduleSpec, API_TOKEN, EMAIL,
    TEAMMATES,
};
use oncall_jsm::{site_url, JsmClient, JsmConfig, SecretString};
use oncall_model::{
    AccountId, ActionKind, ActionOutcome, CoverRequest, Provider, ProviderError, Status, Urgency,
};

fn config(running: &RunningFake, token: &str) -> JsmConfig {
    let mut config = JsmConfig::new(
        AccountId::new("jsm"),
        site_url(&running.url).unwrap(),
        running.url.parse().unwrap(),
        EMAIL.to_owned(),
        SecretString::from(token.to_owned()),
    );
    config.confirm_timeout = Duration::from_secs(5);
    config
}

async fn setup(tweak: impl FnOnce(&mut JsmConfig)) -> (FakeJsm, RunningFake, JsmClient) {
    let fake = FakeJsm::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut config = config(&running, API_TOKEN);
    tweak(&mut config);
    let client = JsmClient::new(config).unwrap();
    (fake, running, client)
}

/// The list requests the fake received.
fn list_requests(fake: &FakeJsm) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.ends_with("/v1/alerts"))
        .count()
}

#[tokio::test]
async fn a_poll_of_a_hundred_open_alerts_is_one_request() {
    let (fake, _running, client) = setup(|_| {}).await;
    for n in 0..100 {
        fake.create_alert(NewAlert::new(&format!("alert {n}")));
    }
    let poll = client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents.len(), 100);
    assert_eq!(poll.requests, 1);
    assert_eq!(list_requests(&fake), 1);
    // The cloud id is asked once; a second poll is one request again.
    client.open_incidents().await.unwrap();
    assert_eq!(list_requests(&fake), 2);
    let tenant = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/_edge/tenant_info")
        .count();
    assert_eq!(tenant, 1);
}

#[tokio::test]
async fn pages_beyond_a_hundred_are_followed_and_priorities_map_to_urgency() {
    let (fake, running, client) = setup(|_| {}).await;
    for n in 0..250 {
        let priority = ["P1", "P2", "P3", "P4", "P5"][n % 5];
        fake.create_alert(NewAlert::new(&format!("alert {n}")).priority(priority));
    }
    let closed = fake.create_alert(NewAlert::new("gone"));
    fake.close_elsewhere(&closed, "sam@example.com");
    let poll = client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents.len(), 250);
    assert_eq!(poll.requests, 3);
    for r in fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/v1/alerts"))
    {
        assert!(
            r.query.contains("size=100")
                && r.query
                    .contains("query=status%3Aopen+AND+responders%3Apat%40example.com"),
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
    assert_eq!(
        first.web_url.as_deref(),
        Some(format!("{}/jira/ops/alerts/{}", running.url, first.key.id).as_str())
    );
}

#[tokio::test]
async fn the_query_selects_my_alerts() {
    let (fake, _running, client) = setup(|c| {
        c.query = JsmConfig::query_for(Some("Payments Team"), EMAIL);
    })
    .await;
    fake.create_alert(NewAlert::new("team").responders(&["Payments Team"]));
    fake.create_alert(NewAlert::new("mine"));
    let poll = client.open_incidents().await.unwrap();
    let titles: Vec<_> = poll.incidents.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["team"]);
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused() {
    let (fake, _running, client) = setup(|_| {}).await;
    fake.set_public_url("http://127.0.0.2:9");
    for n in 0..150 {
        fake.create_alert(NewAlert::new(&format!("alert {n}")));
    }
    let error = client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Malformed { message } if message.contains("another origin")),
        "{error:?}"
    );
    assert_eq!(list_requests(&fake), 1);
}

#[tokio::test]
async fn no_page_is_asked_past_twenty_thousand_alerts() {
    let (fake, _running, client) = setup(|_| {}).await;
    for n in 0..20_000 {
        fake.create_alert(NewAlert::new(&format!("alert {n}")));
    }
    let error = client.open_incidents().await.unwrap_err();
    let ProviderError::Rejected { message, .. } = &error else {
        panic!("expected a refusal, got {error:?}")
    };
    assert!(
        message.contains("20000") && message.contains("narrow"),
        "{message}"
    );
    assert_eq!(list_requests(&fake), 199, "offsets 0 to 19,800, then stop");
    assert!(fake.requests().iter().all(|r| r.status != 400));
}

#[tokio::test]
async fn acknowledge_is_confirmed_through_the_request_status() {
    let (fake, _running, client) = setup(|_| {}).await;
    let id = fake.create_alert(NewAlert::new("disk full").priority("P1"));
    let results = client
        .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
        .await;
    assert_eq!(results, vec![Ok(ActionOutcome::Done)]);
    let alert = fake.alert(&id).unwrap();
    assert!(alert.acknowledged);
    assert_eq!(alert.acknowledged_by.as_deref(), Some(EMAIL));
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths
        .iter()
        .any(|p| p.ends_with(&format!("/v1/alerts/{id}/acknowledge"))));
    assert!(paths.iter().any(|p| p.contains("/v1/alerts/requests/")));
    let poll = client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents[0].status, Status::Acknowledged);
    // Again: already done; an unknown alert: gone.
    let again = client
        .act(&ActionKind::Acknowledge, &[id, "no-such-alert".into()])
        .await;
    assert_eq!(
        again,
        vec![
            Ok(ActionOutcome::AlreadyDone),
            Ok(ActionOutcome::AlreadyResolved)
        ]
    );
}

#[tokio::test]
async fn a_request_that_fails_in_its_status_is_an_error() {
    let (fake, _running, client) = setup(|_| {}).await;
    let id = fake.create_alert(NewAlert::new("disk full"));
    fake.fail_next_request("Integration is disabled");
    let results = client
        .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
        .await;
    assert!(
        matches!(&results[0], Err(ProviderError::Rejected { status: 422, message, .. })
            if message.contains("Integration is disabled")),
        "{results:?}"
    );
    assert!(!fake.alert(&id).unwrap().acknowledged);
}

#[tokio::test]
async fn an_unprocessed_request_is_unavailable_within_confirm_timeout() {
    let (fake, _running, client) = setup(|c| c.confirm_timeout = Duration::from_millis(700)).await;
    let id = fake.create_alert(NewAlert::new("disk full"));
    fake.hold_processing(true);
    let results = client
        .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
        .await;
    assert!(
        matches!(&results[0], Err(ProviderError::Unavailable { message }) if message.contains("did not confirm")),
        "{results:?}"
    );
    fake.hold_processing(false);
    assert!(fake.alert(&id).unwrap().acknowledged);
}

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, minute, 0).unwrap()
}

#[tokio::test]
async fn snooze_ends_by_the_engines_clock_and_notes_unacknowledge_and_close_are_sent() {
    let now = at(9, 0);
    let (fake, _running, client) = setup(|_| {}).await;
    fake.set_clock(Arc::new(move || now));
    let client = client.with_clock(Arc::new(move || now));
    let id = fake.create_alert(NewAlert::new("disk full"));

    let snooze = ActionKind::Snooze { seconds: 3600 };
    assert_eq!(
        client.act(&snooze, std::slice::from_ref(&id)).await,
        vec![Ok(ActionOutcome::Done)]
    );
    let alert = fake.alert(&id).unwrap();
    assert!(alert.snoozed);
    assert_eq!(alert.snoozed_until, Some(at(10, 0)));

    let note = ActionKind::AddNote {
        text: "Looking at it".into(),
    };
    assert_eq!(
        client.act(&note, std::slice::from_ref(&id)).await,
        vec![Ok(ActionOutcome::Done)]
    );
    let notes = fake.alert(&id).unwrap().notes;
    let texts: Vec<&str> = notes.iter().map(|n| n.note.as_str()).collect();
    assert!(texts.contains(&"Looking at it"), "{texts:?}");
    assert!(notes.iter().all(|n| n.owner == EMAIL));

    fake.acknowledge_elsewhere(&id, TEAMMATES[0]);
    let unack = client
        .act(&ActionKind::Unacknowledge, std::slice::from_ref(&id))
        .await;
    assert_eq!(unack, vec![Ok(ActionOutcome::Done)]);
    assert!(!fake.alert(&id).unwrap().acknowledged);

    let close = client
        .act(&ActionKind::Resolve, std::slice::from_ref(&id))
        .await;
    assert_eq!(close, vec![Ok(ActionOutcome::Done)]);
    assert_eq!(fake.alert(&id).unwrap().status, "closed");
    assert!(client.open_incidents().await.unwrap().incidents.is_empty());

    let reassign = ActionKind::Escalate { to: None };
    assert!(matches!(
        &client.act(&reassign, &[id]).await[0],
        Err(ProviderError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn shifts_rota_and_cover_come_from_the_schedules() {
    let now = at(9, 0);
    let (fake, _running, client) = setup(|_| {}).await;
    fake.set_clock(Arc::new(move || now));
    let client = client.with_clock(Arc::new(move || now));
    // Me 08:30–09:30, Sam 09:30–10:30, me 10:30–11:30, …
    let schedule = fake.add_schedule(ScheduleSpec::rotation(
        "Payments",
        &[EMAIL, TEAMMATES[0]],
        chrono::Duration::hours(1),
        at(8, 30),
    ));
    fake.add_schedule(ScheduleSpec::rotation(
        "Not mine",
        &[TEAMMATES[1]],
        chrono::Duration::hours(8),
        at(0, 0),
    ));

    let shifts = client.on_calls().await.unwrap();
    assert_eq!(shifts[0].start, Some(at(8, 30)));
    assert_eq!(shifts[0].end, Some(at(9, 30)));
    assert_eq!(shifts[1].start, Some(at(10, 30)));
    assert_eq!(shifts[0].schedule.as_deref(), Some("Payments"));
    assert_eq!(shifts[0].schedule_id.as_deref(), Some(schedule.as_str()));
    assert!(shifts
        .iter()
        .all(|s| s.end.unwrap() <= now + chrono::Duration::days(15)));

    let rota = client.rota().await.unwrap();
    assert_eq!(rota.len(), 1, "only schedules I am in");
    assert!(rota[0].now[0].is_me);
    assert_eq!(rota[0].now[0].name, "Pat Example");
    assert_eq!(rota[0].now[0].end, Some(at(9, 30)), "on call until");
    let sam = fake.user(TEAMMATES[0]).unwrap();
    assert_eq!(rota[0].next[0].user_id, sam.account_id);

    let cover = CoverRequest {
        schedule_id: schedule.clone(),
        start: at(9, 30),
        end: at(10, 30),
    };
    let created = client.cover(&cover).await.unwrap();
    let overrides = fake.overrides(&schedule);
    assert_eq!(overrides.len(), 1);
    assert_eq!(created.id, overrides[0].alias);
    assert_eq!(
        overrides[0].account_id,
        fake.user(EMAIL).unwrap().account_id
    );
    let shifts = client.on_calls().await.unwrap();
    assert_eq!(
        (shifts[0].start, shifts[0].end),
        (Some(at(8, 30)), Some(at(11, 30)))
    );
}

#[tokio::test]
async fn a_site_that_does_not_exist_is_named() {
    let fake = FakeJsm::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut config = config(&running, API_TOKEN);
    config.site_url = format!("{}/no-such-site/", running.url).parse().unwrap();
    let client = JsmClient::new(config).unwrap();
    let error = client.identify().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Rejected { status: 404, message, .. }
            if message.starts_with("no Jira site at 127.0.0.1")),
        "{error:?}"
    );
    // Not kept: once the site answers, the client works.
    let fixed = JsmClient::new(self::config(&running, API_TOKEN)).unwrap();
    assert!(fixed.identify().await.is_ok());
}

#[tokio::test]
async fn the_token_goes_to_the_api_only() {
    let (fake, _running, client) = setup(|_| {}).await;
    fake.create_alert(NewAlert::new("disk full"));
    let identity = client.identify().await.unwrap();
    assert_eq!(identity.email.as_deref(), Some(EMAIL));
    client.open_incidents().await.unwrap();
    client.on_calls().await.unwrap();
    let requests = fake.requests();
    let site: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/_edge/tenant_info")
        .collect();
    assert_eq!(site.len(), 1);
    assert_eq!(site[0].header("authorization"), None);
    assert!(requests
        .iter()
        .filter(|r| r.path != "/_edge/tenant_info")
        .all(|r| r
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))));
    assert!(requests.iter().all(|r| !r.body.contains(API_TOKEN)));
}

#[tokio::test]
async fn failures_become_the_right_errors() {
    let (fake, _running, client) = setup(|_| {}).await;
    // The cloud id first, so that the faults meet the list.
    client.identify().await.unwrap();
    fake.inject(Fault::once(Route::ListAlerts, FaultKind::Unauthorized));
    let error = client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unauthorized { status: 401, message }
            if message.starts_with("Atlassian refused the e-mail and API token")),
        "{error:?}"
    );
    fake.inject(Fault::once(
        Route::ListAlerts,
        FaultKind::RateLimited {
            retry_after_secs: Some(7),
        },
    ));
    assert_eq!(
        client.open_incidents().await.unwrap_err(),
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    fake.inject(Fault::once(Route::ListAlerts, FaultKind::ServerError(503)));
    assert!(matches!(
        client.open_incidents().await.unwrap_err(),
        ProviderError::Unavailable { .. }
    ));
    fake.inject(Fault::once(Route::ListAlerts, FaultKind::DropConnection));
    assert!(matches!(
        client.open_incidents().await.unwrap_err(),
        ProviderError::Unavailable { .. }
    ));
    fake.inject(Fault::once(Route::ListAlerts, FaultKind::MalformedBody));
    assert!(matches!(
        client.open_incidents().await.unwrap_err(),
        ProviderError::Malformed { .. }
    ));
    fake.inject(Fault::once(Route::ScheduleTimeline, FaultKind::Forbidden));
    fake.add_schedule(ScheduleSpec::rotation(
        "Payments",
        &[EMAIL],
        chrono::Duration::hours(1),
        Utc::now(),
    ));
    assert!(matches!(
        client.on_calls().await.unwrap_err(),
        ProviderError::Rejected { status: 403, .. }
    ));
    assert!(client.open_incidents().await.is_ok());
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_and_never_shown() {
    let fake = FakeJsm::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = JsmClient::new(config(&running, "wrong-token-hunter2")).unwrap();
    let error = client.identify().await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Unauthorized { status: 401, .. }),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?} {client:?}").contains("hunter2"));
}

#[tokio::test]
async fn identify_proves_the_credential_once() {
    let (fake, _running, client) = setup(|_| {}).await;
    client.identify().await.unwrap();
    client.identify().await.unwrap();
    let lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/v1/alerts"))
        .collect();
    assert_eq!(lists.len(), 1);
    assert!(lists[0].query.contains("size=1"), "{}", lists[0].query);
}

//! The client against the fake Grafana OnCall over loopback.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use oncall_fake_grafana_oncall::{
    FakeGrafanaOnCall, Fault, FaultKind, GroupState, NewAlertGroup, Route, RunningFake,
    ScheduleSpec, API_KEY, USER_EMAIL, USER_ID, USER_NAME,
};
use oncall_grafana_oncall::{GrafanaOnCallClient, GrafanaOnCallConfig, SecretString};
use oncall_model::{
    AccountId, ActionKind, ActionOutcome, Provider, ProviderError, ProviderKind, Status, Urgency,
};

/// A clock both the fake and the client read, moved by the test.
#[derive(Clone)]
struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    fn new() -> Self {
        TestClock(Arc::new(Mutex::new(
            Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
        )))
    }
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

struct Setup {
    fake: FakeGrafanaOnCall,
    running: RunningFake,
    client: GrafanaOnCallClient,
    config: GrafanaOnCallConfig,
    clock: TestClock,
}

impl Setup {
    /// Another client of the same account, as after a restart or a new key.
    fn new_client(&self) -> GrafanaOnCallClient {
        let clock = self.clock.clone();
        GrafanaOnCallClient::new(self.config.clone())
            .unwrap()
            .with_clock(Arc::new(move || clock.now()))
    }
}

async fn setup(tweak: impl FnOnce(&mut GrafanaOnCallConfig)) -> Setup {
    let fake = FakeGrafanaOnCall::new();
    let clock = TestClock::new();
    let fake_clock = clock.clone();
    fake.set_clock(Arc::new(move || fake_clock.now()));
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut config = GrafanaOnCallConfig::new(
        AccountId::new("irm"),
        format!("{}/oncall-proxy", running.url).parse().unwrap(),
        SecretString::from(API_KEY.to_owned()),
    );
    // The fake serves from its root: the API URL is its address.
    config.api_url = running.url.parse().unwrap();
    tweak(&mut config);
    let client_clock = clock.clone();
    let client = GrafanaOnCallClient::new(config.clone())
        .unwrap()
        .with_clock(Arc::new(move || client_clock.now()));
    Setup {
        fake,
        running,
        client,
        config,
        clock,
    }
}

#[tokio::test]
async fn identify_is_the_keys_user_asked_once_with_the_bare_key() {
    let s = setup(|_| {}).await;
    assert_eq!(s.client.kind(), ProviderKind::GrafanaOnCall);
    for _ in 0..2 {
        let me = s.client.identify().await.unwrap();
        assert_eq!(me.user_id, USER_ID);
        assert_eq!(me.email.as_deref(), Some(USER_EMAIL));
        assert_eq!(me.name, USER_NAME);
    }
    let requests = s.fake.requests();
    assert_eq!(requests.len(), 1, "cached: {requests:?}");
    assert_eq!(requests[0].path, "/api/v1/users/current/");
    assert_eq!(requests[0].header("authorization"), Some(API_KEY));
}

#[tokio::test]
async fn a_poll_is_two_requests_at_up_to_fifty_groups_per_state() {
    let s = setup(|_| {}).await;
    let mut acked = Vec::new();
    for n in 0..100 {
        let id = s
            .fake
            .create_alert_group(NewAlertGroup::new(&format!("group {n}")));
        if n % 2 == 1 {
            s.fake.acknowledge_elsewhere(&id, "U-colleague");
            acked.push(id);
        }
    }
    let gone = s.fake.create_alert_group(NewAlertGroup::new("gone"));
    s.fake.resolve_elsewhere(&gone, "U-colleague");
    let poll = s.client.open_incidents().await.unwrap();
    assert_eq!(poll.requests, 2);
    assert_eq!(poll.incidents.len(), 100);
    let requests = s.fake.requests();
    let asked: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.path.as_str(), r.query.as_str()))
        .collect();
    assert_eq!(
        asked,
        [
            ("/api/v1/alert_groups/", "state=new"),
            ("/api/v1/alert_groups/", "state=acknowledged")
        ]
    );
    let first = poll
        .incidents
        .iter()
        .find(|i| i.key.id == acked[0])
        .unwrap();
    assert_eq!(first.status, Status::Acknowledged);
    assert_eq!(first.urgency, Urgency::High);
    assert!(first.service.is_some(), "the integration id");
    let web = first.web_url.as_deref().unwrap();
    assert!(
        web.ends_with(&format!("/a/grafana-oncall-app/alert-groups/{}", acked[0])),
        "{web}"
    );
    assert!(poll.incidents.iter().all(|i| i.is_mine()));
}

#[tokio::test]
async fn more_than_fifty_follow_next_to_the_end_and_filters_are_sent() {
    let s = setup(|c| {
        c.team_id = Some("TDB".into());
        c.labels = vec!["env:prod".into(), "team:db".into()];
    })
    .await;
    for n in 0..120 {
        let mut new = NewAlertGroup::new(&format!("group {n}")).team("TDB");
        new = new.label("env:prod").label("team:db");
        let id = s.fake.create_alert_group(new);
        if n < 55 {
            s.fake.acknowledge_elsewhere(&id, "U-colleague");
        }
    }
    s.fake.create_alert_group(
        NewAlertGroup::new("other team")
            .team("TWEB")
            .label("env:prod"),
    );
    s.fake.create_alert_group(
        NewAlertGroup::new("other label")
            .team("TDB")
            .label("env:prod"),
    );
    let poll = s.client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents.len(), 120);
    assert_eq!(poll.requests, 4, "65 new in 2 pages, 55 acknowledged in 2");
    let requests = s.fake.requests();
    assert!(requests.iter().all(|r| r.query.contains("team_id=TDB")
        && r.query.contains("label=env%3Aprod")
        && r.query.contains("label=team%3Adb")));
    assert!(
        requests[1].query.contains("page=2"),
        "{}",
        requests[1].query
    );
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_before_anything_is_sent() {
    let s = setup(|_| {}).await;
    for n in 0..60 {
        s.fake
            .create_alert_group(NewAlertGroup::new(&format!("group {n}")));
    }
    // The same server under another name: a different origin for the key's purposes.
    let port = s.running.addr.port();
    s.fake.set_public_url(&format!("http://localhost:{port}"));
    let error = s.client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Malformed { message } if message.contains("another origin")),
        "{error:?}"
    );
    assert_eq!(s.fake.requests().len(), 1);
}

#[tokio::test]
async fn acknowledge_unacknowledge_and_resolve_are_confirmed_by_their_answers() {
    let s = setup(|_| {}).await;
    let a = s.fake.create_alert_group(NewAlertGroup::new("a"));
    let b = s.fake.create_alert_group(NewAlertGroup::new("b"));
    let ids = [a.clone(), b.clone()];
    let acked = s.client.act(&ActionKind::Acknowledge, &ids).await;
    assert_eq!(
        acked,
        vec![Ok(ActionOutcome::Done), Ok(ActionOutcome::Done)]
    );
    let group = s.fake.alert_group(&a).unwrap();
    assert_eq!(group.state, GroupState::Acknowledged);
    assert_eq!(group.acknowledged_by.as_deref(), Some(USER_ID));
    let posted = s.fake.requests();
    assert_eq!(posted[0].method, "POST");
    assert_eq!(
        posted[0].path,
        format!("/api/v1/alert_groups/{a}/acknowledge")
    );
    assert_eq!(
        s.client
            .act(&ActionKind::Acknowledge, std::slice::from_ref(&a))
            .await,
        vec![Ok(ActionOutcome::AlreadyDone)]
    );
    assert_eq!(
        s.client
            .act(&ActionKind::Unacknowledge, std::slice::from_ref(&a))
            .await,
        vec![Ok(ActionOutcome::Done)]
    );
    assert_eq!(s.fake.alert_group(&a).unwrap().state, GroupState::New);
    assert_eq!(
        s.client
            .act(&ActionKind::Resolve, std::slice::from_ref(&b))
            .await,
        vec![Ok(ActionOutcome::Done)]
    );
    assert_eq!(s.fake.alert_group(&b).unwrap().state, GroupState::Resolved);
    let late = s
        .client
        .act(
            &ActionKind::Acknowledge,
            &[b.clone(), "INOSUCHGROUP".into()],
        )
        .await;
    assert_eq!(
        late,
        vec![
            Ok(ActionOutcome::AlreadyResolved),
            Ok(ActionOutcome::AlreadyResolved)
        ]
    );
    let poll = s.client.open_incidents().await.unwrap();
    let listed: Vec<_> = poll
        .incidents
        .iter()
        .map(|i| (i.key.id.clone(), i.status))
        .collect();
    assert_eq!(listed, [(a, Status::Triggered)]);
}

#[tokio::test]
async fn a_silenced_group_shows_acknowledged_and_pages_again_when_its_silence_ends() {
    let s = setup(|_| {}).await;
    let id = s.fake.create_alert_group(NewAlertGroup::new("disk full"));
    let first = s.client.open_incidents().await.unwrap().incidents[0].clone();
    assert_eq!(first.status, Status::Triggered);

    s.clock.advance(Duration::minutes(1));
    let snoozed = s
        .client
        .act(
            &ActionKind::Snooze { seconds: 600 },
            std::slice::from_ref(&id),
        )
        .await;
    assert_eq!(snoozed, vec![Ok(ActionOutcome::Done)]);
    let request = s.fake.requests().pop().unwrap();
    assert_eq!(request.path, format!("/api/v1/alert_groups/{id}/silence"));
    assert_eq!(request.body, r#"{"delay":600}"#);
    assert_eq!(s.fake.alert_group(&id).unwrap().state, GroupState::Silenced);

    let silenced = s.client.open_incidents().await.unwrap();
    assert_eq!(
        silenced.requests, 3,
        "both lists, then the silenced group by id"
    );
    assert_eq!(silenced.incidents.len(), 1);
    assert_eq!(silenced.incidents[0].status, Status::Acknowledged);
    let silenced_at = silenced.incidents[0].status_changed_at;

    s.clock.advance(Duration::minutes(11));
    let woke = s.client.open_incidents().await.unwrap();
    assert_eq!(woke.incidents.len(), 1);
    let woke_incident = &woke.incidents[0];
    assert_eq!(woke_incident.status, Status::Triggered);
    assert!(
        woke_incident.status_changed_at > silenced_at
            && woke_incident.status_changed_at > first.status_changed_at,
        "a new episode: {woke_incident:?}"
    );
    let again = s.client.open_incidents().await.unwrap();
    assert_eq!(again.requests, 2, "no longer watched by id");
    assert_eq!(
        again.incidents[0].status_changed_at,
        woke_incident.status_changed_at
    );
}

#[tokio::test]
async fn my_acknowledgement_taken_back_before_the_next_poll_starts_a_new_episode() {
    let s = setup(|_| {}).await;
    let colleague = s.fake.add_user("sam", "sam@example.com", "sam-key");
    let id = s.fake.create_alert_group(NewAlertGroup::new("disk full"));
    let first = s.client.open_incidents().await.unwrap().incidents[0].clone();

    s.clock.advance(Duration::minutes(1));
    let acked = s
        .client
        .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
        .await;
    assert_eq!(acked, vec![Ok(ActionOutcome::Done)]);
    // The API clears `acknowledged_at`: the group looks as it did at the last poll.
    s.fake.unacknowledge_elsewhere(&id, &colleague);
    s.clock.advance(Duration::seconds(5));
    let back = s.client.open_incidents().await.unwrap().incidents[0].clone();
    assert_eq!(back.status, Status::Triggered);
    assert!(
        back.status_changed_at > first.status_changed_at,
        "a new episode, not the one that rang: {back:?}"
    );
}

/// Waits until the fake has received (not yet answered) a list request for `state`.
async fn list_request_arrived(fake: &FakeGrafanaOnCall, state: &str) {
    let wanted = format!("state={state}");
    for _ in 0..500 {
        let arrived = fake.requests().iter().any(|r| {
            r.path == "/api/v1/alert_groups/"
                && r.status == 0
                && r.query.split('&').any(|p| p == wanted)
        });
        if arrived {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no {state} list request arrived");
}

#[tokio::test]
async fn a_group_that_changes_state_between_a_polls_two_lists_stays_in_its_episode() {
    let s = setup(|_| {}).await;
    let colleague = s.fake.add_user("sam", "sam@example.com", "sam-key");
    let id = s.fake.create_alert_group(NewAlertGroup::new("disk full"));
    let first = s.client.open_incidents().await.unwrap().incidents[0].clone();

    // The next poll's lists each take a second to answer. A colleague acknowledges the
    // group before the `new` list is read and takes it back before the `acknowledged`
    // one is: it is in neither, though it never stopped being open.
    s.fake.inject(Fault {
        route: Route::ListAlertGroups,
        kind: FaultKind::Latency { millis: 1000 },
        times: 2,
    });
    let meanwhile = async {
        list_request_arrived(&s.fake, "new").await;
        s.fake.acknowledge_elsewhere(&id, &colleague);
        list_request_arrived(&s.fake, "acknowledged").await;
        s.fake.unacknowledge_elsewhere(&id, &colleague);
    };
    let (poll, ()) = tokio::join!(s.client.open_incidents(), meanwhile);
    let poll = poll.unwrap();
    assert_eq!(poll.requests, 3, "both lists, then the group by id");
    let asked = s.fake.requests().pop().unwrap();
    assert!(
        asked.query.split('&').any(|p| p == format!("id={id}")),
        "{asked:?}"
    );
    let again = &poll.incidents[0];
    assert_eq!(
        (again.status, again.status_changed_at),
        (Status::Triggered, first.status_changed_at),
        "still the episode that rang: nothing any poll read tells the two apart"
    );
    let next = s.client.open_incidents().await.unwrap();
    assert_eq!(next.requests, 2, "asked by id once");
    assert_eq!(next.incidents[0].status_changed_at, first.status_changed_at);
}

#[tokio::test]
async fn a_new_client_given_the_last_ones_memory_names_episodes_as_it_did() {
    let s = setup(|_| {}).await;
    let colleague = s.fake.add_user("sam", "sam@example.com", "sam-key");
    let retriggered = s.fake.create_alert_group(NewAlertGroup::new("disk full"));
    let silenced = s.fake.create_alert_group(NewAlertGroup::new("cpu hot"));
    s.client.open_incidents().await.unwrap();
    s.fake.acknowledge_elsewhere(&retriggered, &colleague);
    s.clock.advance(Duration::minutes(1));
    s.client.open_incidents().await.unwrap();
    s.fake.unacknowledge_elsewhere(&retriggered, &colleague);
    s.clock.advance(Duration::minutes(1));
    s.client
        .act(
            &ActionKind::Snooze { seconds: 3600 },
            std::slice::from_ref(&silenced),
        )
        .await;
    let before = s.client.open_incidents().await.unwrap().incidents;
    let memory = s.client.memory().expect("the client keeps memory");
    assert!(
        !memory.to_string().contains(API_KEY),
        "no secret in what the engine stores"
    );

    // Without it, the re-triggered group would be named by its creation again.
    let forgetful = s.new_client();
    let forgotten = forgetful.open_incidents().await.unwrap().incidents;
    assert_eq!(forgotten.len(), 1, "the silenced group is not listed");
    assert_ne!(forgotten[0].status_changed_at, before[0].status_changed_at);

    let next = s.new_client();
    // Memory that went bad on disk is dropped, not a failure.
    next.recall(serde_json::json!({"episodes": 7}));
    next.recall(memory);
    let after = next.open_incidents().await.unwrap().incidents;
    let named = |list: &[oncall_model::Incident]| {
        let mut names: Vec<_> = list
            .iter()
            .map(|i| (i.key.id.clone(), i.status, i.status_changed_at))
            .collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        names
    };
    assert_eq!(named(&after), named(&before));
    assert_eq!(
        after.iter().find(|i| i.key.id == silenced).unwrap().status,
        Status::Acknowledged,
        "the silence set here is still watched"
    );
}

#[tokio::test]
async fn unacknowledging_a_group_silenced_here_unsilences_it() {
    let s = setup(|_| {}).await;
    let id = s.fake.create_alert_group(NewAlertGroup::new("disk full"));
    let ids = [id.clone()];
    s.client
        .act(&ActionKind::Snooze { seconds: 3600 }, &ids)
        .await;
    assert_eq!(
        s.client.act(&ActionKind::Unacknowledge, &ids).await,
        vec![Ok(ActionOutcome::Done)]
    );
    assert_eq!(
        s.fake.requests().pop().unwrap().path,
        format!("/api/v1/alert_groups/{id}/unsilence")
    );
    assert_eq!(s.fake.alert_group(&id).unwrap().state, GroupState::New);
    let poll = s.client.open_incidents().await.unwrap();
    assert_eq!(
        (poll.requests, poll.incidents[0].status),
        (2, Status::Triggered)
    );
}

#[tokio::test]
async fn a_note_is_a_resolution_note() {
    let s = setup(|_| {}).await;
    let id = s.fake.create_alert_group(NewAlertGroup::new("disk full"));
    let note = ActionKind::AddNote {
        text: "Rotated the logs; watching it.".into(),
    };
    assert_eq!(
        s.client.act(&note, std::slice::from_ref(&id)).await,
        vec![Ok(ActionOutcome::Done)]
    );
    let notes = s.fake.resolution_notes(&id);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].text, "Rotated the logs; watching it.");
    assert_eq!(notes[0].author, USER_ID);
    assert_eq!(
        s.fake.requests().pop().unwrap().path,
        "/api/v1/resolution_notes/"
    );
    let unsupported = s
        .client
        .act(&ActionKind::Escalate { to: None }, &[id])
        .await;
    assert!(matches!(
        &unsupported[..],
        [Err(ProviderError::Unsupported { .. })]
    ));
}

#[tokio::test]
async fn schedules_give_my_shifts_and_who_is_on_call_now_and_next() {
    let s = setup(|_| {}).await;
    let colleague = s.fake.add_user("kim", "kim@example.com", "kims-key");
    let start = s.clock.now() - Duration::hours(3);
    let schedule = s.fake.add_schedule(ScheduleSpec {
        name: "Primary".into(),
        team_id: None,
        people: vec![USER_ID.into(), colleague.clone()],
        turn: Duration::hours(12),
        start,
    });
    s.fake.add_schedule(ScheduleSpec {
        name: "Not mine".into(),
        team_id: None,
        people: vec![colleague.clone()],
        turn: Duration::hours(24),
        start,
    });
    let shifts = s.client.on_calls().await.unwrap();
    // The current one and every other 12 h turn that starts within two weeks.
    assert_eq!(shifts.len(), 15, "{shifts:?}");
    assert_eq!(shifts[0].start, Some(start));
    assert_eq!(shifts[0].end, Some(start + Duration::hours(12)));
    assert_eq!(shifts[0].schedule.as_deref(), Some("Primary"));
    assert_eq!(shifts[0].schedule_id.as_deref(), Some(schedule.as_str()));
    let asked: Vec<String> = s.fake.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        asked.contains(&format!("/api/v1/schedules/{schedule}/final_shifts")),
        "{asked:?}"
    );

    let rota = s.client.rota().await.unwrap();
    assert_eq!(rota.len(), 1, "{rota:?}");
    assert_eq!(rota[0].schedule.as_deref(), Some("Primary"));
    assert!(rota[0].now[0].is_me);
    assert_eq!(rota[0].next[0].user_id, colleague);
    assert_eq!(rota[0].next[0].name, "kim");
    assert_eq!(rota[0].next[0].start, Some(start + Duration::hours(12)));

    let cover = oncall_model::CoverRequest {
        schedule_id: schedule,
        start: s.clock.now(),
        end: s.clock.now() + Duration::hours(1),
    };
    assert!(matches!(
        s.client.cover(&cover).await,
        Err(ProviderError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn failures_are_sorted_and_never_show_the_key() {
    let s = setup(|_| {}).await;
    s.fake.create_alert_group(NewAlertGroup::new("a"));
    let cases = [
        (FaultKind::Unauthorized, "Unauthorized"),
        (FaultKind::Forbidden, "Unauthorized"),
        (
            FaultKind::RateLimited {
                retry_after_secs: Some(30),
            },
            "RateLimited",
        ),
        (FaultKind::ServerError(503), "Unavailable"),
        (FaultKind::ServerError(500), "Unavailable"),
        (FaultKind::MalformedBody, "Malformed"),
        (FaultKind::DropConnection, "Unavailable"),
    ];
    for (kind, expected) in cases {
        s.fake
            .inject(Fault::once(Route::ListAlertGroups, kind.clone()));
        let error = s.client.open_incidents().await.unwrap_err();
        assert!(
            format!("{error:?}").starts_with(expected),
            "{kind:?}: {error:?}"
        );
        assert!(!format!("{error} {error:?}").contains(API_KEY));
        if let ProviderError::Unauthorized { message, .. } = &error {
            assert!(
                message.starts_with("Grafana OnCall refused the API key"),
                "{message}"
            );
        }
        if let ProviderError::RateLimited { retry_after } = error {
            assert_eq!(retry_after, Some(std::time::Duration::from_secs(30)));
        }
    }
    // The second list failing fails the whole poll: a partial list would look like
    // groups resolving.
    s.fake.inject(Fault::once(
        Route::ListAlertGroups,
        FaultKind::Latency { millis: 0 },
    ));
    s.fake.inject(Fault::once(
        Route::ListAlertGroups,
        FaultKind::ServerError(502),
    ));
    assert!(s.client.open_incidents().await.is_err());
    assert!(!format!("{:?}", s.client).contains(API_KEY));
    assert_eq!(s.client.open_incidents().await.unwrap().incidents.len(), 1);
}

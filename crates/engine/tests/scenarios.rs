//! The engine as an on-call engineer lives it, against the fake PagerDuty over
//! loopback, on paused tokio time (minutes pass in milliseconds).

mod support;

use std::time::Duration;

use oncall_engine::{Connection, EngineEvent};
use oncall_fake_pagerduty::{Fault, FaultKind, NewIncident, Route};
use oncall_model::{ActionKind, Status, Urgency};
use support::{Shown, World};

const SEC: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn trigger_pages_once_then_ack_reaches_pagerduty_and_withdraws() {
    let mut w = World::new().await;
    w.start().await;
    w.first_poll().await;

    let id = w.page("Checkout 500s").await;
    assert_eq!(
        w.screen.shown(),
        vec![Shown::Page {
            id: id.clone(),
            reason: "New".into()
        }]
    );

    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    assert_eq!(
        w.view().incidents[0].incident.status,
        Status::Acknowledged,
        "optimistic"
    );
    w.until("PagerDuty sees the ack", 5 * SEC, |w| {
        w.fake.incident(&id).unwrap().status == Status::Acknowledged
    })
    .await;
    let put = w
        .fake
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.header("from"), Some("pat@example.com"));
    assert_eq!(
        w.fake.incident(&id).unwrap().acknowledged_by,
        vec!["PUSER01".to_string()]
    );
    assert!(w.screen.shown().contains(&Shown::Withdrawn(id.clone())));

    // Later polls never page it again, and the view settles on the service's word.
    w.idle(10 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1);
    let view = w.view();
    assert_eq!(view.incidents[0].incident.status, Status::Acknowledged);
    assert_eq!(view.incidents[0].pending, None);
}

#[tokio::test(start_paused = true)]
async fn high_urgency_repeats_until_acknowledged_low_urgency_rings_once() {
    let mut w = World::new().await;
    w.start().await;
    w.first_poll().await;
    let high = w.fake.trigger(NewIncident::new("DB down"));
    let low = w
        .fake
        .trigger(NewIncident::new("Disk 80%").urgency(Urgency::Low));
    w.until("both pages", 20 * SEC, |w| {
        w.screen.pages_of(&high) == 1 && w.screen.pages_of(&low) == 1
    })
    .await;
    w.idle(5 * 60 * SEC + 20 * SEC).await;
    assert_eq!(w.screen.pages_of(&high), 2, "{:?}", w.screen.shown());
    assert_eq!(w.screen.pages_of(&low), 1);
    w.fake.acknowledge(&high, "PUSER01");
    w.until("withdrawn after ack elsewhere", 20 * SEC, |w| {
        w.screen.shown().contains(&Shown::Withdrawn(high.clone()))
    })
    .await;
    w.idle(15 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&high), 2);
}

#[tokio::test(start_paused = true)]
async fn a_retrigger_pages_again() {
    let mut w = World::new().await;
    w.start().await;
    let id = w.page("Queue backlog").await;
    w.acknowledge(&id).await;
    w.idle(60 * SEC).await;
    // The ack timed out (or a snooze ended) on PagerDuty's side.
    w.fake.retrigger(&id);
    w.until("the second page", 20 * SEC, |w| w.screen.pages_of(&id) == 2)
        .await;
}

#[tokio::test(start_paused = true)]
async fn snooze_ends_and_the_incident_pages_again() {
    let mut w = World::new().await;
    w.start().await;
    let id = w.page("Cert expiring").await;
    w.acknowledge(&id).await;
    w.engine()
        .act(&[w.key(&id)], ActionKind::Snooze { seconds: 3600 })
        .await
        .unwrap();
    w.until("snoozed", 5 * SEC, |w| {
        w.fake.incident(&id).unwrap().snoozed_until.is_some()
    })
    .await;
    w.idle(59 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1);
    w.until("the page after the snooze", 2 * 60 * SEC, |w| {
        w.screen.pages_of(&id) == 2
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn rate_limit_is_honoured() {
    let mut w = World::new().await;
    w.start().await;
    w.until("first poll", 5 * SEC, |w| {
        w.count_requests("GET", "/incidents") == 1
    })
    .await;
    w.fake.inject(Fault {
        route: Route::ListIncidents,
        kind: FaultKind::RateLimited {
            reset_secs: Some(120),
            retry_after_secs: None,
            with_body: true,
        },
        times: 1,
    });
    w.until("the 429", 20 * SEC, |w| {
        w.count_requests("GET", "/incidents") == 2
    })
    .await;
    assert!(matches!(
        w.view().accounts[0].connection,
        Connection::RateLimited { .. }
    ));
    // A user action asks for an immediate poll, but the service said to wait.
    w.engine().poll_now();
    w.idle(115 * SEC).await;
    assert_eq!(
        w.count_requests("GET", "/incidents"),
        2,
        "no poll before ratelimit-reset"
    );
    w.until("polling resumes", 10 * SEC, |w| {
        w.count_requests("GET", "/incidents") == 3
    })
    .await;
    w.until("healthy again", 5 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_rejected_token_stops_polling_until_the_token_changes() {
    let mut w = World::new().await;
    w.fake.inject(Fault {
        route: Route::Any,
        kind: FaultKind::Unauthorized,
        times: 1,
    });
    w.start().await;
    w.until("token rejected", 5 * SEC, |w| {
        matches!(
            w.view().accounts[0].connection,
            Connection::AuthFailed { .. }
        )
    })
    .await;
    let requests = w.fake.requests().len();
    w.idle(30 * 60 * SEC).await;
    assert_eq!(
        w.fake.requests().len(),
        requests,
        "no request with a rejected token"
    );
    assert_eq!(
        w.screen.shown(),
        vec![Shown::TokenRejected],
        "one notification says so"
    );
    assert!(w.view().accounts[0]
        .connection
        .describe()
        .contains("token rejected"));

    w.engine().credential_changed(&w.key("x").account);
    w.until("polling again", 5 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_new_token_in_the_keychain_heals_a_rejected_account() {
    let mut w = World::new().await;
    w.keychain.set("revoked-token");
    w.start().await;
    w.until("token rejected", 5 * SEC, |w| {
        matches!(
            w.view().accounts[0].connection,
            Connection::AuthFailed { .. }
        )
    })
    .await;
    // `oncall-tray token set work` stores a good one while the app runs.
    w.keychain.set("fake-token-pat");
    w.until("polling again", 60 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_missing_token_is_reported_and_picked_up_once_stored() {
    let mut w = World::new().await;
    *w.keychain.0.lock().unwrap() = None;
    w.start().await;
    w.until("misconfigured", 5 * SEC, |w| {
        matches!(
            w.view().accounts[0].connection,
            Connection::Misconfigured { .. }
        )
    })
    .await;
    assert!(w.view().accounts[0]
        .connection
        .describe()
        .contains("oncall-tray token set work"));
    assert_eq!(
        w.fake.requests().len(),
        0,
        "nothing is sent without a token"
    );
    w.keychain.set("fake-token-pat");
    w.until("polling", 60 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn outage_backs_off_then_recovers_and_the_page_is_not_late() {
    let mut w = World::new().await;
    w.start().await;
    w.first_poll().await;
    w.fake.inject(Fault {
        route: Route::ListIncidents,
        kind: FaultKind::ServerError(503),
        times: 4,
    });
    w.fake.inject(Fault {
        route: Route::ListIncidents,
        kind: FaultKind::DropConnection,
        times: 2,
    });
    w.until("offline shown", 20 * SEC, |w| {
        matches!(w.view().accounts[0].connection, Connection::Offline { .. })
    })
    .await;
    let id = w.fake.trigger(NewIncident::new("During the outage"));
    w.until("recovered and paged", 3 * 60 * SEC, |w| {
        w.screen.pages_of(&id) == 1
    })
    .await;
    assert_eq!(w.view().accounts[0].connection, Connection::Ok);
}

#[tokio::test(start_paused = true)]
async fn restart_does_not_page_twice() {
    let mut w = World::new().await;
    w.start().await;
    let id = w.page("Pager test").await;
    w.restart().await;
    w.until("polled after restart", 5 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
    w.idle(2 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1, "{:?}", w.screen.shown());
}

#[tokio::test(start_paused = true)]
async fn a_pending_ack_survives_network_loss_and_restart() {
    let mut w = World::new().await;
    w.start().await;
    let id = w.page("Ack me").await;

    // The network goes away; the user presses Acknowledge anyway.
    w.server.take().unwrap().shutdown().await;
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    w.until("offline shown", 30 * SEC, |w| {
        matches!(w.view().accounts[0].connection, Connection::Offline { .. })
    })
    .await;
    assert_eq!(
        w.view().incident(&w.key(&id)).unwrap().pending,
        Some(ActionKind::Acknowledge)
    );
    // No repeat page while our ack is on its way, even past the repeat interval.
    w.idle(6 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1);
    assert_eq!(w.fake.incident(&id).unwrap().status, Status::Triggered);

    // The app is restarted, and the network comes back.
    w.stop().await;
    w.server = Some(w.fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap());
    w.start().await;
    w.until("the ack arrives after restart", 30 * SEC, |w| {
        w.fake.incident(&id).unwrap().status == Status::Acknowledged
    })
    .await;
    assert_eq!(w.count_requests("PUT", "/incidents"), 1, "sent once");
    assert_eq!(w.screen.pages_of(&id), 1);
}

#[tokio::test(start_paused = true)]
async fn waking_from_sleep_polls_at_once() {
    let mut w = World::new().await;
    w.poll_interval = Duration::from_secs(600);
    w.start().await;
    w.until("first poll", 5 * SEC, |w| {
        w.count_requests("GET", "/incidents") == 1
    })
    .await;
    w.idle(30 * SEC).await;
    let id = w.fake.trigger(NewIncident::new("While the lid was closed"));
    // The laptop slept for two hours: the wall clock jumps, the monotonic one does not.
    w.clock.jump(Duration::from_secs(2 * 3600));
    w.until("the page right after waking", 10 * SEC, |w| {
        w.screen.pages_of(&id) == 1
    })
    .await;
    assert_eq!(w.count_requests("GET", "/incidents"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_storm_of_thirty_is_one_summary() {
    let mut w = World::new().await;
    w.start().await;
    w.first_poll().await;
    for n in 0..30 {
        w.fake.trigger(NewIncident::new(format!("Shard {n} down")));
    }
    w.until("the summary", 20 * SEC, |w| !w.screen.shown().is_empty())
        .await;
    w.idle(60 * SEC).await;
    assert_eq!(
        w.screen.shown(),
        vec![Shown::Summary {
            count: 30,
            reason: "Storm".into()
        }]
    );
    assert_eq!(w.view().incidents.len(), 30);
}

#[tokio::test(start_paused = true)]
async fn first_start_with_open_incidents_is_one_summary() {
    let mut w = World::new().await;
    for n in 0..5 {
        w.fake
            .trigger(NewIncident::new(format!("Already open {n}")));
    }
    w.start().await;
    w.until("the summary", 20 * SEC, |w| !w.screen.shown().is_empty())
        .await;
    assert_eq!(
        w.screen.shown(),
        vec![Shown::Summary {
            count: 5,
            reason: "FirstStart".into()
        }]
    );
}

#[tokio::test(start_paused = true)]
async fn acknowledge_all_is_one_bulk_request() {
    let mut w = World::new().await;
    w.start().await;
    w.first_poll().await;
    let ids: Vec<String> = (0..5)
        .map(|n| w.fake.trigger(NewIncident::new(format!("I{n}"))))
        .collect();
    w.until("listed", 20 * SEC, |w| w.view().incidents.len() == 5)
        .await;
    let mut events = w.engine().events();
    w.engine()
        .act_on_all_triggered(ActionKind::Acknowledge)
        .await
        .unwrap();
    w.until("all acked", 5 * SEC, |w| {
        ids.iter()
            .all(|id| w.fake.incident(id).unwrap().status == Status::Acknowledged)
    })
    .await;
    assert_eq!(w.count_requests("PUT", "/incidents"), 1);
    let mut finished = 0;
    while let Ok(e) = events.try_recv() {
        if matches!(e, EngineEvent::ActionFinished { .. }) {
            finished += 1;
        }
    }
    assert_eq!(finished, 5);
}

#[tokio::test(start_paused = true)]
async fn acking_an_incident_someone_else_acked_is_not_an_error() {
    let mut w = World::new().await;
    w.start().await;
    let id = w.page("Race").await;
    w.fake.acknowledge(&id, "PUSER02");
    let mut events = w.engine().events();
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    let finished = loop {
        if let EngineEvent::ActionFinished { result, .. } = events.recv().await.unwrap() {
            break result;
        }
    };
    assert!(
        matches!(finished, oncall_engine::ActionResult::Confirmed { .. }),
        "{finished:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_corrupt_state_file_is_moved_aside_not_fatal() {
    let mut w = World::new().await;
    let data = w.dirs().data_dir;
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("state.json"), b"{\"policy\": {\"accounts\": [tru").unwrap();
    let id = w.fake.trigger(NewIncident::new("After corruption"));
    w.start().await;
    w.until("the page", 20 * SEC, |w| w.screen.pages_of(&id) == 1)
        .await;
    let aside = std::fs::read_dir(&data)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("state.json.corrupt-")
        })
        .count();
    assert_eq!(aside, 1);
}

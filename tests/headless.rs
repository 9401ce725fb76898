//! `oncall-tray --headless` against the fake PagerDuty and a recording notification
//! server on a private D-Bus bus: a page rings, its Acknowledge button works, the
//! notification goes away and stays away, and SIGTERM ends the app cleanly.

use std::time::Duration;

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_model::Status;
use oncall_notification_recorder::{Recorder, TestBus};
use oncall_tray_e2e::{fake_account_config, polls, wait_for_requests, Sandbox, TIMEOUT};

/// A private bus with the recording notification server, the fake PagerDuty, and a
/// sandbox whose config has one account on it, polled every 2 s.
struct World {
    bus: TestBus,
    recorder: Recorder,
    fake: FakePagerDuty,
    server: oncall_fake_pagerduty::RunningFake,
    sandbox: Sandbox,
}

impl World {
    async fn start() -> World {
        let bus = TestBus::start().expect("a private D-Bus bus (dbus-daemon)");
        let recorder = Recorder::start(Some(&bus.address))
            .await
            .expect("the notification recorder");
        let fake = FakePagerDuty::new();
        let server = fake
            .serve("127.0.0.1:0".parse().unwrap())
            .await
            .expect("the fake PagerDuty");
        let sandbox = Sandbox::new();
        sandbox.write_config(&fake_account_config(&server.url, 2));
        World {
            bus,
            recorder,
            fake,
            server,
            sandbox,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_rings_its_acknowledge_button_acknowledges_it_and_it_is_withdrawn() {
    let World {
        bus,
        recorder,
        fake,
        server,
        sandbox,
    } = World::start().await;
    let mut app = sandbox.spawn_headless(&bus.address);

    // The page arrives while the app runs (a page already open at start is summarised).
    wait_for_requests(&fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let incident = fake.trigger(NewIncident::new("Checkout API is down"));

    let seen = recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Checkout API is down"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert_eq!(seen.len(), 1, "one notification: {seen:#?}");
    let page = &seen[0];
    assert_eq!(page.summary, "[high] #1 Checkout API is down");
    assert!(
        page.body.starts_with("Checkout API · triggered"),
        "{page:#?}"
    );
    assert_eq!(page.action_label("ack"), Some("Acknowledge"), "{page:#?}");
    assert_eq!(page.action_label("open"), Some("Open"), "{page:#?}");
    assert_eq!(page.urgency, Some(2), "high urgency is critical");
    assert_eq!(page.expire_timeout, 0, "a page stays until dealt with");

    recorder
        .press(page.id, "ack")
        .await
        .expect("the button is pressed");

    let requests = wait_for_requests(&fake, "the acknowledgement", |r| {
        r.iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/incidents") && r.status == 200)
    })
    .await
    .unwrap_or_else(|e| app.fail(e));
    let ack = requests
        .iter()
        .find(|r| r.method == "PUT" && r.path.starts_with("/incidents"))
        .unwrap();
    assert_eq!(ack.header("from"), Some("pat@example.com"), "{ack:#?}");
    assert_eq!(
        fake.incident(&incident).unwrap().status,
        Status::Acknowledged
    );

    // Withdrawn: closed by our CloseNotification (3) or by the press itself (2).
    recorder
        .wait_for(TIMEOUT, |n| n.iter().all(|n| !n.is_open()))
        .await
        .unwrap_or_else(|e| app.fail(e));

    // Three more polls see the acknowledged incident: nothing rings again.
    let polls_after_ack = polls(&fake.requests());
    wait_for_requests(&fake, "three more polls", |r| {
        polls(r) >= polls_after_ack + 3
    })
    .await
    .unwrap_or_else(|e| app.fail(e));
    let all = recorder.notifications();
    assert_eq!(all.len(), 1, "nothing rang again: {all:#?}");
    assert!(!all[0].replaced && !all[0].is_open(), "{all:#?}");
    assert!(app.is_running(), "{}", app.log());

    app.terminate();
    let code = app.wait_exit(Duration::from_secs(5)).await;
    assert_eq!(code, Some(0), "{}", app.log());
    recorder.stop().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_from_before_a_restart_still_acknowledges_and_is_withdrawn() {
    let World {
        bus,
        recorder,
        fake,
        server,
        sandbox,
    } = World::start().await;
    let mut first = sandbox.spawn_headless(&bus.address);
    wait_for_requests(&fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| first.fail(e));
    let one = fake.trigger(NewIncident::new("Checkout API is down"));
    let two = fake.trigger(NewIncident::new("Payments queue backing up"));
    let pages = recorder
        .wait_for(TIMEOUT, |n| n.len() == 2)
        .await
        .unwrap_or_else(|e| first.fail(e));
    let page_of = |title: &str| pages.iter().find(|n| n.summary.contains(title)).unwrap().id;
    let (page_one, page_two) = (page_of("Checkout"), page_of("Payments"));

    // The app restarts (an update, a crash); the notifications stay on screen.
    first.terminate();
    assert_eq!(first.wait_exit(Duration::from_secs(5)).await, Some(0));
    let mut second = sandbox.spawn_headless(&bus.address);
    let polls_before = polls(&fake.requests());
    wait_for_requests(&fake, "a poll of the new run", |r| polls(r) > polls_before)
        .await
        .unwrap_or_else(|e| second.fail(e));
    assert_eq!(
        recorder.notifications().len(),
        2,
        "a restart is not a new page: {:#?}",
        recorder.notifications()
    );

    // A press on the old notification is honoured by the new run.
    recorder.press(page_one, "ack").await.expect("pressed");
    wait_for_requests(&fake, "the acknowledgement", |r| {
        r.iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/incidents") && r.status == 200)
    })
    .await
    .unwrap_or_else(|e| second.fail(e));
    assert_eq!(fake.incident(&one).unwrap().status, Status::Acknowledged);

    // And the other old one is withdrawn when it is acknowledged elsewhere.
    fake.acknowledge(&two, "PUSER01");
    recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.id == page_two && !n.is_open())
        })
        .await
        .unwrap_or_else(|e| second.fail(e));
    assert_eq!(recorder.notifications().len(), 2, "nothing rang again");

    second.terminate();
    assert_eq!(second.wait_exit(Duration::from_secs(5)).await, Some(0));
    recorder.stop().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_title_with_control_characters_and_markup_still_pages_as_plain_text() {
    let World {
        bus,
        recorder,
        fake,
        server,
        sandbox,
    } = World::start().await;
    let mut app = sandbox.spawn_headless(&bus.address);
    wait_for_requests(&fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    // A NUL is not allowed in a D-Bus string: sent as is, the page would never show.
    fake.trigger(NewIncident::new("DB\u{0}down <b>now</b>\u{202E}"));
    let seen = recorder
        .wait_for(TIMEOUT, |n| n.iter().any(|n| n.summary.contains("DB down")))
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert_eq!(seen[0].summary, "[high] #1 DB down <b>now</b>", "{seen:#?}");
    app.terminate();
    assert_eq!(app.wait_exit(Duration::from_secs(5)).await, Some(0));
    recorder.stop().await;
    server.shutdown().await;
}

//! Every page reaches the person, against the built `oncall-tray --headless`, the fake
//! PagerDuty and a recording notification server on a private D-Bus bus:
//! - a new trigger episode, and a high-urgency repeat, while the previous notification of
//!   the incident is on screen is a new notification (`replaces_id` 0, which a desktop
//!   pops up and sounds) and the old one is closed;
//! - a page decided while no notification server runs appears once one starts;
//! - a server that never answers stalls neither polling nor the page, which appears once
//!   a working server takes over.

use std::time::{Duration, Instant};

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_model::Status;
use oncall_notification_recorder::{close_reason, Recorded, Recorder, TestBus};
use oncall_tray_e2e::{fake_account_config, polls, wait_for_requests, App, Sandbox, TIMEOUT};

struct World {
    bus: TestBus,
    fake: FakePagerDuty,
    server: oncall_fake_pagerduty::RunningFake,
    sandbox: Sandbox,
}

impl World {
    /// The bus, the fake (polled every 2 s) and the sandbox; no notification server yet.
    async fn start(extra_config: &str) -> World {
        let bus = TestBus::start().expect("a private D-Bus bus (dbus-daemon)");
        let fake = FakePagerDuty::new();
        let server = fake
            .serve("127.0.0.1:0".parse().unwrap())
            .await
            .expect("the fake PagerDuty");
        let sandbox = Sandbox::new();
        sandbox.write_config(&format!(
            "{extra_config}\n{}",
            fake_account_config(&server.url, 2)
        ));
        World {
            bus,
            fake,
            server,
            sandbox,
        }
    }

    async fn recorder(&self) -> Recorder {
        Recorder::start(Some(&self.bus.address))
            .await
            .expect("the notification recorder")
    }

    /// Presses Acknowledge on notification `page` and waits until the fake has
    /// incident `id` acknowledged.
    async fn acknowledge_from(&self, recorder: &Recorder, page: u32, id: &str, app: &App) {
        recorder.press(page, "ack").await.expect("pressed");
        wait_for_requests(&self.fake, "the acknowledgement", |_| {
            self.fake.incident(id).unwrap().status == Status::Acknowledged
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    }

    /// SIGTERM ends the app cleanly; then everything else stops.
    async fn finish(self, mut app: App, recorder: Recorder) {
        app.terminate();
        assert_eq!(app.wait_exit(Duration::from_secs(5)).await, Some(0));
        recorder.stop().await;
        self.server.shutdown().await;
    }
}

fn pages_of<'a>(records: &'a [Recorded], title: &str) -> Vec<&'a Recorded> {
    records
        .iter()
        .filter(|n| n.summary.contains(title))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_to_me_with_the_page_on_screen_is_a_new_notification() {
    let w = World::start("").await;
    let recorder = w.recorder().await;
    let app = w.sandbox.spawn_headless(&w.bus.address);
    wait_for_requests(&w.fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| app.fail(e));

    let id = w.fake.trigger(NewIncident::new("Payments are failing"));
    let first = recorder
        .wait_for(TIMEOUT, |n| pages_of(n, "Payments are failing").len() == 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let first = pages_of(&first, "Payments are failing")[0].clone();
    assert_eq!(first.replaces_id, 0);

    // It escalates to me again while its page is still on screen: a new episode.
    w.fake.reassign(&id, &["PUSER01"]);
    let both = recorder
        .wait_for(TIMEOUT, |n| pages_of(n, "Payments are failing").len() == 2)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let pages = pages_of(&both, "Payments are failing");
    let (old, new) = (pages[0], pages[1]);
    assert_ne!(new.id, old.id, "a new notification, not a replacement");
    assert_eq!(new.replaces_id, 0, "{new:#?}");
    assert!(
        !old.replaced,
        "the old one was not replaced in place: {old:#?}"
    );
    let closed = recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|r| r.id == old.id && !r.is_open())
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let old = closed.iter().find(|r| r.id == old.id).unwrap();
    assert_eq!(old.closed, Some(close_reason::CLOSED_BY_CALL), "{old:#?}");

    // The new notification's button works.
    recorder
        .wait_for_listener(new.id, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    w.acknowledge_from(&recorder, new.id, &id, &app).await;

    w.finish(app, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_high_urgency_repeat_is_a_new_notification_whose_button_works() {
    let w = World::start("[notifications]\nrepeat_high_urgency_minutes = 1\n").await;
    let recorder = w.recorder().await;
    let app = w.sandbox.spawn_headless(&w.bus.address);
    wait_for_requests(&w.fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| app.fail(e));

    let id = w.fake.trigger(NewIncident::new("Database primary down"));
    recorder
        .wait_for(TIMEOUT, |n| pages_of(n, "Database primary down").len() == 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    // Nobody answers: a minute later it rings again, as a new notification.
    let both = recorder
        .wait_for(Duration::from_secs(60) + TIMEOUT, |n| {
            pages_of(n, "Database primary down").len() == 2
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let pages = pages_of(&both, "Database primary down");
    let (old, new) = (pages[0].clone(), pages[1].clone());
    assert_eq!(new.replaces_id, 0, "{new:#?}");
    assert_ne!(new.id, old.id);
    assert_eq!(new.urgency, Some(2), "still critical");
    recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|r| r.id == old.id && !r.is_open())
        })
        .await
        .unwrap_or_else(|e| app.fail(e));

    recorder
        .wait_for_listener(new.id, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    w.acknowledge_from(&recorder, new.id, &id, &app).await;
    w.finish(app, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_decided_while_no_notification_server_runs_appears_once_one_starts() {
    let w = World::start("").await;
    // Autostart at login: the app is up before the desktop's notification server.
    let app = w.sandbox.spawn_headless(&w.bus.address);
    wait_for_requests(&w.fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    w.fake.trigger(NewIncident::new("Checkout API is down"));
    let deadline = Instant::now() + TIMEOUT;
    while !app
        .log()
        .contains("notifications are not reaching the desktop")
    {
        assert!(Instant::now() < deadline, "{}", app.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Polling goes on meanwhile.
    let polls_then = polls(&w.fake.requests());
    wait_for_requests(&w.fake, "two more polls", |r| polls(r) >= polls_then + 2)
        .await
        .unwrap_or_else(|e| app.fail(e));

    let started = Instant::now();
    let recorder = w.recorder().await;
    let seen = recorder
        .wait_for(TIMEOUT, |n| !pages_of(n, "Checkout API is down").is_empty())
        .await
        .unwrap_or_else(|e| app.fail(e));
    println!(
        "held page shown {} ms after the notification server took its name",
        started.elapsed().as_millis()
    );
    assert_eq!(pages_of(&seen, "Checkout API is down").len(), 1);
    assert_eq!(seen[0].urgency, Some(2));
    // Shown once: later polls and retries do not ring it again.
    let polls_then = polls(&w.fake.requests());
    wait_for_requests(&w.fake, "three more polls", |r| polls(r) >= polls_then + 3)
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert_eq!(
        recorder.notifications().len(),
        1,
        "{:#?}",
        recorder.notifications()
    );
    assert!(
        app.log().contains("notifications reach the desktop again"),
        "{}",
        app.log()
    );

    w.finish(app, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_server_that_never_answers_does_not_stop_polling() {
    let w = World::start("").await;
    let wedged = Recorder::start_wedged(Some(&w.bus.address))
        .await
        .expect("the wedged server");
    let mut app = w.sandbox.spawn_headless(&w.bus.address);
    wait_for_requests(&w.fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let id = w.fake.trigger(NewIncident::new("Queue backlog growing"));
    let deadline = Instant::now() + TIMEOUT;
    while !app.log().contains("did not answer") {
        assert!(Instant::now() < deadline, "{}", app.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Polls go on at their interval while the server hangs.
    let polls_then = polls(&w.fake.requests());
    wait_for_requests(&w.fake, "three more polls", |r| polls(r) >= polls_then + 3)
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert!(app.is_running(), "{}", app.log());

    // The user restarts the daemon: a working server takes over, the page appears.
    wedged.stop().await;
    let recorder = w.recorder().await;
    let seen = recorder
        .wait_for(TIMEOUT, |n| {
            !pages_of(n, "Queue backlog growing").is_empty()
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let page = pages_of(&seen, "Queue backlog growing")[0].clone();
    // The app has listened for buttons since it started (before this recorder could
    // see its match rule), so the press reaches it.
    w.acknowledge_from(&recorder, page.id, &id, &app).await;

    w.finish(app, recorder).await;
}

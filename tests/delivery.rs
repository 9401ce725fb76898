//! Every page reaches the person, against the built `oncall-tray --headless`, the fake
//! PagerDuty and a recording notification server on a private D-Bus bus:
//! - a new trigger episode, and a high-urgency repeat, while the previous notification of
//!   the incident is on screen is a new notification (`replaces_id` 0, which a desktop
//!   pops up and sounds) and the old one is closed;
//! - a page decided while no notification server runs appears once one starts;
//! - a server that never answers stalls neither polling nor the page, which appears once
//!   a working server takes over.

use std::time::{Duration, Instant};

use oncall_fake_pagerduty::NewIncident;
use oncall_notification_recorder::close_reason;
use oncall_tray_e2e::headless_world::{page_titled, titled, HeadlessWorld};
use oncall_tray_e2e::TIMEOUT;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_to_me_with_the_page_on_screen_is_a_new_notification() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;

    let id = w.fake.trigger(NewIncident::new("Payments are failing"));
    let first = recorder
        .wait_for(TIMEOUT, |n| titled(n, "Payments are failing").len() == 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let first = titled(&first, "Payments are failing")[0].clone();
    assert_eq!(first.replaces_id, 0);

    // It escalates to me again while its page is still on screen: a new episode.
    w.fake.reassign(&id, &["PUSER01"]);
    let both = recorder
        .wait_for(TIMEOUT, |n| titled(n, "Payments are failing").len() == 2)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let pages = titled(&both, "Payments are failing");
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
    let w = HeadlessWorld::with_config("[notifications]\nrepeat_high_urgency_minutes = 1\n").await;
    let recorder = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;

    let id = w.fake.trigger(NewIncident::new("Database primary down"));
    recorder
        .wait_for(TIMEOUT, |n| titled(n, "Database primary down").len() == 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    // Nobody answers: a minute later it rings again, as a new notification.
    let both = recorder
        .wait_for(Duration::from_secs(60) + TIMEOUT, |n| {
            titled(n, "Database primary down").len() == 2
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let pages = titled(&both, "Database primary down");
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
    let w = HeadlessWorld::start().await;
    // Autostart at login: the app is up before the desktop's notification server.
    let app = w.spawn();
    w.first_poll(&app).await;
    w.fake.trigger(NewIncident::new("Checkout API is down"));
    app.wait_for_log("notifications are not reaching the desktop")
        .await;
    // Polling goes on meanwhile.
    w.more_polls(2, "two more polls", &app).await;

    let started = Instant::now();
    let recorder = w.recorder().await;
    let seen = recorder
        .wait_for(TIMEOUT, |n| !titled(n, "Checkout API is down").is_empty())
        .await
        .unwrap_or_else(|e| app.fail(e));
    println!(
        "held page shown {} ms after the notification server took its name",
        started.elapsed().as_millis()
    );
    assert_eq!(titled(&seen, "Checkout API is down").len(), 1);
    assert_eq!(seen[0].urgency, Some(2));
    // Shown once: later polls and retries do not ring it again.
    w.more_polls(3, "three more polls", &app).await;
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
    let w = HeadlessWorld::start().await;
    let wedged = w.wedged_server().await;
    let mut app = w.spawn();
    w.first_poll(&app).await;
    let id = w.fake.trigger(NewIncident::new("Queue backlog growing"));
    app.wait_for_log("did not answer").await;
    // Polls go on at their interval while the server hangs.
    w.more_polls(3, "three more polls", &app).await;
    assert!(app.is_running(), "{}", app.log());

    // The user restarts the daemon: a working server takes over, the page appears.
    wedged.stop().await;
    let recorder = w.recorder().await;
    let page = page_titled(&recorder, "Queue backlog growing", &app).await;
    // The app has listened for buttons since it started (before this recorder could
    // see its match rule), so the press reaches it.
    w.acknowledge_from(&recorder, page.id, &id, &app).await;

    w.finish(app, recorder).await;
}

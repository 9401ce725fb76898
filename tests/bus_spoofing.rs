//! Only the notification server presses a page's buttons (issue 12, item 4), against the
//! built `oncall-tray --headless`, the fake PagerDuty and the recording notification
//! server on a private D-Bus bus:
//! - another client on the session bus forges presses and a close of a page, to everyone
//!   and addressed to the app, before and after forging the bus's word that it owns the
//!   notification service: nothing is acknowledged, and the server's own press still is;
//! - a server replaced by another cannot press the new one's notifications (ids start
//!   again from 1 there), even with its press addressed to the app;
//! - after a logout, the next session's server gets the same unique name and another
//!   app's notifications get the ids of the last run's pages: pressing those does not
//!   acknowledge the pages, and withdrawing a page does not close them.
//!
//! Absence is shown with a later event, not a wait: the bus delivers to the app in the
//! order it routed, and the app reads its bus messages in that order, so once the server's
//! press of a later page is acknowledged, anything the app had taken from what came
//! before would have reached the service first.

use std::time::Duration;

use oncall_fake_pagerduty::NewIncident;
use oncall_model::Status;
use oncall_notification_recorder::{close_reason, Stranger};
use oncall_tray_e2e::headless_world::{page_titled, HeadlessWorld};
use oncall_tray_e2e::TIMEOUT;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_client_on_the_session_bus_cannot_press_a_pages_buttons() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;
    let checkout = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let page_one = page_titled(&recorder, "Checkout API is down", &app).await;
    recorder
        .wait_for_listener(page_one.id, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));

    // Any process of the session can guess the id (they count from 1) and learn the
    // app's unique name (the sender of its `Notify`).
    let stranger = Stranger::connect(&w.bus.address).await.expect("connects");
    let app_name = page_one.sender.clone();
    let forge = async {
        stranger.action_invoked(page_one.id, "ack", None).await?;
        stranger
            .action_invoked(page_one.id, "ack", Some(&app_name))
            .await?;
        // "Dismissed": would silence the alarm and forget the page's buttons.
        stranger
            .notification_closed(page_one.id, close_reason::DISMISSED, Some(&app_name))
            .await?;
        stranger
            .claim_the_server_name(&app_name, &recorder.unique_name())
            .await?;
        stranger
            .action_invoked(page_one.id, "ack", Some(&app_name))
            .await
    };
    forge.await.expect("the forged signals are sent");

    // A later page's press, by the server: read by the app after every forgery.
    let payments = w
        .fake
        .trigger(NewIncident::new("Payments queue backing up"));
    let page_two = page_titled(&recorder, "Payments queue backing up", &app).await;
    recorder
        .wait_for_listener(page_two.id, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    w.acknowledge_from(&recorder, page_two.id, &payments, &app)
        .await;
    assert_eq!(
        w.status(&checkout),
        Status::Triggered,
        "a forged press acknowledged the page\n{}",
        app.log()
    );
    // A poll after the acknowledgement: an acknowledged page would be withdrawn by now.
    w.more_polls(1, "a poll after the acknowledgement", &app)
        .await;
    assert!(
        recorder.notification(page_one.id).unwrap().is_open(),
        "the page is still up: {:#?}",
        recorder.notifications()
    );
    // The forgeries addressed to the app reached it, and were judged there.
    assert!(
        app.log()
            .contains("ignored a button press not sent by the notification server"),
        "{}",
        app.log()
    );

    // The server's own press of the page works: the forged close and owner change
    // changed nothing.
    w.acknowledge_from(&recorder, page_one.id, &checkout, &app)
        .await;

    stranger.disconnect().await;
    w.finish(app, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_server_cannot_press_the_notifications_of_the_one_that_took_over() {
    let w = HeadlessWorld::start().await;
    let old = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;
    let checkout = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let old_page = page_titled(&old, "Checkout API is down", &app).await;
    old.wait_for_listener(old_page.id, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));

    // Another notification daemon takes over (`--replace`); the old one's popup lingers
    // for a moment, and the user clicks it. The old server sends the press to the app
    // (as GNOME Shell does), so the bus delivers it whatever the app's match rules.
    old.release_name().await.expect("the name is released");
    let new = w.recorder().await;
    old.press_addressed(old_page.id, "ack")
        .await
        .expect("pressed");

    // Ids count from 1 on each server: the new one gives the old page's id to a
    // notification of the app (the old page, shown again on the server that took over).
    let payments = w
        .fake
        .trigger(NewIncident::new("Payments queue backing up"));
    let new_page = page_titled(&new, "Payments queue backing up", &app).await;
    assert!(
        new.notification(old_page.id).is_some(),
        "{:#?}",
        new.notifications()
    );
    // A later page's press, by the new server: read by the app after the old one's.
    // (The app has listened since it started, before this server could see its match
    // rule, so no wait_for_listener.)
    let disk = w.fake.trigger(NewIncident::new("Disk almost full"));
    let last_page = page_titled(&new, "Disk almost full", &app).await;
    w.acknowledge_from(&new, last_page.id, &disk, &app).await;
    assert_eq!(
        (w.status(&checkout), w.status(&payments)),
        (Status::Triggered, Status::Triggered),
        "the replaced server's press acknowledged a page\n{}",
        app.log()
    );

    // The new server's own press works.
    w.acknowledge_from(&new, new_page.id, &payments, &app).await;

    old.stop().await;
    w.finish(app, new).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_logout_a_server_with_the_same_bus_name_cannot_press_the_last_runs_pages() {
    // The first session: two pages on screen when the user logs out.
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let mut app = w.spawn();
    w.first_poll(&app).await;
    let checkout = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let payments = w
        .fake
        .trigger(NewIncident::new("Payments queue backing up"));
    recorder
        .wait_for(TIMEOUT, |n| n.len() == 2)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let page_one = page_titled(&recorder, "Checkout API is down", &app)
        .await
        .id;
    let page_two = page_titled(&recorder, "Payments queue backing up", &app)
        .await
        .id;
    app.terminate();
    assert_eq!(app.wait_exit(Duration::from_secs(5)).await, Some(0));
    let last_server = recorder.unique_name();
    recorder.stop().await;

    // The next session: a new bus, on which the notification server connects in the
    // same order and so gets the same unique name, and another app's notifications get
    // the ids the pages had.
    let w = w.next_session();
    let recorder = w.recorder().await;
    assert_eq!(
        recorder.unique_name(),
        last_server,
        "the scenario needs the same unique name on the new bus"
    );
    let other_app = Stranger::connect(&w.bus.address).await.expect("connects");
    let mut theirs = Vec::new();
    for summary in ["Backup finished", "Update available"] {
        let id = other_app
            .notify(summary, &[("ack", "OK")])
            .await
            .expect("the other app's notification");
        theirs.push(id);
    }
    let mut ours = vec![page_one, page_two];
    ours.sort_unstable();
    assert_eq!(theirs, ours, "the other app's ids are the last run's");

    let app = w.spawn();
    w.more_polls(1, "a poll of the new run", &app).await;
    // The user clicks OK on the other app's notification with page one's old id.
    recorder
        .wait_for_listener(page_one, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    recorder.press(page_one, "ack").await.expect("pressed");
    // Page two's incident is acknowledged elsewhere: the app withdraws what it showed.
    w.fake.acknowledge(&payments, "PUSER01");
    w.more_polls(2, "a poll that sees it", &app).await;

    // A later page, decided after the withdrawal and pressed after the click.
    let disk = w.fake.trigger(NewIncident::new("Disk almost full"));
    let last_page = page_titled(&recorder, "Disk almost full", &app).await;
    recorder
        .wait_for_listener(last_page.id, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    w.acknowledge_from(&recorder, last_page.id, &disk, &app)
        .await;
    assert_eq!(
        w.status(&checkout),
        Status::Triggered,
        "the other app's button acknowledged a page of the last run\n{}",
        app.log()
    );
    let other = recorder.notification(page_two).unwrap();
    assert!(
        other.is_open(),
        "the withdrawal of the last run's page closed the other app's notification: {other:#?}"
    );

    other_app.disconnect().await;
    w.finish(app, recorder).await;
}

//! A page is not lost with its notification server, against the built
//! `oncall-tray --headless`, the fake PagerDuty and recording notification servers on a
//! private D-Bus bus. The notifications a server shows go away with it (the daemon
//! crashed and restarted, another one replaced it), while the app counts those pages as
//! seen; so what was on screen is shown on the server that takes over:
//! - a page on a server that stopped appears once on the next one, as a new notification
//!   (`replaces_id` 0, which pops up) that makes no sound of its own, and its
//!   Acknowledge button works there;
//! - a page withdrawn before the server went away is not shown again, and a page shown
//!   again is withdrawn from the new server when it is acknowledged elsewhere;
//! - a server that gives up the name while still connected (`--replace`) leaves its pages
//!   to the one that took over.
//!
//! Absence is shown with a later event, not a wait: the app shows again what it lost as
//! soon as the new server appears, so once a page triggered after that reached the new
//! server, and the app polled again twice, a duplicate would have arrived.

use oncall_fake_pagerduty::NewIncident;
use oncall_notification_recorder::{close_reason, Recorded, Recorder};
use oncall_tray_e2e::headless_world::{pages_titled, titled, HeadlessWorld};
use oncall_tray_e2e::{wait_until_or, App, TIMEOUT};

/// The one notification with `title` on `recorder`, once it has it.
async fn page(recorder: &Recorder, title: &str, app: &App) -> Recorded {
    let pages = pages_titled(recorder, title, app).await;
    assert_eq!(pages.len(), 1, "{pages:#?}\n{}", app.log());
    pages.into_iter().next().unwrap()
}

/// Waits until the app has read the server's answers to `count` notifications: a
/// server that goes away before that leaves the page in the engine's outbox, which
/// shows it on the next server as a page still to ring (`delivery.rs`), not this.
async fn taken_in(app: &App, count: usize) {
    wait_until_or(
        &format!("the app recording {count} notifications"),
        || app.log(),
        || app.log().matches("notification shown").count() >= count,
    )
    .await
}

/// How many notifications the app says it showed again.
fn shown_again(app: &App) -> usize {
    app.log()
        .matches("a notification that went away with its server is shown again")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_a_server_that_went_away_is_shown_once_on_the_next_and_its_button_works() {
    let w = HeadlessWorld::start().await;
    let first = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;
    let checkout = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let before = page(&first, "Checkout API is down", &app).await;
    taken_in(&app, 1).await;

    // The notification daemon crashes: its connection closes, and the name with it. The
    // desktop starts it again.
    first.stop().await;
    let second = w.recorder().await;
    let again = page(&second, "Checkout API is down", &app).await;
    assert_eq!(again.replaces_id, 0, "a new notification: {again:#?}");
    assert_eq!(
        (&again.summary, again.urgency, &again.actions),
        (&before.summary, before.urgency, &before.actions),
        "the same page"
    );
    assert_eq!(
        again.hints.get("suppress-sound").map(String::as_str),
        Some("true"),
        "shown again, not rung again: {again:#?}\n{}",
        app.log()
    );

    // Once: a page triggered after it reached this server, and two polls later, the
    // first page is still there once.
    w.fake
        .trigger(NewIncident::new("Payments queue backing up"));
    page(&second, "Payments queue backing up", &app).await;
    w.more_polls(2, "two more polls", &app).await;
    assert_eq!(
        titled(&second.notifications(), "Checkout API is down").len(),
        1,
        "{:#?}",
        second.notifications()
    );
    assert_eq!(shown_again(&app), 1, "{}", app.log());

    // Its button acts on the incident. (The app has listened for buttons since it
    // started, before this server could see its match rule: no wait_for_listener.)
    w.acknowledge_from(&second, again.id, &checkout, &app).await;
    w.more_polls(2, "two more polls", &app).await;
    assert_eq!(
        titled(&second.notifications(), "Checkout API is down").len(),
        1,
        "acknowledged, it is not shown again: {:#?}",
        second.notifications()
    );

    w.finish(app, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_withdrawn_before_its_server_went_away_is_not_shown_on_the_next() {
    let w = HeadlessWorld::start().await;
    let first = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;
    let checkout = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let payments = w
        .fake
        .trigger(NewIncident::new("Payments queue backing up"));
    let withdrawn = page(&first, "Checkout API is down", &app).await;
    page(&first, "Payments queue backing up", &app).await;
    taken_in(&app, 2).await;

    // Acknowledged from the phone: the app withdraws its page.
    w.fake.acknowledge(&checkout, "PUSER01");
    first
        .wait_for(TIMEOUT, |n| {
            n.iter()
                .any(|r| r.id == withdrawn.id && r.closed == Some(close_reason::CLOSED_BY_CALL))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));

    first.stop().await;
    let second = w.recorder().await;
    let again = page(&second, "Payments queue backing up", &app).await;
    assert_eq!(again.replaces_id, 0, "{again:#?}");

    // A later page reached the new server, and two polls went by: the withdrawn page
    // would have come first.
    w.fake.trigger(NewIncident::new("Disk almost full"));
    let later = page(&second, "Disk almost full", &app).await;
    w.more_polls(2, "two more polls", &app).await;
    assert!(
        titled(&second.notifications(), "Checkout API is down").is_empty(),
        "the withdrawn page came back: {:#?}",
        second.notifications()
    );
    assert_eq!(shown_again(&app), 1, "{}", app.log());

    // The page shown again is the app's to withdraw: acknowledged elsewhere, it goes.
    w.fake.acknowledge(&payments, "PUSER01");
    let closed = second
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|r| r.id == again.id && !r.is_open())
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let closed = closed.iter().find(|r| r.id == again.id).unwrap();
    assert_eq!(
        closed.closed,
        Some(close_reason::CLOSED_BY_CALL),
        "{closed:#?}"
    );
    assert!(second.notification(later.id).unwrap().is_open());

    w.finish(app, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_replaced_while_still_connected_leaves_its_pages_to_the_one_that_took_over() {
    let w = HeadlessWorld::start().await;
    let old = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;
    let checkout = w.fake.trigger(NewIncident::new("Checkout API is down"));
    page(&old, "Checkout API is down", &app).await;
    taken_in(&app, 1).await;

    // Another daemon takes over (`--replace`): the old one gives up the name first and
    // is still connected for a while.
    old.release_name().await.expect("the name is released");
    let new = w.recorder().await;
    let again = page(&new, "Checkout API is down", &app).await;
    assert_eq!(again.replaces_id, 0, "{again:#?}");

    w.acknowledge_from(&new, again.id, &checkout, &app).await;
    w.more_polls(2, "two more polls", &app).await;
    assert_eq!(
        new.notifications().len(),
        1,
        "shown once, and not again once acknowledged: {:#?}",
        new.notifications()
    );
    assert_eq!(shown_again(&app), 1, "{}", app.log());

    old.stop().await;
    w.finish(app, new).await;
}

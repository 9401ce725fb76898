//! Between the decision and the screen: a page decided while the notification server is
//! missing, refusing or wedged is kept in the outbox and shown once a server answers;
//! meanwhile polling and acknowledgements carry on, the view says pages are not reaching
//! the desktop, and the history lists only what reached the screen. On paused time,
//! against the fake PagerDuty.

mod support;

use std::time::Duration;

use oncall_engine::{Delivery, HistoryEvent};
use oncall_fake_pagerduty::FakePagerDuty;
use oncall_model::{Status, Urgency};
use support::{Outage, Service, Shown, World};

const SEC: Duration = Duration::from_secs(1);

fn paged_in_history(history: &[oncall_engine::HistoryEntry], id: &str) -> usize {
    history
        .iter()
        .filter(|e| e.incident.as_deref() == Some(id))
        .filter(|e| matches!(e.event, HistoryEvent::Paged { .. }))
        .count()
}

#[tokio::test(start_paused = true)]
async fn a_page_decided_while_no_notification_server_runs_appears_once_one_starts() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;

    // The desktop's notification server is not up yet (autostart at login).
    w.screen.server_out(Outage::Absent);
    let id = Service::trigger(&w.fake, "Checkout 500s", Urgency::High);
    w.until("the page was tried and failed", 20 * SEC, |w| {
        w.screen.failed_calls() > 0
    })
    .await;
    let view = w.view();
    assert!(
        matches!(&view.delivery, Delivery::Failing { reason, .. } if reason.contains("ServiceUnknown")),
        "the view says pages do not reach the desktop: {:?}",
        view.delivery
    );
    assert_eq!(view.incidents[0].incident.status, Status::Triggered);
    // It keeps trying, with backoff: a few attempts in a minute, not hundreds.
    w.idle(60 * SEC).await;
    let tries = w.screen.failed_calls();
    assert!((2..=10).contains(&tries), "{tries} attempts in a minute");
    assert_eq!(w.screen.pages_of(&id), 0);
    assert_eq!(
        paged_in_history(&w.engine().history().await, &id),
        0,
        "the history lists what reached the screen, not what was decided"
    );

    // A server starts: the held page is shown at once, not at the next backoff step.
    w.screen.server_starts();
    w.until("the held page appears", SEC, |w| {
        w.screen.pages_of(&id) == 1
    })
    .await;
    w.until("the view is healthy again", SEC, |w| {
        w.view().delivery == Delivery::Ok
    })
    .await;
    assert_eq!(paged_in_history(&w.engine().history().await, &id), 1);

    // Once, and only once.
    w.idle(3 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1);
}

#[tokio::test(start_paused = true)]
async fn a_wedged_notification_server_stalls_neither_polling_nor_acknowledgements() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;

    w.screen.server_out(Outage::Wedged);
    let id = Service::trigger(&w.fake, "Disk full on db-1", Urgency::High);
    w.until("the page is stuck on the wedged server", 20 * SEC, |w| {
        w.screen.failed_calls() > 0
    })
    .await;
    let polls = Service::poll_requests(&w.fake);
    w.idle(2 * 60 * SEC).await;
    assert!(
        Service::poll_requests(&w.fake) >= polls + 6,
        "polling goes on: {} polls in two minutes at a 15 s interval",
        Service::poll_requests(&w.fake) - polls
    );
    w.until("the view says so", SEC, |w| {
        matches!(w.view().delivery, Delivery::Failing { .. })
    })
    .await;

    // The user acknowledges from the tray: the service gets it although no
    // notification could be shown, and the page that never appeared is not shown late.
    w.acknowledge(&id).await;
    w.screen.server_starts();
    w.until("delivery heals", 40 * SEC, |w| {
        w.view().delivery == Delivery::Ok
    })
    .await;
    w.idle(60 * SEC).await;
    assert_eq!(
        w.screen.pages_of(&id),
        0,
        "a page withdrawn before it could be shown is not shown late: {:?}",
        w.screen.shown()
    );
    assert_eq!(paged_in_history(&w.engine().history().await, &id), 0);
}

#[tokio::test(start_paused = true)]
async fn a_page_held_across_a_restart_is_shown_once_by_the_next_run() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;

    w.screen.server_out(Outage::Absent);
    let id = Service::trigger(&w.fake, "Replica lag", Urgency::High);
    w.until("the page was tried", 20 * SEC, |w| {
        w.screen.failed_calls() > 0
    })
    .await;
    // The app quits (a logout) while the page waits; it is in the outbox on disk.
    w.stop().await;
    w.screen.server_starts();
    w.start().await;
    w.until("the next run shows it", 5 * SEC, |w| {
        w.screen.pages_of(&id) == 1
    })
    .await;
    w.idle(3 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1, "{:?}", w.screen.shown());
}

#[tokio::test(start_paused = true)]
async fn pages_reach_the_screen_in_the_order_they_were_decided() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let first = w.page("API latency").await;

    // While the server is away, the first is acknowledged elsewhere (a withdrawal is
    // decided) and a second incident pages.
    w.screen.server_out(Outage::Absent);
    Service::acknowledge_elsewhere(&w.fake, &first, false);
    w.until("the withdrawal is decided", 20 * SEC, |w| {
        w.view().incidents[0].incident.status == Status::Acknowledged
    })
    .await;
    let second = Service::trigger(&w.fake, "Queue backlog", Urgency::High);
    w.until("the second page is decided", 20 * SEC, |w| {
        w.view().count(Status::Triggered) == 1
    })
    .await;
    w.screen.server_starts();
    w.until("both are delivered", 5 * SEC, |w| {
        w.screen.pages_of(&second) == 1
    })
    .await;
    assert_eq!(
        w.screen.shown(),
        vec![
            Shown::Page {
                id: first.clone(),
                reason: "New".into()
            },
            Shown::Withdrawn(first),
            Shown::Page {
                id: second,
                reason: "New".into()
            },
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_notice_is_held_and_shown_once_the_server_is_back() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.screen.server_out(Outage::Absent);
    Service::inject_unauthorized(&w.fake, 1);
    w.start().await;
    w.until("the notice was tried", 20 * SEC, |w| {
        w.screen.failed_calls() > 0
    })
    .await;
    w.screen.server_starts();
    w.until("the token notice appears", SEC, |w| {
        w.screen.shown().contains(&Shown::TokenRejected)
    })
    .await;
}

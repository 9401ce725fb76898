//! Settings changed from the window while the engine runs, and the History tab's record
//! of what rang and what the user did, against the fake PagerDuty on paused time.

mod support;

use std::time::Duration;

use oncall_engine::{ActionStage, HistoryEvent};
use oncall_fake_pagerduty::FakePagerDuty;
use oncall_model::{ActionKind, Status};
use oncall_policy::RingReason;
use oncall_store::AccountConfig;
use support::{Service, Shown, World};

const SEC: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn changing_settings_keeps_what_rang_and_the_window_keeps_its_view() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let before = w.page("Checkout 500s").await;
    // Subscribed before the change, like an open window.
    let view = w.engine().view();

    // A second account and a new poll interval for the first.
    let mut config = w.config();
    config.accounts[0].poll_interval = 30 * SEC;
    // It watches the same fake, so it lists the same incidents: muted here, so that
    // every page counted below is the first account's.
    config.accounts.push(AccountConfig {
        poll_interval: 30 * SEC,
        notify: false,
        ..FakePagerDuty::account_config("team", &w.url())
    });
    w.engine().reconfigure(config).await.unwrap();
    assert_eq!(
        view.borrow().accounts.len(),
        2,
        "the view names the new account at once"
    );
    assert!(
        view.borrow()
            .incident(&w.key(&before))
            .is_some_and(|i| i.incident.status == Status::Triggered),
        "an account whose service and filter did not change keeps its list on screen"
    );

    w.idle(2 * 60 * SEC).await;
    assert_eq!(
        w.screen.pages_of(&before),
        1,
        "a settings change is not a new page: {:?}",
        w.screen.shown()
    );

    // The engine after the change pages new incidents, and the old subscriber sees them.
    let after = w.page("Payments timeouts").await;
    assert!(view.borrow().incident(&w.key(&after)).is_some());
    w.until("the new account's list", 60 * SEC, |w| {
        let view = w.view();
        view.incidents
            .iter()
            .filter(|i| i.incident.key.account.0 == "team")
            .count()
            == 2
    })
    .await;
    assert_eq!(w.screen.pages_of(&before), 1);
}

#[tokio::test(start_paused = true)]
async fn an_ack_queued_while_unreachable_is_sent_once_the_url_is_corrected() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let id = w.page("Disk full").await;
    w.network_down().await;
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    w.idle(30 * SEC).await;
    // The service moved (a new port); the user puts the new URL in Settings.
    w.network_up().await;
    w.engine().reconfigure(w.config()).await.unwrap();
    w.until("the ack at the new address", 2 * 60 * SEC, |w| {
        w.fake.status(&id) == Status::Acknowledged
    })
    .await;
    w.fake.check_ack_sent(&id);
    assert_eq!(w.fake.ack_requests(), 1);
    assert_eq!(w.screen.pages_of(&id), 1);
}

#[tokio::test(start_paused = true)]
async fn history_tells_what_rang_and_what_you_did_newest_first() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let id = w.page("Checkout 500s").await;
    w.acknowledge(&id).await;
    w.until("withdrawn", 5 * SEC, |w| {
        w.screen.shown().contains(&Shown::Withdrawn(id.clone()))
    })
    .await;
    w.until("confirmed", 5 * SEC, |w| {
        w.view().incidents[0].pending.is_none()
    })
    .await;

    let history = w.engine().history().await;
    let events: Vec<&HistoryEvent> = history.iter().rev().map(|e| &e.event).collect();
    let paged = events
        .iter()
        .position(|e| {
            matches!(
                e,
                HistoryEvent::Paged {
                    reason: RingReason::New,
                    ..
                }
            )
        })
        .expect("the page is in the history");
    let stage_of = |stage: ActionStage| {
        events.iter().position(|e| {
            matches!(e, HistoryEvent::Action { kind: ActionKind::Acknowledge, result, .. } if *result == stage)
        })
    };
    let queued = stage_of(ActionStage::Queued).expect("the ack was queued");
    let confirmed = stage_of(ActionStage::Confirmed).expect("the ack was confirmed");
    let withdrawn = events
        .iter()
        .position(|e| matches!(e, HistoryEvent::Withdrawn))
        .expect("the withdrawal");
    assert!(paged < queued && queued < confirmed && queued < withdrawn);
    for entry in &history {
        assert_eq!(entry.incident.as_deref(), Some(id.as_str()));
        assert!(
            entry
                .title
                .as_deref()
                .is_some_and(|t| t.ends_with("Checkout 500s")),
            "{entry:?}"
        );
    }

    // It survives a restart, and a day later it is gone.
    w.restart().await;
    assert_eq!(w.engine().history().await, history);
    w.clock.jump(25 * 3600 * SEC);
    assert!(w.engine().history().await.is_empty());
}

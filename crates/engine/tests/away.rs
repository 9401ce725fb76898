//! "What you missed": the user leaves the screen or the laptop sleeps, things happen,
//! and when they are back one notification says what, once.

mod support;

use std::time::Duration;

use oncall_fake_pagerduty::FakePagerDuty;
use oncall_model::Urgency;
use support::{Service, Shown, World};

const MIN: Duration = Duration::from_secs(60);

fn words_while_away(w: &World<FakePagerDuty>) -> Vec<Shown> {
    w.screen
        .shown()
        .into_iter()
        .filter(|s| matches!(s, Shown::WhileAway { .. }))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn back_at_the_screen_the_user_hears_what_paged_what_others_handled_and_what_is_open() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;

    w.engine().user_away();
    let db = w.page("Payments DB down").await;
    let search = w.page("Search slow").await;
    // A colleague takes the second one while I am away.
    w.fake.acknowledge_elsewhere(&search, false);
    w.idle(20 * MIN).await;
    w.engine().user_back().await;
    w.until("the word on the absence", MIN, |w| {
        !words_while_away(w).is_empty()
    })
    .await;
    assert_eq!(
        words_while_away(&w),
        [Shown::WhileAway {
            paged: 2,
            handled_by_others: 1,
            still_open: 2,
        }],
        "both paged; one handled by someone else; both still open ({db} unacknowledged, {search} acknowledged)"
    );

    let history = w.engine().history().await;
    assert!(history.iter().any(|e| matches!(
        e.event,
        oncall_engine::HistoryEvent::WhileAway { paged: 2, .. }
    )));

    // Back again without having left: nothing more.
    w.engine().user_back().await;
    w.idle(MIN).await;
    assert_eq!(words_while_away(&w).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_short_absence_or_a_quiet_one_says_nothing() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;

    w.engine().user_away();
    let id = w.page("Checkout 500s").await;
    w.idle(3 * MIN).await;
    w.engine().user_back().await;
    // Acknowledged, so it does not page again while I am away next.
    w.acknowledge(&id).await;

    w.engine().user_away();
    w.idle(30 * MIN).await;
    w.engine().user_back().await;
    w.idle(MIN).await;
    assert_eq!(words_while_away(&w), []);
}

#[tokio::test(start_paused = true)]
async fn waking_from_sleep_sums_up_what_the_polls_after_the_wake_found() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;

    // The laptop sleeps for an hour; an incident triggers meanwhile.
    let id = Service::trigger(&w.fake, "Disk full", Urgency::High);
    w.clock.jump(60 * MIN);
    w.until("the page after the wake", MIN, |w| {
        w.screen.pages_of(&id) == 1
    })
    .await;
    w.until("the word on the sleep", 3 * MIN, |w| {
        !words_while_away(w).is_empty()
    })
    .await;
    assert_eq!(
        words_while_away(&w),
        [Shown::WhileAway {
            paged: 1,
            handled_by_others: 0,
            still_open: 1,
        }]
    );
}

#[tokio::test(start_paused = true)]
async fn a_laptop_that_wakes_to_a_locked_screen_waits_for_the_unlock() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;

    w.engine().user_away(); // the screen locks, then the lid closes
    let id = Service::trigger(&w.fake, "Disk full", Urgency::High);
    w.clock.jump(60 * MIN);
    w.until("the page after the wake", MIN, |w| {
        w.screen.pages_of(&id) == 1
    })
    .await;
    w.idle(5 * MIN).await;
    assert_eq!(words_while_away(&w), [], "still at the lock screen");

    w.engine().user_back().await;
    w.until("the word on the absence", MIN, |w| {
        !words_while_away(w).is_empty()
    })
    .await;
    assert_eq!(words_while_away(&w).len(), 1);
}

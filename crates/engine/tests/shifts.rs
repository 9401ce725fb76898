//! Shift reminders and handovers as an on-call engineer lives them, against the fake
//! PagerDuty's schedules over loopback, on paused tokio time: a reminder before the
//! shift, a word when it starts and when it ends, each once, across restarts and sleeps.

mod support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_engine::Clock;
use oncall_fake_pagerduty::{EscalationPolicySpec, EscalationTarget, FakePagerDuty, ScheduleSpec};
use oncall_policy::ShiftMoment;
use support::{Shown, World};

const MIN: Duration = Duration::from_secs(60);
const ME: &str = "PUSER01";
const ALICE: &str = "PUSER02";

/// Alice and I take turns of an hour in "Checkout" level 1, Alice's turn running when
/// the world starts (03:00): mine are 03:30–04:30, 05:30–06:30, …
async fn world() -> World<FakePagerDuty> {
    let w = World::<FakePagerDuty>::new().await;
    let now = w.clock.now();
    w.fake.add_user(
        ALICE,
        "Alice Example",
        "alice@example.com",
        "fake-token-alice",
    );
    w.fake.add_schedule(ScheduleSpec::rotation(
        "PSHIFT1",
        "Checkout primary",
        &[ALICE, ME],
        now - chrono::Duration::minutes(30),
        3600,
    ));
    // Replaces the seeded policy (and its permanent shift for me) with the rotation.
    w.fake.add_escalation_policy(EscalationPolicySpec {
        id: "PEP0001".into(),
        name: "Checkout".into(),
        levels: vec![vec![EscalationTarget::Schedule("PSHIFT1".into())]],
    });
    w
}

fn at(w: &World<FakePagerDuty>, hh_mm: &str) -> DateTime<Utc> {
    let date = w.clock.now().format("%Y-%m-%d");
    format!("{date}T{hh_mm}:00Z").parse().unwrap()
}

/// The shift notices shown so far, as (moment, label).
fn shift_notices(w: &World<FakePagerDuty>) -> Vec<ShiftMoment> {
    w.screen
        .shown()
        .into_iter()
        .filter_map(|s| match s {
            Shown::Shift { moment, label } => {
                assert_eq!(label, "Checkout (level 1)");
                Some(moment)
            }
            _ => None,
        })
        .collect()
}

/// Lets virtual time run until the wall clock reads `hh_mm`.
async fn until_clock(w: &World<FakePagerDuty>, hh_mm: &str) {
    let target = at(w, hh_mm);
    while w.clock.now() < target {
        w.idle(Duration::from_secs(5)).await;
    }
}

fn ended(early: bool, open_incidents: usize) -> ShiftMoment {
    ShiftMoment::Ended {
        early,
        open_incidents,
    }
}

#[tokio::test(start_paused = true)]
async fn a_shift_is_reminded_started_and_handed_over_once_each_across_a_restart() {
    let mut w = world().await;
    w.start().await;
    w.first_poll().await;
    until_clock(&w, "03:14").await;
    assert_eq!(shift_notices(&w), [], "nothing before the reminder is due");

    until_clock(&w, "03:15").await;
    w.until("the reminder", MIN, |w| {
        shift_notices(w) == [ShiftMoment::Reminder]
    })
    .await;
    let view = w.view();
    assert_eq!(
        view.accounts[0].on_call.len(),
        14 * 12,
        "my shifts, two weeks ahead"
    );
    let history = w.engine().history().await;
    assert!(
        history.iter().any(|e| matches!(
            e.event,
            oncall_engine::HistoryEvent::Shift {
                moment: ShiftMoment::Reminder,
                ..
            }
        ) && e.title.as_deref() == Some("Checkout (level 1)")),
        "History records the reminder that reached the screen: {history:?}"
    );

    // A restart between the reminder and the start rings neither again.
    w.restart().await;
    w.first_poll().await;
    until_clock(&w, "03:29").await;
    assert_eq!(shift_notices(&w), [ShiftMoment::Reminder]);

    until_clock(&w, "03:30").await;
    w.until("the start", MIN, |w| {
        shift_notices(w) == [ShiftMoment::Reminder, ShiftMoment::Started]
    })
    .await;

    // An incident is still open when the shift ends: the handover says so.
    w.page("Checkout 500s").await;
    until_clock(&w, "04:30").await;
    w.until("the end", MIN, |w| shift_notices(w).len() == 3)
        .await;
    assert_eq!(shift_notices(&w)[2], ended(false, 1));

    until_clock(&w, "05:10").await;
    assert_eq!(
        shift_notices(&w).len(),
        3,
        "nothing until the next shift's reminder"
    );
}

#[tokio::test(start_paused = true)]
async fn waking_inside_a_shift_says_so_and_a_shift_slept_through_rings_nothing() {
    let mut w = world().await;
    w.start().await;
    w.first_poll().await;
    w.idle(MIN).await;

    // Asleep from 03:01 to 03:46: the reminder and the start were missed; waking inside
    // the shift says "you are on call", once.
    w.clock.jump(45 * MIN);
    w.until("the start after waking", MIN, |w| {
        shift_notices(w) == [ShiftMoment::Started]
    })
    .await;

    // Asleep again through the end (04:30, announced only within the hour) and the whole
    // of the next shift (05:30–06:30).
    w.clock.jump(3 * 60 * MIN);
    w.idle(2 * MIN).await;
    assert_eq!(shift_notices(&w), [ShiftMoment::Started]);
}

#[tokio::test(start_paused = true)]
async fn a_shift_taken_over_by_someone_else_ends_early() {
    let mut w = world().await;
    w.start().await;
    w.first_poll().await;
    until_clock(&w, "03:31").await;
    w.until("the start", MIN, |w| {
        shift_notices(w).contains(&ShiftMoment::Started)
    })
    .await;

    // Alice takes the rest of my shift in the web app.
    w.fake
        .add_override("PSHIFT1", ALICE, at(&w, "03:40"), at(&w, "04:30"));
    until_clock(&w, "03:41").await;
    // Seen at the next shift refresh (every 10 minutes).
    w.until("the early end", 15 * MIN, |w| {
        shift_notices(w).last() == Some(&ended(true, 0))
    })
    .await;
    until_clock(&w, "04:35").await;
    assert_eq!(
        shift_notices(&w),
        [ShiftMoment::Reminder, ShiftMoment::Started, ended(true, 0)]
    );
}

#[tokio::test(start_paused = true)]
async fn an_account_that_does_not_notify_keeps_its_shifts_quiet() {
    let mut w = world().await;
    w.notify = false;
    w.start().await;
    w.first_poll().await;
    until_clock(&w, "03:31").await;
    assert_eq!(shift_notices(&w), []);
    assert!(!w.view().accounts[0].on_call.is_empty(), "still listed");
}

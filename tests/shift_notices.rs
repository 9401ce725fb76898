//! Shift reminders and handovers on a real desktop bus: the headless app against the fake
//! PagerDuty, with a shift that starts and ends within a minute, and a recording
//! notification server. Each word comes once, also across a restart.

use std::time::Duration;

use chrono::Utc;
use oncall_fake_pagerduty::{
    EscalationPolicySpec, EscalationTarget, LayerSpec, NewIncident, ScheduleSpec,
};
use oncall_tray_e2e::headless_world::{titled, HeadlessWorld};
use oncall_tray_e2e::TIMEOUT;

/// Pat (the token's user, PUSER01) is on call in "Checkout" level 1 for 25 seconds,
/// starting `lead` from now; nobody is before or after.
fn shift_soon(w: &HeadlessWorld, lead: chrono::Duration) {
    let start = Utc::now() + lead;
    let end = start + chrono::Duration::seconds(25);
    w.fake.add_schedule(ScheduleSpec {
        id: "PSHIFT1".into(),
        name: "Checkout primary".into(),
        description: String::new(),
        layers: vec![LayerSpec::new(&["PUSER01"], start, 3600).between(start, Some(end))],
    });
    w.fake.add_escalation_policy(EscalationPolicySpec {
        id: "PEPSHIFT".into(),
        name: "Checkout".into(),
        levels: vec![vec![EscalationTarget::Schedule("PSHIFT1".into())]],
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_is_reminded_started_and_ended_once_each_even_across_a_restart() {
    let w = HeadlessWorld::start().await;
    shift_soon(&w, chrono::Duration::seconds(20));
    let recorder = w.recorder().await;
    let first = w.spawn();

    // The shift starts within the reminder's 15 minutes: reminded at once.
    let seen = recorder
        .wait_for(TIMEOUT, |n| !titled(n, "On call in").is_empty())
        .await
        .unwrap_or_else(|e| first.fail(e));
    let reminder = titled(&seen, "On call in")[0].clone();
    assert_eq!(reminder.summary, "On call in a minute: Checkout (level 1)");
    assert!(
        reminder.body.starts_with("from "),
        "says when: {}",
        reminder.body
    );

    // A restart before the start rings nothing again.
    let mut first = first;
    first.terminate();
    assert_eq!(first.wait_exit(Duration::from_secs(5)).await, Some(0));
    let second = w.spawn();
    w.first_poll(&second).await;

    let seen = recorder
        .wait_for(Duration::from_secs(40), |n| {
            !titled(n, "You are on call for Checkout (level 1)").is_empty()
        })
        .await
        .unwrap_or_else(|e| second.fail(e));
    assert_eq!(titled(&seen, "On call in").len(), 1, "{seen:#?}");

    // Something is still open when the shift ends: the handover says so.
    w.fake.trigger(NewIncident::new("Checkout 500s"));
    let seen = recorder
        .wait_for(Duration::from_secs(40), |n| {
            !titled(n, "Your shift ended").is_empty()
        })
        .await
        .unwrap_or_else(|e| second.fail(e));
    let ended = titled(&seen, "Your shift ended")[0];
    assert_eq!(ended.summary, "Your shift ended; 1 incident is still open");
    assert_eq!(
        ended.body,
        "You are no longer on call for Checkout (level 1). Schedule Checkout primary."
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = recorder.notifications();
    for words in ["On call in", "You are on call", "Your shift ended"] {
        assert_eq!(titled(&all, words).len(), 1, "{words} once: {all:#?}");
    }
    w.finish(second, recorder).await;
}

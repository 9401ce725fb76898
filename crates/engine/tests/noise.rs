//! Noise rules and muted services as the user lives them (issue 16): a quiet incident
//! stays listed, marked with why, and never pages; the end of a mute pages what still
//! needs the user, once. Against the fake PagerDuty over loopback, on paused tokio time.
//! PagerDuty only: the stories are the engine's, not the service's.

mod support;

use std::time::Duration;

use oncall_engine::{Clock, Quiet};
use oncall_fake_pagerduty::FakePagerDuty;
use oncall_model::{AccountId, Status, Urgency};
use oncall_store::{mutes, NoiseRules, TitlePattern};
use support::{Service, Shown, World, ACCOUNT};

const SEC: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
/// The fake's default service, as its incidents show it.
const CHECKOUT: &str = "Checkout API";

fn work() -> AccountId {
    AccountId::new(ACCOUNT)
}

fn in_an_hour(w: &World<FakePagerDuty>) -> chrono::DateTime<chrono::Utc> {
    w.clock.now() + chrono::Duration::hours(1)
}

fn quiet_of(w: &World<FakePagerDuty>, id: &str) -> Option<Quiet> {
    w.view().incident(&w.key(id)).and_then(|i| i.quiet.clone())
}

#[tokio::test(start_paused = true)]
async fn a_muted_service_lists_its_incident_quietly_and_unmuting_pages_it_once() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let until = in_an_hour(&w);
    w.engine().mute(&work(), CHECKOUT, until).await.unwrap();
    assert_eq!(w.view().mutes.len(), 1);
    assert_eq!(w.view().mutes[0].service, CHECKOUT);

    let id = Service::trigger(&w.fake, "Checkout 500s", Urgency::High);
    w.until("listed as muted", 20 * SEC, |w| {
        quiet_of(w, &id) == Some(Quiet::Muted { until })
    })
    .await;
    let view = w.view();
    assert_eq!(view.incidents[0].incident.status, Status::Triggered);
    assert!(
        !view.incidents[0].needs_user(),
        "a muted incident needs nobody"
    );
    assert_eq!(view.needing_user(), 0);
    // Past a high-urgency repeat interval: still nothing.
    w.idle(6 * MINUTE).await;
    assert_eq!(w.screen.pages_of(&id), 0, "{:?}", w.screen.shown());

    // Lifted while still triggered: it pages at once, without waiting for a poll.
    w.engine().unmute(&work(), "checkout api").await.unwrap();
    w.until("the page", SEC, |w| w.screen.pages_of(&id) == 1)
        .await;
    assert_eq!(quiet_of(&w, &id), None);
    assert!(w.view().mutes.is_empty());
    w.idle(2 * MINUTE).await;
    assert_eq!(w.screen.pages_of(&id), 1, "once: {:?}", w.screen.shown());
}

#[tokio::test(start_paused = true)]
async fn muting_withdraws_the_page_on_screen_and_unmuting_does_not_ring_it_again() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.settings.repeat_high_urgency = None;
    w.start().await;
    w.first_poll().await;
    let id = w.page("Checkout 500s").await;
    let until = in_an_hour(&w);
    w.engine().mute(&work(), CHECKOUT, until).await.unwrap();
    w.until("withdrawn", SEC, |w| {
        w.screen.shown().contains(&Shown::Withdrawn(id.clone()))
    })
    .await;
    w.engine().unmute(&work(), CHECKOUT).await.unwrap();
    w.idle(2 * MINUTE).await;
    assert_eq!(w.screen.pages_of(&id), 1, "{:?}", w.screen.shown());
}

/// Polled every ten minutes: the page at the mute's end comes from the mute's own
/// timer, not from the next poll.
#[tokio::test(start_paused = true)]
async fn the_end_of_a_mute_pages_at_once_what_is_still_triggered() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.poll_interval = 10 * MINUTE;
    let id = Service::trigger(&w.fake, "Checkout 500s", Urgency::High);
    let ends = w.clock.now() + chrono::Duration::seconds(100);
    mutes::mute(&w.dirs(), &work(), CHECKOUT, ends, w.clock.now()).unwrap();
    w.start().await;
    w.first_poll().await;
    w.until("listed as muted", 5 * SEC, |w| {
        quiet_of(w, &id) == Some(Quiet::Muted { until: ends })
    })
    .await;
    w.idle(90 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 0);
    w.until("paged when the mute ends", 15 * SEC, |w| {
        w.screen.pages_of(&id) == 1
    })
    .await;
    assert!(w.clock.now() < ends + chrono::Duration::seconds(5));
    assert!(w.view().mutes.is_empty());
    assert_eq!(quiet_of(&w, &id), None);
}

#[tokio::test(start_paused = true)]
async fn an_excluded_title_never_pages_and_is_listed_quiet() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.noise = NoiseRules {
        exclude_title: vec![TitlePattern::new("(?i)staging").unwrap()],
        ..NoiseRules::default()
    };
    w.start().await;
    w.first_poll().await;
    let noise = Service::trigger(&w.fake, "STAGING: disk full", Urgency::High);
    let real = w.page("Checkout 500s").await;
    assert_eq!(
        quiet_of(&w, &noise),
        Some(Quiet::Rule {
            rule: r#"title matches "(?i)staging""#.into()
        })
    );
    assert_eq!(quiet_of(&w, &real), None);
    assert_eq!(w.view().needing_user(), 1);
    w.idle(12 * MINUTE).await;
    assert_eq!(w.screen.pages_of(&noise), 0, "{:?}", w.screen.shown());
    assert!(w.view().incident(&w.key(&noise)).is_some(), "still listed");
}

#[tokio::test(start_paused = true)]
async fn an_urgency_rule_is_what_the_policy_and_the_view_see() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.noise = NoiseRules {
        urgency: vec![(CHECKOUT.to_lowercase(), Urgency::Low)],
        ..NoiseRules::default()
    };
    w.start().await;
    w.first_poll().await;
    let id = w.page("Checkout 500s").await;
    assert_eq!(w.fake.incident(&id).unwrap().urgency, Urgency::High);
    let shown = w.view().incident(&w.key(&id)).unwrap().incident.urgency;
    assert_eq!(shown, Urgency::Low);
    // Low urgency rings once: no repeat after the high-urgency interval.
    w.idle(12 * MINUTE).await;
    assert_eq!(w.screen.pages_of(&id), 1, "{:?}", w.screen.shown());
}

#[tokio::test(start_paused = true)]
async fn a_mute_survives_a_restart() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let until = in_an_hour(&w);
    w.engine().mute(&work(), CHECKOUT, until).await.unwrap();
    w.restart().await;
    assert_eq!(w.view().mutes.len(), 1, "loaded with the state");
    let id = Service::trigger(&w.fake, "Checkout 500s", Urgency::High);
    w.until("listed as muted", 20 * SEC, |w| {
        quiet_of(w, &id) == Some(Quiet::Muted { until })
    })
    .await;
    w.idle(MINUTE).await;
    assert_eq!(w.screen.pages_of(&id), 0);
}

/// `oncall-tray mute` writes `mutes.json` while the app runs: the engine sees it within
/// a poll, and an unmute from the CLI pages what still needs the user.
#[tokio::test(start_paused = true)]
async fn a_mute_written_by_the_cli_while_the_engine_runs() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let dirs = w.dirs();
    mutes::mute(&dirs, &work(), CHECKOUT, in_an_hour(&w), w.clock.now()).unwrap();
    w.until(
        "the engine sees the CLI's mute",
        w.poll_interval + 2 * SEC,
        |w| w.view().mutes.len() == 1,
    )
    .await;
    let id = Service::trigger(&w.fake, "Checkout 500s", Urgency::High);
    w.until("listed as muted", 20 * SEC, |w| quiet_of(w, &id).is_some())
        .await;
    w.idle(MINUTE).await;
    assert_eq!(w.screen.pages_of(&id), 0);

    mutes::unmute(&dirs, &work(), CHECKOUT, w.clock.now()).unwrap();
    w.until(
        "paged once the CLI unmutes",
        w.poll_interval + 2 * SEC,
        |w| w.screen.pages_of(&id) == 1,
    )
    .await;
    w.idle(2 * MINUTE).await;
    assert_eq!(w.screen.pages_of(&id), 1);
}

#[tokio::test(start_paused = true)]
async fn muting_an_unknown_account_is_refused() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    let err = w
        .engine()
        .mute(&AccountId::new("nope"), CHECKOUT, in_an_hour(&w))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "there is no account named `nope`");
    assert!(w.view().mutes.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_mute_without_a_service_name_is_refused() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    let err = w
        .engine()
        .mute(&work(), "  ", in_an_hour(&w))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "name the service to mute, as its incidents show it"
    );
    assert!(!w.dirs().mutes_file().exists(), "nothing written");
}

/// Found by the lifecycle simulation: a page waits for a notification server that is
/// not there; the service is muted meanwhile, which takes the waiting page out of the
/// outbox. It never reached the screen, so when the mute is lifted it must page then
/// (the policy had counted it as rung, and it was missed).
#[tokio::test(start_paused = true)]
async fn a_page_held_by_an_absent_screen_and_dropped_by_a_mute_pages_when_unmuted() {
    use support::Outage;
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    w.screen.server_out(Outage::Absent);
    let id = Service::trigger(&w.fake, "Checkout 500s", Urgency::High);
    w.until("the page is decided and held", 20 * SEC, |w| {
        w.view().delivery != oncall_engine::Delivery::Ok
    })
    .await;
    w.engine()
        .mute(&work(), CHECKOUT, in_an_hour(&w))
        .await
        .unwrap();
    w.screen.server_starts();
    w.idle(MINUTE).await;
    assert_eq!(w.screen.pages_of(&id), 0, "{:?}", w.screen.shown());
    w.engine().unmute(&work(), CHECKOUT).await.unwrap();
    w.until("paged once unmuted", SEC, |w| w.screen.pages_of(&id) == 1)
        .await;
    w.idle(2 * MINUTE).await;
    assert_eq!(w.screen.pages_of(&id), 1, "{:?}", w.screen.shown());
}

//! Settings changed from the window while the engine runs, and the History tab's record
//! of what rang and what the user did, against the fake PagerDuty on paused time.

mod support;

use std::time::Duration;

use oncall_engine::{away_summary, on_call_log, ActionStage, Clock, Handled, HistoryEvent};
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
        shift_reminder: Some(oncall_store::DEFAULT_SHIFT_REMINDER),
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

/// "What you missed" and the report: incidents that paged me and that a colleague
/// acknowledged or the service resolved are in the history (30 days of it), though not
/// in the window's list, which keeps the shape it words; and they survive a restart.
#[tokio::test(start_paused = true)]
async fn what_others_did_to_my_pages_is_recorded_for_what_you_missed() {
    let mut w = World::<FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let away_from = w.clock.now();
    let acked = w.page("Checkout 500s").await;
    let resolved = w.page("Disk full").await;
    let mine = w.page("Queue backlog").await;
    w.acknowledge(&mine).await;
    w.fake.acknowledge_elsewhere(&acked, false);
    w.fake.resolve(&resolved);
    w.idle(60 * SEC).await;

    let entries = w.engine().history_since(away_from).await;
    assert!(
        entries.windows(2).all(|p| p[0].at <= p[1].at),
        "oldest first"
    );
    let handled: Vec<(&str, Handled)> = entries
        .iter()
        .filter_map(|e| match e.event {
            HistoryEvent::HandledByOthers { how, .. } => Some((e.incident.as_deref()?, how)),
            _ => None,
        })
        .collect();
    assert_eq!(
        handled,
        [
            (acked.as_str(), Handled::Acknowledged),
            (resolved.as_str(), Handled::Resolved)
        ],
        "my own acknowledgement is not someone else's"
    );
    let away = away_summary(&entries, away_from, w.clock.now());
    assert_eq!(away.paged, [w.key(&acked), w.key(&resolved), w.key(&mine)]);
    assert_eq!(away.handled_by_others, [w.key(&acked), w.key(&resolved)]);
    let log = on_call_log(&entries);
    assert_eq!(log.pages.len(), 3);
    assert_eq!(log.acknowledged_by_me.len(), 1);
    assert_eq!(log.acknowledged_by_me[0].incident, w.key(&mine));
    assert_eq!(log.handled_by_others.len(), 2);

    // The window's History tab words them too.
    let window = w.engine().history().await;
    let others = window
        .iter()
        .filter(|e| matches!(e.event, HistoryEvent::HandledByOthers { .. }))
        .count();
    assert_eq!(others, 2);

    w.restart().await;
    assert_eq!(w.engine().history_since(away_from).await, entries);
    // A week later the window shows nothing, and the report still has it all.
    w.clock.jump(7 * 24 * 3600 * SEC);
    assert!(w.engine().history().await.is_empty());
    let later = w.engine().history_since(away_from).await;
    assert_eq!(later[..entries.len()], entries);
}

/// The history of the version before (`history.json`, 24 hours, rewritten whole) is
/// read once into `history.jsonl`, and the old file goes.
#[tokio::test(start_paused = true)]
async fn the_previous_versions_history_json_is_migrated() {
    let mut w = World::<FakePagerDuty>::new().await;
    let dirs = w.dirs();
    std::fs::create_dir_all(&dirs.data_dir).unwrap();
    let at = (w.clock.now() - chrono::Duration::hours(1)).to_rfc3339();
    std::fs::write(
        dirs.legacy_history_file(),
        format!(
            r##"[{{"at":"{at}","account":"work","incident":"P1","title":"#7 Old page","event":"paged","urgency":"high","reason":"new"}}]"##
        ),
    )
    .unwrap();
    w.start().await;
    let history = w.engine().history().await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].title.as_deref(), Some("#7 Old page"));
    assert!(!dirs.legacy_history_file().exists());
    assert!(dirs.history_file().exists());
    w.first_poll().await;
    let id = w.page("New page").await;
    w.restart().await;
    let history = w.engine().history().await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].incident.as_deref(), Some(id.as_str()));
}

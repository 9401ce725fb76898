//! The engine as an on-call engineer lives it, against each fake service (PagerDuty and
//! Opsgenie) over loopback, on paused tokio time (minutes pass in milliseconds).
//!
//! Every scenario is written once, generic over [`Service`], and instantiated per
//! service at the bottom of this file (`pagerduty::…`, `opsgenie::…`).

mod support;

use std::time::Duration;

use chrono::Utc;
use oncall_engine::{Clock, Connection, EngineEvent};
use oncall_model::{ActionKind, Status, Urgency};
use support::{Service, Shown, World};

const SEC: Duration = Duration::from_secs(1);
/// How often the engine tries a refused token again.
const AUTH_RECHECK: Duration = Duration::from_secs(5 * 60);

async fn trigger_pages_once_then_ack_reaches_the_service_and_withdraws<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.first_poll().await;

    let id = w.page("Checkout 500s").await;
    assert_eq!(
        w.screen.shown(),
        vec![Shown::Page {
            id: id.clone(),
            reason: "New".into()
        }]
    );

    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    assert_eq!(
        w.view().incidents[0].incident.status,
        Status::Acknowledged,
        "optimistic"
    );
    w.until("the service sees the ack", 5 * SEC, |w| {
        w.fake.status(&id) == Status::Acknowledged
    })
    .await;
    // Opsgenie's 202 only queues it: the engine reports it once the client has seen the
    // request processed.
    w.until("the engine has the service's confirmation", 5 * SEC, |w| {
        w.view().incidents[0].pending.is_none()
    })
    .await;
    w.fake.check_ack_sent(&id);
    assert!(w.screen.shown().contains(&Shown::Withdrawn(id.clone())));

    // Later polls never page it again, and the view settles on the service's word.
    w.idle(10 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1);
    let view = w.view();
    assert_eq!(view.incidents[0].incident.status, Status::Acknowledged);
    assert_eq!(view.incidents[0].pending, None);
}

async fn high_urgency_repeats_until_acknowledged_low_urgency_rings_once<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.first_poll().await;
    let high = w.fake.trigger("DB down", Urgency::High);
    let low = w.fake.trigger("Disk 80%", Urgency::Low);
    w.until("both pages", 20 * SEC, |w| {
        w.screen.pages_of(&high) == 1 && w.screen.pages_of(&low) == 1
    })
    .await;
    w.idle(5 * 60 * SEC + 20 * SEC).await;
    assert_eq!(w.screen.pages_of(&high), 2, "{:?}", w.screen.shown());
    assert_eq!(w.screen.pages_of(&low), 1);
    w.fake.acknowledge_elsewhere(&high, true);
    w.until("withdrawn after ack elsewhere", 20 * SEC, |w| {
        w.screen.shown().contains(&Shown::Withdrawn(high.clone()))
    })
    .await;
    w.idle(15 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&high), 2);
}

async fn a_retrigger_pages_again<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    let id = w.page("Queue backlog").await;
    w.acknowledge(&id).await;
    w.idle(60 * SEC).await;
    // PagerDuty: the ack timed out (or a snooze ended); Opsgenie: a colleague
    // un-acknowledged it.
    w.fake.retrigger(&id);
    w.until("the second page", 20 * SEC, |w| w.screen.pages_of(&id) == 2)
        .await;
}

/// Grafana OnCall forgets `acknowledged_at` on un-acknowledge, so only the client's
/// memory, kept in `state.json`, says the re-trigger already rang.
async fn a_retrigger_that_rang_does_not_ring_again_after_a_restart<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    let id = w.page("Queue backlog").await;
    w.acknowledge(&id).await;
    w.idle(60 * SEC).await;
    w.fake.retrigger(&id);
    w.until("the second page", 20 * SEC, |w| w.screen.pages_of(&id) == 2)
        .await;
    w.restart().await;
    w.until("polled after restart", 5 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
    // Less than the high-urgency repeat: any page now would be the episode again.
    w.idle(2 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 2, "{:?}", w.screen.shown());
}

/// A colleague takes my acknowledgement back before any poll showed it: the incident
/// needs me again at once, not at the next high-urgency repeat.
async fn my_ack_taken_back_before_a_poll_showed_it_pages_again<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    let id = w.page("Disk full").await;
    // The user takes a moment (PagerDuty names episodes to the second).
    w.idle(3 * SEC).await;
    // The poll my acknowledgement asks for fails...
    w.fake.inject_server_error(503, 1);
    w.acknowledge(&id).await;
    // ...and before the next one, the incident is back.
    w.fake.retrigger(&id);
    w.until("paged again", 60 * SEC, |w| w.screen.pages_of(&id) == 2)
        .await;
}

async fn snooze_ends_and_the_incident_pages_again<S: Service>() {
    // See `Service::SNOOZE_END_FROM_HOST_CLOCK`: such a client computes the end from the
    // host's clock, so the shared clock starts at the host's now (paused time moves it
    // by virtual seconds only; the host's clock moves by the test's real milliseconds).
    let mut w = if S::SNOOZE_END_FROM_HOST_CLOCK {
        World::<S>::new_at(Utc::now()).await
    } else {
        World::<S>::new().await
    };
    w.start().await;
    let id = w.page("Cert expiring").await;
    if S::SNOOZE_NEEDS_ACK {
        w.acknowledge(&id).await;
    }
    let asked = w.clock.now();
    w.engine()
        .act(&[w.key(&id)], ActionKind::Snooze { seconds: 3600 })
        .await
        .unwrap();
    w.until("snoozed", 5 * SEC, |w| w.fake.snoozed_until(&id).is_some())
        .await;
    let until = w.fake.snoozed_until(&id).unwrap();
    let expected = asked + chrono::Duration::seconds(3600);
    assert!(
        (until - expected).abs() <= chrono::Duration::seconds(60),
        "the snooze ends an hour after it was asked for: ends {until}, asked at {asked}"
    );
    w.idle(59 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1);
    w.until("the page after the snooze", 2 * 60 * SEC, |w| {
        w.screen.pages_of(&id) == 2
    })
    .await;
}

async fn rate_limit_is_honoured<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.until("first poll", 5 * SEC, |w| w.fake.poll_requests() == 1)
        .await;
    w.fake.inject_rate_limit(1);
    w.until("the 429", 20 * SEC, |w| w.fake.poll_requests() == 2)
        .await;
    assert!(matches!(
        w.view().accounts[0].connection,
        Connection::RateLimited { .. }
    ));
    // A user action asks for an immediate poll, but the service said to wait.
    w.engine().poll_now();
    match S::RATE_LIMIT_RESET {
        Some(reset) => {
            w.idle(reset - 5 * SEC).await;
            assert_eq!(w.fake.poll_requests(), 2, "no poll before ratelimit-reset");
            w.until("polling resumes", 10 * SEC, |w| w.fake.poll_requests() == 3)
                .await;
        }
        None => {
            // No reset time: the engine's backoff decides, and its first wait is 2 s.
            w.idle(1800 * Duration::from_millis(1)).await;
            assert_eq!(
                w.fake.poll_requests(),
                2,
                "no poll before the backoff's first wait, even when asked"
            );
            w.until("polling resumes", 2 * w.poll_interval, |w| {
                w.fake.poll_requests() == 3
            })
            .await;
        }
    }
    w.until("healthy again", 5 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
}

async fn a_persistent_rate_limit_is_not_hammered<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.until("first poll", 5 * SEC, |w| w.fake.poll_requests() == 1)
        .await;
    w.fake.inject_rate_limit(1000);
    w.until("the first 429", 20 * SEC, |w| w.fake.poll_requests() == 2)
        .await;
    let before = w.fake.poll_requests();
    // For a minute the service keeps saying 429, and the user keeps pressing refresh.
    for _ in 0..12 {
        w.engine().poll_now();
        w.idle(5 * SEC).await;
        assert!(
            matches!(
                w.view().accounts[0].connection,
                Connection::RateLimited { .. }
            ),
            "{:?}",
            w.view().accounts[0].connection
        );
    }
    let retries = w.fake.poll_requests() - before;
    assert!(
        retries <= 10,
        "{retries} polls in a minute of 429s: far fewer than one a second"
    );
    if S::RATE_LIMIT_RESET.is_none() {
        // Backing off is not giving up: 2 s, 4 s, 8 s, then every poll interval at most
        // twice over (jitter).
        assert!(retries >= 2, "{retries} polls in a minute of 429s");
    }
}

/// A service's authentication blip (or a proxy's) refuses a good token for a while. The
/// same token is tried again every five minutes, never sooner, until it is taken: the
/// account heals by itself, with one notification in all.
async fn a_rejected_token_is_tried_again_every_five_minutes_and_a_blip_heals<S: Service>() {
    let mut w = World::<S>::new().await;
    // The first poll and the first re-check are refused.
    w.fake.inject_unauthorized(2);
    w.start().await;
    w.until("token rejected", 5 * SEC, |w| {
        matches!(
            w.view().accounts[0].connection,
            Connection::AuthFailed { .. }
        )
    })
    .await;
    let describe = w.view().accounts[0].connection.describe();
    assert!(describe.contains("token rejected"), "{describe}");
    assert!(describe.contains("every 5 minutes"), "{describe}");
    let requests = w.fake.all_requests();

    w.idle(AUTH_RECHECK - 10 * SEC).await;
    assert_eq!(
        w.fake.all_requests(),
        requests,
        "nothing before the re-check"
    );
    w.idle(20 * SEC).await;
    assert_eq!(
        w.fake.all_requests(),
        requests + 1,
        "one re-check, refused again"
    );
    assert!(matches!(
        w.view().accounts[0].connection,
        Connection::AuthFailed { .. }
    ));
    w.idle(AUTH_RECHECK - 20 * SEC).await;
    assert_eq!(w.fake.all_requests(), requests + 1, "still no sooner");

    w.until("polling again with the same token", 20 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
    w.page("After the blip").await;
    assert_eq!(
        w.screen.shown().first(),
        Some(&Shown::TokenRejected),
        "one notification said so"
    );
    assert_eq!(w.screen.shown().len(), 2, "{:?}", w.screen.shown());
}

async fn a_rejected_token_is_tried_again_at_once_when_the_token_changes<S: Service>() {
    let mut w = World::<S>::new().await;
    w.keychain.set("revoked-token");
    w.start().await;
    w.until("token rejected", 5 * SEC, |w| {
        matches!(
            w.view().accounts[0].connection,
            Connection::AuthFailed { .. }
        )
    })
    .await;
    // A new token saved in Settings: no waiting for the next check.
    w.keychain.set(S::TOKEN);
    w.engine().credential_changed(&w.key("x").account);
    w.until("polling again", 5 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
}

async fn a_new_token_in_the_keychain_heals_a_rejected_account<S: Service>() {
    let mut w = World::<S>::new().await;
    w.keychain.set("revoked-token");
    w.start().await;
    w.until("token rejected", 5 * SEC, |w| {
        matches!(
            w.view().accounts[0].connection,
            Connection::AuthFailed { .. }
        )
    })
    .await;
    // The token was revoked for good: half an hour of re-checks, one request each,
    // and still the one notification.
    let requests = w.fake.all_requests();
    w.idle(29 * 60 * SEC).await;
    assert_eq!(
        w.fake.all_requests(),
        requests + 5,
        "one re-check per 5 minutes"
    );
    assert_eq!(w.screen.shown(), vec![Shown::TokenRejected]);

    // `oncall-tray token set work` stores a good one while the app runs.
    w.keychain.set(S::TOKEN);
    w.until("polling again", 60 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
}

/// Found in the field: a password manager still locked when the app started (or a
/// pinentry not answered in time) stopped paging for good, with nothing on screen but
/// the icon. The token is now asked for again with backoff; one notification says what
/// failed; once the token comes, polling resumes and the acknowledgement the user
/// pressed meanwhile goes at once.
async fn a_token_that_cannot_be_had_is_asked_for_again_and_the_queued_ack_goes<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    let id = w.page("Primary down").await;

    // The app restarts (an update) while the password manager is locked.
    w.stop().await;
    w.keychain.lock_for(4);
    let requests = w.fake.all_requests();
    w.start().await;
    w.until("the account says it is retrying", 5 * SEC, |w| {
        matches!(
            w.view().accounts[0].connection,
            Connection::TokenUnavailable { .. }
        )
    })
    .await;
    let describe = w.view().accounts[0].connection.describe();
    assert!(
        describe.contains("cannot get the token, retrying"),
        "{describe}"
    );
    assert!(describe.contains("the vault is locked"), "{describe}");
    let reads = w.keychain.reads();
    w.idle(4 * SEC).await;
    assert_eq!(w.keychain.reads(), reads, "not asked again within 5 s");

    // The page is still on screen; the user presses Acknowledge.
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    w.idle(SEC).await;
    assert_eq!(
        w.fake.all_requests(),
        requests,
        "nothing is sent without a token"
    );

    // The password manager is unlocked after a few asks: no restart needed.
    w.until("polling again", 2 * 60 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
    w.until("the queued ack goes at once", 2 * SEC, |w| {
        w.fake.status(&id) == Status::Acknowledged
    })
    .await;
    assert_eq!(w.fake.ack_requests(), S::ack_requests_for(1), "sent once");
    let notices: Vec<Shown> = w
        .screen
        .shown()
        .into_iter()
        .filter(|s| matches!(s, Shown::CredentialFailed { .. }))
        .collect();
    assert_eq!(
        notices,
        vec![Shown::CredentialFailed {
            reason: "the token command failed (it exited with code 1: the vault is locked)".into()
        }],
        "one notification, not one per retry"
    );
    w.page("After the unlock").await;
}

async fn a_token_that_cannot_be_had_is_asked_for_again_at_once_after_a_wake<S: Service>() {
    let mut w = World::<S>::new().await;
    w.keychain.lock_for(5);
    w.start().await;
    // Five asks fail (5 s, 10 s, 20 s, 40 s apart, jittered): the next is a minute and
    // more away when the laptop is closed.
    w.until("five asks", 5 * 60 * SEC, |w| w.keychain.reads() == 5)
        .await;
    w.idle(SEC).await;
    w.clock.jump(Duration::from_secs(8 * 3600));
    w.until("polling right after waking", 10 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
    assert_eq!(
        w.screen.shown().len(),
        1,
        "one notification: {:?}",
        w.screen.shown()
    );
}

async fn a_missing_token_is_reported_and_picked_up_once_stored<S: Service>() {
    let mut w = World::<S>::new().await;
    w.keychain.clear();
    w.start().await;
    w.until("misconfigured", 5 * SEC, |w| {
        matches!(
            w.view().accounts[0].connection,
            Connection::Misconfigured { .. }
        )
    })
    .await;
    assert!(w.view().accounts[0]
        .connection
        .describe()
        .contains("oncall-tray token set work"));
    assert_eq!(w.fake.all_requests(), 0, "nothing is sent without a token");
    assert_eq!(
        w.screen.shown(),
        vec![],
        "the status says what to do; nothing to retry, nothing to notify"
    );
    w.keychain.set(S::TOKEN);
    w.until("polling", 60 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
}

async fn outage_backs_off_then_recovers_and_the_page_is_not_late<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.first_poll().await;
    w.fake.inject_server_error(503, 4);
    w.fake.inject_dropped_connection(2);
    w.until("offline shown", 20 * SEC, |w| {
        matches!(w.view().accounts[0].connection, Connection::Offline { .. })
    })
    .await;
    let id = w.fake.trigger("During the outage", Urgency::High);
    w.until("recovered and paged", 3 * 60 * SEC, |w| {
        w.screen.pages_of(&id) == 1
    })
    .await;
    assert_eq!(w.view().accounts[0].connection, Connection::Ok);
}

async fn restart_does_not_page_twice<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    let id = w.page("Pager test").await;
    w.restart().await;
    w.until("polled after restart", 5 * SEC, |w| {
        w.view().accounts[0].connection == Connection::Ok
    })
    .await;
    w.idle(2 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1, "{:?}", w.screen.shown());
}

async fn a_pending_ack_survives_network_loss_and_restart<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    let id = w.page("Ack me").await;

    // The network goes away; the user presses Acknowledge anyway.
    w.network_down().await;
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    w.until("offline shown", 30 * SEC, |w| {
        matches!(w.view().accounts[0].connection, Connection::Offline { .. })
    })
    .await;
    assert_eq!(
        w.view().incident(&w.key(&id)).unwrap().pending,
        Some(ActionKind::Acknowledge)
    );
    // No repeat page while our ack is on its way, even past the repeat interval.
    w.idle(6 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 1);
    assert_eq!(w.fake.status(&id), Status::Triggered);

    // The app is restarted, and the network comes back.
    w.stop().await;
    w.network_up().await;
    w.start().await;
    w.until("the ack arrives after restart", 30 * SEC, |w| {
        w.fake.status(&id) == Status::Acknowledged
    })
    .await;
    assert_eq!(w.fake.ack_requests(), 1, "sent once");
    assert_eq!(w.screen.pages_of(&id), 1);
}

/// Found by the lifecycle simulation (JSM seed 93): while the app could not reach the
/// service, a colleague acknowledged one page and I acknowledged another. My press
/// judged the list from before the outage again, and the first page's repeat, long due,
/// rang for an incident nobody needed me for any more. A repeat now waits for a list
/// the service has just given.
async fn a_press_during_an_outage_rings_no_repeat_from_the_old_list<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.first_poll().await;
    let first = w.page("Primary down").await;
    let second = w.page("Replica lag").await;

    w.network_down().await;
    w.fake.acknowledge_elsewhere(&first, false);
    // Past the high-urgency repeat (5 min) of both pages.
    w.idle(6 * 60 * SEC).await;
    w.engine()
        .act(&[w.key(&second)], ActionKind::Acknowledge)
        .await
        .unwrap();
    w.idle(SEC).await;
    assert_eq!(w.screen.pages_of(&first), 1, "{:?}", w.screen.shown());

    // The network comes back (on a new port: the app is restarted to use it).
    w.network_up().await;
    w.restart().await;
    w.until("the ack arrives once the network is back", 60 * SEC, |w| {
        w.fake.status(&second) == Status::Acknowledged
    })
    .await;
    w.until("the colleague's ack is seen", 60 * SEC, |w| {
        w.view().incident(&w.key(&first)).unwrap().incident.status == Status::Acknowledged
    })
    .await;
    w.idle(60 * SEC).await;
    assert_eq!(w.screen.pages_of(&first), 1, "{:?}", w.screen.shown());
    assert_eq!(w.screen.pages_of(&second), 1, "{:?}", w.screen.shown());
}

async fn waking_from_sleep_polls_at_once<S: Service>() {
    let mut w = World::<S>::new().await;
    w.poll_interval = Duration::from_secs(600);
    w.start().await;
    w.until("first poll", 5 * SEC, |w| w.fake.poll_requests() == 1)
        .await;
    w.idle(30 * SEC).await;
    let id = w.fake.trigger("While the lid was closed", Urgency::High);
    // The laptop slept for two hours: the wall clock jumps, the monotonic one does not.
    w.clock.jump(Duration::from_secs(2 * 3600));
    w.until("the page right after waking", 10 * SEC, |w| {
        w.screen.pages_of(&id) == 1
    })
    .await;
    assert_eq!(w.fake.poll_requests(), 2);
}

async fn a_storm_of_thirty_is_one_summary<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.first_poll().await;
    for n in 0..30 {
        w.fake.trigger(&format!("Shard {n} down"), Urgency::High);
    }
    w.until("the summary", 20 * SEC, |w| !w.screen.shown().is_empty())
        .await;
    w.idle(60 * SEC).await;
    assert_eq!(
        w.screen.shown(),
        vec![Shown::Summary {
            count: 30,
            reason: "Storm".into()
        }]
    );
    assert_eq!(w.view().incidents.len(), 30);
}

/// Found by the lifecycle simulation: a high-urgency page whose repeat fell into a storm
/// summary was forgotten as "on screen", so acknowledging it never withdrew it.
async fn a_page_whose_repeat_joins_a_storm_is_still_withdrawn<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.first_poll().await;
    let id = w.page("Primary down").await;
    // Four new incidents arrive just before the page's repeat is due: one poll sees
    // five rings, which become one storm summary.
    w.idle(5 * 60 * SEC - 8 * SEC).await;
    for n in 0..4 {
        w.fake.trigger(&format!("Replica {n} down"), Urgency::High);
    }
    w.until("the storm summary", 20 * SEC, |w| {
        w.screen
            .shown()
            .iter()
            .any(|s| matches!(s, Shown::Summary { count: 5, .. }))
    })
    .await;
    w.fake.acknowledge_elsewhere(&id, true);
    w.until("the page is withdrawn", 20 * SEC, |w| {
        w.screen.shown().contains(&Shown::Withdrawn(id.clone()))
    })
    .await;
}

async fn first_start_with_open_incidents_is_one_summary<S: Service>() {
    let mut w = World::<S>::new().await;
    for n in 0..5 {
        w.fake.trigger(&format!("Already open {n}"), Urgency::High);
    }
    w.start().await;
    w.until("the summary", 20 * SEC, |w| !w.screen.shown().is_empty())
        .await;
    assert_eq!(
        w.screen.shown(),
        vec![Shown::Summary {
            count: 5,
            reason: "FirstStart".into()
        }]
    );
}

async fn acknowledge_all_is_one_request_per_batch<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.first_poll().await;
    let ids: Vec<String> = (0..5)
        .map(|n| w.fake.trigger(&format!("I{n}"), Urgency::High))
        .collect();
    w.until("listed", 20 * SEC, |w| w.view().incidents.len() == 5)
        .await;
    let mut events = w.engine().events();
    w.engine()
        .act_on_all_triggered(ActionKind::Acknowledge)
        .await
        .unwrap();
    w.until("all acked", 5 * SEC, |w| {
        ids.iter()
            .all(|id| w.fake.status(id) == Status::Acknowledged)
    })
    .await;
    // PagerDuty: one bulk `PUT /incidents`; Opsgenie has no bulk action: one POST each.
    assert_eq!(w.fake.ack_requests(), S::ack_requests_for(5));
    // The confirmations are reported once the service's answers are in.
    w.idle(5 * SEC).await;
    let mut finished = 0;
    while let Ok(e) = events.try_recv() {
        if matches!(e, EngineEvent::ActionFinished { .. }) {
            finished += 1;
        }
    }
    assert_eq!(finished, 5);
}

async fn acking_an_incident_someone_else_acked_is_not_an_error<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    let id = w.page("Race").await;
    w.fake.acknowledge_elsewhere(&id, false);
    let mut events = w.engine().events();
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    let finished = loop {
        if let EngineEvent::ActionFinished { result, .. } = events.recv().await.unwrap() {
            break result;
        }
    };
    assert!(
        matches!(finished, oncall_engine::ActionResult::Confirmed { .. }),
        "{finished:?}"
    );
}

async fn a_corrupt_state_file_is_moved_aside_not_fatal<S: Service>() {
    let mut w = World::<S>::new().await;
    let data = w.dirs().data_dir;
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("state.json"), b"{\"policy\": {\"accounts\": [tru").unwrap();
    let id = w.fake.trigger("After corruption", Urgency::High);
    w.start().await;
    w.until("the page", 20 * SEC, |w| w.screen.pages_of(&id) == 1)
        .await;
    let aside = std::fs::read_dir(&data)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("state.json.corrupt-")
        })
        .count();
    assert_eq!(aside, 1);
}

/// A full or read-only disk: an acknowledgement that cannot be saved first is refused,
/// said on screen (the notification's button has no other place to say it), and not
/// sent; what was on disk stays; once the disk can be written, pressing again works.
async fn an_action_that_cannot_be_saved_is_refused_said_and_not_sent<S: Service>() {
    let mut w = World::<S>::new().await;
    w.start().await;
    w.first_poll().await;
    let id = w.page("Disk full on the laptop").await;
    let actions = w.dirs().data_dir.join("actions.json");
    let saved_before = std::fs::read(&actions).ok();
    // A directory where the file goes: every atomic write of it fails, as on a full disk.
    std::fs::create_dir_all(actions.join("in-the-way")).unwrap();

    let refused = w
        .engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .expect_err("an action that is not on disk is not accepted");
    let words = refused.to_string();
    assert!(
        words.starts_with("could not acknowledge: oncall-tray could not save it to disk first"),
        "{words}"
    );
    w.until("the user is told", 5 * SEC, |w| {
        w.screen
            .shown()
            .iter()
            .any(|s| matches!(s, Shown::NotSaved { id: shown, .. } if *shown == id))
    })
    .await;
    assert_eq!(w.view().incidents[0].pending, None, "nothing is pending");
    w.idle(60 * SEC).await;
    assert_eq!(w.fake.status(&id), Status::Triggered, "nothing was sent");
    std::fs::remove_dir_all(&actions).unwrap();
    if let Some(before) = saved_before {
        std::fs::write(&actions, before).unwrap();
    }

    // The disk is fine again: the same press goes through.
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    w.until("the service confirmed the ack", 5 * SEC, |w| {
        w.fake.status(&id) == Status::Acknowledged && w.view().incidents[0].pending.is_none()
    })
    .await;
    w.fake.check_ack_sent(&id);
}

/// Every scenario above, once per service: `pagerduty::<name>`, `opsgenie::<name>`,
/// `jsm::<name>` and `grafana_oncall::<name>`.
macro_rules! for_each_service {
    ($($scenario:ident),* $(,)?) => {
        mod grafana_oncall {
            $(
                #[tokio::test(start_paused = true)]
                async fn $scenario() {
                    super::$scenario::<oncall_fake_grafana_oncall::FakeGrafanaOnCall>().await
                }
            )*

            use super::*;
            use oncall_fake_grafana_oncall::FakeGrafanaOnCall;

            /// A silence set elsewhere ends: gone from the view while silenced, then a
            /// new episode that pages once.
            #[tokio::test(start_paused = true)]
            async fn a_silence_ending_elsewhere_pages_again() {
                let mut w = World::<FakeGrafanaOnCall>::new().await;
                w.start().await;
                let id = w.page("Replica lag").await;
                w.fake.silence_elsewhere(&id, 30 * 60, "UCOLLEAGUE001");
                w.until("withdrawn while silenced", 20 * SEC, |w| {
                    w.screen.shown().contains(&Shown::Withdrawn(id.clone()))
                })
                .await;
                w.idle(29 * 60 * SEC).await;
                assert_eq!(w.screen.pages_of(&id), 1, "{:?}", w.screen.shown());
                w.until("the page after the silence", 2 * 60 * SEC, |w| {
                    w.screen.pages_of(&id) == 2
                })
                .await;
                w.idle(60 * SEC).await;
                assert_eq!(w.screen.pages_of(&id), 2);
            }
        }
        mod jsm {
            $(
                #[tokio::test(start_paused = true)]
                async fn $scenario() {
                    super::$scenario::<oncall_fake_jsm::FakeJsm>().await
                }
            )*
        }
        mod pagerduty {
            $(
                #[tokio::test(start_paused = true)]
                async fn $scenario() {
                    super::$scenario::<oncall_fake_pagerduty::FakePagerDuty>().await
                }
            )*
        }
        mod opsgenie {
            $(
                #[tokio::test(start_paused = true)]
                async fn $scenario() {
                    super::$scenario::<oncall_fake_opsgenie::FakeOpsgenie>().await
                }
            )*

            use super::*;
            use oncall_fake_opsgenie::FakeOpsgenie;

            /// Opsgenie's other re-trigger: a snooze set elsewhere (web UI, phone) ends.
            #[tokio::test(start_paused = true)]
            async fn a_snooze_ending_elsewhere_pages_again() {
                let mut w = World::<FakeOpsgenie>::new().await;
                w.start().await;
                let id = w.page("Replica lag").await;
                let end = w.clock.now() + chrono::Duration::minutes(30);
                w.fake.snooze_elsewhere(&id, end, "pat@example.com");
                w.until("withdrawn while snoozed", 20 * SEC, |w| {
                    w.screen.shown().contains(&Shown::Withdrawn(id.clone()))
                })
                .await;
                assert_eq!(
                    w.view().incident(&w.key(&id)).unwrap().incident.status,
                    Status::Acknowledged,
                    "a snoozed alert needs no attention"
                );
                // No repeat while snoozed, though it is high urgency.
                w.idle(29 * 60 * SEC).await;
                assert_eq!(w.screen.pages_of(&id), 1, "{:?}", w.screen.shown());
                w.until("the page after the snooze", 2 * 60 * SEC, |w| {
                    w.screen.pages_of(&id) == 2
                })
                .await;
                // The episode after the snooze rings once, then repeats as high urgency does.
                w.idle(60 * SEC).await;
                assert_eq!(w.screen.pages_of(&id), 2);
            }
        }
    };
}

for_each_service!(
    trigger_pages_once_then_ack_reaches_the_service_and_withdraws,
    high_urgency_repeats_until_acknowledged_low_urgency_rings_once,
    a_retrigger_pages_again,
    a_retrigger_that_rang_does_not_ring_again_after_a_restart,
    my_ack_taken_back_before_a_poll_showed_it_pages_again,
    snooze_ends_and_the_incident_pages_again,
    rate_limit_is_honoured,
    a_persistent_rate_limit_is_not_hammered,
    a_rejected_token_is_tried_again_every_five_minutes_and_a_blip_heals,
    a_rejected_token_is_tried_again_at_once_when_the_token_changes,
    a_new_token_in_the_keychain_heals_a_rejected_account,
    a_token_that_cannot_be_had_is_asked_for_again_and_the_queued_ack_goes,
    a_token_that_cannot_be_had_is_asked_for_again_at_once_after_a_wake,
    a_missing_token_is_reported_and_picked_up_once_stored,
    outage_backs_off_then_recovers_and_the_page_is_not_late,
    restart_does_not_page_twice,
    a_pending_ack_survives_network_loss_and_restart,
    a_press_during_an_outage_rings_no_repeat_from_the_old_list,
    waking_from_sleep_polls_at_once,
    a_storm_of_thirty_is_one_summary,
    first_start_with_open_incidents_is_one_summary,
    a_page_whose_repeat_joins_a_storm_is_still_withdrawn,
    acknowledge_all_is_one_request_per_batch,
    acking_an_incident_someone_else_acked_is_not_an_error,
    a_corrupt_state_file_is_moved_aside_not_fatal,
    an_action_that_cannot_be_saved_is_refused_said_and_not_sent,
);

/// Found by the lifecycle simulation: the action sender and the poller both learn of a
/// new token, but only the poller dropped the client built with the old one. When the
/// poller was busy with a request, the sender retried with the old client, was refused
/// again, and then waited for yet another token: the user's acknowledgement was never
/// sent. PagerDuty only: revoking a token on the service is the fake's own control.
#[tokio::test(start_paused = true)]
async fn an_ack_refused_for_a_revoked_token_is_sent_once_a_new_token_is_stored() {
    let mut w = World::<oncall_fake_pagerduty::FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let id = w.page("Primary down").await;
    // The token is revoked on the service; the app still holds the old one.
    w.fake
        .add_user("PUSER01", "Pat Oncall", "pat@example.com", "new-token");
    // The poll the press sets off is slow to answer, so the poller is still waiting for
    // it when the new token is stored.
    w.fake.inject(oncall_fake_pagerduty::Fault {
        route: oncall_fake_pagerduty::Route::ListIncidents,
        kind: oncall_fake_pagerduty::FaultKind::Latency { millis: 10_000 },
        times: 1,
    });
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    w.idle(SEC).await;
    assert_eq!(w.fake.status(&id), Status::Triggered, "refused: old token");
    w.keychain.set("new-token");
    w.engine().credential_changed(&w.key(&id).account);
    w.until("the ack arrives with the new token", 60 * SEC, |w| {
        w.fake.status(&id) == Status::Acknowledged
    })
    .await;
}

/// Found by the lifecycle simulation (Grafana OnCall seed 66): my acknowledgement was on
/// its way when the key was stored again, and the client built for the new key took the
/// old client's memory before the answer came. Grafana OnCall keeps no time of an
/// un-acknowledgement, so only that memory (my press pins the group acknowledged) tells
/// a colleague's un-acknowledgement from the episode I answered; without it the new
/// client named the re-trigger after the old episode, and it never paged (only its
/// repeat, minutes later).
#[tokio::test(start_paused = true)]
async fn my_ack_answered_after_the_key_changed_still_makes_the_next_trigger_page() {
    use oncall_fake_grafana_oncall::{Fault, FaultKind, Route};
    let mut w = World::<oncall_fake_grafana_oncall::FakeGrafanaOnCall>::new().await;
    w.start().await;
    w.first_poll().await;
    let id = w.page("Primary down").await;
    w.fake.inject(Fault::once(
        Route::AlertGroupAction,
        FaultKind::Latency { millis: 10_000 },
    ));
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    w.idle(SEC).await;
    // The same key stored again (Settings' "Save"): a new client, whose first poll
    // comes while the acknowledgement is still on the wire.
    w.engine().credential_changed(&w.key(&id).account);
    w.idle(2 * SEC).await;
    // No list answers from now on, so no poll shows the acknowledgement.
    w.fake.inject(Fault {
        route: Route::ListAlertGroups,
        kind: FaultKind::ServerError(500),
        times: 1_000,
    });
    w.until("the acknowledgement is confirmed", 30 * SEC, |w| {
        w.fake.status(&id) == Status::Acknowledged
            && w.view().incident(&w.key(&id)).unwrap().pending.is_none()
    })
    .await;
    // A colleague takes it back at once; then the lists answer again.
    w.fake.retrigger(&id);
    w.fake.clear_faults();
    // Before the first page's repeat (5 minutes) could ring it.
    w.until("the re-trigger pages", 150 * SEC, |w| {
        w.screen.pages_of(&id) == 2
    })
    .await;
    assert_eq!(
        w.screen.shown().last(),
        Some(&Shown::Page {
            id: id.clone(),
            reason: "New".into()
        })
    );
}

/// Found by the lifecycle simulation: a snooze on its way when the app quit (or restarted,
/// or was reconfigured) was abandoned mid-request, stayed queued, and the next start sent
/// it again: the service carried it out twice. An action on the wire is now answered and
/// recorded before the engine stops (within a grace), so nothing is left to resend.
#[tokio::test(start_paused = true)]
async fn an_action_on_the_wire_when_the_app_quits_is_recorded_not_sent_again() {
    use oncall_fake_pagerduty::{Fault, FaultKind, Route};
    let mut w = World::<oncall_fake_pagerduty::FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let id = w.page("Queue backlog").await;
    w.acknowledge(&id).await;
    w.fake.inject(Fault {
        route: Route::Snooze,
        kind: FaultKind::Latency { millis: 500 },
        times: 1,
    });
    w.engine()
        .act(&[w.key(&id)], ActionKind::Snooze { seconds: 3600 })
        .await
        .unwrap();
    w.idle(Duration::from_millis(100)).await;
    w.stop().await;

    let actions: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.dirs().actions_file()).unwrap()).unwrap();
    assert_eq!(
        actions["pending"],
        serde_json::json!([]),
        "the snooze was answered before the engine stopped"
    );
    let snoozes = |w: &World<oncall_fake_pagerduty::FakePagerDuty>| {
        w.fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/snooze"))
            .count()
    };
    w.start().await;
    w.idle(60 * SEC).await;
    assert_eq!(snoozes(&w), 1, "the next start does not send it again");
}

/// Found by the lifecycle simulation (seeds 67 and 23 of the long run), and the engine's
/// behaviour is the right one: the oracle took it for a duplicate. I press Ack on a page
/// whose incident the service has just re-triggered (the tray still shows the episode
/// that rang); my press silences the new episode while it is on its way. The service
/// takes the ack, and then, still in the same second, the ack times out again: a third
/// episode, which nothing of mine has handled. PagerDuty names an episode by a
/// whole-second `last_status_change_at`, so it carries the very name of the one my press
/// ended; it is a genuinely new episode all the same (re-triggered after my ack took
/// effect) and must ring, once. PagerDuty only: the fake's own controls set the scene.
#[tokio::test(start_paused = true)]
async fn a_retrigger_after_my_ack_took_effect_rings_even_in_the_second_my_press_ended() {
    use chrono::{DurationRound, TimeDelta};
    let mut w = World::<oncall_fake_pagerduty::FakePagerDuty>::new().await;
    w.start().await;
    w.first_poll().await;
    let id = w.page("Primary down").await;
    let second = |w: &World<oncall_fake_pagerduty::FakePagerDuty>| {
        let changed = w.fake.incident(&id).unwrap().last_status_change_at;
        changed.duration_trunc(TimeDelta::seconds(1)).unwrap()
    };

    // A colleague acknowledges it, and (before the engine polls) the ack times out: a
    // new episode. In that very instant I press Ack on what the tray shows.
    w.fake.acknowledge(&id, "PUSER02");
    w.fake.retrigger(&id);
    let pressed_episode = second(&w);
    w.engine()
        .act(&[w.key(&id)], ActionKind::Acknowledge)
        .await
        .unwrap();
    w.restart().await;
    w.until("the service took my ack", 5 * SEC, |w| {
        w.fake.status(&id) == Status::Acknowledged
    })
    .await;
    assert_eq!(w.screen.pages_of(&id), 1, "my ack on its way silences it");

    // The ack times out again, in the same second: a new episode, same name.
    w.fake.retrigger(&id);
    assert_eq!(
        second(&w),
        pressed_episode,
        "the story needs the new episode to carry the name of the one my press ended"
    );
    w.until("the new episode rings", 20 * SEC, |w| {
        w.screen.pages_of(&id) == 2
    })
    .await;
    let last = w
        .screen
        .shown()
        .into_iter()
        .rev()
        .find(|s| matches!(s, Shown::Page { id: shown, .. } if *shown == id));
    assert_eq!(
        last,
        Some(Shown::Page {
            id: id.clone(),
            reason: "New".into()
        })
    );
    // Once: no second ring for it before a repeat is due.
    w.idle(2 * 60 * SEC).await;
    assert_eq!(w.screen.pages_of(&id), 2, "{:?}", w.screen.shown());
}

/// Found by the lifecycle simulation (seed 23 of the long run): a summary decided while
/// the desktop could not show it waits in the outbox (`state.json`); I acknowledge one of
/// its incidents meanwhile and the service confirms it. The app restarts, and that start
/// is cut short (restarted, or reconfigured, in the same moment). The short-lived run had
/// found the summary in the outbox but stopped before its delivery task's first pass, so
/// its last flush showed the summary as if decided a moment ago: it rang for an incident
/// I had acknowledged. What a start finds in the outbox waited, and is brought up to date
/// before it shows, however short the run. PagerDuty only: the story is the engine's.
#[tokio::test(start_paused = true)]
async fn a_summary_held_by_an_absent_screen_leaves_out_what_i_acked_when_a_start_is_cut_short() {
    use support::Outage;
    let mut w = World::<oncall_fake_pagerduty::FakePagerDuty>::new().await;
    let acked = Service::trigger(&w.fake, "Primary down", Urgency::High);
    let other = Service::trigger(&w.fake, "Replica lag", Urgency::High);
    // The first start finds both: one summary, which the absent screen holds back.
    w.screen.server_out(Outage::Absent);
    w.start().await;
    w.until("the summary is decided and held", 20 * SEC, |w| {
        let view = w.view();
        view.incidents.len() == 2 && view.delivery != oncall_engine::Delivery::Ok
    })
    .await;

    w.acknowledge(&acked).await;
    w.until("the engine has the service's confirmation", 5 * SEC, |w| {
        w.view().incident(&w.key(&acked)).unwrap().pending.is_none()
    })
    .await;
    // Restarted while the screen is still out: the summary stays in the outbox.
    w.restart().await;
    // The screen is back, and the run that just started is stopped at once.
    w.screen.server_starts();
    w.restart().await;
    w.idle(2 * 60 * SEC).await;
    let summaries: Vec<Shown> = w
        .screen
        .shown()
        .into_iter()
        .filter(|s| matches!(s, Shown::Summary { .. }))
        .collect();
    assert_eq!(
        summaries.first(),
        Some(&Shown::Summary {
            count: 1,
            reason: "FirstStart".into()
        }),
        "the summary names only {other}, which still needs me: {:?}",
        w.screen.shown()
    );
    assert_eq!(w.screen.pages_of(&acked), 0);
}

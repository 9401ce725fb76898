//! The scripted stream of synthetic incidents behind `oncall-tray --demo`, so anyone can
//! see the app page, repeat, withdraw and summarise without a PagerDuty account.
//!
//! Deterministic (a fixed cycle, no randomness): the demo looks the same every time,
//! which makes it usable in screenshots and end-to-end tests.

use std::time::Duration;

use oncall_model::{Status, Urgency};
use tokio_util::sync::CancellationToken;

use chrono::{DateTime, Utc};

use crate::{
    EscalationPolicySpec, EscalationTarget, FakePagerDuty, NewIncident, ScheduleSpec,
    DEFAULT_SERVICE_ID,
};

/// More open incidents than this and the oldest resolves itself: the demo never floods.
const MAX_OPEN: usize = 8;

const SERVICES: [(&str, &str); 3] = [
    (DEFAULT_SERVICE_ID, "Checkout API"),
    ("PSVC002", "Payments DB"),
    ("PSVC003", "Search"),
];

const STORIES: [(&str, Urgency, usize); 9] = [
    (
        "Checkout API: error rate above 5% for 5 minutes",
        Urgency::High,
        0,
    ),
    ("db-3: disk usage at 85%", Urgency::Low, 1),
    ("Search: p99 latency above 2 s", Urgency::High, 2),
    ("Payments DB: replication lag 120 s", Urgency::High, 1),
    (
        "Checkout API: certificate expires in 14 days",
        Urgency::Low,
        0,
    ),
    ("Search: indexer queue backlog growing", Urgency::Low, 2),
    (
        "Checkout API: 502s from the load balancer",
        Urgency::High,
        0,
    ),
    ("Payments DB: connection pool exhausted", Urgency::High, 1),
    ("Search: one replica is unhealthy", Urgency::Low, 2),
];

/// The demo's rotation: Alex and Pat (the demo's user) take turns this long, so a
/// newcomer sees a shift reminder at once, the shift start five minutes later, its end
/// after this, and the cycle again.
const DEMO_TURN: chrono::Duration = chrono::Duration::minutes(10);

/// Adds the demo's services to `fake`, and a rotation in which the demo's user is on call
/// every other ten minutes, their first turn starting five minutes from `now` (once per
/// fake).
pub fn prepare(fake: &FakePagerDuty, now: DateTime<Utc>) {
    for (id, name) in SERVICES.iter().skip(1) {
        fake.add_service(id, name, "PUSER01");
    }
    fake.add_user(
        "PUSER03",
        "Alex Example",
        "alex@example.com",
        "fake-token-alex",
    );
    let first_turn = now + chrono::Duration::minutes(5) - DEMO_TURN;
    fake.add_schedule(ScheduleSpec::rotation(
        "PDEMO01",
        "Platform rotation",
        &["PUSER03", "PUSER01"],
        first_turn,
        DEMO_TURN.num_seconds().unsigned_abs(),
    ));
    fake.add_escalation_policy(EscalationPolicySpec {
        id: "PDEMOEP".into(),
        name: "Platform".into(),
        levels: vec![vec![EscalationTarget::Schedule("PDEMO01".into())]],
    });
}

/// Runs the script until `cancel`: one step at once, then one every `every`.
pub async fn run(fake: FakePagerDuty, every: Duration, cancel: CancellationToken) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for step in 0u64.. {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = ticker.tick() => {}
        }
        self::step(&fake, step);
    }
}

/// One beat of the script. Every sixth beat an incident the user acknowledged
/// re-triggers (an acknowledgement timeout), every sixth another resolves by itself.
pub fn step(fake: &FakePagerDuty, step: u64) {
    let open: Vec<_> = fake
        .incidents()
        .into_iter()
        .filter(|i| i.status != Status::Resolved)
        .collect();
    match step % 6 {
        3 => {
            if let Some(acked) = open
                .iter()
                .find(|i| i.status == Status::Acknowledged && i.snoozed_until.is_none())
            {
                fake.retrigger(&acked.id);
                return;
            }
        }
        5 => {
            if let Some(oldest) = open.first() {
                fake.resolve(&oldest.id);
                return;
            }
        }
        _ => {}
    }
    let (title, urgency, service) = STORIES[(step as usize) % STORIES.len()];
    fake.trigger(
        NewIncident::new(title)
            .urgency(urgency)
            .service(SERVICES[service].0),
    );
    let open = open.len() + 1;
    if open > MAX_OPEN {
        let oldest = fake
            .incidents()
            .into_iter()
            .find(|i| i.status != Status::Resolved);
        if let Some(oldest) = oldest {
            fake.resolve(&oldest.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_triggers_retriggers_and_resolves_and_never_floods() {
        let fake = FakePagerDuty::new();
        prepare(&fake, chrono::Utc::now());
        step(&fake, 0);
        assert_eq!(fake.incidents().len(), 1);
        let first = fake.incidents()[0].id.clone();
        fake.acknowledge(&first, "PUSER01");
        for n in 1..=3 {
            step(&fake, n);
        }
        assert_eq!(
            fake.incident(&first).unwrap().status,
            Status::Triggered,
            "re-triggered at step 3"
        );
        step(&fake, 4);
        step(&fake, 5);
        assert_eq!(
            fake.incident(&first).unwrap().status,
            Status::Resolved,
            "resolved itself at step 5"
        );
        for n in 6..200 {
            step(&fake, n);
            let open = fake
                .incidents()
                .iter()
                .filter(|i| i.status != Status::Resolved)
                .count();
            assert!(open <= MAX_OPEN, "{open} open at step {n}");
        }
        let urgencies: Vec<Urgency> = fake.incidents().iter().map(|i| i.urgency).collect();
        assert!(urgencies.contains(&Urgency::High) && urgencies.contains(&Urgency::Low));
    }
}

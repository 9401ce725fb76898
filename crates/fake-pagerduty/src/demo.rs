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

/// Pat's teammates, so that the reassign and responder pickers have names to offer:
/// Alex shares the rotation with Pat, Robin is every policy's second level, Kim is on no
/// policy (someone to hand an incident to directly).
const TEAMMATES: [(&str, &str, &str); 3] = [
    ("PUSER03", "Alex Example", "alex@example.com"),
    ("PUSER04", "Robin Example", "robin@example.com"),
    ("PUSER05", "Kim Example", "kim@example.com"),
];
const SECOND_LEVEL: &str = "PUSER04";

/// The demo's rotation: Alex and Pat (the demo's user) take turns this long, so a
/// newcomer sees a shift reminder at once, the shift start five minutes later, its end
/// after this, and the cycle again.
const DEMO_TURN: chrono::Duration = chrono::Duration::minutes(10);

/// Adds the demo's services and teammates to `fake`, gives every service's escalation
/// policy a second level (Robin) to escalate to, and adds a rotation in which the demo's
/// user is on call every other ten minutes, their first turn starting five minutes from
/// `now` (once per fake).
pub fn prepare(fake: &FakePagerDuty, now: DateTime<Utc>) {
    for (id, name, email) in TEAMMATES {
        let first_name = name.split(' ').next().unwrap_or(name).to_lowercase();
        fake.add_user(id, name, email, &format!("fake-token-{first_name}"));
    }
    for (id, name) in SERVICES.iter().skip(1) {
        fake.add_service(id, name, "PUSER01");
    }
    for (id, name) in SERVICES {
        // The first level as seeded (`PEP0001`: the schedule with Pat on call) or as
        // `add_service` made it (Pat directly).
        let first = if id == DEFAULT_SERVICE_ID {
            EscalationTarget::Schedule("PSCHED1".into())
        } else {
            EscalationTarget::User("PUSER01".into())
        };
        let Some(policy) = fake.escalation_policy_of(id) else {
            continue;
        };
        let name = if id == DEFAULT_SERVICE_ID {
            "Checkout on-call".to_string()
        } else {
            format!("{name} on-call")
        };
        fake.add_escalation_policy(EscalationPolicySpec {
            id: policy,
            name,
            levels: vec![
                vec![first],
                vec![EscalationTarget::User(SECOND_LEVEL.into())],
            ],
        });
    }
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
        levels: vec![
            vec![EscalationTarget::Schedule("PDEMO01".into())],
            vec![EscalationTarget::User(SECOND_LEVEL.into())],
        ],
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

    #[test]
    fn every_demo_incident_is_pats_and_can_go_to_a_teammate_or_a_second_level() {
        let fake = FakePagerDuty::new();
        prepare(&fake, chrono::Utc::now());
        for step in 0..3 {
            self::step(&fake, step);
        }
        for incident in fake.incidents() {
            assert_eq!(incident.assignees, vec!["PUSER01"], "{}", incident.title);
        }
        fake.with_state(|state, _| {
            for (service, _) in SERVICES {
                let policy = state
                    .service(service)
                    .and_then(|s| state.policy(&s.escalation_policy_id))
                    .expect("the service's policy");
                assert_eq!(policy.levels.len(), 2, "{}", policy.name);
            }
            let names: Vec<String> = state
                .users_matching("")
                .iter()
                .map(|u| u.name.clone())
                .collect();
            assert_eq!(
                names,
                [
                    "Alex Example",
                    "Kim Example",
                    "Pat Oncall",
                    "Robin Example",
                    "Sam Second"
                ]
            );
        });
    }
}

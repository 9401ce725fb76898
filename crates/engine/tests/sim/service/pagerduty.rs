//! PagerDuty, the simulation's first service: every event of the script has its
//! counterpart, episodes are named by the service (`last_status_change_at` and the
//! assignment's time, to the whole second), and I take turns in a rotation of my own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oncall_engine::{Clock, TestClock};
use oncall_fake_pagerduty::{self as pd, FakePagerDuty, RecordedRequest, RunningFake};
use oncall_model::{Status, Urgency};
use oncall_store::AccountConfig;
use serde_json::Value;

use super::{Assign, Service, Truth};
use crate::sim::history::{Shift, Time, UserVerb};
use crate::sim::script::Outage;
use crate::support::ACCOUNT;

const ME: &str = "PUSER01";
const COLLEAGUE: &str = "PUSER02";
/// The two I take turns with in the simulation's rotation.
const ALICE: &str = "PUSER03";
const BOB: &str = "PUSER04";
/// The rotation's turns, in order: mine are 20 minutes on, 100 off, so that a run sees
/// shifts start and end in every kind of trouble the script makes. (Every shift of the
/// coming two weeks is read and remembered: more frequent ones make the run slower.)
const ROTATION: [&str; 6] = [ME, ALICE, BOB, ALICE, BOB, ALICE];
const TURN: chrono::Duration = chrono::Duration::minutes(20);
/// My first turn starts this long after the run begins: the engine has read the
/// schedule by then, and it starts neither with the run nor with the seeded shift.
const FIRST_TURN: chrono::Duration = chrono::Duration::minutes(7);
/// The seeded shift of `PSCHED1` (in `PEP0001`): from this long before the fake's first
/// look at schedules (the driver's, at the start of the run) …
const SEEDED_SHIFT_BEFORE: chrono::Duration = chrono::Duration::hours(2);
/// … to this long after it.
const SEEDED_SHIFT_AFTER: chrono::Duration = chrono::Duration::hours(8);
/// The client's own request timeout (`oncall-pagerduty`'s default).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The services incidents fire on (id, name): the fake's own and one the driver adds,
/// so that a mute leaves the other service paging.
const SERVICES: [(&str, &str); 2] = [("PSVC001", "Checkout API"), ("PSVC0B1", "Batch jobs")];

pub struct PagerDuty {
    fake: FakePagerDuty,
    server: RunningFake,
    /// How many times my token was replaced on the service.
    tokens: Mutex<u32>,
}

impl PagerDuty {
    pub async fn start(clock: Arc<TestClock>, begin: Time) -> Self {
        let fake = FakePagerDuty::new();
        fake.set_clock(Arc::new(move || clock.now()));
        // The simulation's own traffic must never meet the fake's rate limiter.
        fake.set_rate_limit(100_000);
        // Before the rotation: the fake numbers the new service's escalation policy
        // `PEP0002`, which the rotation then takes over (the service's incidents name
        // their assignee, so its policy does not matter).
        let (id, name) = SERVICES[1];
        fake.add_service(id, name, ME);
        add_rotation(&fake, begin);
        let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        PagerDuty {
            fake,
            server,
            tokens: Mutex::new(0),
        }
    }
}

impl Service for PagerDuty {
    fn account(&self) -> AccountConfig {
        AccountConfig::pagerduty(ACCOUNT, self.server.url.parse().unwrap())
    }

    fn first_token(&self) -> &'static str {
        "fake-token-pat"
    }

    fn service_name(&self, service: u8) -> String {
        SERVICES[usize::from(service)].1.to_string()
    }

    fn trigger(&self, urgency: Urgency, mine: bool, service: u8) -> String {
        let mut new = pd::NewIncident::new("sim")
            .urgency(urgency)
            .service(SERVICES[usize::from(service)].0);
        if !mine {
            new = new.assignees(&[COLLEAGUE]);
        } else if service != 0 {
            new = new.assignees(&[ME]);
        }
        self.fake.trigger(new)
    }

    fn flood_one(&self) -> String {
        // Triggered and acknowledged in one step: no poll can see it triggered.
        let id = self
            .fake
            .trigger(pd::NewIncident::new("flood").urgency(Urgency::Low));
        self.fake.acknowledge(&id, ME);
        id
    }

    fn open_incidents(&self) -> Vec<Truth> {
        self.fake
            .open_incidents()
            .into_iter()
            .map(|i| Truth {
                mine: i.assignees.iter().any(|a| a == ME),
                id: i.id,
                retriggerable: i.status == Status::Acknowledged,
                status: i.status,
                urgency: i.urgency,
                status_changed_at: i.last_status_change_at,
            })
            .collect()
    }

    fn urgency(&self, id: &str) -> Urgency {
        self.fake.incident(id).unwrap().urgency
    }

    fn is_resolved(&self, id: &str) -> bool {
        self.fake.incident(id).unwrap().status == Status::Resolved
    }

    fn acknowledge_elsewhere(&self, id: &str, by_me: bool) {
        self.fake
            .acknowledge(id, if by_me { ME } else { COLLEAGUE });
    }

    fn resolve_elsewhere(&self, id: &str) {
        self.fake.resolve(id);
    }

    fn retrigger(&self, id: &str) {
        self.fake.retrigger(id);
    }

    fn reassign(&self, id: &str, to: Assign) {
        let to: &[&str] = match to {
            Assign::Me => &[ME],
            Assign::MeAndColleague => &[COLLEAGUE, ME],
            Assign::Colleague => &[COLLEAGUE],
        };
        self.fake.reassign(id, to);
    }

    fn set_urgency(&self, id: &str, urgency: Urgency) {
        self.fake.set_urgency(id, urgency);
    }

    fn start_outage(&self, outage: Outage) -> Duration {
        let (route, kind, after) = fault(outage);
        self.fake.inject(pd::Fault {
            route,
            kind,
            times: u32::MAX,
        });
        after
    }

    fn clear_faults(&self) {
        self.fake.clear_faults();
    }

    fn revoke_token(&self) {
        let mut tokens = self.tokens.lock().unwrap();
        *tokens += 1;
        self.fake.add_user(
            ME,
            "Pat Oncall",
            "pat@example.com",
            &format!("sim-token-{tokens}"),
        );
    }

    fn new_token(&self) -> String {
        format!("sim-token-{}", self.tokens.lock().unwrap())
    }

    fn request_count(&self) -> usize {
        self.fake.request_count()
    }

    fn requests_from(&self, start: usize) -> Vec<RecordedRequest> {
        self.fake.requests_from(start)
    }

    fn is_poll(&self, request: &RecordedRequest) -> bool {
        request.method == "GET" && request.path == "/incidents"
    }

    fn carried_out(&self, request: &RecordedRequest) -> Vec<(String, UserVerb)> {
        if (200..300).contains(&request.status) {
            self.action_items(request)
        } else {
            Vec::new()
        }
    }

    fn action_items(&self, request: &RecordedRequest) -> Vec<(String, UserVerb)> {
        action_items(&request.method, &request.path, &request.body)
    }

    fn my_shifts(&self, begin: Time, from: Time, to: Time) -> Vec<Shift> {
        my_shifts(begin, from, to)
    }
}

/// My rotation: [`ROTATION`] in turns of [`TURN`], mine first from `begin +
/// FIRST_TURN`, in an escalation policy of its own (`PEP0001`, which the incidents go
/// to, stays as it is). Adding the schedule is the fake's first look at schedules: it
/// fixes the seeded shift of `PSCHED1` around `begin`.
fn add_rotation(fake: &FakePagerDuty, begin: Time) {
    fake.add_user(ALICE, "Alice Rota", "alice@example.com", "fake-token-alice");
    fake.add_user(BOB, "Bob Rota", "bob@example.com", "fake-token-bob");
    fake.add_schedule(pd::ScheduleSpec::rotation(
        "PSCHED2",
        "Sim rotation",
        &ROTATION,
        begin + FIRST_TURN,
        TURN.num_seconds() as u64,
    ));
    fake.add_escalation_policy(pd::EscalationPolicySpec {
        id: "PEP0002".into(),
        name: "Sim shifts".into(),
        levels: vec![vec![pd::EscalationTarget::Schedule("PSCHED2".into())]],
    });
}

/// My shifts that overlap `from..to`, from the schedules [`add_rotation`] set up and the
/// fake's seeded one, by start.
fn my_shifts(begin: Time, from: Time, to: Time) -> Vec<Shift> {
    let mut shifts = vec![Shift {
        start: begin - SEEDED_SHIFT_BEFORE,
        end: begin + SEEDED_SHIFT_AFTER,
    }];
    let first = begin + FIRST_TURN;
    let cycle = TURN * ROTATION.len() as i32;
    // The rotation runs backwards before its virtual start too.
    let mut k = (from - first).num_seconds().div_euclid(cycle.num_seconds());
    loop {
        let start = first + cycle * k as i32;
        if start >= to {
            break;
        }
        if start + TURN > from {
            shifts.push(Shift {
                start,
                end: start + TURN,
            });
        }
        k += 1;
    }
    shifts.sort_by_key(|s| s.start);
    shifts
}

/// How an outage is injected, and how long after it ends the engine may still wait
/// because the service told it to (or a request in flight had yet to time out).
fn fault(outage: Outage) -> (pd::Route, pd::FaultKind, Duration) {
    use pd::{FaultKind as K, Route as R};
    match outage {
        Outage::RateLimitedWithReset => (
            R::Any,
            K::RateLimited {
                reset_secs: Some(60),
                retry_after_secs: None,
                with_body: true,
            },
            Duration::from_secs(60),
        ),
        Outage::RateLimitedWithRetryAfter => (
            R::Any,
            K::RateLimited {
                reset_secs: None,
                retry_after_secs: Some(30),
                with_body: false,
            },
            Duration::from_secs(30),
        ),
        Outage::RateLimitedBare => (
            R::Any,
            K::RateLimited {
                reset_secs: None,
                retry_after_secs: None,
                with_body: false,
            },
            Duration::ZERO,
        ),
        Outage::ServerError(status) => (R::Any, K::ServerError(status), Duration::ZERO),
        // Polls only: an action answered after its client gave up would be applied and
        // then sent again, which is at-least-once delivery working, not a doubled ack.
        Outage::Timeout => (
            R::ListIncidents,
            K::Latency { millis: 20_000 },
            REQUEST_TIMEOUT,
        ),
        Outage::DroppedConnection => (R::Any, K::DropConnection, Duration::ZERO),
        // Polls only: a 200 whose body is cut short tells nothing about an update.
        Outage::MalformedBody => (R::ListIncidents, K::MalformedBody, Duration::ZERO),
    }
}

/// The (incident, verb) pairs one request asks PagerDuty for.
fn action_items(method: &str, path: &str, body: &str) -> Vec<(String, UserVerb)> {
    let verb_of = |status: &Value| match status.as_str() {
        Some("acknowledged") => Some(UserVerb::Ack),
        Some("resolved") => Some(UserVerb::Resolve),
        _ => None,
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("PUT", ["incidents"]) => {
            let Ok(body) = serde_json::from_str::<Value>(body) else {
                return Vec::new();
            };
            body["incidents"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| {
                    Some((item["id"].as_str()?.to_string(), verb_of(&item["status"])?))
                })
                .collect()
        }
        ("PUT", ["incidents", id]) => serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|b| verb_of(&b["incident"]["status"]))
            .map(|verb| vec![(id.to_string(), verb)])
            .unwrap_or_default(),
        ("POST", ["incidents", id, "snooze"]) => vec![(id.to_string(), UserVerb::Snooze)],
        _ => Vec::new(),
    }
}

//! Jira Service Management Operations: alerts are mine when my account's query lists
//! them (the default: open alerts with me as a responder; a colleague's alert has
//! another responder), P1 pages high and P3 low, the service a mute names is the
//! alert's `source`, and nobody reassigns or changes a priority in the script (the fake
//! models neither). "Acknowledged elsewhere, then its ack timeout" is a colleague
//! un-acknowledging it. My snooze leaves an acknowledged alert acknowledged when it
//! ends (the fake follows Opsgenie there), so it starts no episode.
//!
//! The API keeps no time of an un-acknowledgement or a snooze's end, so the ground truth
//! of when an alert's state changed is the fake's own (`FakeAlert::state_since`, not in
//! the API): an episode is dated from the service's change, never from when the driver
//! happened to look (a snooze of mine that lands between two looks ends the episode when
//! it lands). The client derives its episode names itself.
//!
//! Writes are asynchronous: `POST …/acknowledge` is answered 202 and its outcome read
//! from the request's status. An outage that failed that status read after the service
//! had carried the action out would make the engine send it again (at least once, by
//! design), so outages and a revoked token leave the request-status route alone, as
//! PagerDuty's timeouts leave actions alone. The fake's token cannot be replaced either:
//! a revoked token is every other request answered 401 until the new one is stored.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oncall_engine::{Clock, TestClock};
use oncall_fake_jsm::{self as jsm, FakeJsm, NewAlert, RecordedRequest, RunningFake};
use oncall_model::{Status, Urgency};
use oncall_store::AccountConfig;

use super::{Assign, Service, Truth};
use crate::sim::history::{Shift, Time, UserVerb};
use crate::sim::script::Outage;
use crate::support::ACCOUNT;

const ME: &str = jsm::EMAIL;
const COLLEAGUE: &str = jsm::TEAMMATES[0];
/// The script's two services, as alerts name their `source`.
const SERVICES: [&str; 2] = ["Checkout API", "Batch jobs"];
/// The client's own request timeout (`oncall-jsm`'s default).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// My rotation, as on PagerDuty: 20-minute turns, mine one in six, my first from this
/// long after the run begins.
const ROTATION: [&str; 6] = [
    ME,
    jsm::TEAMMATES[0],
    jsm::TEAMMATES[1],
    jsm::TEAMMATES[0],
    jsm::TEAMMATES[1],
    jsm::TEAMMATES[0],
];
const TURN: chrono::Duration = chrono::Duration::minutes(20);
const FIRST_TURN: chrono::Duration = chrono::Duration::minutes(7);
/// Every route an outage or a revoked token answers for: all but the request status
/// (see the module documentation) and the site's cloud-id lookup, which has no
/// credential and is read once per client.
const TROUBLED: [jsm::Route; 7] = [
    jsm::Route::Myself,
    jsm::Route::ListAlerts,
    jsm::Route::AlertAction,
    jsm::Route::ListSchedules,
    jsm::Route::ScheduleTimeline,
    jsm::Route::OnCalls,
    jsm::Route::CreateOverride,
];

pub struct Jsm {
    fake: FakeJsm,
    server: RunningFake,
    /// Alerts not known closed, in creation order.
    open: Mutex<Vec<String>>,
    /// How each alert was last seen: needing me or not, since when.
    seen: Mutex<BTreeMap<String, Seen>>,
    faults: Mutex<Faults>,
}

#[derive(Clone, Copy)]
struct Seen {
    status: Status,
    since: Time,
}

/// What the fake is to answer instead of serving: an outage, a revoked token.
#[derive(Default)]
struct Faults {
    outage: Vec<(jsm::Route, jsm::FaultKind)>,
    revoked: bool,
}

impl Jsm {
    pub async fn start(clock: Arc<TestClock>, begin: Time) -> Self {
        let fake = FakeJsm::new();
        fake.set_clock(Arc::new(move || clock.now()));
        fake.add_schedule(jsm::ScheduleSpec::rotation(
            "Sim rotation",
            &ROTATION,
            TURN,
            begin + FIRST_TURN,
        ));
        let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        Jsm {
            fake,
            server,
            open: Mutex::new(Vec::new()),
            seen: Mutex::new(BTreeMap::new()),
            faults: Mutex::new(Faults::default()),
        }
    }

    fn create(&self, new: NewAlert) -> String {
        let id = self.fake.create_alert(new);
        self.open.lock().unwrap().push(id.clone());
        id
    }

    fn alert(&self, id: &str) -> jsm::FakeAlert {
        self.fake.alert(id).expect("an alert the run created")
    }

    /// Empties the fake's fault queue and fills it again from `faults`: the outage
    /// first (it answers before the credential is looked at), then the revoked token.
    fn refill(&self, faults: &Faults) {
        self.fake.clear_faults();
        for (route, kind) in &faults.outage {
            self.fake.inject(jsm::Fault {
                route: *route,
                kind: kind.clone(),
                times: u32::MAX,
            });
        }
        if faults.revoked {
            for route in TROUBLED {
                self.fake.inject(jsm::Fault {
                    route,
                    kind: jsm::FaultKind::Unauthorized,
                    times: u32::MAX,
                });
            }
        }
    }
}

impl Service for Jsm {
    fn account(&self) -> AccountConfig {
        // One loopback server plays the site and the API gateway.
        let site = self.server.url.parse().unwrap();
        let api = self.server.url.parse().unwrap();
        AccountConfig::jsm(ACCOUNT, site, api, ME)
    }

    fn first_token(&self) -> &'static str {
        jsm::API_TOKEN
    }

    fn service_name(&self, service: u8) -> String {
        SERVICES[usize::from(service)].to_string()
    }

    fn trigger(&self, urgency: Urgency, mine: bool, service: u8) -> String {
        let priority = match urgency {
            Urgency::High => "P1",
            _ => "P3",
        };
        self.create(
            NewAlert::new("sim")
                .priority(priority)
                .source(SERVICES[usize::from(service)])
                .responders(&[if mine { ME } else { COLLEAGUE }]),
        )
    }

    fn flood_one(&self) -> String {
        let id = self.create(NewAlert::new("flood").source(SERVICES[0]));
        self.fake.acknowledge_elsewhere(&id, ME);
        id
    }

    fn open_incidents(&self) -> Vec<Truth> {
        let mut open = self.open.lock().unwrap();
        let mut seen = self.seen.lock().unwrap();
        let mut truths = Vec::new();
        open.retain(|id| {
            let alert = self.alert(id);
            if alert.status == "closed" {
                seen.remove(id);
                return false;
            }
            let status = if alert.acknowledged || alert.snoozed {
                Status::Acknowledged
            } else {
                Status::Triggered
            };
            // A change that leaves the alert needing me, or not, as it was (a snooze of
            // an acknowledged alert, its end) is no status change.
            let since = match seen.get(id) {
                Some(last) if last.status == status => last.since,
                _ => alert.state_since,
            };
            seen.insert(id.clone(), Seen { status, since });
            truths.push(Truth {
                mine: alert.responders.iter().any(|r| r.eq_ignore_ascii_case(ME)),
                status,
                retriggerable: alert.acknowledged && !alert.snoozed,
                urgency: urgency_of(&alert.priority),
                status_changed_at: since,
                id: id.clone(),
            });
            true
        });
        truths
    }

    fn urgency(&self, id: &str) -> Urgency {
        urgency_of(&self.alert(id).priority)
    }

    fn is_resolved(&self, id: &str) -> bool {
        self.alert(id).status == "closed"
    }

    fn acknowledge_elsewhere(&self, id: &str, by_me: bool) {
        self.fake
            .acknowledge_elsewhere(id, if by_me { ME } else { COLLEAGUE });
    }

    fn resolve_elsewhere(&self, id: &str) {
        self.fake.close_elsewhere(id, COLLEAGUE);
    }

    fn retrigger(&self, id: &str) {
        self.fake.unacknowledge_elsewhere(id, COLLEAGUE);
    }

    fn reassign(&self, _id: &str, _to: Assign) {
        unreachable!("the script leaves reassignments out on JSM")
    }

    fn set_urgency(&self, _id: &str, _urgency: Urgency) {
        unreachable!("the script leaves priority changes out on JSM")
    }

    fn start_outage(&self, outage: Outage) -> Duration {
        let (routes, kind, after) = fault(outage);
        let mut faults = self.faults.lock().unwrap();
        faults.outage = routes.iter().map(|r| (*r, kind.clone())).collect();
        self.refill(&faults);
        after
    }

    fn clear_faults(&self) {
        let mut faults = self.faults.lock().unwrap();
        faults.outage.clear();
        self.refill(&faults);
    }

    fn revoke_token(&self) {
        let mut faults = self.faults.lock().unwrap();
        faults.revoked = true;
        self.refill(&faults);
    }

    fn new_token(&self) -> String {
        let mut faults = self.faults.lock().unwrap();
        faults.revoked = false;
        self.refill(&faults);
        jsm::API_TOKEN.to_string()
    }

    fn request_count(&self) -> usize {
        self.fake.request_count()
    }

    fn requests_from(&self, start: usize) -> Vec<RecordedRequest> {
        self.fake.requests_from(start)
    }

    fn is_poll(&self, request: &RecordedRequest) -> bool {
        request.method == "GET" && request.path.ends_with("/v1/alerts")
    }

    fn carried_out(&self, request: &RecordedRequest) -> Vec<(String, UserVerb)> {
        let request_id = match request.path.rsplit_once("/v1/alerts/requests/") {
            Some((_, id)) if request.method == "GET" && request.status == 200 => id,
            _ => return Vec::new(),
        };
        let Some(outcome) = self.fake.request_outcome(request_id) else {
            return Vec::new();
        };
        let verb = match outcome.action.as_str() {
            "Acknowledge" => UserVerb::Ack,
            "Close" => UserVerb::Resolve,
            "Snooze" => UserVerb::Snooze,
            _ => return Vec::new(),
        };
        if outcome.success {
            vec![(outcome.alert_id, verb)]
        } else {
            Vec::new()
        }
    }

    fn action_items(&self, request: &RecordedRequest) -> Vec<(String, UserVerb)> {
        if request.method != "POST" {
            return Vec::new();
        }
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let verb = match segments.as_slice() {
            [.., "v1", "alerts", id, action] => match *action {
                "acknowledge" => Some((id, UserVerb::Ack)),
                "close" => Some((id, UserVerb::Resolve)),
                "snooze" => Some((id, UserVerb::Snooze)),
                _ => None,
            },
            _ => None,
        };
        verb.map(|(id, verb)| vec![(id.to_string(), verb)])
            .unwrap_or_default()
    }

    fn my_shifts(&self, begin: Time, from: Time, to: Time) -> Vec<Shift> {
        let first = begin + FIRST_TURN;
        let cycle = TURN * ROTATION.len() as i32;
        let mut k = (from - first).num_seconds().div_euclid(cycle.num_seconds());
        let mut shifts = Vec::new();
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
        shifts
    }
}

/// P1 and P2 page high (the account's default `high_priorities`), others low.
fn urgency_of(priority: &str) -> Urgency {
    match priority {
        "P1" | "P2" => Urgency::High,
        _ => Urgency::Low,
    }
}

/// How an outage is made on JSM: which routes answer it, how, and how long after it
/// ends the engine may still wait because the service told it to (or a request in
/// flight had yet to time out). The gateway has no rate-limit reset header: a 429 says
/// `Retry-After` or nothing.
fn fault(outage: Outage) -> (Vec<jsm::Route>, jsm::FaultKind, Duration) {
    use jsm::{FaultKind as K, Route as R};
    let all = TROUBLED.to_vec();
    match outage {
        Outage::RateLimitedWithReset => (
            all,
            K::RateLimited {
                retry_after_secs: Some(60),
            },
            Duration::from_secs(60),
        ),
        Outage::RateLimitedWithRetryAfter => (
            all,
            K::RateLimited {
                retry_after_secs: Some(30),
            },
            Duration::from_secs(30),
        ),
        Outage::RateLimitedBare => (
            all,
            K::RateLimited {
                retry_after_secs: None,
            },
            Duration::ZERO,
        ),
        Outage::ServerError(status) => (all, K::ServerError(status), Duration::ZERO),
        // Polls only, as on PagerDuty (see `pagerduty::fault`).
        Outage::Timeout => (
            vec![R::ListAlerts],
            K::Latency { millis: 20_000 },
            REQUEST_TIMEOUT,
        ),
        Outage::DroppedConnection => (all, K::DropConnection, Duration::ZERO),
        Outage::MalformedBody => (vec![R::ListAlerts], K::MalformedBody, Duration::ZERO),
    }
}

//! Grafana OnCall: alert groups have no urgency (every one pages, high), no assignee
//! (the account's team filter says what is mine: a colleague's group is another team's)
//! and no reassignment; an integration is the service a mute names. "Acknowledged
//! elsewhere, then its ack timeout" is a colleague un-acknowledging it; my snooze is a
//! silence, which pages again when it ends.
//!
//! The API keeps no time of an un-acknowledgement or a silence's end, so the ground
//! truth of when a group went back to needing me is the fake's own record of when each
//! group entered its state (`FakeAlertGroup::state_since`): a silence set by the app
//! and ended by itself between two of the driver's looks is an episode of its own.
//! The client derives its episode names itself (`convert.rs` of `oncall-grafana-oncall`),
//! so the oracle matches pages to episodes by when they rang.
//!
//! The fake's key cannot be replaced, so a revoked token is every request answered 401
//! (`FaultKind::Unauthorized`) until the new one is stored; an outage at the same time
//! answers first, as a service's front does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oncall_engine::{Clock, TestClock};
use oncall_fake_grafana_oncall::{
    self as go, FakeGrafanaOnCall, GroupState, NewAlertGroup, RecordedRequest, RunningFake,
};
use oncall_model::{Status, Urgency};
use oncall_store::AccountConfig;

use super::{Assign, Service, Truth};
use crate::sim::history::{Shift, Time, UserVerb};
use crate::sim::script::Outage;
use crate::support::ACCOUNT;

/// My team: the account lists its groups only.
const MY_TEAM: &str = "TSIM0MINE";
/// A colleague's team, whose groups never page me.
const OTHER_TEAM: &str = "TSIM0OTHER";
/// The client's own request timeout (`oncall-grafana-oncall`'s default).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// My rotation: I take one turn of three, turns of an hour (the fake's rotations turn
/// in whole hours), my first from this long after the run begins.
const TURN: chrono::Duration = chrono::Duration::hours(1);
const PEOPLE: usize = 3;
const FIRST_TURN: chrono::Duration = chrono::Duration::minutes(7);

pub struct GrafanaOnCall {
    fake: FakeGrafanaOnCall,
    server: RunningFake,
    colleague: String,
    /// The script's two services: the fake's integrations, by id.
    integrations: [String; 2],
    /// Groups not known resolved, in creation order.
    open: Mutex<Vec<String>>,
    faults: Mutex<Faults>,
}

/// What the fake is to answer instead of serving: an outage, a revoked token.
#[derive(Default)]
struct Faults {
    outage: Option<(go::Route, go::FaultKind)>,
    revoked: bool,
}

impl GrafanaOnCall {
    pub async fn start(clock: Arc<TestClock>, begin: Time) -> Self {
        let fake = FakeGrafanaOnCall::new();
        fake.set_clock(Arc::new(move || clock.now()));
        let colleague = fake.add_user("sam", "sam@example.com", "fake-grafana-key-sam");
        let alice = fake.add_user("alice", "alice@example.com", "fake-grafana-key-alice");
        let integrations = [
            fake.add_integration("Checkout API"),
            fake.add_integration("Batch jobs"),
        ];
        fake.add_schedule(go::ScheduleSpec {
            name: "Sim rotation".into(),
            team_id: Some(MY_TEAM.into()),
            people: vec![go::USER_ID.into(), alice, colleague.clone()],
            turn: TURN,
            start: begin + FIRST_TURN,
        });
        let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        GrafanaOnCall {
            fake,
            server,
            colleague,
            integrations,
            open: Mutex::new(Vec::new()),
            faults: Mutex::new(Faults::default()),
        }
    }

    fn create(&self, new: NewAlertGroup) -> String {
        let id = self.fake.create_alert_group(new);
        self.open.lock().unwrap().push(id.clone());
        id
    }

    fn group(&self, id: &str) -> go::FakeAlertGroup {
        self.fake.alert_group(id).expect("a group the run created")
    }

    /// Empties the fake's fault queue and fills it again from `faults`: the outage
    /// first (it answers before the credential is looked at), then the revoked token.
    fn refill(&self, faults: &Faults) {
        self.fake.clear_faults();
        if let Some((route, kind)) = &faults.outage {
            self.fake.inject(go::Fault {
                route: *route,
                kind: kind.clone(),
                times: u32::MAX,
            });
        }
        if faults.revoked {
            self.fake.inject(go::Fault {
                route: go::Route::Any,
                kind: go::FaultKind::Unauthorized,
                times: u32::MAX,
            });
        }
    }
}

impl Service for GrafanaOnCall {
    fn account(&self) -> AccountConfig {
        let mut account = AccountConfig::grafana_oncall(ACCOUNT, self.server.url.parse().unwrap());
        if let oncall_store::ProviderConfig::GrafanaOnCall(grafana) = &mut account.provider {
            grafana.team_id = Some(MY_TEAM.into());
        }
        account
    }

    fn first_token(&self) -> &'static str {
        go::API_KEY
    }

    fn service_name(&self, service: u8) -> String {
        self.integrations[usize::from(service)].clone()
    }

    fn trigger(&self, _urgency: Urgency, mine: bool, service: u8) -> String {
        let team = if mine { MY_TEAM } else { OTHER_TEAM };
        self.create(
            NewAlertGroup::new("sim")
                .integration(&self.integrations[usize::from(service)])
                .team(team),
        )
    }

    fn flood_one(&self) -> String {
        let id = self.create(
            NewAlertGroup::new("flood")
                .integration(&self.integrations[0])
                .team(MY_TEAM),
        );
        self.fake.acknowledge_elsewhere(&id, go::USER_ID);
        id
    }

    fn open_incidents(&self) -> Vec<Truth> {
        let mut open = self.open.lock().unwrap();
        let mut truths = Vec::new();
        open.retain(|id| {
            let group = self.group(id);
            if group.state == GroupState::Resolved {
                return false;
            }
            truths.push(Truth {
                mine: group.team_id.as_deref() == Some(MY_TEAM),
                status: match group.state {
                    GroupState::New => Status::Triggered,
                    _ => Status::Acknowledged,
                },
                retriggerable: group.state == GroupState::Acknowledged,
                urgency: Urgency::High,
                status_changed_at: group.state_since,
                id: id.clone(),
            });
            true
        });
        truths
    }

    fn urgency(&self, _id: &str) -> Urgency {
        Urgency::High
    }

    fn is_resolved(&self, id: &str) -> bool {
        self.group(id).state == GroupState::Resolved
    }

    fn acknowledge_elsewhere(&self, id: &str, by_me: bool) {
        let who = if by_me { go::USER_ID } else { &self.colleague };
        self.fake.acknowledge_elsewhere(id, who);
    }

    fn resolve_elsewhere(&self, id: &str) {
        self.fake.resolve_elsewhere(id, &self.colleague);
    }

    fn retrigger(&self, id: &str) {
        self.fake.unacknowledge_elsewhere(id, &self.colleague);
    }

    fn reassign(&self, _id: &str, _to: Assign) {
        unreachable!("alert groups have no assignee: the script leaves reassignments out")
    }

    fn set_urgency(&self, _id: &str, _urgency: Urgency) {
        unreachable!("alert groups have no urgency: the script leaves urgency changes out")
    }

    fn start_outage(&self, outage: Outage) -> Duration {
        let (route, kind, after) = fault(outage);
        let mut faults = self.faults.lock().unwrap();
        faults.outage = Some((route, kind));
        self.refill(&faults);
        after
    }

    fn clear_faults(&self) {
        let mut faults = self.faults.lock().unwrap();
        faults.outage = None;
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
        go::API_KEY.to_string()
    }

    fn request_count(&self) -> usize {
        self.fake.request_count()
    }

    fn requests_from(&self, start: usize) -> Vec<RecordedRequest> {
        self.fake.requests_from(start)
    }

    /// The acknowledged list, the second of a poll's two: a poll whose first list was
    /// answered but not its second told the engine nothing.
    fn is_poll(&self, request: &RecordedRequest) -> bool {
        request.method == "GET"
            && request.path == "/api/v1/alert_groups/"
            && request.query.split('&').any(|p| p == "state=acknowledged")
    }

    fn carried_out(&self, request: &RecordedRequest) -> Vec<(String, UserVerb)> {
        if (200..300).contains(&request.status) {
            self.action_items(request)
        } else {
            Vec::new()
        }
    }

    fn action_items(&self, request: &RecordedRequest) -> Vec<(String, UserVerb)> {
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let verb = match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["api", "v1", "alert_groups", id, action]) => match *action {
                "acknowledge" => Some((id, UserVerb::Ack)),
                "resolve" => Some((id, UserVerb::Resolve)),
                "silence" => Some((id, UserVerb::Snooze)),
                _ => None,
            },
            _ => None,
        };
        verb.map(|(id, verb)| vec![(id.to_string(), verb)])
            .unwrap_or_default()
    }

    fn my_shifts(&self, begin: Time, from: Time, to: Time) -> Vec<Shift> {
        let first = begin + FIRST_TURN;
        let cycle = TURN * PEOPLE as i32;
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

/// How an outage is made on Grafana OnCall, and how long after it ends the engine may
/// still wait because the service told it to (or a request in flight had yet to time
/// out). The API has no rate-limit reset header: a 429 says `Retry-After` or nothing.
fn fault(outage: Outage) -> (go::Route, go::FaultKind, Duration) {
    use go::{FaultKind as K, Route as R};
    match outage {
        Outage::RateLimitedWithReset => (
            R::Any,
            K::RateLimited {
                retry_after_secs: Some(60),
            },
            Duration::from_secs(60),
        ),
        Outage::RateLimitedWithRetryAfter => (
            R::Any,
            K::RateLimited {
                retry_after_secs: Some(30),
            },
            Duration::from_secs(30),
        ),
        Outage::RateLimitedBare => (
            R::Any,
            K::RateLimited {
                retry_after_secs: None,
            },
            Duration::ZERO,
        ),
        Outage::ServerError(status) => (R::Any, K::ServerError(status), Duration::ZERO),
        // Polls only, as on PagerDuty (see `pagerduty::fault`).
        Outage::Timeout => (
            R::ListAlertGroups,
            K::Latency { millis: 20_000 },
            REQUEST_TIMEOUT,
        ),
        Outage::DroppedConnection => (R::Any, K::DropConnection, Duration::ZERO),
        Outage::MalformedBody => (R::ListAlertGroups, K::MalformedBody, Duration::ZERO),
    }
}

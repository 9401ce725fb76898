//! A fake PagerDuty: the REST API v2 subset oncall-tray uses plus Events API v2, served
//! over loopback HTTP, for the client's tests, benchmarks and the app's demo mode.
//! On-calls come from a schedule model on the fake's clock (layers of users taking turns,
//! overrides on top, the last created winning), so `/oncalls`, `/schedules` and
//! `/escalation_policies` agree on who is on call now and next.
//! Incidents keep a log (one entry per change), notes, the alert their trigger made and
//! the responder requests made on them; updates reassign to users or escalation policies,
//! escalate to a level (whose on-call people become the assignees) and change urgency.
//!
//! The fake is *spec-faithful* rather than convenient: response bodies follow PagerDuty's
//! OpenAPI document (the tests validate them against it), errors carry PagerDuty's codes,
//! every REST response carries the `ratelimit-*` headers, and `last_status_change_at`
//! moves only when the status does. A client that works against the fake should therefore
//! work against PagerDuty, and one that mishandles an edge case (1002 on a double ack, a
//! 429 without headers, a proxy's HTML 502) can be shown doing so.
//!
//! Three ways in, one state:
//! - the test helpers on [`FakePagerDuty`] (`trigger`, `acknowledge`, `inject`, …), which
//!   simulate what happens elsewhere (on the phone, in the web UI, in the network);
//! - the HTTP API a client under test talks to ([`FakePagerDuty::serve`]);
//! - test-control HTTP routes under `/_fake/` for other processes (see `routes::control`).
//!
//! Time comes from a replaceable clock ([`FakePagerDuty::set_clock`]) so tests can share
//! the engine's paused clock; nothing here runs on a timer (snoozes expire when observed).

pub mod demo;
mod error;
mod events;
mod faults;
mod json;
mod query;
mod ratelimit;
mod routes;
mod state;
mod types;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use oncall_fake_service::{lock, FakeCore};
use oncall_model::Urgency;

pub use faults::{Fault, FaultKind, Route};
pub use oncall_fake_service::{Clock, RecordedRequest, RunningFake};
pub use types::{
    EscalationPolicySpec, EscalationTarget, FakeAlert, FakeIncident, FakeLogEntry, FakeNote,
    FakeOnCall, FakeOverride, FakeResponderRequest, LayerSpec, LogKind, NewIncident,
    ResponderTarget, ScheduleSpec, DEFAULT_SERVICE_ID,
};

use crate::error::ApiError;
use crate::ratelimit::RateLimiter;
use crate::state::{Agent, State};

/// Cheap-to-clone handle to the fake's shared state. Clones share everything: a test keeps
/// one handle while the server task holds another.
#[derive(Clone)]
pub struct FakePagerDuty {
    shared: Arc<Shared>,
}

/// Each part has its own lock because each is touched independently (logging a request
/// need not wait for an incident update).
///
/// These are `std::sync::Mutex`es on purpose: every critical section is a short,
/// synchronous read or update, and no lock is ever held across an `.await` (handlers copy
/// what they need out of the state and release the guard before sleeping, streaming or
/// writing a response). An async mutex would only add overhead. A poisoned lock (a test
/// helper that panicked) is recovered, since every update leaves the state consistent.
struct Shared {
    /// The account: users, services, incidents, on-calls.
    state: Mutex<State>,
    /// The clock (read before `state` is locked), every request received and the injected
    /// failures waiting for matching requests.
    core: FakeCore<Route, FaultKind>,
    /// Per-token request budget.
    limiter: Mutex<RateLimiter>,
}

impl Default for FakePagerDuty {
    fn default() -> Self {
        Self::new()
    }
}

impl FakePagerDuty {
    /// A fake account seeded with:
    /// - user `PUSER01` "Pat Oncall" `pat@example.com`, API token `fake-token-pat`, member of
    ///   team `PTEAM01`;
    /// - user `PUSER02` "Sam Second" `sam@example.com`, API token `fake-token-sam`;
    /// - team `PTEAM01` "Payments", owning service `PSVC001` "Checkout API";
    /// - escalation policy `PEP0001` "Checkout on-call", whose level 1 is schedule `PSCHED1`
    ///   "Primary" with `PUSER01` on call (from 2 h before to 8 h after the first look at
    ///   on-calls or schedules: `GET /oncalls`, a `/schedules` route or a schedule helper)
    ///   and nobody else;
    /// - routing (integration) key `R0UTINGKEY0000000000000000000001` for `PSVC001`.
    pub fn new() -> Self {
        FakePagerDuty {
            shared: Arc::new(Shared {
                state: Mutex::new(State::seeded()),
                core: FakeCore::default(),
                limiter: Mutex::new(RateLimiter::default()),
            }),
        }
    }

    // ----- account setup -----

    /// Adds a user (or replaces the one with that id) whose API token is `token`.
    pub fn add_user(&self, id: &str, name: &str, email: &str, token: &str) {
        lock(&self.shared.state).add_user(id, name, email, token);
    }

    /// Adds a service with its own escalation policy whose level-1 target is `oncall_user`
    /// directly (a permanent on-call), and returns the service's routing key.
    ///
    /// # Panics
    /// If `oncall_user` is not a known user.
    pub fn add_service(&self, id: &str, name: &str, oncall_user: &str) -> String {
        lock(&self.shared.state)
            .add_service(id, name, oncall_user)
            .unwrap_or_else(|e| panic!("FakePagerDuty::add_service({id}): {e}"))
    }

    /// Replaces every on-call shift of `user_id` (including the seeded one for `PUSER01`).
    pub fn set_oncalls(&self, user_id: &str, shifts: Vec<FakeOnCall>) {
        lock(&self.shared.state).set_oncalls(user_id, shifts);
    }

    /// Adds a schedule, or replaces the one with its id (overrides included), e.g. a
    /// rotation of several users with turns of a few minutes for a demo. A policy pages it
    /// once [`FakePagerDuty::add_escalation_policy`] names it.
    ///
    /// # Panics
    /// If a user is unknown or a turn lasts 0 s.
    pub fn add_schedule(&self, spec: ScheduleSpec) {
        let id = spec.id.clone();
        self.with_state(|state, now| {
            state.anchor_seeded_schedule(now);
            state.add_schedule(spec)
        })
        .unwrap_or_else(|e| panic!("FakePagerDuty::add_schedule({id}): {e}"));
    }

    /// Adds an escalation policy or replaces the one with its id (replacing `PEP0001`
    /// changes whom `PSVC001`'s incidents and the seeded on-calls go to).
    ///
    /// # Panics
    /// If a target user or schedule is unknown.
    pub fn add_escalation_policy(&self, spec: EscalationPolicySpec) {
        let id = spec.id.clone();
        lock(&self.shared.state)
            .add_policy(spec)
            .unwrap_or_else(|e| panic!("FakePagerDuty::add_escalation_policy({id}): {e}"));
    }

    /// Adds an override to a schedule as someone would in the web UI (the last created wins
    /// where overrides overlap) and returns its id.
    ///
    /// # Panics
    /// If the schedule or user is unknown, or `end` is not after `start`.
    pub fn add_override(
        &self,
        schedule_id: &str,
        user_id: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> String {
        self.with_state(|state, now| {
            state.anchor_seeded_schedule(now);
            state.add_override(schedule_id, user_id, start, end)
        })
        .unwrap_or_else(|e| panic!("FakePagerDuty::add_override({schedule_id}): {e}"))
    }

    /// The overrides of a schedule, in creation order (deleted ones gone, truncated ones
    /// with their new end); empty for an unknown schedule.
    pub fn overrides(&self, schedule_id: &str) -> Vec<FakeOverride> {
        self.with_state(|state, _| state.override_snapshots(schedule_id))
    }

    /// Sets the per-token budget (default 960 requests per rolling minute of the fake's clock).
    pub fn set_rate_limit(&self, per_minute: u32) {
        lock(&self.shared.limiter).set_limit(per_minute);
    }

    /// Replaces the clock (default `Utc::now`); tests pass the engine's clock so that the
    /// fake and the app agree on time.
    pub fn set_clock(&self, clock: Clock) {
        self.shared.core.set_clock(clock);
    }

    // ----- serving -----

    /// Binds `addr` (use `127.0.0.1:0` for a free port) and serves in a spawned task until
    /// [`RunningFake::shutdown`] or until the `RunningFake` is dropped.
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<RunningFake> {
        let fake = self.clone();
        oncall_fake_service::serve(addr, "fake PagerDuty", |url| {
            lock(&fake.shared.state).base_url = url.to_string();
            routes::router(fake)
        })
        .await
    }

    // ----- what happens elsewhere -----

    /// Triggers an incident and returns its id (`Q0000000000001`, …). With the `dedup_key`
    /// of an open incident on the same service, nothing is created and that incident's id
    /// is returned.
    ///
    /// # Panics
    /// If the service or an assignee does not exist.
    pub fn trigger(&self, new: NewIncident) -> String {
        let title = new.title.clone();
        self.with_state(|state, now| state.trigger(new, now))
            .unwrap_or_else(|e| panic!("FakePagerDuty::trigger({title:?}): {e}"))
    }

    /// Acknowledges as `user_id` would from the web UI or phone.
    ///
    /// # Panics
    /// If the incident or user does not exist, or the incident is not triggered.
    pub fn acknowledge(&self, id: &str, user_id: &str) {
        self.with_state(|state, now| {
            if state.user(user_id).is_none() {
                return Err(ApiError::assignee_not_found(user_id));
            }
            state.acknowledge(id, Agent::User(user_id.to_string()), now)
        })
        .unwrap_or_else(|e| panic!("FakePagerDuty::acknowledge({id}): {e}"));
    }

    /// Resolves as the service's monitoring would (the agent is the service).
    ///
    /// # Panics
    /// If the incident does not exist or is already resolved.
    pub fn resolve(&self, id: &str) {
        self.with_state(|state, now| {
            let service = state
                .incident(id)
                .map(|i| i.service_id.clone())
                .unwrap_or_default();
            state.resolve(id, Agent::Service(service), now)
        })
        .unwrap_or_else(|e| panic!("FakePagerDuty::resolve({id}): {e}"));
    }

    /// Returns an acknowledged incident to triggered, as an acknowledgement timeout or the
    /// end of a snooze does; `last_status_change_at` becomes now.
    ///
    /// # Panics
    /// If the incident does not exist or is not acknowledged.
    pub fn retrigger(&self, id: &str) {
        self.with_state(|state, now| state.retrigger(id, now))
            .unwrap_or_else(|e| panic!("FakePagerDuty::retrigger({id}): {e}"));
    }

    /// Replaces the assignees (each assignment `at` now). An acknowledged incident goes
    /// back to triggered, as on PagerDuty.
    ///
    /// # Panics
    /// If the incident or a user does not exist, `user_ids` is empty, or it is resolved.
    pub fn reassign(&self, id: &str, user_ids: &[&str]) {
        let users: Vec<String> = user_ids.iter().map(|u| u.to_string()).collect();
        self.with_state(|state, now| {
            let by = state.service_agent(id)?;
            state.reassign(id, &users, &by, now)
        })
        .unwrap_or_else(|e| panic!("FakePagerDuty::reassign({id}): {e}"));
    }

    /// Changes the urgency (not the status: `last_status_change_at` stays).
    ///
    /// # Panics
    /// If the incident does not exist.
    pub fn set_urgency(&self, id: &str, urgency: Urgency) {
        self.with_state(|state, now| {
            let by = state.service_agent(id)?;
            state.set_urgency(id, urgency, &by, now)
        })
        .unwrap_or_else(|e| panic!("FakePagerDuty::set_urgency({id}): {e}"));
    }

    /// Adds a note as `user_id` would from the web UI, and returns its id.
    ///
    /// # Panics
    /// If the incident does not exist or the text is empty.
    pub fn add_note(&self, id: &str, user_id: &str, text: &str) -> String {
        self.with_state(|state, now| state.add_note(id, user_id, text, now))
            .map(|note| note.id)
            .unwrap_or_else(|e| panic!("FakePagerDuty::add_note({id}): {e}"))
    }

    // ----- inspection -----

    /// The incident's notes, oldest first; empty for an unknown incident.
    pub fn notes(&self, id: &str) -> Vec<FakeNote> {
        self.with_state(|state, _| state.incident(id).map(|i| i.notes.clone()))
            .unwrap_or_default()
    }

    /// The incident's log, oldest first (one entry per change); empty for an unknown one.
    pub fn log_entries(&self, id: &str) -> Vec<FakeLogEntry> {
        self.with_state(|state, _| state.incident(id).map(|i| i.log.clone()))
            .unwrap_or_default()
    }

    /// The alerts grouped into the incident (its trigger's).
    pub fn alerts(&self, id: &str) -> Vec<FakeAlert> {
        self.with_state(|state, _| state.incident(id).map(|i| i.alerts.clone()))
            .unwrap_or_default()
    }

    /// The responder requests made on the incident, oldest first.
    pub fn responder_requests(&self, id: &str) -> Vec<FakeResponderRequest> {
        self.with_state(|state, _| state.incident(id).map(|i| i.responder_requests.clone()))
            .unwrap_or_default()
    }

    /// The id of the escalation policy a service's incidents go to.
    pub fn escalation_policy_of(&self, service_id: &str) -> Option<String> {
        self.with_state(|state, _| {
            state
                .service(service_id)
                .map(|s| s.escalation_policy_id.clone())
        })
    }

    pub fn incident(&self, id: &str) -> Option<FakeIncident> {
        self.with_state(|state, _| state.snapshot(id))
    }

    /// Every incident, in creation order.
    pub fn incidents(&self) -> Vec<FakeIncident> {
        self.with_state(|state, _| state.snapshots())
    }

    /// Every open (triggered or acknowledged) incident, in creation order: cheaper than
    /// [`FakePagerDuty::incidents`] once many have been resolved.
    pub fn open_incidents(&self) -> Vec<FakeIncident> {
        self.with_state(|state, _| state.open_snapshots())
    }

    /// Every API request received, in order (test-control `/_fake/` requests excluded).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.core.requests()
    }

    /// How many API requests are in the log: a position in it, without copying it.
    pub fn request_count(&self) -> usize {
        self.shared.core.request_count()
    }

    /// The requests from position `start` of the log on (see [`FakePagerDuty::request_count`]).
    pub fn requests_from(&self, start: usize) -> Vec<RecordedRequest> {
        self.shared.core.requests_from(start)
    }

    pub fn clear_requests(&self) {
        self.shared.core.clear_requests();
    }

    /// Keeps no request from now on (see `FakeCore::stop_recording_requests`).
    pub fn stop_recording_requests(&self) {
        self.shared.core.stop_recording_requests();
    }

    /// Queues a fault; queued faults are consumed in order by the requests they match.
    pub fn inject(&self, fault: Fault) {
        self.shared.core.inject(fault);
    }

    /// Drops every queued fault, used up or not (an outage that ends at a chosen moment
    /// is a fault injected `u32::MAX` times, then cleared).
    pub fn clear_faults(&self) {
        self.shared.core.clear_faults();
    }

    // ----- internals shared with the routes -----

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.shared.core.now()
    }

    /// Runs `f` on the state after expiring snoozes, with the current time. Every read and
    /// write of incidents goes through here, which is what makes snooze expiry exact.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State, DateTime<Utc>) -> R) -> R {
        let now = self.now();
        let mut state = lock(&self.shared.state);
        state.expire_snoozes(now);
        f(&mut state, now)
    }

    /// The request log and fault queue, for the front middleware.
    pub(crate) fn core(&self) -> &FakeCore<Route, FaultKind> {
        &self.shared.core
    }

    pub(crate) fn count_request(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<ratelimit::Quota, ratelimit::Quota> {
        lock(&self.shared.limiter).check(token, now)
    }
}

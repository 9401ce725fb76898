//! A fake Jira Service Management Operations: the alert and schedule subset oncall-tray
//! uses, served over loopback HTTP, for the JSM client's tests, the engine's scenarios
//! and demos. One server plays both hosts an account talks to: the Jira site
//! (`GET /_edge/tenant_info` → `{"cloudId": CLOUD_ID}`, no credentials) and Atlassian's
//! API gateway (`/jsm/ops/api/{CLOUD_ID}/v1/…` and the Jira platform's
//! `/ex/jira/{CLOUD_ID}/rest/api/3/myself`), where every route checks basic auth
//! (`EMAIL:API_TOKEN`, 401 otherwise).
//!
//! Reference: <https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/>. What
//! it documents is modelled as documented (the conformance tests check every answer
//! against the documented shapes, written there as JSON Schemas citing their pages):
//! - `GET …/v1/alerts` with `query`, `offset`, `size` (1–100, default 20), `sort`,
//!   `order`; answered `{values, links: {next}}`, `links.next` a path below the cloud's
//!   base (`/v1/alerts?…`, as the documented examples' links are) while more remain. The
//!   sum of `offset` and `size` must be lower than 20,000 (400 otherwise).
//! - Actions are asynchronous: `POST …/v1/alerts/{id}/acknowledge|unacknowledge|close|
//!   snooze|notes` answers 202 with a request id, and `GET …/v1/alerts/requests/{id}`
//!   the documented status object `{action, processedAt, integrationId, isSuccess,
//!   status, alertId, alias}`.
//! - `GET …/v1/schedules` (`{values, links}`), `…/{id}/timeline`, `…/{id}/on-calls`
//!   (`onCallParticipants`, or `onCallUsers` with `flat=true`) and
//!   `POST …/{id}/overrides` (`responder`, `startDate`, `endDate`).
//!
//! # Where the reference is silent (Opsgenie's behaviour, the API's origin, is modelled)
//! - An alert's fields beyond `id`, `tinyId`, `createdAt`, `updatedAt`, `message` carry
//!   Opsgenie's names and meaning (`status`, `acknowledged`, `snoozed`, `snoozedUntil`,
//!   `owner`, `priority`, `tags`, `responders`, `report.ackTime`, `count`,
//!   `lastOccurredAt`); the list has no `count`.
//! - The 202 body is `{result, took, requestId}`; a request not yet processed answers
//!   404 "Request not found. It might not be processed, yet."; by default a request is
//!   processed as soon as it is accepted ([`FakeJsm::hold_processing`] keeps them
//!   waiting). Failures read "Alert does not exist", "Alert is already closed" (any
//!   action, a note too), "Alert is already acknowledged", "Alert is not acknowledged",
//!   "End time should be in the future". An action's `note` is added to the alert's notes.
//! - Action bodies: `note`, `source`; snooze needs `endTime`. A snooze that ends sets
//!   `snoozed` false and keeps `snoozedUntil`; `updatedAt` becomes the end.
//! - Error bodies are the gateway's `{"code": status, "message": …}`.
//! - The timeline is Opsgenie's shape without its `data` envelope:
//!   `{startDate, endDate, finalTimeline: {rotations: [{id, name, order, periods:
//!   [{startDate, endDate, type, responder: {type, id}}]}]}}`; overrides apply to every
//!   rotation, the last created winning; the override's 201 echoes it with its `alias`.
//! - `myself` answers `{accountId, emailAddress, displayName, …}` for the signed-in user.
//!
//! Not modelled: creating or deleting alerts over HTTP (tests call
//! [`FakeJsm::create_alert`]), `GET …/v1/alerts/{id}`, notes and logs listing, teams,
//! escalations, routing, time restrictions, time zones (everything is UTC), paging of
//! schedules, `OR`/`NOT` in queries.
//!
//! Time comes from a replaceable clock ([`FakeJsm::set_clock`]); nothing runs on a timer
//! (snoozes end when observed).

mod faults;
mod query;
mod roster;
mod routes;
mod state;
mod types;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use oncall_fake_service::{lock, FakeCore};

pub use faults::{Fault, FaultKind, Route};
pub use oncall_fake_service::{Clock, RecordedRequest, RunningFake};
pub use types::{
    FakeAlert, FakeNote, FakeOverride, FakeUser, NewAlert, RequestOutcome, RotationSpec,
    ScheduleSpec,
};

use crate::roster::{Rotation, Schedule};
use crate::state::{Action, State};

/// The Atlassian account the fake signs in (it is public: loopback only).
pub const EMAIL: &str = "pat@example.com";
/// That account's API token.
pub const API_TOKEN: &str = "fake-atlassian-token-0001";
/// The fake site's cloud id.
pub const CLOUD_ID: &str = "0c5e4b8a-3f2d-4a77-9d1e-5f3a2b1c0d9e";
/// Teammates every fake has, for rotations (they cannot sign in).
pub const TEAMMATES: [&str; 2] = ["sam@example.com", "alex@example.com"];
/// The API lists no alert at or beyond this offset + size.
pub const LIST_LIMIT: usize = 20_000;

/// Cheap-to-clone handle to the fake's shared state.
#[derive(Clone)]
pub struct FakeJsm {
    shared: Arc<Shared>,
}

/// `std::sync::Mutex`es on purpose: every critical section is short and synchronous and
/// none is held across an `.await`.
struct Shared {
    state: Mutex<State>,
    /// The clock, the request log and the fault queue.
    core: FakeCore<Route, FaultKind>,
}

impl Default for FakeJsm {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeJsm {
    /// A site with no alerts or schedules, whose user [`EMAIL`] signs in with
    /// [`API_TOKEN`], and the [`TEAMMATES`].
    pub fn new() -> Self {
        let mut state = State::new();
        state.add_user(EMAIL, "Pat Example", Some(API_TOKEN));
        state.add_user(TEAMMATES[0], "Sam Example", None);
        state.add_user(TEAMMATES[1], "Alex Example", None);
        FakeJsm {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                core: FakeCore::default(),
            }),
        }
    }

    /// Replaces the clock (default `Utc::now`).
    pub fn set_clock(&self, clock: Clock) {
        self.shared.core.set_clock(clock);
    }

    /// Makes `links.next` absolute URLs on `url` (no trailing slash) instead of the
    /// documented relative paths, e.g. to test that a client refuses another origin.
    pub fn set_public_url(&self, url: &str) {
        lock(&self.shared.state).public_url = Some(url.trim_end_matches('/').to_owned());
    }

    /// Binds `addr` (use `127.0.0.1:0`) and serves until [`RunningFake::shutdown`] or drop.
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<RunningFake> {
        let fake = self.clone();
        oncall_fake_service::serve(addr, "fake JSM", |_| routes::router(fake)).await
    }

    // ----- what happens elsewhere -----

    /// Creates an alert as an integration would and returns its id.
    ///
    /// # Panics
    /// If [`NewAlert::id`] names an alert that exists.
    pub fn create_alert(&self, new: NewAlert) -> String {
        self.with_state(|state, now| state.create(new, now))
    }

    /// Acknowledges as `who` (an e-mail) would from the web UI or phone.
    ///
    /// # Panics
    /// If the alert does not exist, is closed or is already acknowledged.
    pub fn acknowledge_elsewhere(&self, id: &str, who: &str) {
        self.elsewhere(id, Action::Acknowledge, who, "acknowledge_elsewhere");
    }

    /// Withdraws an acknowledgement as `who` would.
    ///
    /// # Panics
    /// If the alert does not exist, is closed or is not acknowledged.
    pub fn unacknowledge_elsewhere(&self, id: &str, who: &str) {
        self.elsewhere(id, Action::Unacknowledge, who, "unacknowledge_elsewhere");
    }

    /// Closes as `who` (or the monitoring integration) would.
    ///
    /// # Panics
    /// If the alert does not exist or is already closed.
    pub fn close_elsewhere(&self, id: &str, who: &str) {
        self.elsewhere(id, Action::Close, who, "close_elsewhere");
    }

    /// Snoozes until `until` as `who` would.
    ///
    /// # Panics
    /// If the alert does not exist or is closed, or `until` has passed.
    pub fn snooze_elsewhere(&self, id: &str, until: DateTime<Utc>, who: &str) {
        self.elsewhere(id, Action::Snooze(until), who, "snooze_elsewhere");
    }

    fn elsewhere(&self, id: &str, action: Action, who: &str, what: &str) {
        self.with_state(|state, now| state.act(id, &action, who, now))
            .unwrap_or_else(|e| panic!("FakeJsm::{what}({id}): {e}"));
    }

    // ----- asynchronous processing -----

    /// While held, accepted requests stay unprocessed (their status answers 404) and the
    /// alerts do not change. Releasing processes everything pending.
    pub fn hold_processing(&self, hold: bool) {
        self.with_state(|state, now| {
            state.hold = hold;
            if !hold {
                state.process_pending(now);
            }
        });
    }

    /// Processes every accepted request now (also while held).
    pub fn process_pending(&self) {
        self.with_state(|state, now| state.process_pending(now));
    }

    /// Makes the next processed request fail with `status` as its text (`isSuccess`
    /// false), changing nothing: a refusal the documents do not list.
    pub fn fail_next_request(&self, status: &str) {
        self.with_state(|state, _| state.fail_next = Some(status.to_owned()));
    }

    /// The outcome of a processed request.
    pub fn request_outcome(&self, request_id: &str) -> Option<RequestOutcome> {
        self.with_state(|state, _| state.processed.get(request_id).cloned())
    }

    // ----- people and schedules -----

    /// Adds a user of the site (or renames the one with that e-mail) and returns their
    /// Atlassian account id. They cannot sign in.
    pub fn add_user(&self, email: &str, display_name: &str) -> String {
        self.with_state(|state, _| state.add_user(email, display_name, None))
    }

    /// The user with that e-mail (any case).
    pub fn user(&self, email: &str) -> Option<FakeUser> {
        self.with_state(|state, _| state.user_by_email(email).cloned())
    }

    /// Adds a schedule and returns its id.
    ///
    /// # Panics
    /// If a participant is not a user of the site or a turn lasts no time.
    pub fn add_schedule(&self, spec: ScheduleSpec) -> String {
        self.with_state(|state, _| {
            let id = state.new_id("5c4e");
            let mut rotations = Vec::new();
            for rotation in spec.rotations {
                assert!(
                    rotation.turn > chrono::Duration::zero(),
                    "FakeJsm::add_schedule({}): a turn must last",
                    spec.name
                );
                let people = rotation
                    .people
                    .iter()
                    .map(|email| {
                        state
                            .user_by_email(email)
                            .map(|u| u.account_id.clone())
                            .unwrap_or_else(|| {
                                panic!("FakeJsm::add_schedule({}): no user {email}", spec.name)
                            })
                    })
                    .collect();
                rotations.push(Rotation {
                    id: state.new_id("r07a"),
                    name: rotation.name,
                    people,
                    turn: rotation.turn,
                    start: rotation.start,
                });
            }
            state.roster.schedules.push(Schedule {
                id: id.clone(),
                name: spec.name,
                rotations,
                overrides: Vec::new(),
            });
            id
        })
    }

    /// The overrides of a schedule, in creation order; empty for an unknown one.
    pub fn overrides(&self, schedule_id: &str) -> Vec<FakeOverride> {
        self.with_state(|state, _| {
            state
                .roster
                .schedule(schedule_id)
                .map(|s| s.overrides.clone())
                .unwrap_or_default()
        })
    }

    /// The account ids on call in a schedule at `at`; empty for an unknown one.
    pub fn on_call_at(&self, schedule_id: &str, at: DateTime<Utc>) -> Vec<String> {
        self.with_state(|state, _| {
            state
                .roster
                .schedule(schedule_id)
                .map(|s| s.on_call_at(at))
                .unwrap_or_default()
        })
    }

    // ----- inspection -----

    pub fn alert(&self, id: &str) -> Option<FakeAlert> {
        self.with_state(|state, _| state.alert(id).cloned())
    }

    /// Every alert, in creation order.
    pub fn alerts(&self) -> Vec<FakeAlert> {
        self.with_state(|state, _| state.alerts.clone())
    }

    /// Every request received (the site's too), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.core.requests()
    }

    /// How many requests are in the log: a position in it, without copying it.
    pub fn request_count(&self) -> usize {
        self.shared.core.request_count()
    }

    /// The requests from position `start` of the log on (see [`FakeJsm::request_count`]).
    pub fn requests_from(&self, start: usize) -> Vec<RecordedRequest> {
        self.shared.core.requests_from(start)
    }

    pub fn clear_requests(&self) {
        self.shared.core.clear_requests();
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

    /// Now, to the millisecond.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let now = self.shared.core.now();
        DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
    }

    /// Runs `f` on the state after ending the snoozes whose time has come.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State, DateTime<Utc>) -> R) -> R {
        let now = self.now();
        let mut state = lock(&self.shared.state);
        state.expire_snoozes(now);
        f(&mut state, now)
    }

    pub(crate) fn core(&self) -> &FakeCore<Route, FaultKind> {
        &self.shared.core
    }
}

//! A fake Opsgenie: the Alert API v2 subset oncall-tray uses, served over loopback HTTP,
//! for the Opsgenie client's tests and for demos.
//!
//! Spec-faithful rather than convenient: bodies follow the Opsgenie Swagger document
//! (the conformance tests validate them against it), every response carries `took` and
//! `requestId`, and actions are **asynchronous** as on Opsgenie: a `POST` answers
//! `202 {result:"Request will be processed"}` and its outcome (including "Alert does not
//! exist") is only visible through `GET /v2/alerts/requests/{requestId}`. By default a
//! request is processed as soon as it is accepted; [`FakeOpsgenie::hold_processing`]
//! keeps requests unprocessed (the status route answers 404 "Request not found. It might
//! not be processed, yet.") until [`FakeOpsgenie::process_pending`].
//!
//! Implemented: `GET /v2/alerts` (query, offset, limit 1..100 default 20, sort, order,
//! `paging` links), `GET /v2/alerts/{identifier}` (identifierType id|alias|tiny),
//! `POST /v2/alerts`, `POST /v2/alerts/{identifier}/acknowledge|unacknowledge|close|snooze`,
//! `…/notes` (add a note), `…/escalate` (to an escalation by id or name: recorded, and
//! added to the responders) and `…/assign` (to a user by id or username: the `owner`
//! becomes their username), `…/responders` (one user, team, escalation or schedule by id
//! or name), `GET /v2/alerts/{identifier}/notes` and `…/logs` (offset
//! paging, newest first by default) and `GET /v2/alerts/requests/{requestId}`. An
//! action's `note` is added to the alert's notes; every change writes a log line. The
//! query language is the subset in `query.rs`; unknown terms are ignored. Authentication: `Authorization: GenieKey <key>`
//! with a key from [`FakeOpsgenie::new`]'s list ([`API_KEY`]) or [`FakeOpsgenie::add_api_key`].
//!
//! Schedules (`roster/`): users ([`FakeOpsgenie::add_user`]) and schedules of rotations
//! running side by side ([`FakeOpsgenie::add_schedule`]), with overrides, rendered on the
//! fake's clock. Routes: `GET /v2/schedules` (`expand=rotation`), `GET
//! /v2/schedules/{identifier}` and `…/timeline` (`identifierType` id|name; `interval`,
//! `intervalUnit`, `date`, `expand=base,override,forwarding`), `GET /v2/schedules/on-calls`,
//! `…/{identifier}/on-calls` and `…/next-on-calls` (`scheduleIdentifierType`, `flat`,
//! `date`), overrides `POST`, `GET` (list and by alias), `PUT` and `DELETE` by alias,
//! `GET /v2/users` (`query`: see `routes/users.rs`), `GET /v2/users/{identifier}` (id or
//! username) and `…/schedules`, `GET /v2/escalations` ([`FakeOpsgenie::add_escalation`])
//! and `GET /v2/teams` ([`FakeOpsgenie::add_team`]). They need a key with
//! configuration access; one without it ([`FakeOpsgenie::add_restricted_api_key`], an
//! Alert-API-only integration) gets 403 there (Opsgenie's wording for it is not documented).
//! Not modelled: time restrictions, forwarding (its timeline is always empty), team
//! members and routing (an alert's `teams` are the ids of its team responders),
//! escalation rules and time zones (every time is rendered in UTC).
//!
//! Decisions where Opsgenie's documents say nothing, so the client must cope either way:
//! acknowledging an acknowledged alert fails with "Alert is already acknowledged",
//! un-acknowledging an unacknowledged one with "Alert is not acknowledged", and any
//! action on a closed alert (a note too) with "Alert is already closed"; escalating to an
//! unknown escalation fails with "Escalation [x] does not exist", assigning to an unknown
//! user with "User [x] does not exist" (a responder likewise: "Team [x] …"); adding a
//! responder the alert already has succeeds and changes nothing. A snooze that ends sets
//! `snoozed` false and keeps `snoozedUntil`; `updatedAt` becomes the end time.
//! Un-acknowledging keeps `report.ackTime`.
//!
//! Time comes from a replaceable clock ([`FakeOpsgenie::set_clock`]); nothing runs on a
//! timer (snoozes expire when observed).

mod faults;
mod history;
mod query;
mod roster;
mod routes;
mod state;
mod targets;
mod types;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use oncall_fake_service::{lock, FakeCore};

pub use faults::{Fault, FaultKind, Route};
pub use oncall_fake_service::{Clock, RecordedRequest, RunningFake};
pub use types::{
    FakeAlert, FakeEscalation, FakeLogEntry, FakeNote, FakeResponder, FakeScheduleOverride,
    FakeTeam, FakeUser, NewAlert, OverrideTaker, RequestOutcome, RotationSpec, ScheduleSpec,
    TurnLength,
};

use crate::roster::OverrideRequest;
use crate::state::{Action, ApiKey, State};

/// The API key the fake accepts out of the box (it is public: loopback only).
pub const API_KEY: &str = "fake-genie-key-0001";

/// Cheap-to-clone handle to the fake's shared state.
#[derive(Clone)]
pub struct FakeOpsgenie {
    shared: Arc<Shared>,
}

/// `std::sync::Mutex`es on purpose: every critical section is short and synchronous and
/// none is held across an `.await` (handlers copy what they need and drop the guard).
struct Shared {
    state: Mutex<State>,
    /// The clock (read before `state` is locked), the request log and the fault queue.
    core: FakeCore<Route, FaultKind>,
}

impl Default for FakeOpsgenie {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeOpsgenie {
    /// An account with no alerts, users or schedules that accepts [`API_KEY`] (with
    /// configuration access).
    pub fn new() -> Self {
        FakeOpsgenie {
            shared: Arc::new(Shared {
                state: Mutex::new(State::new(vec![ApiKey {
                    key: API_KEY.to_string(),
                    configuration_access: true,
                }])),
                core: FakeCore::default(),
            }),
        }
    }

    /// Accepts `key` for every route, as an API integration with configuration access.
    pub fn add_api_key(&self, key: &str) {
        self.push_api_key(key, true);
    }

    /// Accepts `key` for the Alert API only: schedule and user routes answer 403, as for
    /// an API integration whose configuration access is restricted (Opsgenie's default).
    pub fn add_restricted_api_key(&self, key: &str) {
        self.push_api_key(key, false);
    }

    fn push_api_key(&self, key: &str, configuration_access: bool) {
        lock(&self.shared.state).api_keys.push(ApiKey {
            key: key.to_string(),
            configuration_access,
        });
    }

    /// Replaces the clock (default `Utc::now`).
    pub fn set_clock(&self, clock: Clock) {
        self.shared.core.set_clock(clock);
    }

    /// Makes `paging` links point at `url` (no trailing slash) instead of the served
    /// address, e.g. to test that a client refuses links to another origin.
    pub fn set_public_url(&self, url: &str) {
        let mut state = lock(&self.shared.state);
        state.public_url = url.trim_end_matches('/').to_string();
        state.public_url_overridden = true;
    }

    /// Binds `addr` (use `127.0.0.1:0`) and serves until [`RunningFake::shutdown`] or drop.
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<RunningFake> {
        let fake = self.clone();
        oncall_fake_service::serve(addr, "fake Opsgenie", |url| {
            {
                let mut state = lock(&fake.shared.state);
                if !state.public_url_overridden {
                    state.public_url = url.to_string();
                }
            }
            routes::router(fake)
        })
        .await
    }

    // ----- what happens elsewhere -----

    /// Creates an alert as an integration would and returns its id; with the alias of an
    /// open alert, that alert's `count` grows instead and its id is returned.
    pub fn create_alert(&self, new: NewAlert) -> String {
        self.with_state(|state, now| state.create(new, now))
    }

    /// Acknowledges as `user` would from the web UI or phone.
    ///
    /// # Panics
    /// If the alert does not exist, is closed or is already acknowledged.
    pub fn acknowledge_elsewhere(&self, id: &str, user: &str) {
        self.elsewhere(id, Action::Acknowledge, user, "acknowledge_elsewhere");
    }

    /// Withdraws an acknowledgement as `user` would.
    ///
    /// # Panics
    /// If the alert does not exist, is closed or is not acknowledged.
    pub fn unacknowledge_elsewhere(&self, id: &str, user: &str) {
        self.elsewhere(id, Action::Unacknowledge, user, "unacknowledge_elsewhere");
    }

    /// Snoozes until `until` as `user` would.
    ///
    /// # Panics
    /// If the alert does not exist or is closed.
    pub fn snooze_elsewhere(&self, id: &str, until: DateTime<Utc>, user: &str) {
        self.elsewhere(id, Action::Snooze(until), user, "snooze_elsewhere");
    }

    /// Closes as the monitoring integration would.
    ///
    /// # Panics
    /// If the alert does not exist or is already closed.
    pub fn close(&self, id: &str) {
        self.elsewhere(id, Action::Close, state::INTEGRATION_NAME, "close");
    }

    /// Marks the alert seen; only `isSeen` and `updatedAt` change.
    ///
    /// # Panics
    /// If the alert does not exist.
    pub fn mark_seen(&self, id: &str) {
        let found = self.with_state(|state, now| state.mark_seen(id, now));
        assert!(found, "FakeOpsgenie::mark_seen({id}): no such alert");
    }

    /// Adds a note as `user` would from the web UI or phone.
    ///
    /// # Panics
    /// If the alert does not exist or is closed.
    pub fn add_note_elsewhere(&self, id: &str, note: &str, user: &str) {
        let found = self.with_state(|state, now| {
            state.act_elsewhere_with_note(id, Action::AddNote, note, user, now)
        });
        found.unwrap_or_else(|e| panic!("FakeOpsgenie::add_note_elsewhere({id}): {e}"));
    }

    fn elsewhere(&self, id: &str, action: Action, user: &str, what: &str) {
        self.with_state(|state, now| state.act_elsewhere(id, action, user, now))
            .unwrap_or_else(|e| panic!("FakeOpsgenie::{what}({id}): {e}"));
    }

    // ----- people and schedules -----

    /// Adds a user (or updates the one with that username) and returns its id.
    pub fn add_user(&self, username: &str, full_name: &str, time_zone: &str) -> String {
        self.with_state(|state, _| state.roster.add_user(username, full_name, time_zone))
    }

    /// The user with that id or username.
    pub fn user(&self, identifier: &str) -> Option<FakeUser> {
        self.with_state(|state, _| state.roster.user(identifier).cloned())
    }

    /// Adds a schedule and returns its id, e.g. a rotation of several users whose turns
    /// last minutes ([`TurnLength::Minutes`]) for a demo.
    ///
    /// # Panics
    /// If a participant is unknown, a turn lasts no time, a rotation ends before it
    /// starts, or a schedule already has that name.
    pub fn add_schedule(&self, spec: ScheduleSpec) -> String {
        let name = spec.name.clone();
        self.with_state(|state, _| state.roster.add_schedule(spec))
            .unwrap_or_else(|e| panic!("FakeOpsgenie::add_schedule({name}): {}", e.message()))
    }

    /// Adds an override to the schedule with that id or name as someone would in the web
    /// UI (for every rotation, `user` by id or username, `None` for nobody) and returns
    /// its generated alias.
    ///
    /// # Panics
    /// If the schedule or user is unknown, or `end` is not after `start`.
    pub fn add_override(
        &self,
        schedule: &str,
        user: Option<&str>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> String {
        self.with_state(|state, _| {
            let roster = &mut state.roster;
            let by_name = roster.schedule(schedule, false).is_err();
            let taker = match user {
                Some(user) => roster.taker(user)?,
                None => OverrideTaker::Nobody,
            };
            let request = OverrideRequest {
                taker,
                start,
                end,
                rotations: Vec::new(),
            };
            roster.create_override(schedule, by_name, None, request)
        })
        .unwrap_or_else(|e| panic!("FakeOpsgenie::add_override({schedule}): {}", e.message()))
    }

    /// The overrides of the schedule with that id or name, in creation order (deleted
    /// ones gone, updated ones as they are now); empty for an unknown schedule.
    pub fn overrides(&self, schedule: &str) -> Vec<FakeScheduleOverride> {
        self.with_state(|state, _| {
            let roster = &state.roster;
            roster
                .schedule(schedule, false)
                .or_else(|_| roster.schedule(schedule, true))
                .map(|s| s.overrides.clone())
                .unwrap_or_default()
        })
    }

    /// Adds an escalation (or updates the one with that name) and returns its id: what
    /// "escalate" can send an alert to.
    pub fn add_escalation(&self, name: &str, description: &str) -> String {
        self.with_state(|state, _| state.targets.add_escalation(name, description))
    }

    /// Every escalation, in creation order.
    pub fn escalations(&self) -> Vec<FakeEscalation> {
        self.with_state(|state, _| state.targets.escalations.clone())
    }

    /// Adds a team (or updates the one with that name) and returns its id: a responder
    /// an alert can be routed to.
    pub fn add_team(&self, name: &str, description: &str) -> String {
        self.with_state(|state, _| state.targets.add_team(name, description))
    }

    /// Every team, in creation order.
    pub fn teams(&self) -> Vec<FakeTeam> {
        self.with_state(|state, _| state.targets.teams.clone())
    }

    /// The alert's responders, in the order they were added; empty for an unknown alert.
    pub fn responders(&self, id: &str) -> Vec<FakeResponder> {
        self.alert(id).map(|a| a.responders).unwrap_or_default()
    }

    // ----- asynchronous processing -----

    /// While held, accepted requests stay unprocessed: their status is 404 "not processed
    /// yet" and the alerts do not change. Releasing processes everything pending.
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

    /// The outcome of a processed request.
    pub fn request_outcome(&self, request_id: &str) -> Option<RequestOutcome> {
        self.with_state(|state, _| state.request(request_id).cloned())
    }

    // ----- inspection -----

    pub fn alert(&self, id: &str) -> Option<FakeAlert> {
        self.with_state(|state, _| state.alert(id))
    }

    /// Every alert, in creation order.
    pub fn alerts(&self) -> Vec<FakeAlert> {
        self.with_state(|state, _| state.alerts())
    }

    /// The alert's notes, oldest first; empty for an unknown alert.
    pub fn notes(&self, id: &str) -> Vec<FakeNote> {
        self.alert(id).map(|a| a.notes).unwrap_or_default()
    }

    /// The alert's log lines, oldest first; empty for an unknown alert.
    pub fn log(&self, id: &str) -> Vec<FakeLogEntry> {
        self.alert(id).map(|a| a.log).unwrap_or_default()
    }

    /// The username of the alert's owner; `None` for an unknown or unowned alert.
    pub fn owner(&self, id: &str) -> Option<String> {
        self.alert(id)
            .map(|a| a.owner)
            .filter(|owner| !owner.is_empty())
    }

    /// The ids of the escalations the alert was escalated to, in order.
    pub fn escalations_of(&self, id: &str) -> Vec<String> {
        self.alert(id).map(|a| a.escalations).unwrap_or_default()
    }

    /// Every API request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.core.requests()
    }

    pub fn clear_requests(&self) {
        self.shared.core.clear_requests();
    }

    /// Queues a fault; queued faults are consumed in order by the requests they match.
    pub fn inject(&self, fault: Fault) {
        self.shared.core.inject(fault);
    }

    // ----- internals shared with the routes -----

    /// Now, to the millisecond (Opsgenie's timestamps have milliseconds).
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let now = self.shared.core.now();
        DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
    }

    /// Runs `f` on the state after expiring snoozes.
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
}

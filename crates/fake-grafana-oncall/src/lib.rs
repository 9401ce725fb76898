//! A fake Grafana OnCall: the HTTP API subset oncall-tray uses, served over loopback for
//! the Grafana OnCall client's tests, the engine's scenarios and demos. Grafana Cloud IRM
//! answers the same API.
//!
//! Shaped by the API reference (`grafana-oncall/*.md`; the conformance tests compare
//! every answer with its documented examples): pages of 50 (`count`, `next`, `previous`,
//! `results`, `current_page_number`, `page_size`, `total_pages`) with absolute `next`
//! links, `Authorization: <key>` with no scheme word ([`API_KEY`], the current user's,
//! or [`FakeGrafanaOnCall::add_user`]'s keys), errors as `{"detail": "…"}`.
//!
//! Implemented: `GET /api/v1/users/current/`, `/api/v1/users/` (`username`),
//! `/api/v1/users/{id}/`; `GET /api/v1/alert_groups/` (filters `state`, `id`,
//! `integration_id`, `route_id`, `team_id`, `label` (repeatable, all must match); newest
//! first), `GET /api/v1/alert_groups/{id}`, `POST /api/v1/alert_groups/{id}/acknowledge`,
//! `unacknowledge`, `resolve`, `unresolve`, `silence` (`{"delay": seconds}`, `-1`
//! forever), `unsilence` (200, no body); `POST`/`GET /api/v1/resolution_notes/` (filter
//! `alert_group_id`) and `GET …/{id}/`; `GET /api/v1/schedules/` (`name`, `team_id`),
//! `…/{id}/`, `…/{id}/final_shifts?start_date=…&end_date=…` (both required, at most 365
//! days apart; the turns from the start date's midnight to the end date's end, UTC);
//! `GET /api/v1/on_call_shifts/` (`schedule_id`, `name`) and `…/{id}/`. A schedule is one
//! rotation ([`ScheduleSpec`]), served as type `calendar` whose one on-call shift is of
//! type `rolling_users`.
//!
//! Decisions where the reference says nothing (the client copes either way): a group
//! nobody acted on answers `state: "firing"` (as `escalation.md`'s answers show; the
//! filter calls it `new`); an action the state forbids is 400 with Grafana OnCall's
//! words ("Can't acknowledge an acknowledged alert group", "Can't unacknowledge a
//! non-acknowledged alert group", "… a resolved alert group", "Can't unsilence a
//! non-silenced alert group"); silencing takes back an acknowledgement first, and a
//! silence that ends (or is lifted) leaves the group new, with `silenced_at` cleared.
//! Not modelled: escalation chains and notifications, alerts beyond each group's first,
//! teams and integrations as API objects (the integration list is not in the reference),
//! iCal schedules, overrides, time zones (everything is UTC), writes to schedules and
//! shifts, and the rate limit itself (inject [`FaultKind::RateLimited`]).
//!
//! Time comes from a replaceable clock ([`FakeGrafanaOnCall::set_clock`]); nothing runs on
//! a timer (silences end when observed).

mod faults;
mod json;
mod roster;
mod routes;
mod state;
mod types;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use oncall_fake_service::{lock, FakeCore};

pub use faults::{Fault, FaultKind, Route};
pub use json::PAGE_SIZE;
pub use oncall_fake_service::{Clock, RecordedRequest, RunningFake};
pub use types::{
    FakeAlertGroup, FakeResolutionNote, FakeUser, GroupState, NewAlertGroup, ScheduleSpec,
};

use crate::state::{ApiKey, Change, ScheduleRecord, State};

/// The current user's API key (it is public: loopback only).
pub const API_KEY: &str = "fake-grafana-oncall-key-0001";
/// The current user: the one [`API_KEY`] belongs to.
pub const USER_ID: &str = "UFAKE00000001";
pub const USER_EMAIL: &str = "pat@example.com";
pub const USER_NAME: &str = "pat";

/// Cheap-to-clone handle to the fake's shared state.
#[derive(Clone)]
pub struct FakeGrafanaOnCall {
    shared: Arc<Shared>,
}

/// `std::sync::Mutex`es on purpose: every critical section is short and synchronous and
/// none is held across an `.await`.
struct Shared {
    state: Mutex<State>,
    /// The clock (read before `state` is locked), the request log and the fault queue.
    core: FakeCore<Route, FaultKind>,
}

impl Default for FakeGrafanaOnCall {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeGrafanaOnCall {
    /// An organisation with the current user ([`USER_ID`], key [`API_KEY`]), one
    /// integration and nothing else.
    pub fn new() -> Self {
        let key = ApiKey {
            key: API_KEY.to_owned(),
            user_id: USER_ID.to_owned(),
        };
        let user = FakeUser {
            id: USER_ID.to_owned(),
            username: USER_NAME.to_owned(),
            email: USER_EMAIL.to_owned(),
        };
        FakeGrafanaOnCall {
            shared: Arc::new(Shared {
                state: Mutex::new(State::new(key, user)),
                core: FakeCore::default(),
            }),
        }
    }

    pub(crate) fn core(&self) -> &FakeCore<Route, FaultKind> {
        &self.shared.core
    }

    /// Replaces the clock (default `Utc::now`).
    pub fn set_clock(&self, clock: Clock) {
        self.shared.core.set_clock(clock);
    }

    /// Makes `next` links and permalinks point at `url` (no trailing slash) instead of
    /// the served address, e.g. to test that a client refuses links to another origin.
    pub fn set_public_url(&self, url: &str) {
        let mut state = lock(&self.shared.state);
        state.public_url = url.trim_end_matches('/').to_owned();
        state.public_url_overridden = true;
    }

    /// Binds `addr` (use `127.0.0.1:0`) and serves until [`RunningFake::shutdown`] or drop.
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<RunningFake> {
        let fake = self.clone();
        oncall_fake_service::serve(addr, "fake Grafana OnCall", |url| {
            {
                let mut state = lock(&fake.shared.state);
                if !state.public_url_overridden {
                    state.public_url = url.to_owned();
                }
            }
            routes::router(fake)
        })
        .await
    }

    // ----- the organisation -----

    /// Adds a user whose API key is `key`; returns their id.
    pub fn add_user(&self, username: &str, email: &str, key: &str) -> String {
        let mut state = lock(&self.shared.state);
        let id = state.new_id('U');
        state.users.push(FakeUser {
            id: id.clone(),
            username: username.to_owned(),
            email: email.to_owned(),
        });
        state.keys.push(ApiKey {
            key: key.to_owned(),
            user_id: id.clone(),
        });
        id
    }

    /// Adds an integration (alert groups name it by id); returns its id.
    pub fn add_integration(&self, name: &str) -> String {
        lock(&self.shared.state).add_integration(name)
    }

    /// Adds a schedule of one rotation; returns its id.
    pub fn add_schedule(&self, spec: ScheduleSpec) -> String {
        let mut state = lock(&self.shared.state);
        let id = state.new_id('S');
        let shift_id = state.new_id('O');
        state.schedules.push(ScheduleRecord {
            id: id.clone(),
            shift_id,
            spec,
        });
        id
    }

    // ----- what happens elsewhere -----

    /// Creates an alert group as an integration would; returns its id.
    pub fn create_alert_group(&self, new: NewAlertGroup) -> String {
        let now = self.core().now();
        lock(&self.shared.state).create(new, now)
    }

    /// The group as it is now (a silence whose end has come is lifted first).
    pub fn alert_group(&self, id: &str) -> Option<FakeAlertGroup> {
        let now = self.core().now();
        let mut state = lock(&self.shared.state);
        state.expire_silences(now);
        state.group(id).cloned()
    }

    /// Every resolution note of the group, oldest first.
    pub fn resolution_notes(&self, alert_group_id: &str) -> Vec<FakeResolutionNote> {
        lock(&self.shared.state)
            .notes
            .iter()
            .filter(|n| n.alert_group_id == alert_group_id)
            .cloned()
            .collect()
    }

    /// Acknowledges as user `who` (an id) would in the web UI.
    ///
    /// # Panics
    /// If the group does not exist or its state forbids it.
    pub fn acknowledge_elsewhere(&self, id: &str, who: &str) {
        self.elsewhere(id, Change::Acknowledge, who);
    }

    /// Takes back an acknowledgement as `who` would. Panics as
    /// [`Self::acknowledge_elsewhere`].
    pub fn unacknowledge_elsewhere(&self, id: &str, who: &str) {
        self.elsewhere(id, Change::Unacknowledge, who);
    }

    /// Resolves as `who` would. Panics as [`Self::acknowledge_elsewhere`].
    pub fn resolve_elsewhere(&self, id: &str, who: &str) {
        self.elsewhere(id, Change::Resolve, who);
    }

    /// Silences for `seconds` as `who` would. Panics as [`Self::acknowledge_elsewhere`].
    pub fn silence_elsewhere(&self, id: &str, seconds: i64, who: &str) {
        self.elsewhere(id, Change::Silence(Some(seconds)), who);
    }

    fn elsewhere(&self, id: &str, change: Change, who: &str) {
        let now = self.core().now();
        if let Err(refusal) = lock(&self.shared.state).change(id, change, who, now) {
            panic!("{change:?} of alert group {id} refused: {refusal:?}");
        }
    }

    // ----- requests and faults -----

    /// Queues a fault; queued faults are consumed in order by the requests they match.
    pub fn inject(&self, fault: Fault) {
        self.core().inject(fault);
    }

    pub fn clear_faults(&self) {
        self.core().clear_faults();
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.core().requests()
    }

    /// How many requests were received: a position for [`Self::requests_from`].
    pub fn request_count(&self) -> usize {
        self.core().request_count()
    }

    pub fn requests_from(&self, start: usize) -> Vec<RecordedRequest> {
        self.core().requests_from(start)
    }

    pub fn clear_requests(&self) {
        self.core().clear_requests();
    }

    /// "Now" on the fake's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.core().now()
    }
}

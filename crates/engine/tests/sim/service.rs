//! The incident service a run plays against, behind one small trait: what the driver
//! needs of a fake to make the script happen (trigger, acknowledge, resolve or re-trigger
//! elsewhere, faults, a revoked token), to read its ground truth (the open incidents, my
//! shifts) and to read the engine's requests on its wire (which carry my presses, and
//! whether they were answered). One module per service says how that service does it.
//!
//! The ground truth is the fake's state, never what the engine was told: a run is
//! judged against what the service did.

use std::sync::Arc;
use std::time::Duration;

use oncall_engine::TestClock;
use oncall_fake_pagerduty::RecordedRequest;
use oncall_model::{Status, Urgency};
use oncall_store::AccountConfig;

use super::history::{Shift, Time, UserVerb};
use super::script::Outage;

mod grafana_oncall;
mod jsm;
mod pagerduty;

/// Which fake a run plays against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServiceKind {
    PagerDuty,
    Jsm,
    GrafanaOnCall,
}

impl ServiceKind {
    /// The name the table and the replay hint use (`SIM_PROVIDER`).
    pub fn name(self) -> &'static str {
        match self {
            ServiceKind::PagerDuty => "pagerduty",
            ServiceKind::Jsm => "jsm",
            ServiceKind::GrafanaOnCall => "grafana-oncall",
        }
    }

    /// What of the script the service has a counterpart for.
    pub fn scope(self) -> Scope {
        match self {
            ServiceKind::PagerDuty => Scope {
                low_urgency: true,
                colleagues: true,
                reassign: true,
                urgency_change: true,
                services: true,
                exact_names: true,
                ack_times_kept: true,
            },
            ServiceKind::Jsm => Scope {
                low_urgency: true,
                colleagues: true,
                reassign: false,
                urgency_change: false,
                services: true,
                exact_names: false,
                ack_times_kept: true,
            },
            ServiceKind::GrafanaOnCall => Scope {
                low_urgency: false,
                colleagues: true,
                reassign: false,
                urgency_change: false,
                services: true,
                exact_names: false,
                ack_times_kept: false,
            },
        }
    }
}

/// What of the script a service has an honest counterpart for; the generator leaves out
/// (or maps) the rest, and the oracle judges only what the service can show.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// Incidents of low urgency exist (else every trigger is high).
    pub low_urgency: bool,
    /// Incidents that fire for a colleague, and that are not mine.
    pub colleagues: bool,
    /// An incident can be escalated or reassigned to me and away.
    pub reassign: bool,
    /// An open incident's urgency can change.
    pub urgency_change: bool,
    /// Incidents carry one of two services the user can mute.
    pub services: bool,
    /// The service names each trigger episode itself (PagerDuty's
    /// `last_status_change_at` and assignment time, to the whole second), so a page is
    /// matched to its episode by that name; otherwise the client derives the name and a
    /// page is matched by when it rang (`oracle.rs`).
    pub exact_names: bool,
    /// An acknowledgement leaves a trace in what the service answers after it is taken
    /// back (PagerDuty's status change time, JSM's `report.ackTime`), so a re-trigger
    /// no poll saw coming is a new episode all the same. Grafana OnCall clears its
    /// `acknowledged_at`: there nothing tells the two apart.
    pub ack_times_kept: bool,
}

/// An open incident as the service has it now.
#[derive(Debug, Clone)]
pub struct Truth {
    pub id: String,
    pub status: Status,
    /// Assigned to me (PagerDuty), or listed by my account's query (the others).
    pub mine: bool,
    pub urgency: Urgency,
    /// Acknowledged in a way that can end in a re-trigger (PagerDuty: acknowledged; the
    /// others: acknowledged, not snoozed or silenced).
    pub retriggerable: bool,
    /// When its status last changed, exactly (a snooze's end included).
    pub status_changed_at: Time,
}

/// Who an incident is reassigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assign {
    Me,
    MeAndColleague,
    Colleague,
}

/// A fake incident service on loopback, as the simulation drives it.
pub trait Service: Send {
    /// The run's account on this service (the driver sets its poll interval and shift
    /// reminder).
    fn account(&self) -> AccountConfig;
    /// The token the service accepts at the start.
    fn first_token(&self) -> &'static str;
    /// The name the engine knows one of the script's two services by (a mute names it).
    fn service_name(&self, service: u8) -> String;

    /// An incident fires on `service`, for me or a colleague; returns its id.
    fn trigger(&self, urgency: Urgency, mine: bool, service: u8) -> String;
    /// Many incidents at once, acknowledged by me: one, low urgency where that exists.
    fn flood_one(&self) -> String;
    /// Every open incident, in a fixed order (`pick` counts in it).
    fn open_incidents(&self) -> Vec<Truth>;
    fn urgency(&self, id: &str) -> Urgency;
    fn is_resolved(&self, id: &str) -> bool;

    fn acknowledge_elsewhere(&self, id: &str, by_me: bool);
    fn resolve_elsewhere(&self, id: &str);
    /// An acknowledged incident needs attention again (PagerDuty: its ack timeout ends;
    /// the others: someone un-acknowledges it).
    fn retrigger(&self, id: &str);
    /// Only where [`Scope::reassign`].
    fn reassign(&self, id: &str, to: Assign);
    /// Only where [`Scope::urgency_change`].
    fn set_urgency(&self, id: &str, urgency: Urgency);

    /// Starts an outage of that kind (until [`Service::clear_faults`]); returns how long
    /// after it ends the engine may still wait because the service told it to (or a
    /// request in flight had yet to time out).
    fn start_outage(&self, outage: Outage) -> Duration;
    fn clear_faults(&self);
    /// The service stops taking the token the app has.
    fn revoke_token(&self);
    /// The token the service takes now, which the user stores.
    fn new_token(&self) -> String;

    /// How many requests are in the log.
    fn request_count(&self) -> usize;
    fn requests_from(&self, start: usize) -> Vec<RecordedRequest>;
    /// Whether the request lists open incidents (a poll, or a page of one; where a poll
    /// reads several lists, the last of them).
    fn is_poll(&self, request: &RecordedRequest) -> bool;
    /// The (incident, verb) pairs one request shows the service carried out: what it
    /// asked for, answered 2xx, where the answer is the outcome (PagerDuty); a request
    /// status read back as processed successfully where writes are asynchronous (JSM,
    /// whose 202 only accepts: a repeated acknowledge is accepted, then refused).
    fn carried_out(&self, request: &RecordedRequest) -> Vec<(String, UserVerb)>;
    /// The (incident, verb) pairs one request asks the service to carry out.
    fn action_items(&self, request: &RecordedRequest) -> Vec<(String, UserVerb)>;

    /// My shifts that overlap `from..to`, by start, from the schedules the service was
    /// set up with: the ground truth the shift oracle judges notices by.
    fn my_shifts(&self, begin: Time, from: Time, to: Time) -> Vec<Shift>;
}

/// Sets up the fake of `kind` on loopback, its clock the run's, as of `begin`.
pub async fn start(kind: ServiceKind, clock: Arc<TestClock>, begin: Time) -> Box<dyn Service> {
    match kind {
        ServiceKind::PagerDuty => Box::new(pagerduty::PagerDuty::start(clock, begin).await),
        ServiceKind::Jsm => Box::new(jsm::Jsm::start(clock, begin).await),
        ServiceKind::GrafanaOnCall => {
            Box::new(grafana_oncall::GrafanaOnCall::start(clock, begin).await)
        }
    }
}

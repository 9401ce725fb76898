//! What happened in one run, as the oracle reads it: the service's ground truth (trigger
//! episodes that needed me, and when), the windows in which nothing could reach the
//! user, the user's actions with the service's request log, and what reached the screen.
//!
//! Nothing here comes from the engine's state or from `oncall-policy`: the driver fills
//! it from the fake service, from the script, and from the notifier's recording.

use chrono::{DateTime, Utc};
use oncall_fake_pagerduty::RecordedRequest;
use oncall_model::Urgency;

pub type Time = DateTime<Utc>;

/// One trigger episode of one incident, for me: it was triggered and assigned to me from
/// `start` until `end` (acknowledged or resolved anywhere, including by my own press,
/// or reassigned away). Identified by the service's status-change time and the time it
/// was assigned to me, which is also what a notification's incident carries.
#[derive(Debug, Clone)]
pub struct Episode {
    pub incident: String,
    pub status_changed_at: Time,
    pub assigned_to_me_at: Time,
    pub start: Time,
    pub end: Option<Time>,
    /// What ended it, for the failure report.
    pub ended_by: &'static str,
    /// The urgency from each moment on (first entry at `start`).
    pub urgency: Vec<(Time, Urgency)>,
    /// Which of the script's two services it fired on (0 or 1).
    pub service: u8,
}

impl Episode {
    pub fn urgency_at(&self, t: Time) -> Urgency {
        self.urgency
            .iter()
            .take_while(|(at, _)| *at <= t)
            .last()
            .map_or(self.urgency[0].1, |(_, u)| *u)
    }
}

/// Why nothing could reach the user for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// The service failed, or asked us to wait (a 429's reset counts as part of it).
    Outage,
    /// The token was refused.
    Auth,
    /// The laptop slept.
    Asleep,
    /// The app was not running.
    Down,
    /// The user paused notifications (holds pages, not withdrawals).
    Paused,
    /// Notifications did not reach the screen (holds pages and withdrawals alike; the
    /// engine still polls and acts). Ends once the engine's retry could have got through.
    NoScreen,
}

/// A service muted by the user, from `from` until its end or the unmute (`to`).
#[derive(Debug, Clone, Copy)]
pub struct MuteSpan {
    pub service: u8,
    pub from: Time,
    pub to: Time,
}

#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub block: Block,
    pub from: Time,
    pub to: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UserVerb {
    Ack,
    Resolve,
    Snooze,
}

#[derive(Debug, Clone)]
pub struct UserAction {
    pub at: Time,
    pub incident: String,
    pub verb: UserVerb,
    /// The service's request log length when the user pressed: later requests are the
    /// engine's answer to it.
    pub log_position: usize,
}

/// One incident an engine's request asked the service to acknowledge, resolve or snooze
/// (a request acting on several is several).
#[derive(Debug, Clone)]
pub struct Sent {
    /// The request's position in the service's log.
    pub position: usize,
    pub incident: String,
    pub verb: UserVerb,
    /// What the service answered (0: it dropped the connection).
    pub status: u16,
    /// The request shows the action carried out (PagerDuty: answered 2xx; JSM: the
    /// request's status read back as processed successfully), rather than asked for.
    pub carried_out: bool,
}

/// What reached the screen.
#[derive(Debug, Clone)]
pub enum Shown {
    Page {
        incident: String,
        status_changed_at: Time,
        assigned_to_me_at: Option<Time>,
        reason: String,
    },
    Summary {
        id: u64,
        reason: String,
        incidents: Vec<String>,
        /// Each member's episode (status change, assignment to me) as the engine's view
        /// showed it when the summary was handed over; `None` for a summary re-delivered
        /// from the outbox at start-up, before the view can be read.
        episodes: Vec<Option<(Time, Option<Time>)>>,
    },
    WithdrawPage(String),
    WithdrawSummary(u64),
    /// A shift reminder or handover: which moment, of the shift the engine took to run
    /// from `start` to `end`.
    Shift {
        moment: ShiftWord,
        start: Option<Time>,
        end: Option<Time>,
    },
    /// The word on what happened while the user was away.
    WhileAway,
}

/// Which moment of a shift a notice spoke of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShiftWord {
    Reminder,
    Started,
    /// `early`: before its planned end (someone took it over).
    Ended {
        early: bool,
    },
}

impl ShiftWord {
    /// The moment without its details: one notice of each per shift.
    pub fn kind(self) -> &'static str {
        match self {
            ShiftWord::Reminder => "reminder",
            ShiftWord::Started => "started",
            ShiftWord::Ended { .. } => "ended",
        }
    }
}

/// One of my shifts as the service's schedules have it (the ground truth, from the
/// schedules the driver set up, not from what the service answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub start: Time,
    pub end: Time,
}

#[derive(Debug, Clone)]
pub struct Screened {
    pub at: Time,
    /// How many times the engine had lost its memory (corrupt state) before this.
    pub epoch: u32,
    pub shown: Shown,
}

#[derive(Debug, Default)]
pub struct History {
    pub episodes: Vec<Episode>,
    pub windows: Vec<Window>,
    /// The services the user muted, and when.
    pub mutes: Vec<MuteSpan>,
    /// When the engine started without memory (a corrupt state file).
    pub memory_losses: Vec<Time>,
    /// When the run began: the engine's first start, with no memory either.
    pub begin: Option<Time>,
    /// My shifts from a day before the run to a day after it, by start.
    pub shifts: Vec<Shift>,
    pub actions: Vec<UserAction>,
    pub screen: Vec<Screened>,
    pub requests: Vec<RecordedRequest>,
    /// What of `requests` asked the service to carry out an action of mine.
    pub sent: Vec<Sent>,
    pub end: Option<Time>,
    /// Every event played, with when it started: the failure report shows the ones
    /// around a finding.
    pub trace: Vec<(Time, String)>,
}

//! Decides *whether an engineer gets paged*. Pure: no IO, no clock, no randomness, so
//! every rule is tested as a table of (state, snapshot, settings, now) → decisions.
//!
//! The rules, in short:
//! - an incident rings once per trigger episode ([`EpisodeKey`]): when it appears
//!   triggered, re-triggers, or is escalated/reassigned to me;
//! - high urgency rings again every `repeat_high_urgency` until acknowledged; low
//!   urgency rings once, or never;
//! - a notification is withdrawn when its incident is acknowledged, resolved or gone;
//! - more than `storm_threshold` rings in one poll, or more than one on an account's
//!   first poll, become one summary;
//! - a pause holds every ring, quiet hours hold low urgency; held rings are released
//!   when the hold ends, if the incident still needs the user.
//! - an incident kept quiet (its service muted, or a noise rule) is held the same way,
//!   and its notification withdrawn; when it stops being quiet while still triggered it
//!   rings once, unless it already rang in this episode (never a second first ring).
//!
//! Shift reminders and handovers follow their own rules, in [`shifts`].

mod decision;
mod evaluate;
mod settings;
pub mod shifts;
mod state;

pub use decision::{AwayNotice, Decision, NotificationTarget, RingReason, Summary, SummaryReason};
pub use evaluate::{evaluate, Evaluation, Now, Poll};
pub use settings::{LowUrgency, NotifyFor, QuietHours, Settings};
pub use shifts::{
    evaluate_shifts, next_shift_moment, ShiftMoment, ShiftNotice, ShiftRecord, ShiftSettings,
};
pub use state::{
    AccountState, EpisodeKey, Pause, PolicyState, Rung, ShownSummary, SummaryId, Tracked,
};

//! Shift reminders and handovers: when the user's on-call starts (and a while before),
//! and when it ends. Pure, like the paging rules: (memory, the service's shifts if just
//! fetched, settings, now) → notices, and the memory that keeps each from ringing twice,
//! across restarts too (it lives in [`PolicyState`], saved with the outbox).
//!
//! The rules, in short:
//! - the service's rows for one place (policy level and schedule) that touch are one
//!   shift ([`merge`]); a permanent on-call (no start) never rings;
//! - a reminder rings once, `remind_before` ahead of the start (at once if the shift is
//!   first seen later than that, and never once it has started);
//! - "you are on call" rings once when the shift is under way: at its start, or when
//!   the laptop wakes (or the app restarts) inside it; a shift slept through whole rings
//!   nothing, and neither does one under way when an account's shifts are first read;
//! - "your shift ended" rings once for a shift whose start rang: at its end (if noticed
//!   within [`END_NOTICE_WINDOW`]), or when the service stops listing it before its end
//!   (someone took it over);
//! - a shift the service stops listing before it starts is forgotten quietly;
//! - only shifts starting within two days are remembered (the longest reminder is a day).

use chrono::{DateTime, Duration, Utc};
use oncall_model::{AccountId, OnCallShift};
use serde::{Deserialize, Serialize};

use crate::{Decision, PolicyState};

/// An end noticed later than this (the laptop slept through it) is not announced: the
/// news is stale, and "what you missed" tells the rest.
pub const END_NOTICE_WINDOW: Duration = Duration::hours(1);
/// Shifts starting further ahead than this are not remembered yet: the next refresh
/// brings them closer. It exceeds the longest reminder (a day), so no reminder is late;
/// and it keeps the memory (in `state.json`) to a few shifts, not two weeks of a
/// rotation of ten-minute turns.
const REMEMBER_AHEAD: Duration = Duration::days(2);
/// How long an ended shift is remembered, so that a service still listing it (clock
/// skew, a lagging cache) does not make it ring again.
const REMEMBER_ENDED: Duration = Duration::hours(24);

/// One account's shift settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftSettings {
    /// How long before a shift starts to remind; `None`: no reminder.
    pub remind_before: Option<Duration>,
}

/// What the policy remembers of one of the user's shifts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftRecord {
    pub shift: OnCallShift,
    #[serde(default)]
    pub reminded: bool,
    /// Its start is past: "you are on call" rang, or was skipped (slept through).
    #[serde(default)]
    pub started: bool,
    /// Its start rang: its end will.
    #[serde(default)]
    pub start_rang: bool,
    #[serde(default)]
    pub ended: bool,
}

/// Which moment of a shift a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ShiftMoment {
    /// The shift starts soon.
    Reminder,
    /// The shift is under way.
    Started,
    /// The shift is over. `early`: before its planned end (someone took it over).
    /// `open_incidents`: the account's incidents still open then.
    Ended { early: bool, open_incidents: usize },
}

/// A shift notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftNotice {
    pub account: AccountId,
    pub moment: ShiftMoment,
    pub shift: OnCallShift,
    /// When it was decided: a reminder delivered late says "in 3 minutes", not 15.
    pub decided_at: DateTime<Utc>,
}

impl ShiftNotice {
    /// Whether `other` is about the same shift (a newer notice for it replaces one
    /// that still waits).
    pub fn same_shift(&self, other: &ShiftNotice) -> bool {
        self.account == other.account
            && self.shift.place() == other.shift.place()
            && self.shift.start == other.shift.start
    }
}

/// The service's rows as shifts: rows of one place that touch or overlap become one,
/// permanent on-calls (no start) are left out (they never start or end).
pub fn merge(rows: &[OnCallShift]) -> Vec<OnCallShift> {
    let mut rows: Vec<&OnCallShift> = rows.iter().filter(|r| r.start.is_some()).collect();
    rows.sort_by_key(|r| (r.place(), r.start));
    let mut merged: Vec<OnCallShift> = Vec::new();
    for row in rows {
        if let Some(last) = merged.last_mut() {
            // `start` is Some for every row kept above.
            let touches = last.place() == row.place()
                && last
                    .end
                    .is_none_or(|end| row.start.is_some_and(|s| s <= end));
            if touches {
                last.end = match (last.end, row.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                continue;
            }
        }
        merged.push(row.clone());
    }
    merged.sort_by_key(|s| s.start);
    merged
}

/// One step of an account's shift rules. `fetched`: the service's rows, when they were
/// just read (`None`: only time passed). `open_incidents`: the account's incidents
/// open now, for "your shift ended; N are still open".
pub fn evaluate_shifts(
    state: &mut PolicyState,
    account: &AccountId,
    fetched: Option<&[OnCallShift]>,
    settings: ShiftSettings,
    open_incidents: usize,
    now: DateTime<Utc>,
) -> Vec<Decision> {
    // The account's first shifts ever read (a new install, an account just added):
    // one already under way is news to no one, so it does not ring; its end does.
    let first_sight = !state.shifts.contains_key(account);
    let records = state.shifts.entry(account.clone()).or_default();
    let mut notices = Vec::new();
    let mut notice = |moment: ShiftMoment, shift: &OnCallShift| {
        notices.push(Decision::Shift(ShiftNotice {
            account: account.clone(),
            moment,
            shift: shift.clone(),
            decided_at: now,
        }));
    };

    if let Some(rows) = fetched {
        let fresh = merge(rows)
            .into_iter()
            .filter(|s| s.start.is_some_and(|start| start <= now + REMEMBER_AHEAD));
        // Each record's place, worked out once (`place` formats a string).
        let mut places: Vec<String> = records.iter().map(|r| r.shift.place()).collect();
        let mut kept: Vec<ShiftRecord> = Vec::new();
        for shift in fresh {
            // The same shift as remembered: same place and start; or one under way in
            // the same place (its start moved, e.g. an override changed who had it
            // first), which must not start again.
            let place = shift.place();
            let known = records.iter().zip(&places).position(|(r, p)| {
                *p == place
                    && (r.shift.start == shift.start
                        || (r.started && !r.ended && overlaps(&r.shift, &shift)))
            });
            match known {
                Some(index) => {
                    places.swap_remove(index);
                    let mut record = records.swap_remove(index);
                    if !record.ended {
                        record.shift = shift;
                    }
                    kept.push(record);
                }
                None => {
                    let under_way = first_sight && shift.start.is_some_and(|s| s <= now);
                    kept.push(ShiftRecord {
                        shift,
                        reminded: under_way,
                        started: under_way,
                        start_rang: under_way,
                        ended: false,
                    })
                }
            }
        }
        // What the service no longer lists.
        for mut record in records.drain(..) {
            let under_way = record.started && !record.ended;
            let still_planned = record.shift.end.is_none_or(|end| now < end);
            if under_way && still_planned {
                record.ended = true;
                if record.start_rang {
                    let moment = ShiftMoment::Ended {
                        early: true,
                        open_incidents,
                    };
                    notice(moment, &record.shift);
                }
                kept.push(record);
            } else if record.ended || record.started {
                // Over (or about to be found over below): remembered a while.
                kept.push(record);
            }
            // Not started: cancelled or moved, forgotten quietly.
        }
        *records = kept;
    }

    for record in records.iter_mut() {
        let Some(start) = record.shift.start else {
            continue;
        };
        let end = record.shift.end;
        if !record.started && start <= now {
            record.started = true;
            record.reminded = true;
            if end.is_none_or(|end| now < end) {
                record.start_rang = true;
                notice(ShiftMoment::Started, &record.shift);
            } else {
                record.ended = true;
            }
        }
        if !record.started && !record.reminded {
            if let Some(lead) = settings.remind_before {
                if now >= start - lead {
                    record.reminded = true;
                    notice(ShiftMoment::Reminder, &record.shift);
                }
            }
        }
        if record.started && !record.ended {
            if let Some(end) = end.filter(|end| now >= *end) {
                record.ended = true;
                if record.start_rang && now - end <= END_NOTICE_WINDOW {
                    let moment = ShiftMoment::Ended {
                        early: false,
                        open_incidents,
                    };
                    notice(moment, &record.shift);
                }
            }
        }
    }
    records.retain(|r| !r.ended || r.shift.end.is_some_and(|end| now - end <= REMEMBER_ENDED));
    records.sort_by_key(|r| r.shift.start);
    // An account with no shifts keeps its (empty) entry: it is no longer a first sight.
    notices
}

/// When the account's next shift moment is due (a reminder, a start, an end), so the
/// engine can wake for it rather than poll the clock.
pub fn next_shift_moment(
    state: &PolicyState,
    account: &AccountId,
    settings: ShiftSettings,
) -> Option<DateTime<Utc>> {
    let records = state.shifts.get(account)?;
    records
        .iter()
        .filter_map(|r| {
            let start = r.shift.start?;
            if !r.started {
                let reminder = settings
                    .remind_before
                    .filter(|_| !r.reminded)
                    .map(|lead| start - lead);
                Some(reminder.map_or(start, |at| at.min(start)))
            } else if !r.ended {
                r.shift.end
            } else {
                None
            }
        })
        .min()
}

fn overlaps(a: &OnCallShift, b: &OnCallShift) -> bool {
    let starts_before_end = |x: &OnCallShift, y: &OnCallShift| match (x.start, y.end) {
        (Some(start), Some(end)) => start < end,
        _ => true,
    };
    starts_before_end(a, b) && starts_before_end(b, a)
}

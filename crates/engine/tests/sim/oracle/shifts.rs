//! The shift rules, written from issue 15 and the rules the shift policy's module
//! documentation states (not from its code), judged against the ground truth of my
//! shifts (the schedules the driver set up):
//! - *Never twice*: one reminder, one "you are on call" and one "your shift ended" per
//!   shift, across restarts too; only a lost state file (a new epoch) may repeat one.
//! - *In place*: a reminder shows within the reminder lead before its shift starts
//!   (never once it has started), "you are on call" while the shift lasts, "your shift
//!   ended" after its end (there are no overrides in the run, so no early end) and
//!   within [`END_NOTICE_WINDOW`] of noticing it, itself within that of the end; and
//!   each is about a shift of mine, with its real start and end.
//! - *Never missed*: a moment the engine knew of and could ring shows within [`PROMPT`].
//!   It knew of a reminder or a start when, since it last started without memory (the
//!   first start, a lost state file) and before the moment, it was free to read my
//!   shifts for [`LEARN`] on end (running, awake, the service reachable, the token
//!   taken): they are read two weeks ahead. It could ring when it was running, awake and
//!   had a screen from the moment to [`PROMPT`] after, with no memory lost by then. A
//!   shift first read under way by an account without memory need not ring "on call",
//!   and may (the oracle does not object). An end is owed when its start rang since the
//!   engine last lost its memory, or when the shift was under way at that loss and read
//!   soon after (its end rings all the same); the end comes from the clock, so the
//!   service need not be reachable then.

use std::collections::BTreeMap;

use chrono::Duration as Span;

use super::{Judge, SLACK};
use crate::sim::history::{Block, Shift, ShiftWord, Shown, Time};

/// How long before a moment the engine must have been free to learn the shift: the
/// engine reads the user's shifts every ten minutes, and at once after a start or a wake.
const LEARN: Span = Span::minutes(11);
/// How soon a moment the app lived through unhindered must show: the engine's timer
/// looks at the clock at least every 30 s, and a notice is delivered at once.
const PROMPT: Span = Span::minutes(2);
/// An end noticed later than this after it is not announced, and a notice of it that
/// waited for the screen longer than this is dropped (the shift rules: stale news).
const END_NOTICE_WINDOW: Span = Span::hours(1);

/// One shift notice that reached the screen.
struct Notice {
    at: Time,
    epoch: u32,
    word: ShiftWord,
    start: Option<Time>,
    end: Option<Time>,
}

impl Judge<'_> {
    pub(super) fn shifts(&mut self) {
        let notices: Vec<Notice> = self
            .history
            .screen
            .iter()
            .filter_map(|s| match &s.shown {
                Shown::Shift { moment, start, end } => Some(Notice {
                    at: s.at,
                    epoch: s.epoch,
                    word: *moment,
                    start: *start,
                    end: *end,
                }),
                _ => None,
            })
            .collect();
        self.shift_notices_once(&notices);
        self.shift_notices_in_place(&notices);
        self.shift_moments_not_missed(&notices);
    }

    fn shift_notices_once(&mut self, notices: &[Notice]) {
        let mut seen: BTreeMap<(u32, &str, Option<Time>), Time> = BTreeMap::new();
        for notice in notices {
            let key = (notice.epoch, notice.word.kind(), notice.start);
            match seen.get(&key) {
                None => {
                    seen.insert(key, notice.at);
                }
                Some(&first) => {
                    self.counts.shift_twice += 1;
                    self.find(
                        notice.at,
                        format!(
                            "shift twice: {} of the shift from {:?} shown at {first} and again at {}",
                            notice.word.kind(),
                            notice.start,
                            notice.at
                        ),
                    );
                }
            }
        }
    }

    fn shift_notices_in_place(&mut self, notices: &[Notice]) {
        let truth: BTreeMap<Time, Shift> =
            self.history.shifts.iter().map(|s| (s.start, *s)).collect();
        let lead = self
            .rules
            .shift_reminder
            .map(|d| Span::from_std(d).unwrap());
        for notice in notices {
            let at = notice.at;
            let shift = notice.start.and_then(|start| truth.get(&start));
            let wrong = match (shift, notice.word) {
                (None, _) => Some("about no shift of mine".to_string()),
                (Some(s), _) if notice.end != Some(s.end) => {
                    Some(format!("with the end {:?}, not {}", notice.end, s.end))
                }
                (Some(s), ShiftWord::Reminder) => match lead {
                    None => Some("though reminders are off".into()),
                    Some(lead) if at < s.start - lead - SLACK => {
                        Some(format!("more than {lead} before the start"))
                    }
                    Some(_) if at >= s.start => Some("once the shift had started".into()),
                    Some(_) => None,
                },
                (Some(s), ShiftWord::Started) => {
                    (at < s.start || at >= s.end).then(|| "outside the shift".to_string())
                }
                (Some(_), ShiftWord::Ended { early: true }) => {
                    Some("as an early end, though no one took the shift over".into())
                }
                (Some(s), ShiftWord::Ended { early: false }) => {
                    if at < s.end {
                        Some("before the shift ended".into())
                    } else if at > s.end + END_NOTICE_WINDOW * 2 {
                        Some("long after the shift ended (stale news)".into())
                    } else {
                        None
                    }
                }
            };
            if let Some(wrong) = wrong {
                self.counts.shift_misplaced += 1;
                self.find(
                    at,
                    format!(
                        "shift misplaced: {:?} of the shift {:?}–{:?} shown at {at}, {wrong}",
                        notice.word, notice.start, notice.end
                    ),
                );
            }
        }
    }

    fn shift_moments_not_missed(&mut self, notices: &[Notice]) {
        let history = self.history;
        let Some(begin) = history.begin else { return };
        // Starts without memory: the first one, and each lost state file.
        let mut amnesia: Vec<Time> = vec![begin];
        amnesia.extend(history.memory_losses.iter().copied());
        amnesia.sort();
        let learning = self.blocked(
            &[Block::Outage, Block::Auth, Block::Asleep, Block::Down],
            &[],
        );
        let ringing = self.blocked(&[Block::Asleep, Block::Down, Block::NoScreen], &[]);
        // The last start without memory at or before `at`.
        let memory_since = |at: Time| amnesia.iter().rev().find(|&&m| m <= at).copied();
        // Whether the engine read my shifts between `from` and `by`: it was free to for
        // [`LEARN`] on end in between.
        let read_between = |from: Time, by: Time| {
            let mut cursor = from;
            for &(a, b) in &learning {
                if b <= cursor {
                    continue;
                }
                if a >= by || a - cursor >= LEARN {
                    break;
                }
                cursor = b;
            }
            by - cursor >= LEARN
        };
        // Whether the engine knew the shift at `moment` and could ring then: it read my
        // shifts after its memory was last lost, keeps that memory past the moment and is
        // running, awake and has a screen from the moment on.
        let knew_and_could_ring = |moment: Time| {
            let ring_by = moment + PROMPT;
            memory_since(ring_by).is_some_and(|m| read_between(m, moment))
                && !ringing.iter().any(|&(a, b)| a <= ring_by && moment <= b)
        };
        let shown = |kind: &str, start: Time, by: Time| {
            notices
                .iter()
                .any(|n| n.word.kind() == kind && n.start == Some(start) && n.at <= by)
        };
        let lead = self
            .rules
            .shift_reminder
            .map(|d| Span::from_std(d).unwrap());
        let mut missed: Vec<(Time, String)> = Vec::new();
        let mut owed = 0;
        let end_of_run = self.end;
        for shift in &history.shifts {
            let mut owe = |kind: &str, moment: Time, why: String| {
                let by = moment + PROMPT + SLACK;
                if by > end_of_run {
                    return;
                }
                owed += 1;
                if !shown(kind, shift.start, by) {
                    missed.push((
                        by,
                        format!(
                            "shift missed: {kind} of the shift {}–{} not shown by {by} ({why})",
                            shift.start, shift.end
                        ),
                    ));
                }
            };
            if let Some(lead) = lead {
                let at = shift.start - lead;
                if knew_and_could_ring(at) {
                    owe("reminder", at, "known before it was due".into());
                }
            }
            if knew_and_could_ring(shift.start) {
                owe("started", shift.start, "known before it started".into());
            }
            let end = shift.end;
            if ringing.iter().any(|&(a, b)| a <= end + PROMPT && end <= b) {
                continue;
            }
            // The engine remembers a start that rang from then to the end, or it first
            // saw the shift under way (after its memory was lost during it): either way
            // its end rings.
            let Some(m) = memory_since(end + PROMPT) else {
                continue;
            };
            let rang = notices.iter().find(|n| {
                n.word == ShiftWord::Started && n.start == Some(shift.start) && m <= n.at
            });
            if let Some(rang) = rang {
                owe("ended", end, format!("its start rang at {}", rang.at));
            } else if shift.start <= m && read_between(m, end) {
                owe("ended", end, format!("first seen under way after {m}"));
            }
        }
        self.shift_moments_owed += owed;
        for (at, what) in missed {
            self.counts.shift_missed += 1;
            self.find(at, what);
        }
    }
}

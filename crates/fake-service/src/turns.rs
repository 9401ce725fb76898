//! People taking turns: the arithmetic of a rotation that both fakes' schedules need
//! (PagerDuty's layers, Opsgenie's rotations), whatever each vendor builds around it.

use chrono::{DateTime, Duration, Utc};

/// `people` take turns of `length`, the first one's first turn starting at
/// `virtual_start` (and the rotation running backwards before it), on duty only within
/// `start..end`.
#[derive(Clone, Copy, Debug)]
pub struct Turns<'a> {
    pub people: &'a [String],
    pub virtual_start: DateTime<Utc>,
    pub length: Duration,
    pub start: DateTime<Utc>,
    /// `None`: never stops.
    pub end: Option<DateTime<Utc>>,
}

impl<'a> Turns<'a> {
    pub fn is_active(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && self.end.is_none_or(|end| at < end)
    }

    /// The index of the turn `at` falls in (negative before the virtual start).
    fn turn(&self, at: DateTime<Utc>) -> i64 {
        (at - self.virtual_start)
            .num_seconds()
            .div_euclid(self.length_seconds())
    }

    fn length_seconds(&self) -> i64 {
        self.length.num_seconds().max(1)
    }

    fn turn_start(&self, turn: i64) -> DateTime<Utc> {
        self.virtual_start + Duration::seconds(turn * self.length_seconds())
    }

    /// Whose turn it is at `at`, if the rotation is on duty then.
    pub fn person_at(&self, at: DateTime<Utc>) -> Option<&'a str> {
        if !self.is_active(at) || self.people.is_empty() {
            return None;
        }
        let index = self.turn(at).rem_euclid(self.people.len() as i64) as usize;
        Some(&self.people[index])
    }

    /// Every point in `(from, to)` where whose turn it is may change (and the rotation's
    /// own edges).
    pub fn cuts(&self, from: DateTime<Utc>, to: DateTime<Utc>, into: &mut Vec<DateTime<Utc>>) {
        into.push(self.start);
        into.extend(self.end);
        let from = from.max(self.start);
        let to = self.end.map_or(to, |end| end.min(to));
        if from >= to {
            return;
        }
        let mut turn = self.turn(from) + 1;
        loop {
            let at = self.turn_start(turn);
            if at >= to {
                break;
            }
            into.push(at);
            turn += 1;
        }
    }

    /// The first point after `after` where whose turn it is may change.
    pub fn next_cut(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if after < self.start {
            return Some(self.start);
        }
        if self.end.is_some_and(|end| after >= end) {
            return None;
        }
        let next = self.turn_start(self.turn(after) + 1);
        Some(self.end.map_or(next, |end| next.min(end)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: i64) -> DateTime<Utc> {
        "2026-12-07T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(hour)
    }

    fn people() -> Vec<String> {
        vec!["ann".into(), "bob".into()]
    }

    #[test]
    fn turns_go_round_from_the_virtual_start_and_only_while_on_duty() {
        let people = people();
        let turns = Turns {
            people: &people,
            virtual_start: at(0),
            length: Duration::hours(4),
            start: at(2),
            end: Some(at(20)),
        };
        assert_eq!(turns.person_at(at(1)), None, "before its start");
        assert_eq!(turns.person_at(at(3)), Some("ann"));
        assert_eq!(turns.person_at(at(4)), Some("bob"));
        assert_eq!(turns.person_at(at(8)), Some("ann"));
        assert_eq!(turns.person_at(at(20)), None, "ended");
        let mut cuts = Vec::new();
        turns.cuts(at(0), at(13), &mut cuts);
        assert_eq!(cuts, [at(2), at(20), at(4), at(8), at(12)]);
        assert_eq!(turns.next_cut(at(0)), Some(at(2)));
        assert_eq!(turns.next_cut(at(5)), Some(at(8)));
        assert_eq!(turns.next_cut(at(17)), Some(at(20)));
        assert_eq!(turns.next_cut(at(21)), None);
    }

    #[test]
    fn before_the_virtual_start_the_rotation_runs_backwards() {
        let people = people();
        let turns = Turns {
            people: &people,
            virtual_start: at(8),
            length: Duration::hours(4),
            start: at(0),
            end: None,
        };
        assert_eq!(turns.person_at(at(5)), Some("bob"));
        assert_eq!(turns.person_at(at(1)), Some("ann"));
    }
}

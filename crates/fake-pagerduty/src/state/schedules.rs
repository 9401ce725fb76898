//! Schedules: layers of users taking turns, plus overrides, rendered into the entries of
//! PagerDuty's final schedule for any time range on the fake's clock.
//!
//! Precedence follows PagerDuty's web UI: a later layer covers an earlier one wherever it
//! has someone on call (outside its `start..end` it leaves the earlier layers showing), and
//! overrides cover every layer, the last created winning where they overlap. Restrictions
//! (on-call only during part of the day) are not modelled.
//!
//! Rendering cuts the range at every point where the answer to "who is on call" may change
//! (turn boundaries, layer and override edges), asks that question once per piece, and
//! merges neighbouring pieces with the same user: one entry per uninterrupted shift.

use chrono::{DateTime, Duration, Utc};
use oncall_fake_service::turns::Turns;

use super::{State, SEEDED_ONCALL};
use crate::error::ApiError;
use crate::types::{FakeOverride, LayerSpec, ScheduleSpec};

/// How far an entry is followed past the range it was asked for (`overflow`, `/oncalls`):
/// PagerDuty looks at most 90 days ahead; a shift longer than that is cut there.
const OVERFLOW_LIMIT_DAYS: i64 = 90;

#[derive(Clone, Debug)]
pub(crate) struct Layer {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: Option<DateTime<Utc>>,
    pub(crate) rotation_virtual_start: DateTime<Utc>,
    pub(crate) turn_length: Duration,
    pub(crate) users: Vec<String>,
}

impl Layer {
    fn turns(&self) -> Turns<'_> {
        Turns {
            people: &self.users,
            virtual_start: self.rotation_virtual_start,
            length: self.turn_length,
            start: self.start,
            end: self.end,
        }
    }

    fn user_at(&self, at: DateTime<Utc>) -> Option<&str> {
        self.turns().person_at(at)
    }

    /// Every point in `(from, to)` where this layer's answer may change.
    fn cuts(&self, from: DateTime<Utc>, to: DateTime<Utc>, into: &mut Vec<DateTime<Utc>>) {
        self.turns().cuts(from, to, into);
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Override {
    pub(crate) id: String,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) user_id: String,
}

impl Override {
    fn covers(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) layers: Vec<Layer>,
    /// In creation order: the last one wins where overrides overlap.
    pub(crate) overrides: Vec<Override>,
}

/// One rendered entry: `user_id` is on call from `start` to `end`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) user_id: String,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
}

/// Which part of a schedule to render.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    /// Layers and overrides: who is actually on call.
    Final,
    /// Overrides only.
    Overrides,
    /// One layer alone (an index into `layers`).
    Layer(usize),
}

impl Schedule {
    /// Who `source` says is on call at `at`.
    fn user_at(&self, source: Source, at: DateTime<Utc>) -> Option<&str> {
        let overridden = || {
            self.overrides
                .iter()
                .rev()
                .find(|o| o.covers(at))
                .map(|o| o.user_id.as_str())
        };
        match source {
            Source::Overrides => overridden(),
            Source::Layer(index) => self.layers.get(index).and_then(|l| l.user_at(at)),
            Source::Final => overridden()
                .or_else(|| self.layers.iter().rev().find_map(|layer| layer.user_at(at))),
        }
    }

    /// The entries of `source` in `[since, until)`, cut at the range's bounds unless
    /// `overflow`, when the first and last are followed to their real start and end (at
    /// most 90 days beyond the range).
    pub(crate) fn render(
        &self,
        source: Source,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        overflow: bool,
    ) -> Vec<Entry> {
        let mut entries = self.render_cut(source, since, until);
        if !overflow {
            return entries;
        }
        if let Some(first) = entries.first_mut() {
            if first.start == since {
                first.start = self.shift_start(source, since, &first.user_id);
            }
        }
        if let Some(last) = entries.last_mut() {
            if last.end == until {
                last.end = self.shift_end(source, until, &last.user_id);
            }
        }
        entries
    }

    /// Where the shift of `user` that is under way at `at` began. A day's look usually
    /// finds it; only a longer shift needs the full 90 days (short turns end within a day,
    /// so the expensive look is only taken for few, long turns).
    fn shift_start(&self, source: Source, at: DateTime<Utc>, user: &str) -> DateTime<Utc> {
        for look in overflow_looks() {
            match self.render_cut(source, at - look, at).last() {
                Some(p) if p.end == at && p.user_id == user => {
                    if p.start > at - look || look == Duration::days(OVERFLOW_LIMIT_DAYS) {
                        return p.start;
                    }
                }
                _ => return at,
            }
        }
        at
    }

    /// Where the shift of `user` that is under way just before `at` ends (see `shift_start`).
    fn shift_end(&self, source: Source, at: DateTime<Utc>, user: &str) -> DateTime<Utc> {
        for look in overflow_looks() {
            match self.render_cut(source, at, at + look).first() {
                Some(n) if n.start == at && n.user_id == user => {
                    if n.end < at + look || look == Duration::days(OVERFLOW_LIMIT_DAYS) {
                        return n.end;
                    }
                }
                _ => return at,
            }
        }
        at
    }

    fn render_cut(&self, source: Source, since: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Entry> {
        if since >= until {
            return Vec::new();
        }
        let mut cuts = vec![since, until];
        let layers: Vec<&Layer> = match source {
            Source::Overrides => Vec::new(),
            Source::Layer(index) => self.layers.get(index).into_iter().collect(),
            Source::Final => self.layers.iter().collect(),
        };
        for layer in layers {
            layer.cuts(since, until, &mut cuts);
        }
        if !matches!(source, Source::Layer(_)) {
            for o in &self.overrides {
                cuts.push(o.start);
                cuts.push(o.end);
            }
        }
        cuts.retain(|at| (since..=until).contains(at));
        cuts.sort();
        cuts.dedup();
        let mut entries: Vec<Entry> = Vec::new();
        for piece in cuts.windows(2) {
            let (start, end) = (piece[0], piece[1]);
            let Some(user) = self.user_at(source, start) else {
                continue;
            };
            match entries.last_mut() {
                Some(last) if last.end == start && last.user_id == user => last.end = end,
                _ => entries.push(Entry {
                    user_id: user.to_string(),
                    start,
                    end,
                }),
            }
        }
        entries
    }

    /// Every user of a layer or an override, in first-seen order.
    pub(crate) fn user_ids(&self) -> Vec<String> {
        let mut users: Vec<String> = Vec::new();
        let all = self
            .layers
            .iter()
            .flat_map(|l| l.users.iter())
            .chain(self.overrides.iter().map(|o| &o.user_id));
        for user in all {
            if !users.contains(user) {
                users.push(user.clone());
            }
        }
        users
    }
}

/// The percentage of `[since, until)` the entries cover.
pub(crate) fn coverage(entries: &[Entry], since: DateTime<Utc>, until: DateTime<Utc>) -> f64 {
    let range = (until - since).num_seconds();
    if range <= 0 {
        return 0.0;
    }
    let covered: i64 = entries
        .iter()
        .map(|e| (e.end.min(until) - e.start.max(since)).num_seconds().max(0))
        .sum();
    covered as f64 * 100.0 / range as f64
}

fn overflow_looks() -> [Duration; 2] {
    [Duration::days(1), Duration::days(OVERFLOW_LIMIT_DAYS)]
}

/// What happened to an override asked to be deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Removal {
    /// It had not started: gone.
    Deleted,
    /// It was under way: it now ends now.
    Truncated,
}

impl State {
    // ----- schedules -----

    pub(crate) fn add_schedule(&mut self, spec: ScheduleSpec) -> Result<(), ApiError> {
        let layers = spec
            .layers
            .into_iter()
            .enumerate()
            .map(|(index, layer)| self.layer(&spec.id, index, layer))
            .collect::<Result<Vec<_>, _>>()?;
        let schedule = Schedule {
            id: spec.id.clone(),
            name: spec.name,
            description: spec.description,
            layers,
            overrides: Vec::new(),
        };
        match self.schedules.iter_mut().find(|s| s.id == spec.id) {
            Some(existing) => *existing = schedule,
            None => self.schedules.push(schedule),
        }
        Ok(())
    }

    fn layer(&self, schedule_id: &str, index: usize, spec: LayerSpec) -> Result<Layer, ApiError> {
        if let Some(unknown) = spec.users.iter().find(|u| self.user(u).is_none()) {
            return Err(ApiError::invalid_input(format!("User {unknown} not found")));
        }
        if spec.turn_length_seconds == 0 {
            return Err(ApiError::invalid_input(
                "a turn must last at least a second",
            ));
        }
        let turn_length = i64::try_from(spec.turn_length_seconds)
            .ok()
            .and_then(Duration::try_seconds)
            .ok_or_else(|| ApiError::invalid_input("the turn is too long"))?;
        Ok(Layer {
            id: format!("{schedule_id}L{}", index + 1),
            name: spec.name.unwrap_or_else(|| format!("Layer {}", index + 1)),
            start: spec.start.unwrap_or(spec.rotation_virtual_start),
            end: spec.end,
            rotation_virtual_start: spec.rotation_virtual_start,
            turn_length,
            users: spec.users,
        })
    }

    /// Fixes the seeded schedule's shift (now - 2h .. now + 8h) the first time schedules
    /// are looked at, so that it follows a clock installed before then and stays put after.
    pub(crate) fn anchor_seeded_schedule(&mut self, now: DateTime<Utc>) {
        let Some(id) = self.seeded_schedule_pending.take() else {
            return;
        };
        let (start, end) = (now - Duration::hours(2), now + Duration::hours(8));
        if let Some(schedule) = self.schedules.iter_mut().find(|s| s.id == id) {
            schedule.layers.push(Layer {
                id: format!("{id}L1"),
                name: "Layer 1".into(),
                start,
                end: Some(end),
                rotation_virtual_start: start,
                turn_length: end - start,
                users: vec![SEEDED_ONCALL.into()],
            });
        }
    }

    pub(crate) fn schedule(&self, id: &str) -> Option<&Schedule> {
        self.schedules.iter().find(|s| s.id == id)
    }

    pub(crate) fn schedules(&self) -> &[Schedule] {
        &self.schedules
    }

    /// Adds an override (the last one wins where overrides overlap) and returns its id.
    pub(crate) fn add_override(
        &mut self,
        schedule_id: &str,
        user_id: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        if end <= start {
            return Err(ApiError::invalid_input("Override must end after its start"));
        }
        if self.user(user_id).is_none() {
            return Err(ApiError::invalid_input(format!("User {user_id} not found")));
        }
        self.next_override_number += 1;
        let id = format!("Q0VR{:010}", self.next_override_number);
        let schedule = self
            .schedules
            .iter_mut()
            .find(|s| s.id == schedule_id)
            .ok_or_else(ApiError::not_found)?;
        schedule.overrides.push(Override {
            id: id.clone(),
            start,
            end,
            user_id: user_id.to_string(),
        });
        Ok(id)
    }

    /// Deletes a future override or cuts an ongoing one at `now`; a past one cannot be
    /// removed (PagerDuty's rule; which status it answers is not documented).
    pub(crate) fn remove_override(
        &mut self,
        schedule_id: &str,
        override_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Removal, ApiError> {
        let schedule = self
            .schedules
            .iter_mut()
            .find(|s| s.id == schedule_id)
            .ok_or_else(ApiError::not_found)?;
        let index = schedule
            .overrides
            .iter()
            .position(|o| o.id == override_id)
            .ok_or_else(ApiError::not_found)?;
        let found = &mut schedule.overrides[index];
        if found.start >= now {
            schedule.overrides.remove(index);
            Ok(Removal::Deleted)
        } else if found.end > now {
            found.end = now;
            Ok(Removal::Truncated)
        } else {
            Err(ApiError::invalid_input("You cannot remove a past override"))
        }
    }

    pub(crate) fn override_snapshots(&self, schedule_id: &str) -> Vec<FakeOverride> {
        self.schedule(schedule_id)
            .map(|s| {
                s.overrides
                    .iter()
                    .map(|o| FakeOverride {
                        id: o.id.clone(),
                        user_id: o.user_id.clone(),
                        start: o.start,
                        end: o.end,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::hours(hour)
    }

    fn rotation(users: &[&str], start: i64, turn_hours: i64, end: Option<i64>) -> Layer {
        Layer {
            id: "L".into(),
            name: "L".into(),
            start: at(start),
            end: end.map(at),
            rotation_virtual_start: at(0),
            turn_length: Duration::hours(turn_hours),
            users: users.iter().map(|u| u.to_string()).collect(),
        }
    }

    fn entry(user: &str, start: i64, end: i64) -> Entry {
        Entry {
            user_id: user.into(),
            start: at(start),
            end: at(end),
        }
    }

    fn schedule(layers: Vec<Layer>) -> Schedule {
        Schedule {
            id: "S".into(),
            name: "S".into(),
            description: String::new(),
            layers,
            overrides: Vec::new(),
        }
    }

    #[test]
    fn turns_rotate_from_the_virtual_start_and_later_layers_cover_earlier_ones() {
        let s = schedule(vec![
            rotation(&["a", "b"], -100, 8, None),
            rotation(&["c"], 10, 100, Some(12)),
        ]);
        assert_eq!(
            s.render(Source::Final, at(4), at(20), false),
            vec![
                entry("a", 4, 8),
                entry("b", 8, 10),
                entry("c", 10, 12),
                entry("b", 12, 16),
                entry("a", 16, 20)
            ]
        );
        // Before the virtual start the rotation runs backwards: turn -1 is b's.
        assert_eq!(
            s.render(Source::Layer(0), at(-8), at(0), false),
            vec![entry("b", -8, 0)]
        );
        assert_eq!(
            s.render(Source::Final, at(9), at(11), true),
            vec![entry("b", 8, 10), entry("c", 10, 12)]
        );
    }

    #[test]
    fn the_last_created_override_wins_and_one_user_merges() {
        let mut s = schedule(vec![rotation(&["a"], 0, 1, None)]);
        s.overrides.push(Override {
            id: "1".into(),
            start: at(2),
            end: at(6),
            user_id: "x".into(),
        });
        s.overrides.push(Override {
            id: "2".into(),
            start: at(4),
            end: at(5),
            user_id: "y".into(),
        });
        assert_eq!(
            s.render(Source::Final, at(0), at(8), false),
            vec![
                entry("a", 0, 2),
                entry("x", 2, 4),
                entry("y", 4, 5),
                entry("x", 5, 6),
                entry("a", 6, 8)
            ]
        );
        assert_eq!(
            s.render(Source::Overrides, at(0), at(8), false),
            vec![entry("x", 2, 4), entry("y", 4, 5), entry("x", 5, 6)]
        );
        let cut = s.render(Source::Final, at(1), at(3), false);
        assert_eq!(cut, vec![entry("a", 1, 2), entry("x", 2, 3)]);
        assert_eq!(coverage(&cut, at(0), at(4)), 50.0);
    }
}

//! Schedules: rotations of people taking turns (`oncall_fake_service::turns`) with
//! overrides on top (the last created wins), rendered on the fake's clock into the
//! timeline and "who is on call" answers.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use oncall_fake_service::turns::Turns;
use serde_json::{json, Value};

use crate::types::FakeOverride;

#[derive(Default)]
pub(crate) struct Roster {
    pub schedules: Vec<Schedule>,
}

pub(crate) struct Schedule {
    pub id: String,
    pub name: String,
    pub rotations: Vec<Rotation>,
    pub overrides: Vec<FakeOverride>,
}

pub(crate) struct Rotation {
    pub id: String,
    pub name: String,
    /// Account ids, in turn order.
    pub people: Vec<String>,
    pub turn: Duration,
    pub start: DateTime<Utc>,
}

impl Rotation {
    fn turns(&self) -> Turns<'_> {
        Turns {
            people: &self.people,
            virtual_start: self.start,
            length: self.turn,
            start: self.start,
            end: None,
        }
    }
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Schedule {
    /// The override (latest created) covering `at`.
    fn override_at(&self, at: DateTime<Utc>) -> Option<&FakeOverride> {
        self.overrides
            .iter()
            .rev()
            .find(|o| o.start <= at && at < o.end)
    }

    /// Who is on call in `rotation` at `at`, and whether by an override.
    fn on_call(&self, rotation: &Rotation, at: DateTime<Utc>) -> Option<(String, bool)> {
        if let Some(o) = self.override_at(at) {
            return Some((o.account_id.clone(), true));
        }
        rotation
            .turns()
            .person_at(at)
            .map(|p| (p.to_owned(), false))
    }

    /// Everyone on call at `at`, each once.
    pub fn on_call_at(&self, at: DateTime<Utc>) -> Vec<String> {
        let mut people: Vec<String> = Vec::new();
        for rotation in &self.rotations {
            if let Some((who, _)) = self.on_call(rotation, at) {
                if !people.contains(&who) {
                    people.push(who);
                }
            }
        }
        people
    }

    /// `ScheduleTimelineResponse` from `from` to `to`: the final timeline, one entry per
    /// rotation, consecutive turns of the same person joined.
    pub fn timeline(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
        let rotations: Vec<Value> = self
            .rotations
            .iter()
            .enumerate()
            .map(|(order, rotation)| {
                json!({
                    "id": rotation.id,
                    "name": rotation.name,
                    "order": order,
                    "periods": self.periods(rotation, from, to),
                })
            })
            .collect();
        json!({
            "startDate": ts(from),
            "endDate": ts(to),
            "finalTimeline": {"rotations": rotations},
        })
    }

    fn periods(&self, rotation: &Rotation, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Value> {
        let mut cuts = vec![from, to];
        rotation.turns().cuts(from, to, &mut cuts);
        for o in &self.overrides {
            cuts.extend([o.start, o.end]);
        }
        cuts.retain(|c| *c >= from && *c <= to);
        cuts.sort();
        cuts.dedup();
        let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>, String, bool)> = Vec::new();
        for pair in cuts.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            let Some((who, by_override)) = self.on_call(rotation, start) else {
                continue;
            };
            match spans.last_mut() {
                Some(last) if last.1 == start && last.2 == who && last.3 == by_override => {
                    last.1 = end
                }
                _ => spans.push((start, end, who, by_override)),
            }
        }
        spans
            .into_iter()
            .map(|(start, end, who, by_override)| {
                json!({
                    "startDate": ts(start),
                    "endDate": ts(end),
                    "type": if by_override { "override" } else { "default" },
                    "responder": {"type": "user", "id": who},
                })
            })
            .collect()
    }
}

impl Roster {
    pub fn schedule(&self, id: &str) -> Option<&Schedule> {
        self.schedules.iter().find(|s| s.id == id)
    }

    pub fn schedule_mut(&mut self, id: &str) -> Option<&mut Schedule> {
        self.schedules.iter_mut().find(|s| s.id == id)
    }

    /// `ListSchedulesResponse`'s entry for a schedule.
    pub fn summary(schedule: &Schedule) -> Value {
        json!({
            "id": schedule.id,
            "name": schedule.name,
            "description": "",
            "timezone": "UTC",
            "enabled": true,
            "rotations": schedule.rotations.iter().map(|r| json!({
                "id": r.id,
                "name": r.name,
                "startDate": ts(r.start),
                "type": "custom",
                "length": r.turn.num_minutes(),
                "participants": r.people.iter()
                    .map(|p| json!({"type": "user", "id": p}))
                    .collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

//! The account's people and schedules: users, schedules of side-by-side rotations, and
//! the overrides laid over them, with the rules Opsgenie applies when they are created,
//! changed and removed. Rendering them into timelines and on-call answers is in
//! `render.rs`, their JSON in `json.rs`.
//!
//! Like the alert state, everything here is synchronous and called under the one state
//! lock; ids come from counters, so runs are reproducible.

mod json;
mod render;

use chrono::{DateTime, Utc};

pub(crate) use json::{
    override_json, participant, schedule_json, schedule_meta, timeline_json, user_json, Expansions,
};

use crate::state::uuid_like;
use crate::types::{
    FakeScheduleOverride, FakeUser, OverrideTaker, RotationSpec, ScheduleSpec, TurnLength,
};

/// Why a request about schedules, users or overrides is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 404 with this message.
    NotFound(String),
    /// 422 with this message.
    Invalid(String),
}

impl Refusal {
    pub(crate) fn message(&self) -> &str {
        match self {
            Refusal::NotFound(m) | Refusal::Invalid(m) => m,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Rotation {
    pub(crate) id: String,
    pub(crate) name: String,
    /// User ids, in turn order.
    pub(crate) participants: Vec<String>,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: Option<DateTime<Utc>>,
    pub(crate) turn: TurnLength,
}

#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) timezone: String,
    pub(crate) enabled: bool,
    pub(crate) rotations: Vec<Rotation>,
    /// In creation order (a replaced one keeps its place): the later one wins where
    /// overrides of the same rotation overlap.
    pub(crate) overrides: Vec<FakeScheduleOverride>,
}

impl Schedule {
    /// Whether the override applies to the rotation (no rotations named: to all).
    pub(crate) fn overrides_rotation(o: &FakeScheduleOverride, rotation: &Rotation) -> bool {
        o.rotation_ids.is_empty() || o.rotation_ids.contains(&rotation.id)
    }

    /// Every user of a rotation or an override, in first-seen order.
    fn user_ids(&self) -> Vec<&str> {
        let mut users: Vec<&str> = Vec::new();
        let participants = self.rotations.iter().flat_map(|r| &r.participants);
        let takers = self.overrides.iter().filter_map(|o| match &o.taker {
            OverrideTaker::User(id) => Some(id),
            OverrideTaker::Nobody => None,
        });
        for user in participants.chain(takers) {
            if !users.contains(&user.as_str()) {
                users.push(user);
            }
        }
        users
    }
}

/// A rotation named by a create or update override request: by id or by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RotationRef {
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
}

/// What a create or update override request asks for, its user already resolved.
#[derive(Clone, Debug)]
pub(crate) struct OverrideRequest {
    pub(crate) taker: OverrideTaker,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) rotations: Vec<RotationRef>,
}

#[derive(Default)]
pub(crate) struct Roster {
    users: Vec<FakeUser>,
    schedules: Vec<Schedule>,
    next_id: u64,
}

impl Roster {
    fn new_id(&mut self, kind: u32) -> String {
        self.next_id += 1;
        uuid_like(kind, self.next_id)
    }

    // ----- users -----

    pub(crate) fn add_user(&mut self, username: &str, full_name: &str, time_zone: &str) -> String {
        if let Some(existing) = self.users.iter_mut().find(|u| u.username == username) {
            existing.full_name = full_name.into();
            existing.time_zone = time_zone.into();
            return existing.id.clone();
        }
        let id = self.new_id(0x10);
        self.users.push(FakeUser {
            id: id.clone(),
            username: username.into(),
            full_name: full_name.into(),
            time_zone: time_zone.into(),
        });
        id
    }

    /// Every user, in the order they were added.
    pub(crate) fn users(&self) -> &[FakeUser] {
        &self.users
    }

    /// The user with that id or username (Opsgenie's user identifier is either).
    pub(crate) fn user(&self, identifier: &str) -> Option<&FakeUser> {
        self.users
            .iter()
            .find(|u| u.id == identifier || u.username == identifier)
    }

    fn user_or_refuse(&self, identifier: &str) -> Result<&FakeUser, Refusal> {
        self.user(identifier)
            .ok_or_else(|| Refusal::Invalid(format!("User [{identifier}] does not exist")))
    }

    /// The schedules in which the user takes turns or holds an override.
    pub(crate) fn schedules_of(&self, user_id: &str) -> Vec<&Schedule> {
        self.schedules
            .iter()
            .filter(|s| s.user_ids().contains(&user_id))
            .collect()
    }

    // ----- schedules -----

    pub(crate) fn add_schedule(&mut self, spec: ScheduleSpec) -> Result<String, Refusal> {
        if self.schedules.iter().any(|s| s.name == spec.name) {
            return Err(Refusal::Invalid(format!(
                "Schedule with name [{}] already exists",
                spec.name
            )));
        }
        let mut rotations = Vec::new();
        for (index, rotation) in spec.rotations.into_iter().enumerate() {
            rotations.push(self.rotation(index, rotation)?);
        }
        let id = self.new_id(0x20);
        self.schedules.push(Schedule {
            id: id.clone(),
            name: spec.name,
            description: spec.description,
            timezone: spec.timezone,
            enabled: spec.enabled,
            rotations,
            overrides: Vec::new(),
        });
        Ok(id)
    }

    fn rotation(&mut self, index: usize, spec: RotationSpec) -> Result<Rotation, Refusal> {
        if spec.turn.duration() <= chrono::Duration::zero() {
            return Err(Refusal::Invalid(
                "A turn must last at least a minute".into(),
            ));
        }
        if spec.end.is_some_and(|end| end <= spec.start) {
            return Err(Refusal::Invalid(
                "Rotation endDate must be after its startDate".into(),
            ));
        }
        let participants = spec
            .participants
            .iter()
            .map(|p| self.user_or_refuse(p).map(|u| u.id.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Rotation {
            id: self.new_id(0x30),
            name: spec
                .name
                .unwrap_or_else(|| format!("Rotation {}", index + 1)),
            participants,
            start: spec.start,
            end: spec.end,
            turn: spec.turn,
        })
    }

    pub(crate) fn schedules(&self) -> &[Schedule] {
        &self.schedules
    }

    /// The schedule `identifier` names, read as an id or (`by_name`) a name.
    pub(crate) fn schedule(&self, identifier: &str, by_name: bool) -> Result<&Schedule, Refusal> {
        self.position(identifier, by_name)
            .map(|index| &self.schedules[index])
    }

    fn position(&self, identifier: &str, by_name: bool) -> Result<usize, Refusal> {
        self.schedules
            .iter()
            .position(|s| {
                if by_name {
                    s.name == identifier
                } else {
                    s.id == identifier
                }
            })
            .ok_or_else(|| {
                let kind = if by_name { "name" } else { "id" };
                Refusal::NotFound(format!("No schedule exists with {kind} [{identifier}]"))
            })
    }

    // ----- overrides -----

    /// The user a request's `user` recipient names, by id or username.
    pub(crate) fn taker(&self, identifier: &str) -> Result<OverrideTaker, Refusal> {
        Ok(OverrideTaker::User(
            self.user_or_refuse(identifier)?.id.clone(),
        ))
    }

    fn check(&self, schedule: usize, request: &OverrideRequest) -> Result<Vec<String>, Refusal> {
        if request.end <= request.start {
            return Err(Refusal::Invalid(
                "Override endDate must be after its startDate".into(),
            ));
        }
        let rotations = &self.schedules[schedule].rotations;
        request
            .rotations
            .iter()
            .map(|wanted| {
                rotations
                    .iter()
                    .find(|r| {
                        wanted.id.as_ref().is_some_and(|id| *id == r.id)
                            || wanted.name.as_ref().is_some_and(|name| *name == r.name)
                    })
                    .map(|r| r.id.clone())
                    .ok_or_else(|| {
                        let named = wanted.id.as_ref().or(wanted.name.as_ref());
                        Refusal::Invalid(format!(
                            "Rotation [{}] does not exist in the schedule",
                            named.map(String::as_str).unwrap_or("")
                        ))
                    })
            })
            .collect()
    }

    /// Adds an override and returns its alias (`alias`, or a generated one).
    pub(crate) fn create_override(
        &mut self,
        identifier: &str,
        by_name: bool,
        alias: Option<String>,
        request: OverrideRequest,
    ) -> Result<String, Refusal> {
        let schedule = self.position(identifier, by_name)?;
        let rotation_ids = self.check(schedule, &request)?;
        if let Some(alias) = &alias {
            if self.schedules[schedule]
                .overrides
                .iter()
                .any(|o| &o.alias == alias)
            {
                return Err(Refusal::Invalid(format!(
                    "Schedule override with alias [{alias}] already exists"
                )));
            }
        }
        let alias = match alias {
            Some(alias) if !alias.trim().is_empty() => alias,
            _ => self.new_id(0x40),
        };
        self.schedules[schedule]
            .overrides
            .push(FakeScheduleOverride {
                alias: alias.clone(),
                taker: request.taker,
                start: request.start,
                end: request.end,
                rotation_ids,
            });
        Ok(alias)
    }

    /// Replaces what the override with that alias says (it keeps its precedence).
    pub(crate) fn update_override(
        &mut self,
        identifier: &str,
        by_name: bool,
        alias: &str,
        request: OverrideRequest,
    ) -> Result<(), Refusal> {
        let schedule = self.position(identifier, by_name)?;
        let index = self.override_position(schedule, alias)?;
        let rotation_ids = self.check(schedule, &request)?;
        self.schedules[schedule].overrides[index] = FakeScheduleOverride {
            alias: alias.to_string(),
            taker: request.taker,
            start: request.start,
            end: request.end,
            rotation_ids,
        };
        Ok(())
    }

    pub(crate) fn delete_override(
        &mut self,
        identifier: &str,
        by_name: bool,
        alias: &str,
    ) -> Result<(), Refusal> {
        let schedule = self.position(identifier, by_name)?;
        let index = self.override_position(schedule, alias)?;
        self.schedules[schedule].overrides.remove(index);
        Ok(())
    }

    fn override_position(&self, schedule: usize, alias: &str) -> Result<usize, Refusal> {
        self.schedules[schedule]
            .overrides
            .iter()
            .position(|o| o.alias == alias)
            .ok_or_else(|| {
                Refusal::NotFound(format!(
                    "Schedule override with alias [{alias}] does not exist"
                ))
            })
    }
}

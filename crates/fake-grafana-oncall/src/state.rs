//! The fake's organisation: users and their keys, integrations, alert groups and their
//! resolution notes, schedules. The rules of each action live here, apart from HTTP, so
//! that the routes and the test helpers ("what happens elsewhere") share them.
//!
//! Time passes only when observed: a silence whose end has come is lifted by
//! [`State::expire_silences`], which every request and every reading helper calls first.

use chrono::{DateTime, Duration, Utc};

use crate::types::{
    FakeAlertGroup, FakeResolutionNote, FakeUser, GroupState, NewAlertGroup, ScheduleSpec,
};

/// The current user's key, id and e-mail; see the crate's constants.
pub(crate) struct ApiKey {
    pub key: String,
    pub user_id: String,
}

pub(crate) struct Integration {
    pub id: String,
    #[allow(dead_code)]
    pub name: String,
}

pub(crate) struct ScheduleRecord {
    pub id: String,
    /// The id of the one on-call shift (a `rolling_users` rotation) it consists of.
    pub shift_id: String,
    pub spec: ScheduleSpec,
}

/// A status change asked for, by the API or by a test helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Acknowledge,
    Unacknowledge,
    Resolve,
    Unresolve,
    /// `Some(seconds)`, or `None` for `delay: -1` (forever).
    Silence(Option<i64>),
    Unsilence,
}

/// Why an action was refused: 404 or 400 with this `detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotFound,
    Invalid(String),
}

pub(crate) struct State {
    /// The origin `next` links and permalinks are built on.
    pub public_url: String,
    pub public_url_overridden: bool,
    pub keys: Vec<ApiKey>,
    pub users: Vec<FakeUser>,
    pub integrations: Vec<Integration>,
    /// In creation order; lists answer newest first.
    pub groups: Vec<FakeAlertGroup>,
    pub notes: Vec<FakeResolutionNote>,
    pub schedules: Vec<ScheduleRecord>,
    next_id: u64,
}

impl State {
    pub fn new(key: ApiKey, user: FakeUser) -> State {
        let mut state = State {
            public_url: String::new(),
            public_url_overridden: false,
            keys: vec![key],
            users: vec![user],
            integrations: Vec::new(),
            groups: Vec::new(),
            notes: Vec::new(),
            schedules: Vec::new(),
            next_id: 0,
        };
        state.add_integration("Grafana Alerting");
        state
    }

    /// A new id in OnCall's style: a letter for the kind, then 12 characters.
    pub fn new_id(&mut self, prefix: char) -> String {
        self.next_id += 1;
        format!("{prefix}{:012X}", self.next_id)
    }

    pub fn add_integration(&mut self, name: &str) -> String {
        let id = self.new_id('C');
        self.integrations.push(Integration {
            id: id.clone(),
            name: name.to_owned(),
        });
        id
    }

    pub fn user_of_key(&self, key: &str) -> Option<&FakeUser> {
        let key = self.keys.iter().find(|k| k.key == key)?;
        self.users.iter().find(|u| u.id == key.user_id)
    }

    pub fn create(&mut self, new: NewAlertGroup, now: DateTime<Utc>) -> String {
        let id = self.new_id('I');
        let alert_id = self.new_id('A');
        let route_id = self.new_id('R');
        let integration_id = new
            .integration_id
            .unwrap_or_else(|| self.integrations[0].id.clone());
        self.groups.push(FakeAlertGroup {
            id: id.clone(),
            title: new.title,
            integration_id,
            route_id,
            team_id: new.team_id,
            labels: new.labels,
            state: GroupState::New,
            state_since: now,
            created_at: now,
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: None,
            resolved_by: None,
            silenced_at: None,
            silenced_until: None,
            alert_id,
            payload: new.payload,
        });
        id
    }

    pub fn group(&self, id: &str) -> Option<&FakeAlertGroup> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Lifts every silence whose end has come: the group is new again, as after
    /// `unsilence` (the reference does not say what state a silence ends in).
    pub fn expire_silences(&mut self, now: DateTime<Utc>) {
        for group in &mut self.groups {
            if let Some(end) = group.silenced_until.filter(|end| *end <= now) {
                if group.state == GroupState::Silenced {
                    lift_silence(group, end);
                }
            }
        }
    }

    /// Applies `change` to the group `id` as `user` did it. The refusals' words are
    /// Grafana OnCall's (they are not in the reference).
    pub fn change(
        &mut self,
        id: &str,
        change: Change,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        self.expire_silences(now);
        let group = self
            .groups
            .iter_mut()
            .find(|g| g.id == id)
            .ok_or(Refusal::NotFound)?;
        let refuse = |text: &str| Err(Refusal::Invalid(text.to_owned()));
        let resolved = group.state == GroupState::Resolved;
        match change {
            Change::Acknowledge => {
                if resolved {
                    return refuse("Can't acknowledge a resolved alert group");
                }
                if group.state == GroupState::Acknowledged {
                    return refuse("Can't acknowledge an acknowledged alert group");
                }
                lift_silence(group, now);
                enter(group, GroupState::Acknowledged, now);
                group.acknowledged_at = Some(now);
                group.acknowledged_by = Some(user.to_owned());
            }
            Change::Unacknowledge => {
                if resolved {
                    return refuse("Can't unacknowledge a resolved alert group");
                }
                if group.state != GroupState::Acknowledged {
                    return refuse("Can't unacknowledge a non-acknowledged alert group");
                }
                unacknowledge(group, now);
            }
            Change::Resolve => {
                if resolved {
                    return refuse("Can't resolve a resolved alert group");
                }
                lift_silence(group, now);
                enter(group, GroupState::Resolved, now);
                group.resolved_at = Some(now);
                group.resolved_by = Some(user.to_owned());
            }
            Change::Unresolve => {
                if !resolved {
                    return refuse("Can't unresolve a non-resolved alert group");
                }
                enter(group, GroupState::New, now);
                group.resolved_at = None;
                group.resolved_by = None;
            }
            Change::Silence(seconds) => {
                if resolved {
                    return refuse("Can't silence a resolved alert group");
                }
                // As Grafana OnCall: silencing takes back an acknowledgement first.
                unacknowledge(group, now);
                enter(group, GroupState::Silenced, now);
                group.silenced_at = Some(now);
                group.silenced_until = seconds.map(|s| now + Duration::seconds(s));
            }
            Change::Unsilence => {
                if group.state != GroupState::Silenced {
                    return refuse("Can't unsilence a non-silenced alert group");
                }
                lift_silence(group, now);
            }
        }
        Ok(())
    }

    pub fn add_note(
        &mut self,
        alert_group_id: &str,
        text: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<FakeResolutionNote, Refusal> {
        if self.group(alert_group_id).is_none() {
            return Err(Refusal::Invalid(format!(
                "alert_group_id: Invalid pk \"{alert_group_id}\" - object does not exist."
            )));
        }
        if text.trim().is_empty() {
            return Err(Refusal::Invalid(
                "text: This field may not be blank.".into(),
            ));
        }
        let note = FakeResolutionNote {
            id: self.new_id('M'),
            alert_group_id: alert_group_id.to_owned(),
            author: author.to_owned(),
            created_at: now,
            text: text.to_owned(),
        };
        self.notes.push(note.clone());
        Ok(note)
    }
}

/// Puts the group in `state` as of `at`; staying in the same state keeps its start.
fn enter(group: &mut FakeAlertGroup, state: GroupState, at: DateTime<Utc>) {
    if group.state != state {
        group.state = state;
        group.state_since = at;
    }
}

fn unacknowledge(group: &mut FakeAlertGroup, at: DateTime<Utc>) {
    if group.state == GroupState::Acknowledged {
        enter(group, GroupState::New, at);
    }
    group.acknowledged_at = None;
    group.acknowledged_by = None;
}

fn lift_silence(group: &mut FakeAlertGroup, at: DateTime<Utc>) {
    if group.state == GroupState::Silenced {
        enter(group, GroupState::New, at);
    }
    group.silenced_at = None;
    group.silenced_until = None;
}

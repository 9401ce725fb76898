//! What an alert can be sent to besides users: the account's escalations (the targets of
//! "escalate") and teams, and how a responder a request names is found among them and
//! the roster's users and schedules.

use crate::roster::Roster;
use crate::state::uuid_like;
use crate::types::{FakeEscalation, FakeResponder, FakeTeam};

#[derive(Default)]
pub(crate) struct Targets {
    pub escalations: Vec<FakeEscalation>,
    pub teams: Vec<FakeTeam>,
}

impl Targets {
    /// Adds an escalation (or updates the one with that name) and returns its id.
    pub(crate) fn add_escalation(&mut self, name: &str, description: &str) -> String {
        if let Some(known) = self.escalations.iter_mut().find(|e| e.name == name) {
            known.description = description.to_string();
            return known.id.clone();
        }
        let id = uuid_like(0x3, self.escalations.len() as u64 + 1);
        self.escalations.push(FakeEscalation {
            id: id.clone(),
            name: name.to_string(),
            description: description.to_string(),
        });
        id
    }

    /// Adds a team (or updates the one with that name) and returns its id.
    pub(crate) fn add_team(&mut self, name: &str, description: &str) -> String {
        if let Some(known) = self.teams.iter_mut().find(|t| t.name == name) {
            known.description = description.to_string();
            return known.id.clone();
        }
        let id = uuid_like(0x4, self.teams.len() as u64 + 1);
        self.teams.push(FakeTeam {
            id: id.clone(),
            name: name.to_string(),
            description: description.to_string(),
        });
        id
    }

    /// The escalation with that id or name.
    pub(crate) fn escalation(&self, identifier: &str) -> Option<&FakeEscalation> {
        self.escalations
            .iter()
            .find(|e| e.id == identifier || e.name == identifier)
    }

    /// The responder of `kind` (`user`, `team`, `escalation`, `schedule`) with that id or
    /// name (a user's name is its username). `Err` is the request status text.
    pub(crate) fn responder(
        &self,
        roster: &Roster,
        kind: &str,
        identifier: &str,
    ) -> Result<FakeResponder, String> {
        let found = match kind {
            "user" => roster
                .user(identifier)
                .map(|u| (u.id.clone(), u.username.clone())),
            "team" => self
                .teams
                .iter()
                .find(|t| t.id == identifier || t.name == identifier)
                .map(|t| (t.id.clone(), t.name.clone())),
            "escalation" => self
                .escalation(identifier)
                .map(|e| (e.id.clone(), e.name.clone())),
            "schedule" => roster
                .schedule(identifier, false)
                .or_else(|_| roster.schedule(identifier, true))
                .ok()
                .map(|s| (s.id.clone(), s.name.clone())),
            _ => None,
        };
        let (id, name) = found.ok_or_else(|| {
            let mut noun = kind.to_string();
            if let Some(first) = noun.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("{noun} [{identifier}] does not exist")
        })?;
        Ok(FakeResponder {
            kind: kind.to_string(),
            id,
            name,
        })
    }
}

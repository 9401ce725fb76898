//! What an incident keeps besides its status: its log (one entry per change), its notes,
//! the alert its trigger made, and the responder requests made on it. The transitions in
//! `incidents` and `updates` write the log through [`Incident::record`]; this module adds
//! notes and responder requests, which change nothing else.

use chrono::{DateTime, Utc};

use super::{Agent, Incident, State, Target};
use crate::error::ApiError;
use crate::types::{FakeLogEntry, FakeNote, FakeResponderRequest, LogKind, ResponderTarget};

/// PagerDuty's limit on the notes of one incident.
pub(crate) const MAX_NOTES: usize = 2000;

impl Incident {
    /// Appends a log entry. Ids are the incident's id and the entry's position, so the
    /// trigger's entry (the first) is known when the incident is built.
    pub(crate) fn record(
        &mut self,
        kind: LogKind,
        at: DateTime<Utc>,
        agent: &Agent,
        summary: String,
        users: Vec<String>,
    ) {
        let id = log_entry_id(&self.id, self.log.len());
        self.log.push(FakeLogEntry {
            id,
            kind,
            at,
            agent: agent.id().to_string(),
            summary,
            users,
        });
    }
}

/// The id of an incident's `position`th log entry (from 0).
pub(crate) fn log_entry_id(incident_id: &str, position: usize) -> String {
    format!(
        "R{}{:04}",
        incident_id.trim_start_matches('Q'),
        position + 1
    )
}

impl State {
    /// How a user or service is named in a log entry's summary.
    pub(crate) fn agent_name(&self, agent: &Agent) -> String {
        match agent {
            Agent::User(id) => self.user(id).map_or(id.clone(), |u| u.name.clone()),
            Agent::Service(id) => self.service(id).map_or(id.clone(), |s| s.name.clone()),
        }
    }

    /// The service of incident `id`, as the agent of a change made "elsewhere".
    pub(crate) fn service_agent(&self, id: &str) -> Result<Agent, ApiError> {
        self.incident(id)
            .map(|i| Agent::Service(i.service_id.clone()))
            .ok_or_else(|| ApiError::not_found().detail(format!("Incident {id} not found")))
    }

    /// The names of users, for a summary ("Alex Third, Sam Second").
    pub(crate) fn user_names(&self, ids: &[String]) -> String {
        ids.iter()
            .map(|id| self.user(id).map_or(id.as_str(), |u| u.name.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Who is on call at `level` (from 1) of a policy at `now`: its users, and whoever its
    /// schedules have on call. A schedule with nobody on call falls back to its first user,
    /// so that an incident escalated there still has an assignee.
    pub(crate) fn level_users(
        &self,
        policy_id: &str,
        level: u32,
        now: DateTime<Utc>,
    ) -> Vec<String> {
        let Some(targets) = self
            .policy(policy_id)
            .and_then(|p| p.levels.get(level.checked_sub(1)? as usize))
        else {
            return Vec::new();
        };
        let mut users: Vec<String> = Vec::new();
        let mut fallback = None;
        for target in targets {
            let user = match target {
                Target::User(id) => Some(id.clone()),
                Target::Schedule(id) => self.schedule_user_at(id, now, &mut fallback),
            };
            if let Some(user) = user.filter(|u| !users.contains(u)) {
                users.push(user);
            }
        }
        if users.is_empty() {
            users.extend(fallback);
        }
        users
    }

    pub(crate) fn add_note(
        &mut self,
        id: &str,
        by: &str,
        content: &str,
        now: DateTime<Utc>,
    ) -> Result<FakeNote, ApiError> {
        if content.trim().is_empty() {
            return Err(ApiError::invalid_input("note.content must not be empty"));
        }
        let who = self.agent_name(&Agent::User(by.to_string()));
        let incident = self.incident_mut(id)?;
        if incident.notes.len() >= MAX_NOTES {
            return Err(ApiError::invalid_input(format!(
                "An incident can have at most {MAX_NOTES} notes"
            )));
        }
        let note = FakeNote {
            id: format!(
                "N{}{:04}",
                id.trim_start_matches('Q'),
                incident.notes.len() + 1
            ),
            user_id: by.to_string(),
            content: content.to_string(),
            created_at: now,
        };
        incident.notes.push(note.clone());
        incident.updated_at = now;
        let agent = Agent::User(by.to_string());
        incident.record(
            LogKind::Annotate,
            now,
            &agent,
            format!("Note added by {who}"),
            vec![],
        );
        incident.history.push(format!("note by {by}"));
        Ok(note)
    }

    /// Records a responder request and, for each user it reaches (a policy reaches its
    /// first level's on-call), a notify log entry.
    pub(crate) fn request_responders(
        &mut self,
        id: &str,
        request: FakeResponderRequest,
    ) -> Result<(), ApiError> {
        if self.user(&request.requester_id).is_none() {
            return Err(ApiError::invalid_input(format!(
                "requester_id: User {} not found",
                request.requester_id
            )));
        }
        if request.targets.is_empty() {
            return Err(ApiError::invalid_input(
                "responder_request_targets must name at least one user or escalation policy",
            ));
        }
        let now = request.requested_at;
        let mut reached: Vec<(String, String)> = Vec::new();
        for target in &request.targets {
            match target {
                ResponderTarget::User(user) if self.user(user).is_some() => {
                    reached.push((user.clone(), self.user_names(std::slice::from_ref(user))));
                }
                ResponderTarget::EscalationPolicy(policy) if self.policy(policy).is_some() => {
                    let name = self
                        .policy(policy)
                        .map_or(String::new(), |p| p.name.clone());
                    for user in self.level_users(policy, 1, now) {
                        reached.push((user, name.clone()));
                    }
                }
                ResponderTarget::User(unknown) | ResponderTarget::EscalationPolicy(unknown) => {
                    return Err(ApiError::invalid_input(format!(
                        "responder_request_targets: {unknown} not found"
                    )))
                }
            }
        }
        let requester = Agent::User(request.requester_id.clone());
        let who = self.agent_name(&requester);
        let incident = self.incident_mut(id)?;
        if !incident.is_open() {
            return Err(ApiError::already_resolved());
        }
        for (user, through) in reached {
            incident.record(
                LogKind::Notify,
                now,
                &requester,
                format!("{who} asked {through} to respond: {}", request.message),
                vec![user],
            );
        }
        incident
            .history
            .push(format!("responders requested by {}", request.requester_id));
        incident.updated_at = now;
        incident.responder_requests.push(request);
        Ok(())
    }
}

//! `PUT /incidents` and `PUT /incidents/{id}`: the fields an update may change (status,
//! assignees, escalation policy, escalation level, urgency), checked for every incident
//! of the request before any is changed, as PagerDuty's bulk update is all or nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use oncall_model::{Status, Urgency};

use super::incidents::{apply_status, check_transition};
use super::{Agent, State};
use crate::error::ApiError;
use crate::types::LogKind;

/// One item of an update: the incident and what it should become. `None` leaves a field.
#[derive(Clone, Debug, Default)]
pub(crate) struct IncidentUpdate {
    pub(crate) id: String,
    pub(crate) status: Option<Status>,
    /// `assignments`: users, replacing the assignees (a direct assignment).
    pub(crate) assignees: Option<Vec<String>>,
    /// `escalation_policy`: the incident moves to it, assigned to its first level.
    pub(crate) escalation_policy: Option<String>,
    /// `escalation_level`: the incident goes to that level of its (new) policy.
    pub(crate) escalation_level: Option<u32>,
    pub(crate) urgency: Option<Urgency>,
}

impl IncidentUpdate {
    /// Whether the update changes more than the status: such changes are refused on a
    /// resolved incident.
    fn changes_more_than_status(&self) -> bool {
        self.assignees.is_some()
            || self.escalation_policy.is_some()
            || self.escalation_level.is_some()
            || self.urgency.is_some()
    }
}

impl State {
    /// Applies every update or none: the first one that fails decides the error.
    pub(crate) fn update_incidents(
        &mut self,
        updates: &[IncidentUpdate],
        by: &Agent,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        // Dry run: an id listed twice sees the status its first update would leave.
        let mut planned: HashMap<&str, Status> = HashMap::new();
        for update in updates {
            let incident = self.incident(&update.id).ok_or_else(|| {
                ApiError::not_found().detail(format!("Incident {} not found", update.id))
            })?;
            let current = planned
                .get(update.id.as_str())
                .copied()
                .unwrap_or(incident.status);
            if current == Status::Resolved && update.changes_more_than_status() {
                return Err(ApiError::already_resolved().detail(format!("Incident {}", update.id)));
            }
            self.check_assignment(update, &incident.escalation_policy_id)?;
            if let Some(target) = update.status {
                check_transition(current, target)
                    .map_err(|e| e.detail(format!("Incident {}", update.id)))?;
                planned.insert(&update.id, target);
            } else {
                planned.insert(&update.id, current);
            }
        }
        for update in updates {
            self.apply_update(update, by, now)?;
        }
        Ok(())
    }

    fn check_assignment(
        &self,
        update: &IncidentUpdate,
        current_policy: &str,
    ) -> Result<(), ApiError> {
        if update.assignees.is_some() && update.escalation_policy.is_some() {
            return Err(ApiError::invalid_input(
                "assignments and escalation_policy cannot both be given",
            ));
        }
        if let Some(users) = &update.assignees {
            if users.is_empty() {
                return Err(ApiError::cannot_reassign().detail("At least one assignee is required"));
            }
            if let Some(unknown) = users.iter().find(|id| self.user(id).is_none()) {
                return Err(ApiError::assignee_not_found(unknown));
            }
        }
        let policy_id = update
            .escalation_policy
            .as_deref()
            .unwrap_or(current_policy);
        let policy = self.policy(policy_id).ok_or_else(|| {
            ApiError::invalid_input(format!("Escalation policy {policy_id} not found"))
        })?;
        if let Some(level) = update.escalation_level {
            let levels = policy.levels.len();
            if level == 0 || level as usize > levels {
                return Err(ApiError::invalid_input(format!(
                    "escalation_level {level} is not a level of escalation policy {policy_id}, \
                     which has levels 1 to {levels}"
                )));
            }
        }
        Ok(())
    }

    /// One checked update: policy, then level, then assignees, urgency and status.
    fn apply_update(
        &mut self,
        update: &IncidentUpdate,
        by: &Agent,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let who = self.agent_name(by);
        if let Some(policy_id) = &update.escalation_policy {
            let users = self.level_users(policy_id, 1, now);
            let name = self
                .policy(policy_id)
                .map_or(policy_id.clone(), |p| p.name.clone());
            let incident = self.incident_mut(&update.id)?;
            incident.escalation_policy_id = policy_id.clone();
            incident.assign_to(users.clone(), false, now);
            let summary = format!("Reassigned to escalation policy {name} by {who}");
            incident.record(LogKind::Assign, now, by, summary, users);
            incident.history.push(format!("reassigned to {policy_id}"));
        }
        if let Some(level) = update.escalation_level {
            let policy_id = self.incident_mut(&update.id)?.escalation_policy_id.clone();
            let users = self.level_users(&policy_id, level, now);
            let incident = self.incident_mut(&update.id)?;
            if !users.is_empty() {
                incident.assign_to(users.clone(), false, now);
            }
            let summary = format!("Escalated to level {level} by {who}");
            incident.record(LogKind::Escalate, now, by, summary, users);
            incident.history.push(format!("escalated to level {level}"));
        }
        if let Some(users) = &update.assignees {
            self.reassign(&update.id, users, by, now)?;
        }
        if let Some(urgency) = update.urgency {
            self.set_urgency(&update.id, urgency, by, now)?;
        }
        if let Some(target) = update.status {
            let incident = self.incident_mut(&update.id)?;
            apply_status(incident, target, by.clone(), &who, now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::NewIncident;
    use chrono::Duration;

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default() + Duration::minutes(minutes)
    }

    fn pat() -> Agent {
        Agent::User("PUSER01".into())
    }

    fn status(id: &str, status: Status) -> IncidentUpdate {
        IncidentUpdate {
            id: id.into(),
            status: Some(status),
            ..IncidentUpdate::default()
        }
    }

    #[test]
    fn bulk_update_is_all_or_nothing() {
        let mut state = State::seeded();
        let a = state.trigger(NewIncident::new("a"), t(0)).expect("trigger");
        let b = state.trigger(NewIncident::new("b"), t(0)).expect("trigger");
        state.acknowledge(&b, pat(), t(1)).expect("ack");
        let updates = [
            status(&a, Status::Acknowledged),
            status(&b, Status::Acknowledged),
        ];
        let err = state
            .update_incidents(&updates, &pat(), t(2))
            .expect_err("b is already acknowledged");
        assert_eq!(err.code, 1002);
        assert_eq!(state.snapshot(&a).expect("a").status, Status::Triggered);
    }

    #[test]
    fn a_resolved_incident_keeps_its_assignees_and_urgency() {
        let mut state = State::seeded();
        let id = state.trigger(NewIncident::new("a"), t(0)).expect("trigger");
        state
            .update_incidents(&[status(&id, Status::Resolved)], &pat(), t(1))
            .expect("resolve");
        let urgency = IncidentUpdate {
            id: id.clone(),
            urgency: Some(Urgency::Low),
            ..IncidentUpdate::default()
        };
        let err = state
            .update_incidents(&[urgency], &pat(), t(2))
            .expect_err("resolved");
        assert_eq!(err.code, 1001);
    }

    #[test]
    fn escalation_levels_outside_the_policy_are_refused() {
        let mut state = State::seeded();
        let id = state.trigger(NewIncident::new("a"), t(0)).expect("trigger");
        let to = |level| IncidentUpdate {
            id: id.clone(),
            escalation_level: Some(level),
            ..IncidentUpdate::default()
        };
        // The seeded policy has one level.
        let err = state
            .update_incidents(&[to(2)], &pat(), t(1))
            .expect_err("no level 2");
        assert_eq!(err.code, 2001);
        state
            .update_incidents(&[to(1)], &pat(), t(1))
            .expect("level 1");
        let log = &state.incident(&id).expect("incident").log;
        assert_eq!(log.last().map(|e| e.kind), Some(LogKind::Escalate));
    }
}

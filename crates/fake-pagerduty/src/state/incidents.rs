//! Incidents: their state, the filters of `GET /incidents`, and every transition
//! (trigger, acknowledge, resolve, snooze and its expiry, re-trigger, reassign, urgency,
//! Events API events). `last_status_change_at` moves in exactly one place,
//! `Incident::set_status`, which is how it is guaranteed to move only with the status.

use chrono::{DateTime, Duration, Utc};
use oncall_model::{Status, Urgency};

use super::{Agent, State};
use crate::error::ApiError;
use crate::types::{
    FakeAlert, FakeIncident, FakeLogEntry, FakeNote, FakeResponderRequest, LogKind, NewIncident,
};

/// PagerDuty's limit on a snooze, in seconds (7 days).
pub(crate) const MAX_SNOOZE_SECS: u64 = 604_800;

#[derive(Clone, Debug)]
pub(crate) struct Assignment {
    pub(crate) user_id: String,
    pub(crate) at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub(crate) struct Acknowledgement {
    pub(crate) by: Agent,
    pub(crate) at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub(crate) struct Incident {
    pub(crate) id: String,
    pub(crate) number: u64,
    pub(crate) title: String,
    pub(crate) status: Status,
    pub(crate) urgency: Urgency,
    pub(crate) service_id: String,
    pub(crate) escalation_policy_id: String,
    pub(crate) incident_key: String,
    pub(crate) assignments: Vec<Assignment>,
    /// `true` when assigned to named users rather than through the escalation policy.
    pub(crate) direct_assignment: bool,
    pub(crate) acknowledgements: Vec<Acknowledgement>,
    pub(crate) snoozed_until: Option<DateTime<Utc>>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) last_status_change_at: DateTime<Utc>,
    pub(crate) last_status_change_by: Agent,
    pub(crate) resolved_at: Option<DateTime<Utc>>,
    pub(crate) history: Vec<String>,
    /// `html_url` as the test gave it; `None` is the fake's own page.
    pub(crate) html_url: Option<String>,
    /// One entry per change, oldest first; the first is the trigger.
    pub(crate) log: Vec<FakeLogEntry>,
    pub(crate) notes: Vec<FakeNote>,
    /// The alert the trigger made.
    pub(crate) alerts: Vec<FakeAlert>,
    pub(crate) responder_requests: Vec<FakeResponderRequest>,
}

impl Incident {
    pub(crate) fn is_open(&self) -> bool {
        self.status != Status::Resolved
    }

    fn set_status(&mut self, status: Status, by: Agent, at: DateTime<Utc>) {
        self.status = status;
        self.last_status_change_at = at;
        self.last_status_change_by = by;
        self.updated_at = at;
        self.snoozed_until = None;
        match status {
            Status::Triggered => {
                self.acknowledgements.clear();
                self.resolved_at = None;
            }
            Status::Acknowledged => {}
            Status::Resolved => {
                self.acknowledgements.clear();
                self.assignments.clear();
                self.resolved_at = Some(at);
                for alert in &mut self.alerts {
                    alert.resolved = true;
                }
            }
        }
    }

    /// Hands the incident to `users`. Like PagerDuty, an acknowledged incident returns to
    /// triggered so that the new assignees are paged.
    pub(crate) fn assign_to(&mut self, users: Vec<String>, direct: bool, now: DateTime<Utc>) {
        if self.status == Status::Acknowledged {
            let service = Agent::Service(self.service_id.clone());
            self.set_status(Status::Triggered, service, now);
        }
        self.assignments = users
            .into_iter()
            .map(|user_id| Assignment { user_id, at: now })
            .collect();
        self.direct_assignment = direct;
        self.updated_at = now;
    }

    fn snapshot(&self) -> FakeIncident {
        FakeIncident {
            id: self.id.clone(),
            number: self.number,
            title: self.title.clone(),
            status: self.status,
            urgency: self.urgency,
            service_id: self.service_id.clone(),
            incident_key: self.incident_key.clone(),
            assignees: self.assignments.iter().map(|a| a.user_id.clone()).collect(),
            acknowledged_by: self
                .acknowledgements
                .iter()
                .map(|a| a.by.id().to_string())
                .collect(),
            snoozed_until: self.snoozed_until,
            last_status_change_at: self.last_status_change_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            resolved_at: self.resolved_at,
            history: self.history.clone(),
        }
    }
}

/// The status a bulk or single update asks for, checked against the current status.
pub(crate) fn check_transition(from: Status, to: Status) -> Result<(), ApiError> {
    match (from, to) {
        (Status::Resolved, _) => Err(ApiError::already_resolved()),
        (Status::Acknowledged, Status::Acknowledged) => Err(ApiError::already_acknowledged()),
        (_, Status::Triggered) => Err(ApiError::invalid_status()
            .detail("The fake supports only acknowledged and resolved as target statuses")),
        _ => Ok(()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SortField {
    IncidentNumber,
    CreatedAt,
    ResolvedAt,
    Urgency,
}

/// The filters of `GET /incidents`; an empty list means "no filter".
#[derive(Clone, Debug, Default)]
pub(crate) struct IncidentFilter {
    pub(crate) statuses: Vec<Status>,
    pub(crate) user_ids: Vec<String>,
    pub(crate) team_ids: Vec<String>,
    pub(crate) service_ids: Vec<String>,
    pub(crate) urgencies: Vec<Urgency>,
    pub(crate) incident_key: Option<String>,
    /// Inclusive range on `created_at`; `None` for `date_range=all`.
    pub(crate) created_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// `(field, descending)`; empty sorts by incident number ascending.
    pub(crate) sort: Vec<(SortField, bool)>,
}

/// What an Events API v2 event did to the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EventAction {
    Trigger { summary: String, urgency: Urgency },
    Acknowledge,
    Resolve,
}

impl State {
    // ----- incidents: reads -----

    /// Re-triggers every incident whose snooze has ended. Called before every read and
    /// write, so expiry is exact without a timer: the incident becomes triggered *at*
    /// `snoozed_until`, whenever it is observed.
    pub(crate) fn expire_snoozes(&mut self, now: DateTime<Utc>) {
        for incident in &mut self.incidents {
            let Some(until) = incident.snoozed_until else {
                continue;
            };
            if until <= now && incident.status == Status::Acknowledged {
                let service = Agent::Service(incident.service_id.clone());
                incident.set_status(Status::Triggered, service.clone(), until);
                incident.history.push("snooze ended; re-triggered".into());
                let summary = "Unacknowledged: the snooze ended".to_string();
                incident.record(LogKind::Unacknowledge, until, &service, summary, vec![]);
            }
        }
    }

    pub(crate) fn incident(&self, id: &str) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.id == id)
    }

    /// Finds an incident by id or, as `GET /incidents/{id}` allows, by number.
    pub(crate) fn incident_by_id_or_number(&self, id: &str) -> Option<&Incident> {
        self.incident(id).or_else(|| {
            let number: u64 = id.parse().ok()?;
            self.incidents.iter().find(|i| i.number == number)
        })
    }

    pub(crate) fn incident_mut(&mut self, id: &str) -> Result<&mut Incident, ApiError> {
        self.incidents
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or_else(|| ApiError::not_found().detail(format!("Incident {id} not found")))
    }

    pub(crate) fn snapshot(&self, id: &str) -> Option<FakeIncident> {
        self.incident(id).map(Incident::snapshot)
    }

    pub(crate) fn snapshots(&self) -> Vec<FakeIncident> {
        self.incidents.iter().map(Incident::snapshot).collect()
    }

    pub(crate) fn open_snapshots(&self) -> Vec<FakeIncident> {
        self.incidents
            .iter()
            .filter(|i| i.is_open())
            .map(Incident::snapshot)
            .collect()
    }

    pub(crate) fn list_incidents(&self, filter: &IncidentFilter) -> Vec<&Incident> {
        let mut found: Vec<&Incident> = self
            .incidents
            .iter()
            .filter(|i| filter.statuses.is_empty() || filter.statuses.contains(&i.status))
            .filter(|i| filter.urgencies.is_empty() || filter.urgencies.contains(&i.urgency))
            .filter(|i| filter.service_ids.is_empty() || filter.service_ids.contains(&i.service_id))
            .filter(|i| {
                filter.user_ids.is_empty()
                    || i.assignments
                        .iter()
                        .any(|a| filter.user_ids.contains(&a.user_id))
            })
            .filter(|i| {
                filter.team_ids.is_empty()
                    || self
                        .service(&i.service_id)
                        .is_some_and(|s| s.team_ids.iter().any(|t| filter.team_ids.contains(t)))
            })
            .filter(|i| {
                filter
                    .incident_key
                    .as_ref()
                    .is_none_or(|key| &i.incident_key == key)
            })
            .filter(|i| {
                filter
                    .created_between
                    .is_none_or(|(since, until)| since <= i.created_at && i.created_at <= until)
            })
            .collect();
        // Stable sorts applied from the least significant key: the incident number order
        // of `self.incidents` breaks every remaining tie.
        for &(field, descending) in filter.sort.iter().rev() {
            found.sort_by(|a, b| {
                let order = match field {
                    SortField::IncidentNumber => a.number.cmp(&b.number),
                    SortField::CreatedAt => a.created_at.cmp(&b.created_at),
                    SortField::ResolvedAt => a.resolved_at.cmp(&b.resolved_at),
                    SortField::Urgency => a.urgency.cmp(&b.urgency),
                };
                if descending {
                    order.reverse()
                } else {
                    order
                }
            });
        }
        found
    }

    // ----- incidents: transitions -----

    /// Creates an incident, or returns the open one on the same service with the same key.
    pub(crate) fn trigger(
        &mut self,
        new: NewIncident,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let service = self
            .service(&new.service_id)
            .ok_or_else(|| ApiError::service_not_found(&new.service_id))?;
        if let Some(key) = &new.dedup_key {
            if let Some(open) = self
                .incidents
                .iter()
                .find(|i| i.is_open() && i.service_id == service.id && &i.incident_key == key)
            {
                return Ok(open.id.clone());
            }
        }
        let policy_id = service.escalation_policy_id.clone();
        let service_id = service.id.clone();
        let direct = new.assignees.is_some();
        let assignees = match new.assignees {
            Some(ids) => ids,
            None => self.assignees_for(&policy_id, now),
        };
        if let Some(unknown) = assignees.iter().find(|id| self.user(id).is_none()) {
            return Err(ApiError::assignee_not_found(unknown));
        }
        let number = self.next_incident_number;
        self.next_incident_number += 1;
        let incident_key = match new.dedup_key {
            Some(key) => key,
            None => self.generate_key(),
        };
        let id = format!("Q{number:013}");
        let service_agent = Agent::Service(service_id.clone());
        let alert = FakeAlert {
            id: format!("A{number:013}"),
            alert_key: incident_key.clone(),
            summary: new.title.clone(),
            resolved: false,
            created_at: now,
        };
        let mut incident = Incident {
            id: id.clone(),
            number,
            title: new.title,
            status: Status::Triggered,
            urgency: new.urgency,
            service_id: service_id.clone(),
            escalation_policy_id: policy_id,
            incident_key,
            history: vec![format!(
                "triggered on {service_id}, assigned to {}",
                assignees.join(", ")
            )],
            assignments: assignees
                .into_iter()
                .map(|user_id| Assignment { user_id, at: now })
                .collect(),
            direct_assignment: direct,
            acknowledgements: Vec::new(),
            snoozed_until: None,
            created_at: now,
            updated_at: now,
            last_status_change_at: now,
            last_status_change_by: service_agent.clone(),
            resolved_at: None,
            html_url: new.html_url,
            log: Vec::new(),
            notes: Vec::new(),
            alerts: vec![alert],
            responder_requests: Vec::new(),
        };
        let summary = "Triggered through the API".to_string();
        let assignees: Vec<String> = incident
            .assignments
            .iter()
            .map(|a| a.user_id.clone())
            .collect();
        incident.record(LogKind::Trigger, now, &service_agent, summary, assignees);
        self.incidents.push(incident);
        Ok(id)
    }

    /// A fresh de-duplication key: 32 hex digits, like the UUIDs PagerDuty generates.
    pub(crate) fn generate_key(&mut self) -> String {
        let key = format!("{:032x}", (0xfa4e_u128 << 112) | self.next_generated_key);
        self.next_generated_key += 1;
        key
    }

    pub(crate) fn acknowledge(
        &mut self,
        id: &str,
        by: Agent,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let who = self.agent_name(&by);
        let incident = self.incident_mut(id)?;
        check_transition(incident.status, Status::Acknowledged)?;
        apply_status(incident, Status::Acknowledged, by, &who, now);
        Ok(())
    }

    pub(crate) fn resolve(
        &mut self,
        id: &str,
        by: Agent,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let who = self.agent_name(&by);
        let incident = self.incident_mut(id)?;
        check_transition(incident.status, Status::Resolved)?;
        apply_status(incident, Status::Resolved, by, &who, now);
        Ok(())
    }

    pub(crate) fn snooze(
        &mut self,
        id: &str,
        by: &str,
        seconds: u64,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        if !(1..=MAX_SNOOZE_SECS).contains(&seconds) {
            return Err(ApiError::invalid_snooze_duration());
        }
        let agent = Agent::User(by.to_string());
        let who = self.agent_name(&agent);
        let incident = self.incident_mut(id)?;
        match incident.status {
            Status::Resolved => return Err(ApiError::already_resolved()),
            Status::Triggered => return Err(ApiError::not_acknowledged()),
            Status::Acknowledged => {}
        }
        let until = now + Duration::seconds(seconds as i64);
        incident.snoozed_until = Some(until);
        incident.updated_at = now;
        incident
            .history
            .push(format!("snoozed by {by} for {seconds}s"));
        let summary = format!("Snoozed for {seconds} seconds by {who}");
        incident.record(LogKind::Snooze, now, &agent, summary, vec![]);
        Ok(())
    }

    /// An acknowledged incident goes back to triggered, as when an acknowledgement times
    /// out or a snooze ends.
    pub(crate) fn retrigger(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let incident = self.incident_mut(id)?;
        match incident.status {
            Status::Resolved => return Err(ApiError::already_resolved()),
            Status::Triggered => return Err(ApiError::not_acknowledged()),
            Status::Acknowledged => {}
        }
        let service = Agent::Service(incident.service_id.clone());
        incident.set_status(Status::Triggered, service.clone(), now);
        incident.history.push("re-triggered".into());
        let summary = "Unacknowledged: the acknowledgement timed out".to_string();
        incident.record(LogKind::Unacknowledge, now, &service, summary, vec![]);
        Ok(())
    }

    /// Replaces the assignments with users (a direct assignment), as `by` did.
    pub(crate) fn reassign(
        &mut self,
        id: &str,
        user_ids: &[String],
        by: &Agent,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        if user_ids.is_empty() {
            return Err(ApiError::cannot_reassign().detail("At least one assignee is required"));
        }
        if let Some(unknown) = user_ids.iter().find(|id| self.user(id).is_none()) {
            return Err(ApiError::assignee_not_found(unknown));
        }
        let summary = format!(
            "Reassigned to {} by {}",
            self.user_names(user_ids),
            self.agent_name(by)
        );
        let incident = self.incident_mut(id)?;
        if incident.status == Status::Resolved {
            return Err(ApiError::already_resolved());
        }
        incident.assign_to(user_ids.to_vec(), true, now);
        incident.record(LogKind::Assign, now, by, summary, user_ids.to_vec());
        incident
            .history
            .push(format!("reassigned to {}", user_ids.join(", ")));
        Ok(())
    }

    pub(crate) fn set_urgency(
        &mut self,
        id: &str,
        urgency: Urgency,
        by: &Agent,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let summary = format!(
            "Urgency changed to {} by {}",
            urgency.as_str(),
            self.agent_name(by)
        );
        let incident = self.incident_mut(id)?;
        if incident.urgency != urgency {
            incident.urgency = urgency;
            incident.updated_at = now;
            incident
                .history
                .push(format!("urgency set to {}", urgency.as_str()));
            incident.record(LogKind::UrgencyChange, now, by, summary, vec![]);
        }
        Ok(())
    }

    /// Applies an Events API v2 event from `service_id`; returns the dedup key.
    pub(crate) fn apply_event(
        &mut self,
        service_id: &str,
        action: EventAction,
        dedup_key: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        match action {
            EventAction::Trigger { summary, urgency } => {
                let key = match dedup_key {
                    Some(key) => key,
                    None => self.generate_key(),
                };
                let new = NewIncident::new(summary)
                    .service(service_id)
                    .urgency(urgency)
                    .dedup_key(key.clone());
                self.trigger(new, now)?;
                Ok(key)
            }
            EventAction::Acknowledge | EventAction::Resolve => {
                // The route has checked the key is present; an event for no open
                // incident is accepted and dropped, as PagerDuty does.
                let key = dedup_key.unwrap_or_default();
                let who = self.agent_name(&Agent::Service(service_id.to_string()));
                let target = self
                    .incidents
                    .iter_mut()
                    .find(|i| i.is_open() && i.service_id == service_id && i.incident_key == key);
                if let Some(incident) = target {
                    let by = Agent::Service(service_id.to_string());
                    match action {
                        EventAction::Acknowledge if incident.status == Status::Triggered => {
                            apply_status(incident, Status::Acknowledged, by, &who, now);
                        }
                        EventAction::Resolve => {
                            apply_status(incident, Status::Resolved, by, &who, now)
                        }
                        _ => {}
                    }
                }
                Ok(key)
            }
        }
    }
}

pub(crate) fn apply_status(
    incident: &mut Incident,
    status: Status,
    by: Agent,
    who: &str,
    now: DateTime<Utc>,
) {
    let verb = status.as_str();
    if status == Status::Acknowledged {
        incident.acknowledgements.push(Acknowledgement {
            by: by.clone(),
            at: now,
        });
    }
    incident.set_status(status, by.clone(), now);
    incident.history.push(format!("{verb} by {}", by.id()));
    let (kind, summary) = match status {
        Status::Acknowledged => (LogKind::Acknowledge, format!("Acknowledged by {who}")),
        Status::Resolved => (LogKind::Resolve, format!("Resolved by {who}")),
        Status::Triggered => (LogKind::Unacknowledge, format!("Unacknowledged by {who}")),
    };
    incident.record(kind, now, &by, summary, vec![]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default() + Duration::minutes(minutes)
    }

    fn pat() -> Agent {
        Agent::User("PUSER01".into())
    }

    #[test]
    fn seeded_routing_key_is_the_documented_one() {
        let state = State::seeded();
        let service = state.service("PSVC001").expect("seeded service");
        assert_eq!(service.routing_key, "R0UTINGKEY0000000000000000000001");
        assert_eq!(service.routing_key.len(), 32);
    }

    #[test]
    fn transitions_table() {
        use Status::*;
        let cases = [
            (Triggered, Acknowledged, None),
            (Triggered, Resolved, None),
            (Acknowledged, Resolved, None),
            (Acknowledged, Acknowledged, Some(1002)),
            (Resolved, Acknowledged, Some(1001)),
            (Resolved, Resolved, Some(1001)),
            (Triggered, Triggered, Some(1003)),
        ];
        for (from, to, code) in cases {
            let got = check_transition(from, to).err().map(|e| e.code);
            assert_eq!(got, code, "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn last_status_change_moves_only_on_status_changes() {
        let mut state = State::seeded();
        let id = state
            .trigger(NewIncident::new("disk full"), t(0))
            .expect("trigger");
        state
            .set_urgency(&id, Urgency::Low, &pat(), t(1))
            .expect("urgency");
        state
            .reassign(&id, &["PUSER02".to_string()], &pat(), t(2))
            .expect("reassign");
        let incident = state.snapshot(&id).expect("incident");
        assert_eq!(incident.last_status_change_at, t(0));
        assert_eq!(incident.updated_at, t(2));

        state.acknowledge(&id, pat(), t(3)).expect("ack");
        assert_eq!(
            state.snapshot(&id).expect("incident").last_status_change_at,
            t(3)
        );
    }

    #[test]
    fn snooze_expiry_retriggers_at_the_snooze_end() {
        let mut state = State::seeded();
        let id = state
            .trigger(NewIncident::new("cpu"), t(0))
            .expect("trigger");
        state.acknowledge(&id, pat(), t(1)).expect("ack");
        state.snooze(&id, "PUSER01", 600, t(2)).expect("snooze");
        state.expire_snoozes(t(11));
        assert_eq!(
            state.snapshot(&id).expect("incident").status,
            Status::Acknowledged
        );
        state.expire_snoozes(t(30));
        let incident = state.snapshot(&id).expect("incident");
        assert_eq!(incident.status, Status::Triggered);
        assert_eq!(incident.last_status_change_at, t(12));
        assert!(incident.acknowledged_by.is_empty());
        assert_eq!(incident.snoozed_until, None);
    }

    #[test]
    fn reassigning_an_acknowledged_incident_retriggers_it() {
        let mut state = State::seeded();
        let id = state.trigger(NewIncident::new("x"), t(0)).expect("trigger");
        state.acknowledge(&id, pat(), t(1)).expect("ack");
        state
            .reassign(&id, &["PUSER02".to_string()], &pat(), t(2))
            .expect("reassign");
        let incident = state.snapshot(&id).expect("incident");
        assert_eq!(incident.status, Status::Triggered);
        assert_eq!(incident.assignees, vec!["PUSER02".to_string()]);
        assert_eq!(incident.last_status_change_at, t(2));
    }
}

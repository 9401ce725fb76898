//! The fake account: users, teams, services and escalation policies (here), incidents and
//! every incident transition (`incidents`), schedules and their overrides (`schedules`),
//! and on-calls (`oncalls`), which the policies and schedules imply.
//!
//! Everything here is synchronous and takes "now" as an argument, so the rules (which
//! transition is allowed, what moves `last_status_change_at`, when a snooze ends) are plain
//! functions of the state and a time. The HTTP layer and the test helpers both go through
//! these methods, so a rule cannot differ between "acked through the API" and "acked
//! elsewhere".

mod incidents;
mod oncalls;
mod schedules;
mod timeline;
mod updates;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::types::{EscalationPolicySpec, EscalationTarget, FakeOnCall};

pub(crate) use incidents::{EventAction, Incident, IncidentFilter, SortField};
pub(crate) use oncalls::{OnCallFilter, OnCallRow};
pub(crate) use schedules::{coverage, Removal, Schedule, Source};
pub(crate) use timeline::log_entry_id;
pub(crate) use updates::IncidentUpdate;

#[derive(Clone, Debug)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) token: String,
    pub(crate) team_ids: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Team {
    pub(crate) id: String,
    pub(crate) name: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Service {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) escalation_policy_id: String,
    pub(crate) team_ids: Vec<String>,
    pub(crate) routing_key: String,
}

/// Whom a level of an escalation policy pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A user named directly in the policy: a permanent on-call (no start, no end).
    User(String),
    /// Whoever the schedule with this id has on call.
    Schedule(String),
}

#[derive(Clone, Debug)]
pub(crate) struct EscalationPolicy {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `levels[0]` is escalation level 1.
    pub(crate) levels: Vec<Vec<Target>>,
}

impl EscalationPolicy {
    /// Every (level from 1, target) pair.
    pub(crate) fn targets(&self) -> impl Iterator<Item = (u32, &Target)> {
        self.levels.iter().enumerate().flat_map(|(index, targets)| {
            let level = u32::try_from(index + 1).unwrap_or(u32::MAX);
            targets.iter().map(move |t| (level, t))
        })
    }
}

/// Who performed an action: a user, or a service's integration (Events API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Agent {
    User(String),
    Service(String),
}

impl Agent {
    pub(crate) fn id(&self) -> &str {
        match self {
            Agent::User(id) | Agent::Service(id) => id,
        }
    }
}

pub(crate) struct State {
    /// Where the fake is served, used for `self` links; set by `serve`.
    pub(crate) base_url: String,
    users: Vec<User>,
    teams: Vec<Team>,
    services: Vec<Service>,
    policies: Vec<EscalationPolicy>,
    schedules: Vec<Schedule>,
    /// The seeded schedule whose shift is fixed when schedules are first looked at.
    seeded_schedule_pending: Option<String>,
    next_override_number: u64,
    /// In creation (= incident number) order.
    incidents: Vec<Incident>,
    /// Shifts installed by `set_oncalls`; they replace whatever the policies imply for that user.
    oncall_overrides: HashMap<String, Vec<FakeOnCall>>,
    next_incident_number: u64,
    next_generated_key: u128,
}

impl State {
    /// The account described in `FakePagerDuty::new`'s documentation.
    pub(crate) fn seeded() -> Self {
        let mut state = State {
            base_url: "http://127.0.0.1".to_string(),
            users: Vec::new(),
            teams: vec![Team {
                id: "PTEAM01".into(),
                name: "Payments".into(),
            }],
            services: Vec::new(),
            policies: Vec::new(),
            schedules: vec![Schedule {
                id: "PSCHED1".into(),
                name: "Primary".into(),
                description: String::new(),
                layers: Vec::new(),
                overrides: Vec::new(),
            }],
            seeded_schedule_pending: Some("PSCHED1".into()),
            next_override_number: 0,
            incidents: Vec::new(),
            oncall_overrides: HashMap::new(),
            next_incident_number: 1,
            next_generated_key: 1,
        };
        state.add_user("PUSER01", "Pat Oncall", "pat@example.com", "fake-token-pat");
        state.add_user("PUSER02", "Sam Second", "sam@example.com", "fake-token-sam");
        if let Some(pat) = state.users.iter_mut().find(|u| u.id == "PUSER01") {
            pat.team_ids.push("PTEAM01".into());
        }
        state.policies.push(EscalationPolicy {
            id: "PEP0001".into(),
            name: "Checkout on-call".into(),
            levels: vec![vec![Target::Schedule("PSCHED1".into())]],
        });
        state.services.push(Service {
            id: "PSVC001".into(),
            name: "Checkout API".into(),
            escalation_policy_id: "PEP0001".into(),
            team_ids: vec!["PTEAM01".into()],
            routing_key: routing_key(1),
        });
        state
    }

    // ----- directory -----

    pub(crate) fn add_user(&mut self, id: &str, name: &str, email: &str, token: &str) {
        let user = User {
            id: id.into(),
            name: name.into(),
            email: email.into(),
            token: token.into(),
            team_ids: Vec::new(),
        };
        match self.users.iter_mut().find(|u| u.id == id) {
            Some(existing) => {
                let team_ids = std::mem::take(&mut existing.team_ids);
                *existing = User { team_ids, ..user };
            }
            None => self.users.push(user),
        }
    }

    /// Adds (or replaces) a service with its own escalation policy that pages `oncall_user`
    /// directly. Returns the service's routing key.
    pub(crate) fn add_service(
        &mut self,
        id: &str,
        name: &str,
        oncall_user: &str,
    ) -> Result<String, ApiError> {
        if self.user(oncall_user).is_none() {
            return Err(ApiError::assignee_not_found(oncall_user));
        }
        let index = match self.services.iter().position(|s| s.id == id) {
            Some(index) => index,
            None => {
                let number = self.services.len() + 1;
                self.services.push(Service {
                    id: id.into(),
                    name: String::new(),
                    escalation_policy_id: format!("PEP{number:04}"),
                    team_ids: Vec::new(),
                    routing_key: routing_key(number),
                });
                self.services.len() - 1
            }
        };
        let service = &mut self.services[index];
        service.name = name.into();
        let policy = EscalationPolicy {
            id: service.escalation_policy_id.clone(),
            name: format!("{name} on-call"),
            levels: vec![vec![Target::User(oncall_user.into())]],
        };
        let routing_key = service.routing_key.clone();
        match self.policies.iter_mut().find(|p| p.id == policy.id) {
            Some(existing) => *existing = policy,
            None => self.policies.push(policy),
        }
        Ok(routing_key)
    }

    /// Adds an escalation policy, or replaces the one with its id (services keep pointing
    /// at it).
    pub(crate) fn add_policy(&mut self, spec: EscalationPolicySpec) -> Result<(), ApiError> {
        let mut levels = Vec::new();
        for targets in spec.levels {
            let mut level = Vec::new();
            for target in targets {
                level.push(match target {
                    EscalationTarget::User(id) if self.user(&id).is_some() => Target::User(id),
                    EscalationTarget::Schedule(id) if self.schedule(&id).is_some() => {
                        Target::Schedule(id)
                    }
                    EscalationTarget::User(id) | EscalationTarget::Schedule(id) => {
                        return Err(ApiError::invalid_input(format!("{id} not found")))
                    }
                });
            }
            levels.push(level);
        }
        let policy = EscalationPolicy {
            id: spec.id,
            name: spec.name,
            levels,
        };
        match self.policies.iter_mut().find(|p| p.id == policy.id) {
            Some(existing) => *existing = policy,
            None => self.policies.push(policy),
        }
        Ok(())
    }

    pub(crate) fn policies(&self) -> &[EscalationPolicy] {
        &self.policies
    }

    /// Whom a new incident on `policy_id` is assigned to at `now`: the first level with
    /// someone on call. A schedule with nobody on call falls back to its first user, so an
    /// incident always has an assignee.
    pub(crate) fn assignees_for(&self, policy_id: &str, now: DateTime<Utc>) -> Vec<String> {
        let Some(policy) = self.policy(policy_id) else {
            return Vec::new();
        };
        let mut fallback = None;
        for targets in &policy.levels {
            let mut users: Vec<String> = Vec::new();
            for target in targets {
                let user = match target {
                    Target::User(id) => Some(id.clone()),
                    Target::Schedule(id) => self.schedule_user_at(id, now, &mut fallback),
                };
                if let Some(user) = user.filter(|u| !users.contains(u)) {
                    users.push(user);
                }
            }
            if !users.is_empty() {
                return users;
            }
        }
        fallback.into_iter().collect()
    }

    /// Who schedule `id` has on call at `now`; `fallback` becomes its first user if it was
    /// still unset, for a caller that must find someone.
    pub(crate) fn schedule_user_at(
        &self,
        id: &str,
        now: DateTime<Utc>,
        fallback: &mut Option<String>,
    ) -> Option<String> {
        // Not fixed yet: whenever it is, its one user is on call around then.
        if self.seeded_schedule_pending.as_deref() == Some(id) {
            return Some(SEEDED_ONCALL.to_string());
        }
        let schedule = self.schedule(id)?;
        if fallback.is_none() {
            *fallback = schedule.user_ids().into_iter().next();
        }
        schedule
            .render(
                Source::Final,
                now,
                now + chrono::Duration::seconds(1),
                false,
            )
            .first()
            .map(|e| e.user_id.clone())
    }

    /// Users whose name or email contains `query` (case-insensitive), by name.
    pub(crate) fn users_matching(&self, query: &str) -> Vec<&User> {
        let query = query.to_lowercase();
        let mut found: Vec<&User> = self
            .users
            .iter()
            .filter(|u| {
                u.name.to_lowercase().contains(&query) || u.email.to_lowercase().contains(&query)
            })
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        found
    }

    pub(crate) fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub(crate) fn user_by_token(&self, token: &str) -> Option<&User> {
        self.users.iter().find(|u| u.token == token)
    }

    pub(crate) fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = email.trim();
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub(crate) fn team(&self, id: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }

    pub(crate) fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    pub(crate) fn services(&self) -> &[Service] {
        &self.services
    }

    pub(crate) fn service_by_routing_key(&self, key: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.routing_key == key)
    }

    pub(crate) fn policy(&self, id: &str) -> Option<&EscalationPolicy> {
        self.policies.iter().find(|p| p.id == id)
    }
}

/// The user the seeded schedule has on call.
pub(crate) const SEEDED_ONCALL: &str = "PUSER01";

/// Routing keys are 32 characters, as PagerDuty's integration keys are.
fn routing_key(number: usize) -> String {
    format!("R0UTINGKEY{number:022}")
}

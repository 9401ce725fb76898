//! The fake account: users, teams, services and escalation policies (here), incidents and
//! every incident transition (`incidents`), and on-calls (`oncalls`).
//!
//! Everything here is synchronous and takes "now" as an argument, so the rules (which
//! transition is allowed, what moves `last_status_change_at`, when a snooze ends) are plain
//! functions of the state and a time. The HTTP layer and the test helpers both go through
//! these methods, so a rule cannot differ between "acked through the API" and "acked
//! elsewhere".

mod incidents;
mod oncalls;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::types::FakeOnCall;

pub(crate) use incidents::{EventAction, Incident, IncidentFilter, SortField, StatusUpdate};
pub(crate) use oncalls::{OnCallFilter, OnCallRow};

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

/// Who the first level of an escalation policy pages.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// A user named directly in the policy: a permanent on-call (no start, no end).
    User(String),
    /// A schedule whose current on-call is `user`. The shift is fixed the first time it is
    /// needed (now - 2h .. now + 8h) so that it is stable afterwards and follows a clock
    /// installed with `set_clock` before the first read.
    Schedule {
        id: String,
        name: String,
        user: String,
        shift: Option<(DateTime<Utc>, DateTime<Utc>)>,
    },
}

impl Target {
    pub(crate) fn user(&self) -> &str {
        match self {
            Target::User(user) | Target::Schedule { user, .. } => user,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct EscalationPolicy {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) level1: Target,
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
            level1: Target::Schedule {
                id: "PSCHED1".into(),
                name: "Primary".into(),
                user: "PUSER01".into(),
                shift: None,
            },
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
            level1: Target::User(oncall_user.into()),
        };
        let routing_key = service.routing_key.clone();
        match self.policies.iter_mut().find(|p| p.id == policy.id) {
            Some(existing) => *existing = policy,
            None => self.policies.push(policy),
        }
        Ok(routing_key)
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

    pub(crate) fn service_by_routing_key(&self, key: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.routing_key == key)
    }

    pub(crate) fn policy(&self, id: &str) -> Option<&EscalationPolicy> {
        self.policies.iter().find(|p| p.id == id)
    }
}

/// Routing keys are 32 characters, as PagerDuty's integration keys are.
fn routing_key(number: usize) -> String {
    format!("R0UTINGKEY{number:022}")
}

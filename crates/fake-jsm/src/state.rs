//! The fake's alerts, their asynchronous requests and the site's users, and how actions
//! change them. Schedules are `roster.rs`.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::roster::Roster;
use crate::types::{FakeAlert, FakeNote, FakeUser, NewAlert, RequestOutcome};

/// What a request asks of an alert.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    Acknowledge,
    Unacknowledge,
    Close,
    Snooze(DateTime<Utc>),
    AddNote(String),
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Acknowledge => "Acknowledge",
            Action::Unacknowledge => "Unacknowledge",
            Action::Close => "Close",
            Action::Snooze(_) => "Snooze",
            Action::AddNote(_) => "AddNote",
        }
    }

    fn done(&self) -> &'static str {
        match self {
            Action::Acknowledge => "Acknowledged",
            Action::Unacknowledge => "Unacknowledged",
            Action::Close => "Closed",
            Action::Snooze(_) => "Snoozed",
            Action::AddNote(_) => "Note added",
        }
    }
}

/// An accepted request that has not been processed.
struct Pending {
    request_id: String,
    alert_id: String,
    action: Action,
    /// The action's own `note`, added to the alert's notes with it.
    note: Option<String>,
    user: String,
}

pub(crate) struct State {
    pub alerts: Vec<FakeAlert>,
    next_tiny: u64,
    next_id: u64,
    pending: VecDeque<Pending>,
    pub processed: HashMap<String, RequestOutcome>,
    /// While set, accepted requests wait for `process_pending`.
    pub hold: bool,
    /// The status text the next processed request fails with.
    pub fail_next: Option<String>,
    /// Users with their API tokens (`None`: cannot sign in).
    pub users: Vec<(FakeUser, Option<String>)>,
    pub roster: Roster,
    /// Where `links.next` point: `None` for the documented relative form.
    pub public_url: Option<String>,
}

impl State {
    pub fn new() -> Self {
        State {
            alerts: Vec::new(),
            next_tiny: 1,
            next_id: 1,
            pending: VecDeque::new(),
            processed: HashMap::new(),
            hold: false,
            fail_next: None,
            users: Vec::new(),
            roster: Roster::default(),
            public_url: None,
        }
    }

    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!(
            "{prefix}-{:08x}-{:04}",
            0x5eed_0000u32 + self.next_id as u32,
            self.next_id
        )
    }

    pub fn add_user(&mut self, email: &str, display_name: &str, token: Option<&str>) -> String {
        if let Some((user, known)) = self
            .users
            .iter_mut()
            .find(|(u, _)| u.email.eq_ignore_ascii_case(email))
        {
            user.display_name = display_name.to_owned();
            if token.is_some() {
                *known = token.map(str::to_owned);
            }
            return user.account_id.clone();
        }
        // Atlassian account ids are 24 hex digits (or `557058:` + a UUID).
        let account_id = format!("5b10a2844c20165700ede{:03x}", self.users.len() + 0x21);
        self.users.push((
            FakeUser {
                account_id: account_id.clone(),
                email: email.to_owned(),
                display_name: display_name.to_owned(),
            },
            token.map(str::to_owned),
        ));
        account_id
    }

    pub fn user_by_email(&self, email: &str) -> Option<&FakeUser> {
        self.users
            .iter()
            .map(|(u, _)| u)
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub fn user_by_id(&self, id: &str) -> Option<&FakeUser> {
        self.users
            .iter()
            .map(|(u, _)| u)
            .find(|u| u.account_id == id)
    }

    /// The user whose e-mail and token these are.
    pub fn sign_in(&self, email: &str, token: &str) -> Option<&FakeUser> {
        self.users
            .iter()
            .find(|(u, t)| u.email.eq_ignore_ascii_case(email) && t.as_deref() == Some(token))
            .map(|(u, _)| u)
    }

    pub fn create(&mut self, new: NewAlert, now: DateTime<Utc>) -> String {
        let id = new.id.clone().unwrap_or_else(|| self.new_id("a1e7"));
        assert!(
            self.alerts.iter().all(|a| a.id != id),
            "FakeJsm::create_alert: an alert with id {id} exists"
        );
        let tiny_id = self.next_tiny;
        self.next_tiny += 1;
        let now = new.created_at.unwrap_or(now);
        self.alerts.push(FakeAlert {
            id: id.clone(),
            tiny_id,
            message: new.message,
            status: "open".into(),
            acknowledged: false,
            acknowledged_by: None,
            snoozed: false,
            snoozed_until: None,
            priority: new.priority,
            responders: new.responders,
            tags: new.tags,
            source: new.source,
            owner: String::new(),
            state_since: now,
            created_at: now,
            updated_at: now,
            acknowledged_at: None,
            notes: Vec::new(),
        });
        id
    }

    pub fn alert(&self, id: &str) -> Option<&FakeAlert> {
        self.alerts.iter().find(|a| a.id == id)
    }

    /// Ends the snoozes whose time has come: `updatedAt` becomes the end.
    pub fn expire_snoozes(&mut self, now: DateTime<Utc>) {
        for alert in &mut self.alerts {
            if let Some(until) = alert.snoozed_until.filter(|u| alert.snoozed && *u <= now) {
                alert.snoozed = false;
                alert.updated_at = alert.updated_at.max(until);
                alert.state_since = alert.state_since.max(until);
            }
        }
    }

    /// Accepts a request and returns its id; processed at once unless held.
    pub fn accept(
        &mut self,
        alert_id: &str,
        action: Action,
        note: Option<String>,
        user: &str,
        now: DateTime<Utc>,
    ) -> String {
        let request_id = self.new_id("req");
        self.pending.push_back(Pending {
            request_id: request_id.clone(),
            alert_id: alert_id.to_owned(),
            action,
            note,
            user: user.to_owned(),
        });
        if !self.hold {
            self.process_pending(now);
        }
        request_id
    }

    pub fn process_pending(&mut self, now: DateTime<Utc>) {
        while let Some(request) = self.pending.pop_front() {
            let result = match self.fail_next.take() {
                Some(text) => Err(text),
                None => self.apply(&request, now),
            };
            let (success, status) = match result {
                Ok(()) => (true, request.action.done().to_owned()),
                Err(text) => (false, text),
            };
            self.processed.insert(
                request.request_id.clone(),
                RequestOutcome {
                    action: request.action.name().to_owned(),
                    alert_id: request.alert_id.clone(),
                    success,
                    status,
                    processed_at: now,
                },
            );
        }
    }

    /// Changes the alert as `request` asks, or says why not (the request status text).
    fn apply(&mut self, request: &Pending, now: DateTime<Utc>) -> Result<(), String> {
        self.act(&request.alert_id, &request.action, &request.user, now)?;
        if let Some(note) = request.note.as_deref().filter(|n| !n.trim().is_empty()) {
            if let Some(alert) = self.alerts.iter_mut().find(|a| a.id == request.alert_id) {
                alert.notes.push(FakeNote {
                    note: note.to_owned(),
                    owner: request.user.clone(),
                    created_at: now,
                });
            }
        }
        Ok(())
    }

    /// Changes the alert as `user` did `action`; the words of a refusal are the request
    /// status's.
    pub fn act(
        &mut self,
        id: &str,
        action: &Action,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        let Some(alert) = self.alerts.iter_mut().find(|a| a.id == id) else {
            return Err("Alert does not exist".into());
        };
        if alert.status == "closed" {
            return Err("Alert is already closed".into());
        }
        match action {
            Action::Acknowledge => {
                if alert.acknowledged {
                    return Err("Alert is already acknowledged".into());
                }
                alert.acknowledged = true;
                alert.acknowledged_by = Some(user.to_owned());
                alert.acknowledged_at = Some(now);
                alert.owner = user.to_owned();
            }
            Action::Unacknowledge => {
                if !alert.acknowledged {
                    return Err("Alert is not acknowledged".into());
                }
                alert.acknowledged = false;
                alert.acknowledged_by = None;
            }
            Action::Close => alert.status = "closed".into(),
            Action::Snooze(until) => {
                if *until <= now {
                    return Err("End time should be in the future".into());
                }
                alert.snoozed = true;
                alert.snoozed_until = Some(*until);
            }
            Action::AddNote(text) => alert.notes.push(FakeNote {
                note: text.clone(),
                owner: user.to_owned(),
                created_at: now,
            }),
        }
        if !matches!(action, Action::AddNote(_)) {
            alert.state_since = now;
        }
        alert.updated_at = now;
        Ok(())
    }
}

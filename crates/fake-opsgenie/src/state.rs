//! The account's alerts and the log of asynchronous requests, with the rules Opsgenie
//! applies to them: alias de-duplication, action outcomes, snooze expiry; beside them the
//! API keys and (in `roster`) the users and schedules.
//!
//! Everything here is synchronous and takes `now` as an argument; the routes and the
//! test helpers call it under the one state lock.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::history::{self, LogKind};
use crate::query::Query;
use crate::roster::Roster;
use crate::targets::Targets;
use crate::types::{FakeAlert, FakeResponder, NewAlert, RequestOutcome};

/// The integration every request of the fake's API keys comes from.
pub(crate) const INTEGRATION_ID: &str = "4513b7ea-3b91-438f-b7e4-e3e54af9147c";
pub(crate) const INTEGRATION_NAME: &str = "oncall-tray API";

/// An action as queued by a `POST`, applied when the fake processes requests.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    Create(NewAlert),
    Acknowledge,
    Unacknowledge,
    Close,
    Snooze(DateTime<Utc>),
    /// The note is the request's `note`.
    AddNote,
    /// To the user with that id or username.
    Assign(String),
    /// To the escalation with that id or name.
    Escalate(String),
    /// The responder of that kind (`user`, `team`, `escalation`, `schedule`) with that
    /// id or name.
    AddResponder {
        kind: String,
        identifier: String,
    },
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Create(_) => "Create",
            Action::Acknowledge => "Acknowledge",
            Action::Unacknowledge => "UnAcknowledge",
            Action::Close => "Close",
            Action::Snooze(_) => "Snooze",
            Action::AddNote => "AddNote",
            Action::Assign(_) => "Assign",
            Action::Escalate(_) => "Escalate",
            Action::AddResponder { .. } => "AddResponder",
        }
    }
}

/// How the `identifier` of a path is to be read (`identifierType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdentifierType {
    Id,
    Alias,
    Tiny,
}

impl IdentifierType {
    pub(crate) fn parse(value: Option<&str>) -> Option<Self> {
        match value.unwrap_or("id") {
            "id" => Some(IdentifierType::Id),
            "alias" => Some(IdentifierType::Alias),
            "tiny" => Some(IdentifierType::Tiny),
            _ => None,
        }
    }
}

/// An API key the fake accepts.
#[derive(Clone, Debug)]
pub(crate) struct ApiKey {
    pub key: String,
    /// Opsgenie's `allowConfigurationAccess` of the key's integration: without it only the
    /// Alert API answers (schedules and users are 403).
    pub configuration_access: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Queued {
    pub request_id: String,
    pub identifier: String,
    pub identifier_type: IdentifierType,
    pub action: Action,
    /// `user` of the payload: who `report.acknowledgedBy`/`closedBy` name.
    pub user: Option<String>,
    /// `note` of the payload: added to the alert's notes when the action succeeds.
    pub note: Option<String>,
}

pub(crate) struct State {
    alerts: Vec<FakeAlert>,
    /// Processed requests by request id.
    processed: HashMap<String, RequestOutcome>,
    /// Accepted but not yet processed requests, in arrival order.
    pending: Vec<Queued>,
    /// When set, accepted requests wait for `process_pending` (tests of slow processing).
    pub hold: bool,
    next_seq: u64,
    next_request: u64,
    pub api_keys: Vec<ApiKey>,
    /// Users, schedules and overrides.
    pub roster: Roster,
    /// The account's escalations and teams.
    pub targets: Targets,
    /// The origin `paging` links point at: the served URL, or what a test set.
    pub public_url: String,
    pub public_url_overridden: bool,
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An id in UUID form derived from a counter, so that runs are reproducible.
pub(crate) fn uuid_like(kind: u32, n: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8000-{:012x}",
        0x7041_3a06u32 ^ kind,
        n >> 48,
        kind & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

impl State {
    pub(crate) fn new(api_keys: Vec<ApiKey>) -> Self {
        State {
            alerts: Vec::new(),
            processed: HashMap::new(),
            pending: Vec::new(),
            hold: false,
            next_seq: 1,
            next_request: 1,
            api_keys,
            roster: Roster::default(),
            targets: Targets::default(),
            public_url: String::new(),
            public_url_overridden: false,
        }
    }

    pub(crate) fn new_request_id(&mut self) -> String {
        let id = uuid_like(0x1, self.next_request);
        self.next_request += 1;
        id
    }

    /// Snoozes whose `snoozedUntil` has come end: `snoozed` becomes false (the alert
    /// notifies again); `snoozedUntil` stays as the record of when that happened.
    pub(crate) fn expire_snoozes(&mut self, now: DateTime<Utc>) {
        for alert in &mut self.alerts {
            if alert.snoozed && alert.snoozed_until.is_some_and(|until| until <= now) {
                alert.snoozed = false;
                alert.updated_at = alert.snoozed_until.unwrap_or(now);
                let at = alert.updated_at;
                history::log(alert, LogKind::System, "Snooze ended", INTEGRATION_NAME, at);
            }
        }
    }

    /// Creates an alert, or, when an open alert has the same alias, counts one more
    /// occurrence of it (Opsgenie's de-duplication). Returns the alert id.
    pub(crate) fn create(&mut self, new: NewAlert, now: DateTime<Utc>) -> String {
        if let Some(alias) = &new.alias {
            if let Some(open) = self
                .alerts
                .iter_mut()
                .find(|a| a.status == "open" && &a.alias == alias)
            {
                open.count += 1;
                open.last_occurred_at = now;
                open.updated_at = now;
                let text = format!("Alert count increased to {}", open.count);
                history::log(open, LogKind::System, &text, INTEGRATION_NAME, now);
                return open.id.clone();
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let id = uuid_like(0x2, seq);
        let alias = new.alias.clone().unwrap_or_else(|| id.clone());
        self.alerts.push(FakeAlert {
            id: id.clone(),
            tiny_id: seq.to_string(),
            alias,
            message: new.message,
            description: new.description,
            status: "open".into(),
            acknowledged: false,
            is_seen: false,
            tags: new.tags,
            snoozed: false,
            snoozed_until: None,
            count: 1,
            last_occurred_at: now,
            created_at: now,
            updated_at: now,
            source: new.source.unwrap_or_else(|| "oncall-fake-opsgenie".into()),
            owner: String::new(),
            priority: new.priority.unwrap_or_else(|| "P3".into()),
            responders: new.responders,
            ack_time_ms: None,
            close_time_ms: None,
            acknowledged_by: None,
            closed_by: None,
            notes: Vec::new(),
            log: Vec::new(),
            escalations: Vec::new(),
            seq,
        });
        if let Some(alert) = self.alerts.last_mut() {
            history::log(
                alert,
                LogKind::System,
                "Alert created",
                INTEGRATION_NAME,
                now,
            );
        }
        id
    }

    pub(crate) fn find(&self, identifier: &str, kind: IdentifierType) -> Option<&FakeAlert> {
        match kind {
            IdentifierType::Id => self.alerts.iter().find(|a| a.id == identifier),
            IdentifierType::Tiny => self.alerts.iter().find(|a| a.tiny_id == identifier),
            // The open alert of that alias, else the newest closed one.
            IdentifierType::Alias => self
                .alerts
                .iter()
                .rev()
                .filter(|a| a.alias == identifier)
                .min_by_key(|a| a.status != "open"),
        }
    }

    fn find_index(&self, identifier: &str, kind: IdentifierType) -> Option<usize> {
        let id = self.find(identifier, kind)?.id.clone();
        self.alerts.iter().position(|a| a.id == id)
    }

    pub(crate) fn alert(&self, id: &str) -> Option<FakeAlert> {
        self.alerts.iter().find(|a| a.id == id).cloned()
    }

    pub(crate) fn alerts(&self) -> Vec<FakeAlert> {
        self.alerts.clone()
    }

    /// The alerts `query` selects, sorted.
    pub(crate) fn search(&self, query: &Query, sort: &str, ascending: bool) -> Vec<FakeAlert> {
        let mut found: Vec<FakeAlert> = self
            .alerts
            .iter()
            .filter(|a| query.matches(a))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            let order = match sort {
                "updatedAt" => a.updated_at.cmp(&b.updated_at),
                "lastOccurredAt" => a.last_occurred_at.cmp(&b.last_occurred_at),
                "tinyId" => a.seq.cmp(&b.seq),
                "count" => a.count.cmp(&b.count),
                "message" => a.message.cmp(&b.message),
                _ => a.created_at.cmp(&b.created_at),
            }
            .then(a.seq.cmp(&b.seq));
            if ascending {
                order
            } else {
                order.reverse()
            }
        });
        found
    }

    /// Queues (or, unless held, applies at once) an accepted request.
    pub(crate) fn accept(&mut self, queued: Queued, now: DateTime<Utc>) {
        self.pending.push(queued);
        if !self.hold {
            self.process_pending(now);
        }
    }

    pub(crate) fn process_pending(&mut self, now: DateTime<Utc>) {
        for queued in std::mem::take(&mut self.pending) {
            let outcome = self.apply(&queued, now);
            self.processed.insert(queued.request_id.clone(), outcome);
        }
    }

    pub(crate) fn request(&self, request_id: &str) -> Option<&RequestOutcome> {
        self.processed.get(request_id)
    }

    fn apply(&mut self, queued: &Queued, now: DateTime<Utc>) -> RequestOutcome {
        let action = queued.action.name();
        let outcome = |success: bool, status: &str, alert: Option<&FakeAlert>| RequestOutcome {
            success,
            action: action.to_string(),
            processed_at: now,
            status: status.to_string(),
            alert_id: alert.map(|a| a.id.clone()).unwrap_or_default(),
            alias: alert.map(|a| a.alias.clone()).unwrap_or_default(),
        };
        if let Action::Create(new) = &queued.action {
            let id = self.create(new.clone(), now);
            let alert = self.alerts.iter_mut().find(|a| a.id == id);
            if let (Some(alert), Some(note)) = (alert, &queued.note) {
                history::note(alert, note, INTEGRATION_NAME, now);
            }
            return outcome(
                true,
                "Created alert",
                self.alerts.iter().find(|a| a.id == id),
            );
        }
        let Some(index) = self.find_index(&queued.identifier, queued.identifier_type) else {
            return outcome(false, "Alert does not exist", None);
        };
        let user = queued
            .user
            .clone()
            .unwrap_or_else(|| INTEGRATION_NAME.to_string());
        let roster = &self.roster;
        let targets = &self.targets;
        let alert = &mut self.alerts[index];
        let since_created = (now - alert.created_at).num_milliseconds().max(0);
        // The log line of a change, said after it is made.
        let mut line = None;
        let status: Result<&str, String> = if alert.status == "closed" {
            Err("Alert is already closed".into())
        } else {
            match &queued.action {
                Action::Create(_) => unreachable!("handled above"),
                Action::Acknowledge if alert.acknowledged => {
                    Err("Alert is already acknowledged".into())
                }
                Action::Acknowledge => {
                    alert.acknowledged = true;
                    alert.ack_time_ms = Some(since_created);
                    alert.acknowledged_by = Some(user.clone());
                    line = Some(format!("Alert acknowledged by {user}"));
                    Ok("Acknowledged alert")
                }
                Action::Unacknowledge if !alert.acknowledged => {
                    Err("Alert is not acknowledged".into())
                }
                Action::Unacknowledge => {
                    alert.acknowledged = false;
                    line = Some(format!("Alert unacknowledged by {user}"));
                    Ok("Unacknowledged alert")
                }
                Action::Close => {
                    alert.status = "closed".into();
                    alert.snoozed = false;
                    alert.close_time_ms = Some(since_created);
                    alert.closed_by = Some(user.clone());
                    line = Some(format!("Alert closed by {user}"));
                    Ok("Closed alert")
                }
                Action::Snooze(until) => {
                    alert.snoozed = true;
                    alert.snoozed_until = Some(*until);
                    line = Some(format!("Alert snoozed until {} by {user}", ts(*until)));
                    Ok("Snoozed alert")
                }
                // The note itself is added below, as for every action that carries one.
                Action::AddNote => Ok("Added note"),
                Action::Assign(identifier) => match roster.user(identifier) {
                    None => Err(format!("User [{identifier}] does not exist")),
                    Some(owner) => {
                        alert.owner = owner.username.clone();
                        line = Some(format!("Alert owner set to {} by {user}", owner.username));
                        Ok("Assigned alert")
                    }
                },
                Action::Escalate(identifier) => {
                    match targets.responder(roster, "escalation", identifier) {
                        Err(text) => Err(text),
                        Ok(escalation) => {
                            alert.escalations.push(escalation.id.clone());
                            line =
                                Some(format!("Alert escalated to {} by {user}", escalation.name));
                            if !alert.responders.contains(&escalation) {
                                alert.responders.push(escalation);
                            }
                            Ok("Escalated alert")
                        }
                    }
                }
                // Adding a responder the alert already has changes nothing and succeeds.
                Action::AddResponder { kind, identifier } => {
                    match targets.responder(roster, kind, identifier) {
                        Err(text) => Err(text),
                        Ok(responder) => {
                            if !alert.responders.contains(&responder) {
                                line =
                                    Some(format!("Responder {} added by {user}", responder.name));
                                alert.responders.push(responder);
                            }
                            Ok("Added responder")
                        }
                    }
                }
            }
        };
        if status.is_ok() {
            alert.updated_at = now;
            if let Some(line) = line {
                history::log(alert, LogKind::Action, &line, &user, now);
            }
            if let Some(note) = queued.note.as_deref().filter(|n| !n.trim().is_empty()) {
                history::note(alert, note, &user, now);
            }
        }
        let alert = alert.clone();
        match status {
            Ok(text) => outcome(true, text, Some(&alert)),
            Err(text) => outcome(false, &text, Some(&alert)),
        }
    }

    /// Marks an alert seen (as opening it in the web UI does); `updatedAt` moves.
    pub(crate) fn mark_seen(&mut self, id: &str, now: DateTime<Utc>) -> bool {
        let Some(alert) = self.alerts.iter_mut().find(|a| a.id == id) else {
            return false;
        };
        alert.is_seen = true;
        alert.updated_at = now;
        history::log(alert, LogKind::System, "Alert seen", INTEGRATION_NAME, now);
        true
    }

    /// Applies an action as someone elsewhere (web UI, phone) would: synchronously,
    /// without a request id. Returns the outcome's status text on failure.
    pub(crate) fn act_elsewhere(
        &mut self,
        id: &str,
        action: Action,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        self.apply_elsewhere(id, action, None, user, now)
    }

    /// [`State::act_elsewhere`] with the action's note.
    pub(crate) fn act_elsewhere_with_note(
        &mut self,
        id: &str,
        action: Action,
        note: &str,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        self.apply_elsewhere(id, action, Some(note), user, now)
    }

    fn apply_elsewhere(
        &mut self,
        id: &str,
        action: Action,
        note: Option<&str>,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        let queued = Queued {
            request_id: String::new(),
            identifier: id.to_string(),
            identifier_type: IdentifierType::Id,
            action,
            user: Some(user.to_string()),
            note: note.map(str::to_string),
        };
        let outcome = self.apply(&queued, now);
        if outcome.success {
            Ok(())
        } else {
            Err(outcome.status)
        }
    }
}

fn responder_json(r: &FakeResponder) -> Value {
    json!({ "type": r.kind, "id": r.id })
}

/// The alert as `BaseAlert` (lists) or, with `full`, as `Alert` (get one).
pub(crate) fn alert_json(alert: &FakeAlert, full: bool) -> Value {
    let mut report = Map::new();
    if let Some(ms) = alert.ack_time_ms {
        report.insert("ackTime".into(), json!(ms));
    }
    if let Some(ms) = alert.close_time_ms {
        report.insert("closeTime".into(), json!(ms));
    }
    if let Some(by) = &alert.acknowledged_by {
        report.insert("acknowledgedBy".into(), json!(by));
    }
    if let Some(by) = &alert.closed_by {
        report.insert("closedBy".into(), json!(by));
    }
    let mut value = json!({
        "id": alert.id,
        "tinyId": alert.tiny_id,
        "alias": alert.alias,
        "message": alert.message,
        "status": alert.status,
        "acknowledged": alert.acknowledged,
        "isSeen": alert.is_seen,
        "tags": alert.tags,
        "snoozed": alert.snoozed,
        "count": alert.count,
        "lastOccurredAt": ts(alert.last_occurred_at),
        "createdAt": ts(alert.created_at),
        "updatedAt": ts(alert.updated_at),
        "source": alert.source,
        "owner": alert.owner,
        "priority": alert.priority,
        "responders": alert.responders.iter().map(responder_json).collect::<Vec<_>>(),
        // Not in the document's `BaseAlert`, but in Opsgenie's answers (its Go SDK reads
        // `teams`): the teams the alert is routed to, as the otherwise unused
        // `AlertTeamMeta` (ids only).
        "teams": alert
            .responders
            .iter()
            .filter(|r| r.kind == "team")
            .map(|r| json!({ "id": r.id }))
            .collect::<Vec<_>>(),
        "integration": { "id": INTEGRATION_ID, "name": INTEGRATION_NAME, "type": "API" },
        "report": report,
    });
    let object = value.as_object_mut().expect("an object");
    if let Some(until) = alert.snoozed_until {
        object.insert("snoozedUntil".into(), json!(ts(until)));
    }
    if full {
        object.insert("actions".into(), json!([]));
        object.insert("entity".into(), json!(""));
        object.insert("description".into(), json!(alert.description));
        object.insert("details".into(), json!({}));
    }
    value
}

pub(crate) fn outcome_json(outcome: &RequestOutcome) -> Value {
    json!({
        "success": outcome.success,
        "isSuccess": outcome.success,
        "action": outcome.action,
        "processedAt": ts(outcome.processed_at),
        "integrationId": INTEGRATION_ID,
        "status": outcome.status,
        "alertId": outcome.alert_id,
        "alias": outcome.alias,
    })
}

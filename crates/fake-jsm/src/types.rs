//! What tests hand the fake and read back from it.

use chrono::{DateTime, Duration, Utc};

use crate::EMAIL;

/// An alert to create, as an integration would ([`crate::FakeJsm::create_alert`]).
#[derive(Clone, Debug)]
pub struct NewAlert {
    pub(crate) message: String,
    pub(crate) id: Option<String>,
    pub(crate) priority: String,
    pub(crate) responders: Vec<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) source: String,
    pub(crate) created_at: Option<DateTime<Utc>>,
}

impl NewAlert {
    /// An open P3 alert (JSM's default priority) with the fake's user ([`EMAIL`]) as its
    /// responder, so the client's default query ("open alerts for me") lists it.
    pub fn new(message: &str) -> Self {
        NewAlert {
            message: message.to_owned(),
            id: None,
            priority: "P3".to_owned(),
            responders: vec![EMAIL.to_owned()],
            tags: Vec::new(),
            source: "fake-monitoring".to_owned(),
            created_at: None,
        }
    }

    /// Created at `at` instead of the fake's now: an alert brought over from Opsgenie
    /// keeps its creation time (the migration tests mirror one).
    pub fn created_at(mut self, at: DateTime<Utc>) -> Self {
        self.created_at = Some(at);
        self
    }

    /// Gives the alert this id instead of a generated one (e.g. the id an Opsgenie alert
    /// had, for the migration tests).
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    pub fn priority(mut self, priority: &str) -> Self {
        self.priority = priority.to_owned();
        self
    }

    /// The users (by e-mail) or teams (by name) the alert is routed to, instead of
    /// [`EMAIL`].
    pub fn responders(mut self, responders: &[&str]) -> Self {
        self.responders = responders.iter().map(|r| r.to_string()).collect();
        self
    }

    pub fn tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.to_owned());
        self
    }

    pub fn source(mut self, source: &str) -> Self {
        self.source = source.to_owned();
        self
    }
}

/// An alert as the fake holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeAlert {
    pub id: String,
    pub tiny_id: u64,
    pub message: String,
    /// `open` or `closed`.
    pub status: String,
    pub acknowledged: bool,
    /// Who acknowledged it last (an e-mail), while acknowledged.
    pub acknowledged_by: Option<String>,
    pub snoozed: bool,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub priority: String,
    pub responders: Vec<String>,
    pub tags: Vec<String>,
    pub source: String,
    /// Who acknowledged it (an e-mail), kept after an un-acknowledgement, as `owner`.
    pub owner: String,
    /// When its state (open or closed, acknowledged, snoozed) last changed; a snooze
    /// that ended by itself, at its own end. Not in the API (which keeps no time of an
    /// un-acknowledgement, and `updatedAt` moves for a note too): the ground truth a test
    /// compares the app's pages with.
    pub state_since: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was last acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub notes: Vec<FakeNote>,
}

/// A note on an alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeNote {
    pub note: String,
    /// Who added it (an e-mail).
    pub owner: String,
    pub created_at: DateTime<Utc>,
}

/// What a processed request came to, as `GET …/v1/alerts/requests/{id}` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestOutcome {
    /// `Acknowledge`, `Unacknowledge`, `Close`, `Snooze`, `AddNote`.
    pub action: String,
    pub alert_id: String,
    pub success: bool,
    pub status: String,
    pub processed_at: DateTime<Utc>,
}

/// An Atlassian user of the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeUser {
    pub account_id: String,
    pub email: String,
    pub display_name: String,
}

/// A schedule of rotations running side by side ([`crate::FakeJsm::add_schedule`]).
#[derive(Clone, Debug)]
pub struct ScheduleSpec {
    pub name: String,
    pub rotations: Vec<RotationSpec>,
}

/// People (by e-mail) taking turns of `turn`, the first one's first turn starting at
/// `start`.
#[derive(Clone, Debug)]
pub struct RotationSpec {
    pub name: String,
    pub people: Vec<String>,
    pub turn: Duration,
    pub start: DateTime<Utc>,
}

impl ScheduleSpec {
    /// One rotation of `people` (e-mails), turns of `turn` from `start`.
    pub fn rotation(name: &str, people: &[&str], turn: Duration, start: DateTime<Utc>) -> Self {
        ScheduleSpec {
            name: name.to_owned(),
            rotations: vec![RotationSpec {
                name: format!("{name} rotation"),
                people: people.iter().map(|p| p.to_string()).collect(),
                turn,
                start,
            }],
        }
    }
}

/// An override: `account_id` on call in every rotation of the schedule from `start` to
/// `end`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeOverride {
    pub alias: String,
    pub account_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

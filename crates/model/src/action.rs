use serde::{Deserialize, Serialize};

use crate::{Assignee, Urgency};

/// The longest note (or responder message) sent: far more than a handover needs, and
/// within what the services accept.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// What the user asked the service to do with an incident. Every kind follows the same
/// rules: saved before it is sent, sent once, kept until the service confirms or
/// refuses it for good.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionKind {
    Acknowledge,
    Resolve,
    /// Snooze an acknowledged incident; it re-triggers when the time is up.
    Snooze {
        seconds: u32,
    },
    /// Withdraw an earlier acknowledgement (Alertmanager: expire the silence).
    Unacknowledge,
    /// Hand the incident to a user or an escalation policy (PagerDuty), a user or a
    /// team (Opsgenie).
    Reassign {
        to: Assignee,
    },
    /// PagerDuty: to the next level of the incident's escalation policy (`to` is
    /// `None`). Opsgenie: to the named escalation.
    Escalate {
        to: Option<Assignee>,
    },
    /// A note on the incident, for the next person.
    AddNote {
        text: String,
    },
    /// Ask more people (or escalation policies) to respond, with a message.
    AddResponders {
        responders: Vec<Assignee>,
        message: String,
    },
    /// Raise or lower the incident's urgency (PagerDuty).
    SetUrgency {
        urgency: Urgency,
    },
}

impl ActionKind {
    /// The verb for "could not {verb} INCIDENT".
    pub fn verb(&self) -> &'static str {
        match self {
            ActionKind::Acknowledge => "acknowledge",
            ActionKind::Resolve => "resolve",
            ActionKind::Snooze { .. } => "snooze",
            ActionKind::Unacknowledge => "unacknowledge",
            ActionKind::Reassign { .. } => "reassign",
            ActionKind::Escalate { .. } => "escalate",
            ActionKind::AddNote { .. } => "add a note to",
            ActionKind::AddResponders { .. } => "add responders to",
            ActionKind::SetUrgency { .. } => "change the urgency of",
        }
    }

    /// Why the action cannot be sent as it is, in words for the user; `None` when it
    /// can. Checked before anything is saved, so nothing the service must refuse waits
    /// in the queue.
    pub fn problem(&self) -> Option<String> {
        match self {
            ActionKind::AddNote { text } if text.trim().is_empty() => {
                Some("the note is empty: write what the next person should know".into())
            }
            ActionKind::AddNote { text } if text.chars().count() > MAX_NOTE_CHARS => Some(format!(
                "the note is longer than {MAX_NOTE_CHARS} characters: shorten it"
            )),
            ActionKind::AddResponders { responders, .. } if responders.is_empty() => {
                Some("no one was chosen to ask for help".into())
            }
            ActionKind::AddResponders { message, .. }
                if message.chars().count() > MAX_NOTE_CHARS =>
            {
                Some(format!(
                    "the message is longer than {MAX_NOTE_CHARS} characters: shorten it"
                ))
            }
            ActionKind::Reassign { to } | ActionKind::Escalate { to: Some(to) }
                if to.id.trim().is_empty() =>
            {
                Some("no one was chosen to hand the incident to".into())
            }
            _ => None,
        }
    }

    /// Whether the action changes the incident's status (acknowledge, resolve, snooze,
    /// unacknowledge), as opposed to who has it or what is written on it.
    pub fn changes_status(&self) -> bool {
        matches!(
            self,
            ActionKind::Acknowledge
                | ActionKind::Resolve
                | ActionKind::Snooze { .. }
                | ActionKind::Unacknowledge
        )
    }
}

/// Identifies a queued action for its whole life: on disk, in events and in the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ActionId(pub u64);

/// A confirmed outcome. Both "already" variants mean the user's intent holds, so none
/// of them is an error for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionOutcome {
    Done,
    /// The service says someone already did it (PagerDuty error 1002 on acknowledge).
    AlreadyDone,
    /// The incident was resolved before our request arrived (PagerDuty error 1001).
    AlreadyResolved,
}

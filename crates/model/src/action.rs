use serde::{Deserialize, Serialize};

/// What the user asked the service to do with an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
}

impl ActionKind {
    pub fn verb(self) -> &'static str {
        match self {
            ActionKind::Acknowledge => "acknowledge",
            ActionKind::Resolve => "resolve",
            ActionKind::Snooze { .. } => "snooze",
            ActionKind::Unacknowledge => "unacknowledge",
        }
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

//! The two files the engine keeps in the data directory, each written atomically:
//! `state.json` (what has rung, last successes, undelivered decisions) and
//! `actions.json` (the user's actions not yet confirmed by the service). Actions live
//! in their own file because they are written before every send and must survive
//! anything that happens to the rest of the state.
//!
//! Both are small (kilobytes) and written inline while the engine's state lock is held:
//! the write order is then the decision order, and tests on paused tokio time never
//! race a blocking-pool thread.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use oncall_model::{AccountId, ActionId, ActionKind, IncidentKey};
use oncall_policy::{Decision, PolicyState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct StateFile {
    #[serde(default)]
    pub policy: PolicyState,
    #[serde(default)]
    pub last_success: BTreeMap<AccountId, DateTime<Utc>>,
    /// Decisions taken but not yet handed to the notifier. Written before delivery so
    /// that a crash in between re-delivers a page rather than losing it.
    #[serde(default)]
    pub outbox: Vec<Decision>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ActionsFile {
    #[serde(default)]
    pub next_id: u64,
    #[serde(default)]
    pub pending: Vec<PendingAction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingAction {
    pub id: ActionId,
    pub incident: IncidentKey,
    pub kind: ActionKind,
    pub requested_at: DateTime<Utc>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

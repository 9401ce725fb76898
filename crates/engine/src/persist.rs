//! The three files the engine keeps in the data directory: `state.json` (what has rung,
//! last successes, undelivered decisions) and `actions.json` (the user's actions not
//! yet confirmed by the service), each written atomically, and `history.jsonl` (30
//! days of pages and actions, appended to; [`HistoryStore`], in `history_file.rs`).
//! Actions live in their own file because they are written before every send and must
//! survive anything that happens to the rest of the state; the history has its own
//! because pages and actions are rare and polls are not.
//!
//! Each file is owned by one type that knows its path and whether the disk is behind
//! ([`StateStore`] by the bytes it last wrote, [`HistoryStore`] by the entries not yet
//! appended), so no caller keeps that bookkeeping by hand.
//!
//! All are written inline while the engine's state lock is held: the write order is
//! then the decision order, and tests on paused tokio time never race a blocking-pool
//! thread. The two JSON files are kilobytes; the history is appended a line at a time
//! and rewritten whole (up to 5 MiB) only at start or when it passes a cap.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use oncall_model::{AccountId, ActionId, ActionKind, IncidentKey};
use oncall_policy::{Decision, PolicyState};
use oncall_store::json_file::{self, Loaded};
use oncall_store::StoreError;
use serde::{Deserialize, Serialize};

pub(crate) use crate::history_file::HistoryStore;

/// What `state.json` holds.
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
    /// What each account's client remembered that its service cannot tell again
    /// ([`oncall_model::Provider::memory`]), for the next run's client. Not read here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub clients: BTreeMap<AccountId, serde_json::Value>,
}

/// What `actions.json` holds.
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

/// Loads `path` as `T`; an unreadable file's warning joins `warnings`.
fn load<T>(path: &Path, warnings: &mut Vec<String>) -> Result<T, StoreError>
where
    T: serde::de::DeserializeOwned + Default,
{
    let Loaded { value, warning } = json_file::load::<T>(path)?;
    warnings.extend(warning);
    Ok(value)
}

/// `state.json` and what this engine last wrote to it. Read and changed through
/// `Deref`; [`StateStore::save`] writes only when the encoding differs from the
/// file's bytes, so a quiet poll costs no fsync.
pub(crate) struct StateStore {
    path: PathBuf,
    file: StateFile,
    /// What the file holds, as this store last wrote it (empty before the first
    /// write): every write goes through [`StateStore::save`], so it stays true.
    on_disk: Vec<u8>,
}

impl StateStore {
    pub(crate) fn load(path: PathBuf, warnings: &mut Vec<String>) -> Result<Self, StoreError> {
        let file = load(&path, warnings)?;
        Ok(StateStore {
            path,
            file,
            on_disk: Vec::new(),
        })
    }

    /// Writes the file unless it already holds exactly this state; returns whether it
    /// wrote.
    pub(crate) fn save(&mut self) -> Result<bool, StoreError> {
        json_file::save_if_changed(&self.path, &self.file, &mut self.on_disk)
    }
}

impl Deref for StateStore {
    type Target = StateFile;

    fn deref(&self) -> &StateFile {
        &self.file
    }
}

impl DerefMut for StateStore {
    fn deref_mut(&mut self) -> &mut StateFile {
        &mut self.file
    }
}

/// `actions.json`: the user's actions until the service confirms or refuses them. It
/// has no dirty state: every change is saved by its caller at once, since an action is
/// only accepted once it is on disk.
pub(crate) struct ActionJournal {
    path: PathBuf,
    file: ActionsFile,
}

impl ActionJournal {
    pub(crate) fn load(path: PathBuf, warnings: &mut Vec<String>) -> Result<Self, StoreError> {
        let file = load(&path, warnings)?;
        Ok(ActionJournal { path, file })
    }

    pub(crate) fn save(&self) -> Result<(), StoreError> {
        json_file::save(&self.path, &self.file)
    }

    /// Every action not yet confirmed or refused, oldest first.
    pub(crate) fn pending(&self) -> &[PendingAction] {
        &self.file.pending
    }

    /// The action already waiting to do `kind` to `incident`, if any.
    pub(crate) fn waiting(&self, incident: &IncidentKey, kind: &ActionKind) -> Option<ActionId> {
        self.file
            .pending
            .iter()
            .find(|p| &p.incident == incident && &p.kind == kind)
            .map(|p| p.id)
    }

    /// Queues a new action under the next free id.
    pub(crate) fn push(
        &mut self,
        incident: IncidentKey,
        kind: ActionKind,
        requested_at: DateTime<Utc>,
    ) -> ActionId {
        let id = ActionId(self.file.next_id);
        self.file.next_id += 1;
        self.file.pending.push(PendingAction {
            id,
            incident,
            kind,
            requested_at,
            attempts: 0,
            last_error: None,
        });
        id
    }

    /// Takes the actions `ids` out (they could not be saved). Their ids stay used.
    pub(crate) fn take_back(&mut self, ids: &[ActionId]) {
        self.file.pending.retain(|p| !ids.contains(&p.id));
    }

    /// The account's actions, grouped by kind (each group and the groups oldest first).
    pub(crate) fn due(&self, account: &AccountId) -> Vec<(ActionKind, Vec<PendingAction>)> {
        let mut groups: Vec<(ActionKind, Vec<PendingAction>)> = Vec::new();
        for action in self
            .file
            .pending
            .iter()
            .filter(|p| &p.incident.account == account)
        {
            match groups.iter_mut().find(|(k, _)| *k == action.kind) {
                Some((_, items)) => items.push(action.clone()),
                None => groups.push((action.kind.clone(), vec![action.clone()])),
            }
        }
        groups
    }

    /// The action `id` failed in a way worth another try; it stays queued.
    pub(crate) fn attempt_failed(&mut self, id: ActionId, error: String) {
        if let Some(p) = self.file.pending.iter_mut().find(|p| p.id == id) {
            p.attempts += 1;
            p.last_error = Some(error);
        }
    }

    /// The service answered the action `id` for good.
    pub(crate) fn finished(&mut self, id: ActionId) {
        self.file.pending.retain(|p| p.id != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;

    fn key(id: &str) -> IncidentKey {
        crate::testing::key("work", id)
    }

    #[test]
    fn the_state_is_written_only_when_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut state = StateStore::load(path.clone(), &mut Vec::new()).unwrap();
        assert!(state.save().unwrap());
        assert!(!state.save().unwrap());
        state.last_success.insert(AccountId("work".into()), at());
        assert!(state.save().unwrap());
        let reloaded = StateStore::load(path, &mut Vec::new()).unwrap();
        assert_eq!(*reloaded, *state);
    }

    #[test]
    fn actions_taken_back_leave_their_ids_used() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal =
            ActionJournal::load(dir.path().join("actions.json"), &mut Vec::new()).unwrap();
        let first = journal.push(key("1"), ActionKind::Acknowledge, at());
        assert_eq!(
            journal.waiting(&key("1"), &ActionKind::Acknowledge),
            Some(first)
        );
        assert_eq!(journal.waiting(&key("1"), &ActionKind::Resolve), None);
        journal.take_back(&[first]);
        assert!(journal.pending().is_empty());
        let second = journal.push(key("1"), ActionKind::Acknowledge, at());
        assert_ne!(first, second);
    }

    #[test]
    fn due_actions_are_grouped_by_kind_in_the_order_they_were_queued() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal =
            ActionJournal::load(dir.path().join("actions.json"), &mut Vec::new()).unwrap();
        journal.push(key("1"), ActionKind::Acknowledge, at());
        journal.push(key("2"), ActionKind::Resolve, at());
        let third = journal.push(key("3"), ActionKind::Acknowledge, at());
        journal.attempt_failed(third, "offline".into());
        let groups = journal.due(&AccountId("work".into()));
        let ids: Vec<(ActionKind, Vec<&str>)> = groups
            .iter()
            .map(|(kind, actions)| {
                (
                    kind.clone(),
                    actions.iter().map(|a| a.incident.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            [
                (ActionKind::Acknowledge, vec!["1", "3"]),
                (ActionKind::Resolve, vec!["2"])
            ]
        );
        assert_eq!(groups[0].1[1].attempts, 1);
        assert!(journal.due(&AccountId("home".into())).is_empty());
    }
}

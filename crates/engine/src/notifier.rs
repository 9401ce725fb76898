//! The engine's only way to put something on screen. The shell implements it with
//! desktop notifications; tests with a recorder.

use async_trait::async_trait;
use oncall_model::{AccountId, ActionKind, IncidentKey, ProviderKind};
use oncall_policy::Decision;

/// Things worth a notification that are not pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The account's token was refused; shown once per failure, not per poll.
    TokenRejected {
        account: AccountId,
        provider: ProviderKind,
        reason: String,
    },
    /// The account's token could not be had (a token command failed, the keychain is
    /// locked): its pages are stopped while the engine retries. Shown once per failure,
    /// not per retry. `reason` says what failed without naming the account
    /// ([`crate::CredentialError::cause`]).
    CredentialFailed { account: AccountId, reason: String },
    /// The user acted on an incident, but the action could not be saved to disk, so it
    /// was refused and not sent (`cause`: "the disk is full"). The incident still needs
    /// them: the notice offers the action again.
    ActionNotSaved {
        incident: IncidentKey,
        /// Its number and title, when the engine knows it.
        title: Option<String>,
        kind: ActionKind,
        cause: String,
    },
}

#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Performs one policy decision. `Ok` means it reached the screen; an error keeps
    /// it in the outbox, and the engine retries it (the tray shows the incident
    /// meanwhile). Repeating a decision that did reach the screen must not ring again.
    async fn apply(&self, decision: &Decision) -> Result<(), String>;

    async fn notice(&self, notice: &Notice) -> Result<(), String>;

    /// Bumped whenever a notification server takes over (one starts, or another
    /// replaces it): the engine retries held pages at once instead of at its next
    /// backoff step. `None`: the notifier cannot tell.
    fn server_changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        None
    }
}

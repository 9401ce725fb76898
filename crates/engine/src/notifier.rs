//! The engine's only way to put something on screen. The shell implements it with
//! desktop notifications; tests with a recorder.

use async_trait::async_trait;
use oncall_model::{AccountId, ProviderKind};
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
}

#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Performs one policy decision. An error means it may not have reached the screen;
    /// the engine logs it and carries on (the tray still shows the incident).
    async fn apply(&self, decision: &Decision) -> Result<(), String>;

    async fn notice(&self, notice: &Notice) -> Result<(), String>;
}

//! What the engine's public calls can fail with.

use oncall_model::{AccountId, ActionKind, ProviderError};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the state file could not be written: {0}")]
    Store(#[from] oncall_store::StoreError),
    /// An action is accepted only once it is on disk (so a crash or a lost network
    /// cannot lose it); this one could not be written, so it was not sent either.
    #[error(
        "could not {verb}: oncall-tray could not save it to disk first ({cause}), so \
         nothing was sent. Free some space or fix the data folder, then try again",
        verb = kind.verb(),
        cause = source.plain_cause()
    )]
    ActionNotSaved {
        /// Boxed: a reassignment or a note is large, and this error travels in every
        /// `Result` the engine returns.
        kind: Box<ActionKind>,
        #[source]
        source: oncall_store::StoreError,
    },
    #[error("there is no account named `{0}`")]
    UnknownAccount(AccountId),
    #[error("{0}")]
    Unsupported(String),
    /// The action cannot be sent as it is (an empty note, no one to hand it to).
    #[error("{0}")]
    InvalidAction(String),
    /// The account has no working client: its token cannot be had, or its settings
    /// cannot make one.
    #[error("{0}")]
    NoClient(String),
    /// The service answered a direct request (not a queued action) with an error.
    #[error(transparent)]
    Service(#[from] ProviderError),
}

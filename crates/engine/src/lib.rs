//! The oncall-tray engine, with no display: it polls each account, decides what rings
//! (through `oncall-policy`), keeps the user's actions until the service confirms
//! them, and publishes a [`View`] for whatever shows it (tray, window, CLI).
//!
//! Every task it spawns belongs to [`Engine`] and ends on [`Engine::shutdown`].

mod account;
mod actions;
mod away;
mod backoff;
mod clock;
mod credentials;
mod delivery;
mod engine;
mod error;
mod generation;
mod history;
mod history_file;
mod launch;
mod mutes;
mod noise;
mod notifier;
mod outbox;
mod overlay;
mod persist;
mod poller;
mod providers;
mod shared;
mod shifts;
#[cfg(test)]
mod testing;
mod view;

/// Decoder entry points for `fuzz/`; not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use clock::{Clock, SystemClock, TestClock};
pub use credentials::{run_token_command, CredentialError, Credentials, StaticCredentials};
pub use engine::{Engine, EngineOptions};
pub use error::EngineError;
pub use history::{
    away_summary, on_call_log, ActionStage, AwaySummary, Handled, HistoryEntry, HistoryEvent,
    HISTORY_SPAN, MAX_ENTRIES as MAX_HISTORY_ENTRIES, RECENT_SPAN,
};
pub use history_file::{read_history, HistoryReadError, MAX_FILE_BYTES as MAX_HISTORY_FILE_BYTES};
pub use notifier::{Notice, Notifier};
pub use providers::{
    build as build_provider, capabilities_of, needs_token, token_origin, TokenOrigin,
};
pub use view::{
    AccountView, ActionResult, Connection, Delivery, EngineEvent, IncidentView, Mute, Quiet, View,
};

//! The vocabulary every other crate speaks: accounts, incidents, actions and the
//! [`Provider`] interface that PagerDuty, Alertmanager and Opsgenie clients implement.
//!
//! Provider wire formats never leave their client crate: each client converts its JSON
//! into these types, so the poller, the notification policy and the UI only ever see an
//! [`Incident`].

mod action;
mod incident;
mod provider;
mod respond;
mod shift;
mod text;
pub mod timestamp;
mod transport;
mod web_link;

pub use action::{ActionId, ActionKind, ActionOutcome, MAX_NOTE_CHARS};
pub use incident::{AccountId, Incident, IncidentKey, Person, ProviderKind, Status, Urgency};
pub use provider::{Capabilities, FetchResult, Identity, Provider, ProviderError};
pub use respond::{
    Assignee, AssigneeKind, IncidentAlert, IncidentDetails, IncidentLogEntry, IncidentNote,
};
pub use shift::{
    CoverRequest, OnCallPerson, OnCallShift, RotaEntry, ScheduleOverride, WallClock, SHIFT_HORIZON,
};
pub use text::display_text;
pub use transport::{require_secure_transport, InsecureUrl};
pub use web_link::web_link;

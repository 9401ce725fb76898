//! The Opsgenie Alert API v2 client of oncall-tray: an [`oncall_model::Provider`] for one
//! Opsgenie account (one API integration key).
//!
//! Atlassian has announced Opsgenie's end of support. Everything Opsgenie-specific lives
//! in this crate (and its fake); removing the provider means removing the two crates and
//! the one place that builds an [`OpsgenieClient`] from the config.
//!
//! # What the client does
//! - `identify`: one `GET /v2/alerts?limit=1` with the account's query to prove the key
//!   (and the query); integration keys have no user, so the identity is the account.
//! - `open_incidents`: `GET /v2/alerts` with the account's query, 100 per page, oldest
//!   first, following `paging.next` (only to the base URL's origin) to the end,
//!   de-duplicated. Either the whole list or an error. `status_changed_at` is derived so
//!   that un-acknowledged alerts and ended snoozes page again (see `convert.rs`).
//! - `act`: acknowledge, unacknowledge, close (resolve) and snooze are asynchronous on
//!   Opsgenie (202 + `requestId`); each is confirmed through
//!   `GET /v2/alerts/requests/{id}` before it is reported, within `confirm_timeout`.
//! - `act` also adds notes (`…/notes`), escalates to a chosen escalation (`…/escalate`),
//!   assigns the alert to a user (`…/assign`) and adds responders (`…/responders`, one
//!   request each), confirmed the same way (`provider/respond.rs`).
//! - `details`: the newest 100 notes and log lines of an alert
//!   (`GET /v2/alerts/{id}/notes` and `…/logs`), asked for by the detail pane, never by a
//!   poll. `find_assignees`: users (`GET /v2/users?query=…`), escalations and teams
//!   (`GET /v2/escalations`, `GET /v2/teams`), filtered by name here; like the schedule
//!   routes they need configuration access, and a 403 is `Rejected` naming it.
//! - An incident's `teams` are the alert's `teams`: ids, as Opsgenie lists them (a name
//!   is used if one ever comes).
//! - `on_calls`, `rota`, `cover`: over the Schedule API, for the user the account names
//!   ([`OpsgenieConfig::on_call_user`]; an integration key has no user of its own, so
//!   without it each is `Rejected`, nothing sent, saying to set it). The user is looked up once
//!   (`GET /v2/users/{identifier}`); each call lists their schedules
//!   (`GET /v2/users/{id}/schedules`) and reads each one's final timeline
//!   (`GET /v2/schedules/{id}/timeline`, a day back to two weeks ahead): my shifts, who is
//!   on call now and until when, who is next. `cover` posts a schedule override
//!   (`POST /v2/schedules/{id}/overrides`). These routes need a key with configuration
//!   access; a 403 there is `Rejected` naming it, and alerts keep polling.
//!
//! # What it deliberately does not do
//! No retries (the engine owns them), no parallel requests (one in flight per client;
//! share one client per account), no redirects, no plain HTTP except to loopback.
//!
//! # Secrets
//! The key is only ever in the `Authorization: GenieKey …` header, marked sensitive. No
//! error, `Debug` output or log line of this crate contains it.

mod config;
mod convert;
mod errors;
mod http;
mod provider;
mod wire;

/// Decoder entry points for `fuzz/`; not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
mod proptests;

pub use config::{
    OpsgenieConfig, DEFAULT_CONFIRM_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_QUERY,
    DEFAULT_REQUEST_TIMEOUT, EU_API, US_API,
};
pub use errors::ClientError;
pub use provider::{OpsgenieClient, CAPABILITIES};
/// Re-exported so that callers can build a config without naming `secrecy`.
pub use secrecy::SecretString;

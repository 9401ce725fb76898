//! The Grafana OnCall HTTP API client of oncall-tray: an [`oncall_model::Provider`] for
//! one user's API key. Grafana OnCall (open source, archived) lives on as Grafana Cloud
//! IRM with the same API, so one client serves both; its address is the "OnCall API
//! URL" of OnCall → Settings ([`GrafanaOnCallConfig::api_url`]).
//!
//! # What the client does
//! - `identify`: `GET /api/v1/users/current/`, once: the key's user (id, e-mail,
//!   username).
//! - `open_incidents`: `GET /api/v1/alert_groups/?state=new`, then `?state=acknowledged`
//!   (with the account's `team_id` and `label` filters), each followed through `next`
//!   (only to the API URL's origin and the same list) to its end, merged and
//!   de-duplicated; the whole list or an error. **Two requests per poll at least**: the
//!   `state` filter takes one value per request, and a page holds 50 groups, so a poll is
//!   two requests while each state has at most 50. A silenced group is in neither list:
//!   one the user silenced here is asked for by id (`GET /api/v1/alert_groups/{id}`) on
//!   each poll while its silence lasts and shown acknowledged (a snooze, as on the other
//!   services); when the silence ends it is listed as new again, at a later
//!   `status_changed_at`, and pages again (`convert.rs`). Alert groups have no priority:
//!   all are high urgency (noise rules can lower a service). The service is the
//!   integration id (the integrations API is not in the reference this client follows);
//!   the link is `permalinks.web`.
//! - `act`: `POST /api/v1/alert_groups/{id}/acknowledge`, `…/unacknowledge` (`…/unsilence`
//!   for a group silenced here), `…/resolve`, `…/silence` with `{"delay": seconds}`, and
//!   notes as resolution notes (`POST /api/v1/resolution_notes/`). Each is synchronous:
//!   the answer is the outcome (`provider/act.rs`).
//! - `on_calls`, `rota`: from the schedules' final shifts (`provider/schedules.rs`).
//!   `cover` is `Unsupported`: the API creates no schedule overrides (`on_call_shifts`
//!   are rotations, of types `single_event`, `recurrent_event` and `rolling_users`).
//! - Errors: 401/403 are `Unauthorized` ("Grafana OnCall refused the API key"), 429
//!   `RateLimited` with `Retry-After` when sent (the API allows 300 requests per 5
//!   minutes per key), 5xx `Unavailable`, unreadable answers `Malformed`.
//!
//! # What it deliberately does not do
//! No retries (the engine owns them), no parallel requests (one in flight per client),
//! no redirects, no plain HTTP except to loopback. Paths are written with the trailing
//! slash exactly where the reference writes them (`alert_groups/`, `users/current/`,
//! `schedules/`, `resolution_notes/`; none on `alert_groups/{id}/acknowledge` and
//! `schedules/{id}/final_shifts`).
//!
//! # Secrets
//! The key is only ever the `Authorization` header's value, marked sensitive. No error,
//! `Debug` output or log line of this crate contains it.

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
mod examples;
#[cfg(test)]
mod proptests;

pub use config::{GrafanaOnCallConfig, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT};
pub use errors::{ClientError, MAX_RETRY_AFTER};
pub use provider::{GrafanaOnCallClient, CAPABILITIES};
/// Re-exported so that callers can build a config without naming `secrecy`.
pub use secrecy::SecretString;

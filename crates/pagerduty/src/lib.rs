//! The PagerDuty REST API v2 client of oncall-tray: an [`oncall_model::Provider`] for
//! one PagerDuty account.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use oncall_model::{AccountId, Provider};
//! use oncall_pagerduty::{Credential, PagerDutyClient, PagerDutyConfig, SecretString, US_API};
//!
//! let token = SecretString::from("u+abcdefg".to_owned());
//! let config = PagerDutyConfig::new(
//!     AccountId::new("work"),
//!     US_API.parse()?,
//!     Credential::ApiToken(token),
//! );
//! let client = PagerDutyClient::new(config)?;
//! let poll = client.open_incidents().await?;
//! println!("{} open incidents in {} requests", poll.incidents.len(), poll.requests);
//! # Ok(()) }
//! ```
//!
//! # What the client does
//! - `identify`: `GET /users/me`, once; the success is cached for the client's life.
//! - `open_incidents`: `GET /incidents` for triggered and acknowledged incidents matching
//!   the account's [`IncidentFilter`], every page, de-duplicated. Either the whole list
//!   or an error, never part of it.
//! - `act`: acknowledge, resolve, reassign (to a user or an escalation policy) and change
//!   the urgency in bulk (`PUT /incidents`, 250 per request, one by one when a batch is
//!   refused, to learn each incident's answer); snooze, notes
//!   (`POST /incidents/{id}/notes`) and responder requests
//!   (`POST /incidents/{id}/responder_requests`) one by one. Escalate goes to the next
//!   level of the incident's policy: its level is found on demand (`GET /incidents/{id}`
//!   and `GET /oncalls` for the policy), then set with `escalation_level`. "Already
//!   acknowledged/resolved" answers become [`oncall_model::ActionOutcome`]s, not errors.
//! - `details`: the detail pane's notes, log overview and alerts (three requests, only
//!   when asked; a poll stays one request per page).
//! - `find_assignees`: `GET /users?query=` and `GET /escalation_policies?query=`, 25 each,
//!   closest names first.
//! - `on_calls`: the user's shifts over the next [`oncall_model::SHIFT_HORIZON`]
//!   (`GET /oncalls?user_ids[]=ME`).
//! - `rota`: who is on call now and next in each escalation policy level and schedule of
//!   the user's policies (`GET /escalation_policies?user_ids[]=ME`, then one
//!   `GET /oncalls?earliest=true` for them all).
//! - `cover`: a schedule override putting the user on call
//!   (`POST /schedules/{id}/overrides`); a refusal of the override itself is `Rejected`.
//!
//! # What it deliberately does not do
//! - **No retries, no backoff.** Every call makes each request once and reports the
//!   failure as a [`oncall_model::ProviderError`] sorted by what to do about it
//!   (`is_transient`, `RateLimited::retry_after`). The engine's poller and action queue
//!   own retry policy, because only they know what else is waiting and what the user
//!   sees.
//! - **No parallel requests.** A client sends at most one request at a time; polls and
//!   actions queue for a fair lock. PagerDuty asks for one request at a time per token.
//!   Share one client (in an `Arc`) per account; a second client for the same token
//!   would defeat this.
//! - **No redirects.** A 3xx is refused, so the token never travels to another origin.
//! - **No plain HTTP** except to loopback (tests, demo mode).
//!
//! # Secrets
//! The credential is only ever in the `Authorization` header, marked sensitive. No
//! error, `Debug` output or log line of this crate contains it or any request header.

mod client;
mod config;
mod convert;
mod errors;
mod provider;
mod wire;

/// Decoder entry points for `fuzz/`; not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
mod proptests;

pub use config::{
    Credential, IncidentFilter, PagerDutyConfig, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT,
    EU_API, US_API,
};
pub use errors::{ClientError, MAX_RETRY_AFTER};
pub use provider::{PagerDutyClient, CAPABILITIES};
/// Re-exported so that callers can build a [`Credential`] without naming `secrecy`.
pub use secrecy::SecretString;

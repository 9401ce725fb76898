//! The Jira Service Management Operations client of oncall-tray: an
//! [`oncall_model::Provider`] for one Atlassian account (its e-mail and an API token) on
//! one Jira site. JSM Operations is where Opsgenie's alert API moved; Opsgenie stops
//! answering on 2027-04-05.
//!
//! Reference: <https://developer.atlassian.com/cloud/jira/service-desk-ops/rest/v2/>
//! (no copy is stored in the project; each module cites the page it relies on).
//!
//! # What the client does
//! - The cloud id is looked up once, without credentials, from the site
//!   (`GET https://{site}.atlassian.net/_edge/tenant_info` → `{"cloudId":"…"}`); every API
//!   request then goes to `{api_url}/jsm/ops/api/{cloudId}/v1/…` with basic auth. A site
//!   that does not exist is "no Jira site at acme.atlassian.net".
//! - `identify`: one `GET …/v1/alerts?size=1` with the account's query proves the e-mail,
//!   the token and the query; the identity is the e-mail.
//! - `open_incidents`: `GET …/v1/alerts` with the query, 100 per page, oldest first,
//!   following `links.next` (only on the API's origin, only to the alert list) to the
//!   end, de-duplicated; one request at ≤ 100 open alerts. The API lists at most 20,000
//!   alerts (offset + size below 20,000): a page past that is never asked for and the poll
//!   fails saying to narrow the query. Either the whole list or an error.
//! - `act`: acknowledge, unacknowledge, close (resolve), snooze (its end from the
//!   engine's clock, [`JsmClient::with_clock`]) and add a note; each is answered 202 with
//!   a request id and only counts once `GET …/v1/alerts/requests/{id}` reports it
//!   processed, within `confirm_timeout` (`provider/act.rs`).
//! - Priorities in `high_priorities` (P1, P2) page with high urgency, others low. An
//!   incident links to `https://{site}.atlassian.net/jira/ops/alerts/{id}`.
//! - `on_calls`, `rota`, `cover` over the schedule API for the e-mail's Atlassian user
//!   (`provider/schedules.rs`).
//!
//! # Where the reference is silent (Opsgenie's behaviour is assumed)
//! The alert fields beyond `id`, `tinyId`, `createdAt`, `updatedAt` and `message`
//! (`status`, `acknowledged`, `snoozed`, `snoozedUntil`, `owner`, `priority`, `tags`,
//! `source`, `report.ackTime`); the action bodies (`source`, `note`, snooze's `endTime`)
//! and their 202 answer `{result, took, requestId}`; a request status of a request not
//! yet processed answering 404, and the failure texts ("Alert does not exist", "… already
//! acknowledged"); the error bodies (`message`, `errorMessages`, `errors[].title` are
//! read); the schedule timeline's shape (`finalTimeline.rotations[].periods[]`); the
//! override's answer `{alias}`. Who "me" is in a schedule comes from the Jira platform's
//! `GET /rest/api/3/myself` through the same gateway (`/ex/jira/{cloudId}/…`).
//!
//! # What it deliberately does not do
//! No retries (the engine owns them), no parallel requests (one in flight per client),
//! no redirects, no plain HTTP except to loopback. No reassigning, escalating, responders
//! or detail pane yet.
//!
//! # Secrets
//! The token is only ever in the `Authorization: Basic …` header of API requests, marked
//! sensitive; the site's client has no credential at all. No error, `Debug` output or log
//! line of this crate contains it.

mod config;
mod convert;
mod errors;
mod http;
mod provider;
mod wire;

/// Decoder entry points for `fuzz/` and the documented-example tests; not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
mod documented;
#[cfg(test)]
mod proptests;

pub use config::{
    site_url, JsmConfig, ATLASSIAN_API, DEFAULT_CONFIRM_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_REQUEST_TIMEOUT,
};
pub use errors::{ClientError, MAX_RETRY_AFTER};
pub use provider::{JsmClient, CAPABILITIES};
/// Re-exported so that callers can build a config without naming `secrecy`.
pub use secrecy::SecretString;

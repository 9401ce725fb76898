//! The Prometheus Alertmanager API v2 client of oncall-tray: an
//! [`oncall_model::Provider`] for one Alertmanager (or one filtered view of it).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use oncall_model::{AccountId, Provider};
//! use oncall_alertmanager::{AlertmanagerClient, AlertmanagerConfig, Auth, SecretString};
//!
//! let mut config = AlertmanagerConfig::new(
//!     AccountId::new("prom"),
//!     "https://am.example.com/".parse()?,
//!     "pat",
//! );
//! config.auth = Auth::Basic { user: "pat".into(), password: SecretString::from("pw".to_owned()) };
//! config.filter = vec![r#"team="db""#.into()];
//! let client = AlertmanagerClient::new(config)?;
//! let poll = client.open_incidents().await?;
//! println!("{} open alerts", poll.incidents.len());
//! # Ok(()) }
//! ```
//!
//! # How Alertmanager maps onto incidents
//! - One alert (fingerprint) is one incident. Alertmanager has no acknowledged state:
//!   **Acknowledge writes a silence**: one equality matcher per label of the alert, or
//!   per label named in `ack_matchers` (a name the alert lacks as `name=""`, which
//!   matches its absence), `createdBy` = the configured user, comment
//!   `Acknowledged from oncall-tray` (extensions add ` at <moment>`), lasting
//!   `ack_duration`.
//!   Un-acknowledge expires it (and so un-acknowledges every alert it matches).
//! - `open_incidents`: `GET api/v2/alerts?active=true&inhibited=false` (+ `filter`,
//!   `receiver`) then `GET api/v2/silences`. Not silenced → triggered; silenced only by
//!   our silences → acknowledged; silenced by anyone else → not listed.
//! - **The acknowledgement lasts** (`upkeep.rs`): each poll extends our silences that
//!   end soon while an alert they match fires, up to `ack_max_duration` after the
//!   acknowledgement, and expires them once every alert they match has resolved, so
//!   the next firing pages. Only then does a poll send more than its 2 requests.
//! - When our silence ends while the alert still fires (past `ack_max_duration`), the
//!   alert triggers again with `status_changed_at` = the silence's end: a new episode,
//!   which pages again.
//! - Resolve and snooze are [`oncall_model::ProviderError::Unsupported`].
//!
//! # What it deliberately does not do
//! - **No retries, no backoff**: one attempt per request; the engine owns retry policy.
//! - **No parallel requests**: one request in flight per client.
//! - **No redirects**: a 3xx is refused, so the credential never travels elsewhere.
//! - **No plain HTTP** except to loopback.
//!
//! # Secrets
//! The password or token is only ever in one request header, marked sensitive. No
//! error, `Debug` output or log line of this crate contains it.

mod ack;
mod client;
mod config;
mod convert;
mod errors;
mod provider;
mod upkeep;
mod wire;

/// Decoder entry points for `fuzz/`; not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

#[cfg(test)]
mod proptests;

pub use ack::ACK_COMMENT;
pub use config::{
    AlertmanagerConfig, Auth, DEFAULT_ACK_DURATION, DEFAULT_ACK_MAX_DURATION,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_POLL_INTERVAL, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SEVERITY_HIGH,
};
pub use errors::ClientError;
pub use provider::{AlertmanagerClient, CAPABILITIES};
/// Re-exported so that callers can build an [`Auth`] without naming `secrecy`.
pub use secrecy::SecretString;

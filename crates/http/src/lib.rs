//! The HTTP transport every provider client of oncall-tray shares, and nothing else: how
//! one request is sent safely and how whatever comes back becomes an answer or an
//! [`oncall_model::ProviderError`].
//!
//! A provider crate describes its API once, as a [`Service`]: its configuration's base
//! URL and limits, the headers every request carries (the credential among them), how it
//! words a failure and its log line. [`Http`] then holds the rules that must not differ
//! between providers:
//!
//! - **No redirects.** A 3xx is an error, so a credential never travels to another
//!   origin.
//! - **No plain HTTP** except to loopback ([`oncall_model::require_secure_transport`]),
//!   and then **no proxy** either: `HTTP_PROXY` would carry the credential across a
//!   network in clear text. A base URL holding a user name, password, query or fragment
//!   is refused before anything repeats it.
//! - **One request in flight** per client, under a fair lock; **one attempt** per call
//!   (retries belong to the engine, which knows about backoff and the user).
//! - **Time budgets**: connecting within 5 s, the whole exchange (body included) within
//!   the configured request timeout.
//! - **Capped bodies**: a success body larger than the configured cap is refused, early
//!   when `Content-Length` announces it and while reading when it does not or lies; error
//!   bodies are cut at 64 KiB, so that the status still decides.
//! - **Failure text as it may be shown**: transport errors name only their innermost
//!   cause (never the URL or a header), and server text is cleaned and cut
//!   ([`displayable`]).
//!
//! What stays in each provider crate: its auth header, its URLs, its wire types and
//! conversions, and its own error variants and messages.

mod client;
mod errors;

pub use client::{Connection, Endpoint, Exchange, Http, Query, Reply, Service};
pub use errors::{
    displayable, malformed, non_empty, other_status, redirect_refused, status_line,
    with_server_text, SetupError, MAX_MESSAGE_CHARS,
};

/// For [`log_exchange!`], which expands in the provider crates.
#[doc(hidden)]
pub use tracing as __tracing;

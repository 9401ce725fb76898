//! The one error type of the library.
//!
//! Every variant is written for the person reading a failed test: it names the bus, the
//! notification or the action involved and, where there is one, what to do about it. The
//! D-Bus control interface turns these into D-Bus errors with the same text.

use std::time::Duration;

/// What can go wrong while running the recorder or driving it from a test.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecorderError {
    /// The bus could not be reached.
    #[error("cannot connect to the D-Bus bus at {bus}: {source}")]
    Connect {
        /// The address, or a description of where it was looked up.
        bus: String,
        /// The underlying failure (boxed: zbus errors are large).
        #[source]
        source: Box<zbus::Error>,
    },
    /// Another process already owns `org.freedesktop.Notifications` on this bus.
    #[error(
        "org.freedesktop.Notifications is already owned on this bus (by {owner}): another \
         notification server is running there; stop it, or start the recorder on a private \
         bus (TestBus)"
    )]
    NameTaken {
        /// The unique name of the current owner, or "unknown" if the bus would not say.
        owner: String,
    },
    /// A D-Bus call or signal failed.
    #[error("D-Bus error while {context}: {source}")]
    Dbus {
        /// What the recorder was doing.
        context: &'static str,
        /// The underlying failure (boxed: zbus errors are large).
        #[source]
        source: Box<zbus::Error>,
    },
    /// No notification with this id was ever recorded (or the records were cleared).
    #[error("no notification with id {0} was recorded")]
    UnknownNotification(u32),
    /// The notification is no longer shown, so its buttons cannot be pressed.
    #[error("notification {id} is already closed (reason {reason})")]
    AlreadyClosed {
        /// The notification.
        id: u32,
        /// Its close reason (see [`crate::close_reason`]).
        reason: u32,
    },
    /// The notification has no button with this key.
    #[error("notification {id} has no action {key:?}; its actions are {available:?}")]
    UnknownAction {
        /// The notification.
        id: u32,
        /// The key that was asked for.
        key: String,
        /// The keys it does have.
        available: Vec<String>,
    },
    /// Listener tracking is not available on this bus (see [`crate::Recorder::wait_for_listener`]).
    #[error("cannot tell who listens for notification signals: {0}")]
    ListenersUnknown(String),
    /// A wait ran out of time.
    #[error("timed out after {waited:?} waiting for {what}; recorded so far: {recorded}")]
    Timeout {
        /// How long the caller waited.
        waited: Duration,
        /// What it was waiting for.
        what: String,
        /// A one-line rendering of every record at the time of the timeout.
        recorded: String,
    },
}

impl RecorderError {
    /// Wraps a zbus failure with what the recorder was doing at the time.
    pub(crate) fn dbus(context: &'static str) -> impl FnOnce(zbus::Error) -> RecorderError {
        move |source| RecorderError::Dbus {
            context,
            source: Box::new(source),
        }
    }
}

//! `org.oncalltray.NotificationRecorder`, the recorder's control interface for tests in other
//! processes (a test driving the `notification-recorder` binary, a shell script with
//! `gdbus`/`busctl`). It is served on the same object as the notification server, at
//! `/org/freedesktop/Notifications`, and offers what [`crate::Recorder`] offers in process.
//!
//! Errors come back as D-Bus errors carrying the library's message: `InvalidArgs` for a
//! bad id or action key, `TimedOut` for a wait that ran out, `Failed` for the rest.

use zbus::{fdo, interface, Connection};

use crate::error::RecorderError;
use crate::listeners::Listeners;
use crate::records::Records;
use crate::server;

/// The D-Bus name of the control interface.
pub const CONTROL_INTERFACE: &str = "org.oncalltray.NotificationRecorder";

pub(crate) struct ControlServer {
    pub(crate) records: Records,
    pub(crate) listeners: Listeners,
}

#[interface(name = "org.oncalltray.NotificationRecorder")]
impl ControlServer {
    /// Every record, in order, closed ones included, as a JSON array of `Recorded`.
    fn notifications(&self) -> fdo::Result<String> {
        serde_json::to_string(&self.records.snapshot())
            .map_err(|e| fdo::Error::Failed(e.to_string()))
    }

    /// Presses a button: `ActionInvoked(id, action_key)`, then `NotificationClosed(id, 2)`.
    async fn press(
        &self,
        #[zbus(connection)] connection: &Connection,
        id: u32,
        action_key: String,
    ) -> fdo::Result<()> {
        Ok(server::press(connection, &self.records, id, &action_key, false).await?)
    }

    /// Sends `text` from the notification's inline reply field: `NotificationReplied(id,
    /// text)` to its sender, then `NotificationClosed(id, 2)` unless it is resident.
    async fn reply(
        &self,
        #[zbus(connection)] connection: &Connection,
        id: u32,
        text: String,
    ) -> fdo::Result<()> {
        Ok(server::reply(connection, &self.records, id, &text).await?)
    }

    /// Dismisses a notification: `NotificationClosed(id, 2)`.
    async fn dismiss(
        &self,
        #[zbus(connection)] connection: &Connection,
        id: u32,
    ) -> fdo::Result<()> {
        Ok(server::dismiss(connection, &self.records, id).await?)
    }

    /// Forgets every record; ids keep counting up.
    fn clear(&self) {
        self.records.clear();
    }

    /// Returns once a client listens for the signals of notification `id`, or
    /// fails with `TimedOut` after `timeout_ms`. See [`crate::Recorder::wait_for_listener`].
    async fn wait_for_listener(
        &self,
        #[zbus(connection)] connection: &Connection,
        id: u32,
        timeout_ms: u32,
    ) -> fdo::Result<()> {
        let timeout = std::time::Duration::from_millis(timeout_ms.into());
        Ok(crate::recorder::wait_for_listener(
            connection,
            &self.records,
            &self.listeners,
            id,
            timeout,
        )
        .await?)
    }
}

impl From<RecorderError> for fdo::Error {
    fn from(error: RecorderError) -> fdo::Error {
        let message = error.to_string();
        match error {
            RecorderError::UnknownNotification(_)
            | RecorderError::AlreadyClosed { .. }
            | RecorderError::UnknownAction { .. } => fdo::Error::InvalidArgs(message),
            RecorderError::Timeout { .. } => fdo::Error::TimedOut(message),
            _ => fdo::Error::Failed(message),
        }
    }
}

//! [`Stranger`]: another client on the bus, not the notification server. It sends
//! notifications like any app, and it forges what only the server (or the bus) should
//! send: `ActionInvoked`, `NotificationClosed` and `NotificationReplied` on the server's
//! interface and path, to everyone or addressed to one connection, and `NameOwnerChanged`
//! claiming the server's name. The bus delivers a signal addressed to a connection whatever that connection's
//! match rules, but it writes the true sender into every message: a client that checks
//! the sender is not fooled, one that does not is.
//!
//! Every method returns once the bus has routed what it sent (a call to the bus follows
//! it, and the bus handles one connection's messages in order), so anything sent after by
//! anyone reaches a client after it.

use std::collections::HashMap;

use zbus::fdo::DBusProxy;
use zbus::zvariant::Value;
use zbus::Connection;

use crate::error::RecorderError;
use crate::server::{BUS_NAME, INTERFACE, OBJECT_PATH};

/// A client connection on a bus that is not the notification server.
#[derive(Debug)]
pub struct Stranger {
    connection: Connection,
}

impl Stranger {
    /// Connects to the bus at `address` (a D-Bus address string).
    pub async fn connect(address: &str) -> Result<Stranger, RecorderError> {
        let connect_error = |source| RecorderError::Connect {
            bus: address.to_owned(),
            source: Box::new(source),
        };
        let connection = zbus::connection::Builder::address(address)
            .map_err(connect_error)?
            .build()
            .await
            .map_err(connect_error)?;
        Ok(Stranger { connection })
    }

    /// Its unique bus name, the sender the bus writes into what it sends.
    pub fn unique_name(&self) -> String {
        self.connection
            .unique_name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    }

    /// Sends `Notify` as an app would (`summary`, buttons as (key, label) pairs) and
    /// returns the id the server gave it.
    pub async fn notify(
        &self,
        summary: &str,
        actions: &[(&str, &str)],
    ) -> Result<u32, RecorderError> {
        let actions: Vec<&str> = actions.iter().flat_map(|(k, l)| [*k, *l]).collect();
        let hints: HashMap<&str, Value<'_>> = HashMap::new();
        let body = ("stranger", 0u32, "", summary, "", actions, hints, -1i32);
        let reply = self
            .connection
            .call_method(
                Some(BUS_NAME),
                OBJECT_PATH,
                Some(INTERFACE),
                "Notify",
                &body,
            )
            .await
            .map_err(RecorderError::dbus("sending Notify"))?;
        reply
            .body()
            .deserialize::<u32>()
            .map_err(RecorderError::dbus("reading the reply to Notify"))
    }

    /// Emits `ActionInvoked(id, action_key)` as if it were the server: to every
    /// connection whose match rules take it (`to` `None`), or addressed to the connection
    /// with unique name `to`.
    pub async fn action_invoked(
        &self,
        id: u32,
        action_key: &str,
        to: Option<&str>,
    ) -> Result<(), RecorderError> {
        self.emit(
            to,
            OBJECT_PATH,
            INTERFACE,
            "ActionInvoked",
            &(id, action_key),
        )
        .await
    }

    /// Emits `NotificationClosed(id, reason)` as if it were the server; `to` as for
    /// [`Stranger::action_invoked`].
    pub async fn notification_closed(
        &self,
        id: u32,
        reason: u32,
        to: Option<&str>,
    ) -> Result<(), RecorderError> {
        self.emit(
            to,
            OBJECT_PATH,
            INTERFACE,
            "NotificationClosed",
            &(id, reason),
        )
        .await
    }

    /// Emits `NotificationReplied(id, text)` as if it were the server and the user had
    /// typed `text` into the notification's reply field; `to` as for
    /// [`Stranger::action_invoked`].
    pub async fn notification_replied(
        &self,
        id: u32,
        text: &str,
        to: Option<&str>,
    ) -> Result<(), RecorderError> {
        self.emit(
            to,
            OBJECT_PATH,
            INTERFACE,
            "NotificationReplied",
            &(id, text),
        )
        .await
    }

    /// Sends the connection `to` a `NameOwnerChanged` that says this connection took
    /// `org.freedesktop.Notifications` from `from` (the real owner's unique name), as the
    /// bus would announce it; the bus names the stranger as its sender.
    pub async fn claim_the_server_name(&self, to: &str, from: &str) -> Result<(), RecorderError> {
        let me = self.unique_name();
        self.emit(
            Some(to),
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameOwnerChanged",
            &(BUS_NAME, from, me.as_str()),
        )
        .await
    }

    async fn emit<B>(
        &self,
        to: Option<&str>,
        path: &str,
        interface: &str,
        member: &str,
        body: &B,
    ) -> Result<(), RecorderError>
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        self.connection
            .emit_signal(to, path, interface, member, body)
            .await
            .map_err(RecorderError::dbus("emitting a forged signal"))?;
        // A round trip to the bus: once it answers, it has routed the signal.
        DBusProxy::new(&self.connection)
            .await
            .map_err(RecorderError::dbus("creating the bus proxy"))?
            .get_id()
            .await
            .map_err(|e| RecorderError::dbus("asking the bus for its id")(e.into()))?;
        Ok(())
    }

    /// Closes the connection.
    pub async fn disconnect(self) {
        if let Err(e) = self.connection.close().await {
            tracing::debug!("closing the stranger's connection: {e}");
        }
    }
}

//! The `org.freedesktop.Notifications` interface (Desktop Notifications Specification 1.2),
//! served at `/org/freedesktop/Notifications`, and what a desktop does to a shown
//! notification: press one of its buttons, send what the user typed in its inline reply
//! field (KDE's extension, see `inline_reply.rs`), and dismiss it.
//!
//! The server never expires notifications on its own (it announces `persistence`), so a
//! test decides what happens to each one; nothing here runs on a timer. It announces no
//! `body-markup`, so the app must send plain text bodies, which every desktop can show.

use std::collections::HashMap;

use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;
use zbus::{fdo, interface, Connection};

use crate::error::RecorderError;
use crate::hints;
use crate::inline_reply::INLINE_REPLY;
use crate::records::{close_reason, Incoming, Records};

/// The well-known bus name of a notification server.
pub const BUS_NAME: &str = "org.freedesktop.Notifications";
/// The interface name of a notification server (the same string as the bus name).
pub const INTERFACE: &str = "org.freedesktop.Notifications";
/// The object path of a notification server (the control interface is served here too).
pub const OBJECT_PATH: &str = "/org/freedesktop/Notifications";

/// What `GetCapabilities` answers, plus `sound` or `inline-reply` for a recorder started
/// with them. No `body-markup`: see the module documentation.
pub const CAPABILITIES: [&str; 4] = ["actions", "body", "persistence", "icon-static"];

/// The D-Bus object behind `org.freedesktop.Notifications`.
pub(crate) struct NotificationServer {
    pub(crate) records: Records,
    /// `Some`: a wedged server. Every `Notify` waits until the token is cancelled (the
    /// recorder stops), then fails; nothing is recorded.
    pub(crate) wedged: Option<tokio_util::sync::CancellationToken>,
    /// Advertise the `sound` capability too (a server that plays `sound-name` hints).
    pub(crate) sound: bool,
    /// Advertise the `inline-reply` capability too (a server that shows reply fields).
    pub(crate) inline_reply: bool,
}

#[interface(name = "org.freedesktop.Notifications")]
impl NotificationServer {
    /// Records a notification and returns its id.
    // The argument list is the specification's `Notify(susssasa{sv}i)`.
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        #[zbus(header)] header: Header<'_>,
        app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        expire_timeout: i32,
    ) -> fdo::Result<u32> {
        if let Some(released) = &self.wedged {
            tracing::info!(%summary, "Notify, wedged: no answer");
            released.cancelled().await;
            return Err(fdo::Error::Failed("the wedged server stopped".into()));
        }
        let (urgency, hints) = hints::render(&hints);
        let incoming = Incoming {
            sender: header.sender().map(|s| s.to_string()).unwrap_or_default(),
            replaces_id,
            app_name,
            app_icon,
            summary,
            body,
            actions: action_pairs(actions),
            urgency,
            hints,
            expire_timeout,
        };
        let stored = self.records.notify(incoming.clone());
        tracing::info!(
            id = stored.id,
            replaced = stored.replaced,
            sender = %incoming.sender,
            app_name = %incoming.app_name,
            summary = %incoming.summary,
            body = %incoming.body,
            actions = ?incoming.actions,
            urgency = ?incoming.urgency,
            hints = ?incoming.hints,
            expire_timeout = incoming.expire_timeout,
            "Notify"
        );
        Ok(stored.id)
    }

    /// Closes a shown notification (reason 3). As the specification says, an id that is not
    /// shown (never was, or already closed) gets an error reply.
    async fn close_notification(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        id: u32,
    ) -> fdo::Result<()> {
        self.records
            .close(id, close_reason::CLOSED_BY_CALL)
            .map_err(|e| fdo::Error::InvalidArgs(e.to_string()))?;
        tracing::info!(id, "CloseNotification");
        Self::notification_closed(&emitter, id, close_reason::CLOSED_BY_CALL).await?;
        Ok(())
    }

    fn get_capabilities(&self) -> Vec<String> {
        let sound = self.sound.then_some("sound");
        let inline_reply = self.inline_reply.then_some(INLINE_REPLY);
        CAPABILITIES
            .iter()
            .copied()
            .chain(sound)
            .chain(inline_reply)
            .map(str::to_string)
            .collect()
    }

    /// (name, vendor, version, spec_version), as four out arguments.
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "oncall-notification-recorder".to_owned(),
            "oncall-tray".to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
            "1.2".to_owned(),
        )
    }

    /// A button was pressed (`default` is a click on the notification itself).
    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;

    /// A notification went away, with its close reason.
    #[zbus(signal)]
    async fn notification_closed(
        emitter: &SignalEmitter<'_>,
        id: u32,
        reason: u32,
    ) -> zbus::Result<()>;

    /// The user sent `text` from the notification's inline reply field (KDE's extension).
    #[zbus(signal)]
    async fn notification_replied(
        emitter: &SignalEmitter<'_>,
        id: u32,
        text: &str,
    ) -> zbus::Result<()>;
}

/// Pairs `[key, label, key, label, …]`; a trailing key without a label gets an empty one.
fn action_pairs(flat: Vec<String>) -> Vec<(String, String)> {
    let mut pairs = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let Some(key) = items.next() {
        pairs.push((key, items.next().unwrap_or_default()));
    }
    pairs
}

/// Presses a button as a desktop does: `ActionInvoked(id, key)`, then, unless the
/// notification is resident, `NotificationClosed(id, 2)`. The signals are broadcast, as
/// most servers do, so any connection of the app that listens receives them; or, with
/// `addressed`, sent to the connection that sent the notification, as GNOME Shell does.
pub(crate) async fn press(
    connection: &Connection,
    records: &Records,
    id: u32,
    key: &str,
    addressed: bool,
) -> Result<(), RecorderError> {
    let closed = records.press(id, key)?;
    let to = records.get(id).filter(|_| addressed).map(|r| r.sender);
    tracing::info!(id, key, closed, ?to, "press");
    let mut emitter = emitter(connection)?;
    if let Some(to) = to {
        let to = zbus::names::BusName::try_from(to)
            .map_err(|e| RecorderError::dbus("addressing the press")(e.into()))?;
        emitter = emitter.set_destination(to);
    }
    NotificationServer::action_invoked(&emitter, id, key)
        .await
        .map_err(RecorderError::dbus("emitting ActionInvoked"))?;
    if closed {
        NotificationServer::notification_closed(&emitter, id, close_reason::DISMISSED)
            .await
            .map_err(RecorderError::dbus("emitting NotificationClosed"))?;
    }
    Ok(())
}

/// Sends `text` from the inline reply field of `id` as Plasma does: `NotificationReplied(id,
/// text)` addressed to the connection that sent the notification, then, unless it is
/// resident, `NotificationClosed(id, 2)` to everyone.
pub(crate) async fn reply(
    connection: &Connection,
    records: &Records,
    id: u32,
    text: &str,
) -> Result<(), RecorderError> {
    let closed = records.reply(id, text)?;
    let to = records.get(id).map(|r| r.sender).unwrap_or_default();
    tracing::info!(id, text, closed, %to, "reply");
    let to = zbus::names::BusName::try_from(to)
        .map_err(|e| RecorderError::dbus("addressing the reply")(e.into()))?;
    let emitter = emitter(connection)?;
    NotificationServer::notification_replied(&emitter.clone().set_destination(to), id, text)
        .await
        .map_err(RecorderError::dbus("emitting NotificationReplied"))?;
    if closed {
        NotificationServer::notification_closed(&emitter, id, close_reason::DISMISSED)
            .await
            .map_err(RecorderError::dbus("emitting NotificationClosed"))?;
    }
    Ok(())
}

/// Dismisses a notification as a user does: `NotificationClosed(id, 2)`.
pub(crate) async fn dismiss(
    connection: &Connection,
    records: &Records,
    id: u32,
) -> Result<(), RecorderError> {
    records.close(id, close_reason::DISMISSED)?;
    tracing::info!(id, "dismiss");
    NotificationServer::notification_closed(&emitter(connection)?, id, close_reason::DISMISSED)
        .await
        .map_err(RecorderError::dbus("emitting NotificationClosed"))
}

fn emitter(connection: &Connection) -> Result<SignalEmitter<'static>, RecorderError> {
    SignalEmitter::new(connection, OBJECT_PATH)
        .map_err(RecorderError::dbus("addressing the notification object"))
}

#[cfg(test)]
mod tests {
    use super::action_pairs;

    #[test]
    fn actions_pair_up_and_a_lone_key_gets_an_empty_label() {
        let flat = ["ack", "Acknowledge", "open", "Open", "odd"].map(String::from);
        assert_eq!(
            action_pairs(flat.to_vec()),
            vec![
                ("ack".to_owned(), "Acknowledge".to_owned()),
                ("open".to_owned(), "Open".to_owned()),
                ("odd".to_owned(), String::new()),
            ]
        );
    }
}

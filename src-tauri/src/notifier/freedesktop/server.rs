//! Who the notification server is, and which signals are its own.
//!
//! Any client on the session bus can emit a signal that looks like the server's
//! (`ActionInvoked` on the interface and path of `org.freedesktop.Notifications`), to
//! everyone or addressed to us, and the bus delivers an addressed signal whatever our match
//! rules say. Notification ids are small and sequential, so a guess is easy. What a client
//! cannot forge is the sender: the bus writes the sending connection's unique name into
//! every message, and only the bus itself sends as `org.freedesktop.DBus`. So a button
//! counts only when its sender is the unique name that owns `org.freedesktop.Notifications`
//! (the listener checks it against the owner it follows), and an owner change only when
//! the bus announced it.
//!
//! The owner is followed in the order the bus delivered everything: one stream carries
//! the owner changes and the server's signals alike, read by one task, so each press is
//! judged against the owner at the moment the bus sent it. With a stream per match rule
//! (as zbus filters them) the two would be read in whatever order `select!` picked, and a
//! press of the old server could count after the new one took over, or the reverse.
//!
//! An id also means something only to the server instance that gave it, and
//! `notifications.json` carries ids across runs of the app: [`Instance`] names a server
//! instance across them.

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use tracing::warn;
use zbus::message::{Sequence, Type};
use zbus::{Connection, Message, MessageStream};

use super::bounded;

/// The well-known name, and the interface, of a notification server.
pub(super) const SERVICE: &str = "org.freedesktop.Notifications";
/// The object path of a notification server.
pub(super) const PATH: &str = "/org/freedesktop/Notifications";
/// The bus itself: the name it sends as, its interface, and its path.
const BUS: &str = "org.freedesktop.DBus";
const BUS_PATH: &str = "/org/freedesktop/DBus";

/// One notification server instance, as `notifications.json` records it with the ids it
/// gave.
///
/// The server's process id and start time would name it too, but add nothing to these
/// three and travel badly: inside a Flatpak or another PID namespace the bus reports a
/// process that `/proc` does not show, a TCP bus has none to report, and the BSDs have
/// no `/proc` to read a start time from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Instance {
    /// The bus's id (`GetId`). The D-Bus specification makes it unique per bus instance:
    /// a bus started again (a new login, a reboot) has another, even where it hands out
    /// the same unique names in the same order.
    pub bus: String,
    /// The server's unique name. A bus never gives one to two connections, so on one bus
    /// this is one connection of one server process: a server restarted is another name.
    pub server: String,
    /// The kernel's boot id (Linux): a reboot changes it whatever the bus does. `None`
    /// where there is none.
    pub boot: Option<String>,
}

/// What stays the same for as long as our connection lasts: the bus and the boot.
#[derive(Debug, Clone, Default)]
pub(super) struct Place {
    /// `None`: the bus did not say, and no instance can be named (nothing remembered is
    /// honoured).
    bus: Option<String>,
    boot: Option<String>,
}

impl Place {
    /// Asks the bus for its id (once: it cannot change under a connection), and reads the
    /// boot id.
    pub async fn of(connection: &Connection) -> Place {
        let id = async {
            call(connection, "GetId", &())
                .await?
                .body()
                .deserialize::<String>()
        };
        let bus = match bounded("GetId", id).await {
            Ok(id) => Some(id),
            Err(e) => {
                warn!("the notifications of a previous run will not be honoured: {e}");
                None
            }
        };
        Place {
            bus,
            boot: boot_id(),
        }
    }

    #[cfg(test)]
    pub fn known(bus: &str, boot: Option<&str>) -> Place {
        Place {
            bus: Some(bus.to_owned()),
            boot: boot.map(str::to_owned),
        }
    }

    /// The instance that `server` (a unique name, empty for none) is here.
    pub fn instance(&self, server: &str) -> Option<Instance> {
        if server.is_empty() {
            return None;
        }
        Some(Instance {
            bus: self.bus.clone()?,
            server: server.to_owned(),
            boot: self.boot.clone(),
        })
    }
}

#[cfg(target_os = "linux")]
fn boot_id() -> Option<String> {
    let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    Some(id.trim().to_owned()).filter(|id| !id.is_empty())
}

#[cfg(not(target_os = "linux"))]
fn boot_id() -> Option<String> {
    None
}

/// Everything our connection receives, in the order the bus sent it, and the server as of
/// a point in it.
pub(super) struct Subscription {
    pub messages: MessageStream,
    /// The unique name that owned `org.freedesktop.Notifications` when `synced` arrived
    /// (empty: none).
    pub owner: String,
    /// The position of the bus's answer about the owner: owner changes received before
    /// it are already in `owner`.
    pub synced: Sequence,
}

/// Asks the bus for the server's signals and for changes of its owner, then for the owner.
///
/// The stream is every message of the connection (replies included, which the listener
/// skips): zbus has no stream that carries two match rules in one order. It exists before
/// the rules do, so nothing they match is missed. The signal rule names the server by its
/// well-known name, which the bus matches against the name's owner when it routes, so
/// other clients' broadcasts never reach us; what is addressed to us still does, hence
/// the listener's own check.
pub(super) async fn subscribe(connection: &Connection) -> anyhow::Result<Subscription> {
    let messages = MessageStream::from(connection);
    let rules = [
        format!("type='signal',sender='{SERVICE}',interface='{SERVICE}',path='{PATH}'"),
        format!(
            "type='signal',sender='{BUS}',interface='{BUS}',path='{BUS_PATH}',\
             member='NameOwnerChanged',arg0='{SERVICE}'"
        ),
    ];
    for rule in &rules {
        bounded("AddMatch", async {
            call(connection, "AddMatch", &rule.as_str()).await.map(drop)
        })
        .await
        .map_err(anyhow::Error::msg)
        .context("cannot listen for notification buttons")?;
    }
    let (owner, reply) = bounded("GetNameOwner", async {
        match call(connection, "GetNameOwner", &SERVICE).await {
            Ok(reply) => Ok((reply.body().deserialize::<String>()?, reply)),
            // No server yet: nothing of a previous run can be on screen.
            Err(zbus::Error::MethodError(name, _, reply))
                if name.as_str() == "org.freedesktop.DBus.Error.NameHasNoOwner" =>
            {
                Ok((String::new(), reply))
            }
            Err(e) => Err(e),
        }
    })
    .await
    .map_err(anyhow::Error::msg)
    .context("cannot ask the bus who runs the notification service")?;
    Ok(Subscription {
        messages,
        owner,
        synced: reply.recv_position(),
    })
}

/// A call to the bus itself.
async fn call<B>(connection: &Connection, method: &str, body: &B) -> zbus::Result<Message>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    connection
        .call_method(Some(BUS), BUS_PATH, Some(BUS), method, body)
        .await
}

/// What a message our connection received means to the notifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Event {
    /// The bus says `org.freedesktop.Notifications` changed hands (`new` empty: it has
    /// no owner now).
    OwnerChanged { old: String, new: String },
    /// A button press, if `sender` is the server.
    ActionInvoked {
        sender: String,
        id: u32,
        key: String,
    },
    /// A notification went away, if `sender` is the server.
    NotificationClosed {
        sender: String,
        id: u32,
        reason: u32,
    },
    /// Text sent from a notification's inline reply field (KDE's extension: see
    /// `inline_reply.rs`), if `sender` is the server.
    NotificationReplied {
        sender: String,
        id: u32,
        text: String,
    },
}

/// Reads `message`; `None` for anything else (replies, other signals, an owner change
/// received before the bus's answer at `synced`, one not sent by the bus).
pub(super) fn read(message: &Message, synced: Sequence) -> Option<Event> {
    if message.message_type() != Type::Signal {
        return None;
    }
    let header = message.header();
    let sender = header.sender()?.as_str();
    let interface = header.interface()?.as_str();
    let member = header.member()?.as_str();
    let body = message.body();
    match (interface, member) {
        (BUS, "NameOwnerChanged") => {
            // Anyone can send us a signal of this name; only the bus sends it as the bus.
            if sender != BUS || message.recv_position() < synced {
                return None;
            }
            let (name, old, new) = body.deserialize::<(String, String, String)>().ok()?;
            (name == SERVICE).then_some(Event::OwnerChanged { old, new })
        }
        (SERVICE, "ActionInvoked") if header.path()?.as_str() == PATH => {
            let (id, key) = body.deserialize::<(u32, String)>().ok()?;
            Some(Event::ActionInvoked {
                sender: sender.to_owned(),
                id,
                key,
            })
        }
        (SERVICE, "NotificationClosed") if header.path()?.as_str() == PATH => {
            let (id, reason) = body.deserialize::<(u32, u32)>().ok()?;
            Some(Event::NotificationClosed {
                sender: sender.to_owned(),
                id,
                reason,
            })
        }
        (SERVICE, "NotificationReplied") if header.path()?.as_str() == PATH => {
            let (id, text) = body.deserialize::<(u32, String)>().ok()?;
            Some(Event::NotificationReplied {
                sender: sender.to_owned(),
                id,
                text,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signal built here, never received: its position is 0, which is not before
    /// `Sequence::default()` as the answer's, so an owner change counts.
    fn signal<B>(sender: &str, path: &str, interface: &str, member: &str, body: &B) -> Message
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        Message::signal(path, interface, member)
            .and_then(|m| m.sender(sender))
            .and_then(|m| m.build(body))
            .expect("a valid signal")
    }

    #[test]
    fn an_owner_change_counts_only_from_the_bus_and_only_for_the_notification_service() {
        let from_bus = signal(
            BUS,
            BUS_PATH,
            BUS,
            "NameOwnerChanged",
            &(SERVICE, ":1.5", ":1.9"),
        );
        assert_eq!(
            read(&from_bus, Sequence::default()),
            Some(Event::OwnerChanged {
                old: ":1.5".into(),
                new: ":1.9".into()
            })
        );
        let forged = signal(
            ":1.66",
            BUS_PATH,
            BUS,
            "NameOwnerChanged",
            &(SERVICE, ":1.5", ":1.66"),
        );
        assert_eq!(
            read(&forged, Sequence::default()),
            None,
            "a client posing as the bus"
        );
        let other_name = signal(
            BUS,
            BUS_PATH,
            BUS,
            "NameOwnerChanged",
            &("org.example.Other", "", ":1.7"),
        );
        assert_eq!(read(&other_name, Sequence::default()), None);
    }

    #[test]
    fn presses_and_closes_carry_their_sender_for_the_listener_to_judge() {
        let pressed = signal(":1.66", PATH, SERVICE, "ActionInvoked", &(3u32, "ack"));
        assert_eq!(
            read(&pressed, Sequence::default()),
            Some(Event::ActionInvoked {
                sender: ":1.66".into(),
                id: 3,
                key: "ack".into()
            })
        );
        let closed = signal(":1.5", PATH, SERVICE, "NotificationClosed", &(3u32, 2u32));
        assert_eq!(
            read(&closed, Sequence::default()),
            Some(Event::NotificationClosed {
                sender: ":1.5".into(),
                id: 3,
                reason: 2
            })
        );
        let elsewhere = signal(
            ":1.5",
            "/elsewhere",
            SERVICE,
            "ActionInvoked",
            &(3u32, "ack"),
        );
        assert_eq!(read(&elsewhere, Sequence::default()), None);
    }

    #[test]
    fn a_reply_carries_its_sender_and_text_and_must_be_well_formed() {
        let replied = signal(
            ":1.5",
            PATH,
            SERVICE,
            "NotificationReplied",
            &(3u32, "Rolled back deploy 4411"),
        );
        assert_eq!(
            read(&replied, Sequence::default()),
            Some(Event::NotificationReplied {
                sender: ":1.5".into(),
                id: 3,
                text: "Rolled back deploy 4411".into()
            })
        );
        let forged = signal(":1.66", PATH, SERVICE, "NotificationReplied", &(3u32, "x"));
        assert!(
            matches!(read(&forged, Sequence::default()), Some(Event::NotificationReplied { sender, .. }) if sender == ":1.66"),
            "the listener judges the sender"
        );
        let elsewhere = signal(
            ":1.5",
            "/elsewhere",
            SERVICE,
            "NotificationReplied",
            &(3u32, "x"),
        );
        assert_eq!(read(&elsewhere, Sequence::default()), None);
        let malformed = signal(":1.5", PATH, SERVICE, "NotificationReplied", &(3u32, 4u32));
        assert_eq!(
            read(&malformed, Sequence::default()),
            None,
            "text must be a string"
        );
    }

    #[test]
    fn an_instance_needs_a_server_and_the_bus_id() {
        let place = Place::known("b1", Some("k1"));
        assert_eq!(place.instance(""), None, "no server");
        assert_eq!(
            place.instance(":1.5"),
            Some(Instance {
                bus: "b1".into(),
                server: ":1.5".into(),
                boot: Some("k1".into())
            })
        );
        let unknown_bus = Place { bus: None, ..place };
        assert_eq!(unknown_bus.instance(":1.5"), None);
    }
}

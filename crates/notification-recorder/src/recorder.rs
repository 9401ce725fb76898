//! [`Recorder`], the handle a test holds: it starts the server on a bus, reads the records,
//! waits for notifications, presses buttons and stops everything it started.
//!
//! The recorder owns two connections: the server connection, which serves both interfaces
//! and owns `org.freedesktop.Notifications`, and a monitor connection that follows match
//! rules (see `listeners.rs`). The monitor's task has one owner, the recorder's
//! `TaskTracker`, and one way to stop it, the recorder's `CancellationToken`, which is also
//! cancelled if the recorder is dropped without `stop`.

use std::fmt;
use std::time::Duration;

use tokio_util::sync::{CancellationToken, DropGuard};
use tokio_util::task::TaskTracker;
use zbus::fdo::{DBusProxy, RequestNameFlags};
use zbus::names::BusName;
use zbus::Connection;

use crate::control::ControlServer;
use crate::error::RecorderError;
use crate::listeners::Listeners;
use crate::records::{Recorded, Records};
use crate::server::{self, NotificationServer, BUS_NAME, OBJECT_PATH};

/// Where to connect.
#[derive(Clone, Debug)]
enum Bus {
    /// The session bus named by the environment (`DBUS_SESSION_BUS_ADDRESS`).
    Session,
    /// An explicit D-Bus address such as `unix:path=/tmp/dbus-XXXX`.
    Address(String),
}

impl Bus {
    async fn connect(
        &self,
        serve: Option<(NotificationServer, ControlServer)>,
    ) -> Result<Connection, RecorderError> {
        let connect_error = |source| RecorderError::Connect {
            bus: self.to_string(),
            source: Box::new(source),
        };
        let mut builder = match self {
            Bus::Session => zbus::connection::Builder::session(),
            Bus::Address(address) => zbus::connection::Builder::address(address.as_str()),
        }
        .map_err(connect_error)?;
        if let Some((notifications, control)) = serve {
            builder = builder
                .serve_at(OBJECT_PATH, notifications)
                .and_then(|b| b.serve_at(OBJECT_PATH, control))
                .map_err(RecorderError::dbus("serving the interfaces"))?;
        }
        builder.build().await.map_err(connect_error)
    }
}

impl fmt::Display for Bus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bus::Session => match std::env::var("DBUS_SESSION_BUS_ADDRESS") {
                Ok(address) => write!(f, "{address} (the session bus)"),
                Err(_) => f.write_str("the session bus (DBUS_SESSION_BUS_ADDRESS is not set)"),
            },
            Bus::Address(address) => f.write_str(address),
        }
    }
}

/// What kind of server a recorder is: the capabilities it announces beyond
/// [`crate::CAPABILITIES`], or one that never answers.
#[derive(Clone, Copy, Debug, Default)]
struct Kind {
    wedged: bool,
    sound: bool,
    inline_reply: bool,
}

/// A running notification server that records everything it is sent. Cheap to query; all
/// waiting methods take a timeout and wake on the event rather than polling.
#[derive(Debug)]
pub struct Recorder {
    connection: Connection,
    records: Records,
    listeners: Listeners,
    tasks: TaskTracker,
    cancel: CancellationToken,
    /// Cancels the monitor task if the recorder is dropped without [`Recorder::stop`].
    _cancel_on_drop: DropGuard,
}

impl Recorder {
    /// Connects to the bus at `address` (a D-Bus address string) or, when `None`, to the
    /// session bus from the environment, serves the notification and control interfaces and
    /// takes the name `org.freedesktop.Notifications`. Fails with
    /// [`RecorderError::NameTaken`] if another process owns it.
    pub async fn start(address: Option<&str>) -> Result<Recorder, RecorderError> {
        Recorder::start_server(address, Kind::default()).await
    }

    /// [`Recorder::start`], advertising the `sound` capability too: a server that plays
    /// the sound a `sound-name` or `sound-file` hint names (it only records it).
    pub async fn start_with_sound(address: Option<&str>) -> Result<Recorder, RecorderError> {
        let kind = Kind {
            sound: true,
            ..Kind::default()
        };
        Recorder::start_server(address, kind).await
    }

    /// [`Recorder::start`], advertising the `inline-reply` capability too (KDE's
    /// extension): a server that shows a text field in a notification that asks for one,
    /// which [`Recorder::reply`] fills in.
    pub async fn start_with_inline_reply(address: Option<&str>) -> Result<Recorder, RecorderError> {
        let kind = Kind {
            inline_reply: true,
            ..Kind::default()
        };
        Recorder::start_server(address, kind).await
    }

    /// A server that owns the name but never answers `Notify` (a wedged daemon): each
    /// call waits until the recorder stops, then fails. Nothing is recorded.
    pub async fn start_wedged(address: Option<&str>) -> Result<Recorder, RecorderError> {
        let kind = Kind {
            wedged: true,
            ..Kind::default()
        };
        Recorder::start_server(address, kind).await
    }

    async fn start_server(address: Option<&str>, kind: Kind) -> Result<Recorder, RecorderError> {
        let bus = match address {
            Some(address) => Bus::Address(address.to_owned()),
            None => Bus::Session,
        };
        let records = Records::new();
        let cancel = CancellationToken::new();
        // Made first, so that the monitor task also stops when starting fails below.
        let cancel_on_drop = cancel.clone().drop_guard();
        let tasks = TaskTracker::new();
        // The monitor starts before the name is taken, so that it sees the match rules of
        // every client that could have found the server.
        let monitor = bus.connect(None).await?;
        let listeners = Listeners::start(monitor, &tasks, cancel.clone()).await;
        let connection = bus
            .connect(Some((
                NotificationServer {
                    records: records.clone(),
                    wedged: kind.wedged.then(|| cancel.clone()),
                    sound: kind.sound,
                    inline_reply: kind.inline_reply,
                },
                ControlServer {
                    records: records.clone(),
                    listeners: listeners.clone(),
                },
            )))
            .await?;
        take_name(&connection).await?;
        tracing::info!(
            bus = %bus,
            unique_name = %unique_name(&connection),
            "recording notifications"
        );
        Ok(Recorder {
            connection,
            records,
            listeners,
            tasks,
            cancel,
            _cancel_on_drop: cancel_on_drop,
        })
    }

    /// Every notification received so far, in order of first arrival, closed ones included.
    pub fn notifications(&self) -> Vec<Recorded> {
        self.records.snapshot()
    }

    /// One notification by id.
    pub fn notification(&self, id: u32) -> Option<Recorded> {
        self.records.get(id)
    }

    /// Waits until `pred` holds for the records and returns them, or fails with
    /// [`RecorderError::Timeout`] (which lists what was recorded) after `timeout`.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        pred: impl Fn(&[Recorded]) -> bool,
    ) -> Result<Vec<Recorded>, RecorderError> {
        self.records
            .wait_for(timeout, "the expected notifications", pred)
            .await
    }

    /// Waits until a client on the bus listens for both the `ActionInvoked` and the
    /// `NotificationClosed` signals of notification `id`, so that pressing a button now
    /// reaches someone. Fails with a timeout that lists every client's match rules.
    ///
    /// Use it before [`press`](Self::press) or [`dismiss`](Self::dismiss) when the app may
    /// not have subscribed yet (still starting, or subscribing only after `Notify`). Only
    /// subscriptions made after the recorder started are seen, and a client library can
    /// still lose a signal right after subscribing: see the crate documentation on
    /// notify-rust.
    pub async fn wait_for_listener(&self, id: u32, timeout: Duration) -> Result<(), RecorderError> {
        wait_for_listener(
            &self.connection,
            &self.records,
            &self.listeners,
            id,
            timeout,
        )
        .await
    }

    /// Presses the button `action_key` of notification `id`: emits `ActionInvoked`, then
    /// closes it with reason 2 (dismissed) and emits `NotificationClosed`, as most desktops
    /// do for a notification that is not resident.
    pub async fn press(&self, id: u32, action_key: &str) -> Result<(), RecorderError> {
        server::press(&self.connection, &self.records, id, action_key, false).await
    }

    /// [`Recorder::press`], with both signals sent to the connection that sent the
    /// notification rather than broadcast, as GNOME Shell sends them: the bus delivers
    /// them to it whatever its match rules say.
    pub async fn press_addressed(&self, id: u32, action_key: &str) -> Result<(), RecorderError> {
        server::press(&self.connection, &self.records, id, action_key, true).await
    }

    /// Types `text` into the inline reply field of notification `id` and sends it, as a
    /// desktop that announces `inline-reply` does (Plasma): emits `NotificationReplied(id,
    /// text)` to the connection that sent the notification, then closes it with reason 2
    /// and emits `NotificationClosed`, unless it is resident. Fails with
    /// [`RecorderError::UnknownAction`] if the notification asked for no reply field.
    pub async fn reply(&self, id: u32, text: &str) -> Result<(), RecorderError> {
        server::reply(&self.connection, &self.records, id, text).await
    }

    /// Dismisses notification `id` as a user would: closes it with reason 2 and emits
    /// `NotificationClosed`.
    pub async fn dismiss(&self, id: u32) -> Result<(), RecorderError> {
        server::dismiss(&self.connection, &self.records, id).await
    }

    /// Forgets every record; ids keep counting up.
    pub fn clear(&self) {
        self.records.clear();
    }

    /// Gives up `org.freedesktop.Notifications` but stays connected, notifications and
    /// buttons included: a server being replaced by another (`--replace`), whose
    /// notifications may still be on screen for a moment. Its presses still go out, from
    /// a name that no longer owns the service.
    pub async fn release_name(&self) -> Result<(), RecorderError> {
        self.connection
            .release_name(BUS_NAME)
            .await
            .map(drop)
            .map_err(RecorderError::dbus(
                "releasing org.freedesktop.Notifications",
            ))
    }

    /// The recorder's unique bus name, the sender of its signals.
    pub fn unique_name(&self) -> String {
        unique_name(&self.connection)
    }

    /// Stops the monitor, waits for its task and closes the server connection, which gives
    /// up `org.freedesktop.Notifications`.
    pub async fn stop(self) {
        self.cancel.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        if let Err(e) = self.connection.close().await {
            tracing::debug!("closing the server connection: {e}");
        }
    }
}

/// Shared by [`Recorder::wait_for_listener`] and the control interface.
pub(crate) async fn wait_for_listener(
    connection: &Connection,
    records: &Records,
    listeners: &Listeners,
    id: u32,
    timeout: Duration,
) -> Result<(), RecorderError> {
    records
        .get(id)
        .ok_or(RecorderError::UnknownNotification(id))?;
    listeners
        .wait_until_listening(&unique_name(connection), id, timeout)
        .await
}

fn unique_name(connection: &Connection) -> String {
    connection
        .unique_name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// Requests `org.freedesktop.Notifications` without queueing, so that a second server on
/// the same bus fails at once instead of waiting in line.
async fn take_name(connection: &Connection) -> Result<(), RecorderError> {
    match connection
        .request_name_with_flags(BUS_NAME, RequestNameFlags::DoNotQueue.into())
        .await
    {
        Ok(_) => Ok(()),
        Err(zbus::Error::NameTaken) => Err(RecorderError::NameTaken {
            owner: current_owner(connection).await,
        }),
        Err(e) => Err(RecorderError::dbus(
            "requesting org.freedesktop.Notifications",
        )(e)),
    }
}

async fn current_owner(connection: &Connection) -> String {
    let owner = async {
        DBusProxy::new(connection)
            .await?
            .get_name_owner(BusName::try_from(BUS_NAME)?)
            .await
            .map_err(zbus::Error::from)
    };
    match owner.await {
        Ok(owner) => owner.to_string(),
        Err(_) => "unknown".to_owned(),
    }
}

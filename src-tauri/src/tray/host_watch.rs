//! Whether anything on this desktop shows the tray icon.
//!
//! The icon is a StatusNotifierItem (libayatana-appindicator), shown only by a desktop
//! that runs a StatusNotifierWatcher (`org.kde.StatusNotifierWatcher` on the session
//! bus). GNOME has none without the AppIndicator extension: there the icon never
//! appears, and without a word the user would have no way to reach the window. So
//! this watches the watcher's bus name for the app's lifetime. While it is missing
//! the user is told once, in a desktop notification, what to install, and the window
//! opens; pages keep arriving as notifications regardless. When a watcher appears,
//! libayatana-appindicator registers the icon with it by itself; this checks that it
//! did and logs it either way.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::StreamExt as _;
use tokio::time::{sleep_until, timeout, Instant};
use tracing::{info, warn};
use zbus::names::BusName;
use zbus::zvariant::Value;

use crate::shell::Shell;

const WATCHER: &str = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH: &str = "/StatusNotifierWatcher";

/// Every D-Bus call here, connecting included, gives up after this long.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the watcher may be missing before the user is told. At login the app can
/// start before the panel that hosts the watcher, and a shell restarting (a panel
/// crash, GNOME's "r" on X11) drops it for a moment; neither is worth a word.
const GRACE: Duration = Duration::from_secs(5);

/// How long a newly appeared watcher may take to list the icon, before the icon is
/// made anew (and then again before giving up).
const REGISTER_TIMEOUT: Duration = Duration::from_secs(5);

const NOTICE_SUMMARY: &str = "oncall-tray has no tray icon on this desktop";
const NOTICE_BODY: &str = "Nothing here shows tray icons, so the oncall-tray window was \
    opened instead; pages still arrive as notifications. On GNOME, install the \
    \u{201c}AppIndicator and KStatusNotifierItem Support\u{201d} extension (package \
    gnome-shell-extension-appindicator) and log in again.";

/// Starts watching for the tray host; the task belongs to the shell and ends with it.
pub fn spawn(shell: &Arc<Shell>) {
    let task_shell = shell.clone();
    shell.spawn(async move {
        if let Err(e) = watch(&task_shell).await {
            // Without the session bus the icon cannot be shown either; the notifier
            // reports that bus's trouble in its own words.
            warn!("cannot tell whether a tray host shows the icon: {e:#}");
        }
    });
}

async fn watch(shell: &Arc<Shell>) -> anyhow::Result<()> {
    let connection = session_bus().await?;
    let dbus = zbus::fdo::DBusProxy::new(&connection).await?;
    // Subscribed before asking whether the watcher is there, so no change is missed.
    let mut changes = bounded(
        "subscribing to NameOwnerChanged",
        dbus.receive_name_owner_changed_with_args(&[(0, WATCHER)]),
    )
    .await?;
    let watcher = BusName::try_from(WATCHER)?;
    let mut present = bounded("NameHasOwner", dbus.name_has_owner(watcher)).await?;
    // When the missing watcher is worth telling about; `None` while it is there or once
    // the user has been told about this absence.
    let mut tell_at = (!present).then(|| Instant::now() + GRACE);
    if present {
        info!("a tray host (StatusNotifierWatcher) is present");
    }
    loop {
        tokio::select! {
            _ = shell.cancel.cancelled() => return Ok(()),
            () = sleep_until(tell_at.unwrap_or_else(Instant::now)), if tell_at.is_some() => {
                tell_at = None;
                warn!(
                    "no tray host (StatusNotifierWatcher) on the session bus: the tray icon \
                     cannot be shown; opening the window instead. On GNOME, install the \
                     AppIndicator extension (gnome-shell-extension-appindicator)"
                );
                if let Err(e) = notify(&connection, NOTICE_SUMMARY, NOTICE_BODY).await {
                    warn!("could not say so in a notification: {e:#}");
                }
                shell.open_window();
            }
            change = changes.next() => {
                let Some(change) = change else {
                    return Ok(()); // The bus went away; the session is ending.
                };
                let now_present = change.args()?.new_owner().is_some();
                if now_present == present {
                    continue;
                }
                present = now_present;
                if present {
                    tell_at = None;
                    info!("a tray host (StatusNotifierWatcher) appeared");
                    check_registered(&connection, shell).await;
                } else {
                    warn!("the tray host (StatusNotifierWatcher) went away");
                    tell_at = Some(Instant::now() + GRACE);
                }
            }
        }
    }
}

/// Waits until the watcher lists an item of this process, and logs whether it did.
/// One that does not list it in time gets a new icon (`Shell::tray_lost`) once: a
/// watcher that took its bus name before it could answer missed the icon's
/// registration, which libayatana-appindicator does not try again by itself.
async fn check_registered(connection: &zbus::Connection, shell: &Shell) {
    let mut deadline = Instant::now() + REGISTER_TIMEOUT;
    let mut made_anew = false;
    loop {
        match registered(connection).await {
            Ok(true) => {
                info!("the tray icon is registered with the tray host");
                return;
            }
            Ok(false) => {}
            Err(e) => warn!("cannot ask the tray host for its icons: {e:#}"),
        }
        if Instant::now() >= deadline && !made_anew {
            warn!(
                "the tray host did not list the tray icon within {REGISTER_TIMEOUT:?}; \
                 making the icon anew"
            );
            shell.tray_lost.notify_one();
            made_anew = true;
            deadline = Instant::now() + REGISTER_TIMEOUT;
        } else if Instant::now() >= deadline {
            warn!(
                "the tray host did not list the tray icon, made anew, within \
                 {REGISTER_TIMEOUT:?}; the icon may not show until the app is restarted"
            );
            return;
        }
        tokio::select! {
            _ = shell.cancel.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

/// Whether one of the watcher's registered items is owned by this process. Items are
/// listed as "bus-name/object-path" or just a bus name; libayatana-appindicator
/// registers through its own connection, so the owner is found by process id.
async fn registered(connection: &zbus::Connection) -> anyhow::Result<bool> {
    let properties = zbus::fdo::PropertiesProxy::builder(connection)
        .destination(WATCHER)?
        .path(WATCHER_PATH)?
        .build()
        .await?;
    let items = bounded(
        "RegisteredStatusNotifierItems",
        properties.get(
            zbus::names::InterfaceName::try_from(WATCHER)?,
            "RegisteredStatusNotifierItems",
        ),
    )
    .await?;
    let items = Vec::<String>::try_from(items).context("an unexpected item list")?;
    let dbus = zbus::fdo::DBusProxy::new(connection).await?;
    let me = std::process::id();
    for item in items {
        let service = item.split('/').next().unwrap_or_default();
        let Ok(name) = BusName::try_from(service) else {
            continue;
        };
        let owner = bounded(
            "GetConnectionUnixProcessID",
            dbus.get_connection_unix_process_id(name),
        )
        .await;
        if owner.is_ok_and(|pid| pid == me) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A connection of its own to the session bus, every call on it bounded.
async fn session_bus() -> anyhow::Result<zbus::Connection> {
    bounded(
        "connecting to the session bus",
        zbus::connection::Builder::session()?
            .method_timeout(CALL_TIMEOUT)
            .build(),
    )
    .await
}

/// [`notify`] on a connection of its own, for a one-off message.
pub async fn notify_once(summary: &str, body: &str) -> anyhow::Result<()> {
    let connection = session_bus().await?;
    notify(&connection, summary, body).await
}

/// Shows one plain notification (no buttons, stays until dismissed) through the
/// freedesktop notification service.
async fn notify(connection: &zbus::Connection, summary: &str, body: &str) -> anyhow::Result<()> {
    let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
    hints.insert("urgency", Value::U8(1));
    hints.insert("desktop-entry", Value::from("oncall-tray"));
    bounded(
        "Notify",
        connection.call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "Notify",
            &(
                "oncall-tray",
                0u32,
                "",
                summary,
                body,
                Vec::<&str>::new(),
                hints,
                0i32,
            ),
        ),
    )
    .await?;
    Ok(())
}

/// `call` with [`CALL_TIMEOUT`], named in the error.
async fn bounded<T, E>(
    what: &str,
    call: impl std::future::Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    timeout(CALL_TIMEOUT, call)
        .await
        .with_context(|| format!("{what}: no answer within {CALL_TIMEOUT:?}"))?
        .with_context(|| format!("{what} failed"))
}

//! The tray on Linux and the BSDs: a StatusNotifierItem (`item.rs`) with a dbusmenu
//! (`dbusmenu.rs`), served over D-Bus with zbus, the library the notifier speaks D-Bus
//! with, so that the process links no GUI toolkit. Both interfaces are written here
//! rather than taken from `ksni`, which has no `XAyatanaLabel`: the count beside the
//! icon on GNOME and Ubuntu.
//!
//! The item registers with the StatusNotifierWatcher (the tray host) at start, and
//! again whenever a watcher takes the name (a panel that starts or restarts) or one
//! never listed it (`Shell::tray_lost`, from `host_watch`). A task the shell owns keeps
//! it in step with the engine's view and ends with the shell, its connection closed,
//! which takes the item off the watcher's list.

mod dbusmenu;
mod icons;
mod item;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use futures_util::StreamExt as _;
use oncall_engine::View;
use tracing::{debug, info, warn};

use super::menu::{self, TrayState};
use super::{host_watch, tooltip};
use crate::shell::Shell;
use dbusmenu::Menu;
use item::{Item, Shown};

const WATCHER: &str = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH: &str = "/StatusNotifierWatcher";
/// Bursts of view changes (a poll, then its decisions) become one update.
const SETTLE: Duration = Duration::from_millis(80);
/// Ages in the menu ("7 min") stay roughly right even when nothing else changes.
const REFRESH: Duration = Duration::from_secs(30);
/// Every D-Bus call here gives up after this long.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Shows the tray icon for as long as the shell runs. Without a session bus there is
/// none to show (pages still ring as notifications where the notifier reaches one).
pub async fn install(shell: &Arc<Shell>) {
    // Where no tray host shows the icon, the user must hear of it.
    host_watch::spawn(shell);
    match serve(shell).await {
        Ok(connection) => {
            let name = connection
                .unique_name()
                .map(|name| name.to_string())
                .unwrap_or_default();
            if let Err(e) = register(&connection, &name).await {
                // host_watch tells the user when no host shows it.
                debug!("the tray icon is not registered yet: {e:#}");
            }
            shell.spawn(follow(connection, name, shell.clone()));
        }
        Err(e) => warn!("the tray icon could not be made: {e:#}"),
    }
}

/// A connection of the tray's own, serving the item and its menu.
async fn serve(shell: &Arc<Shell>) -> anyhow::Result<zbus::Connection> {
    let folder = icons::write()?;
    let view = shell.engine.view().borrow().clone();
    let now = Utc::now();
    let item = Item::new(
        shown(&view, now),
        folder.to_string_lossy().into_owned(),
        shell.clone(),
    );
    let menu = Menu::new(
        menu::build(&view, now, shell.autostart().enabled()),
        shell.clone(),
    );
    tokio::time::timeout(
        CALL_TIMEOUT,
        zbus::connection::Builder::session()?
            .method_timeout(CALL_TIMEOUT)
            .serve_at(item::PATH, item)?
            .serve_at(dbusmenu::PATH, menu)?
            .build(),
    )
    .await
    .context("connecting to the session bus: no answer")?
    .context("cannot connect to the session bus")
}

/// What the item shows for `view`.
fn shown(view: &View, now: chrono::DateTime<Utc>) -> Shown {
    Shown {
        icon_name: icons::name(TrayState::of(view, now)),
        label: menu::label(view).unwrap_or_default(),
        tooltip: tooltip(view, now),
    }
}

/// Tells the watcher, if there is one, about the item (named by the connection's
/// unique name; the item is at the spec's default path).
async fn register(connection: &zbus::Connection, name: &str) -> anyhow::Result<()> {
    connection
        .call_method(
            Some(WATCHER),
            WATCHER_PATH,
            Some(WATCHER),
            "RegisterStatusNotifierItem",
            &(name,),
        )
        .await
        .context("RegisterStatusNotifierItem")?;
    info!("the tray icon is registered with the tray host");
    Ok(())
}

/// Updates the item and its menu on every view change (and every 30 s), and registers
/// the item again whenever a tray host may have missed it.
async fn follow(connection: zbus::Connection, name: String, shell: Arc<Shell>) {
    let mut views = shell.engine.view();
    let mut watchers = match watcher_changes(&connection).await {
        Ok(changes) => Some(changes),
        Err(e) => {
            warn!("cannot follow the tray host: {e:#}");
            None
        }
    };
    loop {
        tokio::select! {
            _ = shell.cancel.cancelled() => return,
            changed = views.changed() => {
                if changed.is_err() { return; }
                tokio::time::sleep(SETTLE).await;
            }
            () = shell.tray_lost.notified() => {
                if let Err(e) = register(&connection, &name).await {
                    warn!("could not register the tray icon again: {e:#}");
                }
                continue;
            }
            change = next_watcher(&mut watchers) => {
                if change {
                    if let Err(e) = register(&connection, &name).await {
                        warn!("could not register the tray icon with the new tray host: {e:#}");
                    }
                }
                continue;
            }
            () = tokio::time::sleep(REFRESH) => {}
        }
        let view = views.borrow_and_update().clone();
        if let Err(e) = show(&connection, &shell, &view).await {
            warn!("could not update the tray: {e:#}");
        }
    }
}

type WatcherChanges = zbus::fdo::NameOwnerChangedStream;

/// The watcher's name changing hands.
async fn watcher_changes(connection: &zbus::Connection) -> anyhow::Result<WatcherChanges> {
    let dbus = zbus::fdo::DBusProxy::new(connection).await?;
    Ok(dbus
        .receive_name_owner_changed_with_args(&[(0, WATCHER)])
        .await?)
}

/// Whether a watcher took the name (`false`: it went away); never, without a stream.
async fn next_watcher(changes: &mut Option<WatcherChanges>) -> bool {
    let Some(stream) = changes else {
        return std::future::pending().await;
    };
    match stream.next().await {
        Some(change) => change.args().is_ok_and(|args| args.new_owner().is_some()),
        None => {
            *changes = None;
            false
        }
    }
}

/// Shows `view`, signalling only what changed.
async fn show(connection: &zbus::Connection, shell: &Shell, view: &View) -> anyhow::Result<()> {
    let now = Utc::now();
    let server = connection.object_server();
    let item = server.interface::<_, Item>(item::PATH).await?;
    let new = shown(view, now);
    let old = std::mem::replace(&mut item.get_mut().await.shown, new.clone());
    let emitter = item.signal_emitter();
    if old.icon_name != new.icon_name {
        Item::new_icon(emitter).await?;
    }
    if old.label != new.label {
        Item::ayatana_new_label(emitter, &new.label, "99").await?;
    }
    if old.tooltip != new.tooltip {
        Item::new_tool_tip(emitter).await?;
    }
    // Read here: it may look at a file.
    let entries = menu::build(view, now, shell.autostart().enabled());
    let menu = server.interface::<_, Menu>(dbusmenu::PATH).await?;
    let revision = menu.get_mut().await.set(entries);
    if let Some(revision) = revision {
        Menu::layout_updated(menu.signal_emitter(), revision, 0).await?;
    }
    Ok(())
}

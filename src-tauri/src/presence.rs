//! Whether the user is at the screen, as the desktop says it: the screen saver's
//! `ActiveChanged` signal (GNOME, KDE, MATE, Cinnamon, Xfce all send one, under their
//! own interface name). Locked or idle is "away"; back is "back", and the engine then
//! sums up what happened meanwhile. Sleeps the engine notices by itself.
//!
//! Any client on the session bus can send a signal, so one counts only when its sender
//! owns the screen saver's name: a forged "back" must not make the app speak.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};
use zbus::fdo::DBusProxy;
use zbus::names::BusName;
use zbus::{MatchRule, Message, MessageStream};

use crate::requests::UserRequest;

/// The screen savers' interfaces, each also the name its service owns on the bus.
const SCREEN_SAVERS: &[&str] = &[
    "org.freedesktop.ScreenSaver",
    "org.gnome.ScreenSaver",
    "org.mate.ScreenSaver",
    "org.cinnamon.ScreenSaver",
];
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends `UserAway`/`UserBack` as the screen saver turns on and off, until `cancel`.
/// Without a session bus, there is nothing to listen to: it returns at once.
pub async fn watch(requests: mpsc::Sender<UserRequest>, cancel: CancellationToken) {
    if let Err(e) = listen(&requests, &cancel).await {
        debug!("not following the screen saver: {e:#}");
    }
}

async fn listen(
    requests: &mpsc::Sender<UserRequest>,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let connection = tokio::time::timeout(CALL_TIMEOUT, zbus::Connection::session()).await??;
    let rule = MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .member("ActiveChanged")?
        .build();
    let mut signals = MessageStream::for_match_rule(rule, &connection, Some(16)).await?;
    let dbus = DBusProxy::new(&connection).await?;
    loop {
        let message = tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            message = signals.next() => message,
        };
        let Some(message) = message else {
            return Ok(()); // The session is ending.
        };
        let Ok(message) = message else { continue };
        let Some(active) = screen_saver_active(&message, &dbus).await else {
            continue;
        };
        info!(active, "the screen saver changed");
        let request = if active {
            UserRequest::UserAway
        } else {
            UserRequest::UserBack
        };
        if requests.send(request).await.is_err() {
            return Ok(()); // Shutting down.
        }
    }
}

/// The screen saver's new state, if `message` is its `ActiveChanged` sent by the owner
/// of its name.
async fn screen_saver_active(message: &Message, dbus: &DBusProxy<'_>) -> Option<bool> {
    let header = message.header();
    let interface = header.interface()?.to_string();
    if !SCREEN_SAVERS.contains(&interface.as_str()) {
        return None;
    }
    let sender = header.sender()?.to_string();
    let name = BusName::try_from(interface.as_str()).ok()?;
    let owner = tokio::time::timeout(CALL_TIMEOUT, dbus.get_name_owner(name))
        .await
        .ok()?
        .ok()?;
    if owner.as_str() != sender {
        debug!(%sender, %interface, "ignored an ActiveChanged not sent by the screen saver");
        return None;
    }
    message.body().deserialize::<bool>().ok()
}

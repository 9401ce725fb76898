//! What the notification server says, read in the bus's order: button presses and
//! replies become requests, closed notifications are forgotten, and a change of the
//! service's owner brings back what the old server took with it (`show_lost_again`, its
//! own task).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use zbus::message::Sequence;

use super::interaction::Interaction;
use super::on_screen::Slot;
use super::server::{self, Event};
use super::{DesktopNotifier, SHOW_AGAIN_FIRST_WAIT, SHOW_AGAIN_LONGEST_WAIT, UNCLAIMED_PRESS_TTL};
use crate::lock::lock;

/// Turns the server's button presses and replies into requests, forgets the
/// notifications the user closed, and follows the notification service's owner, all in
/// the order the bus sent them (see `server.rs`).
pub(super) async fn listen(
    mut messages: zbus::MessageStream,
    synced: Sequence,
    notifier: Arc<DesktopNotifier>,
    cancel: CancellationToken,
) {
    let on_screen = &notifier.on_screen;
    loop {
        let message = tokio::select! {
            _ = cancel.cancelled() => break,
            message = messages.next() => message,
        };
        let message = match message {
            Some(Ok(message)) => message,
            Some(Err(_)) => continue,
            None => {
                warn!("the D-Bus connection closed: notification buttons no longer work");
                break;
            }
        };
        match server::read(&message, synced) {
            Some(Event::OwnerChanged { old, new }) => server_changed(&notifier, &old, new).await,
            Some(Event::ActionInvoked { sender, id, key }) => {
                let pressed = Interaction::Pressed(key);
                interacted(&notifier, &sender, id, pressed).await;
            }
            Some(Event::NotificationReplied { sender, id, text }) => {
                interacted(&notifier, &sender, id, Interaction::Replied(text)).await;
            }
            Some(Event::NotificationClosed { sender, id, reason }) => {
                let mut on_screen = on_screen.lock().await;
                if !on_screen.is_server(&sender) {
                    drop(on_screen);
                    warn!(%sender, id, "ignored a notification closed by someone else than the notification server");
                    continue;
                }
                // Dismissed by the user (2): the page was seen, its alarm stops.
                if let Some(Slot::Decision(target)) = on_screen.shown.get(&id).map(|s| &s.slot) {
                    if reason == 2 {
                        notifier.alarm.stop(target.clone());
                    }
                }
                on_screen.forget(id);
            }
            None => {}
        }
    }
}

/// The server says the user pressed a button of notification `id`, or replied to it:
/// acted on if `sender` is the server and the notification is ours.
async fn interacted(notifier: &DesktopNotifier, sender: &str, id: u32, interaction: Interaction) {
    // The lock is released before acting: the request's handler shows and withdraws
    // notifications, which takes the lock too.
    let shown = {
        let mut on_screen = notifier.on_screen.lock().await;
        if !on_screen.is_server(sender) {
            drop(on_screen);
            match interaction {
                Interaction::Pressed(key) => warn!(
                    %sender, id, %key,
                    "ignored a button press not sent by the notification server"
                ),
                Interaction::Replied(_) => warn!(
                    %sender, id,
                    "ignored a reply not sent by the notification server"
                ),
            }
            return;
        }
        let shown = on_screen.shown.get(&id).cloned();
        if shown.is_none() {
            // Perhaps ours, its `Notify` reply not read yet; or another app's. Kept
            // briefly for `show` to claim.
            let now = tokio::time::Instant::now();
            on_screen
                .unclaimed
                .retain(|(_, _, at)| now.duration_since(*at) < UNCLAIMED_PRESS_TTL);
            on_screen.unclaimed.push((id, interaction.clone(), now));
        }
        shown
    };
    if let Some(shown) = shown {
        notifier.interacted(id, &shown, interaction).await;
    }
}

/// Shows again what a server took with it, on the one that takes over (woken by
/// `servers`), in its own task: the listener must keep reading the bus meanwhile (the
/// replies' owner changes, the presses), and the engine's deliveries go on beside it.
/// What could not be shown waits for the next server, or is tried again after a
/// growing wait while the same one stays.
pub(super) async fn show_lost_again(notifier: Arc<DesktopNotifier>, cancel: CancellationToken) {
    let mut servers = notifier.servers.subscribe();
    let mut retry: Option<Duration> = None;
    loop {
        let retried = async {
            match retry {
                Some(wait) => tokio::time::sleep(wait).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            changed = servers.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = retried => {}
        }
        let lost = notifier.on_screen.lock().await.take_lost();
        let mut lost = lost.into_iter();
        let mut failed = false;
        while let Some(one) = lost.next() {
            if cancel.is_cancelled() {
                return;
            }
            if let Err(e) = notifier.show_again(&one).await {
                warn!("a notification that went away with its server could not be shown again yet: {e}");
                // A server that fails one would fail the rest too, each after a timeout.
                let mut on_screen = notifier.on_screen.lock().await;
                for one in std::iter::once(one).chain(lost.by_ref()) {
                    on_screen.not_shown_again(one);
                }
                failed = true;
                break;
            }
        }
        retry = failed.then(|| {
            retry.map_or(SHOW_AGAIN_FIRST_WAIT, |wait| {
                (wait * 2).min(SHOW_AGAIN_LONGEST_WAIT)
            })
        });
    }
}

/// The bus says the notification service changed hands: a server started, stopped or
/// was replaced.
async fn server_changed(notifier: &DesktopNotifier, old: &str, new: String) {
    if !notifier
        .on_screen
        .lock()
        .await
        .server_changed(old, new.clone())
    {
        return;
    }
    *lock(&notifier.capabilities) = None;
    if new.is_empty() {
        warn!(%old, "the notification server went away: pages wait until one starts");
    } else {
        info!(%new, "a notification server is running: held pages are shown now");
        notifier.servers.send_modify(|n| *n += 1);
    }
}

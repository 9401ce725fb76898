//! Notifications with buttons through the freedesktop notification service
//! (`org.freedesktop.Notifications` on the D-Bus session bus).
//!
//! One D-Bus connection sends every `Notify` and `CloseNotification` and receives every
//! `ActionInvoked` and `NotificationClosed` signal, in one listener task. That is why
//! this talks D-Bus through zbus rather than notify-rust: notify-rust opens a new
//! connection per notification and waits for its button on a blocked thread, while some
//! servers (GNOME Shell among them) send the signals only to the connection that sent
//! the notification. Subscribing before the first `Notify` also means no press is lost.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::StreamExt;
use oncall_engine::{Notice, Notifier};
use oncall_model::{AccountId, IncidentKey, Urgency};
use oncall_policy::{Decision, NotificationTarget};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, Mutex};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};
use zbus::zvariant::Value;

use super::{text, Intent};

/// The notification service's interface, as far as we use it.
#[zbus::proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
trait Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        replaces_id: u32,
        app_icon: &str,
        summary: &str,
        body: &str,
        actions: &[&str],
        hints: HashMap<&str, Value<'_>>,
        expire_timeout: i32,
    ) -> zbus::Result<u32>;

    fn close_notification(&self, id: u32) -> zbus::Result<()>;

    fn get_capabilities(&self) -> zbus::Result<Vec<String>>;

    #[zbus(signal)]
    fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;

    #[zbus(signal)]
    fn notification_closed(&self, id: u32, reason: u32) -> zbus::Result<()>;
}

const APP_NAME: &str = "oncall-tray";
/// The button keys; the labels are what the user reads.
const ACK: &str = "ack";
const OPEN: &str = "open";

/// What a notification on screen stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Slot {
    Decision(NotificationTarget),
    TokenRejected(AccountId),
}

/// One notification on screen, by the id the service gave it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Shown {
    slot: Slot,
    incident: Option<IncidentKey>,
    web_url: Option<String>,
}

/// The notifications on screen, both ways round, remembered on disk: notifications
/// outlive the app (a crash, an update, a restart), and their buttons must keep working
/// and their withdrawal must still reach them.
#[derive(Debug, Default)]
struct OnScreen {
    ids: HashMap<Slot, u32>,
    shown: HashMap<u32, Shown>,
    /// `notifications.json` in the data directory.
    file: PathBuf,
    /// The notification server's unique bus name: ids only mean something to the server
    /// instance that gave them (after a logout or reboot they are reused).
    server: String,
}

/// `notifications.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Remembered {
    server: String,
    shown: Vec<(u32, Shown)>,
}

impl OnScreen {
    /// What the previous run left on screen, if the same server still shows it.
    fn load(file: PathBuf, server: String) -> OnScreen {
        let remembered = match oncall_store::json_file::load::<Remembered>(&file) {
            Ok(loaded) => {
                if let Some(warning) = loaded.warning {
                    warn!("{warning}");
                }
                loaded.value
            }
            Err(e) => {
                warn!("the notifications of the previous run are forgotten: {e}");
                Remembered::default()
            }
        };
        let mut on_screen = OnScreen {
            file,
            server,
            ..OnScreen::default()
        };
        if remembered.server == on_screen.server && !on_screen.server.is_empty() {
            for (id, shown) in remembered.shown {
                on_screen.ids.insert(shown.slot.clone(), id);
                on_screen.shown.insert(id, shown);
            }
            if !on_screen.shown.is_empty() {
                info!(
                    count = on_screen.shown.len(),
                    "notifications of the previous run are still on screen: their buttons work"
                );
            }
        }
        on_screen.save();
        on_screen
    }

    fn save(&self) {
        let remembered = Remembered {
            server: self.server.clone(),
            shown: self.shown.iter().map(|(id, s)| (*id, s.clone())).collect(),
        };
        if let Err(e) = oncall_store::json_file::save(&self.file, &remembered) {
            // Only a restart's button presses are at stake; the page itself is shown.
            warn!("could not remember the notifications on screen: {e}");
        }
    }

    fn forget(&mut self, id: u32) {
        if let Some(shown) = self.shown.remove(&id) {
            if self.ids.get(&shown.slot) == Some(&id) {
                self.ids.remove(&shown.slot);
            }
            self.save();
        }
    }
}

pub struct DesktopNotifier {
    proxy: NotificationsProxy<'static>,
    /// An async mutex, held across `Notify` on purpose: the listener looks ids up under
    /// it, so a button pressed the instant a notification appears waits until its id
    /// is known instead of being ignored.
    on_screen: Arc<Mutex<OnScreen>>,
    /// Prefix titles with the account's name (more than one account is configured).
    name_accounts: bool,
}

impl DesktopNotifier {
    /// Connects to the session bus (`DBUS_SESSION_BUS_ADDRESS`) and starts the listener
    /// task on `tasks`; it ends when `cancel` is cancelled. Button presses are sent to
    /// `intents`.
    pub async fn connect(
        intents: mpsc::Sender<Intent>,
        tasks: &TaskTracker,
        cancel: CancellationToken,
        name_accounts: bool,
        remember_in: PathBuf,
    ) -> anyhow::Result<Arc<DesktopNotifier>> {
        use anyhow::Context as _;
        let connection = zbus::Connection::session()
            .await
            .context("cannot connect to the D-Bus session bus for desktop notifications")?;
        let proxy = NotificationsProxy::new(&connection)
            .await
            .context("cannot reach the notification service")?;
        // One stream for both signals, so a press (ActionInvoked, then
        // NotificationClosed) is seen in the order the server sent it; two streams
        // raced, and a press could look like a dismissal.
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface("org.freedesktop.Notifications")
            .and_then(|r| r.path("/org/freedesktop/Notifications"))
            .context("cannot build the D-Bus match rule")?
            .build();
        let signals = zbus::MessageStream::for_match_rule(rule, &connection, None)
            .await
            .context("cannot listen for notification buttons")?;
        let server = zbus::fdo::DBusProxy::new(&connection)
            .await
            .context("cannot reach the D-Bus daemon")?
            .get_name_owner(
                zbus::names::BusName::try_from("org.freedesktop.Notifications")
                    .context("the notification service's name")?,
            )
            .await
            .map(|owner| owner.to_string())
            // No server yet: nothing of a previous run can be on screen.
            .unwrap_or_default();
        let on_screen = Arc::new(Mutex::new(OnScreen::load(remember_in, server)));
        tasks.spawn(listen(signals, on_screen.clone(), intents, cancel));
        Ok(Arc::new(DesktopNotifier {
            proxy,
            on_screen,
            name_accounts,
        }))
    }

    /// Shows (or replaces in place) the notification of `slot`.
    async fn show(
        &self,
        slot: Slot,
        text: text::Text,
        urgency: Urgency,
        incident: Option<IncidentKey>,
        web_url: Option<String>,
    ) -> Result<(), String> {
        let mut actions = Vec::new();
        if incident.is_some() {
            actions.extend([ACK, "Acknowledge"]);
        }
        if web_url.is_some() {
            actions.extend([OPEN, "Open"]);
        }
        // High urgency is critical and never expires: it must be seen, not missed.
        let (level, timeout) = match urgency {
            Urgency::High => (2u8, 0),
            Urgency::Low => (1u8, -1),
        };
        let mut hints = HashMap::new();
        hints.insert("urgency", Value::U8(level));
        hints.insert("desktop-entry", Value::from(APP_NAME));

        // Titles and service names come from the incident service: a server that
        // renders body markup must get them escaped, or `<b>` in a title would render.
        let markup = self
            .proxy
            .get_capabilities()
            .await
            .map(|caps| caps.iter().any(|c| c == "body-markup"))
            .unwrap_or(true);
        let body = if markup {
            text::escape_markup(&text.body)
        } else {
            text.body.clone()
        };

        let mut on_screen = self.on_screen.lock().await;
        let replaces = on_screen.ids.get(&slot).copied().unwrap_or(0);
        let id = self
            .proxy
            .notify(
                APP_NAME,
                replaces,
                "",
                &text.summary,
                &body,
                &actions,
                hints,
                timeout,
            )
            .await
            .map_err(|e| format!("the notification service refused it: {e}"))?;
        if replaces != 0 && replaces != id {
            on_screen.forget(replaces);
        }
        on_screen.ids.insert(slot.clone(), id);
        on_screen.shown.insert(
            id,
            Shown {
                slot,
                incident,
                web_url,
            },
        );
        on_screen.save();
        debug!(id, summary = %text.summary, "notification shown");
        Ok(())
    }

    async fn withdraw(&self, slot: &Slot) -> Result<(), String> {
        let mut on_screen = self.on_screen.lock().await;
        let Some(id) = on_screen.ids.get(slot).copied() else {
            return Ok(()); // Never shown, or the user already closed it.
        };
        on_screen.forget(id);
        drop(on_screen);
        if let Err(e) = self.proxy.close_notification(id).await {
            // It may have gone away on its own in the meantime: nothing left to do.
            debug!(id, "CloseNotification failed: {e}");
        }
        debug!(id, "notification withdrawn");
        Ok(())
    }
}

#[async_trait]
impl Notifier for DesktopNotifier {
    async fn apply(&self, decision: &Decision) -> Result<(), String> {
        match decision {
            Decision::Notify { incident, .. } => {
                let slot = Slot::Decision(NotificationTarget::Incident(incident.key.clone()));
                let text = text::incident(incident, chrono::Utc::now(), self.name_accounts);
                let (key, url) = (Some(incident.key.clone()), incident.web_url.clone());
                self.show(slot, text, incident.urgency, key, url).await
            }
            Decision::Summarize(summary) => {
                let slot = Slot::Decision(NotificationTarget::Summary(summary.id));
                let text = text::summary(summary);
                self.show(slot, text, summary.urgency, None, None).await
            }
            Decision::Withdraw(target) => self.withdraw(&Slot::Decision(target.clone())).await,
        }
    }

    async fn notice(&self, notice: &Notice) -> Result<(), String> {
        match notice {
            Notice::TokenRejected {
                account,
                provider,
                reason,
            } => {
                let slot = Slot::TokenRejected(account.clone());
                let text = text::token_rejected(account, *provider, reason);
                self.show(slot, text, Urgency::High, None, None).await
            }
        }
    }
}

/// Turns button presses into intents and forgets notifications the user closed.
async fn listen(
    mut signals: zbus::MessageStream,
    on_screen: Arc<Mutex<OnScreen>>,
    intents: mpsc::Sender<Intent>,
    cancel: CancellationToken,
) {
    loop {
        let message = tokio::select! {
            _ = cancel.cancelled() => break,
            message = signals.next() => message,
        };
        let Some(Ok(message)) = message else {
            if message.is_none() {
                warn!("the D-Bus connection closed: notification buttons no longer work");
                break;
            }
            continue;
        };
        let header = message.header();
        match header.member().map(|m| m.as_str()) {
            Some("ActionInvoked") => {
                let Ok((id, key)) = message.body().deserialize::<(u32, String)>() else {
                    continue;
                };
                // The lock is released before sending: the intent's handler shows and
                // withdraws notifications, which takes the lock too.
                let shown = on_screen.lock().await.shown.get(&id).cloned();
                let Some(shown) = shown else {
                    continue; // Another app's notification, or one already withdrawn.
                };
                let intent = match key.as_str() {
                    ACK => shown.incident.map(Intent::Acknowledge),
                    OPEN => shown.web_url.map(Intent::Open),
                    _ => None,
                };
                if let Some(intent) = intent {
                    info!(id, ?intent, "notification button pressed");
                    if intents.send(intent).await.is_err() {
                        warn!("a notification button was pressed while shutting down");
                    }
                }
            }
            Some("NotificationClosed") => {
                if let Ok((id, _reason)) = message.body().deserialize::<(u32, u32)>() {
                    on_screen.lock().await.forget(id);
                }
            }
            _ => {}
        }
    }
}

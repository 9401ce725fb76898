//! Notifications with buttons through the freedesktop notification service
//! (`org.freedesktop.Notifications` on the D-Bus session bus).
//!
//! One D-Bus connection sends every `Notify` and `CloseNotification` and receives every
//! `ActionInvoked` and `NotificationClosed` signal, in one listener task. That is why
//! this talks D-Bus through zbus rather than notify-rust: notify-rust opens a new
//! connection per notification and waits for its button on a blocked thread, while some
//! servers (GNOME Shell among them) send the signals only to the connection that sent
//! the notification. Subscribing before the first `Notify` also means no press is lost.
//!
//! A page that rings is always a new notification (`replaces_id` 0), the old one of the
//! same incident closed after it: the spec makes an in-place replacement silent ("no
//! flicker or other visual cues"), and a repeat or a new episode exists to be noticed.
//! Only the same episode shown again (a restart re-delivering its outbox) replaces in
//! place. The listener also watches who owns the notification service, so the engine
//! retries held pages the moment a server starts.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use oncall_engine::{Notice, Notifier};
use oncall_model::{AccountId, IncidentKey, Urgency};
use oncall_policy::{Decision, NotificationTarget, RingReason};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch, Mutex};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};
use zbus::zvariant::Value;

use super::alarm::Alarm;
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
const SERVICE: &str = "org.freedesktop.Notifications";
/// Every call to the notification server gets this long: a wedged server must not stall
/// the engine's deliveries forever (they are retried), nor the buttons.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Presses of a notification whose `Notify` reply has not been read yet are kept this
/// long for it (a press can only come after the server showed it, so this is generous).
const UNCLAIMED_PRESS_TTL: Duration = Duration::from_secs(30);
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
    /// The trigger episode it rang for (incident pages only): the same episode shown
    /// again replaces it in place, a new one is a new notification.
    #[serde(default)]
    episode: Option<String>,
}

/// The notifications on screen, remembered on disk: notifications outlive the app (a
/// crash, an update, a restart), and their buttons must keep working and their
/// withdrawal must still reach them.
#[derive(Debug, Default)]
struct OnScreen {
    /// The newest notification of each slot.
    ids: HashMap<Slot, u32>,
    /// Every notification we showed that is still open, older ones of a slot included
    /// (closed after their successor appeared, but a press on them still counts).
    shown: HashMap<u32, Shown>,
    /// Presses on ids not known yet: the server may signal a press before the reply to
    /// `Notify` is read (no lock is held across that call). Claimed when the id is.
    unclaimed: Vec<(u32, String, tokio::time::Instant)>,
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

    /// Every open notification of `slot`, newest last.
    fn ids_of(&self, slot: &Slot) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .shown
            .iter()
            .filter(|(_, s)| &s.slot == slot)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// A new server owns the name: the old one's notifications are gone with it, and
    /// its ids mean nothing to the new one.
    fn server_changed(&mut self, server: String) {
        self.server = server;
        self.ids.clear();
        self.shown.clear();
        self.unclaimed.clear();
        self.save();
    }
}

/// A call to the notification server, bounded by [`CALL_TIMEOUT`].
async fn bounded<T>(what: &str, call: impl Future<Output = zbus::Result<T>>) -> Result<T, String> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(format!("{what} failed: {e}")),
        Err(_) => Err(format!(
            "{what}: the notification service did not answer within {} s",
            CALL_TIMEOUT.as_secs()
        )),
    }
}

pub struct DesktopNotifier {
    proxy: NotificationsProxy<'static>,
    /// Never held across a call to the server (see `OnScreen::unclaimed`).
    on_screen: Arc<Mutex<OnScreen>>,
    /// The current server's capabilities (asked once per server).
    capabilities: std::sync::Mutex<Option<Arc<Vec<String>>>>,
    /// Bumped when a notification server takes over the name.
    servers: watch::Sender<u64>,
    intents: mpsc::Sender<Intent>,
    /// Prefix titles with the account's name (more than one account is configured).
    name_accounts: bool,
    /// The sound of pages; played by the server instead where it can (`sounds`).
    alarm: Arc<Alarm>,
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
        alarm: Arc<Alarm>,
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
        // Subscribed before the owner is asked, so no change in between is missed.
        let owners = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .sender("org.freedesktop.DBus")
            .and_then(|r| r.member("NameOwnerChanged"))
            .and_then(|r| r.arg(0, SERVICE))
            .context("cannot build the D-Bus match rule")?
            .build();
        let owners = zbus::MessageStream::for_match_rule(owners, &connection, None)
            .await
            .context("cannot watch for the notification service")?;
        let dbus = zbus::fdo::DBusProxy::new(&connection)
            .await
            .context("cannot reach the D-Bus daemon")?;
        let name = zbus::names::BusName::try_from(SERVICE).context("the service's name")?;
        let server = bounded("GetNameOwner", async {
            dbus.get_name_owner(name).await.map_err(zbus::Error::from)
        })
        .await
        .map(|owner| owner.to_string())
        // No server yet: nothing of a previous run can be on screen.
        .unwrap_or_default();
        if server.is_empty() {
            warn!("no notification server is running yet: pages wait until one starts");
        }
        let on_screen = Arc::new(Mutex::new(OnScreen::load(remember_in, server)));
        let notifier = Arc::new(DesktopNotifier {
            proxy,
            on_screen,
            capabilities: std::sync::Mutex::default(),
            servers: watch::Sender::new(0),
            intents,
            name_accounts,
            alarm,
        });
        tasks.spawn(listen(signals, owners, notifier.clone(), cancel));
        Ok(notifier)
    }

    /// Whether the server announces `capability`; `None` when it did not answer (asked
    /// again next time).
    async fn has(&self, capability: &str) -> Option<bool> {
        let known = lock(&self.capabilities).clone();
        let caps = match known {
            Some(caps) => caps,
            None => {
                let caps = bounded("GetCapabilities", self.proxy.get_capabilities())
                    .await
                    .ok()?;
                let caps = Arc::new(caps);
                *lock(&self.capabilities) = Some(caps.clone());
                caps
            }
        };
        Some(caps.iter().any(|c| c == capability))
    }

    /// Shows the notification of `slot`: a new one that pops up and sounds, or, for
    /// `Ring::Again` (the same episode once more), an in-place replacement of the one
    /// on screen. Older notifications of the slot are closed once the new one is up.
    async fn show(&self, slot: Slot, note: Note, ring: Ring) -> Result<(), String> {
        let mut actions = Vec::new();
        if note.incident.is_some() {
            actions.extend([ACK, "Acknowledge"]);
        }
        if note.web_url.is_some() {
            actions.extend([OPEN, "Open"]);
        }
        // High urgency is critical and never expires: it must be seen, not missed.
        let (level, timeout) = match note.urgency {
            Urgency::High => (2u8, 0),
            Urgency::Low => (1u8, -1),
        };
        let mut hints = HashMap::new();
        hints.insert("urgency", Value::U8(level));
        hints.insert("desktop-entry", Value::from(APP_NAME));

        // Titles and service names come from the incident service: a server that
        // renders body markup must get them escaped, or `<b>` in a title would render.
        // Unknown (no answer): assume it renders markup, and escape.
        let markup = self.has("body-markup").await.unwrap_or(true);
        let (summary, body) = (
            text::printable(&note.text.summary),
            text::printable(&note.text.body),
        );
        let body = if markup {
            text::escape_markup(&body)
        } else {
            body
        };

        let (replaces, older) = {
            let on_screen = self.on_screen.lock().await;
            let current = on_screen.ids.get(&slot).copied();
            let same_episode = current
                .and_then(|id| on_screen.shown.get(&id))
                .is_some_and(|shown| note.episode.is_some() && shown.episode == note.episode);
            match (ring, current) {
                (Ring::Again, Some(id)) if same_episode || note.episode.is_none() => {
                    (id, Vec::new())
                }
                _ => (0, on_screen.ids_of(&slot)),
            }
        };
        // A page sounds when it pops up, not when a re-delivery replaces it in place.
        let (urgency, alarm) = match &slot {
            Slot::Decision(target) if replaces == 0 => (note.urgency, Some(target.clone())),
            _ => (note.urgency, None), // A notice, or the same page again.
        };
        let server_sounds = alarm.is_some() && self.has("sound").await == Some(true);
        if server_sounds {
            let (hint, sound) = self.alarm.hint(urgency);
            hints.insert(hint, sound);
        }
        let id = bounded(
            "Notify",
            self.proxy.notify(
                APP_NAME, replaces, "", &summary, &body, &actions, hints, timeout,
            ),
        )
        .await?;
        let shown = Shown {
            slot,
            incident: note.incident,
            web_url: note.web_url,
            episode: note.episode,
        };
        let claimed = {
            let mut on_screen = self.on_screen.lock().await;
            if replaces != 0 && replaces != id {
                on_screen.forget(replaces);
            }
            on_screen.ids.insert(shown.slot.clone(), id);
            on_screen.shown.insert(id, shown.clone());
            on_screen.save();
            let mut claimed = Vec::new();
            on_screen.unclaimed.retain(|(pressed, key, _)| {
                let mine = *pressed == id;
                if mine {
                    claimed.push(key.clone());
                }
                !mine
            });
            claimed
        };
        debug!(id, replaces, %summary, "notification shown");
        if let Some(target) = alarm {
            self.alarm.ring(target, urgency, server_sounds);
        }
        for key in claimed {
            self.pressed(id, &shown, &key).await;
        }
        // The new one is up: the old ones of this slot go (a press on one of them
        // meanwhile still counts; they are forgotten when the server says closed).
        for old in older {
            if let Err(e) = bounded("CloseNotification", self.proxy.close_notification(old)).await {
                debug!(old, "closing the previous notification failed: {e}");
            }
        }
        Ok(())
    }

    /// A button of `shown` (notification `id`) was pressed.
    async fn pressed(&self, id: u32, shown: &Shown, key: &str) {
        let intent = match key {
            ACK => shown.incident.clone().map(Intent::Acknowledge),
            OPEN => shown.web_url.clone().map(Intent::Open),
            _ => None,
        };
        if let Some(intent) = intent {
            info!(id, ?intent, "notification button pressed");
            if self.intents.send(intent).await.is_err() {
                warn!("a notification button was pressed while shutting down");
            }
        }
    }

    async fn withdraw(&self, slot: &Slot) -> Result<(), String> {
        if let Slot::Decision(target) = slot {
            self.alarm.stop(target.clone());
        }
        let ids = {
            let mut on_screen = self.on_screen.lock().await;
            let ids = on_screen.ids_of(slot);
            for id in &ids {
                on_screen.forget(*id);
            }
            ids
        };
        // Nothing: never shown, or the user already closed it.
        for id in ids {
            if let Err(e) = bounded("CloseNotification", self.proxy.close_notification(id)).await {
                // It may have gone away on its own, or with its server: nothing to do.
                debug!(id, "{e}");
            }
            debug!(id, "notification withdrawn");
        }
        Ok(())
    }
}

#[async_trait]
impl Notifier for DesktopNotifier {
    async fn apply(&self, decision: &Decision) -> Result<(), String> {
        match decision {
            Decision::Notify { incident, reason } => {
                let slot = Slot::Decision(NotificationTarget::Incident(incident.key.clone()));
                let note = Note {
                    text: text::incident(incident, chrono::Utc::now(), self.name_accounts),
                    urgency: incident.urgency,
                    incident: Some(incident.key.clone()),
                    web_url: incident.web_url.clone(),
                    episode: Some(format!(
                        "{}/{}",
                        incident.status_changed_at.timestamp_millis(),
                        incident
                            .assigned_to_me_at
                            .map(|t| t.timestamp_millis())
                            .unwrap_or_default()
                    )),
                };
                // A repeat exists to be noticed; a new or released episode that is
                // already on screen is this decision delivered again (a restart).
                let ring = match reason {
                    RingReason::Repeat => Ring::Fresh,
                    RingReason::New | RingReason::Released => Ring::Again,
                };
                self.show(slot, note, ring).await
            }
            Decision::Summarize(summary) => {
                // Summaries are numbered: one already on screen is this one again.
                let slot = Slot::Decision(NotificationTarget::Summary(summary.id));
                let note = Note::plain(text::summary(summary), summary.urgency);
                self.show(slot, note, Ring::Again).await
            }
            Decision::Withdraw(target) => self.withdraw(&Slot::Decision(target.clone())).await,
        }
    }

    fn server_changes(&self) -> Option<watch::Receiver<u64>> {
        Some(self.servers.subscribe())
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
                self.show(slot, Note::plain(text, Urgency::High), Ring::Fresh)
                    .await
            }
            // The rejected token's place on screen: one notification per account's
            // token trouble, the newer replacing the older.
            Notice::CredentialFailed { account, reason } => {
                let slot = Slot::TokenRejected(account.clone());
                let text = text::credential_failed(account, reason);
                self.show(slot, Note::plain(text, Urgency::High), Ring::Fresh)
                    .await
            }
        }
    }
}

/// What a notification says and stands for.
struct Note {
    text: text::Text,
    urgency: Urgency,
    incident: Option<IncidentKey>,
    web_url: Option<String>,
    episode: Option<String>,
}

impl Note {
    fn plain(text: text::Text, urgency: Urgency) -> Note {
        Note {
            text,
            urgency,
            incident: None,
            web_url: None,
            episode: None,
        }
    }
}

/// How a notification reaches the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ring {
    /// A new notification, whatever is on screen: it pops up and sounds.
    Fresh,
    /// The same thing once more: replaces the one on screen in place, if it shows the
    /// same episode; otherwise a new notification.
    Again,
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Turns button presses into intents, forgets notifications the user closed, and
/// follows the notification service's owner.
async fn listen(
    mut signals: zbus::MessageStream,
    mut owners: zbus::MessageStream,
    notifier: Arc<DesktopNotifier>,
    cancel: CancellationToken,
) {
    let on_screen = &notifier.on_screen;
    loop {
        let message = tokio::select! {
            _ = cancel.cancelled() => break,
            owner = owners.next() => {
                if let Some(Ok(owner)) = owner {
                    server_changed(&notifier, &owner).await;
                }
                continue;
            }
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
                let shown = {
                    let mut on_screen = on_screen.lock().await;
                    let shown = on_screen.shown.get(&id).cloned();
                    if shown.is_none() {
                        // Perhaps ours, its `Notify` reply not read yet; or another
                        // app's. Kept briefly for `show` to claim.
                        let now = tokio::time::Instant::now();
                        on_screen
                            .unclaimed
                            .retain(|(_, _, at)| now.duration_since(*at) < UNCLAIMED_PRESS_TTL);
                        on_screen.unclaimed.push((id, key.clone(), now));
                    }
                    shown
                };
                if let Some(shown) = shown {
                    notifier.pressed(id, &shown, &key).await;
                }
            }
            Some("NotificationClosed") => {
                if let Ok((id, reason)) = message.body().deserialize::<(u32, u32)>() {
                    let mut on_screen = on_screen.lock().await;
                    // Dismissed by the user (2): the page was seen, its alarm stops.
                    if let Some(Slot::Decision(target)) = on_screen.shown.get(&id).map(|s| &s.slot)
                    {
                        if reason == 2 {
                            notifier.alarm.stop(target.clone());
                        }
                    }
                    on_screen.forget(id);
                }
            }
            _ => {}
        }
    }
}

/// `NameOwnerChanged` for the notification service: a server started, stopped or was
/// replaced.
async fn server_changed(notifier: &DesktopNotifier, message: &zbus::Message) {
    let Ok((_, old, new)) = message.body().deserialize::<(String, String, String)>() else {
        return;
    };
    *lock(&notifier.capabilities) = None;
    notifier.on_screen.lock().await.server_changed(new.clone());
    if new.is_empty() {
        warn!(%old, "the notification server went away: pages wait until one starts");
    } else {
        info!(%new, "a notification server is running: held pages are shown now");
        notifier.servers.send_modify(|n| *n += 1);
    }
}

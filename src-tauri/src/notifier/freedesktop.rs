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
//!
//! A notification lives only as long as the server that shows it: when the service
//! changes hands (the daemon crashed and restarted, another replaced it), what the old
//! server showed is gone, while the engine counts those pages as seen. So the notifier
//! shows them again on the next server, once each, as new notifications that pop up but
//! do not ring (the alarm of a page still ringing goes on; one that stopped stays
//! stopped), worded anew (a page's age). A withdrawal or a new notification of the same
//! slot meanwhile wins: the one shown again is closed, never kept beside it.
//!
//! Only the server's own signals count: a press or a close is honoured when its sender is
//! the unique name that owns the service at that point of the bus's order (`server.rs`),
//! and an id is only ever sent back to the server that gave it.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use oncall_engine::{Notice, Notifier};
use oncall_model::{AccountId, Incident, IncidentKey, Urgency};
use oncall_policy::{Decision, NotificationTarget, RingReason};
use serde::{Deserialize, Deserializer, Serialize};
use tokio::sync::{mpsc, watch, Mutex};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};
use zbus::message::Sequence;
use zbus::zvariant::Value;
use zbus::Message;

use super::alarm::Alarm;
use super::{text, Intent};
use server::{Event, Instance, Place, PATH, SERVICE};

mod server;

const APP_NAME: &str = "oncall-tray";
/// Every call to the notification server gets this long: a wedged server must not stall
/// the engine's deliveries forever (they are retried), nor the buttons.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Presses of a notification whose `Notify` reply has not been read yet are kept this
/// long for it (a press can only come after the server showed it, so this is generous).
const UNCLAIMED_PRESS_TTL: Duration = Duration::from_secs(30);
/// The first wait before trying again to show what the server that took over could not
/// show yet (the next owner change tries at once); it doubles up to
/// [`SHOW_AGAIN_LONGEST_WAIT`]. A plain doubling: one client of one local server has no
/// herd to spread with jitter.
const SHOW_AGAIN_FIRST_WAIT: Duration = Duration::from_secs(2);
const SHOW_AGAIN_LONGEST_WAIT: Duration = Duration::from_secs(30);
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
    /// What it says, to show it again if its server goes away. `None` in a file from
    /// before it was recorded: such a notification is not shown again.
    #[serde(default)]
    said: Option<Said>,
}

/// The words and urgency of a notification on screen, as the notifier made them (the
/// server's markup escaping is applied when sent, as it depends on the server).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Said {
    summary: String,
    body: String,
    urgency: Urgency,
    /// The incident a page is for, as it was shown: its age ("triggered 40 min ago") is
    /// counted anew when shown again. Read leniently: the incident's shape belongs to
    /// `oncall-model` and may change between versions, and an entry it no longer fits
    /// keeps its words (and `notifications.json` its other entries).
    #[serde(default, deserialize_with = "incident_if_it_fits")]
    incident: Option<Incident>,
}

fn incident_if_it_fits<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Incident>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(value.and_then(|value| serde_json::from_value(value).ok()))
}

impl Shown {
    /// What to show again, worded `now`; `None` when the words were not recorded.
    fn again(&self, now: chrono::DateTime<chrono::Utc>, name_accounts: bool) -> Option<Note> {
        let said = self.said.as_ref()?;
        let text = match &said.incident {
            Some(incident) => text::incident(incident, now, name_accounts),
            None => text::Text {
                summary: said.summary.clone(),
                body: said.body.clone(),
            },
        };
        Some(Note {
            text,
            urgency: said.urgency,
            incident: self.incident.clone(),
            web_url: self.web_url.clone(),
            episode: self.episode.clone(),
            page: said.incident.clone(),
        })
    }
}

/// A notification that a server took with it, being shown again on the next one.
#[derive(Debug)]
struct Lost {
    /// Stays in `OnScreen::again` while this is in flight: a withdrawal or a new
    /// notification of the slot meanwhile takes it away.
    ticket: u64,
    /// Its id on the server that went away (for the log).
    was: u32,
    shown: Shown,
}

/// What recording a notification leaves to do.
#[derive(Debug, Default, PartialEq, Eq)]
struct Placed {
    /// Presses on it that came before the reply to `Notify` was read.
    pressed: Vec<String>,
    /// The other notifications of its slot, which it takes the place of (to close).
    older: Vec<u32>,
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
    /// Presses (by the server) on ids not known yet: the server may signal a press before
    /// the reply to `Notify` is read (no lock is held across that call). Claimed when the
    /// id is.
    unclaimed: Vec<(u32, String, tokio::time::Instant)>,
    /// `notifications.json` in the data directory.
    file: PathBuf,
    /// The unique bus name that owns the notification service ("" while none does), as
    /// of the last owner change the listener read: only its signals count, and every id
    /// above is one it gave.
    owner: String,
    /// The unique names that owned the service before, in this run. The bus never gives
    /// one to another connection, so a reply from one of them came from a server that is
    /// gone, or going.
    former: HashSet<String>,
    /// The bus and the boot: with `owner`, the server instance.
    place: Place,
    /// The newest notification of each slot that a server took with it when it went
    /// away, by its id there: shown again on the next server. Not on disk: after a
    /// restart the engine's outbox and policy decide what a new run shows.
    lost: HashMap<Slot, (u32, Shown)>,
    /// The slots being shown again, with the ticket of that attempt.
    again: HashMap<Slot, u64>,
    /// The last ticket given.
    tickets: u64,
}

/// `notifications.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Remembered {
    /// The server instance that gave the ids. `None` (not honoured): no server ran, the
    /// bus did not say its id, or the file is older than the field (it named the server
    /// by its unique name alone, in `server`).
    #[serde(default)]
    instance: Option<Instance>,
    shown: Vec<(u32, Shown)>,
}

impl OnScreen {
    /// What the previous run left on screen, if the same server instance still shows it.
    fn load(file: PathBuf, owner: String, place: Place) -> OnScreen {
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
            owner,
            place,
            ..OnScreen::default()
        };
        // Ids are small and sequential, and unique names such as `:1.5` come again on the
        // next bus: honoured for another instance, a press on some other app's
        // notification would acknowledge our page, and our withdrawal would close theirs.
        // A file that names no instance (from before it was recorded) is not honoured
        // either: that costs the buttons of one update's notifications, never a wrong
        // acknowledgement.
        let instance = on_screen.place.instance(&on_screen.owner);
        if instance.is_some() && remembered.instance == instance {
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
            instance: self.place.instance(&self.owner),
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

    /// Whether `sender` (a message's unique name) is the notification server.
    fn is_server(&self, sender: &str) -> bool {
        !self.owner.is_empty() && sender == self.owner
    }

    /// The bus says `new` owns the service now, taken from `old`: the old server's
    /// notifications are gone with it, and its ids mean nothing to the new one, so the
    /// newest of each slot is kept to be shown again (`take_lost`). Whether the owner
    /// changed.
    fn server_changed(&mut self, old: &str, new: String) -> bool {
        if new == self.owner {
            return false;
        }
        let previous = std::mem::replace(&mut self.owner, new);
        self.former.extend(
            [previous, old.to_owned()]
                .into_iter()
                .filter(|name| !name.is_empty()),
        );
        for (slot, id) in self.ids.drain() {
            match self.shown.remove(&id) {
                Some(shown) if shown.said.is_some() => {
                    self.lost.insert(slot, (id, shown));
                }
                _ => debug!(
                    id,
                    "a notification of an older version went with its server"
                ),
            }
        }
        self.shown.clear();
        self.unclaimed.clear();
        self.save();
        true
    }

    /// A withdrawal or a new notification of `slot` is on its way: what the last server
    /// showed of it is not shown again, and one being shown again is not kept.
    fn superseded(&mut self, slot: &Slot) {
        self.lost.remove(slot);
        self.again.remove(slot);
    }

    /// What to show again on the server that owns the service now, oldest first (none
    /// while no server runs: it waits for one).
    fn take_lost(&mut self) -> Vec<Lost> {
        if self.owner.is_empty() {
            return Vec::new();
        }
        let mut lost: Vec<(Slot, (u32, Shown))> = self.lost.drain().collect();
        lost.sort_unstable_by_key(|(_, (was, _))| *was);
        lost.into_iter()
            .map(|(slot, (was, shown))| {
                self.tickets += 1;
                self.again.insert(slot, self.tickets);
                Lost {
                    ticket: self.tickets,
                    was,
                    shown,
                }
            })
            .collect()
    }

    /// `lost` is on screen again as notification `id` of the owner. `None` if its slot
    /// was withdrawn or shown anew meanwhile: that one wins, and `id` is to be closed.
    fn shown_again(&mut self, lost: &Lost, id: u32) -> Option<Placed> {
        let slot = &lost.shown.slot;
        if self.again.get(slot) != Some(&lost.ticket) {
            return None;
        }
        self.again.remove(slot);
        if self.ids.contains_key(slot) {
            return None;
        }
        Some(self.shown(id, 0, lost.shown.clone()))
    }

    /// `lost` could not be shown again: it waits for the next attempt, unless its slot
    /// was withdrawn or shown anew meanwhile.
    fn not_shown_again(&mut self, lost: Lost) {
        let slot = &lost.shown.slot;
        if self.again.get(slot) == Some(&lost.ticket) {
            self.again.remove(slot);
            self.lost
                .entry(slot.clone())
                .or_insert((lost.was, lost.shown));
        }
    }

    /// Records notification `id`, shown by the server for `shown.slot` in place of
    /// `replaces` (0: none, and then every other one of the slot is older).
    fn shown(&mut self, id: u32, replaces: u32, shown: Shown) -> Placed {
        self.superseded(&shown.slot);
        if replaces != 0 && replaces != id {
            self.forget(replaces);
        }
        // Looked up now rather than before `Notify`: a notification shown again while
        // the call was in flight is older too.
        let older = if replaces == 0 {
            let mut older = self.ids_of(&shown.slot);
            older.retain(|old| *old != id);
            older
        } else {
            Vec::new()
        };
        self.ids.insert(shown.slot.clone(), id);
        self.shown.insert(id, shown);
        self.save();
        let mut pressed = Vec::new();
        self.unclaimed.retain(|(at, key, _)| {
            let mine = *at == id;
            if mine {
                pressed.push(key.clone());
            }
            !mine
        });
        Placed { pressed, older }
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
    connection: zbus::Connection,
    /// Never held across a call to the server (see `OnScreen::unclaimed`).
    on_screen: Arc<Mutex<OnScreen>>,
    /// The current server's capabilities (asked once per server).
    capabilities: std::sync::Mutex<Option<Arc<Vec<String>>>>,
    /// Bumped when a notification server takes over the name: the engine shows held
    /// pages, and `shown_by` sees whether the server that answered is the owner now.
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
        let place = Place::of(&connection).await;
        let subscription = server::subscribe(&connection).await?;
        if subscription.owner.is_empty() {
            warn!("no notification server is running yet: pages wait until one starts");
        }
        let on_screen = OnScreen::load(remember_in, subscription.owner, place);
        let notifier = Arc::new(DesktopNotifier {
            connection,
            on_screen: Arc::new(Mutex::new(on_screen)),
            capabilities: std::sync::Mutex::default(),
            servers: watch::Sender::new(0),
            intents,
            name_accounts,
            alarm,
        });
        tasks.spawn(listen(
            subscription.messages,
            subscription.synced,
            notifier.clone(),
            cancel.clone(),
        ));
        tasks.spawn(show_lost_again(notifier.clone(), cancel));
        Ok(notifier)
    }

    /// Calls `method` of the notification server at `destination`: the service's name,
    /// for whoever runs it now, or the unique name of the server that gave the id the
    /// call names (to any other server the id means another notification).
    async fn call<B>(&self, destination: &str, method: &str, body: &B) -> zbus::Result<Message>
    where
        B: Serialize + zbus::zvariant::DynamicType,
    {
        self.connection
            .call_method(Some(destination), PATH, Some(SERVICE), method, body)
            .await
    }

    /// Whether the server announces `capability`; `None` when it did not answer (asked
    /// again next time).
    async fn has(&self, capability: &str) -> Option<bool> {
        let known = lock(&self.capabilities).clone();
        let caps = match known {
            Some(caps) => caps,
            None => {
                let caps = bounded("GetCapabilities", async {
                    self.call(SERVICE, "GetCapabilities", &())
                        .await?
                        .body()
                        .deserialize::<Vec<String>>()
                })
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
        let (replaces, owner) = {
            let mut on_screen = self.on_screen.lock().await;
            on_screen.superseded(&slot);
            let current = on_screen.ids.get(&slot).copied();
            let same_episode = current
                .and_then(|id| on_screen.shown.get(&id))
                .is_some_and(|shown| note.episode.is_some() && shown.episode == note.episode);
            let replaces = match (ring, current) {
                (Ring::Again, Some(id)) if same_episode || note.episode.is_none() => id,
                _ => 0,
            };
            (replaces, on_screen.owner.clone())
        };
        // A page sounds when it pops up, not when a re-delivery replaces it in place.
        let (urgency, alarm) = match &slot {
            Slot::Decision(target) if replaces == 0 => (note.urgency, Some(target.clone())),
            _ => (note.urgency, None), // A notice, or the same page again.
        };
        let server_sounds = alarm.is_some() && self.has("sound").await == Some(true);
        let sound = server_sounds.then(|| self.alarm.hint(urgency));
        let destination = if replaces == 0 { SERVICE } else { &owner };
        let (id, server) = self.notify(destination, replaces, &note, sound).await?;
        let summary = note.text.summary.clone();
        let shown = note.into_shown(slot);
        let placed = self
            .recorded_by(&server, |on_screen| {
                on_screen.shown(id, replaces, shown.clone())
            })
            .await?;
        debug!(id, replaces, %summary, "notification shown");
        if let Some(target) = alarm {
            self.alarm.ring(target, urgency, server_sounds);
        }
        self.settle(id, &shown, placed, &server).await;
        Ok(())
    }

    /// Sends `note` to `destination` (see [`DesktopNotifier::call`]) in place of
    /// `replaces` (0: as a new notification), with `sound` as a hint; the id it got and
    /// the unique name of the server that gave it.
    async fn notify(
        &self,
        destination: &str,
        replaces: u32,
        note: &Note,
        sound: Option<(&'static str, Value<'static>)>,
    ) -> Result<(u32, String), String> {
        let mut actions = Vec::new();
        if note.incident.is_some() {
            actions.extend([ACK, "Acknowledge"]);
        }
        // Only a button that works: a link the opener would refuse (one an older
        // version saved) offers none.
        if note
            .web_url
            .as_deref()
            .and_then(oncall_model::web_link)
            .is_some()
        {
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
        if let Some((hint, value)) = sound {
            hints.insert(hint, value);
        }

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

        let notify = (
            APP_NAME, replaces, "", &summary, &body, &actions, hints, timeout,
        );
        bounded("Notify", async {
            let reply = self.call(destination, "Notify", &notify).await?;
            let id = reply.body().deserialize::<u32>()?;
            let server = reply.header().sender().map(|s| s.to_string());
            Ok((id, server.unwrap_or_default()))
        })
        .await
    }

    /// What follows a notification's recording: the presses on `shown` (now `id`) that
    /// came first count, and the older notifications of its slot go (a press on one of
    /// them meanwhile still counts; they are forgotten when the server says closed).
    async fn settle(&self, id: u32, shown: &Shown, placed: Placed, server: &str) {
        for key in placed.pressed {
            self.pressed(id, shown, &key).await;
        }
        for old in placed.older {
            let close = self.call(server, "CloseNotification", &old);
            if let Err(e) = bounded("CloseNotification", close).await {
                debug!(old, "closing the previous notification failed: {e}");
            }
        }
    }

    /// Shows `lost` again on the server that owns the service now: a new notification
    /// that pops up without a sound of its own (a page's alarm is the engine's, and
    /// still rings if it did), and whose buttons act on the same incident.
    async fn show_again(&self, lost: &Lost) -> Result<(), String> {
        let Some(note) = lost.shown.again(chrono::Utc::now(), self.name_accounts) else {
            return Ok(()); // `server_changed` keeps only what has its words.
        };
        let quiet = Some(("suppress-sound", Value::Bool(true)));
        let (id, server) = self.notify(SERVICE, 0, &note, quiet).await?;
        let placed = self
            .recorded_by(&server, |on_screen| on_screen.shown_again(lost, id))
            .await?;
        match placed {
            Some(placed) => {
                info!(
                    id,
                    was = lost.was,
                    slot = ?lost.shown.slot,
                    "a notification that went away with its server is shown again"
                );
                self.settle(id, &lost.shown, placed, &server).await;
            }
            None => {
                // Withdrawn, or shown anew, while this was on its way: that wins.
                let close = self.call(&server, "CloseNotification", &id);
                if let Err(e) = bounded("CloseNotification", close).await {
                    debug!(
                        id,
                        "closing a notification shown again too late failed: {e}"
                    );
                }
            }
        }
        Ok(())
    }

    /// Runs `record` on what is on screen once the listener knows `server` (the sender
    /// of a reply to `Notify`) as the owner, and returns what it returned.
    async fn recorded_by<R>(
        &self,
        server: &str,
        record: impl FnOnce(&mut OnScreen) -> R,
    ) -> Result<R, String> {
        // Before looking, so that a change made in between still wakes the wait below.
        let mut owners = self.servers.subscribe();
        loop {
            {
                let mut on_screen = self.on_screen.lock().await;
                if on_screen.is_server(server) {
                    return Ok(record(&mut on_screen));
                }
                // Kept, the id would stand for this page at the server that took over.
                // The delivery is retried: it shows the page there.
                if server.is_empty() || on_screen.former.contains(server) {
                    return Err(format!(
                        "the notification server {server} was replaced while showing a notification"
                    ));
                }
            }
            // A server that is not the owner yet: the bus sent the owner change before
            // it routed our `Notify` there, but the listener has not read it yet.
            if !matches!(
                tokio::time::timeout(CALL_TIMEOUT, owners.changed()).await,
                Ok(Ok(()))
            ) {
                return Err(format!(
                    "{server}, which showed a notification, did not become the notification server"
                ));
            }
        }
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
        let (ids, owner) = {
            let mut on_screen = self.on_screen.lock().await;
            on_screen.superseded(slot);
            let ids = on_screen.ids_of(slot);
            for id in &ids {
                on_screen.forget(*id);
            }
            (ids, on_screen.owner.clone())
        };
        // Nothing: never shown, or the user already closed it.
        for id in ids {
            let close = self.call(&owner, "CloseNotification", &id);
            if let Err(e) = bounded("CloseNotification", close).await {
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
                    page: Some(incident.as_ref().clone()),
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
            // In the page's place, with its buttons: the incident still needs the user,
            // and the withdrawal that follows a later acknowledgement takes it away.
            Notice::ActionNotSaved {
                incident,
                title,
                kind,
                cause,
            } => {
                let slot = Slot::Decision(NotificationTarget::Incident(incident.clone()));
                let note = Note {
                    incident: Some(incident.clone()),
                    ..Note::plain(
                        text::action_not_saved(*kind, title.as_deref(), cause),
                        Urgency::High,
                    )
                };
                self.show(slot, note, Ring::Fresh).await
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
    /// The incident a page is for (`text` was worded from it).
    page: Option<Incident>,
}

impl Note {
    fn plain(text: text::Text, urgency: Urgency) -> Note {
        Note {
            text,
            urgency,
            incident: None,
            web_url: None,
            episode: None,
            page: None,
        }
    }

    /// What is remembered of it once on screen as `slot`.
    fn into_shown(self, slot: Slot) -> Shown {
        Shown {
            slot,
            incident: self.incident,
            web_url: self.web_url,
            episode: self.episode,
            said: Some(Said {
                summary: self.text.summary,
                body: self.text.body,
                urgency: self.urgency,
                incident: self.page,
            }),
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

/// Turns the server's button presses into intents, forgets the notifications the user
/// closed, and follows the notification service's owner, all in the order the bus sent
/// them (see `server.rs`).
async fn listen(
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
                // The lock is released before sending: the intent's handler shows and
                // withdraws notifications, which takes the lock too.
                let shown = {
                    let mut on_screen = on_screen.lock().await;
                    if !on_screen.is_server(&sender) {
                        drop(on_screen);
                        warn!(%sender, id, %key, "ignored a button press not sent by the notification server");
                        continue;
                    }
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

/// Shows again what a server took with it, on the one that takes over (woken by
/// `servers`), in its own task: the listener must keep reading the bus meanwhile (the
/// replies' owner changes, the presses), and the engine's deliveries go on beside it.
/// What could not be shown waits for the next server, or is tried again after a
/// growing wait while the same one stays.
async fn show_lost_again(notifier: Arc<DesktopNotifier>, cancel: CancellationToken) {
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn notice() -> Shown {
        Note::plain(
            text::Text {
                summary: "The PagerDuty token of work was rejected".into(),
                body: "Set a new one in Settings.".into(),
            },
            Urgency::High,
        )
        .into_shown(Slot::TokenRejected(AccountId::new("work")))
    }

    /// The page of incident `id`, as `apply` remembers it.
    fn page(id: &str) -> Shown {
        let key = IncidentKey::new("work", id);
        Note {
            incident: Some(key.clone()),
            ..Note::plain(
                text::Text {
                    summary: format!("[high] {id} is down"),
                    body: "triggered just now".into(),
                },
                Urgency::High,
            )
        }
        .into_shown(Slot::Decision(NotificationTarget::Incident(key)))
    }

    /// What is on screen at `:1.5`, with nothing of a previous run.
    fn on_screen(dir: &Path) -> OnScreen {
        OnScreen::load(
            dir.join("notifications.json"),
            ":1.5".into(),
            Place::known("bus-1", Some("boot-1")),
        )
    }

    fn slots(lost: &[Lost]) -> Vec<(Slot, u32)> {
        lost.iter().map(|l| (l.shown.slot.clone(), l.was)).collect()
    }

    /// What the last run left in `file`: notification 7, shown by `owner` at `place`.
    fn left(file: &Path, owner: &str, place: Place) {
        let mut on_screen = OnScreen::load(file.to_path_buf(), owner.to_owned(), place);
        on_screen.shown(7, 0, notice());
    }

    /// Whether a run on `place`, where `owner` runs the service, honours what `left` left.
    fn honoured(file: &Path, owner: &str, place: Place) -> bool {
        let on_screen = OnScreen::load(file.to_path_buf(), owner.to_owned(), place);
        on_screen.shown.contains_key(&7) && on_screen.ids.values().any(|id| *id == 7)
    }

    #[test]
    fn the_last_runs_notifications_are_honoured_by_the_same_server_instance_only() {
        let here = || Place::known("bus-1", Some("boot-1"));
        let cases = [
            (
                "the same instance (the app restarted)",
                ":1.5",
                here(),
                true,
            ),
            ("another server on the same bus", ":1.9", here(), false),
            (
                "the same unique name on another bus (a new login)",
                ":1.5",
                Place::known("bus-2", Some("boot-1")),
                false,
            ),
            (
                "the same bus id and name after a reboot",
                ":1.5",
                Place::known("bus-1", Some("boot-2")),
                false,
            ),
            ("no server now", "", here(), false),
            (
                "a bus that did not say its id",
                ":1.5",
                Place::default(),
                false,
            ),
        ];
        for (case, owner, place, expected) in cases {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("notifications.json");
            left(&file, ":1.5", here());
            assert_eq!(honoured(&file, owner, place), expected, "{case}");
        }
    }

    #[test]
    fn a_file_that_names_the_server_by_its_unique_name_alone_is_not_honoured() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notifications.json");
        let here = || Place::known("bus-1", Some("boot-1"));
        left(&file, ":1.5", here());
        // The format before the instance: `server` held the unique name.
        let mut old: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let fields = old.as_object_mut().unwrap();
        fields.remove("instance").expect("the instance is written");
        fields.insert("server".into(), ":1.5".into());
        std::fs::write(&file, serde_json::to_vec(&old).unwrap()).unwrap();

        assert!(!honoured(&file, ":1.5", here()));
        // Rewritten with the instance and nothing in it, not moved aside as corrupt.
        let now: Remembered = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(now.instance, here().instance(":1.5"));
        assert!(now.shown.is_empty());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_owner_change_forgets_the_old_servers_ids_and_remembers_it_was_the_server() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notifications.json");
        let mut on_screen =
            OnScreen::load(file, ":1.5".into(), Place::known("bus-1", Some("boot-1")));
        on_screen.shown(7, 0, notice());
        assert!(on_screen.is_server(":1.5") && !on_screen.is_server(":1.9"));

        assert!(
            !on_screen.server_changed(":1.4", ":1.5".into()),
            "no change"
        );
        assert!(on_screen.shown.contains_key(&7));

        assert!(on_screen.server_changed(":1.5", String::new()));
        assert!(on_screen.shown.is_empty() && on_screen.ids.is_empty());
        assert!(
            !on_screen.is_server(""),
            "no server: nobody's signals count"
        );
        assert!(on_screen.server_changed("", ":1.9".into()));
        assert!(on_screen.is_server(":1.9") && !on_screen.is_server(":1.5"));
        assert!(on_screen.former.contains(":1.5"));
    }

    #[test]
    fn a_server_going_away_leaves_the_newest_of_each_slot_to_show_once_on_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let mut on_screen = on_screen(dir.path());
        let (q1, q2) = (page("Q1"), page("Q2"));
        on_screen.shown(3, 0, q1.clone());
        on_screen.shown(4, 0, notice());
        // A repeat of Q1: 3 is older, closed once 5 is up.
        assert_eq!(on_screen.shown(5, 0, q1.clone()).older, vec![3]);
        on_screen.shown(6, 0, q2.clone());
        // Withdrawn before the server went away: not shown again.
        on_screen.forget(6);

        on_screen.server_changed(":1.5", String::new());
        assert!(on_screen.take_lost().is_empty(), "no server: it waits");
        on_screen.server_changed("", ":1.9".into());
        let lost = on_screen.take_lost();
        assert_eq!(
            slots(&lost),
            vec![(notice().slot, 4), (q1.slot.clone(), 5)],
            "oldest first"
        );
        assert!(on_screen.take_lost().is_empty(), "once");

        for (lost, id) in lost.iter().zip(1..) {
            assert_eq!(on_screen.shown_again(lost, id), Some(Placed::default()));
        }
        assert_eq!(on_screen.ids.get(&q1.slot), Some(&2));
        assert_eq!(
            on_screen.shown[&2].incident, q1.incident,
            "its button acts on Q1"
        );
        assert!(on_screen.shown[&2].said.is_some(), "and it can go again");
    }

    #[test]
    fn a_withdrawal_or_a_new_notification_of_the_slot_meanwhile_wins_over_showing_again() {
        let dir = tempfile::tempdir().unwrap();
        let q1 = page("Q1");
        let lost_then = |on_screen: &mut OnScreen| {
            on_screen.shown(3, 0, q1.clone());
            let next = format!(":2.{}", on_screen.tickets);
            on_screen.server_changed("", next);
            on_screen.take_lost().pop().expect("Q1 is lost")
        };
        let mut on_screen = on_screen(dir.path());

        // Withdrawn while its `Notify` is in flight: the one shown again is closed.
        let lost = lost_then(&mut on_screen);
        on_screen.superseded(&q1.slot);
        assert_eq!(on_screen.shown_again(&lost, 1), None);
        assert!(on_screen.ids.is_empty());

        // The engine's new notification of the slot is recorded first.
        let lost = lost_then(&mut on_screen);
        on_screen.shown(1, 0, q1.clone());
        assert_eq!(on_screen.shown_again(&lost, 2), None);
        assert_eq!(on_screen.ids_of(&q1.slot), vec![1]);

        // Or after it: it takes the place of the one shown again.
        let lost = lost_then(&mut on_screen);
        assert!(on_screen.shown_again(&lost, 1).is_some());
        assert_eq!(on_screen.shown(2, 0, q1.clone()).older, vec![1]);

        // A withdrawal while it waits for a server: nothing to show on the next one.
        on_screen.server_changed("", String::new());
        on_screen.superseded(&q1.slot);
        on_screen.server_changed("", ":3.1".into());
        assert!(on_screen.take_lost().is_empty());
    }

    #[test]
    fn what_could_not_be_shown_again_waits_for_the_next_try_unless_superseded_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let mut on_screen = on_screen(dir.path());
        let q1 = page("Q1");
        on_screen.shown(3, 0, q1.clone());
        on_screen.server_changed(":1.5", ":1.9".into());

        let lost = on_screen.take_lost().pop().unwrap();
        on_screen.not_shown_again(lost);
        let lost = on_screen.take_lost().pop().expect("tried again");
        assert_eq!(lost.was, 3);

        on_screen.superseded(&q1.slot);
        on_screen.not_shown_again(lost);
        assert!(on_screen.take_lost().is_empty());
    }

    #[test]
    fn a_page_shown_again_counts_its_age_anew_and_keeps_its_button() {
        let now = chrono::Utc::now();
        let incident: Incident = serde_json::from_value(serde_json::json!({
            "key": {"account": "work", "id": "Q1"},
            "number": 42,
            "title": "Checkout API is down",
            "status": "triggered",
            "urgency": "high",
            "service": "Checkout API",
            "created_at": now - chrono::Duration::minutes(40),
            "status_changed_at": now - chrono::Duration::minutes(40),
            "assignees": [],
        }))
        .expect("an incident");
        let page = Note {
            text: text::incident(&incident, now - chrono::Duration::minutes(35), false),
            urgency: incident.urgency,
            incident: Some(incident.key.clone()),
            web_url: None,
            episode: None,
            page: Some(incident.clone()),
        }
        .into_shown(Slot::Decision(NotificationTarget::Incident(
            incident.key.clone(),
        )));
        // Through the file, as a restart would keep it.
        let page: Shown = serde_json::from_slice(&serde_json::to_vec(&page).unwrap()).unwrap();

        let again = page.again(now, false).expect("its words are known");
        assert_eq!(again.text.summary, "[high] #42 Checkout API is down");
        assert_eq!(again.text.body, "Checkout API · triggered 40 min ago");
        assert_eq!(again.urgency, Urgency::High);
        assert_eq!(again.incident, Some(incident.key));
    }

    #[test]
    fn a_file_from_before_the_words_were_kept_still_loads_and_its_buttons_work() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notifications.json");
        let here = || Place::known("bus-1", Some("boot-1"));
        left(&file, ":1.5", here());
        let mut old: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let entry = &mut old["shown"][0][1];
        entry
            .as_object_mut()
            .unwrap()
            .remove("said")
            .expect("written");
        std::fs::write(&file, serde_json::to_vec(&old).unwrap()).unwrap();

        let mut on_screen = OnScreen::load(file, ":1.5".into(), here());
        assert!(on_screen.shown.contains_key(&7), "honoured");
        // Its words are unknown: it cannot be shown again, and is not.
        on_screen.server_changed(":1.5", ":1.9".into());
        assert!(on_screen.take_lost().is_empty());
    }

    #[test]
    fn an_incident_that_no_longer_fits_its_type_keeps_the_words_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notifications.json");
        let here = || Place::known("bus-1", Some("boot-1"));
        {
            let mut on_screen = OnScreen::load(file.clone(), ":1.5".into(), here());
            on_screen.shown(7, 0, page("Q1"));
        }
        let mut old: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        old["shown"][0][1]["said"]["incident"] = serde_json::json!({"shape": "of another version"});
        std::fs::write(&file, serde_json::to_vec(&old).unwrap()).unwrap();

        let on_screen = OnScreen::load(file, ":1.5".into(), here());
        let again = on_screen.shown[&7]
            .again(chrono::Utc::now(), false)
            .unwrap();
        assert_eq!(again.text.summary, "[high] Q1 is down");
    }
}

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
//! Only the server's own signals count: a press, a reply or a close is honoured when its
//! sender is the unique name that owns the service at that point of the bus's order
//! (`server.rs`), and an id is only ever sent back to the server that gave it. Where the
//! server shows inline reply fields, a page offers one for a note (`inline_reply.rs`).
//!
//! What is on screen, and the rules for what becomes of it (across restarts and server
//! changes), are kept in `on_screen.rs`, without D-Bus; this module makes the calls.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use oncall_engine::{Notice, Notifier};
use oncall_model::{Incident, IncidentKey, Urgency};
use oncall_policy::{Decision, NotificationTarget, RingReason};
use serde::Serialize;
use tokio::sync::{mpsc, watch, Mutex};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};
use zbus::zvariant::Value;
use zbus::Message;

use super::alarm::Alarm;
use super::text;
use crate::lock::lock;
use crate::requests::UserRequest;
use inline_reply::INLINE_REPLY;
use interaction::Interaction;
use on_screen::{Lost, OnScreen, Placed, Said, Shown, Slot};
use server::{Place, PATH, SERVICE};
use signals::{listen, show_lost_again};

mod inline_reply;
mod interaction;
mod on_screen;
mod server;
mod signals;

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
const HISTORY: &str = "history";

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
    /// Where the buttons' requests go: the task that owns the engine.
    requests: mpsc::Sender<UserRequest>,
    /// Prefix titles with the account's name (more than one account is configured).
    name_accounts: bool,
    /// The sound of pages; played by the server instead where it can (`sounds`).
    alarm: Arc<Alarm>,
    /// There is a window to show the History in (the tray app, not `--headless`).
    has_window: bool,
}

impl DesktopNotifier {
    /// Connects to the session bus (`DBUS_SESSION_BUS_ADDRESS`) and starts the listener
    /// task on `tasks`; it ends when `cancel` is cancelled. Button presses are sent to
    /// `requests`.
    pub async fn connect(
        requests: mpsc::Sender<UserRequest>,
        tasks: &TaskTracker,
        cancel: CancellationToken,
        name_accounts: bool,
        remember_in: PathBuf,
        alarm: Arc<Alarm>,
        has_window: bool,
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
            requests,
            name_accounts,
            alarm,
            has_window,
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
        if note.history_button {
            actions.extend([HISTORY, "Show History"]);
        }
        let reply_field = inline_reply::wanted(note) && self.has(INLINE_REPLY).await == Some(true);
        if reply_field {
            actions.extend(inline_reply::FIELD);
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
        if reply_field {
            hints.extend(inline_reply::hints());
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

    /// What follows a notification's recording: the presses and replies on `shown` (now
    /// `id`) that came first count, and the older notifications of its slot go (a press on
    /// one of them meanwhile still counts; they are forgotten when the server says closed).
    async fn settle(&self, id: u32, shown: &Shown, placed: Placed, server: &str) {
        for interaction in placed.early {
            self.interacted(id, shown, interaction).await;
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

    /// The user pressed a button of `shown` (notification `id`), or sent text from its
    /// reply field.
    async fn interacted(&self, id: u32, shown: &Shown, interaction: Interaction) {
        let Some(request) = interaction::request(shown, &interaction) else {
            if matches!(interaction, Interaction::Replied(_)) {
                info!(id, "an empty reply, or one to no page, adds no note");
            }
            return;
        };
        match &interaction {
            Interaction::Pressed(key) => info!(id, key, ?request, "notification button pressed"),
            // The note's words are the user's, for the service: not for the log.
            Interaction::Replied(text) => info!(
                id,
                incident = ?shown.incident,
                chars = text.chars().count(),
                "a note was sent from a notification"
            ),
        }
        if self.requests.send(request).await.is_err() {
            warn!("a notification was acted on while shutting down");
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
                let note = Note::page(incident, chrono::Utc::now(), self.name_accounts);
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
            Decision::Shift(notice) => {
                let note = Note {
                    // The same notice delivered again (a restart before the outbox
                    // knew it was shown) replaces itself in place, silently; the next
                    // word about the shift is a new notification.
                    episode: Some(format!("{:?}", notice.moment)),
                    ..Note::plain(
                        text::shift(notice, chrono::Utc::now(), self.name_accounts),
                        Urgency::Low,
                    )
                };
                let shift = format!("{}@{:?}", notice.shift.place(), notice.shift.start);
                let slot = Slot::Shift(notice.account.clone(), shift);
                self.show(slot, note, Ring::Again).await
            }
            Decision::WhileAway(notice) => {
                let note = Note {
                    // Delivered again after a restart: the same word, replaced in place.
                    episode: Some(notice.from.timestamp().to_string()),
                    history_button: self.has_window,
                    ..Note::plain(text::while_away(notice), Urgency::Low)
                };
                self.show(Slot::WhileAway, note, Ring::Again).await
            }
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
                        text::action_not_saved(kind, title.as_deref(), cause),
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
    /// Offer "Show History" (the word after an absence, where there is a window).
    history_button: bool,
}

impl Note {
    /// The page of `incident`, worded `now`.
    fn page(incident: &Incident, now: chrono::DateTime<chrono::Utc>, name_accounts: bool) -> Note {
        Note {
            text: text::incident(incident, now, name_accounts),
            urgency: incident.urgency,
            incident: Some(incident.key.clone()),
            web_url: incident.web_url.clone(),
            page: Some(incident.clone()),
            episode: Some(format!(
                "{}/{}",
                incident.status_changed_at.timestamp_millis(),
                incident
                    .assigned_to_me_at
                    .map(|t| t.timestamp_millis())
                    .unwrap_or_default()
            )),
            history_button: false,
        }
    }

    fn plain(text: text::Text, urgency: Urgency) -> Note {
        Note {
            text,
            urgency,
            incident: None,
            web_url: None,
            episode: None,
            page: None,
            history_button: false,
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

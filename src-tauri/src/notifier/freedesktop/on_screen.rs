//! What is on screen: the bookkeeping of the notifications the notifier showed, and
//! the rules that decide what becomes of them. Pure state: the D-Bus calls are
//! `freedesktop.rs`'s, which asks this what each one leaves to do.
//!
//! It keeps every open notification by the id the server gave it, with what it stands
//! for (its slot, incident, link, episode and words), the newest one of each slot, the
//! presses that came before the reply to `Notify` was read, and who owns the service.
//! The rules:
//!
//! - A notification outlives the app (a crash, an update, a restart), so what is on
//!   screen is remembered in `notifications.json`, and honoured by the next run only when
//!   the same server instance still shows it: ids and unique names come again, and a
//!   press on another app's notification must never acknowledge a page.
//! - A new notification of a slot takes the place of the older ones, which are closed
//!   once it is up (a press on them meanwhile still counts).
//! - When the service changes hands, the old server's ids mean nothing to the new one:
//!   the newest notification of each slot (if its words are known) is kept to be shown
//!   again, once, on the next server. A withdrawal or a new notification of the slot
//!   meanwhile wins. This is not on disk: after a restart the engine's outbox and policy
//!   decide what a new run shows.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use oncall_model::{AccountId, Incident, IncidentKey, Urgency};
use oncall_policy::NotificationTarget;
use serde::{Deserialize, Deserializer, Serialize};
use tracing::{debug, info, warn};

use super::interaction::Interaction;
use super::server::{Instance, Place};
use super::Note;
use crate::notifier::text;

/// What a notification on screen stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Slot {
    Decision(NotificationTarget),
    TokenRejected(AccountId),
    /// A shift's reminder, start or end (the account, and the shift's place and start):
    /// each replaces the one before it, other shifts' stay.
    Shift(AccountId, String),
    /// The word on what happened while the user was away.
    WhileAway,
}

/// One notification on screen, by the id the service gave it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Shown {
    pub(super) slot: Slot,
    pub(super) incident: Option<IncidentKey>,
    pub(super) web_url: Option<String>,
    /// The trigger episode it rang for (incident pages only): the same episode shown
    /// again replaces it in place, a new one is a new notification.
    #[serde(default)]
    pub(super) episode: Option<String>,
    /// What it says, to show it again if its server goes away. `None` in a file from
    /// before it was recorded: such a notification is not shown again.
    #[serde(default)]
    pub(super) said: Option<Said>,
}

/// The words and urgency of a notification on screen, as the notifier made them (the
/// server's markup escaping is applied when sent, as it depends on the server).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Said {
    pub(super) summary: String,
    pub(super) body: String,
    pub(super) urgency: Urgency,
    /// The incident a page is for, as it was shown: its age ("triggered 40 min ago") is
    /// counted anew when shown again. Read leniently: the incident's shape belongs to
    /// `oncall-model` and may change between versions, and an entry it no longer fits
    /// keeps its words (and `notifications.json` its other entries).
    #[serde(default, deserialize_with = "incident_if_it_fits")]
    pub(super) incident: Option<Incident>,
}

fn incident_if_it_fits<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Incident>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(value.and_then(|value| serde_json::from_value(value).ok()))
}

impl Shown {
    /// What to show again, worded `now`; `None` when the words were not recorded.
    pub(super) fn again(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        name_accounts: bool,
    ) -> Option<Note> {
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
            // Not remembered: the word after an absence comes back without its button.
            history_button: false,
        })
    }
}

/// A notification that a server took with it, being shown again on the next one.
#[derive(Debug)]
pub(super) struct Lost {
    /// Stays in `OnScreen::again` while this is in flight: a withdrawal or a new
    /// notification of the slot meanwhile takes it away.
    ticket: u64,
    /// Its id on the server that went away (for the log).
    pub(super) was: u32,
    pub(super) shown: Shown,
}

/// What recording a notification leaves to do.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Placed {
    /// What the user did to it before the reply to `Notify` was read.
    pub(super) early: Vec<Interaction>,
    /// The other notifications of its slot, which it takes the place of (to close).
    pub(super) older: Vec<u32>,
}

/// The notifications on screen, remembered on disk: notifications outlive the app (a
/// crash, an update, a restart), and their buttons must keep working and their
/// withdrawal must still reach them.
#[derive(Debug, Default)]
pub(super) struct OnScreen {
    /// The newest notification of each slot.
    pub(super) ids: HashMap<Slot, u32>,
    /// Every notification we showed that is still open, older ones of a slot included
    /// (closed after their successor appeared, but a press on them still counts).
    pub(super) shown: HashMap<u32, Shown>,
    /// Presses and replies (by the server) on ids not known yet: the server may signal
    /// them before the reply to `Notify` is read (no lock is held across that call).
    /// Claimed when the id is.
    pub(super) unclaimed: Vec<(u32, Interaction, tokio::time::Instant)>,
    /// `notifications.json` in the data directory.
    file: PathBuf,
    /// The unique bus name that owns the notification service ("" while none does), as
    /// of the last owner change the listener read: only its signals count, and every id
    /// above is one it gave.
    pub(super) owner: String,
    /// The unique names that owned the service before, in this run. The bus never gives
    /// one to another connection, so a reply from one of them came from a server that is
    /// gone, or going.
    pub(super) former: HashSet<String>,
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
    pub(super) fn load(file: PathBuf, owner: String, place: Place) -> OnScreen {
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

    pub(super) fn forget(&mut self, id: u32) {
        if let Some(shown) = self.shown.remove(&id) {
            if self.ids.get(&shown.slot) == Some(&id) {
                self.ids.remove(&shown.slot);
            }
            self.save();
        }
    }

    /// Every open notification of `slot`, newest last.
    pub(super) fn ids_of(&self, slot: &Slot) -> Vec<u32> {
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
    pub(super) fn is_server(&self, sender: &str) -> bool {
        !self.owner.is_empty() && sender == self.owner
    }

    /// The bus says `new` owns the service now, taken from `old`: the old server's
    /// notifications are gone with it, and its ids mean nothing to the new one, so the
    /// newest of each slot is kept to be shown again (`take_lost`). Whether the owner
    /// changed.
    pub(super) fn server_changed(&mut self, old: &str, new: String) -> bool {
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
    pub(super) fn superseded(&mut self, slot: &Slot) {
        self.lost.remove(slot);
        self.again.remove(slot);
    }

    /// What to show again on the server that owns the service now, oldest first (none
    /// while no server runs: it waits for one).
    pub(super) fn take_lost(&mut self) -> Vec<Lost> {
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
    pub(super) fn shown_again(&mut self, lost: &Lost, id: u32) -> Option<Placed> {
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
    pub(super) fn not_shown_again(&mut self, lost: Lost) {
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
    pub(super) fn shown(&mut self, id: u32, replaces: u32, shown: Shown) -> Placed {
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
        let mut early = Vec::new();
        self.unclaimed.retain(|(at, interaction, _)| {
            let mine = *at == id;
            if mine {
                early.push(interaction.clone());
            }
            !mine
        });
        Placed { early, older }
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
    fn presses_and_replies_that_came_before_the_id_was_known_are_claimed_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut on_screen = on_screen(dir.path());
        let now = tokio::time::Instant::now();
        let reply = Interaction::Replied("Rolled back deploy 4411".into());
        on_screen.unclaimed.extend([
            (4, Interaction::Pressed("ack".into()), now),
            (9, Interaction::Pressed("ack".into()), now),
            (4, reply.clone(), now),
        ]);

        let placed = on_screen.shown(4, 0, page("Q1"));
        assert_eq!(
            placed.early,
            [Interaction::Pressed("ack".into()), reply],
            "in the order the server sent them"
        );
        assert_eq!(on_screen.unclaimed.len(), 1, "another id's stays");
        assert!(on_screen.shown(5, 0, page("Q2")).early.is_empty());
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
            history_button: false,
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

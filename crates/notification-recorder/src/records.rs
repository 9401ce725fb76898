//! What the recorder remembers: one [`Recorded`] per notification, in the order they first
//! arrived, plus the rules of the notification life cycle (ids, replacement, closing).
//!
//! The store is a `tokio::sync::watch` channel rather than a mutex plus a condition: the
//! channel is both the state and the change notification, so [`Records::wait_for`] wakes on
//! every change instead of polling, and a waiter can never miss an update. The channel's
//! lock is only taken inside the short synchronous closures below, never across `.await`.
//!
//! Nothing here speaks D-Bus: the server and control interfaces translate calls into these
//! operations and emit the signals afterwards.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::error::RecorderError;
use crate::inline_reply::{ReplyField, INLINE_REPLY};

/// The close reasons of the Desktop Notifications Specification (`NotificationClosed`).
pub mod close_reason {
    /// The notification expired.
    pub const EXPIRED: u32 = 1;
    /// The user dismissed it (the recorder also uses this after a button press).
    pub const DISMISSED: u32 = 2;
    /// The client closed it with `CloseNotification`.
    pub const CLOSED_BY_CALL: u32 = 3;
    /// Undefined or reserved reasons.
    pub const UNDEFINED: u32 = 4;
}

/// One notification as the server received it, and what has happened to it since.
///
/// This is also the element type of the control interface's `Notifications()` JSON, so a
/// test in another process can deserialize that JSON into `Vec<Recorded>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Recorded {
    /// The id the server returned from `Notify` (from 1 upward; kept when replaced).
    pub id: u32,
    /// The unique bus name (`:1.N`) of the connection that sent the latest `Notify`.
    pub sender: String,
    /// `app_name` as sent.
    pub app_name: String,
    /// `app_icon` as sent.
    pub app_icon: String,
    /// `summary` as sent.
    pub summary: String,
    /// `body` as sent (the server announces no `body-markup`, so this should be plain text).
    pub body: String,
    /// The buttons, as (action key, label) pairs in the order sent.
    pub actions: Vec<(String, String)>,
    /// The `urgency` hint, only when it was sent as a byte as the specification requires:
    /// 0 low, 1 normal, 2 critical.
    pub urgency: Option<u8>,
    /// Every hint, rendered as text (see `hints.rs` for the rendering).
    pub hints: BTreeMap<String, String>,
    /// `expire_timeout` as sent, in milliseconds (-1: server default, 0: never).
    pub expire_timeout: i32,
    /// True when a later `Notify` replaced this notification in place (`replaces_id`).
    pub replaced: bool,
    /// The `replaces_id` of the latest `Notify` for this id: 0 for a new notification
    /// (which a desktop pops up and sounds), this id for an in-place replacement (which
    /// the specification makes silent).
    #[serde(default)]
    pub replaces_id: u32,
    /// The close reason once closed (see [`close_reason`]); `None` while it is shown.
    pub closed: Option<u32>,
    /// The action key of the button pressed on it, if any.
    pub invoked_action: Option<String>,
    /// The text the user sent in its inline reply field, if any (see
    /// [`Recorded::reply_field`]).
    #[serde(default)]
    pub replied: Option<String>,
    /// When the latest `Notify` for this id arrived (milliseconds since the Unix epoch in JSON).
    #[serde(with = "epoch_millis")]
    pub received_at: SystemTime,
}

impl Recorded {
    /// Whether the notification is still shown.
    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    /// The label of the button with this action key.
    pub fn action_label(&self, key: &str) -> Option<&str> {
        self.actions
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, label)| label.as_str())
    }

    /// The inline reply field it asked for (an `inline-reply` action, with its hints);
    /// `None` when it asked for none.
    pub fn reply_field(&self) -> Option<ReplyField> {
        ReplyField::of(self)
    }

    /// Whether the hint `resident` is true: such a notification stays after a button press.
    fn is_resident(&self) -> bool {
        self.hints.get("resident").map(String::as_str) == Some("true")
    }

    /// What follows a press or a reply on most desktops: the notification closes
    /// (dismissed), unless it is resident. Whether it closed.
    fn close_unless_resident(&mut self) -> bool {
        if self.is_resident() {
            return false;
        }
        self.closed = Some(close_reason::DISMISSED);
        true
    }

    /// The error for an action `key` it does not have.
    fn unknown_action(&self, key: &str) -> RecorderError {
        RecorderError::UnknownAction {
            id: self.id,
            key: key.to_owned(),
            available: self.actions.iter().map(|(k, _)| k.clone()).collect(),
        }
    }

    /// A short rendering for error messages: `#3 "summary" (closed 2)`.
    fn describe(&self) -> String {
        match self.closed {
            None => format!("#{} {:?} (open)", self.id, self.summary),
            Some(reason) => format!("#{} {:?} (closed {reason})", self.id, self.summary),
        }
    }
}

/// The content of one `Notify` call, before the store gives it an id.
#[derive(Clone, Debug)]
pub(crate) struct Incoming {
    pub(crate) sender: String,
    pub(crate) replaces_id: u32,
    pub(crate) app_name: String,
    pub(crate) app_icon: String,
    pub(crate) summary: String,
    pub(crate) body: String,
    pub(crate) actions: Vec<(String, String)>,
    pub(crate) urgency: Option<u8>,
    pub(crate) hints: BTreeMap<String, String>,
    pub(crate) expire_timeout: i32,
}

/// How a `Notify` call was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) id: u32,
    pub(crate) replaced: bool,
}

#[derive(Debug)]
struct State {
    /// Every record, in order of first arrival.
    records: Vec<Recorded>,
    /// The id the next new notification gets. Never reset, not even by `clear`, so an id
    /// a client still holds never names a different notification.
    next_id: u32,
}

/// Cheap-to-clone handle to the shared records: the D-Bus interfaces and the [`crate::Recorder`]
/// each hold one.
#[derive(Clone, Debug)]
pub(crate) struct Records {
    state: Arc<watch::Sender<State>>,
}

impl Records {
    pub(crate) fn new() -> Records {
        let (state, _) = watch::channel(State {
            records: Vec::new(),
            next_id: 1,
        });
        Records {
            state: Arc::new(state),
        }
    }

    /// A copy of every record, in order.
    pub(crate) fn snapshot(&self) -> Vec<Recorded> {
        self.state.borrow().records.clone()
    }

    /// Looks one record up.
    pub(crate) fn get(&self, id: u32) -> Option<Recorded> {
        self.state
            .borrow()
            .records
            .iter()
            .find(|r| r.id == id)
            .cloned()
    }

    /// Stores a `Notify`: replaces a live notification in place when `replaces_id` names
    /// one, otherwise appends a new one with a fresh id (as a desktop shows a new bubble
    /// when the one to replace is already gone).
    pub(crate) fn notify(&self, incoming: Incoming) -> Stored {
        let mut stored = Stored {
            id: 0,
            replaced: false,
        };
        self.state.send_modify(|state| {
            let received_at = SystemTime::now();
            let live = state
                .records
                .iter_mut()
                .find(|r| r.id == incoming.replaces_id && r.id != 0 && r.is_open());
            if let Some(record) = live {
                record.sender = incoming.sender.clone();
                record.app_name = incoming.app_name.clone();
                record.app_icon = incoming.app_icon.clone();
                record.summary = incoming.summary.clone();
                record.body = incoming.body.clone();
                record.actions = incoming.actions.clone();
                record.urgency = incoming.urgency;
                record.hints = incoming.hints.clone();
                record.expire_timeout = incoming.expire_timeout;
                record.replaced = true;
                record.replaces_id = incoming.replaces_id;
                record.received_at = received_at;
                stored = Stored {
                    id: record.id,
                    replaced: true,
                };
                return;
            }
            let id = state.next_id;
            // Ids are never 0 (0 means "no id" in `replaces_id`), even after wrapping.
            state.next_id = state.next_id.checked_add(1).unwrap_or(1);
            state.records.push(Recorded {
                id,
                sender: incoming.sender.clone(),
                app_name: incoming.app_name.clone(),
                app_icon: incoming.app_icon.clone(),
                summary: incoming.summary.clone(),
                body: incoming.body.clone(),
                actions: incoming.actions.clone(),
                urgency: incoming.urgency,
                hints: incoming.hints.clone(),
                expire_timeout: incoming.expire_timeout,
                replaced: false,
                replaces_id: incoming.replaces_id,
                closed: None,
                invoked_action: None,
                replied: None,
                received_at,
            });
            stored = Stored {
                id,
                replaced: false,
            };
        });
        stored
    }

    /// Records a button press. Returns whether the notification closed as a result: it
    /// does (reason 2) unless it carries the `resident` hint, as on most desktops.
    pub(crate) fn press(&self, id: u32, key: &str) -> Result<bool, RecorderError> {
        self.update_open(id, |record| {
            if record.action_label(key).is_none() {
                return Err(record.unknown_action(key));
            }
            record.invoked_action = Some(key.to_owned());
            Ok(record.close_unless_resident())
        })
    }

    /// Records a reply typed into the inline reply field of `id`, which must have asked
    /// for one. Returns whether the notification closed as a result, as for a press.
    pub(crate) fn reply(&self, id: u32, text: &str) -> Result<bool, RecorderError> {
        self.update_open(id, |record| {
            if record.reply_field().is_none() {
                return Err(record.unknown_action(INLINE_REPLY));
            }
            record.replied = Some(text.to_owned());
            Ok(record.close_unless_resident())
        })
    }

    /// Marks an open notification closed with `reason`.
    pub(crate) fn close(&self, id: u32, reason: u32) -> Result<(), RecorderError> {
        self.update_open(id, |record| {
            record.closed = Some(reason);
            Ok(())
        })
    }

    /// Forgets every record (ids keep counting up).
    pub(crate) fn clear(&self) {
        self.state.send_modify(|state| state.records.clear());
    }

    /// Waits until `pred` holds for the records, or `timeout` passes. Wakes on each change.
    pub(crate) async fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&[Recorded]) -> bool,
    ) -> Result<Vec<Recorded>, RecorderError> {
        let mut changes = self.state.subscribe();
        let waited = tokio::time::timeout(timeout, changes.wait_for(|s| pred(&s.records))).await;
        match waited {
            Ok(Ok(state)) => Ok(state.records.clone()),
            // The sender lives in `self`, so the channel cannot close while we wait.
            Ok(Err(_)) | Err(_) => Err(self.timeout(timeout, what)),
        }
    }

    /// The error for a wait that ran out, with what was recorded by then.
    pub(crate) fn timeout(&self, waited: Duration, what: &str) -> RecorderError {
        let records = self.snapshot();
        let recorded = if records.is_empty() {
            "nothing".to_owned()
        } else {
            records
                .iter()
                .map(Recorded::describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        RecorderError::Timeout {
            waited,
            what: what.to_owned(),
            recorded,
        }
    }

    /// Applies `change` to the open notification `id`; publishes only if it succeeded.
    fn update_open<T>(
        &self,
        id: u32,
        change: impl FnOnce(&mut Recorded) -> Result<T, RecorderError>,
    ) -> Result<T, RecorderError> {
        let mut outcome = Err(RecorderError::UnknownNotification(id));
        self.state.send_if_modified(|state| {
            let Some(record) = state.records.iter_mut().find(|r| r.id == id) else {
                return false;
            };
            if let Some(reason) = record.closed {
                outcome = Err(RecorderError::AlreadyClosed { id, reason });
                return false;
            }
            outcome = change(record);
            outcome.is_ok()
        });
        outcome
    }
}

/// Serializes [`SystemTime`] as whole milliseconds since the Unix epoch, which any test
/// language reads without a date library.
mod epoch_millis {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let millis = time
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        u64::try_from(millis).unwrap_or(u64::MAX).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let millis = u64::deserialize(d)?;
        Ok(UNIX_EPOCH + Duration::from_millis(millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(summary: &str, replaces_id: u32) -> Incoming {
        Incoming {
            sender: ":1.7".to_owned(),
            replaces_id,
            app_name: "oncall-tray".to_owned(),
            app_icon: String::new(),
            summary: summary.to_owned(),
            body: String::new(),
            actions: vec![("ack".to_owned(), "Acknowledge".to_owned())],
            urgency: Some(2),
            hints: BTreeMap::new(),
            expire_timeout: -1,
        }
    }

    #[test]
    fn ids_count_up_from_one_and_survive_clear() {
        let records = Records::new();
        assert_eq!(records.notify(incoming("a", 0)).id, 1);
        assert_eq!(records.notify(incoming("b", 0)).id, 2);
        records.clear();
        assert_eq!(records.notify(incoming("c", 0)).id, 3);
        assert_eq!(records.snapshot().len(), 1);
    }

    #[test]
    fn replacing_a_live_notification_keeps_its_id_and_place() {
        let records = Records::new();
        records.notify(incoming("first", 0));
        records.notify(incoming("other", 0));
        let stored = records.notify(incoming("second", 1));
        assert_eq!(
            stored,
            Stored {
                id: 1,
                replaced: true
            }
        );
        let all = records.snapshot();
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].id, all[0].summary.as_str()), (1, "second"));
        assert!(all[0].replaced);
    }

    #[test]
    fn replacing_a_closed_or_unknown_notification_makes_a_new_one() {
        let records = Records::new();
        records.notify(incoming("first", 0));
        records.close(1, close_reason::DISMISSED).unwrap();
        assert_eq!(records.notify(incoming("again", 1)).id, 2);
        assert_eq!(records.notify(incoming("stranger", 99)).id, 3);
    }

    #[test]
    fn press_needs_an_open_notification_and_a_known_key() {
        let records = Records::new();
        records.notify(incoming("a", 0));
        assert!(matches!(
            records.press(1, "open"),
            Err(RecorderError::UnknownAction { id: 1, .. })
        ));
        assert!(records.press(1, "ack").unwrap());
        let record = records.get(1).unwrap();
        assert_eq!(record.closed, Some(close_reason::DISMISSED));
        assert_eq!(record.invoked_action.as_deref(), Some("ack"));
        assert!(matches!(
            records.press(1, "ack"),
            Err(RecorderError::AlreadyClosed { id: 1, reason: 2 })
        ));
        assert!(matches!(
            records.press(5, "ack"),
            Err(RecorderError::UnknownNotification(5))
        ));
    }

    #[test]
    fn a_resident_notification_stays_open_after_a_press() {
        let records = Records::new();
        let mut resident = incoming("a", 0);
        resident
            .hints
            .insert("resident".to_owned(), "true".to_owned());
        records.notify(resident);
        assert!(!records.press(1, "ack").unwrap());
        assert!(records.get(1).unwrap().is_open());
    }

    #[test]
    fn a_reply_needs_a_reply_field_and_closes_like_a_press() {
        let records = Records::new();
        records.notify(incoming("no field", 0));
        assert!(matches!(
            records.reply(1, "on it"),
            Err(RecorderError::UnknownAction { id: 1, ref key, .. }) if key == "inline-reply"
        ));

        let mut with_field = incoming("with field", 0);
        with_field
            .actions
            .push(("inline-reply".to_owned(), "Add a note".to_owned()));
        with_field.hints.insert(
            "x-kde-reply-placeholder-text".to_owned(),
            "Note for the next person".to_owned(),
        );
        records.notify(with_field);
        let field = records.get(2).unwrap().reply_field().unwrap();
        assert_eq!(
            field,
            ReplyField {
                label: "Add a note".to_owned(),
                placeholder: Some("Note for the next person".to_owned()),
                submit: None,
            }
        );
        assert!(records.reply(2, "restarted the pods").unwrap());
        let record = records.get(2).unwrap();
        assert_eq!(record.replied.as_deref(), Some("restarted the pods"));
        assert_eq!(record.invoked_action, None, "a reply is not a press");
        assert_eq!(record.closed, Some(close_reason::DISMISSED));
        assert!(matches!(
            records.reply(2, "again"),
            Err(RecorderError::AlreadyClosed { id: 2, reason: 2 })
        ));
    }

    #[test]
    fn json_round_trips() {
        let records = Records::new();
        records.notify(incoming("a", 0));
        let json = serde_json::to_string(&records.snapshot()).unwrap();
        let back: Vec<Recorded> = serde_json::from_str(&json).unwrap();
        // Milliseconds are what survives the trip.
        let mut expected = records.snapshot();
        expected[0].received_at = back[0].received_at;
        assert_eq!(back, expected);
        assert!(
            json.contains(r#""actions":[["ack","Acknowledge"]]"#),
            "{json}"
        );
    }

    #[tokio::test]
    async fn wait_for_wakes_on_a_change_and_reports_what_it_saw_on_timeout() {
        let records = Records::new();
        let waiter = {
            let records = records.clone();
            tokio::spawn(async move {
                records
                    .wait_for(Duration::from_secs(10), "one notification", |r| {
                        r.len() == 1
                    })
                    .await
            })
        };
        records.notify(incoming("a", 0));
        assert_eq!(waiter.await.unwrap().unwrap().len(), 1);

        let err = records
            .wait_for(Duration::from_millis(1), "two notifications", |r| {
                r.len() == 2
            })
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "timed out after 1ms waiting for two notifications; recorded so far: #1 \"a\" (open)"
        );
    }
}

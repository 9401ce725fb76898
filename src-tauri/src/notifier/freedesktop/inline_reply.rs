//! A page's reply field: where the notification server can show a text field in a
//! notification, a page offers one, and what the user sends from it becomes a note on the
//! page's incident ("Add a note" without opening the window).
//!
//! Inline replies are KDE Plasma's extension of the notification protocol, not part of the
//! specification, but the one servers and clients share (Plasma's server, KNotifications'
//! `KNotificationReplyAction`, chat apps): the server announces the `inline-reply`
//! capability; the client adds an action keyed `inline-reply`, whose label is the button
//! that opens the field, and words the field with the `x-kde-reply-placeholder-text` and
//! `x-kde-reply-submit-button-text` hints; the server sends `NotificationReplied(id, text)`
//! to the connection that sent the notification, and closes it as after a button press.
//! A server without the capability is sent none of it (it would show the action as a
//! button that can never give text): its pages are unchanged.
//!
//! Only pages offer the field, new or repeated (and shown again on a server that took
//! over): a note is for the next person on that incident. Summaries, shift notices and the
//! other notices stand for no page. A reply counts like a press: only from the server
//! (`signals.rs`), and only for one of our notifications that stands for an incident.

use oncall_model::ActionKind;
use oncall_policy::NotificationTarget;
use zbus::zvariant::Value;

use super::on_screen::{Shown, Slot};
use super::Note;
use crate::requests::UserRequest;

/// The capability a server announces, and the key of the action that asks for the field.
pub(super) const INLINE_REPLY: &str = "inline-reply";
/// The action (key, label) that asks for the field; the label opens it.
pub(super) const FIELD: [&str; 2] = [INLINE_REPLY, "Add a note"];

/// Whether `note` asks for a reply field where the server can show one: a page's does.
pub(super) fn wanted(note: &Note) -> bool {
    note.page.is_some() && note.incident.is_some()
}

/// The hints that word the field: its placeholder and its submit button.
pub(super) fn hints() -> [(&'static str, Value<'static>); 2] {
    [
        (
            "x-kde-reply-placeholder-text",
            Value::from("Note for the next person…"),
        ),
        ("x-kde-reply-submit-button-text", Value::from("Add note")),
    ]
}

/// What a reply of `text` from the field of `shown` asks: a note on its incident. `None`
/// for nothing but blanks (sent by mistake: there is nothing to add), or a notification
/// that stands for no incident.
pub(super) fn request(shown: &Shown, text: &str) -> Option<UserRequest> {
    if text.trim().is_empty() {
        return None;
    }
    let Slot::Decision(NotificationTarget::Incident(page)) = &shown.slot else {
        return None;
    };
    let incident = shown.incident.clone().filter(|key| key == page)?;
    Some(UserRequest::Act {
        incidents: vec![incident],
        kind: ActionKind::AddNote {
            text: text.to_owned(),
        },
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};
    use oncall_model::{AccountId, Incident, IncidentKey, Status, Urgency};
    use oncall_policy::{ShiftMoment, SummaryId};

    use super::*;
    use crate::notifier::text;

    fn checkout() -> Incident {
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).unwrap();
        Incident {
            key: IncidentKey::new("work", "Q1"),
            number: Some(42),
            title: "Checkout API is down".into(),
            status: Status::Triggered,
            urgency: Urgency::High,
            service: Some("Checkout API".into()),
            created_at: at,
            status_changed_at: at,
            web_url: None,
            assignees: Vec::new(),
            assigned_to_me_at: Some(at),
            escalation_policy: None,
            priority: None,
            teams: Vec::new(),
        }
    }

    fn page_slot() -> Slot {
        Slot::Decision(NotificationTarget::Incident(checkout().key))
    }

    fn words() -> text::Text {
        text::Text {
            summary: "A word".into(),
            body: String::new(),
        }
    }

    #[test]
    fn pages_ask_for_the_field_and_no_other_notification_does() {
        let page = Note::page(&checkout(), Utc::now(), false);
        assert!(wanted(&page), "a page, new or repeated");
        let again = page.into_shown(page_slot()).again(Utc::now(), false);
        assert!(
            again.as_ref().is_some_and(wanted),
            "a page shown again on the server that took over"
        );

        let summary = Note::plain(words(), Urgency::High);
        assert!(!wanted(&summary), "a summary");
        let shift = Note {
            episode: Some(format!("{:?}", ShiftMoment::Started)),
            ..Note::plain(words(), Urgency::Low)
        };
        assert!(!wanted(&shift), "a shift notice");
        // A refused action's notice stands in the page's place, with its buttons, but it
        // is a notice, not the page.
        let not_saved = Note {
            incident: Some(checkout().key),
            ..Note::plain(words(), Urgency::High)
        };
        assert!(!wanted(&not_saved), "a notice in the page's place");
        let token = Note::plain(words(), Urgency::High);
        let token = token.into_shown(Slot::TokenRejected(AccountId::new("work")));
        assert!(!token.again(Utc::now(), false).is_some_and(|n| wanted(&n)));
    }

    #[test]
    fn a_reply_is_a_note_on_the_pages_incident() {
        let shown = Note::page(&checkout(), Utc::now(), false).into_shown(page_slot());
        assert_eq!(
            request(&shown, "Rolled back deploy 4411; watching error rates"),
            Some(UserRequest::Act {
                incidents: vec![IncidentKey::new("work", "Q1")],
                kind: ActionKind::AddNote {
                    text: "Rolled back deploy 4411; watching error rates".into()
                },
            })
        );
        // As typed: several lines, and blanks around them, are the user's.
        assert_eq!(
            request(&shown, " line one\nline two "),
            Some(UserRequest::Act {
                incidents: vec![IncidentKey::new("work", "Q1")],
                kind: ActionKind::AddNote {
                    text: " line one\nline two ".into()
                },
            })
        );
    }

    #[test]
    fn an_empty_reply_or_one_on_a_notification_of_no_incident_asks_nothing() {
        let shown = Note::page(&checkout(), Utc::now(), false).into_shown(page_slot());
        for blank in ["", " ", "\n\t "] {
            assert_eq!(request(&shown, blank), None, "{blank:?}");
        }
        let summary = Note::plain(words(), Urgency::High)
            .into_shown(Slot::Decision(NotificationTarget::Summary(SummaryId(3))));
        assert_eq!(request(&summary, "a note"), None);
        let away = Note::plain(words(), Urgency::Low).into_shown(Slot::WhileAway);
        assert_eq!(request(&away, "a note"), None);
    }
}

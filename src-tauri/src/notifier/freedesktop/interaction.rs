//! What the user does to one of our notifications, as its server says (a button pressed,
//! text sent from a reply field), and the request it makes of the engine. Pure: the
//! listener (`signals.rs`) has already judged that the server said it.

use oncall_model::ActionKind;

use super::inline_reply;
use super::on_screen::{Shown, Slot};
use super::{ACK, HISTORY, OPEN};
use crate::requests::UserRequest;

/// What the user did to a notification, as its server said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Interaction {
    /// A button was pressed (`ActionInvoked`): its key.
    Pressed(String),
    /// Text was sent from its inline reply field (`NotificationReplied`).
    Replied(String),
}

/// What `interaction` on `shown` asks; `None` when it asks nothing (a key we never sent,
/// a button of a notification it does not fit, a blank reply).
pub(super) fn request(shown: &Shown, interaction: &Interaction) -> Option<UserRequest> {
    match interaction {
        Interaction::Pressed(key) => match key.as_str() {
            ACK => shown.incident.clone().map(|key| UserRequest::Act {
                incidents: vec![key],
                kind: ActionKind::Acknowledge,
            }),
            OPEN => shown.web_url.clone().map(UserRequest::OpenLink),
            HISTORY if shown.slot == Slot::WhileAway => Some(UserRequest::ShowHistory),
            _ => None,
        },
        Interaction::Replied(text) => inline_reply::request(shown, text),
    }
}

#[cfg(test)]
mod tests {
    use oncall_model::{IncidentKey, Urgency};
    use oncall_policy::NotificationTarget;

    use super::*;
    use crate::notifier::freedesktop::Note;
    use crate::notifier::text;

    fn page() -> Shown {
        let key = IncidentKey::new("work", "Q1");
        Note {
            incident: Some(key.clone()),
            web_url: Some("https://example.pagerduty.com/incidents/Q1".into()),
            ..Note::plain(
                text::Text {
                    summary: "[high] #42 Checkout API is down".into(),
                    body: "triggered just now".into(),
                },
                Urgency::High,
            )
        }
        .into_shown(Slot::Decision(NotificationTarget::Incident(key)))
    }

    fn pressed(key: &str) -> Interaction {
        Interaction::Pressed(key.into())
    }

    #[test]
    fn a_pages_buttons_and_reply_field_act_on_its_incident() {
        let incident = IncidentKey::new("work", "Q1");
        assert_eq!(
            request(&page(), &pressed(ACK)),
            Some(UserRequest::Act {
                incidents: vec![incident.clone()],
                kind: ActionKind::Acknowledge,
            })
        );
        assert_eq!(
            request(&page(), &pressed(OPEN)),
            Some(UserRequest::OpenLink(
                "https://example.pagerduty.com/incidents/Q1".into()
            ))
        );
        assert_eq!(
            request(&page(), &Interaction::Replied("Paged the DBA".into())),
            Some(UserRequest::Act {
                incidents: vec![incident],
                kind: ActionKind::AddNote {
                    text: "Paged the DBA".into()
                },
            })
        );
    }

    #[test]
    fn what_we_never_offered_asks_nothing() {
        assert_eq!(
            request(&page(), &pressed(HISTORY)),
            None,
            "not the word after an absence"
        );
        // A server that shows the reply action as a plain button (one that does not
        // announce inline replies: we never send it one) gives no text.
        assert_eq!(request(&page(), &pressed(inline_reply::INLINE_REPLY)), None);
        assert_eq!(request(&page(), &pressed("default")), None);
        let away = Note::plain(
            text::Text {
                summary: "While you were away".into(),
                body: String::new(),
            },
            Urgency::Low,
        )
        .into_shown(Slot::WhileAway);
        assert_eq!(
            request(&away, &pressed(HISTORY)),
            Some(UserRequest::ShowHistory)
        );
        assert_eq!(request(&away, &pressed(ACK)), None);
    }
}

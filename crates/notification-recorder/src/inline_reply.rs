//! Inline replies, KDE Plasma's extension of the notification protocol (no part of the
//! specification, but the one servers and clients share: Plasma, SwayNotificationCenter
//! and others serve it, KNotifications and chat apps use it).
//!
//! A server that can show a text field in a notification announces the `inline-reply`
//! capability. A client that wants one adds an action whose key is `inline-reply` (its
//! label is the text of the button that opens the field) and may name the field's
//! placeholder and its submit button with the `x-kde-reply-placeholder-text` and
//! `x-kde-reply-submit-button-text` hints. When the user sends a reply, the server emits
//! `NotificationReplied(id, text)` to the connection that sent the notification (Plasma
//! sends it as a targeted signal), then closes a notification that is not resident, as
//! it does after a button press.

use serde::{Deserialize, Serialize};

use crate::records::Recorded;

/// The capability a server announces, and the key of the action that asks for the field.
pub const INLINE_REPLY: &str = "inline-reply";
/// The hint naming the field's placeholder text.
pub const REPLY_PLACEHOLDER_HINT: &str = "x-kde-reply-placeholder-text";
/// The hint naming the text of the field's submit button.
pub const REPLY_SUBMIT_HINT: &str = "x-kde-reply-submit-button-text";

/// The reply field a notification asked for, as a desktop would show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyField {
    /// The label of the `inline-reply` action: the button that opens the field.
    pub label: String,
    /// The `x-kde-reply-placeholder-text` hint, if sent.
    pub placeholder: Option<String>,
    /// The `x-kde-reply-submit-button-text` hint, if sent.
    pub submit: Option<String>,
}

impl ReplyField {
    /// The field `record` asked for; `None` without an `inline-reply` action.
    pub(crate) fn of(record: &Recorded) -> Option<ReplyField> {
        let label = record.action_label(INLINE_REPLY)?;
        Some(ReplyField {
            label: label.to_owned(),
            placeholder: record.hints.get(REPLY_PLACEHOLDER_HINT).cloned(),
            submit: record.hints.get(REPLY_SUBMIT_HINT).cloned(),
        })
    }
}

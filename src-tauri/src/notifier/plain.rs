//! Plain notifications on macOS and Windows through notify-rust: these platform APIs (as
//! notify-rust exposes them) have no buttons and no way to withdraw a notification, so
//! the tray is where the user acts there.

use std::sync::Arc;

use async_trait::async_trait;
use oncall_engine::{Notice, Notifier};
use oncall_policy::{Decision, NotificationTarget};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::alarm::Alarm;
use super::text;
use crate::requests::UserRequest;

pub struct DesktopNotifier {
    /// Prefix titles with the account's name (more than one account is configured).
    name_accounts: bool,
    /// The sound of pages: these notifications cannot ask for one, so it plays here.
    alarm: Arc<Alarm>,
}

impl DesktopNotifier {
    /// Same signature as the freedesktop notifier; nothing is listened to here.
    pub async fn connect(
        _requests: mpsc::Sender<UserRequest>,
        _tasks: &TaskTracker,
        _cancel: CancellationToken,
        name_accounts: bool,
        _remember_in: std::path::PathBuf,
        alarm: Arc<Alarm>,
        _has_window: bool,
    ) -> anyhow::Result<Arc<DesktopNotifier>> {
        Ok(Arc::new(DesktopNotifier {
            name_accounts,
            alarm,
        }))
    }

    async fn show(&self, text: text::Text) -> Result<(), String> {
        // notify-rust's show() blocks on the platform API.
        tokio::task::spawn_blocking(move || {
            notify_rust::Notification::new()
                .appname("oncall-tray")
                .summary(&text::printable(&text.summary))
                .body(&text::printable(&text.body))
                .show()
                .map(|_| ())
                .map_err(|e| format!("the notification could not be shown: {e}"))
        })
        .await
        .map_err(|e| format!("the notification task failed: {e}"))?
    }
}

#[async_trait]
impl Notifier for DesktopNotifier {
    async fn apply(&self, decision: &Decision) -> Result<(), String> {
        match decision {
            Decision::Notify { incident, .. } => {
                self.show(text::incident(
                    incident,
                    chrono::Utc::now(),
                    self.name_accounts,
                ))
                .await?;
                let target = NotificationTarget::Incident(incident.key.clone());
                self.alarm.ring(target, incident.urgency, false);
                Ok(())
            }
            Decision::Summarize(summary) => {
                self.show(text::summary(summary)).await?;
                let target = NotificationTarget::Summary(summary.id);
                self.alarm.ring(target, summary.urgency, false);
                Ok(())
            }
            // Nothing to take off the screen here, but the page's alarm stops.
            Decision::Withdraw(target) => {
                self.alarm.stop(target.clone());
                Ok(())
            }
            Decision::Shift(notice) => {
                self.show(text::shift(notice, chrono::Utc::now(), self.name_accounts))
                    .await
            }
            Decision::WhileAway(notice) => self.show(text::while_away(notice)).await,
        }
    }

    async fn notice(&self, notice: &Notice) -> Result<(), String> {
        match notice {
            Notice::TokenRejected {
                account,
                provider,
                reason,
            } => {
                self.show(text::token_rejected(account, *provider, reason))
                    .await
            }
            Notice::CredentialFailed { account, reason } => {
                self.show(text::credential_failed(account, reason)).await
            }
            Notice::ActionNotSaved {
                title, kind, cause, ..
            } => {
                self.show(text::action_not_saved(kind, title.as_deref(), cause))
                    .await
            }
        }
    }
}

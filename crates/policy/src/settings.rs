use chrono::{Duration, NaiveTime};
use serde::{Deserialize, Serialize};

/// Which incidents may ring at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyFor {
    /// Only incidents assigned to the account's user (the default; with the default
    /// `user_ids[]=<me>` filter every listed incident is mine anyway).
    #[default]
    Mine,
    /// Everything the account's filter lists (team or service watchers).
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LowUrgency {
    /// One notification per trigger episode, no repeats.
    #[default]
    Once,
    /// Listed in the tray and window, never a notification.
    Never,
}

/// A daily window (local time) in which low-urgency pages are held back until it ends.
/// `start > end` wraps over midnight (22:00–07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

/// The validated notification settings (the `[notifications]` table of config.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub notify_for: NotifyFor,
    pub low_urgency: LowUrgency,
    /// Ring again for a high-urgency incident still triggered after this long;
    /// `None` disables repeats.
    pub repeat_high_urgency: Option<Duration>,
    /// More new pages than this in one poll collapse into one summary notification.
    pub storm_threshold: usize,
    pub quiet_hours: Option<QuietHours>,
    /// Back from an absence at least this long (the screen locked, the laptop asleep),
    /// the user hears in one notification what happened meanwhile; `None`: never.
    pub away_summary_after: Option<Duration>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            notify_for: NotifyFor::Mine,
            low_urgency: LowUrgency::Once,
            repeat_high_urgency: Some(Duration::minutes(5)),
            storm_threshold: 3,
            quiet_hours: None,
            away_summary_after: Some(Duration::minutes(10)),
        }
    }
}

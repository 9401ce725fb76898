//! The `[notifications]` form: when and how the tray rings.

use std::path::Path;

use oncall_policy::{LowUrgency, NotifyFor, Settings};
use serde::{Deserialize, Serialize};
use toml_edit::{value, DocumentMut, InlineTable, Item, Table};

use super::whole;
use crate::atomic::write_private;
use crate::config::edit::{document, read};
use crate::config::{AlarmSettings, Config, ConfigError};

/// The `[notifications]` table as the Settings form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsForm {
    /// `"mine"` or `"all"`.
    pub notify_for: String,
    /// `"once"` or `"never"`.
    pub low_urgency: String,
    /// 0 = never repeat.
    pub repeat_high_urgency_minutes: u64,
    pub storm_threshold: u64,
    pub quiet_hours: Option<QuietHoursForm>,
    /// `"none"`, a sound theme name or a file path, as `config.toml` has it.
    pub sound_high: String,
    pub sound_low: String,
    /// 0 = play once.
    pub alarm_repeat_seconds: u64,
    /// 0 to 100.
    pub alarm_volume: u64,
}

/// Quiet hours as `HH:MM` on a 24-hour clock: `22:00` to `07:00`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHoursForm {
    pub start: String,
    pub end: String,
}

impl NotificationsForm {
    /// The form of the `[notifications]` table as the config has it.
    pub fn from_config(settings: &Settings, alarm: &AlarmSettings) -> NotificationsForm {
        NotificationsForm {
            notify_for: match settings.notify_for {
                NotifyFor::Mine => "mine",
                NotifyFor::All => "all",
            }
            .into(),
            low_urgency: match settings.low_urgency {
                LowUrgency::Once => "once",
                LowUrgency::Never => "never",
            }
            .into(),
            repeat_high_urgency_minutes: settings
                .repeat_high_urgency
                .map_or(0, |d| d.num_minutes().max(0) as u64),
            storm_threshold: settings.storm_threshold as u64,
            quiet_hours: settings.quiet_hours.map(|q| QuietHoursForm {
                start: q.start.format("%H:%M").to_string(),
                end: q.end.format("%H:%M").to_string(),
            }),
            sound_high: alarm.sound_high.to_string(),
            sound_low: alarm.sound_low.to_string(),
            alarm_repeat_seconds: alarm.repeat.map_or(0, |d| d.as_secs()),
            alarm_volume: alarm.volume.into(),
        }
    }
}

/// Replaces the keys of `[notifications]` that the form shows, creating the table.
pub fn save_notifications(path: &Path, form: &NotificationsForm) -> Result<(), ConfigError> {
    let refused = |source| ConfigError::EditRefused {
        action: "the notification settings were not changed".into(),
        source: Box::new(source),
    };
    let existing = read(path)?;
    let text = existing.as_deref().unwrap_or_default();
    let mut doc: DocumentMut = document(text, path).map_err(refused)?;
    if !doc.contains_key("notifications") {
        // Above the accounts, where config.example.toml has it.
        let mut table = Table::new();
        table.set_position(0);
        doc.insert("notifications", Item::Table(table));
    }
    let Some(table) = doc["notifications"].as_table_mut() else {
        return Err(refused(ConfigError::Parse {
            path: path.to_path_buf(),
            message: "notifications must be a [notifications] table".into(),
        }));
    };
    table.insert("notify_for", value(&form.notify_for));
    table.insert("low_urgency", value(&form.low_urgency));
    table.insert(
        "repeat_high_urgency_minutes",
        value(whole(form.repeat_high_urgency_minutes)),
    );
    table.insert("storm_threshold", value(whole(form.storm_threshold)));
    table.insert("sound_high", value(form.sound_high.trim()));
    table.insert("sound_low", value(form.sound_low.trim()));
    table.insert(
        "alarm_repeat_seconds",
        value(whole(form.alarm_repeat_seconds)),
    );
    table.insert("alarm_volume", value(whole(form.alarm_volume)));
    match &form.quiet_hours {
        Some(QuietHoursForm { start, end }) => {
            let mut hours = InlineTable::new();
            hours.insert("start", start.as_str().into());
            hours.insert("end", end.as_str().into());
            table.insert("quiet_hours", value(hours));
        }
        None => {
            table.remove("quiet_hours");
        }
    }
    let new_text = doc.to_string();
    Config::parse(&new_text, path).map_err(refused)?;
    write_private(path, new_text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn notifications_are_written_above_the_accounts_and_validated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(
            &path,
            "[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\nregion = \"us\"\n",
        )
        .unwrap();
        let mut form = NotificationsForm {
            notify_for: "all".into(),
            low_urgency: "never".into(),
            repeat_high_urgency_minutes: 0,
            storm_threshold: 10,
            quiet_hours: Some(QuietHoursForm {
                start: "22:00".into(),
                end: "07:00".into(),
            }),
            sound_high: "bell".into(),
            sound_low: "none".into(),
            alarm_repeat_seconds: 30,
            alarm_volume: 40,
        };
        save_notifications(&path, &form).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.find("[notifications]").unwrap() < text.find("[[accounts]]").unwrap(),
            "{text}"
        );
        let config = Config::load(&path).unwrap();
        assert_eq!(config.notifications.storm_threshold, 10);
        assert_eq!(config.notifications.repeat_high_urgency, None);
        assert!(config.notifications.quiet_hours.is_some());
        assert_eq!(config.alarm.sound_high, crate::Sound::Theme("bell".into()));
        assert_eq!(config.alarm.sound_low, crate::Sound::None);
        assert_eq!(
            config.alarm.repeat,
            Some(std::time::Duration::from_secs(30))
        );
        assert_eq!(config.alarm.volume, 40);

        form.alarm_volume = 101;
        form.quiet_hours = Some(QuietHoursForm {
            start: "25:00".into(),
            end: "07:00".into(),
        });
        form.storm_threshold = 0;
        let err = save_notifications(&path, &form).unwrap_err();
        let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
        assert!(keys.iter().any(|k| k.contains("quiet_hours")), "{keys:?}");
        assert!(
            keys.iter().any(|k| k.contains("storm_threshold")),
            "{keys:?}"
        );
        assert!(keys.contains(&"notifications.alarm_volume"), "{keys:?}");
    }
}

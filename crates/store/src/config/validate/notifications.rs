//! `[notifications]`: the policy's settings and the alarm's sound keys.

use std::fs;
use std::time::Duration;

use chrono::NaiveTime;
use oncall_policy::{LowUrgency, NotifyFor, QuietHours, Settings};

use super::Checker;
use crate::config::model::{AlarmSettings, Sound, MAX_ALARM_REPEAT};
use crate::config::raw::{RawNotifications, RawQuietHours};

const MAX_REPEAT_MINUTES: i64 = 1440;
const MAX_STORM_THRESHOLD: usize = 1000;
const MAX_AWAY_SUMMARY_MINUTES: u64 = 1440;

impl Checker<'_> {
    pub(super) fn notifications(&mut self, raw: RawNotifications) -> Settings {
        let defaults = Settings::default();

        let notify_for = match raw.notify_for.as_deref() {
            None => defaults.notify_for,
            Some("mine") => NotifyFor::Mine,
            Some("all") => NotifyFor::All,
            Some(other) => {
                self.problem(
                    "notify_for",
                    format!(" = {other:?}: allowed values are \"mine\" and \"all\""),
                );
                defaults.notify_for
            }
        };

        let low_urgency = match raw.low_urgency.as_deref() {
            None => defaults.low_urgency,
            Some("once") => LowUrgency::Once,
            Some("never") => LowUrgency::Never,
            Some(other) => {
                self.problem(
                    "low_urgency",
                    format!(" = {other:?}: allowed values are \"once\" and \"never\""),
                );
                defaults.low_urgency
            }
        };

        let repeat_high_urgency = match raw.repeat_high_urgency_minutes.map(|n| n.0) {
            None => defaults.repeat_high_urgency,
            Some(0) => None,
            Some(minutes @ 1..=MAX_REPEAT_MINUTES) => Some(chrono::Duration::minutes(minutes)),
            Some(minutes) if minutes < 0 => {
                self.problem(
                    "repeat_high_urgency_minutes",
                    format!(" = {minutes} is negative: use 0 to never repeat, or 1 to {MAX_REPEAT_MINUTES} minutes"),
                );
                defaults.repeat_high_urgency
            }
            Some(minutes) => {
                self.problem(
                    "repeat_high_urgency_minutes",
                    format!(" = {minutes} is too long: the maximum is {MAX_REPEAT_MINUTES} minutes (one day); 0 turns repeats off"),
                );
                defaults.repeat_high_urgency
            }
        };

        let storm_threshold = match raw.storm_threshold.map(|n| n.0) {
            None => defaults.storm_threshold,
            Some(n) => match usize::try_from(n) {
                Ok(ok @ 1..=MAX_STORM_THRESHOLD) => ok,
                _ if n < 1 => {
                    self.problem(
                        "storm_threshold",
                        format!(" = {n} is too small: the minimum is 1"),
                    );
                    defaults.storm_threshold
                }
                _ => {
                    self.problem(
                        "storm_threshold",
                        format!(" = {n} is too large: the maximum is {MAX_STORM_THRESHOLD}"),
                    );
                    defaults.storm_threshold
                }
            },
        };

        let quiet_hours = raw.quiet_hours.and_then(|raw| self.quiet_hours(raw));

        let away_summary_after = match self.minutes_or_off(
            "away_summary_minutes",
            raw.away_summary_minutes,
            MAX_AWAY_SUMMARY_MINUTES,
            ("no summary", "away"),
        ) {
            Some(minutes) => minutes.map(|m| chrono::Duration::minutes(m as i64)),
            None => defaults.away_summary_after,
        };

        Settings {
            notify_for,
            low_urgency,
            repeat_high_urgency,
            storm_threshold,
            quiet_hours,
            away_summary_after,
        }
    }

    fn quiet_hours(&mut self, raw: RawQuietHours) -> Option<QuietHours> {
        let start = self.quiet_hours_time("start", raw.start);
        let end = self.quiet_hours_time("end", raw.end);
        let (start, end) = (start?, end?);
        if start == end {
            self.problem(
                "quiet_hours",
                format!(
                    ": start and end are both \"{}\", which makes an empty window: remove quiet_hours to turn them off",
                    start.format("%H:%M")
                ),
            );
            return None;
        }
        Some(QuietHours { start, end })
    }

    fn quiet_hours_time(&mut self, key: &str, value: Option<String>) -> Option<NaiveTime> {
        match value {
            None => {
                self.problem(
                    &format!("quiet_hours.{key}"),
                    " is missing: quiet hours need both start and end, e.g. { start = \"22:00\", end = \"07:00\" }",
                );
                None
            }
            Some(text) => {
                let parsed = parse_hh_mm(&text);
                if parsed.is_none() {
                    self.problem(
                        &format!("quiet_hours.{key}"),
                        format!(
                            " = {text:?} is not a time: write HH:MM on a 24-hour clock, e.g. \"22:00\""
                        ),
                    );
                }
                parsed
            }
        }
    }

    /// The sound keys of `[notifications]`, taken out of `raw` (the policy's settings
    /// are read from the rest).
    pub(super) fn alarm(&mut self, raw: &mut RawNotifications) -> AlarmSettings {
        let defaults = AlarmSettings::default();
        let sound_high = match raw.sound_high.take() {
            None => defaults.sound_high,
            Some(text) => self.sound("sound_high", &text).unwrap_or(Sound::None),
        };
        let sound_low = match raw.sound_low.take() {
            None => defaults.sound_low,
            Some(text) => self.sound("sound_low", &text).unwrap_or(Sound::None),
        };
        let max_repeat = MAX_ALARM_REPEAT.as_secs() as i64;
        let repeat = match raw.alarm_repeat_seconds.take().map(|n| n.0) {
            None => defaults.repeat,
            Some(0) => None,
            Some(seconds) if (1..=max_repeat).contains(&seconds) => {
                Some(Duration::from_secs(seconds as u64))
            }
            Some(seconds) => {
                self.problem(
                    "alarm_repeat_seconds",
                    format!(" = {seconds} is out of range: use 0 to play once, or 1 to {max_repeat} seconds"),
                );
                defaults.repeat
            }
        };
        let volume = match raw.alarm_volume.take().map(|n| n.0) {
            None => defaults.volume,
            Some(volume @ 0..=100) => volume as u8,
            Some(volume) => {
                self.problem(
                    "alarm_volume",
                    format!(" = {volume} is out of range: 0 to 100 (percent)"),
                );
                defaults.volume
            }
        };
        AlarmSettings {
            sound_high,
            sound_low,
            repeat,
            volume,
        }
    }

    /// `"none"`, a sound theme name, or the path of a readable file (absolute, or
    /// relative to the config file's directory). Whether a theme name exists is only
    /// known where the sound plays (themes differ per desktop), so only its spelling is
    /// checked here.
    fn sound(&mut self, key: &str, text: &str) -> Option<Sound> {
        const ALLOWED: &str = "allowed are \"none\", a sound theme name such as \"alarm-clock-elapsed\", or the path of an Ogg Vorbis or WAV file";
        if text == "none" {
            return Some(Sound::None);
        }
        let theme_name = !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if theme_name {
            return Some(Sound::Theme(text.to_string()));
        }
        let looks_like_path = text.contains('/') || text.contains('\\') || text.contains('.');
        if text.trim().is_empty() || !looks_like_path {
            self.problem(key, format!(" = {text:?}: {ALLOWED}"));
            return None;
        }
        self.config_file(key, text, "a sound file", &format!(": {ALLOWED}"), |p| {
            fs::File::open(p)
        })
        .map(|(path, _)| Sound::File(path))
    }
}

/// `H:MM` or `HH:MM`, 00:00 to 23:59.
pub(super) fn parse_hh_mm(text: &str) -> Option<NaiveTime> {
    let (hours, minutes) = text.split_once(':')?;
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hours, 1..=2) || !digits(minutes, 2..=2) {
        return None;
    }
    NaiveTime::from_hms_opt(hours.parse().ok()?, minutes.parse().ok()?, 0)
}

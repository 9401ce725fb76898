//! `[report]`: the user's working days and hours, and sleep hours, which the on-call
//! report counts pages against. Each range is written as one string,
//! `"HH:MM-HH:MM"`, so that a range is read (and refused) as a whole.

use chrono::{NaiveTime, Weekday};
use oncall_report::{ReportSettings, SleepHours, WorkingHours};

use super::notifications::parse_hh_mm;
use super::Checker;
use crate::config::raw::RawReport;

/// The `working_days` values, in week order, as written in `config.toml`.
pub(crate) const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

impl Checker<'_> {
    pub(super) fn report(&mut self, raw: RawReport) -> ReportSettings {
        let defaults = ReportSettings::default();
        let working_days = match raw.working_days {
            None => defaults.working_hours.weekdays().to_vec(),
            Some(days) => self.working_days(days),
        };
        let working_hours = raw
            .working_hours
            .and_then(|text| self.working_hours(&text, &working_days))
            .unwrap_or_else(|| {
                let default = &defaults.working_hours;
                WorkingHours::new(default.start(), default.end(), working_days)
                    .expect("the default working hours start before they end")
            });
        let sleep_hours = raw
            .sleep_hours
            .and_then(|text| {
                let (start, end) = self.time_range("sleep_hours", &text, "22:00-07:00")?;
                let hours = SleepHours::new(start, end);
                if hours.is_err() {
                    self.problem(
                        "sleep_hours",
                        format!(" = {text:?} is an empty window: start and end must differ, e.g. \"22:00-07:00\""),
                    );
                }
                hours.ok()
            })
            .unwrap_or(defaults.sleep_hours);
        ReportSettings {
            working_hours,
            sleep_hours,
            top: defaults.top,
        }
    }

    fn working_hours(&mut self, text: &str, days: &[Weekday]) -> Option<WorkingHours> {
        let (start, end) = self.time_range("working_hours", text, "09:00-18:00")?;
        let hours = WorkingHours::new(start, end, days.iter().copied());
        if hours.is_err() {
            self.problem(
                "working_hours",
                format!(" = {text:?} must start before it ends (working through midnight is not supported), e.g. \"09:00-18:00\""),
            );
        }
        hours.ok()
    }

    /// `"HH:MM-HH:MM"` (24-hour clock, spaces around the dash allowed).
    fn time_range(
        &mut self,
        key: &str,
        text: &str,
        example: &str,
    ) -> Option<(NaiveTime, NaiveTime)> {
        let range = text
            .split_once('-')
            .and_then(|(start, end)| Some((parse_hh_mm(start.trim())?, parse_hh_mm(end.trim())?)));
        if range.is_none() {
            self.problem(
                key,
                format!(" = {text:?} is not a range of times: write \"HH:MM-HH:MM\" on a 24-hour clock, e.g. \"{example}\""),
            );
        }
        range
    }

    /// The days as written, each once, in week order; an empty list is allowed (no
    /// working days: every page is outside working hours).
    fn working_days(&mut self, days: Vec<String>) -> Vec<Weekday> {
        let mut chosen = Vec::new();
        for (i, day) in days.iter().enumerate() {
            match WEEKDAYS.iter().find(|(name, _)| *name == day.as_str()) {
                Some(&(_, weekday)) => chosen.push(weekday),
                None => self.problem(
                    &format!("working_days[{i}]"),
                    format!(" = {day:?} is not a day: allowed values are \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" and \"sun\""),
                ),
            }
        }
        WEEKDAYS
            .iter()
            .map(|&(_, weekday)| weekday)
            .filter(|weekday| chosen.contains(weekday))
            .collect()
    }
}

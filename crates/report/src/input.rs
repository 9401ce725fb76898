//! What a report is computed from: the on-call log, the period and the user's hours.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use oncall_model::{IncidentKey, Urgency};
use serde::{Deserialize, Serialize};

/// Why a report cannot be computed from the given input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the report period ends ({end}) before it starts ({start})")]
    PeriodEndsBeforeStart {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    #[error("a report covers at least 1 day, not 0")]
    NoDays,
    #[error("working hours must start before they end (got {start}–{end}); working through midnight is not supported")]
    WorkingHoursNotADaytimeRange { start: NaiveTime, end: NaiveTime },
    #[error("sleep hours must not start and end at the same time (got {at})")]
    EmptySleepHours { at: NaiveTime },
}

/// One page that reached the user's screen (a notification shown, not merely an
/// incident seen by the poller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub at: DateTime<Utc>,
    /// The account and the provider's incident id.
    pub incident: IncidentKey,
    pub title: String,
    pub service: Option<String>,
    pub urgency: Urgency,
    /// Whether this page was a repeat of an unacknowledged incident's earlier page
    /// (the policy's repeat-until-acknowledged), rather than a new trigger.
    pub repeat: bool,
}

/// Something that happened to an incident after it was paged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentEvent {
    pub at: DateTime<Utc>,
    pub incident: IncidentKey,
}

/// The on-call log over (at least) the report's period. Records outside the period are
/// ignored, so a caller may pass its whole history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCallLog {
    pub pages: Vec<Page>,
    /// The user's own acknowledgements.
    pub acknowledged_by_me: Vec<IncidentEvent>,
    /// Acknowledgements and resolutions by anyone else (a colleague, an automation).
    pub handled_by_others: Vec<IncidentEvent>,
}

/// A half-open span of time `[start, end)`. Not `Deserialize`: only [`Period::new`] and
/// [`Period::last_days`] make one, so it never ends before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Period {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, ReportError> {
        if end < start {
            return Err(ReportError::PeriodEndsBeforeStart { start, end });
        }
        Ok(Period { start, end })
    }

    /// The last `days` local days up to `now`: from the start of the local day `days - 1`
    /// days before today, to `now`. `days = 1` is "today so far".
    pub fn last_days<Tz: TimeZone>(
        now: DateTime<Utc>,
        days: u32,
        zone: &Tz,
    ) -> Result<Self, ReportError> {
        if days == 0 {
            return Err(ReportError::NoDays);
        }
        let today = now.with_timezone(zone).date_naive();
        let first_day = today - TimeDelta::days(i64::from(days) - 1);
        Period::new(start_of_local_day(first_day, zone), now)
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

/// The first instant of a local day. Midnight does not exist on the day a zone springs
/// forward at 00:00 (Chile, formerly Brazil) and exists twice when it falls back over
/// it, so this is the earliest existing local time from 00:00 on.
pub(crate) fn start_of_local_day<Tz: TimeZone>(date: NaiveDate, zone: &Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    // Real DST gaps are at most 2 hours (Lord Howe's is 30 minutes); quarter-hour steps
    // find the first existing time of any of them.
    for quarter in 0..=4 * 24 {
        let local = midnight + TimeDelta::minutes(15 * quarter);
        if let Some(instant) = zone.from_local_datetime(&local).earliest() {
            return instant.with_timezone(&Utc);
        }
    }
    midnight.and_utc()
}

/// When the user is at work: on `weekdays`, from `start` (included) to `end` (excluded),
/// local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    start: NaiveTime,
    end: NaiveTime,
    weekdays: Vec<Weekday>,
}

impl WorkingHours {
    pub fn new(
        start: NaiveTime,
        end: NaiveTime,
        weekdays: impl IntoIterator<Item = Weekday>,
    ) -> Result<Self, ReportError> {
        if start >= end {
            return Err(ReportError::WorkingHoursNotADaytimeRange { start, end });
        }
        Ok(WorkingHours {
            start,
            end,
            weekdays: weekdays.into_iter().collect(),
        })
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// The working days, in the order given.
    pub fn weekdays(&self) -> &[Weekday] {
        &self.weekdays
    }

    pub(crate) fn contains(&self, weekday: Weekday, time: NaiveTime) -> bool {
        self.weekdays.contains(&weekday) && self.start <= time && time < self.end
    }
}

impl Default for WorkingHours {
    /// Monday to Friday, 09:00–18:00.
    fn default() -> Self {
        WorkingHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 is a time"),
            end: NaiveTime::from_hms_opt(18, 0, 0).expect("18:00 is a time"),
            weekdays: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
        }
    }
}

/// When the user sleeps, every day: from `start` (included) to `end` (excluded), local
/// time; `start > end` runs through midnight (the usual case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SleepHours {
    start: NaiveTime,
    end: NaiveTime,
}

impl SleepHours {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, ReportError> {
        if start == end {
            return Err(ReportError::EmptySleepHours { at: start });
        }
        Ok(SleepHours { start, end })
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    pub(crate) fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }
}

impl Default for SleepHours {
    /// 22:00–07:00.
    fn default() -> Self {
        SleepHours {
            start: NaiveTime::from_hms_opt(22, 0, 0).expect("22:00 is a time"),
            end: NaiveTime::from_hms_opt(7, 0, 0).expect("07:00 is a time"),
        }
    }
}

/// The user's choices that shape a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSettings {
    pub working_hours: WorkingHours,
    pub sleep_hours: SleepHours,
    /// How many services and incidents the "most" lists keep.
    pub top: usize,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            working_hours: WorkingHours::default(),
            sleep_hours: SleepHours::default(),
            top: 5,
        }
    }
}

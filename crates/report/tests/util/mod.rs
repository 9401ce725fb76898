//! Helpers shared by the report tests: a time zone with a daylight-saving change, and
//! terse builders for log records.

pub mod xml;

use chrono::{
    DateTime, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use oncall_model::{IncidentKey, Urgency};
use oncall_report::{IncidentEvent, Page};

/// A zone with one change of offset, like Central Europe springing forward on
/// 2026-03-29 at 01:00 UTC (02:00 local becomes 03:00). chrono-tz is not in the
/// workspace, and this is all a test needs: the report must read local time through the
/// zone's rules, not through one fixed offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneChangeZone {
    pub change_at: NaiveDateTime,
    pub before: FixedOffset,
    pub after: FixedOffset,
}

/// The offset of [`OneChangeZone`] at some instant; it carries the zone, as
/// `TimeZone::from_offset` must give the zone back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneChangeOffset {
    zone: OneChangeZone,
    offset: FixedOffset,
}

impl Offset for OneChangeOffset {
    fn fix(&self) -> FixedOffset {
        self.offset
    }
}

impl OneChangeZone {
    /// Central European Time, changing to summer time on 2026-03-29.
    pub fn central_europe_spring_2026() -> Self {
        OneChangeZone {
            change_at: utc("2026-03-29T01:00:00Z").naive_utc(),
            before: FixedOffset::east_opt(3600).unwrap(),
            after: FixedOffset::east_opt(7200).unwrap(),
        }
    }

    fn offset(&self, offset: FixedOffset) -> OneChangeOffset {
        OneChangeOffset {
            zone: *self,
            offset,
        }
    }
}

impl TimeZone for OneChangeZone {
    type Offset = OneChangeOffset;

    fn from_offset(offset: &OneChangeOffset) -> Self {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<OneChangeOffset> {
        self.offset_from_local_datetime(&local.and_hms_opt(0, 0, 0).unwrap())
    }

    fn offset_from_local_datetime(
        &self,
        local: &NaiveDateTime,
    ) -> MappedLocalTime<OneChangeOffset> {
        let valid_before = *local - self.before < self.change_at;
        let valid_after = *local - self.after >= self.change_at;
        match (valid_before, valid_after) {
            (true, true) => {
                MappedLocalTime::Ambiguous(self.offset(self.before), self.offset(self.after))
            }
            (true, false) => MappedLocalTime::Single(self.offset(self.before)),
            (false, true) => MappedLocalTime::Single(self.offset(self.after)),
            (false, false) => MappedLocalTime::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> OneChangeOffset {
        self.offset_from_utc_datetime(&utc.and_hms_opt(0, 0, 0).unwrap())
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> OneChangeOffset {
        if *utc < self.change_at {
            self.offset(self.before)
        } else {
            self.offset(self.after)
        }
    }
}

pub fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

pub fn date(iso: &str) -> NaiveDate {
    iso.parse().unwrap()
}

pub fn key(id: &str) -> IncidentKey {
    IncidentKey::new("work", id)
}

pub fn page(at: &str, id: &str, title: &str, service: Option<&str>) -> Page {
    Page {
        at: utc(at),
        incident: key(id),
        title: title.to_owned(),
        service: service.map(str::to_owned),
        urgency: Urgency::High,
        repeat: false,
    }
}

pub fn repeat(at: &str, id: &str, title: &str, service: Option<&str>) -> Page {
    Page {
        repeat: true,
        ..page(at, id, title, service)
    }
}

pub fn event(at: &str, id: &str) -> IncidentEvent {
    IncidentEvent {
        at: utc(at),
        incident: key(id),
    }
}

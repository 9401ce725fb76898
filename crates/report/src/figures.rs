//! The figures: [`build_report`] turns a log, a period and the user's hours into a
//! [`Report`].

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use oncall_model::{IncidentKey, Urgency};
use serde::Serialize;

use crate::input::{IncidentEvent, OnCallLog, Page, Period, ReportSettings};

/// Sleep-hours pages less than this long after an interruption's first page belong to
/// that interruption: being woken twice in a quarter of an hour is one bad night moment,
/// not two.
pub const SAME_INTERRUPTION: TimeDelta = TimeDelta::minutes(30);

/// "My on-call report" over one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub period: Period,
    /// Every local day the period touches, in order, including days without pages.
    pub days: Vec<DayFigures>,
    pub totals: Totals,
    pub sleep_interruptions: Vec<SleepInterruption>,
    pub time_to_acknowledge: TimeToAcknowledge,
    /// Pages per service, most first; ties in name order, pages without a service last.
    pub noisiest_services: Vec<ServicePages>,
    /// Pages per incident (repeats included), most first; ties in incident key order.
    pub incidents_that_rang_most: Vec<IncidentPages>,
}

/// The pages of one local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayFigures {
    pub date: NaiveDate,
    pub working_hours: usize,
    pub outside_working_hours: usize,
    /// Interruptions that began on this day (an interruption at 23:50 belongs to the day
    /// before the one at 00:10).
    pub sleep_interruptions: usize,
}

impl DayFigures {
    pub fn pages(&self) -> usize {
        self.working_hours + self.outside_working_hours
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub pages: usize,
    /// Pages that repeated an unacknowledged incident's earlier page.
    pub repeat_pages: usize,
    pub high_urgency_pages: usize,
    /// Distinct incidents paged.
    pub incidents: usize,
    pub working_hours: usize,
    pub outside_working_hours: usize,
    pub pages_during_sleep: usize,
    pub sleep_interruptions: usize,
}

/// Pages during sleep hours that woke the user once: the first page and every sleep-hours
/// page less than [`SAME_INTERRUPTION`] after it. Only pages in the period count, so a
/// night that straddles the period's start is counted from its first page inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SleepInterruption {
    pub started_at: DateTime<Utc>,
    /// The local day of `started_at`.
    pub date: NaiveDate,
    pub pages: usize,
}

/// How long the user took to acknowledge what paged them.
///
/// Each incident paged in the period counts once, measured from its first page in the
/// period to the first acknowledgement after that page, within the period. If someone
/// else acknowledged or resolved it first (ties go to the user), or nobody did, it is
/// counted in `handled_by_others` or `unacknowledged` instead of the percentiles.
/// Acknowledgements before the first page in the period answered an earlier page and
/// are not counted.
///
/// Percentiles are nearest-rank: the p-th percentile of n sorted times is the one at
/// rank ⌈p·n/100⌉, so it is always a time that was measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TimeToAcknowledge {
    pub acknowledged_by_me: usize,
    /// Whole seconds; `None` when nothing was acknowledged by the user.
    pub p50_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    pub handled_by_others: usize,
    pub unacknowledged: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServicePages {
    /// `None` for pages whose incident names no service.
    pub service: Option<String>,
    pub pages: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentPages {
    pub incident: IncidentKey,
    /// The title and service of its latest page in the period.
    pub title: String,
    pub service: Option<String>,
    pub pages: usize,
    pub repeat_pages: usize,
}

/// Computes the report of `period` from `log`, reading local days and hours in `zone`.
/// It cannot fail: [`Period`] and the hours in [`ReportSettings`] are checked when made.
pub fn build_report<Tz: TimeZone>(
    log: &OnCallLog,
    period: &Period,
    settings: &ReportSettings,
    zone: &Tz,
) -> Report {
    let mut pages: Vec<&Page> = log
        .pages
        .iter()
        .filter(|page| period.contains(page.at))
        .collect();
    pages.sort_by_key(|page| page.at);

    let mut days = local_days(period, zone);
    let day_index: HashMap<NaiveDate, usize> = days
        .iter()
        .enumerate()
        .map(|(index, day)| (day.date, index))
        .collect();
    let mut totals = Totals::default();
    let mut sleep_interruptions: Vec<SleepInterruption> = Vec::new();

    for page in &pages {
        let local = page.at.with_timezone(zone).naive_local();
        // Every instant of the period falls on one of its local days.
        let day = &mut days[day_index[&local.date()]];
        totals.pages += 1;
        totals.repeat_pages += usize::from(page.repeat);
        totals.high_urgency_pages += usize::from(page.urgency == Urgency::High);
        if settings
            .working_hours
            .contains(local.weekday(), local.time())
        {
            day.working_hours += 1;
            totals.working_hours += 1;
        } else {
            day.outside_working_hours += 1;
            totals.outside_working_hours += 1;
        }
        if settings.sleep_hours.contains(local.time()) {
            totals.pages_during_sleep += 1;
            match sleep_interruptions.last_mut() {
                Some(current) if page.at - current.started_at < SAME_INTERRUPTION => {
                    current.pages += 1;
                }
                _ => {
                    day.sleep_interruptions += 1;
                    sleep_interruptions.push(SleepInterruption {
                        started_at: page.at,
                        date: local.date(),
                        pages: 1,
                    });
                }
            }
        }
    }
    totals.sleep_interruptions = sleep_interruptions.len();

    let incidents = pages_per_incident(&pages);
    totals.incidents = incidents.len();
    Report {
        period: *period,
        days,
        totals,
        sleep_interruptions,
        time_to_acknowledge: time_to_acknowledge(log, period, &incidents),
        noisiest_services: noisiest_services(&pages, settings.top),
        incidents_that_rang_most: incidents_that_rang_most(incidents, settings.top),
    }
}

/// One empty row per local day from the period's start to its last instant.
fn local_days<Tz: TimeZone>(period: &Period, zone: &Tz) -> Vec<DayFigures> {
    if period.start() == period.end() {
        return Vec::new();
    }
    let first = period.start().with_timezone(zone).date_naive();
    let last = (period.end() - TimeDelta::nanoseconds(1))
        .with_timezone(zone)
        .date_naive();
    first
        .iter_days()
        .take_while(|date| *date <= last)
        .map(|date| DayFigures {
            date,
            working_hours: 0,
            outside_working_hours: 0,
            sleep_interruptions: 0,
        })
        .collect()
}

struct IncidentTally<'log> {
    first_page_at: DateTime<Utc>,
    latest: &'log Page,
    pages: usize,
    repeat_pages: usize,
}

/// `pages` must be in time order.
fn pages_per_incident<'log>(
    pages: &[&'log Page],
) -> BTreeMap<&'log IncidentKey, IncidentTally<'log>> {
    let mut incidents: BTreeMap<&IncidentKey, IncidentTally> = BTreeMap::new();
    for page in pages {
        let tally = incidents
            .entry(&page.incident)
            .or_insert_with(|| IncidentTally {
                first_page_at: page.at,
                latest: page,
                pages: 0,
                repeat_pages: 0,
            });
        tally.latest = page;
        tally.pages += 1;
        tally.repeat_pages += usize::from(page.repeat);
    }
    incidents
}

fn time_to_acknowledge(
    log: &OnCallLog,
    period: &Period,
    incidents: &BTreeMap<&IncidentKey, IncidentTally>,
) -> TimeToAcknowledge {
    let first_after = |events: &[IncidentEvent], incident: &IncidentKey, since: DateTime<Utc>| {
        events
            .iter()
            .filter(|event| &event.incident == incident && event.at >= since)
            .filter(|event| period.contains(event.at))
            .map(|event| event.at)
            .min()
    };
    let mut figures = TimeToAcknowledge::default();
    let mut seconds: Vec<i64> = Vec::new();
    for (incident, tally) in incidents {
        let mine = first_after(&log.acknowledged_by_me, incident, tally.first_page_at);
        let others = first_after(&log.handled_by_others, incident, tally.first_page_at);
        match (mine, others) {
            (Some(mine), Some(others)) if others < mine => figures.handled_by_others += 1,
            (Some(mine), _) => seconds.push((mine - tally.first_page_at).num_seconds()),
            (None, Some(_)) => figures.handled_by_others += 1,
            (None, None) => figures.unacknowledged += 1,
        }
    }
    seconds.sort_unstable();
    figures.acknowledged_by_me = seconds.len();
    figures.p50_seconds = nearest_rank(&seconds, 50);
    figures.p90_seconds = nearest_rank(&seconds, 90);
    figures
}

/// The nearest-rank `percent`-th percentile of `sorted`.
fn nearest_rank(sorted: &[i64], percent: usize) -> Option<i64> {
    let rank = (percent * sorted.len()).div_ceil(100);
    sorted.get(rank.max(1) - 1).copied()
}

fn noisiest_services(pages: &[&Page], top: usize) -> Vec<ServicePages> {
    let mut per_service: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    for page in pages {
        *per_service.entry(page.service.as_deref()).or_default() += 1;
    }
    let mut services: Vec<ServicePages> = per_service
        .into_iter()
        .map(|(service, pages)| ServicePages {
            service: service.map(str::to_owned),
            pages,
        })
        .collect();
    services.sort_by(|a, b| {
        b.pages
            .cmp(&a.pages)
            .then_with(|| a.service.is_none().cmp(&b.service.is_none()))
            .then_with(|| a.service.cmp(&b.service))
    });
    services.truncate(top);
    services
}

fn incidents_that_rang_most(
    incidents: BTreeMap<&IncidentKey, IncidentTally>,
    top: usize,
) -> Vec<IncidentPages> {
    let mut rang: Vec<IncidentPages> = incidents
        .into_iter()
        .map(|(incident, tally)| IncidentPages {
            incident: incident.clone(),
            title: tally.latest.title.clone(),
            service: tally.latest.service.clone(),
            pages: tally.pages,
            repeat_pages: tally.repeat_pages,
        })
        .collect();
    // A stable sort keeps the map's key order among equals.
    rang.sort_by_key(|incident| Reverse(incident.pages));
    rang.truncate(top);
    rang
}

//! The report's figures against tables computed by hand, and its three presentations.
//!
//! The main log: a weekend and a Monday in a zone that springs forward on Sunday
//! 2026-03-29 (01:00 UTC: 02:00 local becomes 03:00), with working hours Mon–Fri
//! 09:00–18:00 and sleep 22:00–07:00.

mod util;

use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone, Weekday};
use oncall_model::Urgency;
use oncall_report::{
    build_report, render_svg_chart, render_text, IncidentPages, OnCallLog, Page, Period, Report,
    ReportError, ReportSettings, ServicePages, SleepHours, SleepInterruption, TimeToAcknowledge,
    Totals, WorkingHours, CSV_HEADER,
};
use util::xml::{self, Element};
use util::{date, event, key, page, repeat, utc, OneChangeZone};

/// (local date, pages in working hours, outside them, sleep interruptions begun).
type DayRow = (NaiveDate, usize, usize, usize);

fn day_rows(report: &Report) -> Vec<DayRow> {
    report
        .days
        .iter()
        .map(|day| {
            (
                day.date,
                day.working_hours,
                day.outside_working_hours,
                day.sleep_interruptions,
            )
        })
        .collect()
}

/// The expected rows, dates written as ISO text.
fn rows(expected: &[(&str, usize, usize, usize)]) -> Vec<DayRow> {
    expected
        .iter()
        .map(|&(day, working, outside, interruptions)| (date(day), working, outside, interruptions))
        .collect()
}

fn plus_one_hour() -> FixedOffset {
    FixedOffset::east_opt(3600).unwrap()
}

/// Local times are given for the DST zone (+01:00 until Sunday 01:00 UTC, +02:00 after)
/// and, where they differ, for a fixed +01:00.
fn weekend_log() -> OnCallLog {
    let mut pages = vec![
        // Friday 23:30 local: before the period.
        page(
            "2026-03-27T22:30:00Z",
            "P1",
            "Checkout DB down",
            Some("Checkout"),
        ),
        // Saturday 10:30: a weekend, so outside working hours.
        page(
            "2026-03-28T09:30:00Z",
            "P1",
            "Checkout DB down",
            Some("Checkout"),
        ),
        // Saturday 23:10: wakes the user; the repeat at 23:30 is the same interruption.
        page("2026-03-28T22:10:00Z", "P2", "Disk full", Some("Storage")),
        repeat("2026-03-28T22:30:00Z", "P2", "Disk full", Some("Storage")),
        // Sunday 07:30 in summer time (06:30 at +01:00: asleep).
        page(
            "2026-03-29T05:30:00Z",
            "P3",
            "Queue backlog",
            Some("Checkout"),
        ),
        // Monday 00:30 in summer time (Sunday 23:30 at +01:00): re-triggered, asleep.
        page(
            "2026-03-29T22:30:00Z",
            "P1",
            "Checkout DB down",
            Some("Checkout"),
        ),
        // Monday 09:00 exactly: working hours (08:00 at +01:00: not). Low urgency.
        Page {
            urgency: Urgency::Low,
            ..page("2026-03-30T07:00:00Z", "P4", "Latency high", None)
        },
        // Monday 18:00 exactly: no longer working hours (17:00 at +01:00: still).
        page(
            "2026-03-30T16:00:00Z",
            "P5",
            "Certificate expires",
            Some("Storage"),
        ),
    ];
    // The log's order must not matter.
    pages.reverse();
    OnCallLog {
        pages,
        acknowledged_by_me: vec![
            // Answered Friday's page, before the period.
            event("2026-03-27T22:35:00Z", "P1"),
            event("2026-03-28T09:34:00Z", "P1"),
            event("2026-03-28T22:40:00Z", "P2"),
            // After a colleague acknowledged P3 at 05:35.
            event("2026-03-29T05:50:00Z", "P3"),
            event("2026-03-30T07:02:00Z", "P4"),
        ],
        handled_by_others: vec![event("2026-03-29T05:35:00Z", "P3")],
    }
}

/// Saturday 00:00 local (+01:00) to Monday 23:59:59 local (+02:00).
fn weekend_period() -> Period {
    let period = Period::last_days(
        utc("2026-03-30T21:59:59Z"),
        3,
        &OneChangeZone::central_europe_spring_2026(),
    )
    .unwrap();
    assert_eq!(period.start(), utc("2026-03-27T23:00:00Z"));
    assert_eq!(period.end(), utc("2026-03-30T21:59:59Z"));
    period
}

fn weekend_report() -> Report {
    build_report(
        &weekend_log(),
        &weekend_period(),
        &ReportSettings::default(),
        &OneChangeZone::central_europe_spring_2026(),
    )
}

#[test]
fn a_weekend_across_the_spring_dst_change() {
    let report = weekend_report();

    assert_eq!(
        day_rows(&report),
        rows(&[
            ("2026-03-28", 0, 3, 1),
            ("2026-03-29", 0, 1, 0),
            ("2026-03-30", 1, 2, 1),
        ])
    );
    assert_eq!(
        report.totals,
        Totals {
            pages: 7,
            repeat_pages: 1,
            high_urgency_pages: 6,
            incidents: 5,
            working_hours: 1,
            outside_working_hours: 6,
            pages_during_sleep: 3,
            sleep_interruptions: 2,
        }
    );
    assert_eq!(
        report.sleep_interruptions,
        vec![
            SleepInterruption {
                started_at: utc("2026-03-28T22:10:00Z"),
                date: date("2026-03-28"),
                pages: 2,
            },
            SleepInterruption {
                started_at: utc("2026-03-29T22:30:00Z"),
                date: date("2026-03-30"),
                pages: 1,
            },
        ]
    );
    // Mine: P4 2 min, P1 4 min, P2 30 min. P3 went to a colleague first; P5 to nobody.
    assert_eq!(
        report.time_to_acknowledge,
        TimeToAcknowledge {
            acknowledged_by_me: 3,
            p50_seconds: Some(240),
            p90_seconds: Some(1800),
            handled_by_others: 1,
            unacknowledged: 1,
        }
    );
    assert_eq!(
        report.noisiest_services,
        vec![
            ServicePages {
                service: Some("Checkout".into()),
                pages: 3
            },
            ServicePages {
                service: Some("Storage".into()),
                pages: 3
            },
            ServicePages {
                service: None,
                pages: 1
            },
        ]
    );
    let rang: Vec<(String, usize, usize)> = report
        .incidents_that_rang_most
        .iter()
        .map(|incident| {
            (
                incident.incident.id.clone(),
                incident.pages,
                incident.repeat_pages,
            )
        })
        .collect();
    assert_eq!(
        rang,
        vec![
            ("P1".into(), 2, 0),
            ("P2".into(), 2, 1),
            ("P3".into(), 1, 0),
            ("P4".into(), 1, 0),
            ("P5".into(), 1, 0),
        ]
    );
}

#[test]
fn the_same_log_at_a_fixed_offset_falls_on_other_hours() {
    let zone = plus_one_hour();
    let period = Period::last_days(utc("2026-03-30T21:59:59Z"), 3, &zone).unwrap();
    assert_eq!(period.start(), utc("2026-03-27T23:00:00Z"));

    let report = build_report(&weekend_log(), &period, &ReportSettings::default(), &zone);

    assert_eq!(
        day_rows(&report),
        rows(&[
            ("2026-03-28", 0, 3, 1),
            ("2026-03-29", 0, 2, 2),
            ("2026-03-30", 1, 1, 0),
        ])
    );
    assert_eq!(report.totals.pages_during_sleep, 4);
    assert_eq!(report.totals.sleep_interruptions, 3);
}

#[test]
fn top_lists_keep_the_first_n_with_ties_in_name_order() {
    let settings = ReportSettings {
        top: 2,
        ..ReportSettings::default()
    };
    let report = build_report(
        &weekend_log(),
        &weekend_period(),
        &settings,
        &OneChangeZone::central_europe_spring_2026(),
    );

    let services: Vec<Option<&str>> = report
        .noisiest_services
        .iter()
        .map(|service| service.service.as_deref())
        .collect();
    assert_eq!(services, vec![Some("Checkout"), Some("Storage")]);
    assert_eq!(
        report.incidents_that_rang_most,
        vec![
            IncidentPages {
                incident: key("P1"),
                title: "Checkout DB down".into(),
                service: Some("Checkout".into()),
                pages: 2,
                repeat_pages: 0,
            },
            IncidentPages {
                incident: key("P2"),
                title: "Disk full".into(),
                service: Some("Storage".into()),
                pages: 2,
                repeat_pages: 1,
            },
        ]
    );
}

#[test]
fn working_and_sleep_hours_include_their_start_and_exclude_their_end() {
    // Monday 2026-03-02, at +01:00.
    let log = OnCallLog {
        pages: vec![
            page("2026-03-02T05:59:59Z", "A", "06:59:59", None),
            page("2026-03-02T06:00:00Z", "B", "07:00", None),
            page("2026-03-02T07:59:59Z", "C", "08:59:59", None),
            page("2026-03-02T08:00:00Z", "D", "09:00", None),
            page("2026-03-02T16:59:59Z", "E", "17:59:59", None),
            page("2026-03-02T17:00:00Z", "F", "18:00", None),
            page("2026-03-02T20:59:59Z", "G", "21:59:59", None),
            page("2026-03-02T21:00:00Z", "H", "22:00", None),
        ],
        ..OnCallLog::default()
    };
    let period = Period::new(utc("2026-03-01T23:00:00Z"), utc("2026-03-02T23:00:00Z")).unwrap();
    let report = build_report(&log, &period, &ReportSettings::default(), &plus_one_hour());

    // Working: 09:00 and 17:59:59. Asleep: 06:59:59 and 22:00.
    assert_eq!(day_rows(&report), rows(&[("2026-03-02", 2, 6, 2)]));
    assert_eq!(report.totals.pages_during_sleep, 2);
}

#[test]
fn a_sleep_interruption_lasts_thirty_minutes_from_its_first_page() {
    // Saturday night at +01:00: 23:00, 23:29:59 (same), 23:30 (new), 23:45 (same as 23:30).
    let log = OnCallLog {
        pages: vec![
            page("2026-03-07T22:00:00Z", "A", "a", None),
            page("2026-03-07T22:29:59Z", "B", "b", None),
            page("2026-03-07T22:30:00Z", "C", "c", None),
            page("2026-03-07T22:45:00Z", "D", "d", None),
        ],
        ..OnCallLog::default()
    };
    let period = Period::new(utc("2026-03-06T23:00:00Z"), utc("2026-03-07T23:00:00Z")).unwrap();
    let report = build_report(&log, &period, &ReportSettings::default(), &plus_one_hour());

    let interruptions: Vec<(chrono::DateTime<chrono::Utc>, usize)> = report
        .sleep_interruptions
        .iter()
        .map(|interruption| (interruption.started_at, interruption.pages))
        .collect();
    assert_eq!(
        interruptions,
        vec![
            (utc("2026-03-07T22:00:00Z"), 2),
            (utc("2026-03-07T22:30:00Z"), 2)
        ]
    );
}

#[test]
fn custom_hours_move_the_boundaries() {
    let at = |hour, minute| NaiveTime::from_hms_opt(hour, minute, 0).unwrap();
    let settings = ReportSettings {
        working_hours: WorkingHours::new(at(7, 30), at(16, 0), [Weekday::Sat]).unwrap(),
        sleep_hours: SleepHours::new(at(1, 0), at(9, 0)).unwrap(),
        top: 5,
    };
    // Saturday 07:30 (working, asleep), 16:00 (not working), Monday 10:00 (not working).
    let log = OnCallLog {
        pages: vec![
            page("2026-03-07T06:30:00Z", "A", "a", None),
            page("2026-03-07T15:00:00Z", "B", "b", None),
            page("2026-03-09T09:00:00Z", "C", "c", None),
        ],
        ..OnCallLog::default()
    };
    let period = Period::new(utc("2026-03-06T23:00:00Z"), utc("2026-03-09T23:00:00Z")).unwrap();
    let report = build_report(&log, &period, &settings, &plus_one_hour());

    assert_eq!(
        day_rows(&report),
        rows(&[
            ("2026-03-07", 1, 1, 1),
            ("2026-03-08", 0, 0, 0),
            ("2026-03-09", 0, 1, 0),
        ])
    );
}

#[test]
fn settings_and_periods_that_mean_nothing_are_refused() {
    let at = |hour| NaiveTime::from_hms_opt(hour, 0, 0).unwrap();
    assert_eq!(
        WorkingHours::new(at(18), at(9), [Weekday::Mon]),
        Err(ReportError::WorkingHoursNotADaytimeRange {
            start: at(18),
            end: at(9)
        })
    );
    assert_eq!(
        SleepHours::new(at(7), at(7)),
        Err(ReportError::EmptySleepHours { at: at(7) })
    );
    assert_eq!(
        Period::last_days(utc("2026-03-02T12:00:00Z"), 0, &plus_one_hour()),
        Err(ReportError::NoDays)
    );
    let error = Period::new(utc("2026-03-02T12:00:00Z"), utc("2026-03-01T12:00:00Z")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the report period ends (2026-03-01 12:00:00 UTC) before it starts (2026-03-02 12:00:00 UTC)"
    );
}

#[test]
fn an_empty_period_has_no_days_and_no_figures() {
    let instant = utc("2026-03-02T12:00:00Z");
    let period = Period::new(instant, instant).unwrap();
    let report = build_report(
        &weekend_log(),
        &period,
        &ReportSettings::default(),
        &plus_one_hour(),
    );

    assert!(report.days.is_empty());
    assert_eq!(report.totals, Totals::default());
    assert_eq!(report.time_to_acknowledge, TimeToAcknowledge::default());
    assert!(report.noisiest_services.is_empty());
    assert!(report.incidents_that_rang_most.is_empty());
    assert_eq!(report.to_csv(), format!("{CSV_HEADER}\n"));
    assert!(render_text(&report).starts_with("On-call report: the period is empty\n"));
    let chart = xml::parse(&render_svg_chart(&report));
    assert_eq!(day_groups(&chart).len(), 0);
}

#[test]
fn a_quiet_period_still_lists_every_day() {
    let zone = plus_one_hour();
    let period = Period::last_days(utc("2026-03-04T10:00:00Z"), 3, &zone).unwrap();
    let report = build_report(
        &OnCallLog::default(),
        &period,
        &ReportSettings::default(),
        &zone,
    );

    assert_eq!(
        day_rows(&report),
        rows(&[
            ("2026-03-02", 0, 0, 0),
            ("2026-03-03", 0, 0, 0),
            ("2026-03-04", 0, 0, 0),
        ])
    );
    assert_eq!(report.time_to_acknowledge.p50_seconds, None);
    let chart = xml::parse(&render_svg_chart(&report));
    let days = day_groups(&chart);
    assert_eq!(days.len(), 3);
    for day in days {
        let drawn: Vec<&str> = day
            .children
            .iter()
            .map(|child| child.name.as_str())
            .collect();
        assert_eq!(
            drawn,
            vec!["title", "text"],
            "no bar and no count on a quiet day"
        );
    }
}

#[test]
fn an_acknowledgement_before_the_first_page_in_the_period_is_not_a_time_to_acknowledge() {
    let log = OnCallLog {
        pages: vec![page("2026-03-02T10:05:00Z", "P1", "a", None)],
        acknowledged_by_me: vec![event("2026-03-02T10:00:00Z", "P1")],
        handled_by_others: vec![],
    };
    let period = Period::new(utc("2026-03-02T00:00:00Z"), utc("2026-03-03T00:00:00Z")).unwrap();
    let report = build_report(&log, &period, &ReportSettings::default(), &plus_one_hour());

    assert_eq!(
        report.time_to_acknowledge,
        TimeToAcknowledge {
            unacknowledged: 1,
            ..TimeToAcknowledge::default()
        }
    );
}

#[test]
fn an_incident_paged_in_two_periods_counts_in_each_from_its_own_first_page() {
    let log = OnCallLog {
        pages: vec![
            page("2026-03-02T10:00:00Z", "P1", "first", Some("Checkout")),
            repeat("2026-03-02T10:03:00Z", "P1", "first", Some("Checkout")),
            page("2026-03-03T10:00:00Z", "P1", "second", Some("Checkout")),
            // Paged late on the 3rd and acknowledged after that period ended.
            page("2026-03-03T23:50:00Z", "P2", "late", None),
        ],
        acknowledged_by_me: vec![
            event("2026-03-02T10:05:00Z", "P1"),
            event("2026-03-03T10:20:00Z", "P1"),
            event("2026-03-04T00:05:00Z", "P2"),
        ],
        // At the same second as mine: the user acted, it counts as theirs.
        handled_by_others: vec![event("2026-03-03T10:20:00Z", "P1")],
    };
    let settings = ReportSettings::default();
    let zone = chrono::Utc;
    let monday = Period::new(utc("2026-03-02T00:00:00Z"), utc("2026-03-03T00:00:00Z")).unwrap();
    let tuesday = Period::new(utc("2026-03-03T00:00:00Z"), utc("2026-03-04T00:00:00Z")).unwrap();

    let first = build_report(&log, &monday, &settings, &zone);
    let second = build_report(&log, &tuesday, &settings, &zone);

    assert_eq!(first.incidents_that_rang_most[0].pages, 2);
    assert_eq!(first.time_to_acknowledge.p50_seconds, Some(300));
    assert_eq!(second.incidents_that_rang_most[0].title, "second");
    assert_eq!(second.incidents_that_rang_most[0].pages, 1);
    assert_eq!(
        second.time_to_acknowledge,
        TimeToAcknowledge {
            acknowledged_by_me: 1,
            p50_seconds: Some(1200),
            p90_seconds: Some(1200),
            handled_by_others: 0,
            unacknowledged: 1,
        }
    );
}

#[test]
fn percentiles_are_nearest_rank() {
    // Ten incidents acknowledged after 1, 2, ... 10 minutes.
    let mut log = OnCallLog::default();
    for minutes in 1..=10u32 {
        let id = format!("P{minutes}");
        log.pages.push(page("2026-03-02T10:00:00Z", &id, "t", None));
        let at = utc("2026-03-02T10:00:00Z") + chrono::TimeDelta::minutes(minutes.into());
        log.acknowledged_by_me.push(oncall_report::IncidentEvent {
            at,
            incident: key(&id),
        });
    }
    let period = Period::new(utc("2026-03-02T00:00:00Z"), utc("2026-03-03T00:00:00Z")).unwrap();
    let report = build_report(&log, &period, &ReportSettings::default(), &chrono::Utc);

    // Ranks ⌈0.5·10⌉ = 5 and ⌈0.9·10⌉ = 9.
    assert_eq!(report.time_to_acknowledge.p50_seconds, Some(300));
    assert_eq!(report.time_to_acknowledge.p90_seconds, Some(540));
}

#[test]
fn a_day_starts_at_its_first_existing_local_time() {
    // A zone springing forward at midnight (like Chile): 2026-09-06 00:00 local does not
    // exist, the day starts at 01:00 local, which is 04:00 UTC.
    let zone = OneChangeZone {
        change_at: utc("2026-09-06T04:00:00Z").naive_utc(),
        before: FixedOffset::west_opt(4 * 3600).unwrap(),
        after: FixedOffset::west_opt(3 * 3600).unwrap(),
    };
    assert!(zone
        .from_local_datetime(&date("2026-09-06").and_hms_opt(0, 30, 0).unwrap())
        .earliest()
        .is_none());
    let period = Period::last_days(utc("2026-09-06T12:00:00Z"), 1, &zone).unwrap();
    assert_eq!(period.start(), utc("2026-09-06T04:00:00Z"));
}

#[test]
fn csv_has_one_row_per_day() {
    assert_eq!(
        weekend_report().to_csv(),
        "date,pages,working_hours,outside_working_hours,sleep_interruptions\n\
         2026-03-28,3,0,3,1\n\
         2026-03-29,1,0,1,0\n\
         2026-03-30,3,1,2,1\n"
    );
}

#[test]
fn text_table_for_the_terminal() {
    let mut log = weekend_log();
    // Provider text is cleaned: no escape sequence reaches the terminal.
    log.pages[0].title = "Certificate\u{1b}[2J expires".into();
    let report = build_report(
        &log,
        &weekend_period(),
        &ReportSettings::default(),
        &OneChangeZone::central_europe_spring_2026(),
    );

    assert_eq!(
        render_text(&report),
        "\
On-call report 2026-03-28 – 2026-03-30 (3 days)

Date        Working  Outside  Total  Sleep
2026-03-28        0        3      3      1
2026-03-29        0        1      1      0
2026-03-30        1        2      3      1
Total             1        6      7      2
(Working/Outside: pages in and outside working hours; Sleep: sleep interruptions.)

Pages: 7 (6 high urgency, 1 repeat) for 5 incidents
Sleep interruptions: 2 (3 pages during sleep hours)
Time to acknowledge: p50 4m 00s, p90 30m 00s over 3 acknowledged by you; 1 handled by others; 1 not acknowledged

Noisiest services
    3  Checkout
    3  Storage
    1  (no service)

Incidents that rang most
    2  work/P1  Checkout DB down [Checkout]
    2  work/P2  Disk full [Storage]
    1  work/P3  Queue backlog [Checkout]
    1  work/P4  Latency high
    1  work/P5  Certificate [2J expires [Storage]
"
    );
}

fn day_groups(chart: &Element) -> Vec<&Element> {
    chart
        .descendants()
        .into_iter()
        .filter(|element| element.name == "g" && element.attribute("class") == Some("day"))
        .collect()
}

#[test]
fn svg_chart_is_accessible_xml_with_one_stacked_bar_per_day() {
    let chart = xml::parse(&render_svg_chart(&weekend_report()));

    assert_eq!(chart.name, "svg");
    assert_eq!(chart.attribute("xmlns"), Some("http://www.w3.org/2000/svg"));
    assert_eq!(chart.attribute("role"), Some("img"));
    assert_eq!(chart.attribute("viewBox"), Some("0 0 220 146"));
    assert_eq!(chart.attribute("width"), None, "sized by its viewBox alone");
    let label = "Pages per day, 2026-03-28 to 2026-03-30: 7 in all, 1 in working hours, 6 outside";
    assert_eq!(chart.attribute("aria-label"), Some(label));
    assert_eq!(chart.children[0].name, "title");
    assert_eq!(chart.children[0].text, label);
    for element in chart.descendants() {
        for (name, _) in &element.attributes {
            assert!(!name.contains("href"), "no external resources: {name}");
        }
        assert!(!["script", "style", "image", "foreignObject"].contains(&element.name.as_str()));
    }

    let days = day_groups(&chart);
    let dates: Vec<Option<&str>> = days.iter().map(|day| day.attribute("data-date")).collect();
    assert_eq!(
        dates,
        vec![Some("2026-03-28"), Some("2026-03-29"), Some("2026-03-30")]
    );
    // Bars are scaled to the busiest day (3 pages = 100 units); Monday's stack is one
    // working-hours page below two outside.
    let bars = |day: &Element| -> Vec<(String, String, String)> {
        day.children
            .iter()
            .filter(|child| child.name == "rect")
            .map(|rect| {
                (
                    rect.attribute("class").unwrap().to_owned(),
                    rect.attribute("y").unwrap().to_owned(),
                    rect.attribute("height").unwrap().to_owned(),
                )
            })
            .collect()
    };
    let owned = |rows: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
        rows.iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect()
    };
    assert_eq!(bars(days[0]), owned(&[("outside", "30.0", "100.0")]));
    assert_eq!(bars(days[1]), owned(&[("outside", "96.7", "33.3")]));
    assert_eq!(
        bars(days[2]),
        owned(&[("working", "96.7", "33.3"), ("outside", "30.0", "66.7")])
    );
    let texts = |day: &Element| -> Vec<String> {
        day.children
            .iter()
            .filter(|child| child.name == "text")
            .map(|text| text.text.clone())
            .collect()
    };
    assert_eq!(texts(days[1]), vec!["1", "29"]);
    assert_eq!(
        days[2].children[0].text,
        "Mon 2026-03-30: 3 pages, 1 in working hours, 2 outside, 1 sleep interruption"
    );
}

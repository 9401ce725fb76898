//! The report as CSV and as a text table for the terminal.

use std::fmt::Write as _;

use oncall_model::display_text;

use crate::figures::Report;

/// The header of [`Report::to_csv`].
pub const CSV_HEADER: &str = "date,pages,working_hours,outside_working_hours,sleep_interruptions";

impl Report {
    /// One row per local day under [`CSV_HEADER`]: the ISO date, the day's pages, those in
    /// and outside working hours, and the sleep interruptions that began that day. Lines
    /// end with `\n`.
    ///
    /// Written by hand rather than with the `csv` crate: every field is an ISO date or a
    /// count, so no field can ever need quoting, and a dependency would add nothing.
    pub fn to_csv(&self) -> String {
        let mut csv = String::from(CSV_HEADER);
        csv.push('\n');
        for day in &self.days {
            // Writing to a String cannot fail.
            let _ = writeln!(
                csv,
                "{},{},{},{},{}",
                day.date.format("%Y-%m-%d"),
                day.pages(),
                day.working_hours,
                day.outside_working_hours,
                day.sleep_interruptions
            );
        }
        csv
    }
}

/// The report as the terminal shows it (`oncall-tray report`): the per-day table, then
/// totals, time to acknowledge and the "most" lists. Text that came from a provider
/// (titles, services, ids) is cleaned with [`display_text`].
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let _ = match (report.days.first(), report.days.last()) {
        (Some(first), Some(last)) => writeln!(
            out,
            "On-call report {} – {} ({} {})",
            first.date.format("%Y-%m-%d"),
            last.date.format("%Y-%m-%d"),
            report.days.len(),
            plural(report.days.len(), "day", "days")
        ),
        _ => writeln!(out, "On-call report: the period is empty"),
    };
    out.push('\n');

    let _ = writeln!(
        out,
        "{:<10}  {:>7}  {:>7}  {:>5}  {:>5}",
        "Date", "Working", "Outside", "Total", "Sleep"
    );
    for day in &report.days {
        let _ = writeln!(
            out,
            "{:<10}  {:>7}  {:>7}  {:>5}  {:>5}",
            day.date.format("%Y-%m-%d").to_string(),
            day.working_hours,
            day.outside_working_hours,
            day.pages(),
            day.sleep_interruptions
        );
    }
    let totals = &report.totals;
    let _ = writeln!(
        out,
        "{:<10}  {:>7}  {:>7}  {:>5}  {:>5}",
        "Total",
        totals.working_hours,
        totals.outside_working_hours,
        totals.pages,
        totals.sleep_interruptions
    );
    out.push_str(
        "(Working/Outside: pages in and outside working hours; Sleep: sleep interruptions.)\n\n",
    );

    let _ = writeln!(
        out,
        "Pages: {} ({} high urgency, {} {}) for {} {}",
        totals.pages,
        totals.high_urgency_pages,
        totals.repeat_pages,
        plural(totals.repeat_pages, "repeat", "repeats"),
        totals.incidents,
        plural(totals.incidents, "incident", "incidents")
    );
    let _ = writeln!(
        out,
        "Sleep interruptions: {} ({} {} during sleep hours)",
        totals.sleep_interruptions,
        totals.pages_during_sleep,
        plural(totals.pages_during_sleep, "page", "pages")
    );
    let ack = &report.time_to_acknowledge;
    let percentiles = match (ack.p50_seconds, ack.p90_seconds) {
        (Some(p50), Some(p90)) => format!(
            "p50 {}, p90 {} over {} acknowledged by you",
            duration_text(p50),
            duration_text(p90),
            ack.acknowledged_by_me
        ),
        _ => "nothing acknowledged by you".to_owned(),
    };
    let _ = writeln!(
        out,
        "Time to acknowledge: {percentiles}; {} handled by others; {} not acknowledged",
        ack.handled_by_others, ack.unacknowledged
    );

    if !report.noisiest_services.is_empty() {
        out.push_str("\nNoisiest services\n");
        for service in &report.noisiest_services {
            let name = service
                .service
                .as_deref()
                .map_or_else(|| "(no service)".to_owned(), display_text);
            let _ = writeln!(out, "{:>5}  {name}", service.pages);
        }
    }
    if !report.incidents_that_rang_most.is_empty() {
        out.push_str("\nIncidents that rang most\n");
        for incident in &report.incidents_that_rang_most {
            let service = incident
                .service
                .as_deref()
                .map(|service| format!(" [{}]", display_text(service)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{:>5}  {}  {}{service}",
                incident.pages,
                display_text(&incident.incident.to_string()),
                display_text(&incident.title)
            );
        }
    }
    out
}

fn plural(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 {
        one
    } else {
        many
    }
}

/// `45s`, `4m 05s`, `2h 03m`.
pub(crate) fn duration_text(seconds: i64) -> String {
    match seconds {
        ..60 => format!("{seconds}s"),
        60..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::duration_text;

    #[test]
    fn durations_read_in_their_largest_two_units() {
        assert_eq!(duration_text(45), "45s");
        assert_eq!(duration_text(60), "1m 00s");
        assert_eq!(duration_text(245), "4m 05s");
        assert_eq!(duration_text(3599), "59m 59s");
        assert_eq!(duration_text(7380), "2h 03m");
    }
}

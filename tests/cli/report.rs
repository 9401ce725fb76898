//! `oncall-tray report`: the figures of a history file with known pages, as the table and
//! as CSV, and the errors of a bad `--days` and of a history that cannot be read.
//!
//! The history is written as the engine writes `history.jsonl` (one entry a line, see
//! crates/engine/src/history.rs), on days counted back from today, and read in UTC
//! (`TZ`), so the expected rows do not depend on when or where the test runs.

use chrono::{DateTime, Datelike as _, NaiveDate, TimeDelta, Utc, Weekday};
use oncall_tray_e2e::{Output, Sandbox};

use super::{assert_fails_with, assert_fails_with_code, assert_ok, USAGE_ERROR};

/// The history's days, counted back from today (UTC).
struct Days {
    today: NaiveDate,
    /// Six days ago, the first day of `--days 7`: two pages at night, one interruption.
    night: NaiveDate,
    /// The latest weekday of the five days before today: a page in working hours.
    workday: NaiveDate,
    /// Ten days ago: in `--days 14`, not in `--days 7`.
    older: NaiveDate,
}

impl Days {
    fn from_today() -> Days {
        let today = Utc::now().date_naive();
        let workday = (1..=5)
            .map(|back| today - TimeDelta::days(back))
            .find(|day| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
            .expect("five days in a row hold a weekday");
        Days {
            today,
            night: today - TimeDelta::days(6),
            workday,
            older: today - TimeDelta::days(10),
        }
    }
}

fn at(day: NaiveDate, time: &str) -> DateTime<Utc> {
    format!("{day}T{time}Z").parse().unwrap()
}

fn paged(at: DateTime<Utc>, id: &str, title: &str, service: &str, reason: &str) -> String {
    serde_json::json!({
        "at": at, "account": "work", "incident": id, "title": title,
        "event": "paged", "urgency": "high", "reason": reason, "service": service,
    })
    .to_string()
}

fn acknowledged(at: DateTime<Utc>, id: &str, result: &str) -> String {
    serde_json::json!({
        "at": at, "account": "work", "incident": id, "title": null,
        "event": "action", "kind": {"kind": "acknowledge"}, "result": result, "reason": null,
    })
    .to_string()
}

/// Writes `lines` as the data directory's `history.jsonl`.
fn write_history(sandbox: &Sandbox, lines: &[String]) {
    std::fs::create_dir_all(sandbox.data_dir()).unwrap();
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(sandbox.data_dir().join("history.jsonl"), text).unwrap();
}

/// Four pages of two incidents, one acknowledged 4 minutes after it rang:
/// - `night` 03:00 and its repeat at 03:10, acknowledged at 03:04 (confirmed 03:05);
/// - `workday` 10:00 (working hours: a weekday between 09:00 and 18:00);
/// - `older` 20:00 (outside working hours, before sleep), outside a 7-day report.
fn known_history(sandbox: &Sandbox, days: &Days) {
    write_history(
        sandbox,
        &[
            paged(
                at(days.older, "20:00:00"),
                "P3",
                "#3 Queue backlog",
                "Checkout",
                "new",
            ),
            paged(
                at(days.night, "03:00:00"),
                "P1",
                "#1 Disk full",
                "Storage",
                "new",
            ),
            acknowledged(at(days.night, "03:04:00"), "P1", "queued"),
            acknowledged(at(days.night, "03:05:00"), "P1", "confirmed"),
            paged(
                at(days.night, "03:10:00"),
                "P1",
                "#1 Disk full",
                "Storage",
                "repeat",
            ),
            paged(
                at(days.workday, "10:00:00"),
                "P2",
                "#2 Checkout down",
                "Checkout",
                "new",
            ),
        ],
    );
}

async fn report(sandbox: &Sandbox, args: &[&str]) -> Output {
    let mut command = vec!["report"];
    command.extend_from_slice(args);
    sandbox.run_with_env(&command, "", &[("TZ", "UTC")]).await
}

#[tokio::test]
async fn report_prints_the_figures_of_the_last_seven_days() {
    let sandbox = Sandbox::new();
    let days = Days::from_today();
    known_history(&sandbox, &days);

    let out = report(&sandbox, &["--days", "7"]).await;
    assert_ok(&out);
    let text = &out.stdout;
    assert!(
        text.starts_with(&format!(
            "On-call report {} – {} (7 days)\n",
            days.night, days.today
        )),
        "{text}"
    );
    // Date, in working hours, outside them, total, sleep interruptions.
    for line in [
        format!("{}        0        2      2      1", days.night),
        format!("{}        1        0      1      0", days.workday),
        "Total             1        2      3      1".to_owned(),
        "Pages: 3 (3 high urgency, 1 repeat) for 2 incidents".to_owned(),
        "Sleep interruptions: 1 (2 pages during sleep hours)".to_owned(),
        "Time to acknowledge: p50 4m 00s, p90 4m 00s over 1 acknowledged by you; \
         0 handled by others; 1 not acknowledged"
            .to_owned(),
        "    2  Storage".to_owned(),
        "    2  work/P1  #1 Disk full [Storage]".to_owned(),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in\n{text}"
        );
    }
    assert!(
        !text.contains("Queue backlog"),
        "ten days ago is not in 7 days:\n{text}"
    );

    let out = report(&sandbox, &[]).await;
    assert_ok(&out);
    assert_eq!(out.stdout, *text, "7 days is the default");
}

#[tokio::test]
async fn report_csv_prints_one_row_per_day() {
    let sandbox = Sandbox::new();
    let days = Days::from_today();
    known_history(&sandbox, &days);

    let out = report(&sandbox, &["--csv"]).await;
    assert_ok(&out);
    let expected: Vec<String> = std::iter::once(
        "date,pages,working_hours,outside_working_hours,sleep_interruptions".to_owned(),
    )
    .chain((0..7).rev().map(|back| {
        let day = days.today - TimeDelta::days(back);
        match day {
            _ if day == days.night => format!("{day},2,0,2,1"),
            _ if day == days.workday => format!("{day},1,1,0,0"),
            _ => format!("{day},0,0,0,0"),
        }
    }))
    .collect();
    assert_eq!(out.stdout.lines().collect::<Vec<_>>(), expected, "{out:#?}");

    let out = report(&sandbox, &["--days", "14", "--csv"]).await;
    assert_ok(&out);
    assert_eq!(out.stdout.lines().count(), 1 + 14);
    assert!(
        out.stdout
            .lines()
            .any(|l| l == format!("{},1,0,1,0", days.older)),
        "ten days ago is in 14 days:\n{}",
        out.stdout
    );
}

/// `[report]` in config.toml moves the working hours: the night pages become work.
#[tokio::test]
async fn report_counts_against_the_hours_of_config_toml() {
    let sandbox = Sandbox::new();
    let days = Days::from_today();
    known_history(&sandbox, &days);
    sandbox.write_config(
        "[report]\nworking_hours = \"02:00-04:00\"\n\
         working_days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]\n",
    );
    let out = report(&sandbox, &["--csv"]).await;
    assert_ok(&out);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines.contains(&format!("{},2,2,0,1", days.night).as_str()),
        "{out:#?}"
    );
    assert!(
        lines.contains(&format!("{},1,0,1,0", days.workday).as_str()),
        "{out:#?}"
    );
}

#[tokio::test]
async fn report_without_a_history_has_no_pages() {
    let sandbox = Sandbox::new();
    let out = report(&sandbox, &["--days", "1"]).await;
    assert_ok(&out);
    assert!(
        out.stdout.lines().any(|l| l.starts_with("Pages: 0 ")),
        "{out:#?}"
    );
}

#[tokio::test]
async fn report_refuses_a_number_of_days_outside_one_to_thirty() {
    let sandbox = Sandbox::new();
    for days in ["0", "31", "seven"] {
        let out = report(&sandbox, &["--days", days]).await;
        assert_fails_with_code(&out, USAGE_ERROR, "--days");
        assert!(out.stdout.is_empty(), "{out:#?}");
    }
    let out = report(&sandbox, &["--days", "31"]).await;
    assert!(out.stderr.contains("1..=30"), "{out:#?}");
}

#[tokio::test]
async fn report_of_a_damaged_history_says_which_file_and_fails() {
    let sandbox = Sandbox::new();
    let days = Days::from_today();
    write_history(
        &sandbox,
        &[
            paged(
                at(days.night, "03:00:00"),
                "P1",
                "#1 Disk full",
                "Storage",
                "new",
            ),
            "{\"at\": not json".to_owned(),
        ],
    );
    let out = report(&sandbox, &[]).await;
    let history = sandbox.data_dir().join("history.jsonl");
    assert_fails_with(
        &out,
        &format!(
            "cannot make the report: the history cannot be read: {} line 2 does not read",
            history.display()
        ),
    );
    assert!(out.stdout.is_empty(), "{out:#?}");
}

#[tokio::test]
async fn report_skips_a_last_line_torn_by_a_crash() {
    let sandbox = Sandbox::new();
    let days = Days::from_today();
    known_history(&sandbox, &days);
    let history = sandbox.data_dir().join("history.jsonl");
    let mut text = std::fs::read_to_string(&history).unwrap();
    text.push_str(&paged(at(days.today, "00:00:00"), "P9", "#9 Torn", "X", "new")[..40]);
    std::fs::write(&history, text).unwrap();

    let out = report(&sandbox, &["--csv"]).await;
    assert_ok(&out);
    assert!(
        out.stdout
            .lines()
            .any(|l| l == format!("{},2,0,2,1", days.night)),
        "{out:#?}"
    );
}

//! "My on-call report" for the window's Report tab and `oncall-tray report`: the
//! history turned into `oncall-report`'s figures over the last N local days, and the
//! CSV export into the user's download folder.
//!
//! The figures themselves are computed (and tested against hand-made tables) in
//! `oncall-report`; this module only picks the period, the settings and the time zone,
//! and decides where an export goes. The folder is always this module's choice, never
//! one from a request, the same rule as the log folder's.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, NaiveDate, Utc};
use oncall_engine::HistoryEntry;
use oncall_report::{build_report, render_svg_chart, Period, Report, ReportSettings};
use oncall_store::Config;
use serde::Serialize;

/// The longest report: as far back as the history reaches (`oncall_engine::HISTORY_SPAN`).
pub const MAX_DAYS: u32 = 30;

/// The report's length when none is asked for.
pub const DEFAULT_DAYS: u32 = 7;

/// The user's working and sleep hours for the report: `config.toml`'s `[report]` table.
pub fn settings(config: &Config) -> ReportSettings {
    config.report.clone()
}

/// `days` if a report can cover it, else why not, in words for the window.
pub fn check_days(days: u32) -> Result<u32, String> {
    if (1..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(format!(
            "a report covers 1 to {MAX_DAYS} days (the history keeps {MAX_DAYS}), not {days}"
        ))
    }
}

/// The last `days` local days up to `now`, today included.
pub fn period(now: DateTime<Utc>, days: u32) -> Result<Period, String> {
    let days = check_days(days)?;
    Period::last_days(now, days, &Local).map_err(|e| e.to_string())
}

/// The report of `period` from history `entries` (any span; those outside the period
/// are ignored), read in the machine's local time.
pub fn build(entries: &[HistoryEntry], period: &Period, settings: &ReportSettings) -> Report {
    build_report(
        &oncall_engine::on_call_log(entries),
        period,
        settings,
        &Local,
    )
}

/// What the Report tab shows: the figures, and the chart as SVG markup.
///
/// The chart is made by `oncall-report`, which escapes every text it draws; the page
/// still parses it as an SVG document, never as HTML.
#[derive(Debug, Serialize)]
pub struct ReportDto {
    pub days: u32,
    pub report: Report,
    pub chart_svg: String,
}

impl ReportDto {
    pub fn new(days: u32, report: Report) -> ReportDto {
        let chart_svg = render_svg_chart(&report);
        ReportDto {
            days,
            report,
            chart_svg,
        }
    }
}

/// Where a CSV export went, for the page to say.
#[derive(Debug, Serialize)]
pub struct ExportedCsv {
    pub file: String,
    pub folder: String,
}

/// Where exports go: the user's download folder, else their home folder.
pub fn export_folder() -> Option<PathBuf> {
    dirs::download_dir().or_else(dirs::home_dir)
}

/// `oncall-report-YYYY-MM-DD.csv`, named after the day it was made.
pub fn csv_file_name(today: NaiveDate) -> String {
    format!("oncall-report-{}.csv", today.format("%Y-%m-%d"))
}

/// Writes `report`'s CSV into `folder` (made if missing) as [`csv_file_name`] of
/// `today`. A second export the same day replaces the first: the same name, and the
/// newer figures. The file appears whole or not at all (written aside, then renamed).
pub fn write_csv(report: &Report, folder: &Path, today: NaiveDate) -> Result<ExportedCsv, String> {
    let path = folder.join(csv_file_name(today));
    let failed = |e: std::io::Error| format!("could not write {}: {e}", path.display());
    std::fs::create_dir_all(folder).map_err(failed)?;
    let mut file = tempfile::Builder::new()
        .prefix(".oncall-report-")
        .suffix(".csv.part")
        .tempfile_in(folder)
        .map_err(failed)?;
    file.write_all(report.to_csv().as_bytes()).map_err(failed)?;
    file.as_file().sync_all().map_err(failed)?;
    // Readable as a download is: the temporary file was made private to the user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = file
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    file.persist(&path).map_err(|e| failed(e.error))?;
    Ok(ExportedCsv {
        file: path.display().to_string(),
        folder: folder.display().to_string(),
    })
}

/// Writes the report's CSV into [`export_folder`].
pub fn export_csv(report: &Report, now: DateTime<Utc>) -> Result<ExportedCsv, String> {
    let folder = export_folder().ok_or("there is no download or home folder to write to")?;
    write_csv(report, &folder, now.with_timezone(&Local).date_naive())
}

/// Opens [`export_folder`] in the file manager. The folder is this module's choice, never
/// one from a request.
pub fn open_export_folder() -> Result<(), String> {
    let folder = export_folder().ok_or("there is no download or home folder")?;
    open::that_detached(&folder).map_err(|e| format!("could not open {}: {e}", folder.display()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn empty_report() -> Report {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
        let period = Period::new(now - chrono::TimeDelta::days(2), now).unwrap();
        build(&[], &period, &ReportSettings::default())
    }

    #[test]
    fn a_report_covers_one_to_thirty_days() {
        assert_eq!(check_days(1), Ok(1));
        assert_eq!(check_days(30), Ok(30));
        for days in [0, 31, u32::MAX] {
            let refused = check_days(days).unwrap_err();
            assert!(refused.contains("1 to 30 days"), "{refused}");
        }
    }

    #[test]
    fn the_longest_report_is_as_long_as_the_history() {
        assert_eq!(i64::from(MAX_DAYS), oncall_engine::HISTORY_SPAN.num_days());
    }

    #[test]
    fn the_csv_file_is_named_after_the_day() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(csv_file_name(day), "oncall-report-2026-03-09.csv");
    }

    #[test]
    fn an_export_writes_the_csv_into_a_missing_folder_and_replaces_the_same_days() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("Downloads");
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let report = empty_report();

        let exported = write_csv(&report, &folder, day).unwrap();
        let path = folder.join("oncall-report-2026-12-06.csv");
        assert_eq!(exported.file, path.display().to_string());
        assert_eq!(exported.folder, folder.display().to_string());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), report.to_csv());

        std::fs::write(&path, "older").unwrap();
        write_csv(&report, &folder, day).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), report.to_csv());
        let names: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            ["oncall-report-2026-12-06.csv"],
            "nothing left aside"
        );
    }

    #[test]
    fn an_export_that_cannot_be_written_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let not_a_folder = dir.path().join("file");
        std::fs::write(&not_a_folder, "").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let refused = write_csv(&empty_report(), &not_a_folder, day).unwrap_err();
        assert!(
            refused.starts_with(&format!("could not write {}", not_a_folder.display())),
            "{refused}"
        );
    }
}

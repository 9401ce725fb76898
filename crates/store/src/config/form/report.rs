//! The `[report]` form: the user's hours ("Your hours" in Settings), which the on-call
//! report counts pages against.

use std::path::Path;

use oncall_report::ReportSettings;
use serde::{Deserialize, Serialize};
use toml_edit::{value, Array, DocumentMut, Item, Table};

use crate::atomic::write_private;
use crate::config::edit::{document, read};
use crate::config::validate::WEEKDAYS;
use crate::config::{Config, ConfigError};

/// The `[report]` table as the Settings form shows it, in the file's own notation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportForm {
    /// `"HH:MM-HH:MM"`, start before end: `"09:00-18:00"`.
    pub working_hours: String,
    /// `"mon"` … `"sun"`, in week order.
    pub working_days: Vec<String>,
    /// `"HH:MM-HH:MM"`, may run through midnight: `"22:00-07:00"`.
    pub sleep_hours: String,
}

impl ReportForm {
    /// The form of the `[report]` table as the config has it.
    pub fn from_config(report: &ReportSettings) -> ReportForm {
        let range = |start: chrono::NaiveTime, end: chrono::NaiveTime| {
            format!("{}-{}", start.format("%H:%M"), end.format("%H:%M"))
        };
        let working = &report.working_hours;
        ReportForm {
            working_hours: range(working.start(), working.end()),
            working_days: WEEKDAYS
                .iter()
                .filter(|(_, weekday)| working.weekdays().contains(weekday))
                .map(|(name, _)| name.to_string())
                .collect(),
            sleep_hours: range(report.sleep_hours.start(), report.sleep_hours.end()),
        }
    }
}

/// Replaces the keys of `[report]`, creating the table above the accounts.
pub fn save_report(path: &Path, form: &ReportForm) -> Result<(), ConfigError> {
    let refused = |source| ConfigError::EditRefused {
        action: "your hours were not changed".into(),
        source: Box::new(source),
    };
    let existing = read(path)?;
    let text = existing.as_deref().unwrap_or_default();
    let mut doc: DocumentMut = document(text, path).map_err(refused)?;
    if !doc.contains_key("report") {
        insert_above_accounts(&mut doc, "report", Table::new());
    }
    let Some(table) = doc["report"].as_table_mut() else {
        return Err(refused(ConfigError::Parse {
            path: path.to_path_buf(),
            message: "report must be a [report] table".into(),
        }));
    };
    table.insert("working_hours", value(form.working_hours.trim()));
    let days = form.working_days.iter().map(|day| day.trim());
    table.insert("working_days", value(Array::from_iter(days)));
    table.insert("sleep_hours", value(form.sleep_hours.trim()));
    let new_text = doc.to_string();
    Config::parse(&new_text, path).map_err(refused)?;
    write_private(path, new_text.as_bytes())?;
    Ok(())
}

/// Inserts `table` as `[name]` just above the first `[[accounts]]` table (at the end
/// when there is none), where config.example.toml has the settings tables. toml_edit
/// writes tables in the order of their positions, so every table from the first
/// account on moves one down to make room.
fn insert_above_accounts(doc: &mut DocumentMut, name: &str, mut table: Table) {
    let first_account = doc
        .get("accounts")
        .and_then(Item::as_array_of_tables)
        .and_then(|accounts| accounts.iter().filter_map(Table::position).min());
    if let Some(first) = first_account {
        for (_, item) in doc.as_table_mut().iter_mut() {
            shift_tables(item, first);
        }
        table.set_position(first);
    }
    doc.insert(name, Item::Table(table));
}

/// Moves every table in `item` at position `from` or later one position down.
fn shift_tables(item: &mut Item, from: isize) {
    let shift = |table: &mut Table| {
        if let Some(position) = table.position().filter(|&p| p >= from) {
            table.set_position(position + 1);
        }
        for (_, item) in table.iter_mut() {
            shift_tables(item, from);
        }
    };
    match item {
        Item::Table(table) => shift(table),
        Item::ArrayOfTables(tables) => tables.iter_mut().for_each(shift),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use chrono::{NaiveTime, Weekday};

    use super::*;

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn the_default_hours_round_trip_through_the_form() {
        let form = ReportForm::from_config(&ReportSettings::default());
        assert_eq!(
            form,
            ReportForm {
                working_hours: "09:00-18:00".into(),
                working_days: ["mon", "tue", "wed", "thu", "fri"].map(String::from).into(),
                sleep_hours: "22:00-07:00".into(),
            }
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        save_report(&path, &form).unwrap();
        assert_eq!(
            Config::load(&path).unwrap().report,
            ReportSettings::default()
        );
    }

    #[test]
    fn hours_are_written_between_notifications_and_accounts_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# mine\n[notifications]\nstorm_threshold = 4\n\n\
                        # the work account\n[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\n\
                        [accounts.filter]\nurgencies = [\"high\"]\n\n\
                        [[accounts]]\nname = \"ops\"\nprovider = \"opsgenie\"\n";
        fs::write(&path, original).unwrap();
        let form = ReportForm {
            working_hours: "08:30-17:00".into(),
            working_days: vec!["sat".into(), "sun".into()],
            sleep_hours: "23:00-06:30".into(),
        };
        save_report(&path, &form).unwrap();

        let text = fs::read_to_string(&path).unwrap();
        let at = |needle: &str| text.find(needle).unwrap();
        assert!(text.starts_with("# mine\n[notifications]"), "{text}");
        assert!(at("[notifications]") < at("[report]"), "{text}");
        assert!(at("[report]") < at("# the work account"), "{text}");
        assert!(at("name = \"work\"") < at("[accounts.filter]"), "{text}");
        assert!(at("[accounts.filter]") < at("name = \"ops\""), "{text}");
        let config = Config::load(&path).unwrap();
        assert_eq!(config.notifications.storm_threshold, 4);
        assert_eq!(config.accounts.len(), 2);
        let report = &config.report;
        assert_eq!(report.working_hours.start(), time(8, 30));
        assert_eq!(report.working_hours.end(), time(17, 0));
        assert_eq!(
            report.working_hours.weekdays(),
            [Weekday::Sat, Weekday::Sun]
        );
        assert_eq!(report.sleep_hours.start(), time(23, 0));
        assert_eq!(report.sleep_hours.end(), time(6, 30));
        assert_eq!(ReportForm::from_config(report), form);

        // A second save changes the table in place.
        let weekdays = ReportForm {
            working_days: vec!["mon".into()],
            ..form
        };
        save_report(&path, &weekdays).unwrap();
        let again = fs::read_to_string(&path).unwrap();
        assert_eq!(again.matches("[report]").count(), 1, "{again}");
        assert_eq!(
            Config::load(&path).unwrap().report.working_hours.weekdays(),
            [Weekday::Mon]
        );
    }

    #[test]
    fn hours_go_above_the_first_account_of_a_file_without_notifications() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original =
            "# the work account\n[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\n";
        fs::write(&path, original).unwrap();
        save_report(&path, &ReportForm::from_config(&ReportSettings::default())).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("[report]\n"), "{text}");
        assert!(text.ends_with(original), "{text}");
    }

    #[test]
    fn a_bad_form_writes_nothing_and_names_each_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "# mine\n").unwrap();
        let bad = ReportForm {
            working_hours: "18:00-09:00".into(),
            working_days: vec!["mon".into(), "funday".into()],
            sleep_hours: "7".into(),
        };
        let err = save_report(&path, &bad).unwrap_err();
        let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "report.working_days[1]",
                "report.working_hours",
                "report.sleep_hours"
            ]
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "# mine\n");
    }
}

//! Where oncall-tray keeps its files.
//!
//! The platform's conventions decide by default (`~/.config/oncall-tray` and
//! `~/.local/share/oncall-tray` on Linux, `~/Library/Application Support/oncall-tray` on
//! macOS, `%APPDATA%\oncall-tray\{config,data}` on Windows), and for the log
//! ([`log_dir_from_env`]) the place for state a person may want to look at
//! (`~/.local/state/oncall-tray`, `~/Library/Logs/oncall-tray`,
//! `%LOCALAPPDATA%\oncall-tray\logs`). Environment variables override each of them, so
//! tests, demo mode and a second profile can run without touching the user's real files.
//! The variables are read through a lookup function, so tests pass their own instead of
//! changing the process environment, which is shared by every test thread.

use std::ffi::OsString;
use std::path::PathBuf;

use directories::ProjectDirs;

use crate::StoreError;

/// Overrides the directory holding `config.toml`.
pub const CONFIG_DIR_VAR: &str = "ONCALL_TRAY_CONFIG_DIR";
/// Overrides the directory holding the app's state files.
pub const DATA_DIR_VAR: &str = "ONCALL_TRAY_DATA_DIR";
/// Overrides the directory holding the app's log files.
pub const LOG_DIR_VAR: &str = "ONCALL_TRAY_LOG_DIR";

/// The two directories of oncall-tray. Neither is created here: writers create what
/// they need on first save (see [`crate::json_file::save`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    /// Holds `config.toml`, which the user edits and may keep in a dotfiles repository.
    pub config_dir: PathBuf,
    /// Holds files the app writes for itself (`state.json`, `actions.json`); safe to
    /// delete when the app is not running.
    pub data_dir: PathBuf,
}

impl Dirs {
    /// The directories for this process: the override variables, else the platform's
    /// conventional places.
    pub fn from_env() -> Result<Dirs, StoreError> {
        Dirs::from_lookup(|name| std::env::var_os(name))
    }

    /// Like [`Dirs::from_env`], reading variables through `lookup`. An empty value
    /// counts as unset; a relative path is refused.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Dirs, StoreError> {
        let config_dir = override_dir(&lookup, CONFIG_DIR_VAR)?;
        let data_dir = override_dir(&lookup, DATA_DIR_VAR)?;
        if let (Some(config_dir), Some(data_dir)) = (&config_dir, &data_dir) {
            // No need for a home directory at all.
            return Ok(Dirs {
                config_dir: config_dir.clone(),
                data_dir: data_dir.clone(),
            });
        }
        let project = ProjectDirs::from("", "", "oncall-tray").ok_or(StoreError::NoHomeDir {
            config_var: CONFIG_DIR_VAR,
            data_var: DATA_DIR_VAR,
        })?;
        Ok(Dirs {
            config_dir: config_dir.unwrap_or_else(|| project.config_dir().to_path_buf()),
            data_dir: data_dir.unwrap_or_else(|| project.data_dir().to_path_buf()),
        })
    }

    /// The user's configuration (see `config.example.toml`).
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// What the app remembers between runs (seen incidents, snoozes, …).
    pub fn state_file(&self) -> PathBuf {
        self.data_dir.join("state.json")
    }

    /// Actions (acknowledge, resolve, …) queued while a service could not be reached.
    pub fn actions_file(&self) -> PathBuf {
        self.data_dir.join("actions.json")
    }

    /// Pages and actions of the last 30 days, for the window's History tab, "what you
    /// missed" and the on-call report: JSON Lines, appended to (see
    /// [`crate::json_lines`]).
    pub fn history_file(&self) -> PathBuf {
        self.data_dir.join("history.jsonl")
    }

    /// Where versions before the 30-day history kept the last 24 hours, rewritten whole
    /// on every change; read once, migrated into [`Dirs::history_file`] and removed.
    pub fn legacy_history_file(&self) -> PathBuf {
        self.data_dir.join("history.json")
    }

    /// The desktop notifications on screen and what their buttons do, so that a press
    /// on one shown before a restart still works after it.
    pub fn notifications_file(&self) -> PathBuf {
        self.data_dir.join("notifications.json")
    }

    /// Locked by the process that runs the engine on this data directory (see
    /// [`crate::DataDirLock`]).
    pub fn lock_file(&self) -> PathBuf {
        self.data_dir.join("oncall-tray.lock")
    }

    /// The services muted for a while (see [`crate::mutes`]): written by the engine and
    /// by the CLI while the app runs.
    pub fn mutes_file(&self) -> PathBuf {
        self.data_dir.join("mutes.json")
    }

    /// Held for the moment it takes to read, change and write [`Dirs::mutes_file`], so
    /// that the app and the CLI never lose each other's change.
    pub fn mutes_lock_file(&self) -> PathBuf {
        self.data_dir.join("mutes.lock")
    }
}

/// The directory of the app's log files for this process: [`LOG_DIR_VAR`], else the
/// platform's place (see the module's documentation). Not created here: the logger does
/// that, private to the user.
///
/// Apart from [`Dirs`] because only the tray app and `--headless` keep a log, and the
/// log belongs to the user's session rather than to one data directory: a tiny or
/// read-only data directory must not also cost the record of what went wrong.
pub fn log_dir_from_env() -> Result<PathBuf, StoreError> {
    log_dir_from_lookup(|name| std::env::var_os(name))
}

/// Like [`log_dir_from_env`], reading variables through `lookup`. An empty value counts
/// as unset; a relative path is refused.
pub fn log_dir_from_lookup(
    lookup: impl Fn(&str) -> Option<OsString>,
) -> Result<PathBuf, StoreError> {
    if let Some(dir) = override_dir(&lookup, LOG_DIR_VAR)? {
        return Ok(dir);
    }
    let project = ProjectDirs::from("", "", "oncall-tray")
        .ok_or(StoreError::NoLogDir { var: LOG_DIR_VAR })?;
    // Linux and the BSDs: `$XDG_STATE_HOME/oncall-tray`, which the XDG spec names for
    // logs ("actions history (logs, history, recently used files, …)").
    if let Some(state) = project.state_dir() {
        return Ok(state.to_path_buf());
    }
    Ok(other_platform_log_dir(&project))
}

/// macOS: where Console.app looks for a user's logs.
#[cfg(target_os = "macos")]
fn other_platform_log_dir(project: &ProjectDirs) -> PathBuf {
    match directories::BaseDirs::new() {
        Some(base) => base.home_dir().join("Library/Logs/oncall-tray"),
        None => project.data_local_dir().join("logs"),
    }
}

/// Windows: `%LOCALAPPDATA%\oncall-tray\logs`, beside the data (`…\oncall-tray\data`),
/// in the local profile because logs should not roam.
#[cfg(not(target_os = "macos"))]
fn other_platform_log_dir(project: &ProjectDirs) -> PathBuf {
    let local = project.data_local_dir();
    local.parent().unwrap_or(local).join("logs")
}

fn override_dir(
    lookup: &impl Fn(&str) -> Option<OsString>,
    var: &'static str,
) -> Result<Option<PathBuf>, StoreError> {
    match lookup(var) {
        None => Ok(None),
        Some(value) if value.is_empty() => Ok(None),
        Some(value) => {
            let path = PathBuf::from(value);
            if path.is_absolute() {
                Ok(Some(path))
            } else {
                Err(StoreError::RelativeDir { var, value: path })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn dirs_with(vars: &[(&str, &str)]) -> Result<Dirs, StoreError> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        Dirs::from_lookup(|k| vars.get(k).cloned())
    }

    fn abs(path: &str) -> PathBuf {
        // An absolute path on every platform: a temp dir joined with `path`.
        std::env::temp_dir().join(path)
    }

    #[test]
    fn both_overrides_win_and_name_the_files() {
        let config = abs("cfg");
        let data = abs("data");
        let dirs = dirs_with(&[
            (CONFIG_DIR_VAR, config.to_str().unwrap()),
            (DATA_DIR_VAR, data.to_str().unwrap()),
        ])
        .unwrap();
        assert_eq!(dirs.config_dir, config);
        assert_eq!(dirs.data_dir, data);
        assert_eq!(dirs.config_file(), config.join("config.toml"));
        assert_eq!(dirs.state_file(), data.join("state.json"));
        assert_eq!(dirs.actions_file(), data.join("actions.json"));
    }

    #[test]
    fn one_override_keeps_the_platform_default_for_the_other() {
        let data = abs("only-data");
        let dirs = dirs_with(&[(DATA_DIR_VAR, data.to_str().unwrap())]).unwrap();
        assert_eq!(dirs.data_dir, data);
        // macOS puts config and data in one `oncall-tray` directory and Windows adds a
        // `config` component below it; every platform has an `oncall-tray` component.
        assert!(dirs
            .config_dir
            .components()
            .any(|c| c.as_os_str() == "oncall-tray"));
    }

    #[test]
    fn without_overrides_the_platform_dirs_are_used() {
        let dirs = dirs_with(&[]).unwrap();
        let project = ProjectDirs::from("", "", "oncall-tray").unwrap();
        assert_eq!(dirs.config_dir, project.config_dir());
        assert_eq!(dirs.data_dir, project.data_dir());
    }

    #[test]
    fn empty_override_counts_as_unset() {
        assert_eq!(
            dirs_with(&[(CONFIG_DIR_VAR, "")]).unwrap(),
            dirs_with(&[]).unwrap()
        );
    }

    fn log_dir_with(vars: &[(&str, &str)]) -> Result<PathBuf, StoreError> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        log_dir_from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn the_log_dir_override_wins_and_must_be_absolute() {
        let logs = abs("logs");
        assert_eq!(
            log_dir_with(&[(LOG_DIR_VAR, logs.to_str().unwrap())]).unwrap(),
            logs
        );
        assert_eq!(
            log_dir_with(&[(LOG_DIR_VAR, "logs")])
                .unwrap_err()
                .to_string(),
            r#"ONCALL_TRAY_LOG_DIR = "logs" must be an absolute path"#
        );
        assert_eq!(
            log_dir_with(&[(LOG_DIR_VAR, "")]).unwrap(),
            log_dir_with(&[]).unwrap()
        );
    }

    /// The data directory's override does not move the log: a second profile's data
    /// stays apart, its log beside the user's (the tray app and `--headless` write
    /// files of their own names there).
    #[test]
    fn the_log_dir_is_the_platforms_whatever_the_data_dir() {
        let data = abs("data");
        let dir = log_dir_with(&[(DATA_DIR_VAR, data.to_str().unwrap())]).unwrap();
        assert_eq!(dir, log_dir_with(&[]).unwrap());
        assert!(dir.components().any(|c| c.as_os_str() == "oncall-tray"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_the_log_dir_is_the_xdg_state_dir() {
        let project = ProjectDirs::from("", "", "oncall-tray").unwrap();
        let dir = log_dir_with(&[]).unwrap();
        assert_eq!(Some(dir.as_path()), project.state_dir());
        assert!(
            dir.ends_with(".local/state/oncall-tray")
                || std::env::var_os("XDG_STATE_HOME")
                    .is_some_and(|state| dir == PathBuf::from(state).join("oncall-tray")),
            "{}",
            dir.display()
        );
    }

    #[test]
    fn relative_override_is_refused_with_the_variable_name() {
        let err = dirs_with(&[(CONFIG_DIR_VAR, "conf")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"ONCALL_TRAY_CONFIG_DIR = "conf" must be an absolute path"#
        );
    }
}

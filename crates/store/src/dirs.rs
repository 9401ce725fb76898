//! Where oncall-tray keeps its files.
//!
//! The platform's conventions decide by default (`~/.config/oncall-tray` and
//! `~/.local/share/oncall-tray` on Linux, `~/Library/Application Support/oncall-tray` on
//! macOS, `%APPDATA%\oncall-tray\{config,data}` on Windows). Two environment variables
//! override them, so tests, demo mode and a second profile can run without touching the
//! user's real files. The variables are read through a lookup function, so tests pass
//! their own instead of changing the process environment, which is shared by every test
//! thread.

use std::ffi::OsString;
use std::path::PathBuf;

use directories::ProjectDirs;

use crate::StoreError;

/// Overrides the directory holding `config.toml`.
pub const CONFIG_DIR_VAR: &str = "ONCALL_TRAY_CONFIG_DIR";
/// Overrides the directory holding the app's state files.
pub const DATA_DIR_VAR: &str = "ONCALL_TRAY_DATA_DIR";

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

    /// Pages and actions of the last 24 hours, for the window's History tab.
    pub fn history_file(&self) -> PathBuf {
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

    #[test]
    fn relative_override_is_refused_with_the_variable_name() {
        let err = dirs_with(&[(CONFIG_DIR_VAR, "conf")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"ONCALL_TRAY_CONFIG_DIR = "conf" must be an absolute path"#
        );
    }
}

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::StoreError;

/// One wrong value in `config.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where it is, as a key path: `accounts[0].poll_interval_seconds`,
    /// `notifications.low_urgency`, or `line 7` when the file is not parsed yet.
    pub key: String,
    /// The whole sentence for the user, starting with the key and saying what is
    /// allowed: `accounts[0] (work): poll_interval_seconds = 1 is too short: the
    /// minimum is 2 seconds`.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why `config.toml` could not be loaded or changed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read (permissions, not UTF-8, …).
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },

    /// Not TOML, or a key or value of the wrong kind (an unknown key, a string where a
    /// number belongs). `message` is toml's, with the line and column.
    #[error("{} could not be read: {message}", path.display())]
    Parse { path: PathBuf, message: String },

    /// Values that are not allowed. All of them, not only the first.
    #[error("{} has {}:\n{}", path.display(), count(problems.len()), list(problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },

    /// `add_account` with a name the file already has.
    #[error("an account named {name:?} already exists in {}: choose another name, or remove it first with `oncall-tray account remove {name}`", path.display())]
    AccountExists { path: PathBuf, name: String },

    /// An edit was refused because the file would not be valid afterwards; the file
    /// was not written.
    #[error("{action}: nothing was written.\n{source}")]
    EditRefused {
        /// What was attempted, e.g. `account "work" was not added`.
        action: String,
        source: Box<ConfigError>,
    },

    /// The edited file could not be saved; the previous version is intact.
    #[error(transparent)]
    Save(#[from] StoreError),
}

impl ConfigError {
    /// The individual problems, when the error is about values.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems, .. } => problems,
            ConfigError::EditRefused { source, .. } => source.problems(),
            _ => &[],
        }
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 problem".to_string()
    } else {
        format!("{n} problems")
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

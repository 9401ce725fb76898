//! `config.toml`: what the user tells oncall-tray.
//!
//! Reading happens in two steps, as in ripgrep's low-level/high-level arguments: serde
//! reads the file into a `RawConfig` where every key is optional and every value is a
//! plain string or number, then `validate` turns it into a [`Config`] in which every
//! value has been checked and every default filled in. The split is what lets a bad
//! file be reported in full, one sentence per problem naming the key and what is
//! allowed, instead of serde's first complaint.
//!
//! Before any of that, the text is searched for credential-looking keys (`token`,
//! `password`, …): tokens never go in this file, and error messages must not quote one.
//!
//! A missing file is not an error: it is the empty configuration, so a first start can
//! show "no accounts yet" instead of failing. [`add_account`] and [`remove_account`]
//! edit the file for the CLI, keeping the user's comments and layout.

mod edit;
mod error;
mod form;
mod migrate;
mod model;
mod noise;
mod raw;
mod secrets;
mod validate;

use std::fs;
use std::io;
use std::path::Path;

pub use edit::{add_account, remove_account, NewAccount};
pub use error::{ConfigError, Problem};
pub use form::{
    save_account, save_notifications, save_report, AccountForm, FormError, NotificationsForm,
    QuietHoursForm, ReportForm,
};
pub use migrate::{migrate_to_jsm, plan_jsm_move, JsmMove, JsmMovePlan, OPSGENIE_END};
pub use model::{
    valid_account_name, AccountConfig, AlarmSettings, AlertmanagerAccount, AlertmanagerAuth,
    AuthScheme, Config, GrafanaOnCallAccount, JsmAccount, OpsgenieAccount, OpsgenieRegion,
    PagerDutyAccount, PagerDutyFilter, ProviderConfig, Region, Sound, UnknownRegion,
    ACCOUNT_NAME_RULE, ATLASSIAN_API, DEFAULT_ACK_DURATION, DEFAULT_ACK_MAX_DURATION,
    DEFAULT_HIGH_PRIORITIES, DEFAULT_OPSGENIE_QUERY, DEFAULT_POLL_INTERVAL, DEFAULT_SEVERITY_HIGH,
    DEFAULT_SHIFT_REMINDER, DEFAULT_SOUND_HIGH, MAX_ACK_DURATION, MAX_ACK_MAX_DURATION,
    MAX_ALARM_REPEAT, MAX_POLL_INTERVAL, MAX_SHIFT_REMINDER, MIN_ACK_DURATION, MIN_POLL_INTERVAL,
};
pub(crate) use noise::same_name;
pub use noise::{NoiseRules, TitlePattern, MAX_PATTERN_BYTES};

impl Config {
    /// Reads and validates the file at `path`. A missing file gives
    /// [`Config::default()`]: default notification settings and no accounts.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        match fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Validates `text`; `path` is used in error messages and to resolve relative paths
    /// (`ca_file`, `client_cert`), which must name readable files.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |problems| ConfigError::Invalid {
            path: path.to_path_buf(),
            problems,
        };
        let parse_error = |err: toml::de::Error| ConfigError::Parse {
            path: path.to_path_buf(),
            message: err.to_string(),
        };

        let secret_lines = secrets::scan_lines(text);
        if !secret_lines.is_empty() {
            return Err(invalid(secret_lines));
        }
        let table: toml::Table = toml::from_str(text).map_err(parse_error)?;
        let secret_keys = secrets::scan_table(&table);
        if !secret_keys.is_empty() {
            return Err(invalid(secret_keys));
        }
        // Parsed again from the text rather than from `table`, so that unknown keys and
        // wrong types are reported with their line and column.
        let raw: raw::RawConfig = toml::from_str(text).map_err(parse_error)?;
        // Relative paths in the file (`ca_file`, `client_cert`) start from its directory.
        let dir = path.parent().unwrap_or(Path::new(""));
        validate::validate(raw, dir).map_err(invalid)
    }
}

//! Everything oncall-tray keeps on disk: where it lives ([`Dirs`]), the user's
//! configuration ([`Config`], read from `config.toml` and edited by the CLI), the
//! app's own state files ([`json_file`], and [`json_lines`] for the history) and the
//! lock that keeps one engine per data directory ([`DataDirLock`]), and the services
//! muted for a while ([`mutes`], changed safely by the app and the CLI at once).
//!
//! Two things are deliberately absent. Secrets: tokens live in the system keychain or
//! come from an account's `token_command`, and `config.toml` refuses any key that looks
//! like one. And everything above the file system: this crate does no networking and
//! knows nothing about tauri, so the CLI, the engine and the tray all read the same
//! files the same way.

mod atomic;
pub mod config;
pub mod dirs;
mod error;
pub mod json_file;
pub mod json_lines;
mod lock;
pub mod mutes;
pub mod notices;

pub use config::{
    add_account, migrate_to_jsm, plan_jsm_move, remove_account, save_account, save_notifications,
    save_report, valid_account_name, AccountConfig, AccountForm, AlarmSettings,
    AlertmanagerAccount, AlertmanagerAuth, AuthScheme, Config, ConfigError, FormError,
    GrafanaOnCallAccount, JsmAccount, JsmMove, JsmMovePlan, NewAccount, NoiseRules,
    NotificationsForm, OpsgenieAccount, OpsgenieRegion, PagerDutyAccount, PagerDutyFilter, Problem,
    ProviderConfig, QuietHoursForm, Region, ReportForm, Sound, TitlePattern, UnknownRegion,
    ACCOUNT_NAME_RULE, ATLASSIAN_API, DEFAULT_SHIFT_REMINDER, OPSGENIE_END,
};
pub use dirs::Dirs;
pub use error::StoreError;
pub use json_file::Loaded;
pub use lock::{DataDirLock, LockError};

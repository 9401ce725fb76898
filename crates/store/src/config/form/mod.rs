//! The window's Settings forms, and how they are written into `config.toml`: an
//! account added or edited, the `[notifications]` table. Same rules as
//! [`super::add_account`]: comments and keys the form does not show are kept, the
//! result must validate, and nothing is written otherwise.
//!
//! [`AccountForm`] and [`NotificationsForm`] are also what the window sends and
//! receives, as JSON (`ui/src/types.ts` mirrors them): one shape from the page to the
//! file, so a field cannot be added on one side only.
//!
//! A form owns a fixed set of keys per provider ([`AccountForm`]'s fields). Those are
//! set, or removed when the form leaves them empty (so the default applies); every
//! other key of the table (`auth`, `token_command`, `ack_hours`, `ca_file`, …) stays as
//! the user wrote it.

mod account;
mod notifications;
mod report;

pub use account::{save_account, AccountForm, FormError};
pub use notifications::{save_notifications, NotificationsForm, QuietHoursForm};
pub use report::{save_report, ReportForm};

/// A number as TOML writes it; out of i64's range is far above every maximum, so
/// validation reports it.
fn whole(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

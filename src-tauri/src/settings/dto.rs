//! What the Settings screen sends and receives: shapes designed for the form, never
//! provider JSON and never a token (only whether one is stored). The forms themselves
//! are `oncall-store`'s ([`AccountForm`], [`NotificationsForm`], [`ReportForm`]): the
//! page's JSON and what is written to `config.toml` are one type. `ui/src/types.ts`
//! mirrors these.

pub use oncall_store::{AccountForm, NotificationsForm, ReportForm};
use oncall_store::{ConfigError, FormError};
use serde::Serialize;

/// Whether the account has a token, in the terms the form shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    /// Stored in the keychain.
    Set,
    NotSet,
    /// The service refused the one in use.
    Rejected,
    /// The account's `token_command` provides it.
    Command,
    /// The account authenticates without one (Alertmanager with `auth = "none"`).
    NotNeeded,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountSettings {
    #[serde(flatten)]
    pub draft: AccountForm,
    pub token: TokenState,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettingsDto {
    pub accounts: Vec<AccountSettings>,
    pub notifications: NotificationsForm,
    /// "Your hours": the `[report]` table.
    pub report: ReportForm,
    /// `None` where start-at-login cannot be read (no autostart support).
    pub autostart: Option<bool>,
    /// Where the settings are kept, for people who prefer a text editor.
    pub config_file: String,
    /// What the user should do soon, shown above the accounts (see `settings::notices`).
    pub notices: Vec<Notice>,
}

/// A notice at the top of Settings, with a Dismiss.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// Stable: what `dismiss_notice` remembers (`opsgenie-end`).
    pub id: String,
    /// One or two plain sentences.
    pub text: String,
    /// The account the notice's button is about (the Opsgenie account to move).
    pub account: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    /// A draft field name, or "" for the form as a whole.
    pub field: String,
    pub message: String,
}

/// A field the form refused before anything was written (a bad name or region).
impl From<FormError> for FieldError {
    fn from(e: FormError) -> FieldError {
        FieldError {
            field: e.field.into(),
            message: e.message,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SaveResult {
    Saved {
        ok: True,
        /// Boxed: the settings are far larger than a refusal.
        settings: Box<SettingsDto>,
    },
    Refused {
        ok: False,
        message: String,
        errors: Vec<FieldError>,
    },
}

/// `true` in JSON, so the page can switch on `ok`.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(into = "bool")]
pub struct True;
/// `false` in JSON.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(into = "bool")]
pub struct False;

impl From<True> for bool {
    fn from(_: True) -> bool {
        true
    }
}
impl From<False> for bool {
    fn from(_: False) -> bool {
        false
    }
}

impl SaveResult {
    pub fn saved(settings: SettingsDto) -> SaveResult {
        SaveResult::Saved {
            ok: True,
            settings: Box::new(settings),
        }
    }

    pub fn refused(message: impl Into<String>, errors: Vec<FieldError>) -> SaveResult {
        SaveResult::Refused {
            ok: False,
            message: message.into(),
            errors,
        }
    }

    /// A config edit that was refused: one inline message per problem, on the field
    /// its key names.
    pub fn from_config_error(e: &ConfigError) -> SaveResult {
        let mut errors: Vec<FieldError> = e
            .problems()
            .iter()
            .map(|p| FieldError {
                field: field_of(&p.key),
                message: strip_account_prefix(&p.message),
            })
            .collect();
        if let ConfigError::AccountExists { name, .. } = e {
            errors.push(FieldError {
                field: "name".into(),
                message: format!("an account named {name:?} already exists: choose another name"),
            });
        }
        let message = if errors.is_empty() {
            e.to_string()
        } else {
            "Nothing was saved: please correct the highlighted fields.".to_string()
        };
        SaveResult::refused(message, errors)
    }
}

/// The form field a config key belongs to: `accounts[0].filter.team_ids` → `team_ids`,
/// `notifications.quiet_hours.start` → `quiet_hours`, `report.working_days[1]` →
/// `working_days`, an Alertmanager `filter` → `matchers`, `auth` → `basic_user`.
/// Unknown keys go to the whole form ("").
pub fn field_of(key: &str) -> String {
    let rest = match key.split_once("].") {
        Some((_, rest)) => rest,
        None => key
            .strip_prefix("notifications.")
            .or_else(|| key.strip_prefix("report."))
            .unwrap_or(""),
    };
    let rest = rest.strip_prefix("filter.").unwrap_or(rest);
    if rest.starts_with("filter[") {
        return "matchers".into(); // Alertmanager's list of label matchers.
    }
    let field = rest.split(['.', '[']).next().unwrap_or("");
    match field {
        // PagerDuty's filter table as a whole: what `assigned_to_me` decides.
        "filter" => "assigned_to_me".into(),
        "auth" => "basic_user".into(),
        "poll_interval_seconds"
        | "api_url"
        | "region"
        | "email"
        | "basic_user"
        | "name"
        | "assigned_to_me"
        | "team_ids"
        | "service_ids"
        | "urgencies"
        | "responder"
        | "shift_reminder_minutes"
        | "on_call_user"
        | "site"
        | "team_id"
        | "labels"
        | "notify"
        | "notify_for"
        | "low_urgency"
        | "repeat_high_urgency_minutes"
        | "storm_threshold"
        | "quiet_hours"
        | "working_hours"
        | "working_days"
        | "sleep_hours" => field.into(),
        _ => String::new(),
    }
}

/// Problems start with where they are in the file (`accounts[0] (work): …`); next to
/// the field that is noise.
fn strip_account_prefix(message: &str) -> String {
    match message.split_once("): ") {
        Some((head, rest)) if head.starts_with("accounts[") => rest.to_string(),
        _ => message
            .strip_prefix("notifications.")
            .or_else(|| message.strip_prefix("report."))
            .unwrap_or(message)
            .to_string(),
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum TokenResult {
    Stored { who: Option<String> },
    Rejected { message: String },
    Unreachable { message: String },
    Error { message: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub ok: bool,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_land_on_their_form_fields() {
        assert_eq!(
            field_of("accounts[0].poll_interval_seconds"),
            "poll_interval_seconds"
        );
        assert_eq!(field_of("accounts[2].filter.team_ids[1]"), "team_ids");
        assert_eq!(field_of("accounts[1].filter[0]"), "matchers");
        assert_eq!(field_of("accounts[1].filter"), "assigned_to_me");
        assert_eq!(field_of("notifications.quiet_hours.start"), "quiet_hours");
        assert_eq!(field_of("notifications.storm_threshold"), "storm_threshold");
        assert_eq!(
            field_of("accounts[0].shift_reminder_minutes"),
            "shift_reminder_minutes"
        );
        assert_eq!(field_of("accounts[2].on_call_user"), "on_call_user");
        // JSM and Grafana OnCall.
        assert_eq!(field_of("accounts[3].site"), "site");
        assert_eq!(field_of("accounts[3].email"), "email");
        assert_eq!(field_of("accounts[4].team_id"), "team_id");
        assert_eq!(field_of("accounts[4].labels[2]"), "labels");
        assert_eq!(field_of("accounts[4].labels"), "labels");
        assert_eq!(field_of("report.working_days[1]"), "working_days");
        assert_eq!(field_of("report.sleep_hours"), "sleep_hours");
        assert_eq!(field_of("line 7"), "");
        assert_eq!(field_of("accounts[0].ack_hours"), "");
    }

    #[test]
    fn problems_lose_their_file_position_next_to_the_field() {
        assert_eq!(
            strip_account_prefix(
                "accounts[0] (work): poll_interval_seconds = 1 is too short: the minimum is 2 seconds"
            ),
            "poll_interval_seconds = 1 is too short: the minimum is 2 seconds"
        );
        assert_eq!(
            strip_account_prefix(r#"report.sleep_hours = "x" is not a range of times"#),
            r#"sleep_hours = "x" is not a range of times"#
        );
    }

    #[test]
    fn save_results_have_a_boolean_ok() {
        let refused = serde_json::to_value(SaveResult::refused("no", vec![])).unwrap();
        assert_eq!(refused["ok"], false);
        assert_eq!(refused["message"], "no");
    }

    /// An account as the page sends it.
    const ACCOUNT: &str = r#"{"name":"work","provider":"pagerduty","region":"eu","api_url":null,"poll_interval_seconds":30,"notify":true,"email":"pat@example.com","basic_user":null,"assigned_to_me":false,"team_ids":["PTEAM01"],"service_ids":[],"urgencies":["high"],"matchers":[],"responder":null,"shift_reminder_minutes":0,"on_call_user":null,"site":null,"team_id":null,"labels":[]}"#;

    #[test]
    fn a_bad_account_name_is_a_field_error() {
        let form: AccountForm = serde_json::from_str(ACCOUNT).unwrap();
        let spaced = AccountForm {
            name: "work account".into(),
            ..form.clone()
        };
        let error = FieldError::from(spaced.normalized().unwrap_err());
        assert_eq!(error.field, "name");
        assert_eq!(error.message, "1 to 64 letters, digits, '.', '_' or '-'");
        let mars = AccountForm {
            region: Some("mars".into()),
            ..form
        };
        let error = FieldError::from(mars.normalized().unwrap_err());
        assert_eq!(error.field, "region");
    }

    /// The JSM and Grafana OnCall fields as the page sends them (`ui/src/types.ts`).
    #[test]
    fn the_new_services_fields_come_from_the_page() {
        let jsm = ACCOUNT
            .replace(r#""provider":"pagerduty""#, r#""provider":"jsm""#)
            .replace(r#""site":null"#, r#""site":"acme""#);
        let form: AccountForm = serde_json::from_str(&jsm).unwrap();
        assert_eq!(form.provider, oncall_model::ProviderKind::Jsm);
        assert_eq!(form.site.as_deref(), Some("acme"));
        let grafana = ACCOUNT
            .replace(
                r#""provider":"pagerduty""#,
                r#""provider":"grafana-oncall""#,
            )
            .replace(r#""team_id":null"#, r#""team_id":"TI7""#)
            .replace(r#""labels":[]"#, r#""labels":["team:payments"]"#);
        let form: AccountForm = serde_json::from_str(&grafana).unwrap();
        assert_eq!(form.provider, oncall_model::ProviderKind::GrafanaOnCall);
        assert_eq!(form.team_id.as_deref(), Some("TI7"));
        assert_eq!(form.labels, ["team:payments"]);
    }

    /// The JSON the page sends and reads back, field for field (`ui/src/types.ts`).
    #[test]
    fn the_forms_json_is_the_pages() {
        let form: AccountForm = serde_json::from_str(ACCOUNT).unwrap();
        assert_eq!(serde_json::to_string(&form).unwrap(), ACCOUNT);
        let notifications = r#"{"notify_for":"mine","low_urgency":"once","repeat_high_urgency_minutes":5,"storm_threshold":5,"quiet_hours":{"start":"22:00","end":"07:00"},"sound_high":"alarm-clock-elapsed","sound_low":"none","alarm_repeat_seconds":0,"alarm_volume":100}"#;
        let form: NotificationsForm = serde_json::from_str(notifications).unwrap();
        assert_eq!(serde_json::to_string(&form).unwrap(), notifications);
        let report = r#"{"working_hours":"09:00-18:00","working_days":["mon","tue"],"sleep_hours":"22:00-07:00"}"#;
        let form: ReportForm = serde_json::from_str(report).unwrap();
        assert_eq!(serde_json::to_string(&form).unwrap(), report);
    }
}

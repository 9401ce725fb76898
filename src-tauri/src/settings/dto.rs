//! What the Settings screen sends and receives: shapes designed for the form, never
//! provider JSON and never a token (only whether one is stored). `ui/src/types.ts`
//! mirrors these.

use oncall_model::{ProviderKind, Urgency};
use oncall_policy::{LowUrgency, NotifyFor};
use oncall_store::{
    AccountConfig, AccountForm, AlertmanagerAuth, ConfigError, NotificationsForm, ProviderConfig,
    Region,
};
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDraft {
    pub name: String,
    pub provider: ProviderKind,
    pub region: Option<String>,
    pub api_url: Option<String>,
    pub poll_interval_seconds: u64,
    pub notify: bool,
    pub email: Option<String>,
    pub basic_user: Option<String>,
    pub assigned_to_me: bool,
    pub team_ids: Vec<String>,
    pub service_ids: Vec<String>,
    pub urgencies: Vec<Urgency>,
    pub matchers: Vec<String>,
    pub responder: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountSettings {
    #[serde(flatten)]
    pub draft: AccountDraft,
    pub token: TokenState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHoursDto {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    pub notify_for: String,
    pub low_urgency: String,
    pub repeat_high_urgency_minutes: u64,
    pub storm_threshold: u64,
    pub quiet_hours: Option<QuietHoursDto>,
    /// `"none"`, a sound theme name or a file path, as `config.toml` has it.
    pub sound_high: String,
    pub sound_low: String,
    pub alarm_repeat_seconds: u64,
    pub alarm_volume: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettingsDto {
    pub accounts: Vec<AccountSettings>,
    pub notifications: NotificationSettings,
    /// `None` where start-at-login cannot be read (no autostart support).
    pub autostart: Option<bool>,
    /// Where the settings are kept, for people who prefer a text editor.
    pub config_file: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    /// A draft field name, or "" for the form as a whole.
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SaveResult {
    Saved {
        ok: True,
        settings: SettingsDto,
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
        SaveResult::Saved { ok: True, settings }
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
/// `notifications.quiet_hours.start` → `quiet_hours`, an Alertmanager `filter` →
/// `matchers`, `auth` → `basic_user`. Unknown keys go to the whole form ("").
pub fn field_of(key: &str) -> String {
    let rest = match key.split_once("].") {
        Some((_, rest)) => rest,
        None => key.strip_prefix("notifications.").unwrap_or(""),
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
        | "notify"
        | "notify_for"
        | "low_urgency"
        | "repeat_high_urgency_minutes"
        | "storm_threshold"
        | "quiet_hours" => field.into(),
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

impl AccountDraft {
    /// The form as the config shows it.
    pub fn from_config(account: &AccountConfig) -> AccountDraft {
        let mut draft = AccountDraft {
            name: account.name.0.clone(),
            provider: account.provider.kind(),
            region: None,
            api_url: None,
            poll_interval_seconds: account.poll_interval.as_secs(),
            notify: account.notify,
            email: None,
            basic_user: None,
            assigned_to_me: true,
            team_ids: Vec::new(),
            service_ids: Vec::new(),
            urgencies: Vec::new(),
            matchers: Vec::new(),
            responder: None,
        };
        match &account.provider {
            ProviderConfig::PagerDuty(pd) => {
                draft.region = pd.region.map(|r| r.as_str().to_owned());
                // The region's own host is what `region` means: no URL to show.
                let region_host = pd.region.unwrap_or(Region::Us).api_url();
                if pd.api_url != region_host {
                    draft.api_url = Some(pd.api_url.to_string());
                }
                draft.email = pd.email.clone();
                draft.assigned_to_me = pd.filter.assigned_to_me;
                draft.team_ids = pd.filter.team_ids.clone();
                draft.service_ids = pd.filter.service_ids.clone();
                draft.urgencies = pd.filter.urgencies.clone();
            }
            ProviderConfig::Alertmanager(am) => {
                draft.api_url = Some(am.api_url.to_string());
                if let AlertmanagerAuth::Basic { user } = &am.auth {
                    draft.basic_user = Some(user.clone());
                }
                draft.matchers = am.filter.clone();
            }
            ProviderConfig::Opsgenie(og) => {
                draft.region = og.region.map(|r| r.as_str().to_owned());
                let region_host = og
                    .region
                    .unwrap_or(oncall_store::OpsgenieRegion::Us)
                    .api_url();
                if og.api_url != region_host {
                    draft.api_url = Some(og.api_url.to_string());
                }
                draft.responder = og.responder.clone();
            }
        }
        draft
    }

    /// The form for `oncall-store`; a region other than `us`/`eu` is a field error.
    pub fn to_form(&self) -> Result<AccountForm, FieldError> {
        let region = match self.region.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => Some(r.parse::<Region>().map_err(|e| FieldError {
                field: "region".into(),
                message: e.to_string(),
            })?),
        };
        let name = self.name.trim();
        let valid_name = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid_name {
            return Err(FieldError {
                field: "name".into(),
                message: "1 to 64 letters, digits, '.', '_' or '-'".into(),
            });
        }
        Ok(AccountForm {
            name: name.to_owned(),
            provider: self.provider,
            region,
            api_url: self.api_url.clone(),
            poll_interval_seconds: self.poll_interval_seconds,
            notify: self.notify,
            email: self.email.clone(),
            basic_user: self.basic_user.clone(),
            assigned_to_me: self.assigned_to_me,
            team_ids: self.team_ids.clone(),
            service_ids: self.service_ids.clone(),
            urgencies: self.urgencies.clone(),
            matchers: self.matchers.clone(),
            responder: self.responder.clone(),
        })
    }
}

impl NotificationSettings {
    pub fn from_config(
        settings: &oncall_policy::Settings,
        alarm: &oncall_store::AlarmSettings,
    ) -> NotificationSettings {
        NotificationSettings {
            notify_for: match settings.notify_for {
                NotifyFor::Mine => "mine",
                NotifyFor::All => "all",
            }
            .into(),
            low_urgency: match settings.low_urgency {
                LowUrgency::Once => "once",
                LowUrgency::Never => "never",
            }
            .into(),
            repeat_high_urgency_minutes: settings
                .repeat_high_urgency
                .map_or(0, |d| d.num_minutes().max(0) as u64),
            storm_threshold: settings.storm_threshold as u64,
            quiet_hours: settings.quiet_hours.map(|q| QuietHoursDto {
                start: q.start.format("%H:%M").to_string(),
                end: q.end.format("%H:%M").to_string(),
            }),
            sound_high: alarm.sound_high.to_string(),
            sound_low: alarm.sound_low.to_string(),
            alarm_repeat_seconds: alarm.repeat.map_or(0, |d| d.as_secs()),
            alarm_volume: alarm.volume.into(),
        }
    }

    pub fn to_form(&self) -> NotificationsForm {
        NotificationsForm {
            notify_for: self.notify_for.clone(),
            low_urgency: self.low_urgency.clone(),
            repeat_high_urgency_minutes: self.repeat_high_urgency_minutes,
            storm_threshold: self.storm_threshold,
            quiet_hours: self
                .quiet_hours
                .as_ref()
                .map(|q| (q.start.clone(), q.end.clone())),
            sound_high: self.sound_high.clone(),
            sound_low: self.sound_low.clone(),
            alarm_repeat_seconds: self.alarm_repeat_seconds,
            alarm_volume: self.alarm_volume,
        }
    }
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
    }

    #[test]
    fn save_results_have_a_boolean_ok() {
        let refused = serde_json::to_value(SaveResult::refused("no", vec![])).unwrap();
        assert_eq!(refused["ok"], false);
        assert_eq!(refused["message"], "no");
    }

    #[test]
    fn a_bad_account_name_is_a_field_error() {
        let draft = AccountDraft {
            name: "work account".into(),
            provider: ProviderKind::PagerDuty,
            region: None,
            api_url: None,
            poll_interval_seconds: 15,
            notify: true,
            email: None,
            basic_user: None,
            assigned_to_me: true,
            team_ids: vec![],
            service_ids: vec![],
            urgencies: vec![],
            matchers: vec![],
            responder: None,
        };
        assert_eq!(draft.to_form().unwrap_err().field, "name");
        let eu = AccountDraft {
            name: "work".into(),
            region: Some("mars".into()),
            ..draft
        };
        assert_eq!(eu.to_form().unwrap_err().field, "region");
    }
}

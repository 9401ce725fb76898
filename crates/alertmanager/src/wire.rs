//! Alertmanager's JSON (AM-spec `gettableAlert`, `gettableSilence`, `matcher`), only the
//! parts the tray reads. Unknown fields are ignored and fields added after 0.25
//! (`mutedBy` in 0.28, …) are optional, so both Debian's 0.25 and current releases parse.
//!
//! These types never leave the crate: `convert.rs` turns them into `oncall_model` types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use oncall_model::timestamp;
use serde::{Deserialize, Deserializer, Serialize};

/// A label set; ordered so that matchers and titles come out the same every time.
pub(crate) type Labels = BTreeMap<String, String>;

/// One entry of `GET /api/v2/alerts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Alert {
    pub fingerprint: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: Labels,
    #[serde(default, deserialize_with = "null_as_default")]
    pub annotations: Labels,
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub starts_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub receivers: Vec<Receiver>,
    /// Spelled `generatorURL` on the wire, which camelCase renaming would miss.
    #[serde(rename = "generatorURL")]
    pub generator_url: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: AlertStatus,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Receiver {
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlertStatus {
    // `state` (unprocessed, active, suppressed) is not read: `silencedBy`,
    // `inhibitedBy` and `mutedBy` say why, which is what decides.
    #[serde(default, deserialize_with = "null_as_default")]
    pub silenced_by: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub inhibited_by: Vec<String>,
    /// Active time intervals muting the alert; 0.28 and later only.
    #[serde(default, deserialize_with = "null_as_default")]
    pub muted_by: Vec<String>,
}

/// One entry of `GET /api/v2/silences` (every state, expired ones included until
/// Alertmanager's retention drops them, 120 h by default).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Silence {
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub matchers: Vec<Matcher>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub starts_at: DateTime<Utc>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
    pub status: SilenceStatus,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct SilenceStatus {
    /// `expired`, `active` or `pending`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Matcher {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub is_regex: bool,
    /// Absent before 0.22 and defaulted to true by the spec.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

/// `POST /api/v2/silences` answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SilenceCreated {
    #[serde(rename = "silenceID")]
    pub silence_id: String,
}

/// `GET /api/v2/status`, only to check the answer is Alertmanager's.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Status {
    pub version_info: Option<serde_json::Value>,
    pub uptime: Option<String>,
}

/// `null` where a collection is expected is read as empty.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_of_0_25_has_no_muted_by() {
        let alert: Alert = serde_json::from_str(
            r#"{"annotations":{"summary":"Disk full"},"endsAt":"2024-05-01T12:05:00.000Z",
                "fingerprint":"f1","receivers":[{"name":"null"}],"startsAt":"2024-05-01T12:00:00.000Z",
                "status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},
                "updatedAt":"2024-05-01T12:00:00.000Z","generatorURL":"http://prom/graph",
                "labels":{"alertname":"DiskFull"}}"#,
        )
        .unwrap();
        assert_eq!(alert.fingerprint, "f1");
        assert!(alert.status.muted_by.is_empty());
        assert_eq!(alert.receivers[0].name, "null");
        assert_eq!(alert.generator_url.as_deref(), Some("http://prom/graph"));
    }

    #[test]
    fn a_current_alert_with_nulls_and_extra_fields_parses() {
        let alert: Alert = serde_json::from_str(
            r#"{"annotations":null,"fingerprint":"f2","receivers":null,"startsAt":"2024-05-01T12:00:00Z",
                "status":{"inhibitedBy":null,"silencedBy":["s1"],"mutedBy":["weekend"],"state":"suppressed"},
                "labels":{"a":"b"},"somethingNew":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(alert.status.silenced_by, ["s1"]);
        assert_eq!(alert.status.muted_by, ["weekend"]);
        assert!(alert.generator_url.is_none());
    }

    #[test]
    fn silences_parse_with_and_without_is_equal() {
        let silence: Silence = serde_json::from_str(
            r#"{"id":"s1","status":{"state":"active"},"updatedAt":"2024-05-01T12:00:00Z",
                "comment":"c","createdBy":"pat","startsAt":"2024-05-01T12:00:00Z","endsAt":"2024-05-01T14:00:00Z",
                "matchers":[{"name":"a","value":"b","isRegex":false},{"name":"c","value":"d","isRegex":true,"isEqual":false}]}"#,
        )
        .unwrap();
        assert!(silence.matchers[0].is_equal);
        assert!(!silence.matchers[1].is_equal);
        assert_eq!(silence.status.state, "active");
    }
}

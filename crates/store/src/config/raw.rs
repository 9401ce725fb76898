//! `config.toml` exactly as written: every key optional, every value in its plainest
//! type. Only unknown keys and wrong TOML types are refused here (by serde, with toml's
//! line and column); everything else is checked in `validate`, which can then report
//! all problems at once instead of stopping at the first.

use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub notifications: Option<RawNotifications>,
    pub report: Option<RawReport>,
    pub accounts: Option<Vec<RawAccount>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNotifications {
    pub notify_for: Option<String>,
    pub low_urgency: Option<String>,
    pub repeat_high_urgency_minutes: Option<WholeNumber>,
    pub storm_threshold: Option<WholeNumber>,
    pub quiet_hours: Option<RawQuietHours>,
    pub away_summary_minutes: Option<WholeNumber>,
    pub sound_high: Option<String>,
    pub sound_low: Option<String>,
    pub alarm_repeat_seconds: Option<WholeNumber>,
    pub alarm_volume: Option<WholeNumber>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuietHours {
    pub start: Option<String>,
    pub end: Option<String>,
}

/// `[report]`: the user's hours, which the on-call report counts pages against.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReport {
    /// `"09:00-18:00"`.
    pub working_hours: Option<String>,
    /// `["mon", "tue", …]`.
    pub working_days: Option<Vec<String>>,
    /// `"22:00-07:00"`.
    pub sleep_hours: Option<String>,
}

/// One `[[accounts]]` table. Every provider's keys are here, flat, because that is how
/// they are written; `validate` refuses the keys that belong to another provider, with a
/// message naming the provider they are for (serde's "unknown field" could not).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAccount {
    // Every provider.
    pub name: Option<String>,
    pub provider: Option<String>,
    pub api_url: Option<String>,
    pub poll_interval_seconds: Option<WholeNumber>,
    pub token_command: Option<String>,
    pub notify: Option<bool>,
    // Some providers: which ones is `validate`'s business.
    pub region: Option<String>,
    pub auth: Option<String>,
    pub filter: Option<RawFilterValue>,
    pub shift_reminder_minutes: Option<WholeNumber>,
    /// `[accounts.noise]`: every provider.
    pub noise: Option<RawNoise>,
    // PagerDuty (the `From` address) and JSM (the Atlassian account).
    pub email: Option<String>,
    // JSM.
    pub site: Option<String>,
    // Grafana OnCall.
    pub team_id: Option<String>,
    pub labels: Option<Vec<String>>,
    // Alertmanager.
    pub basic_user: Option<String>,
    pub header_name: Option<String>,
    pub receiver: Option<String>,
    pub severity_high: Option<Vec<String>>,
    pub ack_hours: Option<WholeNumber>,
    pub ack_max_hours: Option<WholeNumber>,
    pub ack_matchers: Option<Vec<String>>,
    pub created_by: Option<String>,
    pub ca_file: Option<String>,
    pub client_cert: Option<String>,
    // Opsgenie and JSM (`on_call_user`: Opsgenie only).
    pub query: Option<String>,
    pub responder: Option<String>,
    pub on_call_user: Option<String>,
    pub high_priorities: Option<Vec<String>>,
}

/// `[accounts.noise]`: which incidents page, and per-service urgency.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNoise {
    pub include_title: Option<Vec<String>>,
    pub exclude_title: Option<Vec<String>>,
    pub include_services: Option<Vec<String>>,
    pub exclude_services: Option<Vec<String>>,
    pub include_teams: Option<Vec<String>>,
    pub exclude_teams: Option<Vec<String>>,
    /// `[accounts.noise.urgency]`: service name → `"high"` or `"low"`.
    pub urgency: Option<std::collections::BTreeMap<String, String>>,
}

/// `filter` has one shape per provider: a table of conditions for PagerDuty
/// (`[accounts.filter]`), an array of label matchers for Alertmanager
/// (`filter = ['severity="critical"']`). Both are read here; `validate` refuses the shape
/// that does not fit the account's provider.
///
/// Not `#[serde(untagged)]`: that would replace the table's own errors (an unknown key
/// in `[accounts.filter]`, with its line) by "did not match any variant".
#[derive(Debug)]
pub(crate) enum RawFilterValue {
    Table(RawFilter),
    Matchers(Vec<String>),
}

impl<'de> Deserialize<'de> for RawFilterValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FilterVisitor;

        impl<'de> Visitor<'de> for FilterVisitor {
            type Value = RawFilterValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a table of conditions ([accounts.filter], for PagerDuty) \
                     or an array of label matchers (filter = ['severity=\"critical\"'], for Alertmanager)",
                )
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawFilterValue, A::Error> {
                RawFilter::deserialize(MapAccessDeserializer::new(map)).map(RawFilterValue::Table)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawFilterValue, A::Error> {
                Vec::<String>::deserialize(SeqAccessDeserializer::new(seq))
                    .map(RawFilterValue::Matchers)
            }
        }

        deserializer.deserialize_any(FilterVisitor)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFilter {
    pub assigned_to_me: Option<bool>,
    pub team_ids: Option<Vec<String>>,
    pub service_ids: Option<Vec<String>>,
    pub urgencies: Option<Vec<String>>,
}

/// An integer, with a wrong-type message a person understands ("expected a whole
/// number without quotes" rather than "expected i64").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WholeNumber(pub i64);

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WholeNumberVisitor;

        impl Visitor<'_> for WholeNumberVisitor {
            type Value = WholeNumber;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number without quotes")
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<WholeNumber, E> {
                Ok(WholeNumber(n))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<WholeNumber, E> {
                i64::try_from(n)
                    .map(WholeNumber)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(n), &self))
            }
        }

        deserializer.deserialize_i64(WholeNumberVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example must show every key. The destructuring below names every field
    /// without `..`, so adding a key to the schema fails to compile here until the
    /// example (and this test) cover it.
    #[test]
    fn example_sets_every_key() {
        let text = include_str!("../../config.example.toml");
        let RawConfig {
            notifications,
            report,
            accounts,
        } = toml::from_str(text).unwrap();

        let RawReport {
            working_hours,
            working_days,
            sleep_hours,
        } = report.unwrap();
        assert!(working_hours.is_some() && working_days.is_some() && sleep_hours.is_some());

        let RawNotifications {
            notify_for,
            low_urgency,
            repeat_high_urgency_minutes,
            storm_threshold,
            quiet_hours,
            away_summary_minutes,
            sound_high,
            sound_low,
            alarm_repeat_seconds,
            alarm_volume,
        } = notifications.unwrap();
        assert!(away_summary_minutes.is_some());
        assert!(sound_high.is_some() && sound_low.is_some());
        assert!(alarm_repeat_seconds.is_some() && alarm_volume.is_some());
        assert!(notify_for.is_some());
        assert!(low_urgency.is_some());
        assert!(repeat_high_urgency_minutes.is_some());
        assert!(storm_threshold.is_some());
        let RawQuietHours { start, end } = quiet_hours.unwrap();
        assert!(start.is_some() && end.is_some());

        let accounts = accounts.unwrap();
        let has = |f: fn(&RawAccount) -> bool| accounts.iter().any(f);
        // Exhaustive on purpose: a new field breaks this line until it gets an
        // assertion below and a place in the example.
        let RawAccount {
            name: _,
            provider: _,
            api_url: _,
            poll_interval_seconds: _,
            token_command: _,
            notify: _,
            region: _,
            auth: _,
            filter: _,
            shift_reminder_minutes: _,
            noise: _,
            email: _,
            site: _,
            team_id: _,
            labels: _,
            basic_user: _,
            header_name: _,
            receiver: _,
            severity_high: _,
            ack_hours: _,
            ack_max_hours: _,
            ack_matchers: _,
            created_by: _,
            ca_file: _,
            client_cert: _,
            query: _,
            responder: _,
            on_call_user: _,
            high_priorities: _,
        } = &accounts[0];
        assert!(has(|a| a.name.is_some()));
        assert!(has(|a| a.provider.is_some()));
        assert!(has(|a| a.api_url.is_some()));
        assert!(has(|a| a.site.is_some()));
        assert!(has(|a| a.team_id.is_some()));
        assert!(has(|a| a.labels.is_some()));
        assert!(has(|a| a.poll_interval_seconds.is_some()));
        assert!(has(|a| a.token_command.is_some()));
        assert!(has(|a| a.notify.is_some()));
        assert!(has(|a| a.region.is_some()));
        assert!(has(|a| a.auth.is_some()));
        assert!(has(|a| a.shift_reminder_minutes.is_some()));
        assert!(has(|a| a.email.is_some()));
        let noise = accounts.iter().find_map(|a| a.noise.as_ref()).unwrap();
        let RawNoise {
            include_title,
            exclude_title,
            include_services,
            exclude_services,
            include_teams,
            exclude_teams,
            urgency,
        } = noise;
        assert!(include_title.is_some() && exclude_title.is_some());
        assert!(include_services.is_some() && exclude_services.is_some());
        assert!(include_teams.is_some() && exclude_teams.is_some());
        assert!(urgency.is_some());
        assert!(has(|a| a.basic_user.is_some()));
        assert!(has(|a| a.header_name.is_some()));
        assert!(has(|a| a.receiver.is_some()));
        assert!(has(|a| a.severity_high.is_some()));
        assert!(has(|a| a.ack_hours.is_some()));
        assert!(has(|a| a.ack_max_hours.is_some()));
        assert!(has(|a| a.ack_matchers.is_some()));
        assert!(has(|a| a.created_by.is_some()));
        assert!(has(|a| a.ca_file.is_some()));
        assert!(has(|a| a.client_cert.is_some()));
        assert!(has(|a| a.query.is_some()));
        assert!(has(|a| a.responder.is_some()));
        assert!(has(|a| a.on_call_user.is_some()));
        assert!(has(|a| a.high_priorities.is_some()));
        // Both shapes of `filter`: a PagerDuty table and Alertmanager matchers.
        assert!(has(|a| matches!(
            a.filter,
            Some(RawFilterValue::Matchers(_))
        )));
        let filter = accounts
            .iter()
            .find_map(|a| match &a.filter {
                Some(RawFilterValue::Table(table)) => Some(table),
                _ => None,
            })
            .unwrap();
        let RawFilter {
            assigned_to_me,
            team_ids,
            service_ids,
            urgencies,
        } = filter;
        assert!(assigned_to_me.is_some());
        assert!(team_ids.is_some());
        assert!(service_ids.is_some());
        assert!(urgencies.is_some());
    }
}

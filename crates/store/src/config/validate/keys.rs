//! Which provider owns which key of an `[[accounts]]` table: the one list that says so.
//!
//! `RawAccount` reads every provider's keys, flat, because that is how they are
//! written. A key set in an account of a provider that does not have it is refused,
//! with a message naming the providers it is for; that message, and which keys a
//! provider's check may read, come from [`ACCOUNT_KEYS`] alone.

use oncall_model::ProviderKind::{self, Alertmanager, GrafanaOnCall, Jsm, Opsgenie, PagerDuty};

use crate::config::raw::RawAccount;

/// One key of `[[accounts]]` and the providers that have it.
pub(super) struct AccountKey {
    /// As written in `config.toml`.
    pub name: &'static str,
    pub owners: &'static [ProviderKind],
    /// Whether an account sets it.
    pub is_set: fn(&RawAccount) -> bool,
}

/// The keys every provider has.
const EVERY: &[ProviderKind] = &[PagerDuty, Alertmanager, Opsgenie, Jsm, GrafanaOnCall];
/// The providers with on-call schedules.
const SCHEDULES: &[ProviderKind] = &[PagerDuty, Opsgenie, Jsm, GrafanaOnCall];

/// Every key of `[[accounts]]`, in the order their problems are reported.
pub(super) const ACCOUNT_KEYS: &[AccountKey] = &[
    key("name", EVERY, |a| a.name.is_some()),
    key("provider", EVERY, |a| a.provider.is_some()),
    key("api_url", EVERY, |a| a.api_url.is_some()),
    key("poll_interval_seconds", EVERY, |a| {
        a.poll_interval_seconds.is_some()
    }),
    key("token_command", EVERY, |a| a.token_command.is_some()),
    key("notify", EVERY, |a| a.notify.is_some()),
    key("noise", EVERY, |a| a.noise.is_some()),
    key("region", &[PagerDuty, Opsgenie], |a| a.region.is_some()),
    key("auth", &[PagerDuty, Alertmanager], |a| a.auth.is_some()),
    key("filter", &[PagerDuty, Alertmanager], |a| a.filter.is_some()),
    key("shift_reminder_minutes", SCHEDULES, |a| {
        a.shift_reminder_minutes.is_some()
    }),
    key("email", &[PagerDuty, Jsm], |a| a.email.is_some()),
    key("site", &[Jsm], |a| a.site.is_some()),
    key("team_id", &[GrafanaOnCall], |a| a.team_id.is_some()),
    key("labels", &[GrafanaOnCall], |a| a.labels.is_some()),
    key("basic_user", &[Alertmanager], |a| a.basic_user.is_some()),
    key("header_name", &[Alertmanager], |a| a.header_name.is_some()),
    key("receiver", &[Alertmanager], |a| a.receiver.is_some()),
    key("severity_high", &[Alertmanager], |a| {
        a.severity_high.is_some()
    }),
    key("ack_hours", &[Alertmanager], |a| a.ack_hours.is_some()),
    key("ack_max_hours", &[Alertmanager], |a| {
        a.ack_max_hours.is_some()
    }),
    key("ack_matchers", &[Alertmanager], |a| {
        a.ack_matchers.is_some()
    }),
    key("created_by", &[Alertmanager], |a| a.created_by.is_some()),
    key("ca_file", &[Alertmanager], |a| a.ca_file.is_some()),
    key("client_cert", &[Alertmanager], |a| a.client_cert.is_some()),
    key("query", &[Opsgenie, Jsm], |a| a.query.is_some()),
    key("responder", &[Opsgenie, Jsm], |a| a.responder.is_some()),
    key("on_call_user", &[Opsgenie], |a| a.on_call_user.is_some()),
    key("high_priorities", &[Opsgenie, Jsm], |a| {
        a.high_priorities.is_some()
    }),
];

const fn key(
    name: &'static str,
    owners: &'static [ProviderKind],
    is_set: fn(&RawAccount) -> bool,
) -> AccountKey {
    AccountKey {
        name,
        owners,
        is_set,
    }
}

/// What follows `key` in the problem of a `kind` account that sets it: ` is a
/// PagerDuty/Opsgenie key; an Alertmanager account has no region`.
pub(super) fn not_for(key: &AccountKey, kind: ProviderKind) -> String {
    let owners = key
        .owners
        .iter()
        .map(|&k| title(k))
        .collect::<Vec<_>>()
        .join("/");
    format!(
        " is {} {owners} key; {} {} account has no {}",
        article(&owners),
        article(title(kind)),
        title(kind),
        key.name
    )
}

/// The provider's name as its users write it.
fn title(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::PagerDuty => "PagerDuty",
        ProviderKind::Alertmanager => "Alertmanager",
        ProviderKind::Opsgenie => "Opsgenie",
        ProviderKind::Jsm => "JSM",
        ProviderKind::GrafanaOnCall => "Grafana OnCall",
    }
}

/// "a" or "an" before `word` ("a PagerDuty", "an Opsgenie").
fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::Config;

    /// A value of the right TOML type for each key, so that only its provider is wrong.
    fn sample(key: &str) -> &'static str {
        match key {
            "poll_interval_seconds" | "ack_hours" | "ack_max_hours" | "shift_reminder_minutes" => {
                "2"
            }
            "notify" => "true",
            "noise" => "{}",
            "filter" | "severity_high" | "high_priorities" | "ack_matchers" | "labels" => "[]",
            "name" | "provider" | "api_url" | "token_command" | "region" | "auth" | "email"
            | "basic_user" | "header_name" | "receiver" | "created_by" | "ca_file"
            | "client_cert" | "query" | "responder" | "on_call_user" | "site" | "team_id" => {
                "\"x\""
            }
            other => panic!("no sample value for {other}: add one"),
        }
    }

    fn problems(text: &str) -> Vec<String> {
        match Config::parse(text, Path::new("/nowhere/config.toml")) {
            Err(err) => err.problems().iter().map(|p| p.message.clone()).collect(),
            Ok(_) => Vec::new(),
        }
    }

    /// The regression this table exists for: a key reported as another provider's.
    #[test]
    fn a_key_of_another_provider_is_reported_under_the_providers_that_own_it() {
        let providers = [
            ("pagerduty", PagerDuty, "a PagerDuty"),
            ("alertmanager", Alertmanager, "an Alertmanager"),
            ("opsgenie", Opsgenie, "an Opsgenie"),
            ("jsm", Jsm, "a JSM"),
            ("grafana-oncall", GrafanaOnCall, "a Grafana OnCall"),
        ];
        let mut checked = 0;
        for key in ACCOUNT_KEYS {
            for (provider, kind, account) in providers {
                if key.owners.contains(&kind) {
                    continue;
                }
                let text = format!(
                    "[[accounts]]\nname = \"n\"\nprovider = \"{provider}\"\n{} = {}\n",
                    key.name,
                    sample(key.name)
                );
                let owners: Vec<&str> = key.owners.iter().map(|&k| title(k)).collect();
                let expected = format!(
                    "accounts[0] (n): {} is {} {} key; {account} account has no {}",
                    key.name,
                    article(owners[0]),
                    owners.join("/"),
                    key.name
                );
                assert_eq!(problems(&text), [expected], "{text}");
                checked += 1;
            }
        }
        // Of five providers: region, auth, filter and email lack three, the Opsgenie/JSM
        // keys (query, responder, high_priorities) three each, shift_reminder_minutes
        // one; the ten Alertmanager-only keys, on_call_user, site, team_id and labels
        // lack four each.
        assert_eq!(checked, 4 * 3 + 3 * 3 + 1 + 14 * 4);

        // And by hand, so the table cannot agree with itself about a wrong owner.
        let email = "[[accounts]]\nname = \"og\"\nprovider = \"opsgenie\"\nemail = \"a@b.c\"\n";
        assert_eq!(
            problems(email),
            ["accounts[0] (og): email is a PagerDuty/JSM key; an Opsgenie account has no email"]
        );
        let query = "[[accounts]]\nname = \"pd\"\nprovider = \"pagerduty\"\nquery = \"q\"\n";
        assert_eq!(
            problems(query),
            ["accounts[0] (pd): query is an Opsgenie/JSM key; a PagerDuty account has no query"]
        );
        let user = "[[accounts]]\nname = \"pd\"\nprovider = \"pagerduty\"\non_call_user = \"pat@example.com\"\n";
        assert_eq!(
            problems(user),
            ["accounts[0] (pd): on_call_user is an Opsgenie key; a PagerDuty account has no on_call_user"]
        );
        let reminder =
            "[[accounts]]\nname = \"am\"\nprovider = \"alertmanager\"\napi_url = \"https://am.example.com\"\nshift_reminder_minutes = 5\n";
        assert_eq!(
            problems(reminder),
            ["accounts[0] (am): shift_reminder_minutes is a PagerDuty/Opsgenie/JSM/Grafana OnCall key; an Alertmanager account has no shift_reminder_minutes"]
        );
        let ack = "[[accounts]]\nname = \"og\"\nprovider = \"opsgenie\"\nack_hours = 2\n";
        assert_eq!(
            problems(ack),
            ["accounts[0] (og): ack_hours is an Alertmanager key; an Opsgenie account has no ack_hours"]
        );
    }

    /// Every field of `RawAccount` has one row, named as serde reads it, and each
    /// row's `is_set` reads its own field.
    #[test]
    fn every_key_of_an_account_has_one_row() {
        let mut table: Vec<&str> = ACCOUNT_KEYS.iter().map(|k| k.name).collect();
        let mut fields = serde_fields::<RawAccount>().to_vec();
        table.sort_unstable();
        fields.sort_unstable();
        assert_eq!(table, fields);
        for key in ACCOUNT_KEYS {
            let one: RawAccount =
                toml::from_str(&format!("{} = {}", key.name, sample(key.name))).unwrap();
            let set: Vec<&str> = ACCOUNT_KEYS
                .iter()
                .filter(|k| (k.is_set)(&one))
                .map(|k| k.name)
                .collect();
            assert_eq!(set, [key.name]);
        }
    }

    /// The field names serde's derive gives `T`: a deserializer that only asks.
    fn serde_fields<T: for<'de> serde::Deserialize<'de>>() -> &'static [&'static str] {
        use serde::de::{self, Visitor};

        struct FieldsOf(&'static [&'static str]);

        impl<'de> serde::Deserializer<'de> for &mut FieldsOf {
            type Error = de::value::Error;

            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(de::Error::custom("not a struct"))
            }

            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Self::Error> {
                self.0 = fields;
                Err(de::Error::custom("fields read"))
            }

            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
                enum identifier ignored_any
            }
        }

        let mut fields = FieldsOf(&[]);
        let _ = T::deserialize(&mut fields);
        fields.0
    }
}

//! The notices at the top of Settings: things the user should do before a date, said
//! once in plain words, each with its one button and a Dismiss.
//!
//! Which notices show is a pure function of the config, today's local date and what
//! the user dismissed (`oncall_store::notices`), so the rules are tested as a table;
//! `SettingsStore::get` reads the three and puts the result in the [`SettingsDto`].
//!
//! [`SettingsDto`]: super::dto::SettingsDto

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use oncall_store::{Config, ProviderConfig, OPSGENIE_END};

use super::dto::Notice;

/// "Opsgenie stops working…": shown while the config has an Opsgenie account, from
/// [`OPSGENIE_NOTICE_LEAD`] before the end on.
pub const OPSGENIE_END_NOTICE: &str = "opsgenie-end";

/// How long before Opsgenie's end its notice shows: long enough to move without haste,
/// short enough that it is not noise for months.
pub const OPSGENIE_NOTICE_LEAD: Days = Days::new(180);

/// Every notice this version can show: the only ids `dismiss_notice` accepts.
pub const NOTICE_IDS: &[&str] = &[OPSGENIE_END_NOTICE];

/// The notices to show on `today` (the user's local date).
pub fn notices(config: &Config, today: NaiveDate, dismissed: &BTreeSet<String>) -> Vec<Notice> {
    let mut notices = Vec::new();
    let first_opsgenie = config
        .accounts
        .iter()
        .find(|a| matches!(a.provider, ProviderConfig::Opsgenie(_)));
    let from = OPSGENIE_END
        .checked_sub_days(OPSGENIE_NOTICE_LEAD)
        .unwrap_or(OPSGENIE_END);
    if let Some(account) = first_opsgenie {
        if today >= from && !dismissed.contains(OPSGENIE_END_NOTICE) {
            notices.push(Notice {
                id: OPSGENIE_END_NOTICE.to_owned(),
                text: opsgenie_end_text(),
                account: Some(account.name.to_string()),
            });
        }
    }
    notices
}

/// In words for a tired person: what happens, when, what to do, and that it is safe.
fn opsgenie_end_text() -> String {
    format!(
        "Opsgenie stops working on {}. Move your Opsgenie accounts to Jira Service \
         Management: your alerts come along, and nothing rings twice.",
        OPSGENIE_END.format("%-d %B %Y")
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config(text: &str) -> Config {
        Config::parse(text, Path::new("config.toml")).unwrap()
    }

    const PAGERDUTY: &str = "[[accounts]]\nname = \"pd\"\nprovider = \"pagerduty\"\n";
    const OPSGENIE: &str = "[[accounts]]\nname = \"pd\"\nprovider = \"pagerduty\"\n\
        [[accounts]]\nname = \"og-eu\"\nprovider = \"opsgenie\"\nregion = \"eu\"\n\
        [[accounts]]\nname = \"og\"\nprovider = \"opsgenie\"\n";

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_opsgenie_notice_shows_from_180_days_before_the_end_while_an_account_is_left() {
        let none = BTreeSet::new();
        let dismissed = BTreeSet::from([OPSGENIE_END_NOTICE.to_owned()]);
        // (config, today, dismissed) → the account its Move button moves, if shown.
        let cases: &[(&str, &str, &BTreeSet<String>, Option<&str>)] = &[
            (OPSGENIE, "2026-10-06", &none, None),
            (OPSGENIE, "2026-10-07", &none, Some("og-eu")),
            (OPSGENIE, "2026-12-06", &none, Some("og-eu")),
            // After the end too: the accounts have stopped working, the user must know.
            (OPSGENIE, "2027-06-01", &none, Some("og-eu")),
            (OPSGENIE, "2026-12-06", &dismissed, None),
            // The last Opsgenie account moved: gone by itself.
            (PAGERDUTY, "2026-12-06", &none, None),
            ("", "2026-12-06", &none, None),
        ];
        for (text, today, dismissed, expected) in cases {
            let shown = notices(&config(text), day(today), dismissed);
            let account = shown.first().and_then(|n| n.account.as_deref());
            assert_eq!(account, *expected, "{today} {dismissed:?}\n{text}");
            assert!(shown.len() <= 1);
        }
    }

    #[test]
    fn the_opsgenie_notice_says_the_date_and_that_nothing_rings_twice() {
        let shown = notices(&config(OPSGENIE), day("2026-12-06"), &BTreeSet::new());
        assert_eq!(shown[0].id, "opsgenie-end");
        assert_eq!(
            shown[0].text,
            "Opsgenie stops working on 5 April 2027. Move your Opsgenie accounts to Jira \
             Service Management: your alerts come along, and nothing rings twice."
        );
        assert!(NOTICE_IDS.contains(&shown[0].id.as_str()));
    }
}

//! Reading `config.toml`: what a user's file turns into, and what they are told when
//! it is wrong.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use oncall_model::{AccountId, ProviderKind, Urgency};
use oncall_policy::{LowUrgency, NotifyFor, QuietHours, Settings};
use oncall_store::{
    AccountConfig, AuthScheme, Config, ConfigError, PagerDutyAccount, PagerDutyFilter,
    ProviderConfig, Region,
};
use tempfile::TempDir;
use url::Url;

/// Where the config of these tests pretends to live; it only appears in messages.
fn path() -> PathBuf {
    PathBuf::from("/home/me/.config/oncall-tray/config.toml")
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, &path())
}

/// The problem sentences for `text`, which must be invalid.
fn problems(text: &str) -> Vec<String> {
    match parse(text) {
        Err(err @ ConfigError::Invalid { .. }) => {
            err.problems().iter().map(|p| p.message.clone()).collect()
        }
        other => panic!("expected ConfigError::Invalid, got {other:?}"),
    }
}

/// `text` must be reported with exactly `expected`, in order.
#[track_caller]
fn check(text: &str, expected: &[&str]) {
    assert_eq!(problems(text), expected, "config:\n{text}");
}

fn account(extra: &str) -> String {
    format!("[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\n{extra}\n")
}

fn pagerduty(config: &Config) -> &PagerDutyAccount {
    match &config.accounts[0].provider {
        ProviderConfig::PagerDuty(pd) => pd,
    }
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

// ---------------------------------------------------------------------------------------
// Good files

#[test]
fn missing_file_is_the_default_config() {
    let dir = TempDir::new().unwrap();
    let config = Config::load(&dir.path().join("nope").join("config.toml")).unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.notifications, Settings::default());
    assert!(config.accounts.is_empty());
}

#[test]
fn empty_file_is_the_default_config() {
    assert_eq!(parse("").unwrap(), Config::default());
    assert_eq!(parse("# nothing yet\n").unwrap(), Config::default());
}

#[test]
fn minimal_account_gets_documented_defaults() {
    let config = parse(&account("")).unwrap();
    assert_eq!(
        config.accounts,
        [AccountConfig {
            name: AccountId::new("work"),
            poll_interval: Duration::from_secs(15),
            token_command: None,
            notify: true,
            provider: ProviderConfig::PagerDuty(PagerDutyAccount {
                api_url: url("https://api.pagerduty.com"),
                region: None,
                auth: AuthScheme::Token,
                email: None,
                filter: PagerDutyFilter {
                    assigned_to_me: true,
                    team_ids: vec![],
                    service_ids: vec![],
                    urgencies: vec![],
                },
            }),
        }]
    );
    assert_eq!(config.accounts[0].provider.kind(), ProviderKind::PagerDuty);
}

#[test]
fn full_config_is_read_value_by_value() {
    let config = parse(
        r#"
        [notifications]
        notify_for = "all"
        low_urgency = "never"
        repeat_high_urgency_minutes = 0
        storm_threshold = 10
        quiet_hours = { start = "23:30", end = "6:00" }

        [[accounts]]
        name = "eu.ops_1"
        provider = "pagerduty"
        region = "eu"
        auth = "oauth"
        email = " me@example.com "
        poll_interval_seconds = 2
        token_command = "pass show pd"
        notify = false
        [accounts.filter]
        assigned_to_me = false
        team_ids = ["PT1", "PT1", "PT2"]
        service_ids = ["PS1"]
        urgencies = ["low", "high", "low"]
        "#,
    )
    .unwrap();
    assert_eq!(
        config.notifications,
        Settings {
            notify_for: NotifyFor::All,
            low_urgency: LowUrgency::Never,
            repeat_high_urgency: None,
            storm_threshold: 10,
            quiet_hours: Some(QuietHours {
                start: time("23:30"),
                end: time("06:00"),
            }),
        }
    );
    let account = &config.accounts[0];
    assert_eq!(account.name.as_str(), "eu.ops_1");
    assert_eq!(account.poll_interval, Duration::from_secs(2));
    assert_eq!(account.token_command.as_deref(), Some("pass show pd"));
    assert!(!account.notify);
    assert_eq!(
        pagerduty(&config),
        &PagerDutyAccount {
            api_url: url("https://api.eu.pagerduty.com"),
            region: Some(Region::Eu),
            auth: AuthScheme::OAuth,
            email: Some("me@example.com".into()),
            filter: PagerDutyFilter {
                assigned_to_me: false,
                team_ids: vec!["PT1".into(), "PT2".into()],
                service_ids: vec!["PS1".into()],
                urgencies: vec![Urgency::Low, Urgency::High],
            },
        }
    );
    assert_eq!(config.account("eu.ops_1"), Some(account));
    assert_eq!(config.account("other"), None);
}

#[test]
fn repeat_minutes_and_storm_threshold_at_their_limits() {
    let config =
        parse("[notifications]\nrepeat_high_urgency_minutes = 1440\nstorm_threshold = 1000\n")
            .unwrap();
    assert_eq!(
        config.notifications.repeat_high_urgency,
        Some(chrono::Duration::minutes(1440))
    );
    assert_eq!(config.notifications.storm_threshold, 1000);
}

#[test]
fn poll_interval_limits_are_inclusive() {
    for (seconds, expected) in [(2, 2), (3600, 3600)] {
        let config = parse(&account(&format!("poll_interval_seconds = {seconds}"))).unwrap();
        assert_eq!(
            config.accounts[0].poll_interval,
            Duration::from_secs(expected)
        );
    }
}

#[test]
fn api_url_wins_over_region() {
    let config = parse(&account(
        "region = \"eu\"\napi_url = \"https://pd-proxy.example.com/pd/\"",
    ))
    .unwrap();
    assert_eq!(
        pagerduty(&config).api_url,
        url("https://pd-proxy.example.com/pd/")
    );
    assert_eq!(pagerduty(&config).region, Some(Region::Eu));
}

#[test]
fn plain_http_is_accepted_on_loopback() {
    for api_url in [
        "http://127.0.0.1:8080",
        "http://localhost:9000/",
        "http://[::1]:1234",
    ] {
        let config = parse(&account(&format!("api_url = {api_url:?}"))).unwrap();
        assert_eq!(pagerduty(&config).api_url, url(api_url));
    }
}

#[test]
fn filter_with_only_assigned_to_me_and_urgency() {
    let config = parse(&account("[accounts.filter]\nurgencies = [\"high\"]")).unwrap();
    assert_eq!(
        pagerduty(&config).filter,
        PagerDutyFilter {
            assigned_to_me: true,
            urgencies: vec![Urgency::High],
            ..PagerDutyFilter::default()
        }
    );
}

#[test]
fn region_api_urls() {
    assert_eq!(Region::Us.api_url(), url("https://api.pagerduty.com"));
    assert_eq!(Region::Eu.api_url(), url("https://api.eu.pagerduty.com"));
    assert_eq!("eu".parse::<Region>(), Ok(Region::Eu));
    assert_eq!(
        "asia".parse::<Region>().unwrap_err().to_string(),
        r#""asia" is not a PagerDuty region: allowed values are "us" and "eu""#
    );
}

/// The example in the crate root (and in the README) must stay loadable.
#[test]
fn example_config_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let config = Config::load(&path).unwrap();
    assert_eq!(config.notifications.notify_for, NotifyFor::Mine);
    assert_eq!(
        config
            .accounts
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["work", "platform-team"]
    );
    // The example documents the defaults: its first account equals one that sets
    // nothing but what has no default.
    let mut work = config.accounts[0].clone();
    let defaults = parse(&account("")).unwrap().accounts[0].clone();
    work.token_command = None;
    let ProviderConfig::PagerDuty(pd) = &mut work.provider;
    pd.email = None;
    pd.region = None;
    assert_eq!(work, defaults);
    assert_eq!(
        config.notifications,
        Settings {
            quiet_hours: config.notifications.quiet_hours,
            ..Settings::default()
        }
    );
}

// ---------------------------------------------------------------------------------------
// Bad values: one sentence each, naming the key and what is allowed.

#[test]
fn bad_notification_values() {
    let cases: &[(&str, &str)] = &[
        (
            r#"low_urgency = "loud""#,
            r#"notifications.low_urgency = "loud": allowed values are "once" and "never""#,
        ),
        (
            r#"notify_for = "everyone""#,
            r#"notifications.notify_for = "everyone": allowed values are "mine" and "all""#,
        ),
        (
            "repeat_high_urgency_minutes = -1",
            "notifications.repeat_high_urgency_minutes = -1 is negative: use 0 to never repeat, or 1 to 1440 minutes",
        ),
        (
            "repeat_high_urgency_minutes = 1441",
            "notifications.repeat_high_urgency_minutes = 1441 is too long: the maximum is 1440 minutes (one day); 0 turns repeats off",
        ),
        (
            "storm_threshold = 0",
            "notifications.storm_threshold = 0 is too small: the minimum is 1",
        ),
        (
            "storm_threshold = 1001",
            "notifications.storm_threshold = 1001 is too large: the maximum is 1000",
        ),
        (
            r#"quiet_hours = { start = "10pm", end = "07:00" }"#,
            r#"notifications.quiet_hours.start = "10pm" is not a time: write HH:MM on a 24-hour clock, e.g. "22:00""#,
        ),
        (
            r#"quiet_hours = { start = "22:00", end = "24:00" }"#,
            r#"notifications.quiet_hours.end = "24:00" is not a time: write HH:MM on a 24-hour clock, e.g. "22:00""#,
        ),
        (
            r#"quiet_hours = { start = "22:00" }"#,
            r#"notifications.quiet_hours.end is missing: quiet hours need both start and end, e.g. { start = "22:00", end = "07:00" }"#,
        ),
        (
            r#"quiet_hours = { start = "22:00", end = "22:00" }"#,
            r#"notifications.quiet_hours: start and end are both "22:00", which makes an empty window: remove quiet_hours to turn them off"#,
        ),
    ];
    for (line, expected) in cases {
        check(&format!("[notifications]\n{line}\n"), &[expected]);
    }
}

#[test]
fn bad_account_values() {
    let cases: &[(&str, &str)] = &[
        (
            "poll_interval_seconds = 1",
            "accounts[0] (work): poll_interval_seconds = 1 is too short: the minimum is 2 seconds",
        ),
        (
            "poll_interval_seconds = -30",
            "accounts[0] (work): poll_interval_seconds = -30 is too short: the minimum is 2 seconds",
        ),
        (
            "poll_interval_seconds = 3601",
            "accounts[0] (work): poll_interval_seconds = 3601 is too long: the maximum is 3600 seconds (one hour)",
        ),
        (
            r#"region = "asia""#,
            r#"accounts[0] (work): region = "asia": allowed values are "us" and "eu""#,
        ),
        (
            r#"auth = "basic""#,
            r#"accounts[0] (work): auth = "basic": allowed values are "token" (a user API token) and "oauth" (an OAuth access token)"#,
        ),
        (
            r#"email = "me""#,
            r#"accounts[0] (work): email = "me" is not an email address: it needs an '@' (PagerDuty wants it as the From of an acknowledge or resolve)"#,
        ),
        (
            r#"token_command = "  ""#,
            "accounts[0] (work): token_command is empty: remove it to use the token stored with `oncall-tray token set`, or give a command that prints the token",
        ),
        (
            r#"api_url = "http://pd.example.com""#,
            r#"accounts[0] (work): api_url = "http://pd.example.com" is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)"#,
        ),
        (
            r#"api_url = "http://10.0.0.1:8080""#,
            r#"accounts[0] (work): api_url = "http://10.0.0.1:8080" is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)"#,
        ),
        (
            r#"api_url = "ftp://pd.example.com""#,
            r#"accounts[0] (work): api_url = "ftp://pd.example.com" is not allowed: use an https:// URL"#,
        ),
        (
            r#"api_url = "api.pagerduty.com""#,
            r#"accounts[0] (work): api_url = "api.pagerduty.com" is not a URL (relative URL without a base): write it like "https://api.pagerduty.com""#,
        ),
        (
            "[accounts.filter]\nassigned_to_me = false",
            "accounts[0] (work): filter selects every incident in the account: with assigned_to_me = false, list team_ids or service_ids, or set assigned_to_me = true",
        ),
        (
            "[accounts.filter]\nteam_ids = [\"PT1\"]",
            "accounts[0] (work): filter.assigned_to_me is missing: with team_ids or service_ids, say assigned_to_me = true (only incidents assigned to you in them) or false (every incident in them)",
        ),
        (
            "[accounts.filter]\nassigned_to_me = true\nservice_ids = [\"PS1\", \"ps2\"]",
            r#"accounts[0] (work): filter.service_ids[1] = "ps2" is not a PagerDuty id: ids are capital letters and digits, e.g. "PABC123""#,
        ),
        (
            "[accounts.filter]\nassigned_to_me = true\nteam_ids = [\"\"]",
            r#"accounts[0] (work): filter.team_ids[0] = "" is not a PagerDuty id: ids are capital letters and digits, e.g. "PABC123""#,
        ),
        (
            "[accounts.filter]\nurgencies = [\"high\", \"urgent\"]",
            r#"accounts[0] (work): filter.urgencies[1] = "urgent": allowed values are "high" and "low""#,
        ),
    ];
    for (extra, expected) in cases {
        check(&account(extra), &[expected]);
    }
}

#[test]
fn bad_names_and_providers() {
    let cases: &[(&str, &str)] = &[
        (
            "provider = \"pagerduty\"",
            r#"accounts[0]: name is missing: every account needs a unique name, e.g. name = "work""#,
        ),
        (
            "name = \"my work\"\nprovider = \"pagerduty\"",
            r#"accounts[0]: name = "my work" is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'"#,
        ),
        (
            "name = \"\"\nprovider = \"pagerduty\"",
            r#"accounts[0]: name = "" is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'"#,
        ),
        (
            "name = \"work\"",
            r#"accounts[0] (work): provider is missing: set provider = "pagerduty""#,
        ),
        (
            "name = \"work\"\nprovider = \"opsgenie\"",
            r#"accounts[0] (work): provider = "opsgenie" is not supported yet: the only supported provider is "pagerduty""#,
        ),
        (
            "name = \"work\"\nprovider = \"alertmanager\"",
            r#"accounts[0] (work): provider = "alertmanager" is not supported yet: the only supported provider is "pagerduty""#,
        ),
        (
            "name = \"work\"\nprovider = \"PagerDuty\"",
            r#"accounts[0] (work): provider = "PagerDuty": allowed values are "pagerduty""#,
        ),
    ];
    for (body, expected) in cases {
        check(&format!("[[accounts]]\n{body}\n"), &[expected]);
    }
    let long = "a".repeat(65);
    check(
        &format!("[[accounts]]\nname = \"{long}\"\nprovider = \"pagerduty\"\n"),
        &[&format!(
            "accounts[0]: name = \"{long}\" is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'"
        )],
    );
}

#[test]
fn duplicate_names_point_at_the_first() {
    let text = format!(
        "{}{}[[accounts]]\nname = \"home\"\nprovider = \"pagerduty\"\n{}",
        account(""),
        account(""),
        account("")
    );
    check(
        &text,
        &[
            r#"accounts[1] (work): name = "work" is already used by accounts[0]: account names must be unique"#,
            r#"accounts[3] (work): name = "work" is already used by accounts[0]: account names must be unique"#,
        ],
    );
}

#[test]
fn every_problem_is_listed_not_only_the_first() {
    let text = r#"
[notifications]
low_urgency = "loud"
storm_threshold = 0

[[accounts]]
name = "work"
provider = "pagerduty"
poll_interval_seconds = 1
api_url = "http://pd.example.com"

[[accounts]]
name = "home"
provider = "opsgenie"
"#;
    let err = parse(text).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"/home/me/.config/oncall-tray/config.toml has 5 problems:
  - notifications.low_urgency = "loud": allowed values are "once" and "never"
  - notifications.storm_threshold = 0 is too small: the minimum is 1
  - accounts[0] (work): poll_interval_seconds = 1 is too short: the minimum is 2 seconds
  - accounts[0] (work): api_url = "http://pd.example.com" is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)
  - accounts[1] (home): provider = "opsgenie" is not supported yet: the only supported provider is "pagerduty""#
    );
    let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "notifications.low_urgency",
            "notifications.storm_threshold",
            "accounts[0].poll_interval_seconds",
            "accounts[0].api_url",
            "accounts[1].provider",
        ]
    );
}

#[test]
fn one_problem_is_singular() {
    assert_eq!(
        parse("[notifications]\nstorm_threshold = 0\n")
            .unwrap_err()
            .to_string(),
        "/home/me/.config/oncall-tray/config.toml has 1 problem:\n  - notifications.storm_threshold = 0 is too small: the minimum is 1"
    );
}

// ---------------------------------------------------------------------------------------
// Secrets

#[test]
fn token_keys_are_refused_with_the_keychain_advice() {
    let advice = "tokens never go in config.toml (plain files end up in backups and dotfile repositories): delete it, then run `oncall-tray token set NAME` to keep the token in the system keychain, or set token_command to a command that prints it";
    check(
        &account("token = \"u+abcdef\""),
        &[&format!("line 4: token = …: {advice}")],
    );
    check(
        &account("api_token = \"u+abcdef\"\npassword = \"hunter2\""),
        &[
            &format!("line 4: api_token = …: {advice}"),
            &format!("line 5: password = …: {advice}"),
        ],
    );
    check(
        &account("filter = { \"token\" = \"u+abcdef\" }"),
        &[&format!(
            "accounts[0].filter.token = …: {}",
            advice.replace("token set NAME", "token set work")
        )],
    );
}

/// A broken line must not be quoted back by toml's syntax error when it holds a token.
#[test]
fn token_on_a_broken_line_is_not_echoed() {
    let err = parse(&account("token = u+SECRET-VALUE")).unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
    assert_eq!(err.problems()[0].key, "line 4");
}

#[test]
fn credentials_in_api_url_are_refused_and_not_echoed() {
    let text = account(r#"api_url = "https://me:s3cret@api.pagerduty.com""#);
    let problems = problems(&text);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("accounts[0] (work): api_url contains a user name or password: tokens never go in config.toml"),
        "{}",
        problems[0]
    );
    assert!(!problems[0].contains("s3cret"));
}

// ---------------------------------------------------------------------------------------
// Wrong keys and types: toml's message, with line and column

#[test]
fn unknown_key_names_the_key_and_line() {
    let err = parse(&account("regoin = \"eu\"")).unwrap_err();
    let ConfigError::Parse { message, .. } = &err else {
        panic!("expected a parse error, got {err:?}");
    };
    assert!(message.contains("line 4"), "{message}");
    assert!(message.contains("unknown field `regoin`"), "{message}");
    assert!(
        err.to_string()
            .starts_with("/home/me/.config/oncall-tray/config.toml could not be read: "),
        "{err}"
    );
}

#[test]
fn unknown_top_level_table_is_refused() {
    let err = parse("[notification]\nlow_urgency = \"once\"\n").unwrap_err();
    assert!(
        err.to_string().contains("unknown field `notification`"),
        "{err}"
    );
}

#[test]
fn wrong_type_names_the_line() {
    let err = parse(&account("poll_interval_seconds = \"15\"")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("line 4"), "{text}");
    assert!(text.contains("poll_interval_seconds = \"15\""), "{text}");
    assert!(
        text.contains("invalid type: string \"15\", expected a whole number without quotes"),
        "{text}"
    );
}

#[test]
fn syntax_error_keeps_line_and_column() {
    let err = parse("[notifications]\nlow_urgency = once\n").unwrap_err();
    let ConfigError::Parse { message, .. } = &err else {
        panic!("expected a parse error, got {err:?}");
    };
    assert!(message.contains("line 2, column 15"), "{message}");
}

#[test]
fn unreadable_file_is_a_read_error() {
    let dir = TempDir::new().unwrap();
    // A directory where the file should be: reading fails with an IO error.
    let path = dir.path().join("config.toml");
    fs::create_dir(&path).unwrap();
    let err = Config::load(&path).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    assert!(err
        .to_string()
        .starts_with(&format!("cannot read {}: ", path.display())));
}

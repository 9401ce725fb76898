//! Reading `config.toml`: what a user's file turns into, and what they are told when
//! it is wrong.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use oncall_model::{AccountId, ProviderKind, Urgency};
use oncall_policy::{LowUrgency, NotifyFor, QuietHours, Settings};
use oncall_store::{
    AccountConfig, AlarmSettings, AlertmanagerAccount, AlertmanagerAuth, AuthScheme, Config,
    ConfigError, OpsgenieAccount, OpsgenieRegion, PagerDutyAccount, PagerDutyFilter,
    ProviderConfig, Region, Sound,
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
        other => panic!("expected a PagerDuty account, got {other:?}"),
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
            shift_reminder: Some(oncall_store::DEFAULT_SHIFT_REMINDER),
            noise: oncall_store::NoiseRules::default(),
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
        away_summary_minutes = 0

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
            away_summary_after: None,
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

/// The example in the crate root (and in the README) must stay loadable. It names PEM
/// files relative to its directory (`certs/…`), as a user's config would: the test puts
/// it in a directory where they exist.
#[test]
fn example_config_loads() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("config.toml");
    fs::copy(&example, &path).unwrap();
    let certs = dir.path().join("certs");
    fs::create_dir(&certs).unwrap();
    fs::write(certs.join("alertmanager-ca.pem"), CERT_PEM).unwrap();
    fs::write(
        certs.join("oncall-client.pem"),
        format!("{CERT_PEM}{KEY_PEM}"),
    )
    .unwrap();

    let config = Config::load(&path).unwrap();
    assert_eq!(config.notifications.notify_for, NotifyFor::Mine);
    // `[report]` shows the defaults.
    assert_eq!(config.report, parse("").unwrap().report);
    assert_eq!(
        config
            .accounts
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        [
            "work",
            "platform-team",
            "prometheus",
            "staging-alerts",
            "legacy-ops",
            "ops",
            "grafana"
        ]
    );
    // The example documents the defaults: its first account equals one that sets
    // nothing but what has no default.
    let mut work = config.accounts[0].clone();
    let defaults = parse(&account("")).unwrap().accounts[0].clone();
    work.token_command = None;
    let ProviderConfig::PagerDuty(pd) = &mut work.provider else {
        panic!("the first example account is PagerDuty");
    };
    pd.email = None;
    pd.region = None;
    assert_eq!(work, defaults);

    // The Alertmanager example shows the defaults of severity_high and ack_hours, and
    // its relative paths are resolved against the config file's directory.
    let ProviderConfig::Alertmanager(am) = &config.accounts[2].provider else {
        panic!("the third example account is Alertmanager");
    };
    let ProviderConfig::Alertmanager(am_defaults) =
        AccountConfig::alertmanager("x", url("https://x.example.com")).provider
    else {
        unreachable!()
    };
    assert_eq!(am.severity_high, am_defaults.severity_high);
    assert_eq!(am.ack_duration, am_defaults.ack_duration);
    assert_eq!(am.ack_max_duration, am_defaults.ack_max_duration);
    assert_eq!(
        am.ack_matchers.as_deref(),
        Some(["alertname".to_owned(), "instance".into(), "job".into()].as_slice())
    );
    assert_eq!(
        am.auth,
        AlertmanagerAuth::Basic {
            user: "oncall".into()
        }
    );
    assert_eq!(am.ca_file, Some(certs.join("alertmanager-ca.pem")));
    assert_eq!(am.client_cert, Some(certs.join("oncall-client.pem")));
    assert_eq!(am.api_url, url("https://alertmanager.example.com/prod/"));

    // The Opsgenie example shows the defaults of query and high_priorities.
    let ProviderConfig::Opsgenie(og) = &config.accounts[4].provider else {
        panic!("the last example account is Opsgenie");
    };
    let ProviderConfig::Opsgenie(og_defaults) =
        AccountConfig::opsgenie("x", OpsgenieRegion::Us.api_url()).provider
    else {
        unreachable!()
    };
    assert_eq!(og.query, og_defaults.query);
    assert_eq!(og.high_priorities, og_defaults.high_priorities);
    assert_eq!(og.api_url, url("https://api.eu.opsgenie.com"));
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
fn alarm_defaults_ring_high_urgency_once_and_keep_low_urgency_quiet() {
    let config = parse("[notifications]\n").unwrap();
    assert_eq!(config.alarm, AlarmSettings::default());
    assert_eq!(
        config.alarm.sound_high,
        Sound::Theme("alarm-clock-elapsed".into())
    );
    assert_eq!(config.alarm.sound_low, Sound::None);
    assert_eq!(config.alarm.repeat, None);
    assert_eq!(config.alarm.volume, 100);
}

#[test]
fn alarm_keys_are_read() {
    let dir = TempDir::new().unwrap();
    let sound = dir.path().join("siren.ogg");
    fs::write(&sound, b"not checked here").unwrap();
    let text = format!(
        "[notifications]\nsound_high = {:?}\nsound_low = \"bell\"\nalarm_repeat_seconds = 20\nalarm_volume = 0\n",
        sound.display().to_string()
    );
    let config = Config::parse(&text, &dir.path().join("config.toml")).unwrap();
    assert_eq!(config.alarm.sound_high, Sound::File(sound.clone()));
    assert_eq!(config.alarm.sound_low, Sound::Theme("bell".into()));
    assert_eq!(config.alarm.repeat, Some(Duration::from_secs(20)));
    assert_eq!(config.alarm.volume, 0);

    // Relative to the config file's directory, as ca_file is.
    let relative = "[notifications]\nsound_high = \"siren.ogg\"\nsound_low = \"none\"\n";
    let config = Config::parse(relative, &dir.path().join("config.toml")).unwrap();
    assert_eq!(config.alarm.sound_high, Sound::File(sound));
    assert_eq!(config.alarm.sound_low, Sound::None);
}

#[test]
fn bad_alarm_values() {
    let cases: &[(&str, &str)] = &[
        (
            r#"sound_high = "Loud Siren""#,
            r#"notifications.sound_high = "Loud Siren": allowed are "none", a sound theme name such as "alarm-clock-elapsed", or the path of an Ogg Vorbis or WAV file"#,
        ),
        (
            r#"sound_low = """#,
            r#"notifications.sound_low = "": allowed are "none", a sound theme name such as "alarm-clock-elapsed", or the path of an Ogg Vorbis or WAV file"#,
        ),
        (
            r#"sound_high = "/nonexistent/siren.ogg""#,
            r#"notifications.sound_high = "/nonexistent/siren.ogg" does not exist: allowed are "none", a sound theme name such as "alarm-clock-elapsed", or the path of an Ogg Vorbis or WAV file"#,
        ),
        (
            r#"sound_high = "/""#,
            r#"notifications.sound_high = "/" is a directory: give the path of a sound file"#,
        ),
        (
            "alarm_repeat_seconds = -1",
            "notifications.alarm_repeat_seconds = -1 is out of range: use 0 to play once, or 1 to 3600 seconds",
        ),
        (
            "alarm_repeat_seconds = 3601",
            "notifications.alarm_repeat_seconds = 3601 is out of range: use 0 to play once, or 1 to 3600 seconds",
        ),
        (
            "alarm_volume = 101",
            "notifications.alarm_volume = 101 is out of range: 0 to 100 (percent)",
        ),
        (
            "alarm_volume = -5",
            "notifications.alarm_volume = -5 is out of range: 0 to 100 (percent)",
        ),
    ];
    for (line, expected) in cases {
        check(&format!("[notifications]\n{line}\n"), &[expected]);
    }
    // The key names the problem even when it is the only thing wrong in a valid file.
    let err = parse("[notifications]\nalarm_volume = 200\n").unwrap_err();
    let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["notifications.alarm_volume"]);
}

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
            "away_summary_minutes = 1441",
            "notifications.away_summary_minutes = 1441 is out of range: use 0 for no summary, or 1 to 1440 minutes (one day) away",
        ),
        (
            "away_summary_minutes = -5",
            "notifications.away_summary_minutes = -5 is out of range: use 0 for no summary, or 1 to 1440 minutes (one day) away",
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
            r#"accounts[0] (work): provider is missing: set provider = "pagerduty", "alertmanager", "opsgenie", "jsm" or "grafana-oncall""#,
        ),
        (
            "name = \"work\"\nprovider = \"PagerDuty\"",
            r#"accounts[0] (work): provider = "PagerDuty": allowed values are "pagerduty", "alertmanager", "opsgenie", "jsm" and "grafana-oncall""#,
        ),
        (
            "name = \"work\"\nprovider = \"prometheus\"",
            r#"accounts[0] (work): provider = "prometheus": allowed values are "pagerduty", "alertmanager", "opsgenie", "jsm" and "grafana-oncall""#,
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
email = "me@example.com"
"#;
    let err = parse(text).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"/home/me/.config/oncall-tray/config.toml has 5 problems:
  - notifications.low_urgency = "loud": allowed values are "once" and "never"
  - notifications.storm_threshold = 0 is too small: the minimum is 1
  - accounts[0] (work): poll_interval_seconds = 1 is too short: the minimum is 2 seconds
  - accounts[0] (work): api_url = "http://pd.example.com" is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)
  - accounts[1] (home): email is a PagerDuty/JSM key; an Opsgenie account has no email"#
    );
    let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "notifications.low_urgency",
            "notifications.storm_threshold",
            "accounts[0].poll_interval_seconds",
            "accounts[0].api_url",
            "accounts[1].email",
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

// ---------------------------------------------------------------------------------------
// Alertmanager and Opsgenie accounts

/// Not real key material: validation only looks for the PEM block markers.
const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEfake\n-----END PRIVATE KEY-----\n";

fn alertmanager_account(extra: &str) -> String {
    format!("[[accounts]]\nname = \"am\"\nprovider = \"alertmanager\"\napi_url = \"https://am.example.com\"\n{extra}\n")
}

fn opsgenie_account(extra: &str) -> String {
    format!("[[accounts]]\nname = \"og\"\nprovider = \"opsgenie\"\n{extra}\n")
}

fn alertmanager(config: &Config) -> &AlertmanagerAccount {
    match &config.accounts[0].provider {
        ProviderConfig::Alertmanager(am) => am,
        other => panic!("expected an Alertmanager account, got {other:?}"),
    }
}

fn opsgenie(config: &Config) -> &OpsgenieAccount {
    match &config.accounts[0].provider {
        ProviderConfig::Opsgenie(og) => og,
        other => panic!("expected an Opsgenie account, got {other:?}"),
    }
}

#[test]
fn minimal_alertmanager_account_gets_documented_defaults() {
    let config = parse(&alertmanager_account("")).unwrap();
    assert_eq!(
        config.accounts,
        [AccountConfig {
            name: AccountId::new("am"),
            poll_interval: Duration::from_secs(15),
            token_command: None,
            notify: true,
            shift_reminder: Some(oncall_store::DEFAULT_SHIFT_REMINDER),
            noise: oncall_store::NoiseRules::default(),
            provider: ProviderConfig::Alertmanager(AlertmanagerAccount {
                api_url: url("https://am.example.com/"),
                auth: AlertmanagerAuth::None,
                filter: vec![],
                receiver: None,
                severity_high: vec!["critical".into(), "page".into()],
                ack_duration: Duration::from_secs(2 * 3600),
                ack_max_duration: Duration::from_secs(24 * 3600),
                ack_matchers: None,
                created_by: None,
                ca_file: None,
                client_cert: None,
            }),
        }]
    );
    assert_eq!(
        config.accounts[0],
        AccountConfig::alertmanager("am", url("https://am.example.com"))
    );
    assert_eq!(
        config.accounts[0].provider.kind(),
        ProviderKind::Alertmanager
    );
}

#[test]
fn minimal_opsgenie_account_gets_documented_defaults() {
    let config = parse(&opsgenie_account("")).unwrap();
    assert_eq!(
        config.accounts,
        [AccountConfig {
            name: AccountId::new("og"),
            poll_interval: Duration::from_secs(15),
            token_command: None,
            notify: true,
            shift_reminder: Some(oncall_store::DEFAULT_SHIFT_REMINDER),
            noise: oncall_store::NoiseRules::default(),
            provider: ProviderConfig::Opsgenie(OpsgenieAccount {
                api_url: url("https://api.opsgenie.com"),
                region: None,
                query: "status:open".into(),
                responder: None,
                on_call_user: None,
                high_priorities: vec!["P1".into(), "P2".into()],
            }),
        }]
    );
    assert_eq!(
        config.accounts[0],
        AccountConfig::opsgenie("og", url("https://api.opsgenie.com"))
    );
    assert_eq!(config.accounts[0].provider.kind(), ProviderKind::Opsgenie);
    assert_eq!(opsgenie(&config).list_query(), "status:open");
}

#[test]
fn full_alertmanager_account_is_read_value_by_value() {
    let dir = TempDir::new().unwrap();
    fs::create_dir(dir.path().join("certs")).unwrap();
    fs::write(dir.path().join("certs/ca.pem"), CERT_PEM).unwrap();
    let client = dir.path().join("client.pem");
    fs::write(&client, format!("{KEY_PEM}{CERT_PEM}")).unwrap();
    let path = dir.path().join("config.toml");
    fs::write(
        &path,
        format!(
            r#"
            [[accounts]]
            name = "prom"
            provider = "alertmanager"
            api_url = "https://am.example.com/prefix"
            poll_interval_seconds = 30
            token_command = "pass show am"
            notify = false
            auth = "basic"
            basic_user = "oncall"
            filter = [' team="platform" ', 'severity=~"crit.*"', 'env!="dev"', 'job!~"a|b"', 'summary="say \"hi\""']
            receiver = "platform-.*"
            severity_high = ["critical", " sev1 ", "critical"]
            ack_hours = 168
            ack_max_hours = 168
            ack_matchers = [" instance ", "alertname", "instance"]
            created_by = " jane "
            ca_file = "certs/ca.pem"
            client_cert = {client:?}
            "#
        ),
    )
    .unwrap();
    let config = Config::load(&path).unwrap();
    let account = &config.accounts[0];
    assert_eq!(account.poll_interval, Duration::from_secs(30));
    assert_eq!(account.token_command.as_deref(), Some("pass show am"));
    assert!(!account.notify);
    assert_eq!(
        alertmanager(&config),
        &AlertmanagerAccount {
            api_url: url("https://am.example.com/prefix/"),
            auth: AlertmanagerAuth::Basic {
                user: "oncall".into()
            },
            filter: vec![
                r#"team="platform""#.into(),
                r#"severity=~"crit.*""#.into(),
                r#"env!="dev""#.into(),
                r#"job!~"a|b""#.into(),
                r#"summary="say \"hi\"""#.into(),
            ],
            receiver: Some("platform-.*".into()),
            severity_high: vec!["critical".into(), "sev1".into()],
            ack_duration: Duration::from_secs(168 * 3600),
            ack_max_duration: Duration::from_secs(168 * 3600),
            ack_matchers: Some(vec!["instance".into(), "alertname".into()]),
            created_by: Some("jane".into()),
            ca_file: Some(dir.path().join("certs/ca.pem")),
            client_cert: Some(client),
        }
    );
}

#[test]
fn full_opsgenie_account_is_read_value_by_value() {
    let config = parse(&opsgenie_account(
        r#"region = "eu"
query = " status:open AND tag:db "
responder = " Platform Team "
on_call_user = " pat@example.com "
high_priorities = ["P3", "P1", "P3"]
poll_interval_seconds = 60"#,
    ))
    .unwrap();
    assert_eq!(config.accounts[0].poll_interval, Duration::from_secs(60));
    let og = opsgenie(&config);
    assert_eq!(
        og,
        &OpsgenieAccount {
            api_url: url("https://api.eu.opsgenie.com"),
            region: Some(OpsgenieRegion::Eu),
            query: "status:open AND tag:db".into(),
            responder: Some("Platform Team".into()),
            on_call_user: Some("pat@example.com".into()),
            high_priorities: vec!["P3".into(), "P1".into()],
        }
    );
    assert_eq!(
        og.list_query(),
        r#"status:open AND tag:db AND responders:"Platform Team""#
    );
}

#[test]
fn opsgenie_api_url_wins_over_region_and_regions_have_hosts() {
    let config = parse(&opsgenie_account(
        "region = \"eu\"\napi_url = \"http://127.0.0.1:4010\"",
    ))
    .unwrap();
    assert_eq!(opsgenie(&config).api_url, url("http://127.0.0.1:4010"));
    assert_eq!(opsgenie(&config).region, Some(OpsgenieRegion::Eu));
    assert_eq!(
        OpsgenieRegion::Us.api_url(),
        url("https://api.opsgenie.com")
    );
    assert_eq!(
        OpsgenieRegion::Eu.api_url(),
        url("https://api.eu.opsgenie.com")
    );
    assert_eq!(OpsgenieRegion::from(Region::Eu), OpsgenieRegion::Eu);
    assert_eq!(OpsgenieRegion::Us.to_string(), "us");
}

#[test]
fn opsgenie_takes_every_priority_and_an_empty_list() {
    let config = parse(&opsgenie_account(
        r#"high_priorities = ["P1", "P2", "P3", "P4", "P5"]"#,
    ))
    .unwrap();
    assert_eq!(
        opsgenie(&config).high_priorities,
        ["P1", "P2", "P3", "P4", "P5"]
    );
    let config = parse(&opsgenie_account("high_priorities = []")).unwrap();
    assert!(opsgenie(&config).high_priorities.is_empty());
}

#[test]
fn alertmanager_auth_combinations() {
    let cases: &[(&str, AlertmanagerAuth)] = &[
        ("", AlertmanagerAuth::None),
        (r#"auth = "none""#, AlertmanagerAuth::None),
        (
            r#"basic_user = "oncall""#,
            AlertmanagerAuth::Basic {
                user: "oncall".into(),
            },
        ),
        (
            "auth = \"basic\"\nbasic_user = \"on call\"",
            AlertmanagerAuth::Basic {
                user: "on call".into(),
            },
        ),
        (r#"auth = "bearer""#, AlertmanagerAuth::Bearer),
        (
            "auth = \"header\"\nheader_name = \"X-Scope-OrgID\"",
            AlertmanagerAuth::Header {
                name: "X-Scope-OrgID".into(),
            },
        ),
    ];
    for (extra, expected) in cases {
        let config = parse(&alertmanager_account(extra)).unwrap();
        assert_eq!(&alertmanager(&config).auth, expected, "{extra}");
    }
    assert!(!AlertmanagerAuth::None.needs_token());
    assert!(AlertmanagerAuth::Bearer.needs_token());
    assert_eq!(
        AlertmanagerAuth::Header { name: "X".into() }.as_str(),
        "header"
    );
}

#[test]
fn alertmanager_api_url_keeps_the_route_prefix() {
    let cases = [
        ("https://am.example.com", "https://am.example.com/"),
        ("https://am.example.com/", "https://am.example.com/"),
        (
            "https://example.com/alertmanager",
            "https://example.com/alertmanager/",
        ),
        ("http://127.0.0.1:9093", "http://127.0.0.1:9093/"),
        ("http://localhost:9093/am/", "http://localhost:9093/am/"),
    ];
    for (written, expected) in cases {
        let config = parse(&format!(
            "[[accounts]]\nname = \"am\"\nprovider = \"alertmanager\"\napi_url = {written:?}\n"
        ))
        .unwrap();
        let am = alertmanager(&config);
        assert_eq!(am.api_url, url(expected));
        // The point of the trailing slash: joining keeps the prefix.
        assert_eq!(
            am.api_url.join("api/v2/alerts").unwrap(),
            url(&format!("{expected}api/v2/alerts"))
        );
    }
    assert_eq!(
        AccountConfig::alertmanager("am", url("https://example.com/am"))
            .provider
            .api_url(),
        &url("https://example.com/am/")
    );
}

#[test]
fn ack_hours_limits_are_inclusive() {
    for hours in [1, 168] {
        let config = parse(&alertmanager_account(&format!("ack_hours = {hours}"))).unwrap();
        assert_eq!(
            alertmanager(&config).ack_duration,
            Duration::from_secs(hours * 3600)
        );
    }
}

/// Issue 16: an acknowledgement kept alive for up to `ack_max_hours`, on the labels of
/// `ack_matchers`.
#[test]
fn ack_max_hours_and_ack_matchers() {
    let read = |extra: &str| alertmanager(&parse(&alertmanager_account(extra)).unwrap()).clone();
    let hours = |h: u64| Duration::from_secs(h * 3600);
    assert_eq!(read("").ack_max_duration, hours(24), "one on-call day");
    assert_eq!(
        read("ack_hours = 48").ack_max_duration,
        hours(48),
        "a config from before the key: never shorter than one silence"
    );
    for (extra, expected) in [
        ("ack_hours = 3\nack_max_hours = 3", 3),
        ("ack_max_hours = 2", 2),
        ("ack_max_hours = 168", 168),
    ] {
        assert_eq!(read(extra).ack_max_duration, hours(expected), "{extra}");
    }
    assert_eq!(read("").ack_matchers, None, "every label");
    assert_eq!(
        read(r#"ack_matchers = [" job ", "job", "_instance2"]"#).ack_matchers,
        Some(vec!["job".to_owned(), "_instance2".into()])
    );

    let cases: &[(&str, &[&str])] = &[
        (
            "ack_max_hours = 1",
            &["accounts[0] (am): ack_max_hours = 1 is shorter than ack_hours (2, the default): an acknowledgement is kept alive at least as long as one silence lasts; give 2 or more, e.g. ack_max_hours = 24 (one on-call day)"],
        ),
        (
            "ack_hours = 6\nack_max_hours = 5",
            &["accounts[0] (am): ack_max_hours = 5 is shorter than ack_hours (6): an acknowledgement is kept alive at least as long as one silence lasts; give 6 or more, e.g. ack_max_hours = 24 (one on-call day)"],
        ),
        (
            "ack_max_hours = -1",
            &["accounts[0] (am): ack_max_hours = -1 is shorter than ack_hours (2, the default): an acknowledgement is kept alive at least as long as one silence lasts; give 2 or more, e.g. ack_max_hours = 24 (one on-call day)"],
        ),
        (
            "ack_max_hours = 169",
            &["accounts[0] (am): ack_max_hours = 169 is too long: the maximum is 168 hours (one week)"],
        ),
        (
            "ack_hours = 0\nack_max_hours = 1",
            &["accounts[0] (am): ack_hours = 0 is too short: the minimum is 1 hour"],
        ),
        (
            "ack_matchers = []",
            &[r#"accounts[0] (am): ack_matchers is empty: list the labels an acknowledgement matches on, e.g. ack_matchers = ["alertname", "instance", "job"], or remove it to match every label of the alert"#],
        ),
        (
            r#"ack_matchers = ["alertname", " ", "job-name", "2xx"]"#,
            &[
                r#"accounts[0] (am): ack_matchers[1] is empty: give a label name, e.g. ack_matchers = ["alertname", "instance", "job"]"#,
                r#"accounts[0] (am): ack_matchers[2] = "job-name" is not a label name: use letters, digits and '_', not starting with a digit, e.g. ack_matchers = ["alertname", "instance", "job"]"#,
                r#"accounts[0] (am): ack_matchers[3] = "2xx" is not a label name: use letters, digits and '_', not starting with a digit, e.g. ack_matchers = ["alertname", "instance", "job"]"#,
            ],
        ),
    ];
    for (extra, expected) in cases {
        assert_eq!(problems(&alertmanager_account(extra)), *expected, "{extra}");
    }
    for key in ["ack_max_hours = 24", r#"ack_matchers = ["job"]"#] {
        let name = key.split(' ').next().unwrap();
        assert_eq!(
            problems(&opsgenie_account(key)),
            [format!("accounts[0] (og): {name} is an Alertmanager key; an Opsgenie account has no {name}")]
        );
    }
}

#[test]
fn bad_alertmanager_values() {
    let cases: &[(&str, &str)] = &[
        (
            "ack_hours = 0",
            "accounts[0] (am): ack_hours = 0 is too short: the minimum is 1 hour",
        ),
        (
            "ack_hours = -2",
            "accounts[0] (am): ack_hours = -2 is too short: the minimum is 1 hour",
        ),
        (
            "ack_hours = 169",
            "accounts[0] (am): ack_hours = 169 is too long: the maximum is 168 hours (one week)",
        ),
        (
            r#"auth = "token""#,
            r#"accounts[0] (am): auth = "token": allowed values are "none" (the default), "basic" (basic_user and a password), "bearer" (a bearer token) and "header" (a token in the header named by header_name)"#,
        ),
        (
            r#"auth = "basic""#,
            r#"accounts[0] (am): basic_user is missing: auth = "basic" needs the user name, e.g. basic_user = "oncall" (the password is stored with `oncall-tray token set am`)"#,
        ),
        (
            "auth = \"bearer\"\nbasic_user = \"oncall\"",
            r#"accounts[0] (am): basic_user is only used with auth = "basic", and auth is "bearer": remove basic_user, or set auth = "basic""#,
        ),
        (
            "auth = \"none\"\nbasic_user = \"oncall\"",
            r#"accounts[0] (am): basic_user is only used with auth = "basic", and auth is "none": remove basic_user, or set auth = "basic""#,
        ),
        (
            r#"basic_user = "me:you""#,
            r#"accounts[0] (am): basic_user = "me:you" is not allowed: a basic auth user name cannot be empty or contain ':' or control characters"#,
        ),
        (
            r#"basic_user = """#,
            r#"accounts[0] (am): basic_user = "" is not allowed: a basic auth user name cannot be empty or contain ':' or control characters"#,
        ),
        (
            r#"auth = "header""#,
            r#"accounts[0] (am): header_name is missing: auth = "header" needs the header's name, e.g. header_name = "X-Auth-Token" (its value is stored with `oncall-tray token set am`)"#,
        ),
        (
            r#"header_name = "X-Auth-Token""#,
            r#"accounts[0] (am): header_name is only used with auth = "header", and auth is "none": set auth = "header", or remove header_name"#,
        ),
        (
            "auth = \"header\"\nheader_name = \"X Auth\"",
            r#"accounts[0] (am): header_name = "X Auth" is not an HTTP header name: use letters, digits and '-', e.g. "X-Auth-Token""#,
        ),
        (
            "auth = \"header\"\nheader_name = \"X-Token:\"",
            r#"accounts[0] (am): header_name = "X-Token:" is not an HTTP header name: use letters, digits and '-', e.g. "X-Auth-Token""#,
        ),
        (
            r#"receiver = "team-(a""#,
            r#"accounts[0] (am): receiver = "team-(a" is not a valid regular expression (unclosed group): write one in Alertmanager's (RE2) syntax, e.g. "team-a|team-b""#,
        ),
        (
            r#"receiver = """#,
            r#"accounts[0] (am): receiver is empty: remove it to list the alerts of every receiver, or give a regular expression, e.g. receiver = "team-a|team-b""#,
        ),
        (
            r#"severity_high = ["critical", " "]"#,
            r#"accounts[0] (am): severity_high[1] is empty: list values of the severity label, e.g. severity_high = ["critical", "page"]"#,
        ),
        (
            r#"created_by = "  ""#,
            r#"accounts[0] (am): created_by is empty: remove it to sign silences with your OS user name, or give a name, e.g. created_by = "jane""#,
        ),
    ];
    for (extra, expected) in cases {
        check(&alertmanager_account(extra), &[expected]);
    }
}

#[test]
fn bad_label_matchers() {
    let shape = r#"is not a label matcher: write name="value" with one of the operators =, !=, =~ or !~ and the value in double quotes, e.g. 'alertname="Foo"', 'severity=~"crit.*"'"#;
    let cases: &[(&str, String)] = &[
        (
            r#"filter = ['alertname=Foo']"#,
            format!("accounts[0] (am): filter[0] = 'alertname=Foo' {shape}"),
        ),
        (
            r#"filter = ['alertname="Foo"', 'severity=="critical"']"#,
            format!(r#"accounts[0] (am): filter[1] = 'severity=="critical"' {shape}"#),
        ),
        (
            r#"filter = ['="x"']"#,
            format!(r#"accounts[0] (am): filter[0] = '="x"' {shape}"#),
        ),
        (
            r#"filter = ['1abc="x"']"#,
            format!(r#"accounts[0] (am): filter[0] = '1abc="x"' {shape}"#),
        ),
        (
            r#"filter = ['team = "a"']"#,
            format!(r#"accounts[0] (am): filter[0] = 'team = "a"' {shape}"#),
        ),
        (
            r#"filter = ['team="a"b"']"#,
            format!(r#"accounts[0] (am): filter[0] = 'team="a"b"' {shape}"#),
        ),
        (
            r#"filter = ['team="a']"#,
            format!(r#"accounts[0] (am): filter[0] = 'team="a' {shape}"#),
        ),
        (
            r#"filter = ["team='a'"]"#,
            format!(r#"accounts[0] (am): filter[0] = "team='a'" {shape}"#),
        ),
        (
            r#"filter = ['severity=~"crit(ical"']"#,
            r#"accounts[0] (am): filter[0] = 'severity=~"crit(ical"' has an invalid regular expression (unclosed group): write it in Alertmanager's (RE2) syntax, e.g. 'severity=~"crit.*"'"#.to_string(),
        ),
    ];
    for (extra, expected) in cases {
        check(&alertmanager_account(extra), &[expected]);
    }
}

#[test]
fn bad_opsgenie_values() {
    let cases: &[(&str, &str)] = &[
        (
            r#"region = "asia""#,
            r#"accounts[0] (og): region = "asia": allowed values are "us" and "eu""#,
        ),
        (
            r#"high_priorities = ["P1", "P6"]"#,
            r#"accounts[0] (og): high_priorities[1] = "P6": allowed values are "P1", "P2", "P3", "P4" and "P5""#,
        ),
        (
            r#"high_priorities = ["p1"]"#,
            r#"accounts[0] (og): high_priorities[0] = "p1": allowed values are "P1", "P2", "P3", "P4" and "P5""#,
        ),
        (
            r#"query = " ""#,
            r#"accounts[0] (og): query is empty: remove it for the default "status:open", or give an Opsgenie search query, e.g. query = "status:open AND priority:P1""#,
        ),
        (
            r#"responder = """#,
            r#"accounts[0] (og): responder is empty: remove it to list every alert the query finds, or give a user, team or schedule name, e.g. responder = "Platform Team""#,
        ),
        (
            r#"responder = 'the "A" team'"#,
            r#"accounts[0] (og): responder = "the \"A\" team" is not allowed: a responder name cannot contain '"' or control characters"#,
        ),
        (
            r#"on_call_user = "  ""#,
            r#"accounts[0] (og): on_call_user is empty: remove it (no shifts are shown then), or give your Opsgenie login email, e.g. on_call_user = "pat@example.com""#,
        ),
        (
            r#"on_call_user = 'pat"@example.com'"#,
            r#"accounts[0] (og): on_call_user = "pat\"@example.com" is not allowed: an Opsgenie user (login email or user id) cannot contain '"' or control characters"#,
        ),
        (
            r#"on_call_user = "pat@example.com\u0007""#,
            r#"accounts[0] (og): on_call_user = "pat@example.com\u{7}" is not allowed: an Opsgenie user (login email or user id) cannot contain '"' or control characters"#,
        ),
        (
            r#"api_url = "http://api.opsgenie.com""#,
            r#"accounts[0] (og): api_url = "http://api.opsgenie.com" is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)"#,
        ),
        (
            r#"api_url = "api.opsgenie.com""#,
            r#"accounts[0] (og): api_url = "api.opsgenie.com" is not a URL (relative URL without a base): write it like "https://api.opsgenie.com""#,
        ),
    ];
    for (extra, expected) in cases {
        check(&opsgenie_account(extra), &[expected]);
    }
}

#[test]
fn alertmanager_api_url_is_required_https_and_a_base() {
    check(
        "[[accounts]]\nname = \"am\"\nprovider = \"alertmanager\"\n",
        &[
            r#"accounts[0] (am): api_url is missing: an Alertmanager account needs the server's base URL, with its route prefix if it has one, e.g. api_url = "https://alertmanager.example.com""#,
        ],
    );
    let cases: &[(&str, &str)] = &[
        (
            "http://am.internal:9093",
            r#"accounts[0] (am): api_url = "http://am.internal:9093" is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)"#,
        ),
        (
            "am.example.com",
            r#"accounts[0] (am): api_url = "am.example.com" is not a URL (relative URL without a base): write it like "https://alertmanager.example.com""#,
        ),
        (
            "https://am.example.com/api/v2",
            r#"accounts[0] (am): api_url = "https://am.example.com/api/v2" ends in /api/v2: give the base URL without it (with the route prefix, if any), e.g. "https://am.example.com""#,
        ),
        (
            "https://example.com/am/api/v2/",
            r#"accounts[0] (am): api_url = "https://example.com/am/api/v2/" ends in /api/v2: give the base URL without it (with the route prefix, if any), e.g. "https://example.com/am""#,
        ),
    ];
    for (api_url, expected) in cases {
        check(
            &format!(
                "[[accounts]]\nname = \"am\"\nprovider = \"alertmanager\"\napi_url = {api_url:?}\n"
            ),
            &[expected],
        );
    }
}

#[test]
fn pem_files_must_exist_and_hold_the_right_blocks() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("cert-only.pem"), CERT_PEM).unwrap();
    fs::write(dir.path().join("key-only.pem"), KEY_PEM).unwrap();
    fs::write(dir.path().join("empty.pem"), "").unwrap();
    fs::create_dir(dir.path().join("certs")).unwrap();
    let config_dir = dir.path().display().to_string();
    let cases: Vec<(&str, String)> = vec![
        (
            r#"ca_file = "missing.pem""#,
            format!(r#"accounts[0] (am): ca_file = "missing.pem" does not exist (relative paths start from the config file's directory: looked for {config_dir}/missing.pem)"#),
        ),
        (
            r#"ca_file = "/nonexistent/ca.pem""#,
            r#"accounts[0] (am): ca_file = "/nonexistent/ca.pem" does not exist"#.to_string(),
        ),
        (
            r#"ca_file = "certs""#,
            format!(r#"accounts[0] (am): ca_file = "certs" is a directory: give the path of a PEM file (relative paths start from the config file's directory: looked for {config_dir}/certs)"#),
        ),
        (
            r#"ca_file = "empty.pem""#,
            r#"accounts[0] (am): ca_file = "empty.pem" is not a PEM certificate file: it needs at least one -----BEGIN CERTIFICATE----- block"#.to_string(),
        ),
        (
            r#"ca_file = """#,
            "accounts[0] (am): ca_file is empty: remove it, or give the path of a PEM file".to_string(),
        ),
        (
            r#"client_cert = "cert-only.pem""#,
            r#"accounts[0] (am): client_cert = "cert-only.pem" has no private key: it must be one PEM file with the client certificate and its private key (-----BEGIN PRIVATE KEY-----)"#.to_string(),
        ),
        (
            r#"client_cert = "key-only.pem""#,
            r#"accounts[0] (am): client_cert = "key-only.pem" has no certificate: it must be one PEM file with the client certificate (-----BEGIN CERTIFICATE-----) and its private key"#.to_string(),
        ),
    ];
    let path = dir.path().join("config.toml");
    for (extra, expected) in cases {
        fs::write(&path, alertmanager_account(extra)).unwrap();
        match Config::load(&path) {
            Err(err) => {
                let messages: Vec<&str> =
                    err.problems().iter().map(|p| p.message.as_str()).collect();
                assert_eq!(messages, [expected.as_str()], "{extra}");
            }
            Ok(config) => panic!("{extra} was accepted: {config:?}"),
        }
    }
    // A CA file may hold a whole bundle; a certificate is enough.
    fs::write(&path, alertmanager_account("ca_file = \"cert-only.pem\"")).unwrap();
    let config = Config::load(&path).unwrap();
    assert_eq!(
        alertmanager(&config).ca_file,
        Some(dir.path().join("cert-only.pem"))
    );
}

#[cfg(unix)]
#[test]
fn unreadable_pem_file_says_why() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new().unwrap();
    let ca = dir.path().join("ca.pem");
    fs::write(&ca, CERT_PEM).unwrap();
    fs::set_permissions(&ca, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&ca).is_ok() {
        // Running as root: permissions do not stop reading, nothing to test.
        return;
    }
    let path = dir.path().join("config.toml");
    fs::write(&path, alertmanager_account("ca_file = \"ca.pem\"")).unwrap();
    let err = Config::load(&path).unwrap_err();
    assert_eq!(
        err.problems()[0].message,
        format!(
            "accounts[0] (am): ca_file = \"ca.pem\" cannot be read (Permission denied (os error 13)) (relative paths start from the config file's directory: looked for {})",
            ca.display()
        )
    );
}

#[test]
fn keys_of_another_provider_are_refused_naming_their_provider() {
    type Case = (fn(&str) -> String, &'static str, &'static str);
    let cases: &[Case] = &[
        (
            alertmanager_account,
            r#"region = "eu""#,
            "accounts[0] (am): region is a PagerDuty/Opsgenie key; an Alertmanager account has no region",
        ),
        (
            alertmanager_account,
            r#"email = "me@example.com""#,
            "accounts[0] (am): email is a PagerDuty/JSM key; an Alertmanager account has no email",
        ),
        (
            alertmanager_account,
            r#"query = "status:open""#,
            "accounts[0] (am): query is an Opsgenie/JSM key; an Alertmanager account has no query",
        ),
        (
            alertmanager_account,
            r#"high_priorities = ["P1"]"#,
            "accounts[0] (am): high_priorities is an Opsgenie/JSM key; an Alertmanager account has no high_priorities",
        ),
        (
            opsgenie_account,
            r#"auth = "token""#,
            "accounts[0] (og): auth is a PagerDuty/Alertmanager key; an Opsgenie account has no auth",
        ),
        (
            opsgenie_account,
            "[accounts.filter]\nassigned_to_me = true",
            "accounts[0] (og): filter is a PagerDuty/Alertmanager key; an Opsgenie account has no filter",
        ),
        (
            opsgenie_account,
            r#"basic_user = "me""#,
            "accounts[0] (og): basic_user is an Alertmanager key; an Opsgenie account has no basic_user",
        ),
        (
            opsgenie_account,
            r#"email = "me@example.com""#,
            "accounts[0] (og): email is a PagerDuty/JSM key; an Opsgenie account has no email",
        ),
        (
            account,
            r#"basic_user = "me""#,
            "accounts[0] (work): basic_user is an Alertmanager key; a PagerDuty account has no basic_user",
        ),
        (
            account,
            r#"header_name = "X-Token""#,
            "accounts[0] (work): header_name is an Alertmanager key; a PagerDuty account has no header_name",
        ),
        (
            account,
            r#"receiver = "x""#,
            "accounts[0] (work): receiver is an Alertmanager key; a PagerDuty account has no receiver",
        ),
        (
            account,
            r#"severity_high = ["critical"]"#,
            "accounts[0] (work): severity_high is an Alertmanager key; a PagerDuty account has no severity_high",
        ),
        (
            account,
            "ack_hours = 2",
            "accounts[0] (work): ack_hours is an Alertmanager key; a PagerDuty account has no ack_hours",
        ),
        (
            account,
            r#"created_by = "me""#,
            "accounts[0] (work): created_by is an Alertmanager key; a PagerDuty account has no created_by",
        ),
        (
            account,
            r#"ca_file = "ca.pem""#,
            "accounts[0] (work): ca_file is an Alertmanager key; a PagerDuty account has no ca_file",
        ),
        (
            account,
            r#"client_cert = "c.pem""#,
            "accounts[0] (work): client_cert is an Alertmanager key; a PagerDuty account has no client_cert",
        ),
        (
            account,
            r#"responder = "me""#,
            "accounts[0] (work): responder is an Opsgenie/JSM key; a PagerDuty account has no responder",
        ),
        (
            account,
            r#"on_call_user = "pat@example.com""#,
            "accounts[0] (work): on_call_user is an Opsgenie key; a PagerDuty account has no on_call_user",
        ),
        (
            alertmanager_account,
            r#"on_call_user = "pat@example.com""#,
            "accounts[0] (am): on_call_user is an Opsgenie key; an Alertmanager account has no on_call_user",
        ),
    ];
    for (account, extra, expected) in cases {
        check(&account(extra), &[expected]);
    }
    // Every foreign key is listed, and the provider's own checks wait until they are
    // gone (a bad value next to a misplaced key would only add noise).
    check(
        &opsgenie_account("email = \"me\"\nack_hours = 0\nregion = \"asia\""),
        &[
            "accounts[0] (og): email is a PagerDuty/JSM key; an Opsgenie account has no email",
            "accounts[0] (og): ack_hours is an Alertmanager key; an Opsgenie account has no ack_hours",
        ],
    );
}

#[test]
fn filter_shape_is_per_provider() {
    check(
        &account(r#"filter = ['severity="critical"']"#),
        &["accounts[0] (work): filter is a list, but a PagerDuty filter is a table: write an [accounts.filter] table with assigned_to_me, team_ids, service_ids or urgencies (lists of label matchers are for Alertmanager accounts)"],
    );
    check(
        &alertmanager_account("[accounts.filter]\nassigned_to_me = true"),
        &[
            r#"accounts[0] (am): filter is a table, but an Alertmanager filter is a list of label matchers, e.g. filter = ['alertname="Foo"', 'severity=~"crit.*"'] (an [accounts.filter] table is for PagerDuty accounts)"#,
        ],
    );
    // A table key PagerDuty does not have is toml's unknown field, with its line.
    let err = parse(&alertmanager_account(r#"filter = { alertname = "Foo" }"#)).unwrap_err();
    let ConfigError::Parse { message, .. } = &err else {
        panic!("expected a parse error, got {err:?}");
    };
    assert!(message.contains("line 5"), "{message}");
    assert!(message.contains("unknown field `alertname`"), "{message}");
    // Neither a table nor a list: both shapes are named.
    let err = parse(&alertmanager_account(r#"filter = 'severity="critical"'"#)).unwrap_err();
    let ConfigError::Parse { message, .. } = &err else {
        panic!("expected a parse error, got {err:?}");
    };
    assert!(message.contains("line 5"), "{message}");
    assert!(
        message.contains(r#"expected a table of conditions ([accounts.filter], for PagerDuty) or an array of label matchers (filter = ['severity="critical"'], for Alertmanager)"#),
        "{message}"
    );
}

#[test]
fn token_like_keys_are_refused_in_every_provider() {
    let advice = |name: &str| {
        format!("tokens never go in config.toml (plain files end up in backups and dotfile repositories): delete it, then run `oncall-tray token set {name}` to keep the token in the system keychain, or set token_command to a command that prints it")
    };
    check(
        &alertmanager_account(
            "basic_password = \"hunter2\"\nheader_value = \"abc\"\nbearer_token = \"t\"",
        ),
        &[
            &format!("line 5: basic_password = …: {}", advice("NAME")),
            &format!("line 6: header_value = …: {}", advice("NAME")),
            &format!("line 7: bearer_token = …: {}", advice("NAME")),
        ],
    );
    check(
        &opsgenie_account("api_key = \"abc\"\ngenie_key = \"abc\"\npassword = \"x\""),
        &[
            &format!("line 4: api_key = …: {}", advice("NAME")),
            &format!("line 5: genie_key = …: {}", advice("NAME")),
            &format!("line 6: password = …: {}", advice("NAME")),
        ],
    );
    // A secret in the URL is refused for Alertmanager too, and not echoed.
    let problems = problems(
        "[[accounts]]\nname = \"am\"\nprovider = \"alertmanager\"\napi_url = \"https://oncall:s3cret@am.example.com\"\n",
    );
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("accounts[0] (am): api_url contains a user name or password: tokens never go in config.toml"),
        "{}",
        problems[0]
    );
    assert!(!problems[0].contains("s3cret"));
}

// ---------------------------------------------------------------------------------------
// Shift reminders and your hours

#[test]
fn shift_reminder_minutes_default_off_and_limits() {
    let reminder = |config: &Config| config.accounts[0].shift_reminder;
    let minutes = |n: u64| Some(Duration::from_secs(n * 60));
    assert_eq!(reminder(&parse(&account("")).unwrap()), minutes(15));
    assert_eq!(
        reminder(&parse(&account("shift_reminder_minutes = 0")).unwrap()),
        None
    );
    assert_eq!(
        reminder(&parse(&account("shift_reminder_minutes = 1")).unwrap()),
        minutes(1)
    );
    assert_eq!(
        reminder(&parse(&account("shift_reminder_minutes = 1440")).unwrap()),
        minutes(1440)
    );
    assert_eq!(
        reminder(&parse(&opsgenie_account("shift_reminder_minutes = 45")).unwrap()),
        minutes(45)
    );
    check(
        &account("shift_reminder_minutes = 1441"),
        &["accounts[0] (work): shift_reminder_minutes = 1441 is out of range: use 0 for no reminder, or 1 to 1440 minutes (one day) before a shift"],
    );
    check(
        &opsgenie_account("shift_reminder_minutes = -5"),
        &["accounts[0] (og): shift_reminder_minutes = -5 is out of range: use 0 for no reminder, or 1 to 1440 minutes (one day) before a shift"],
    );
    check(
        &alertmanager_account("shift_reminder_minutes = 15"),
        &["accounts[0] (am): shift_reminder_minutes is a PagerDuty/Opsgenie/JSM/Grafana OnCall key; an Alertmanager account has no shift_reminder_minutes"],
    );
    let err = parse(&account("shift_reminder_minutes = \"15\"")).unwrap_err();
    assert!(
        err.to_string().contains("a whole number without quotes"),
        "{err}"
    );
}

/// `[report]` as the form shows it, which is how the tests read `Config::report`.
fn hours(config: &Config) -> (String, Vec<String>, String) {
    let form = oncall_store::ReportForm::from_config(&config.report);
    (form.working_hours, form.working_days, form.sleep_hours)
}

#[test]
fn report_hours_default_to_office_hours_and_a_night() {
    let weekdays = ["mon", "tue", "wed", "thu", "fri"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        hours(&parse("").unwrap()),
        ("09:00-18:00".into(), weekdays.clone(), "22:00-07:00".into())
    );
    assert_eq!(
        hours(&parse("[report]\n").unwrap()),
        ("09:00-18:00".into(), weekdays, "22:00-07:00".into())
    );
}

#[test]
fn report_hours_are_read() {
    let config = parse(
        "[report]\nworking_hours = \"7:30 - 16:00\"\nworking_days = [\"sun\", \"wed\", \"sun\"]\nsleep_hours = \"01:00-09:00\"\n",
    )
    .unwrap();
    assert_eq!(
        hours(&config),
        (
            "07:30-16:00".into(),
            vec!["wed".into(), "sun".into()],
            "01:00-09:00".into()
        )
    );
    // No working day at all: every page counts for the night.
    let none = parse("[report]\nworking_days = []\n").unwrap();
    assert!(none.report.working_hours.weekdays().is_empty());
    // Working hours may end at the last minute of the day.
    let late = parse("[report]\nworking_hours = \"00:00-23:59\"\n").unwrap();
    assert_eq!(late.report.working_hours.end(), time("23:59"));
}

#[test]
fn bad_report_hours() {
    check(
        "[report]\nworking_hours = \"9-5\"\n",
        &[
            r#"report.working_hours = "9-5" is not a range of times: write "HH:MM-HH:MM" on a 24-hour clock, e.g. "09:00-18:00""#,
        ],
    );
    check(
        "[report]\nworking_hours = \"09:00\"\n",
        &[
            r#"report.working_hours = "09:00" is not a range of times: write "HH:MM-HH:MM" on a 24-hour clock, e.g. "09:00-18:00""#,
        ],
    );
    check(
        "[report]\nworking_hours = \"22:00-06:00\"\n",
        &[
            r#"report.working_hours = "22:00-06:00" must start before it ends (working through midnight is not supported), e.g. "09:00-18:00""#,
        ],
    );
    check(
        "[report]\nworking_hours = \"09:00-09:00\"\n",
        &[
            r#"report.working_hours = "09:00-09:00" must start before it ends (working through midnight is not supported), e.g. "09:00-18:00""#,
        ],
    );
    check(
        "[report]\nsleep_hours = \"23:00-24:00\"\n",
        &[
            r#"report.sleep_hours = "23:00-24:00" is not a range of times: write "HH:MM-HH:MM" on a 24-hour clock, e.g. "22:00-07:00""#,
        ],
    );
    check(
        "[report]\nsleep_hours = \"22:00-22:00\"\n",
        &[
            r#"report.sleep_hours = "22:00-22:00" is an empty window: start and end must differ, e.g. "22:00-07:00""#,
        ],
    );
    check(
        "[report]\nworking_days = [\"mon\", \"Friday\"]\n",
        &[
            r#"report.working_days[1] = "Friday" is not a day: allowed values are "mon", "tue", "wed", "thu", "fri", "sat" and "sun""#,
        ],
    );
    // Every problem of the table at once, each under its own key.
    let err = parse(
        "[report]\nworking_hours = \"18:00-09:00\"\nworking_days = [\"xyz\"]\nsleep_hours = \"x\"\n",
    )
    .unwrap_err();
    let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "report.working_days[0]",
            "report.working_hours",
            "report.sleep_hours"
        ]
    );
    let err = parse("[report]\nworking_hour = \"09:00-17:00\"\n").unwrap_err();
    assert!(
        err.to_string().contains("unknown field `working_hour`"),
        "{err}"
    );
}

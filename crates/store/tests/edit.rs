//! `oncall-tray account add/remove`: edits keep the user's file as they wrote it, and a
//! refused edit writes nothing.

use std::fs;
use std::path::{Path, PathBuf};

use oncall_model::ProviderKind;
use oncall_store::{
    add_account, remove_account, AlertmanagerAuth, Config, ConfigError, NewAccount, OpsgenieRegion,
    ProviderConfig, Region,
};
use tempfile::TempDir;
use url::Url;

const COMMENTED: &str = r#"# My on-call setup.
# Do not touch the quiet hours, they are agreed with the team.

[notifications]
low_urgency = "never"   # nights are for sleeping
quiet_hours = { start = "22:00", end = "07:00" }

# The day job.
[[accounts]]
name = "work"
provider = "pagerduty"
poll_interval_seconds = 30   # rate limit is shared with the CLI

# Side project, EU account.
[[accounts]]
name = "side"
provider = "pagerduty"
region = "eu"
[accounts.filter]
urgencies = ["high"]

# Trailing notes stay at the end.
"#;

struct Fixture {
    _dir: TempDir,
    path: PathBuf,
}

fn with_config(text: &str) -> Fixture {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("config.toml");
    fs::write(&path, text).unwrap();
    Fixture { _dir: dir, path }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

fn pagerduty(name: &str) -> NewAccount {
    NewAccount::new(name, ProviderKind::PagerDuty)
}

fn names(path: &Path) -> Vec<String> {
    Config::load(path)
        .unwrap()
        .accounts
        .into_iter()
        .map(|a| a.name.0)
        .collect()
}

#[test]
fn add_appends_and_keeps_every_comment() {
    let f = with_config(COMMENTED);
    add_account(
        &f.path,
        NewAccount {
            region: Some(Region::Eu),
            poll_interval_seconds: Some(20),
            email: Some("me@example.com".into()),
            ..pagerduty("night-shift")
        },
    )
    .unwrap();
    let expected_tail = r#"
[[accounts]]
name = "night-shift"
provider = "pagerduty"
region = "eu"
poll_interval_seconds = 20
email = "me@example.com"
"#;
    // The comment at the very end of the file stays at the very end.
    let expected = COMMENTED.replace(
        "\n# Trailing notes stay at the end.\n",
        &format!("{expected_tail}\n# Trailing notes stay at the end.\n"),
    );
    let text = read(&f.path);
    assert_eq!(text, expected, "{text}");
    assert_eq!(names(&f.path), ["work", "side", "night-shift"]);
}

#[test]
fn add_to_a_missing_file_creates_it_with_a_header() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("oncall-tray").join("config.toml");
    add_account(&path, pagerduty("work")).unwrap();
    assert_eq!(
        read(&path),
        r#"# oncall-tray configuration. Every key is described in config.example.toml,
# which the README includes. Tokens never go here: use `oncall-tray token set NAME`.

[[accounts]]
name = "work"
provider = "pagerduty"
region = "us"
"#
    );
    let config = Config::load(&path).unwrap();
    let ProviderConfig::PagerDuty(pd) = &config.accounts[0].provider else {
        panic!("expected a PagerDuty account");
    };
    assert_eq!(pd.api_url, Url::parse("https://api.pagerduty.com").unwrap());
}

#[test]
fn add_with_api_url_writes_no_region() {
    let f = with_config("");
    add_account(
        &f.path,
        NewAccount {
            api_url: Some("http://127.0.0.1:8080".into()),
            ..pagerduty("demo")
        },
    )
    .unwrap();
    assert_eq!(
        read(&f.path),
        "[[accounts]]\nname = \"demo\"\nprovider = \"pagerduty\"\napi_url = \"http://127.0.0.1:8080\"\n"
    );
}

#[test]
fn add_alertmanager_with_basic_user_keeps_every_comment() {
    let f = with_config(COMMENTED);
    add_account(
        &f.path,
        NewAccount {
            api_url: Some("https://am.example.com/prod".into()),
            basic_user: Some("oncall".into()),
            poll_interval_seconds: Some(30),
            ..NewAccount::new("prom", ProviderKind::Alertmanager)
        },
    )
    .unwrap();
    // No region: Alertmanager has none, and api_url is required.
    let expected_tail = r#"
[[accounts]]
name = "prom"
provider = "alertmanager"
api_url = "https://am.example.com/prod"
basic_user = "oncall"
poll_interval_seconds = 30
"#;
    let expected = COMMENTED.replace(
        "\n# Trailing notes stay at the end.\n",
        &format!("{expected_tail}\n# Trailing notes stay at the end.\n"),
    );
    let text = read(&f.path);
    assert_eq!(text, expected, "{text}");
    let config = Config::load(&f.path).unwrap();
    let ProviderConfig::Alertmanager(am) = &config.accounts[2].provider else {
        panic!("expected an Alertmanager account: {config:?}");
    };
    assert_eq!(
        am.auth,
        AlertmanagerAuth::Basic {
            user: "oncall".into()
        }
    );
    assert_eq!(
        am.api_url,
        Url::parse("https://am.example.com/prod/").unwrap()
    );
}

#[test]
fn add_opsgenie_keeps_every_comment_and_writes_its_region() {
    let f = with_config(COMMENTED);
    add_account(
        &f.path,
        NewAccount {
            region: Some(Region::Eu),
            ..NewAccount::new("ops", ProviderKind::Opsgenie)
        },
    )
    .unwrap();
    add_account(&f.path, NewAccount::new("ops-us", ProviderKind::Opsgenie)).unwrap();
    let expected_tail = r#"
[[accounts]]
name = "ops"
provider = "opsgenie"
region = "eu"

[[accounts]]
name = "ops-us"
provider = "opsgenie"
region = "us"
"#;
    let expected = COMMENTED.replace(
        "\n# Trailing notes stay at the end.\n",
        &format!("{expected_tail}\n# Trailing notes stay at the end.\n"),
    );
    let text = read(&f.path);
    assert_eq!(text, expected, "{text}");
    let config = Config::load(&f.path).unwrap();
    let hosts: Vec<(Option<OpsgenieRegion>, String)> = config.accounts[2..]
        .iter()
        .map(|a| match &a.provider {
            ProviderConfig::Opsgenie(og) => (og.region, og.api_url.to_string()),
            other => panic!("expected an Opsgenie account, got {other:?}"),
        })
        .collect();
    assert_eq!(
        hosts,
        [
            (
                Some(OpsgenieRegion::Eu),
                "https://api.eu.opsgenie.com/".to_string()
            ),
            (
                Some(OpsgenieRegion::Us),
                "https://api.opsgenie.com/".to_string()
            ),
        ]
    );
    assert_eq!(names(&f.path), ["work", "side", "ops", "ops-us"]);
}

#[test]
fn remove_an_alertmanager_account_keeps_the_others() {
    let f = with_config(COMMENTED);
    add_account(
        &f.path,
        NewAccount {
            api_url: Some("http://127.0.0.1:9093".into()),
            ..NewAccount::new("prom", ProviderKind::Alertmanager)
        },
    )
    .unwrap();
    assert!(remove_account(&f.path, "prom").unwrap());
    assert_eq!(read(&f.path), COMMENTED);
}

#[test]
fn add_to_an_inline_accounts_array() {
    let f = with_config("accounts = [{ name = \"work\", provider = \"pagerduty\" }]\n");
    add_account(&f.path, pagerduty("home")).unwrap();
    assert_eq!(names(&f.path), ["work", "home"]);
}

#[test]
fn add_refuses_a_duplicate_name_and_writes_nothing() {
    let f = with_config(COMMENTED);
    let err = add_account(&f.path, pagerduty("side")).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "an account named \"side\" already exists in {}: choose another name, or remove it first with `oncall-tray account remove side`",
            f.path.display()
        )
    );
    assert_eq!(read(&f.path), COMMENTED);
}

#[test]
fn add_refuses_invalid_values_and_writes_nothing() {
    let cases: Vec<(NewAccount, &str)> = vec![
        (
            pagerduty("my work"),
            r#"accounts[2]: name = "my work" is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'"#,
        ),
        (
            NewAccount {
                api_url: Some("http://pd.example.com".into()),
                ..pagerduty("new")
            },
            r#"accounts[2] (new): api_url = "http://pd.example.com" is not allowed: use https:// (plain http:// is only allowed for loopback addresses such as 127.0.0.1, because the token travels in a header)"#,
        ),
        (
            NewAccount {
                poll_interval_seconds: Some(1),
                ..pagerduty("new")
            },
            "accounts[2] (new): poll_interval_seconds = 1 is too short: the minimum is 2 seconds",
        ),
        (
            NewAccount {
                poll_interval_seconds: Some(u64::MAX),
                ..pagerduty("new")
            },
            "accounts[2] (new): poll_interval_seconds = 9223372036854775807 is too long: the maximum is 3600 seconds (one hour)",
        ),
        (
            NewAccount {
                email: Some("me".into()),
                ..pagerduty("new")
            },
            r#"accounts[2] (new): email = "me" is not an email address: it needs an '@' (PagerDuty wants it as the From of an acknowledge or resolve)"#,
        ),
        (
            NewAccount::new("new", ProviderKind::Alertmanager),
            r#"accounts[2] (new): api_url is missing: an Alertmanager account needs the server's base URL, with its route prefix if it has one, e.g. api_url = "https://alertmanager.example.com""#,
        ),
        (
            NewAccount {
                api_url: Some("https://am.example.com".into()),
                region: Some(Region::Eu),
                ..NewAccount::new("new", ProviderKind::Alertmanager)
            },
            "accounts[2] (new): region is a PagerDuty/Opsgenie key; an Alertmanager account has no region",
        ),
        (
            NewAccount {
                api_url: Some("https://am.example.com".into()),
                basic_user: Some("a:b".into()),
                ..NewAccount::new("new", ProviderKind::Alertmanager)
            },
            r#"accounts[2] (new): basic_user = "a:b" is not allowed: a basic auth user name cannot be empty or contain ':' or control characters"#,
        ),
        (
            NewAccount {
                email: Some("me@example.com".into()),
                ..NewAccount::new("new", ProviderKind::Opsgenie)
            },
            "accounts[2] (new): email is a PagerDuty/JSM key; an Opsgenie account has no email",
        ),
        (
            NewAccount {
                basic_user: Some("me".into()),
                ..pagerduty("new")
            },
            "accounts[2] (new): basic_user is an Alertmanager key; a PagerDuty account has no basic_user",
        ),
        (
            NewAccount {
                api_url: Some("https://am.example.com".into()),
                shift_reminder_minutes: Some(10),
                ..NewAccount::new("new", ProviderKind::Alertmanager)
            },
            "accounts[2] (new): shift_reminder_minutes is a PagerDuty/Opsgenie/JSM/Grafana OnCall key; an Alertmanager account has no shift_reminder_minutes",
        ),
        (
            NewAccount {
                shift_reminder_minutes: Some(1441),
                ..pagerduty("new")
            },
            "accounts[2] (new): shift_reminder_minutes = 1441 is out of range: use 0 for no reminder, or 1 to 1440 minutes (one day) before a shift",
        ),
        (
            NewAccount {
                on_call_user: Some("pat@example.com".into()),
                ..pagerduty("new")
            },
            "accounts[2] (new): on_call_user is an Opsgenie key; a PagerDuty account has no on_call_user",
        ),
        (
            NewAccount {
                on_call_user: Some(" ".into()),
                ..NewAccount::new("new", ProviderKind::Opsgenie)
            },
            "accounts[2] (new): on_call_user is empty: remove it (no shifts are shown then), or give your Opsgenie login email, e.g. on_call_user = \"pat@example.com\"",
        ),
    ];
    for (account, expected) in cases {
        let f = with_config(COMMENTED);
        let name = account.name.clone();
        let err = add_account(&f.path, account).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "account {name:?} was not added: nothing was written.\n{} has 1 problem:\n  - {expected}",
                f.path.display()
            )
        );
        assert_eq!(read(&f.path), COMMENTED, "{name}");
    }
}

#[test]
fn add_refuses_when_the_existing_file_is_broken() {
    let broken = "[notifications]\nlow_urgency = once\n";
    let f = with_config(broken);
    let err = add_account(&f.path, pagerduty("work")).unwrap_err();
    assert!(
        matches!(&err, ConfigError::EditRefused { source, .. } if matches!(**source, ConfigError::Parse { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("line 2, column 15"), "{err}");
    assert_eq!(read(&f.path), broken);

    let token = "[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\ntoken = \"u+SECRET\"\n";
    let f = with_config(token);
    let err = add_account(&f.path, pagerduty("home")).unwrap_err();
    assert_eq!(err.problems()[0].key, "line 4");
    assert!(!err.to_string().contains("SECRET"));
    assert_eq!(read(&f.path), token);
}

#[test]
fn remove_drops_the_table_with_its_comment_and_subtable() {
    let f = with_config(COMMENTED);
    assert!(remove_account(&f.path, "side").unwrap());
    assert_eq!(
        read(&f.path),
        r#"# My on-call setup.
# Do not touch the quiet hours, they are agreed with the team.

[notifications]
low_urgency = "never"   # nights are for sleeping
quiet_hours = { start = "22:00", end = "07:00" }

# The day job.
[[accounts]]
name = "work"
provider = "pagerduty"
poll_interval_seconds = 30   # rate limit is shared with the CLI

# Trailing notes stay at the end.
"#
    );
}

#[test]
fn remove_the_first_keeps_the_rest_intact() {
    let f = with_config(COMMENTED);
    assert!(remove_account(&f.path, "work").unwrap());
    assert_eq!(names(&f.path), ["side"]);
    let text = read(&f.path);
    assert!(text.starts_with("# My on-call setup."), "{text}");
    assert!(text.contains("# Side project, EU account.\n[[accounts]]\nname = \"side\""));
    assert!(!text.contains("# The day job."), "{text}");
}

#[test]
fn remove_an_unknown_name_or_from_a_missing_file_writes_nothing() {
    let f = with_config(COMMENTED);
    assert!(!remove_account(&f.path, "nope").unwrap());
    assert_eq!(read(&f.path), COMMENTED);

    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("config.toml");
    assert!(!remove_account(&missing, "work").unwrap());
    assert!(!missing.exists());
}

#[test]
fn remove_fixes_a_file_whose_only_problem_was_that_account() {
    let text = "[[accounts]]\nname = \"ok\"\nprovider = \"pagerduty\"\n\n[[accounts]]\nname = \"bad\"\nprovider = \"pagerduty\"\napi_url = \"http://pd.example.com\"\n";
    let f = with_config(text);
    assert!(Config::load(&f.path).is_err());
    assert!(remove_account(&f.path, "bad").unwrap());
    assert_eq!(names(&f.path), ["ok"]);
}

#[test]
fn remove_the_last_account_keeps_the_rest_of_the_file() {
    let f = with_config("[notifications]\nstorm_threshold = 5 # tuned\n\n[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\n");
    assert!(remove_account(&f.path, "work").unwrap());
    assert_eq!(
        read(&f.path),
        "[notifications]\nstorm_threshold = 5 # tuned\n"
    );
    assert!(Config::load(&f.path).unwrap().accounts.is_empty());
}

#[test]
fn remove_refuses_when_other_problems_remain() {
    let text = "[notifications]\nstorm_threshold = 0\n\n[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\n";
    let f = with_config(text);
    let err = remove_account(&f.path, "work").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "account \"work\" was not removed: nothing was written.\n{} has 1 problem:\n  - notifications.storm_threshold = 0 is too small: the minimum is 1",
            f.path.display()
        )
    );
    assert_eq!(read(&f.path), text);
}

#[test]
fn remove_from_an_inline_accounts_array() {
    let f = with_config(
        "accounts = [\n  { name = \"work\", provider = \"pagerduty\" },\n  { name = \"home\", provider = \"pagerduty\" },\n]\n",
    );
    assert!(remove_account(&f.path, "work").unwrap());
    assert_eq!(names(&f.path), ["home"]);
}

#[test]
fn add_writes_a_shift_reminder_for_pagerduty_and_opsgenie() {
    let f = with_config("");
    let off = NewAccount {
        shift_reminder_minutes: Some(0),
        ..pagerduty("work")
    };
    add_account(&f.path, off).unwrap();
    let thirty = NewAccount {
        shift_reminder_minutes: Some(30),
        ..NewAccount::new("ops", ProviderKind::Opsgenie)
    };
    add_account(&f.path, thirty).unwrap();
    let text = read(&f.path);
    assert!(text.contains("shift_reminder_minutes = 0\n"), "{text}");
    assert!(text.contains("shift_reminder_minutes = 30\n"), "{text}");
    let config = Config::load(&f.path).unwrap();
    assert_eq!(config.account("work").unwrap().shift_reminder, None);
    assert_eq!(
        config.account("ops").unwrap().shift_reminder,
        Some(std::time::Duration::from_secs(30 * 60))
    );
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::{symlink, PermissionsExt};

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn edited_file_is_0600_and_new_directory_0700() {
        let f = with_config(COMMENTED);
        fs::set_permissions(&f.path, fs::Permissions::from_mode(0o644)).unwrap();
        add_account(&f.path, pagerduty("new")).unwrap();
        assert_eq!(mode(&f.path), 0o600);

        let dir = TempDir::new().unwrap();
        let config_dir = dir.path().join("oncall-tray");
        add_account(&config_dir.join("config.toml"), pagerduty("new")).unwrap();
        assert_eq!(mode(&config_dir), 0o700);
        assert_eq!(mode(&config_dir.join("config.toml")), 0o600);
    }

    /// A config.toml symlinked from a dotfiles repository stays a symlink.
    #[test]
    fn edit_writes_through_a_symlink() {
        let dir = TempDir::new().unwrap();
        let real = dir.path().join("dotfiles-oncall.toml");
        let link = dir.path().join("config.toml");
        fs::write(&real, COMMENTED).unwrap();
        symlink(&real, &link).unwrap();
        assert!(remove_account(&link, "work").unwrap());
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(names(&real), ["side"]);
    }
}

#[test]
fn add_writes_the_opsgenie_user() {
    let f = with_config("");
    let ops = NewAccount {
        on_call_user: Some("pat@example.com".into()),
        ..NewAccount::new("ops", ProviderKind::Opsgenie)
    };
    add_account(&f.path, ops).unwrap();
    let text = read(&f.path);
    assert!(
        text.contains("on_call_user = \"pat@example.com\"\n"),
        "{text}"
    );
    let config = Config::load(&f.path).unwrap();
    let ProviderConfig::Opsgenie(og) = &config.account("ops").unwrap().provider else {
        panic!("{config:?}")
    };
    assert_eq!(og.on_call_user.as_deref(), Some("pat@example.com"));
}

//! `[accounts.noise]` as `config.toml` is read: the rules, and problems that name the key.

use std::path::Path;

use oncall_model::Urgency;
use oncall_store::{Config, ConfigError, NoiseRules, TitlePattern};

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/home/me/.config/oncall-tray/config.toml"))
}

/// One PagerDuty account with `noise`, the body of its `[accounts.noise]` table.
fn account(noise: &str) -> String {
    format!("[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\n[accounts.noise]\n{noise}\n")
}

/// The (key, sentence) of each problem of `text`, which must be invalid.
fn problems(text: &str) -> Vec<(String, String)> {
    match parse(text) {
        Err(err @ ConfigError::Invalid { .. }) => err
            .problems()
            .iter()
            .map(|p| (p.key.clone(), p.message.clone()))
            .collect(),
        other => panic!("expected ConfigError::Invalid, got {other:?}"),
    }
}

#[test]
fn no_noise_table_means_no_rules() {
    let config = parse("[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\n").unwrap();
    assert!(config.accounts[0].noise.is_empty());
}

#[test]
fn every_rule_is_read() {
    let config = parse(&account(
        r#"include_title = ["(?i)prod"]
exclude_title = ["(?i)staging"]
include_services = ["Checkout"]
exclude_services = ["Batch jobs"]
include_teams = []
exclude_teams = ["Data"]
[accounts.noise.urgency]
"Batch jobs" = "low"
Checkout = "high""#,
    ))
    .unwrap();
    assert_eq!(
        config.accounts[0].noise,
        NoiseRules {
            include_title: vec![TitlePattern::new("(?i)prod").unwrap()],
            exclude_title: vec![TitlePattern::new("(?i)staging").unwrap()],
            include_services: vec!["Checkout".into()],
            exclude_services: vec!["Batch jobs".into()],
            include_teams: vec![],
            exclude_teams: vec!["Data".into()],
            urgency: vec![
                ("Batch jobs".into(), Urgency::Low),
                ("Checkout".into(), Urgency::High)
            ],
        }
    );
}

#[test]
fn every_provider_has_noise_rules() {
    for account in [
        "name = \"am\"\nprovider = \"alertmanager\"\napi_url = \"https://am.example.com\"",
        "name = \"og\"\nprovider = \"opsgenie\"",
    ] {
        let text =
            format!("[[accounts]]\n{account}\n[accounts.noise]\nexclude_services = [\"x\"]\n");
        let config = parse(&text).unwrap();
        assert_eq!(config.accounts[0].noise.exclude_services, ["x"]);
    }
}

#[test]
fn bad_rules_are_reported_by_key_all_at_once() {
    let found = problems(&account(
        r#"exclude_title = ["ok", "(", ""]
include_title = ["\\w{1000}\\w{1000}\\w{1000}"]
exclude_services = [" "]
include_teams = [""]
[accounts.noise.urgency]
"Batch jobs" = "medium"
"checkout" = "low"
"Checkout" = "high""#,
    ));
    let expected = [
        (
            "accounts[0].noise.include_title[0]",
            r#"accounts[0] (work): noise.include_title[0] = "\\w{1000}\\w{1000}\\w{1000}" is too big a regular expression (more than 256 KiB compiled): write a simpler pattern"#,
        ),
        (
            "accounts[0].noise.exclude_title[1]",
            r#"accounts[0] (work): noise.exclude_title[1] = "(" is not a valid regular expression: unclosed group"#,
        ),
        (
            "accounts[0].noise.exclude_title[2]",
            "accounts[0] (work): noise.exclude_title[2] is empty: it would match every title; remove it, or write the text titles must contain",
        ),
        (
            "accounts[0].noise.exclude_services[0]",
            "accounts[0] (work): noise.exclude_services[0] is empty: write a service name as the service shows it",
        ),
        (
            "accounts[0].noise.include_teams[0]",
            "accounts[0] (work): noise.include_teams[0] is empty: write a team name as the service shows it",
        ),
        (
            r#"accounts[0].noise.urgency."Batch jobs""#,
            r#"accounts[0] (work): noise.urgency."Batch jobs" = "medium": allowed values are "high" and "low""#,
        ),
        (
            r#"accounts[0].noise.urgency."checkout""#,
            r#"accounts[0] (work): noise.urgency."checkout" repeats "Checkout" (names are compared ignoring case): keep one"#,
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, m)| (k.to_string(), m.to_string()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn an_unknown_noise_key_is_refused_with_its_line() {
    let err = parse(&account("exclude_titles = [\"x\"]")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("exclude_titles"), "{text}");
    assert!(text.contains("line 5"), "{text}");
}

/// The Settings window's account form does not edit the rules (`config.toml` is their
/// place), and saving it keeps them.
#[test]
fn saving_the_account_form_keeps_the_noise_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        account("exclude_services = [\"Batch jobs\"]\n[accounts.noise.urgency]\nSearch = \"low\""),
    )
    .unwrap();
    let before = Config::load(&path).unwrap();
    let mut form = oncall_store::AccountForm::from_config(&before.accounts[0]);
    form.poll_interval_seconds = 30;
    oncall_store::save_account(&path, Some("work"), &form).unwrap();
    let after = Config::load(&path).unwrap();
    assert_eq!(after.accounts[0].poll_interval.as_secs(), 30);
    assert_eq!(after.accounts[0].noise, before.accounts[0].noise);
    assert!(!after.accounts[0].noise.is_empty());
}

//! The two providers teams move to from Opsgenie: what a JSM Operations or Grafana
//! OnCall account in `config.toml` turns into, what a user is told when one is wrong,
//! and moving an Opsgenie account to JSM (`migrate_to_jsm`).

use std::fs;
use std::path::PathBuf;

use oncall_store::{
    migrate_to_jsm, Config, ConfigError, GrafanaOnCallAccount, JsmAccount, JsmMove, ProviderConfig,
};
use tempfile::TempDir;

fn path() -> PathBuf {
    PathBuf::from("/home/me/.config/oncall-tray/config.toml")
}

fn load(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, &path())
}

fn problems(text: &str) -> Vec<String> {
    match load(text) {
        Err(err) => err.problems().iter().map(|p| p.message.clone()).collect(),
        Ok(config) => panic!("expected problems, loaded {config:?}"),
    }
}

fn jsm(keys: &str) -> JsmAccount {
    let text = format!("[[accounts]]\nname = \"ops\"\nprovider = \"jsm\"\n{keys}\n");
    match load(&text).unwrap().accounts.remove(0).provider {
        ProviderConfig::Jsm(jsm) => jsm,
        other => panic!("{other:?}"),
    }
}

fn grafana(keys: &str) -> GrafanaOnCallAccount {
    let text = format!("[[accounts]]\nname = \"g\"\nprovider = \"grafana-oncall\"\n{keys}\n");
    match load(&text).unwrap().accounts.remove(0).provider {
        ProviderConfig::GrafanaOnCall(g) => g,
        other => panic!("{other:?}"),
    }
}

const SITE_AND_EMAIL: &str = "site = \"acme\"\nemail = \"pat@example.com\"";

#[test]
fn a_jsm_account_needs_only_its_site_and_email_and_lists_my_open_alerts() {
    let account = jsm(SITE_AND_EMAIL);
    assert_eq!(account.site, "acme");
    assert_eq!(account.site_url.as_str(), "https://acme.atlassian.net/");
    assert_eq!(account.api_url.as_str(), "https://api.atlassian.com/");
    assert_eq!(account.high_priorities, ["P1", "P2"]);
    assert_eq!(
        account.list_query(),
        "status:open AND responders:\"pat@example.com\""
    );
}

#[test]
fn a_responder_replaces_me_and_a_query_alone_is_used_as_written() {
    let team = jsm(&format!("{SITE_AND_EMAIL}\nresponder = \"Platform Team\""));
    assert_eq!(
        team.list_query(),
        "status:open AND responders:\"Platform Team\""
    );
    let written = jsm(&format!("{SITE_AND_EMAIL}\nquery = \" priority:P1 \""));
    assert_eq!(written.list_query(), "priority:P1");
    let both = jsm(&format!(
        "{SITE_AND_EMAIL}\nquery = \"priority:P1\"\nresponder = \"SRE\""
    ));
    assert_eq!(both.list_query(), "priority:P1 AND responders:\"SRE\"");
}

#[test]
fn a_site_is_a_name_its_host_or_its_address() {
    for site in ["acme.atlassian.net", "https://acme.atlassian.net", "ACME"] {
        let account = jsm(&format!("site = \"{site}\"\nemail = \"pat@example.com\""));
        assert_eq!(
            account.site_url.as_str(),
            "https://acme.atlassian.net/",
            "{site}"
        );
    }
    let fake = jsm("site = \"http://127.0.0.1:8080\"\nemail = \"pat@example.com\"\napi_url = \"http://127.0.0.1:8080\"");
    assert_eq!(fake.site_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(fake.api_url.as_str(), "http://127.0.0.1:8080/");
}

#[test]
fn what_a_jsm_account_lacks_or_gets_wrong_is_named() {
    let base = "[[accounts]]\nname = \"ops\"\nprovider = \"jsm\"\n";
    assert_eq!(
        problems(base),
        [
            "accounts[0] (ops): site is missing: a JSM account needs its Jira site, e.g. site = \"acme\" for acme.atlassian.net",
            "accounts[0] (ops): email is missing: a JSM account needs the e-mail address of your Atlassian account (the API token is yours), e.g. email = \"pat@example.com\"",
        ]
    );
    let wrong = format!(
        "{base}site = \"acme corp\"\nemail = \"pat\"\nhigh_priorities = [\"P9\"]\nresponder = \"\"\n"
    );
    assert_eq!(
        problems(&wrong),
        [
            "accounts[0] (ops): site = \"acme corp\" is not a site name: write the site's name, e.g. site = \"acme\" for acme.atlassian.net",
            "accounts[0] (ops): email = \"pat\" is not an e-mail address: give the one you log in to Atlassian with, e.g. email = \"pat@example.com\"",
            "accounts[0] (ops): responder is empty: remove it to list the alerts you are a responder of, or give a user, team or schedule name, e.g. responder = \"Platform Team\"",
            "accounts[0] (ops): high_priorities[0] = \"P9\": allowed values are \"P1\", \"P2\", \"P3\", \"P4\" and \"P5\"",
        ]
    );
    // A plain-http site elsewhere than loopback would tell the world the cloud id and
    // could redirect the client: refused like any api_url.
    let plain = format!("{base}site = \"http://acme.example.com\"\nemail = \"pat@example.com\"\n");
    assert_eq!(problems(&plain).len(), 1, "{:?}", problems(&plain));
    // Opsgenie's own keys are not JSM's.
    let foreign =
        format!("{base}{SITE_AND_EMAIL}\non_call_user = \"pat@example.com\"\nregion = \"eu\"\n");
    assert_eq!(
        problems(&foreign),
        [
            "accounts[0] (ops): region is a PagerDuty/Opsgenie key; a JSM account has no region",
            "accounts[0] (ops): on_call_user is an Opsgenie key; a JSM account has no on_call_user",
        ]
    );
}

#[test]
fn a_grafana_oncall_account_needs_its_api_url_and_may_narrow_by_team_and_labels() {
    let account = grafana(
        "api_url = \"https://oncall-prod-us-central-0.grafana.net/oncall\"\nteam_id = \"TI73TDU19W48J\"\nlabels = [\"severity:critical\", \" team:db \"]",
    );
    assert_eq!(
        account.api_url.as_str(),
        "https://oncall-prod-us-central-0.grafana.net/oncall/"
    );
    assert_eq!(account.team_id.as_deref(), Some("TI73TDU19W48J"));
    assert_eq!(account.labels, ["severity:critical", "team:db"]);

    let base = "[[accounts]]\nname = \"g\"\nprovider = \"grafana-oncall\"\n";
    assert_eq!(
        problems(base),
        ["accounts[0] (g): api_url is missing: a Grafana OnCall account needs the OnCall API URL shown in OnCall → Settings, e.g. api_url = \"https://oncall-prod-us-central-0.grafana.net/oncall\""]
    );
    let wrong = format!(
        "{base}api_url = \"http://oncall.example.com\"\nteam_id = \"a b\"\nlabels = [\"severity:critical\", \"critical\"]\nquery = \"x\"\n"
    );
    assert_eq!(
        problems(&wrong),
        ["accounts[0] (g): query is an Opsgenie/JSM key; a Grafana OnCall account has no query",]
    );
    let wrong = format!(
        "{base}api_url = \"http://oncall.example.com\"\nteam_id = \"a b\"\nlabels = [\"severity:critical\", \"critical\"]\n"
    );
    let said = problems(&wrong);
    assert_eq!(said.len(), 3, "{said:?}");
    assert!(
        said[0].starts_with(
            "accounts[0] (g): api_url = \"http://oncall.example.com\" is not allowed: use https://"
        ),
        "{said:?}"
    );
    assert!(
        said[1].starts_with("accounts[0] (g): team_id = \"a b\" is not a team id"),
        "{said:?}"
    );
    assert_eq!(
        said[2],
        "accounts[0] (g): labels[1] = \"critical\" is not a label: write it as key:value, e.g. labels = [\"severity:critical\"]"
    );
}

/// An Opsgenie account as a user might have it, between two other accounts, with
/// comments of their own.
const BEFORE: &str = r#"# my accounts
[[accounts]]
name = "work"
provider = "pagerduty"

# the old one
[[accounts]]
name = "ops"
provider = "opsgenie"
region = "eu" # our region
responder = "Platform Team"
on_call_user = "pat@example.com"
high_priorities = ["P1"]
notify = false
shift_reminder_minutes = 5

[accounts.noise]
exclude_title = ["^test"]

[[accounts]]
name = "prom"
provider = "alertmanager"
api_url = "https://am.example.com"
"#;

fn file(text: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("config.toml");
    fs::write(&path, text).unwrap();
    (dir, path)
}

fn to_acme() -> JsmMove {
    JsmMove {
        site: "acme".into(),
        email: None,
        api_url: None,
    }
}

#[test]
fn an_opsgenie_account_moves_to_jsm_keeping_its_name_search_and_settings() {
    let (_dir, path) = file(BEFORE);
    let before = Config::load(&path).unwrap();
    let ProviderConfig::Opsgenie(og) = &before.account("ops").unwrap().provider else {
        panic!()
    };
    let og_query = og.list_query();

    let moved = migrate_to_jsm(&path, "ops", &to_acme()).unwrap();
    let after = Config::load(&path).unwrap();
    assert_eq!(after.account("ops"), Some(&moved));
    let ProviderConfig::Jsm(jsm) = &moved.provider else {
        panic!("{moved:?}")
    };
    // The same alerts are listed, by the same search.
    assert_eq!(jsm.list_query(), og_query);
    assert_eq!(jsm.email, "pat@example.com", "taken from on_call_user");
    assert_eq!(jsm.site_url.as_str(), "https://acme.atlassian.net/");
    assert_eq!(jsm.high_priorities, ["P1"]);
    let old = before.account("ops").unwrap();
    assert_eq!(moved.notify, old.notify);
    assert_eq!(moved.shift_reminder, old.shift_reminder);
    assert_eq!(moved.noise, old.noise);
    assert_eq!(moved.poll_interval, old.poll_interval);
    // The other accounts, and the user's comments, are as they were.
    assert_eq!(after.account("work"), before.account("work"));
    assert_eq!(after.account("prom"), before.account("prom"));
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# my accounts\n"), "{text}");
    assert!(text.contains("# the old one\n"), "{text}");
    assert!(
        text.contains("Moved from Opsgenie to JSM Operations on"),
        "{text}"
    );
    assert!(!text.contains("region"), "{text}");
    assert!(!text.contains("on_call_user"), "{text}");
}

#[test]
fn an_opsgenie_account_that_listed_every_alert_still_does_after_the_move() {
    let (_dir, path) = file("[[accounts]]\nname = \"ops\"\nprovider = \"opsgenie\"\n");
    let moved = migrate_to_jsm(
        &path,
        "ops",
        &JsmMove {
            email: Some("pat@example.com".into()),
            ..to_acme()
        },
    )
    .unwrap();
    let ProviderConfig::Jsm(jsm) = &moved.provider else {
        panic!()
    };
    assert_eq!(jsm.list_query(), "status:open");
}

#[test]
fn a_move_that_cannot_be_made_says_why_and_writes_nothing() {
    let (_dir, path) = file(BEFORE);
    let refused = |name: &str, to: JsmMove| {
        let err = migrate_to_jsm(&path, name, &to).unwrap_err().to_string();
        assert_eq!(fs::read_to_string(&path).unwrap(), BEFORE, "{err}");
        err
    };
    let not_og = refused("work", to_acme());
    assert!(
        not_og.contains("only Opsgenie accounts move to JSM"),
        "{not_og}"
    );
    let missing = refused("nope", to_acme());
    assert!(
        missing.contains("there is no account named \"nope\""),
        "{missing}"
    );
    let bad_site = refused(
        "ops",
        JsmMove {
            site: "acme corp".into(),
            ..to_acme()
        },
    );
    assert!(bad_site.contains("is not a site name"), "{bad_site:?}");

    let (_dir, no_email) = file("[[accounts]]\nname = \"ops\"\nprovider = \"opsgenie\"\n");
    let err = migrate_to_jsm(&no_email, "ops", &to_acme()).unwrap_err();
    assert!(err.to_string().contains("--email"), "{err}");
}

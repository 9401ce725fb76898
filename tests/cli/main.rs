//! The one-shot commands, run as a person runs them from a shell: real files in
//! temporary directories, the fake PagerDuty on loopback, the token from a command.
//! `exit_codes` pins the documented exit statuses; `generated` the version, the man
//! pages and the shell completions.

mod exit_codes;
mod generated;
mod report;
mod respond;

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident, RunningFake};
use oncall_model::{Status, Urgency};
use oncall_tray_e2e::{fake_account_config, Output, Sandbox};

fn assert_ok(out: &Output) {
    assert_eq!(out.code, Some(0), "{out:#?}");
}

/// Exit code 1 and one clear message containing `words`.
fn assert_fails_with(out: &Output, words: &str) {
    assert_fails_with_code(out, 1, words);
}

/// Exit code `code` (see `exit_codes`) and one clear message containing `words`.
fn assert_fails_with_code(out: &Output, code: i32, words: &str) {
    assert_eq!(out.code, Some(code), "{out:#?}");
    assert!(out.stderr.contains(words), "expected {words:?} in {out:#?}");
    assert!(!out.stderr.contains("panicked"), "{out:#?}");
}

// The documented exit statuses (`oncall-tray --help`, the man page). Written out here:
// scripts depend on the numbers, so a change must fail a test.
const USAGE_ERROR: i32 = 2;
const CONFIG_ERROR: i32 = 3;
const SERVICE_UNREACHABLE: i32 = 4;
const TOKEN_REJECTED: i32 = 5;

async fn fake_with_account(sandbox: &Sandbox) -> (FakePagerDuty, RunningFake) {
    let fake = FakePagerDuty::new();
    let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    sandbox.write_config(&fake_account_config(&server.url, 15));
    (fake, server)
}

#[tokio::test]
async fn account_add_list_remove_edit_the_config_file() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .run(&[
            "account",
            "add",
            "work",
            "--provider",
            "pagerduty",
            "--region",
            "eu",
            "--poll-interval",
            "30",
            "--email",
            "pat@example.com",
            "--shift-reminder-minutes",
            "30",
        ])
        .await;
    assert_ok(&out);
    assert!(
        out.stdout.contains("oncall-tray token set work"),
        "{out:#?}"
    );
    let text = sandbox.config_text();
    for line in [
        "name = \"work\"",
        "region = \"eu\"",
        "poll_interval_seconds = 30",
        "email = \"pat@example.com\"",
        "shift_reminder_minutes = 30",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }

    let out = sandbox
        .run(&["account", "add", "home", "--provider", "pagerduty"])
        .await;
    assert_ok(&out);
    let out = sandbox
        .run(&[
            "account",
            "add",
            "ops",
            "--provider",
            "opsgenie",
            "--on-call-user",
            "pat@example.com",
        ])
        .await;
    assert_ok(&out);
    let text = sandbox.config_text();
    assert!(
        text.contains("on_call_user = \"pat@example.com\""),
        "on_call_user missing from:\n{text}"
    );
    let out = sandbox.run(&["account", "list"]).await;
    assert_ok(&out);
    assert!(
        out.stdout.contains("work") && out.stdout.contains("https://api.eu.pagerduty.com"),
        "{out:#?}"
    );
    assert!(
        out.stdout.contains("home") && out.stdout.contains("keychain"),
        "{out:#?}"
    );

    let out = sandbox.run(&["account", "remove", "work"]).await;
    assert_ok(&out);
    let text = sandbox.config_text();
    assert!(
        !text.contains("\"work\"") && text.contains("\"home\""),
        "{text}"
    );
}

/// The services Opsgenie users move to are added like any other, and what they need
/// and lack is said in the key's words.
#[tokio::test]
async fn jsm_and_grafana_oncall_accounts_are_added_with_their_own_keys() {
    let sandbox = Sandbox::new();
    let jsm = [
        "account",
        "add",
        "ops",
        "--provider",
        "jsm",
        "--site",
        "acme",
        "--email",
        "pat@example.com",
        "--responder",
        "Platform Team",
    ];
    let out = sandbox.run(&jsm).await;
    assert_ok(&out);
    assert!(out.stdout.contains("oncall-tray token set ops"), "{out:#?}");
    let grafana = [
        "account",
        "add",
        "grafana",
        "--provider",
        "grafana-oncall",
        "--api-url",
        "https://oncall-prod-us-central-0.grafana.net/oncall",
        "--team-id",
        "TI73TDU19W48J",
        "--label",
        "severity:critical",
        "--label",
        "team:db",
    ];
    assert_ok(&sandbox.run(&grafana).await);
    let text = sandbox.config_text();
    for line in [
        "provider = \"jsm\"",
        "site = \"acme\"",
        "email = \"pat@example.com\"",
        "responder = \"Platform Team\"",
        "provider = \"grafana-oncall\"",
        "team_id = \"TI73TDU19W48J\"",
        "labels = [\"severity:critical\", \"team:db\"]",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    assert!(!text.contains("region"), "neither has regions:\n{text}");
    let out = sandbox.run(&["account", "list"]).await;
    assert_ok(&out);
    assert!(
        out.stdout.contains("https://api.atlassian.com/"),
        "{out:#?}"
    );
    assert!(out.stdout.contains("grafana-oncall"), "{out:#?}");

    let before = sandbox.config_text();
    let no_site = sandbox
        .run(&[
            "account",
            "add",
            "ops2",
            "--provider",
            "jsm",
            "--email",
            "pat@example.com",
        ])
        .await;
    assert_fails_with_code(&no_site, CONFIG_ERROR, "site is missing");
    let no_url = sandbox
        .run(&["account", "add", "g2", "--provider", "grafana-oncall"])
        .await;
    assert_fails_with_code(&no_url, CONFIG_ERROR, "api_url is missing");
    assert_eq!(sandbox.config_text(), before);
}

#[tokio::test]
async fn bad_account_input_fails_with_one_clear_message_and_changes_nothing() {
    let sandbox = Sandbox::new();
    let add = ["account", "add", "work", "--provider", "pagerduty"];
    assert_ok(&sandbox.run(&add).await);
    let before = sandbox.config_text();

    assert_fails_with_code(&sandbox.run(&add).await, CONFIG_ERROR, "already exists");
    assert_fails_with_code(
        &sandbox
            .run(&[
                "account",
                "add",
                "fast",
                "--provider",
                "pagerduty",
                "--poll-interval",
                "1",
            ])
            .await,
        CONFIG_ERROR,
        "poll_interval_seconds",
    );
    assert_fails_with_code(
        &sandbox
            .run(&[
                "account",
                "add",
                "plain",
                "--provider",
                "pagerduty",
                "--api-url",
                "http://pagerduty.example.com",
            ])
            .await,
        CONFIG_ERROR,
        "api_url",
    );
    assert_fails_with_code(
        &sandbox
            .run(&[
                "account",
                "add",
                "prom",
                "--provider",
                "alertmanager",
                "--api-url",
                "https://am.example.com",
                "--shift-reminder-minutes",
                "10",
            ])
            .await,
        CONFIG_ERROR,
        "shift_reminder_minutes is a PagerDuty/Opsgenie/JSM/Grafana OnCall key; an Alertmanager account has no shift_reminder_minutes",
    );
    assert_fails_with_code(
        &sandbox
            .run(&[
                "account",
                "add",
                "me",
                "--provider",
                "pagerduty",
                "--on-call-user",
                "pat@example.com",
            ])
            .await,
        CONFIG_ERROR,
        "on_call_user is an Opsgenie key; a PagerDuty account has no on_call_user",
    );
    assert_fails_with_code(
        &sandbox.run(&["account", "remove", "nobody"]).await,
        CONFIG_ERROR,
        "no account named `nobody`",
    );
    assert_eq!(
        sandbox.config_text(),
        before,
        "a refused edit writes nothing"
    );
}

#[tokio::test]
async fn incidents_lists_and_ack_all_acknowledges_through_the_service() {
    let sandbox = Sandbox::new();
    let (fake, _server) = fake_with_account(&sandbox).await;
    let db = fake.trigger(NewIncident::new("Payments DB is slow").urgency(Urgency::Low));
    let api = fake.trigger(NewIncident::new("Checkout API is down"));

    let out = sandbox.run(&["incidents"]).await;
    assert_ok(&out);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("ACCOUNT"), "{out:#?}");
    assert!(
        lines[1].contains("Checkout API is down"),
        "high urgency first: {out:#?}"
    );
    assert!(lines[2].contains("Payments DB is slow"), "{out:#?}");

    let out = sandbox.run(&["status"]).await;
    assert_ok(&out);
    assert!(
        out.stdout.contains("work") && out.stdout.contains("connected"),
        "{out:#?}"
    );

    let out = sandbox.run(&["ack", "all"]).await;
    assert_ok(&out);
    assert!(
        out.stdout.contains(&format!("Acknowledged work/{api}")),
        "{out:#?}"
    );
    for id in [&db, &api] {
        assert_eq!(fake.incident(id).unwrap().status, Status::Acknowledged);
    }
    let acks: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert!(!acks.is_empty());
    assert!(
        acks.iter()
            .all(|r| r.header("from") == Some("pat@example.com")),
        "{acks:#?}"
    );

    let out = sandbox.run(&["ack", "all"]).await;
    assert_ok(&out);
    assert!(out.stdout.contains("Nothing is triggered"), "{out:#?}");
}

#[tokio::test]
async fn ack_of_one_incident_and_of_an_unknown_one() {
    let sandbox = Sandbox::new();
    let (fake, _server) = fake_with_account(&sandbox).await;
    let first = fake.trigger(NewIncident::new("Checkout API is down"));
    let second = fake.trigger(NewIncident::new("Search is down"));

    assert_ok(&sandbox.run(&["ack", &format!("work/{first}")]).await);
    assert_eq!(fake.incident(&first).unwrap().status, Status::Acknowledged);
    assert_eq!(fake.incident(&second).unwrap().status, Status::Triggered);

    assert_fails_with(
        &sandbox.run(&["ack", "Q999"]).await,
        "no open incident Q999",
    );
}

#[tokio::test]
async fn a_failing_token_command_is_reported_for_its_account() {
    let sandbox = Sandbox::new();
    let (_fake, server) = fake_with_account(&sandbox).await;
    let config = fake_account_config(&server.url, 15).replace("printf %s fake-token-pat", "exit 3");
    sandbox.write_config(&config);
    let out = sandbox.run(&["incidents"]).await;
    assert_fails_with(&out, "the token command of account `work` failed");
}

#[tokio::test]
async fn a_rejected_token_is_not_stored() {
    let sandbox = Sandbox::new();
    let (_fake, _server) = fake_with_account(&sandbox).await;
    let out = sandbox
        .run_with_input(&["token", "set", "work"], "not-a-real-token\n")
        .await;
    assert_fails_with_code(&out, TOKEN_REJECTED, "rejected this token");
    assert!(out.stderr.contains("nothing was stored"), "{out:#?}");
    assert!(!out.stderr.contains("not-a-real-token") && !out.stdout.contains("not-a-real-token"));

    let out = sandbox
        .run_with_input(&["token", "set", "nobody"], "x\n")
        .await;
    assert_fails_with_code(&out, CONFIG_ERROR, "no account named `nobody`");
}

#[tokio::test]
async fn headless_without_accounts_says_how_to_add_one() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["--headless"]).await;
    assert_fails_with_code(&out, CONFIG_ERROR, "oncall-tray account add");
}

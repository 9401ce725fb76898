//! `show`, `note`, `reassign`, `urgency` and `responders` from a shell, against the fake
//! PagerDuty: what is sent, and that what hands an incident on is asked about first —
//! answered at a terminal, or with `--yes` — and sent to no one when it is not.

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident, RunningFake};
use oncall_model::Urgency;
use oncall_tray_e2e::Sandbox;

use super::{assert_fails_with_code, assert_ok, fake_with_account, USAGE_ERROR};

/// The token's user (`PAT_TOKEN`).
const PAT: &str = "PUSER01";
const ALICE: &str = "PALICE1";
const ALAN: &str = "PALAN01";

async fn with_teammates(sandbox: &Sandbox) -> (FakePagerDuty, RunningFake, String) {
    let (fake, server) = fake_with_account(sandbox).await;
    fake.add_user(
        ALICE,
        "Alice Example",
        "alice@example.com",
        "fake-token-alice",
    );
    fake.add_user(ALAN, "Alan Turing", "alan@example.com", "fake-token-alan");
    let id = fake.trigger(NewIncident::new("Checkout API is down"));
    (fake, server, id)
}

fn changes(fake: &FakePagerDuty) -> usize {
    fake.requests().iter().filter(|r| r.method != "GET").count()
}

#[tokio::test]
async fn a_note_is_sent_as_written_and_show_lists_it_with_the_log() {
    let sandbox = Sandbox::new();
    let (fake, _server, id) = with_teammates(&sandbox).await;

    let out = sandbox
        .run(&["note", &id, "Rolled back deploy 4821; error rate falling"])
        .await;
    assert_ok(&out);
    assert!(out.stdout.contains("Added the note to #"), "{out:#?}");
    let notes = fake.notes(&id);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(
        notes[0].content,
        "Rolled back deploy 4821; error rate falling"
    );
    assert_eq!(notes[0].user_id, PAT);

    let out = sandbox.run(&["show", &format!("work/{id}")]).await;
    assert_ok(&out);
    assert!(out.stdout.contains("Checkout API is down"), "{out:#?}");
    assert!(
        out.stdout
            .contains("Rolled back deploy 4821; error rate falling"),
        "{out:#?}"
    );
    let log = out.stdout.split("Log:").nth(1).unwrap_or_default();
    assert!(!log.trim().is_empty(), "the log has the trigger: {out:#?}");

    let before = changes(&fake);
    assert_fails_with_code(
        &sandbox.run(&["note", &id, "   "]).await,
        USAGE_ERROR,
        "empty",
    );
    assert_eq!(changes(&fake), before, "an empty note sends nothing");
}

#[tokio::test]
async fn reassign_without_a_terminal_needs_yes_and_sends_nothing_without_it() {
    let sandbox = Sandbox::new();
    let (fake, _server, id) = with_teammates(&sandbox).await;
    let before = changes(&fake);

    assert_fails_with_code(
        &sandbox
            .run(&["reassign", &id, "--to", "Alice Example"])
            .await,
        USAGE_ERROR,
        "--yes",
    );
    // "Al" is Alice and Alan: the command says both and picks neither.
    let out = sandbox.run(&["reassign", &id, "--to", "Al", "--yes"]).await;
    assert_fails_with_code(&out, USAGE_ERROR, "several match");
    assert!(
        out.stderr.contains("Alice Example") && out.stderr.contains("Alan Turing"),
        "{out:#?}"
    );
    assert_fails_with_code(
        &sandbox
            .run(&["reassign", &id, "--to", "Nobody Here", "--yes"])
            .await,
        USAGE_ERROR,
        "no one matches",
    );
    assert_eq!(changes(&fake), before, "nothing was sent");
    assert_eq!(fake.incident(&id).unwrap().assignees, [PAT]);

    let out = sandbox
        .run(&["reassign", &id, "--to", "alice", "--yes"])
        .await;
    assert_ok(&out);
    assert!(
        out.stdout.contains("Reassigned to Alice Example"),
        "{out:#?}"
    );
    assert_eq!(fake.incident(&id).unwrap().assignees, [ALICE]);
}

#[tokio::test]
async fn at_a_terminal_reassign_asks_and_only_yes_sends() {
    let sandbox = Sandbox::new();
    let (fake, _server, id) = with_teammates(&sandbox).await;

    let out = sandbox
        .run_in_terminal(&["reassign", &id, "--to", "Alice Example"], "n\n")
        .await;
    assert!(
        out.stdout.contains("Reassign #") && out.stdout.contains("to Alice Example (user)?"),
        "the question says who: {out:#?}"
    );
    assert_ne!(out.code, Some(0), "{out:#?}");
    assert_eq!(fake.incident(&id).unwrap().assignees, [PAT], "no is no");

    let out = sandbox
        .run_in_terminal(&["reassign", &id, "--to", "Alice Example"], "y\n")
        .await;
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_eq!(fake.incident(&id).unwrap().assignees, [ALICE]);
}

#[tokio::test]
async fn urgency_and_responders_change_the_incident_after_yes() {
    let sandbox = Sandbox::new();
    let (fake, _server, id) = with_teammates(&sandbox).await;

    let before = changes(&fake);
    assert_fails_with_code(
        &sandbox.run(&["urgency", &id, "low"]).await,
        USAGE_ERROR,
        "--yes",
    );
    assert_eq!(changes(&fake), before);
    assert_ok(&sandbox.run(&["urgency", &id, "low", "--yes"]).await);
    assert_eq!(fake.incident(&id).unwrap().urgency, Urgency::Low);

    let out = sandbox
        .run(&[
            "responders",
            &id,
            "--add",
            "Alan Turing",
            "--message",
            "Need a database expert",
            "--yes",
        ])
        .await;
    assert_ok(&out);
    let requests = fake.responder_requests(&id);
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0].message, "Need a database expert");
    assert_eq!(requests[0].requester_id, PAT);
}

#[tokio::test]
async fn mute_lists_and_unmute_ends_a_services_mute() {
    let sandbox = Sandbox::new();
    let (_fake, _server, _id) = with_teammates(&sandbox).await;

    let out = sandbox.run(&["mutes"]).await;
    assert_ok(&out);
    assert!(out.stdout.contains("No service is muted."), "{out:#?}");

    let out = sandbox.run(&["mute", "checkout api", "--hours", "2"]).await;
    assert_ok(&out);
    assert!(
        out.stdout.starts_with("Muted checkout api (work) until "),
        "{out:#?}"
    );
    let out = sandbox.run(&["mutes"]).await;
    assert_ok(&out);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{out:#?}");
    assert!(lines[1].starts_with("work     checkout api  "), "{out:#?}");

    // Any case names the same service.
    let out = sandbox.run(&["unmute", "Checkout API"]).await;
    assert_ok(&out);
    assert!(
        out.stdout.contains("Unmuted Checkout API (work)"),
        "{out:#?}"
    );
    assert!(sandbox
        .run(&["mutes"])
        .await
        .stdout
        .contains("No service is muted."));
    let out = sandbox.run(&["unmute", "Checkout API"]).await;
    assert!(out.stdout.contains("was not muted"), "{out:#?}");

    assert_fails_with_code(
        &sandbox.run(&["mute", "Checkout API", "--hours", "0"]).await,
        USAGE_ERROR,
        "--hours",
    );
    assert_fails_with_code(
        &sandbox
            .run(&["mute", "Checkout API", "--account", "nope"])
            .await,
        super::CONFIG_ERROR,
        "no account named `nope`",
    );
}

#[tokio::test]
async fn escalate_goes_to_the_next_level_and_says_when_there_is_none() {
    use oncall_fake_pagerduty::{EscalationPolicySpec, EscalationTarget};
    let sandbox = Sandbox::new();
    let (fake, server, id) = with_teammates(&sandbox).await;
    // Every incident of the service, so the escalated one (now Alice's) is still listed.
    sandbox.write_config(&format!(
        "{}[accounts.filter]\nassigned_to_me = false\nservice_ids = [\"PSVC001\"]\n",
        oncall_tray_e2e::fake_account_config(&server.url, 15)
    ));
    fake.add_escalation_policy(EscalationPolicySpec {
        id: "PEP0001".into(),
        name: "Checkout on-call".into(),
        levels: vec![
            vec![EscalationTarget::Schedule("PSCHED1".into())],
            vec![EscalationTarget::User(ALICE.into())],
        ],
    });

    // PagerDuty escalates by level, not to a name.
    assert_fails_with_code(
        &sandbox
            .run(&["escalate", &id, "--to", "Alice Example", "--yes"])
            .await,
        USAGE_ERROR,
        "leave out --to",
    );
    assert_fails_with_code(&sandbox.run(&["escalate", &id]).await, USAGE_ERROR, "--yes");
    assert_eq!(fake.incident(&id).unwrap().assignees, [PAT]);

    let out = sandbox.run(&["escalate", &id, "--yes"]).await;
    assert_ok(&out);
    assert!(out.stdout.starts_with("Escalated #"), "{out:#?}");
    assert_eq!(fake.incident(&id).unwrap().assignees, [ALICE]);

    // Level 2 is the last: said in words, nothing sent.
    let out = sandbox.run(&["escalate", &id, "--yes"]).await;
    assert_ne!(out.code, Some(0), "{out:#?}");
    assert!(
        out.stderr.contains("already at the last level (2)"),
        "{out:#?}"
    );
    assert_eq!(fake.incident(&id).unwrap().assignees, [ALICE]);
}

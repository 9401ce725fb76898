//! Responding beyond acknowledge, against the fake Opsgenie over loopback, as a user
//! lives it: a note for the next person, handing the alert to a colleague found in the
//! picker, escalating it, pulling in more responders, and the detail pane; a key without
//! configuration access and an alert that is gone.

use std::time::Duration;

use oncall_fake_opsgenie::{FakeOpsgenie, FakeResponder, NewAlert, RunningFake, API_KEY};
use oncall_model::{
    AccountId, ActionKind, ActionOutcome, Assignee, AssigneeKind, Provider, ProviderError,
};
use oncall_opsgenie::{OpsgenieClient, OpsgenieConfig, SecretString, CAPABILITIES};
use serde_json::Value;

const PAT: &str = "pat@example.com";
const SAM: &str = "sam@example.com";
const RESTRICTED_KEY: &str = "alert-api-only-key";

struct Harness {
    fake: FakeOpsgenie,
    /// Serves until the harness is dropped.
    _server: RunningFake,
    client: OpsgenieClient,
    sam: String,
    payments: String,
}

async fn start() -> Harness {
    start_with_key(API_KEY).await
}

async fn start_with_key(key: &str) -> Harness {
    let fake = FakeOpsgenie::new();
    fake.add_restricted_api_key(RESTRICTED_KEY);
    fake.add_user(PAT, "Pat Oncall", "Europe/London");
    let sam = fake.add_user(SAM, "Sam Second", "America/New_York");
    fake.add_user("alex@example.com", "Alex Third", "Europe/Berlin");
    let payments = fake.add_escalation("Payments escalation", "Pat, then Sam");
    fake.add_escalation("Search escalation", "");
    let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut config = OpsgenieConfig::new(
        AccountId::new("ops"),
        server.url.parse().unwrap(),
        SecretString::from(key.to_owned()),
    );
    config.confirm_timeout = Duration::from_secs(5);
    config.user = Some(PAT.to_owned());
    Harness {
        fake,
        _server: server,
        client: OpsgenieClient::new(config).unwrap(),
        sam,
        payments,
    }
}

impl Harness {
    async fn act(&self, kind: ActionKind, id: &str) -> Result<ActionOutcome, ProviderError> {
        let mut results = self.client.act(&kind, &[id.to_owned()]).await;
        assert_eq!(results.len(), 1);
        results.remove(0)
    }

    /// The JSON body of the last request to a path ending in `suffix`.
    fn last_body(&self, suffix: &str) -> Value {
        let request = self
            .fake
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.path.ends_with(suffix))
            .unwrap_or_else(|| panic!("no request to …{suffix}"));
        serde_json::from_str(&request.body).expect("a JSON body")
    }
}

#[tokio::test]
async fn a_note_for_the_next_person_is_confirmed_and_shown_in_the_details() {
    let h = start().await;
    let id = h.fake.create_alert(NewAlert::new("Checkout latency high"));
    let note = ActionKind::AddNote {
        text: "Rolled back 4.2; watching p99".into(),
    };
    assert_eq!(h.act(note, &id).await, Ok(ActionOutcome::Done));
    let notes = h.fake.notes(&id);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].note, "Rolled back 4.2; watching p99");
    assert_eq!(notes[0].owner, PAT, "the configured user wrote it");
    let body = h.last_body("/notes");
    assert_eq!(body["source"], "oncall-tray");
    assert!(
        h.fake
            .requests()
            .iter()
            .any(|r| r.path.contains("/v2/alerts/requests/")),
        "confirmed through the request status"
    );

    // Sam answers from the phone; the pane shows both notes, newest first, and the log.
    h.fake.add_note_elsewhere(&id, "Still slow in eu-west", SAM);
    h.fake.acknowledge_elsewhere(&id, SAM);
    h.fake.clear_requests();
    let details = h.client.details(&id).await.unwrap();
    let texts: Vec<&str> = details.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Still slow in eu-west", "Rolled back 4.2; watching p99"]
    );
    assert_eq!(details.notes[0].author.as_deref(), Some(SAM));
    assert!(details.notes.windows(2).all(|w| w[0].at >= w[1].at));
    let summaries: Vec<&str> = details.log.iter().map(|l| l.summary.as_str()).collect();
    assert_eq!(
        summaries.first(),
        Some(&"Alert acknowledged by sam@example.com")
    );
    assert_eq!(summaries.last(), Some(&"Alert created (oncall-tray API)"));
    assert!(
        details.alerts.is_empty(),
        "an Opsgenie alert is itself the alert"
    );
    let paths: Vec<String> = h
        .fake
        .requests()
        .iter()
        .map(|r| format!("{}?{}", r.path, r.query))
        .collect();
    assert_eq!(
        paths.len(),
        2,
        "one page of notes, one of the log: {paths:?}"
    );
    assert!(paths
        .iter()
        .all(|p| p.contains("limit=100") && p.contains("order=desc")));
    assert!(paths.iter().all(|p| p.contains("identifierType=id")));

    // A poll still costs one request: details are never fetched on it.
    h.fake.clear_requests();
    h.client.open_incidents().await.unwrap();
    assert_eq!(h.fake.requests().len(), 1);

    let empty = ActionKind::AddNote { text: "  ".into() };
    assert!(matches!(
        h.act(empty, &id).await,
        Err(ProviderError::Rejected { status: 400, .. })
    ));
}

#[tokio::test]
async fn hostile_note_and_log_text_is_cleaned_for_display() {
    let h = start().await;
    let id = h.fake.create_alert(NewAlert::new("disk"));
    h.fake
        .add_note_elsewhere(&id, "ok\u{1b}]52;c;ZXZpbA==\u{7}\u{202E}done", "eve\u{0}");
    let details = h.client.details(&id).await.unwrap();
    assert_eq!(details.notes[0].text, "ok ]52;c;ZXZpbA== done");
    assert_eq!(details.notes[0].author.as_deref(), Some("eve"));
    assert!(details
        .log
        .iter()
        .all(|l| !l.summary.chars().any(char::is_control)));
}

#[tokio::test]
async fn the_alert_is_handed_to_a_colleague_found_in_the_picker() {
    let h = start().await;
    let id = h.fake.create_alert(NewAlert::new("Checkout latency high"));
    let found = h
        .client
        .find_assignees("sam", &[AssigneeKind::User])
        .await
        .unwrap();
    assert_eq!(
        found,
        [Assignee {
            kind: AssigneeKind::User,
            id: h.sam.clone(),
            name: "Sam Second".into(),
        }]
    );
    let users = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v2/users")
        .expect("the users were searched");
    assert!(users.query.contains("query=sam"), "{}", users.query);

    let reassign = ActionKind::Reassign {
        to: found[0].clone(),
    };
    assert!(CAPABILITIES.supports(&reassign));
    assert_eq!(h.act(reassign, &id).await, Ok(ActionOutcome::Done));
    assert_eq!(h.fake.owner(&id).as_deref(), Some(SAM));
    let body = h.last_body("/assign");
    assert_eq!(body["owner"]["type"], "user");
    assert_eq!(body["owner"]["id"], h.sam.as_str());
    assert_eq!(body["user"], PAT);
    let poll = h.client.open_incidents().await.unwrap();
    assert_eq!(
        poll.incidents[0].assignees[0].name, SAM,
        "the new owner shows"
    );

    // Someone deleted in the meantime: refused for good, not taken for a closed alert.
    let gone = ActionKind::Reassign {
        to: Assignee {
            kind: AssigneeKind::User,
            id: "u-deleted".into(),
            name: "Gone".into(),
        },
    };
    assert!(matches!(
        h.act(gone, &id).await,
        Err(ProviderError::Rejected { status: 422, message, .. }) if message.contains("u-deleted")
    ));

    // A team cannot own an Opsgenie alert: nothing is sent.
    h.fake.clear_requests();
    let team = ActionKind::Reassign {
        to: Assignee {
            kind: AssigneeKind::Team,
            id: "t1".into(),
            name: "Payments".into(),
        },
    };
    assert!(!CAPABILITIES.supports(&team));
    assert!(matches!(
        h.act(team, &id).await,
        Err(ProviderError::Unsupported { .. })
    ));
    assert!(h.fake.requests().is_empty());
}

#[tokio::test]
async fn the_alert_is_escalated_to_a_chosen_escalation() {
    let h = start().await;
    let id = h.fake.create_alert(NewAlert::new("Checkout latency high"));
    let found = h
        .client
        .find_assignees("pay", &[AssigneeKind::Escalation])
        .await
        .unwrap();
    assert_eq!(
        found,
        [Assignee {
            kind: AssigneeKind::Escalation,
            id: h.payments.clone(),
            name: "Payments escalation".into(),
        }]
    );
    let escalate = ActionKind::Escalate {
        to: Some(found[0].clone()),
    };
    assert!(CAPABILITIES.supports(&escalate));
    assert_eq!(h.act(escalate.clone(), &id).await, Ok(ActionOutcome::Done));
    assert_eq!(
        h.fake.escalations_of(&id),
        std::slice::from_ref(&h.payments)
    );
    let body = h.last_body("/escalate");
    assert_eq!(body["escalation"]["type"], "escalation");
    assert_eq!(body["escalation"]["id"], h.payments.as_str());

    // There is no "next level" on Opsgenie: nothing is sent.
    h.fake.clear_requests();
    let next_level = ActionKind::Escalate { to: None };
    assert!(!CAPABILITIES.supports(&next_level));
    assert!(matches!(
        h.act(next_level, &id).await,
        Err(ProviderError::Unsupported { .. })
    ));
    assert!(h.fake.requests().is_empty());

    // Closed before our request came: the user's intent no longer matters.
    h.fake.close(&id);
    assert_eq!(
        h.act(escalate, &id).await,
        Ok(ActionOutcome::AlreadyResolved)
    );
}

#[tokio::test]
async fn the_picker_searches_people_and_escalations_best_first() {
    let h = start().await;
    let both = h.client.find_assignees("a", &[]).await.unwrap();
    let names: Vec<&str> = both.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Alex Third",
            "Pat Oncall",
            "Payments escalation",
            "Sam Second",
            "Search escalation"
        ],
        "a name starting with the query first, then by name"
    );
    let words = h
        .client
        .find_assignees(
            "pat  ONCALL",
            &[AssigneeKind::User, AssigneeKind::Escalation],
        )
        .await
        .unwrap();
    assert_eq!(words.len(), 1);
    assert_eq!(words[0].name, "Pat Oncall");
    assert!(h
        .client
        .find_assignees("nobody", &[AssigneeKind::User])
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        h.client
            .find_assignees("x", &[AssigneeKind::EscalationPolicy])
            .await,
        Err(ProviderError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn without_configuration_access_the_picker_is_refused_and_alerts_keep_working() {
    let h = start_with_key(RESTRICTED_KEY).await;
    let id = h.fake.create_alert(NewAlert::new("disk"));
    for kind in [
        AssigneeKind::User,
        AssigneeKind::Escalation,
        AssigneeKind::Team,
    ] {
        let error = h.client.find_assignees("sam", &[kind]).await.unwrap_err();
        let ProviderError::Rejected {
            status: 403,
            message,
            ..
        } = &error
        else {
            panic!("expected a 403 Rejected, got {error:?}")
        };
        assert!(message.contains("Configuration access"), "{message}");
    }
    assert_eq!(h.client.open_incidents().await.unwrap().incidents.len(), 1);
    let note = ActionKind::AddNote {
        text: "on it".into(),
    };
    assert_eq!(h.act(note, &id).await, Ok(ActionOutcome::Done));
    assert_eq!(h.client.details(&id).await.unwrap().notes.len(), 1);
}

#[tokio::test]
async fn an_alert_that_is_gone_is_neither_an_error_to_act_on_nor_a_detail() {
    let h = start().await;
    let note = ActionKind::AddNote {
        text: "too late".into(),
    };
    assert_eq!(
        h.act(note.clone(), "no-such-alert").await,
        Ok(ActionOutcome::AlreadyResolved)
    );
    let error = h.client.details("no-such-alert").await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Rejected { status: 404, message, .. } if message == "Alert does not exist"),
        "{error:?}"
    );
    let closed = h.fake.create_alert(NewAlert::new("disk"));
    h.fake.close(&closed);
    assert_eq!(
        h.act(note, &closed).await,
        Ok(ActionOutcome::AlreadyResolved)
    );
}

#[tokio::test]
async fn an_alert_names_its_teams() {
    let h = start().await;
    h.fake.create_alert(
        NewAlert::new("routed")
            .responder(FakeResponder::team("payments"))
            .responder(FakeResponder::user("pat")),
    );
    let poll = h.client.open_incidents().await.unwrap();
    assert_eq!(
        poll.incidents[0].teams,
        [FakeResponder::team("payments").id],
        "Opsgenie lists a team by its id"
    );
}

#[tokio::test]
async fn more_responders_are_pulled_in_with_one_message() {
    let h = start().await;
    let team = h.fake.add_team("Payments team", "");
    h.fake.add_team("Search team", "");
    let id = h.fake.create_alert(NewAlert::new("Checkout latency high"));
    let teams = h
        .client
        .find_assignees("payments", &[AssigneeKind::Team])
        .await
        .unwrap();
    assert_eq!(
        teams,
        [Assignee {
            kind: AssigneeKind::Team,
            id: team.clone(),
            name: "Payments team".into(),
        }]
    );
    let sam = h
        .client
        .find_assignees("sam", &[AssigneeKind::User])
        .await
        .unwrap();
    let add = ActionKind::AddResponders {
        responders: vec![teams[0].clone(), sam[0].clone()],
        message: "Checkout p99 at 4 s, need payments".into(),
    };
    assert!(CAPABILITIES.supports(&add));
    h.fake.clear_requests();
    assert_eq!(h.act(add, &id).await, Ok(ActionOutcome::Done));
    let posted: Vec<Value> = h
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(posted.len(), 2, "one request per responder");
    let responders: Vec<(String, String)> = h
        .fake
        .responders(&id)
        .into_iter()
        .map(|r| (r.kind, r.id))
        .collect();
    assert_eq!(
        responders,
        [
            ("team".to_owned(), team.clone()),
            ("user".to_owned(), h.sam.clone())
        ]
    );
    let notes: Vec<String> = h.fake.notes(&id).into_iter().map(|n| n.note).collect();
    assert_eq!(
        notes,
        ["Checkout p99 at 4 s, need payments"],
        "the message once"
    );
    let poll = h.client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents[0].teams, [team]);

    // One unknown responder refuses the action for good, whatever the others did.
    let unknown = ActionKind::AddResponders {
        responders: vec![
            sam[0].clone(),
            Assignee {
                kind: AssigneeKind::Team,
                id: "t-deleted".into(),
                name: "Gone".into(),
            },
        ],
        message: String::new(),
    };
    assert!(matches!(
        h.act(unknown, &id).await,
        Err(ProviderError::Rejected { status: 422, message, .. }) if message.contains("t-deleted")
    ));
}

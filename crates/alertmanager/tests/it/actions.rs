//! Acknowledge is a silence on exactly the alert's labels; un-acknowledge expires it and
//! the alert pages again as a new episode; resolve and snooze do not exist here.

use std::time::Duration;

use chrono::Utc;
use oncall_alertmanager::{AlertmanagerClient, ACK_COMMENT};
use oncall_model::{
    ActionKind, ActionOutcome, Incident, Provider, ProviderError, ProviderKind, Status,
};
use oncall_test_support::alertmanager::{config, Alertmanager, TestAlert, ME};
use oncall_test_support::eventually_some;
use serde_json::{json, Value};

async fn only_incident(client: &AlertmanagerClient) -> Incident {
    let mut incidents = client.open_incidents().await.unwrap().incidents;
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    incidents.remove(0)
}

fn ours(silences: &[Value]) -> Vec<&Value> {
    silences
        .iter()
        .filter(|s| s["createdBy"] == ME && s["comment"] == ACK_COMMENT)
        .collect()
}

fn sorted_matchers(silence: &Value) -> Vec<Value> {
    let mut matchers = silence["matchers"].as_array().unwrap().clone();
    matchers.sort_by_key(|m| m["name"].as_str().unwrap().to_owned());
    matchers
}

#[tokio::test]
async fn acknowledge_silences_exactly_that_alert_and_shows_it_acknowledged() {
    let am = Alertmanager::start().await;
    let mut account = config(&am.url);
    account.ack_duration = Duration::from_secs(30 * 60);
    let client = AlertmanagerClient::new(account).unwrap();
    am.post_alert(&TestAlert::new(&[
        ("alertname", "DiskFull"),
        ("instance", "db1"),
        ("severity", "critical"),
    ]))
    .await;
    let incident = only_incident(&client).await;
    assert_eq!(incident.status, Status::Triggered);

    let before = Utc::now();
    let results = client
        .act(
            &ActionKind::Acknowledge,
            std::slice::from_ref(&incident.key.id),
        )
        .await;
    assert_eq!(results, vec![Ok(ActionOutcome::Done)]);

    let silences = am.silences().await;
    let ours = ours(&silences);
    assert_eq!(ours.len(), 1, "{silences:#?}");
    let silence = ours[0];
    assert_eq!(silence["status"]["state"], "active");
    assert_eq!(
        sorted_matchers(silence),
        vec![
            json!({"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true}),
            json!({"name": "instance", "value": "db1", "isRegex": false, "isEqual": true}),
            json!({"name": "severity", "value": "critical", "isRegex": false, "isEqual": true}),
        ]
    );
    let ends_at: chrono::DateTime<Utc> = silence["endsAt"].as_str().unwrap().parse().unwrap();
    let expected_end = before + chrono::Duration::minutes(30);
    assert!(
        (ends_at - expected_end).num_seconds().abs() <= 5,
        "ends {ends_at}, expected about {expected_end}"
    );
    let starts_at: chrono::DateTime<Utc> = silence["startsAt"].as_str().unwrap().parse().unwrap();

    let acknowledged = only_incident(&client).await;
    assert_eq!(acknowledged.status, Status::Acknowledged);
    assert_eq!(acknowledged.key, incident.key);
    assert_eq!(acknowledged.status_changed_at, starts_at);
    // The ack changes the status only, never when it was assigned to me.
    assert_eq!(acknowledged.assigned_to_me_at, incident.assigned_to_me_at);

    // Pressing Acknowledge again (a retry after a lost answer) writes no second silence.
    let again = client
        .act(
            &ActionKind::Acknowledge,
            std::slice::from_ref(&incident.key.id),
        )
        .await;
    assert_eq!(again, vec![Ok(ActionOutcome::AlreadyDone)]);
    assert_eq!(am.silences().await.len(), 1);
}

#[tokio::test]
async fn unacknowledge_expires_the_silence_and_the_alert_triggers_again_later() {
    let am = Alertmanager::start().await;
    let client = AlertmanagerClient::new(config(&am.url)).unwrap();
    am.post_alert(&TestAlert::new(&[
        ("alertname", "QueueStuck"),
        ("queue", "mail"),
    ]))
    .await;
    let first = only_incident(&client).await;
    let id = first.key.id.clone();
    assert_eq!(
        client
            .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
            .await,
        vec![Ok(ActionOutcome::Done)]
    );
    assert_eq!(only_incident(&client).await.status, Status::Acknowledged);

    assert_eq!(
        client
            .act(&ActionKind::Unacknowledge, std::slice::from_ref(&id))
            .await,
        vec![Ok(ActionOutcome::Done)]
    );
    let silences = am.silences().await;
    assert_eq!(silences.len(), 1);
    assert_eq!(silences[0]["status"]["state"], "expired", "{silences:#?}");

    let again = only_incident(&client).await;
    assert_eq!(again.status, Status::Triggered);
    assert!(
        again.status_changed_at > first.status_changed_at,
        "a new episode: {} after {}",
        again.status_changed_at,
        first.status_changed_at
    );
    // Stable across polls: the episode does not move by itself.
    assert_eq!(
        only_incident(&client).await.status_changed_at,
        again.status_changed_at
    );

    // Nothing left to withdraw.
    assert_eq!(
        client.act(&ActionKind::Unacknowledge, &[id]).await,
        vec![Ok(ActionOutcome::AlreadyDone)]
    );
}

#[tokio::test]
async fn an_ack_that_runs_out_triggers_the_alert_again() {
    let am = Alertmanager::start().await;
    let mut account = config(&am.url);
    // No room to extend: it runs out (`lasting.rs` has the extensions).
    account.ack_duration = Duration::from_secs(2);
    account.ack_max_duration = Duration::from_secs(2);
    let client = AlertmanagerClient::new(account).unwrap();
    am.post_alert(&TestAlert::new(&[("alertname", "Short")]))
        .await;
    let first = only_incident(&client).await;
    client
        .act(
            &ActionKind::Acknowledge,
            std::slice::from_ref(&first.key.id),
        )
        .await;
    assert_eq!(only_incident(&client).await.status, Status::Acknowledged);

    // Wait for the silence to end (polling, as the tray does), at most 10 s.
    let retriggered = eventually_some("the ack running out", Duration::from_secs(10), || async {
        let incident = only_incident(&client).await;
        (incident.status == Status::Triggered).then_some(incident)
    })
    .await;
    let silences = am.silences().await;
    let ends_at: chrono::DateTime<Utc> = silences[0]["endsAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(retriggered.status_changed_at, ends_at);
    assert!(retriggered.status_changed_at > first.status_changed_at);
}

#[tokio::test]
async fn actions_on_gone_alerts_and_unsupported_actions() {
    let am = Alertmanager::start().await;
    let client = AlertmanagerClient::new(config(&am.url)).unwrap();
    let alert = TestAlert::new(&[("alertname", "Gone")]);
    am.post_alert(&alert).await;
    let id = only_incident(&client).await.key.id;
    am.resolve_alert(&alert).await;

    let results = client
        .act(
            &ActionKind::Acknowledge,
            &[id.clone(), "0123456789abcdef".into()],
        )
        .await;
    assert_eq!(
        results,
        vec![
            Ok(ActionOutcome::AlreadyResolved),
            Ok(ActionOutcome::AlreadyResolved)
        ]
    );
    assert!(am.silences().await.is_empty(), "nothing to silence");

    let caps = client.capabilities();
    assert!(!caps.resolve && !caps.snooze && caps.unacknowledge);
    for kind in [ActionKind::Resolve, ActionKind::Snooze { seconds: 600 }] {
        let results = client.act(&kind, std::slice::from_ref(&id)).await;
        assert_eq!(
            results,
            vec![Err(ProviderError::Unsupported {
                provider: ProviderKind::Alertmanager,
                action: kind.verb(),
            })]
        );
    }
}

#[tokio::test]
async fn acknowledging_one_of_two_similar_alerts_leaves_the_other_ringing() {
    let am = Alertmanager::start().await;
    let client = AlertmanagerClient::new(config(&am.url)).unwrap();
    am.post_alert(&TestAlert::new(&[("alertname", "Down"), ("instance", "a")]))
        .await;
    am.post_alert(&TestAlert::new(&[("alertname", "Down"), ("instance", "b")]))
        .await;
    let incidents = client.open_incidents().await.unwrap().incidents;
    let a = incidents
        .iter()
        .find(|i| i.title.contains("instance=a"))
        .unwrap();
    client
        .act(&ActionKind::Acknowledge, std::slice::from_ref(&a.key.id))
        .await;

    let after = client.open_incidents().await.unwrap().incidents;
    let status_of = |needle: &str| {
        after
            .iter()
            .find(|i| i.title.contains(needle))
            .map(|i| i.status)
    };
    assert_eq!(status_of("instance=a"), Some(Status::Acknowledged));
    assert_eq!(status_of("instance=b"), Some(Status::Triggered));
}

//! Acting on incidents: bulk acknowledge and resolve, the one-by-one fallback, the
//! "already" outcomes and snooze.

use oncall_fake_pagerduty::{Fault, FaultKind, NewIncident, Route};
use oncall_model::{ActionKind, ActionOutcome, Provider, ProviderError, ProviderKind, Status};
use serde_json::Value;

use crate::util::{Harness, PAT, PAT_EMAIL, SAM};

use ActionOutcome::{AlreadyDone, AlreadyResolved, Done};

fn trigger_many(h: &Harness, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| h.fake.trigger(NewIncident::new(format!("incident {i}"))))
        .collect()
}

#[tokio::test]
async fn bulk_acknowledge_of_300_takes_two_puts_of_at_most_250() {
    let h = Harness::start().await;
    let ids = trigger_many(&h, 300);
    let results = h.client.act(&ActionKind::Acknowledge, &ids).await;
    assert_eq!(results, vec![Ok(Done); 300]);

    let puts = h.requests_to("PUT", "/incidents");
    assert_eq!(puts.len(), 2);
    let mut sent = Vec::new();
    for put in &puts {
        assert_eq!(put.header("from"), Some(PAT_EMAIL));
        let body: Value = serde_json::from_str(&put.body).unwrap();
        let items = body["incidents"].as_array().unwrap();
        assert!(items.len() <= 250, "{} in one PUT", items.len());
        for item in items {
            assert_eq!(item["type"], "incident_reference");
            assert_eq!(item["status"], "acknowledged");
            sent.push(item["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(sent, ids, "every id once, in order");
    for id in &ids {
        let incident = h.fake.incident(id).unwrap();
        assert_eq!(incident.status, Status::Acknowledged, "{id}");
        assert_eq!(incident.acknowledged_by, vec![PAT.to_owned()], "{id}");
    }
}

#[tokio::test]
async fn acknowledging_an_already_acknowledged_incident_is_already_done() {
    let h = Harness::start().await;
    let ids = trigger_many(&h, 3);
    // Sam got there first, from his phone.
    h.fake.acknowledge(&ids[1], SAM);
    let results = h.client.act(&ActionKind::Acknowledge, &ids).await;
    assert_eq!(results, vec![Ok(Done), Ok(AlreadyDone), Ok(Done)]);
    for id in [&ids[0], &ids[2]] {
        assert_eq!(
            h.fake.incident(id).unwrap().acknowledged_by,
            vec![PAT.to_owned()]
        );
    }
    assert_eq!(
        h.fake.incident(&ids[1]).unwrap().acknowledged_by,
        vec![SAM.to_owned()]
    );
    // One refused batch, then one request per incident.
    assert_eq!(h.requests_to("PUT", "/incidents").len(), 1);
    let singles = h
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.starts_with("/incidents/"))
        .count();
    assert_eq!(singles, 3);
}

#[tokio::test]
async fn acknowledging_a_resolved_incident_is_already_resolved() {
    let h = Harness::start().await;
    let ids = trigger_many(&h, 2);
    h.fake.resolve(&ids[0]);
    let results = h.client.act(&ActionKind::Acknowledge, &ids).await;
    assert_eq!(results, vec![Ok(AlreadyResolved), Ok(Done)]);
    assert_eq!(h.fake.incident(&ids[0]).unwrap().status, Status::Resolved);

    // Alone, the answer comes from the bulk request itself.
    let results = h.client.act(&ActionKind::Acknowledge, &ids[..1]).await;
    assert_eq!(results, vec![Ok(AlreadyResolved)]);
}

#[tokio::test]
async fn resolve_and_resolve_again() {
    let h = Harness::start().await;
    let ids = trigger_many(&h, 2);
    let results = h.client.act(&ActionKind::Resolve, &ids).await;
    assert_eq!(results, vec![Ok(Done), Ok(Done)]);
    let put = h.requests_to("PUT", "/incidents").pop().unwrap();
    let body: Value = serde_json::from_str(&put.body).unwrap();
    assert_eq!(body["incidents"][0]["status"], "resolved");
    for id in &ids {
        assert_eq!(h.fake.incident(id).unwrap().status, Status::Resolved);
    }
    let again = h.client.act(&ActionKind::Resolve, &ids).await;
    assert_eq!(again, vec![Ok(AlreadyDone), Ok(AlreadyDone)]);
}

#[tokio::test]
async fn unknown_incident_fails_alone() {
    let h = Harness::start().await;
    let known = h.fake.trigger(NewIncident::new("real"));
    let ids = vec!["QNOSUCHINCIDENT".to_owned(), known.clone()];
    let results = h.client.act(&ActionKind::Acknowledge, &ids).await;
    assert!(
        matches!(
            &results[0],
            Err(ProviderError::Rejected { status: 404, .. })
        ),
        "{results:?}"
    );
    assert_eq!(results[1], Ok(Done));
    assert_eq!(
        h.fake.incident(&known).unwrap().status,
        Status::Acknowledged
    );
}

#[tokio::test]
async fn repeated_ids_get_one_answer_each() {
    let h = Harness::start().await;
    let id = h.fake.trigger(NewIncident::new("twice"));
    let results = h
        .client
        .act(&ActionKind::Acknowledge, &[id.clone(), id.clone()])
        .await;
    assert_eq!(results, vec![Ok(Done), Ok(Done)]);
    let put = h.requests_to("PUT", "/incidents").pop().unwrap();
    let body: Value = serde_json::from_str(&put.body).unwrap();
    assert_eq!(body["incidents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn no_ids_no_requests() {
    let h = Harness::start().await;
    assert!(h.client.act(&ActionKind::Acknowledge, &[]).await.is_empty());
    assert!(h.requests().is_empty());
}

#[tokio::test]
async fn configured_from_email_acts_as_that_user() {
    let h = Harness::start().await;
    let client = h.client_with(|c| c.from_email = Some("sam@example.com".into()));
    let id = h.fake.trigger(NewIncident::new("handled by Sam's bot"));
    assert_eq!(
        client
            .act(&ActionKind::Acknowledge, std::slice::from_ref(&id))
            .await,
        vec![Ok(Done)]
    );
    assert_eq!(
        h.fake.incident(&id).unwrap().acknowledged_by,
        vec![SAM.to_owned()]
    );
    assert!(
        h.requests_to("GET", "/users/me").is_empty(),
        "no identity needed for From"
    );
}

#[tokio::test]
async fn an_unknown_from_email_is_rejected_without_trying_each_incident() {
    let h = Harness::start().await;
    let client = h.client_with(|c| c.from_email = Some("nobody@example.com".into()));
    let ids = trigger_many(&h, 3);
    let results = client.act(&ActionKind::Acknowledge, &ids).await;
    for result in &results {
        assert!(
            matches!(
                result,
                Err(ProviderError::Rejected {
                    code: Some(1008),
                    ..
                })
            ),
            "{result:?}"
        );
    }
    assert_eq!(
        h.requests().len(),
        1,
        "one bulk request, no per-incident fallback"
    );
}

#[tokio::test]
async fn an_account_wide_failure_stops_the_rest_of_the_call() {
    let h = Harness::start().await;
    let ids = trigger_many(&h, 300);
    h.client.identify().await.unwrap();
    h.fake.clear_requests();
    h.fake.inject(Fault::once(
        Route::UpdateIncidents,
        FaultKind::RateLimited {
            reset_secs: Some(30),
            retry_after_secs: None,
            with_body: true,
        },
    ));
    let results = h.client.act(&ActionKind::Acknowledge, &ids).await;
    assert_eq!(results.len(), 300);
    for result in &results {
        assert!(
            matches!(result, Err(ProviderError::RateLimited { .. })),
            "{result:?}"
        );
    }
    assert_eq!(
        h.requests().len(),
        1,
        "the second batch was not sent into a 429"
    );
    assert!(ids
        .iter()
        .all(|id| h.fake.incident(id).unwrap().status == Status::Triggered));
}

#[tokio::test]
async fn snooze_an_acknowledged_incident() {
    let h = Harness::start().await;
    let id = h.fake.trigger(NewIncident::new("noisy"));
    h.fake.acknowledge(&id, PAT);
    let results = h
        .client
        .act(
            &ActionKind::Snooze { seconds: 3600 },
            std::slice::from_ref(&id),
        )
        .await;
    assert_eq!(results, vec![Ok(Done)]);
    let post = h
        .requests_to("POST", &format!("/incidents/{id}/snooze"))
        .pop()
        .unwrap();
    assert_eq!(post.header("from"), Some(PAT_EMAIL));
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(
        serde_json::from_str::<Value>(&post.body).unwrap(),
        serde_json::json!({"duration": 3600})
    );
    assert_eq!(
        h.fake.incident(&id).unwrap().snoozed_until,
        Some(h.now() + chrono::Duration::seconds(3600))
    );
}

#[tokio::test]
async fn snoozing_a_triggered_incident_is_rejected_with_a_reason() {
    let h = Harness::start().await;
    let id = h.fake.trigger(NewIncident::new("not yet acked"));
    let results = h
        .client
        .act(
            &ActionKind::Snooze { seconds: 600 },
            std::slice::from_ref(&id),
        )
        .await;
    let Err(error) = &results[0] else {
        panic!("expected a refusal, got {results:?}")
    };
    assert!(
        matches!(
            error,
            ProviderError::Rejected {
                code: Some(1012),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("acknowledged"), "{error}");
    assert_eq!(h.fake.incident(&id).unwrap().snoozed_until, None);
}

#[tokio::test]
async fn unacknowledge_is_unsupported_and_sends_nothing() {
    let h = Harness::start().await;
    let can = h.client.capabilities();
    assert!(can.resolve && can.snooze && can.schedules && !can.unacknowledge);
    assert!(!can.supports(&ActionKind::Unacknowledge));
    assert_eq!(h.client.kind(), ProviderKind::PagerDuty);
    let results = h
        .client
        .act(
            &ActionKind::Unacknowledge,
            &["Q1".to_owned(), "Q2".to_owned()],
        )
        .await;
    let unsupported = ProviderError::Unsupported {
        provider: ProviderKind::PagerDuty,
        action: "unacknowledge",
    };
    assert_eq!(results, vec![Err(unsupported.clone()), Err(unsupported)]);
    assert!(h.requests().is_empty());
}

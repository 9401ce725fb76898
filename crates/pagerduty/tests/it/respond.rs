//! Responding beyond acknowledge, against the fake PagerDuty, as a user lives it: handing
//! an incident to Alice or to another escalation policy, escalating it, leaving a note,
//! pulling in responders, lowering its urgency, opening its detail pane and searching the
//! pickers.
//!
//! The account: Pat (the client's user) is on call in "Checkout on-call" (`PEP0001`),
//! whose level 1 is the seeded schedule with Pat on call and, here, whose level 2 is Sam;
//! Alice is a teammate on no policy; "Platform" (`PEP0100`) pages Sam, then Alice.

use oncall_fake_pagerduty::{
    EscalationPolicySpec, EscalationTarget, LogKind, NewIncident, ResponderTarget,
};
use oncall_model::{
    ActionKind, ActionOutcome, Assignee, AssigneeKind, Provider, ProviderError, Status, Urgency,
};
use serde_json::{json, Value};

use crate::spec;
use crate::util::{query_values, Harness, PAT, SAM};

use ActionOutcome::{AlreadyResolved, Done};

const ALICE: &str = "PUSER03";
const CHECKOUT: &str = "PEP0001";
const PLATFORM: &str = "PEP0100";

fn alice() -> Assignee {
    Assignee {
        kind: AssigneeKind::User,
        id: ALICE.into(),
        name: "Alice Third".into(),
    }
}

fn platform() -> Assignee {
    Assignee {
        kind: AssigneeKind::EscalationPolicy,
        id: PLATFORM.into(),
        name: "Platform".into(),
    }
}

/// The account described in the module docs.
async fn team() -> Harness {
    let h = Harness::start().await;
    h.fake.add_user(
        ALICE,
        "Alice Third",
        "alice@example.com",
        "fake-token-alice",
    );
    h.fake.add_escalation_policy(EscalationPolicySpec {
        id: CHECKOUT.into(),
        name: "Checkout on-call".into(),
        levels: vec![
            vec![EscalationTarget::Schedule("PSCHED1".into())],
            vec![EscalationTarget::User(SAM.into())],
        ],
    });
    h.fake.add_escalation_policy(EscalationPolicySpec {
        id: PLATFORM.into(),
        name: "Platform".into(),
        levels: vec![
            vec![EscalationTarget::User(SAM.into())],
            vec![EscalationTarget::User(ALICE.into())],
        ],
    });
    h
}

fn ids(one: &str) -> Vec<String> {
    vec![one.to_owned()]
}

/// The request's JSON body, checked against the document's schema for `method template`.
fn body(request: &oncall_fake_pagerduty::RecordedRequest, template: &str) -> Value {
    let body: Value = serde_json::from_str(&request.body).unwrap();
    if let Some(spec) = spec::spec() {
        let method = request.method.to_lowercase();
        let pointer = spec
            .request_pointer(spec::Doc::Rest, template, &method)
            .unwrap_or_else(|| panic!("{method} {template} takes no body in the document"));
        if let Err(violations) = spec.check(spec::Doc::Rest, &pointer, &body) {
            panic!("{method} {template} body does not conform:\n{violations}\n{body}");
        }
    }
    body
}

#[tokio::test]
async fn reassigning_to_alice_makes_it_hers_and_no_longer_mine() {
    let h = team().await;
    let id = h.fake.trigger(NewIncident::new("Checkout: 502s"));
    let before = h.client.open_incidents().await.unwrap().incidents;
    assert!(before[0].is_mine());

    let results = h
        .client
        .act(&ActionKind::Reassign { to: alice() }, &ids(&id))
        .await;
    assert_eq!(results, vec![Ok(Done)]);
    assert_eq!(h.fake.incident(&id).unwrap().assignees, vec![ALICE]);
    let put = h.requests_to("PUT", "/incidents").pop().unwrap();
    assert_eq!(
        body(&put, "/incidents")["incidents"][0]["assignments"],
        json!([{"assignee": {"id": ALICE, "type": "user_reference"}}])
    );
    let mine = h.client.open_incidents().await.unwrap().incidents;
    assert!(mine.is_empty(), "no longer in Pat's list: {mine:?}");
    let everyone = h.client_with(|c| c.filter.assigned_to_me = false);
    let all = everyone.open_incidents().await.unwrap().incidents;
    assert!(!all[0].is_mine(), "Alice's now, not Pat's");
    assert_eq!(all[0].assignees[0].name, "Alice Third");
    let log = h.fake.log_entries(&id);
    let last = log.last().unwrap();
    assert_eq!(last.kind, LogKind::Assign);
    assert_eq!(last.summary, "Reassigned to Alice Third by Pat Oncall");
}

#[tokio::test]
async fn reassigning_an_acknowledged_incident_to_a_policy_pages_its_first_level() {
    let h = team().await;
    let id = h.fake.trigger(NewIncident::new("Disk full"));
    h.fake.acknowledge(&id, PAT);
    let results = h
        .client
        .act(&ActionKind::Reassign { to: platform() }, &ids(&id))
        .await;
    assert_eq!(results, vec![Ok(Done)]);
    let incident = h.fake.incident(&id).unwrap();
    assert_eq!(incident.assignees, vec![SAM], "Platform's level 1");
    assert_eq!(incident.status, Status::Triggered, "Sam is paged afresh");
    let everyone = h.client_with(|c| c.filter.assigned_to_me = false);
    let polled = everyone.open_incidents().await.unwrap().incidents;
    assert_eq!(polled[0].escalation_policy.as_deref(), Some("Platform"));
}

#[tokio::test]
async fn reassigning_many_is_one_request_and_a_resolved_one_is_already_resolved() {
    let h = team().await;
    let incidents: Vec<String> = (0..3)
        .map(|n| h.fake.trigger(NewIncident::new(format!("incident {n}"))))
        .collect();
    let results = h
        .client
        .act(&ActionKind::Reassign { to: alice() }, &incidents)
        .await;
    assert_eq!(results, vec![Ok(Done); 3]);
    assert_eq!(h.requests_to("PUT", "/incidents").len(), 1);

    // Someone resolves the middle one before Pat hands the rest back to Sam: the bulk
    // request is refused as a whole, so each is asked alone and answers for itself.
    h.fake.resolve(&incidents[1]);
    let sam = Assignee {
        id: SAM.into(),
        ..alice()
    };
    let results = h
        .client
        .act(&ActionKind::Reassign { to: sam }, &incidents)
        .await;
    assert_eq!(results, vec![Ok(Done), Ok(AlreadyResolved), Ok(Done)]);
    for id in [&incidents[0], &incidents[2]] {
        assert_eq!(h.fake.incident(id).unwrap().assignees, vec![SAM]);
    }
}

#[tokio::test]
async fn reassigning_to_someone_unknown_is_refused() {
    let h = team().await;
    let id = h.fake.trigger(NewIncident::new("x"));
    let nobody = Assignee {
        id: "PNOBODY".into(),
        ..alice()
    };
    let results = h
        .client
        .act(&ActionKind::Reassign { to: nobody }, &ids(&id))
        .await;
    assert!(
        matches!(
            &results[0],
            Err(ProviderError::Rejected {
                code: Some(1007),
                ..
            })
        ),
        "{results:?}"
    );
    let team = Assignee {
        kind: AssigneeKind::Team,
        ..alice()
    };
    let results = h
        .client
        .act(&ActionKind::Reassign { to: team }, &ids(&id))
        .await;
    assert!(matches!(
        &results[0],
        Err(ProviderError::Unsupported { .. })
    ));
    assert_eq!(
        h.requests_to("PUT", "/incidents").len(),
        1,
        "a team is never sent"
    );
}

#[tokio::test]
async fn escalating_goes_to_the_next_level_and_stops_at_the_last() {
    let h = team().await;
    let id = h.fake.trigger(NewIncident::new("Checkout"));
    h.fake.acknowledge(&id, PAT);
    let escalate = ActionKind::Escalate { to: None };

    assert_eq!(h.client.act(&escalate, &ids(&id)).await, vec![Ok(Done)]);
    let incident = h.fake.incident(&id).unwrap();
    assert_eq!(incident.assignees, vec![SAM], "level 2 is Sam");
    assert_eq!(incident.status, Status::Triggered);
    let put = h.requests_to("PUT", "/incidents").pop().unwrap();
    assert_eq!(
        body(&put, "/incidents")["incidents"][0]["escalation_level"],
        2
    );
    let oncalls = h.requests_to("GET", "/oncalls").pop().unwrap();
    assert_eq!(
        query_values(&oncalls, "escalation_policy_ids[]"),
        vec![CHECKOUT]
    );
    let last = h.fake.log_entries(&id).pop().unwrap();
    assert_eq!(last.kind, LogKind::Escalate);
    assert_eq!(last.summary, "Escalated to level 2 by Pat Oncall");

    // Once more: there is nobody further, and nothing is sent.
    let puts = h.requests_to("PUT", "/incidents").len();
    let results = h.client.act(&escalate, &ids(&id)).await;
    let [Err(ProviderError::Rejected { message, .. })] = &results[..] else {
        panic!("escalated past the last level: {results:?}")
    };
    assert_eq!(
        message,
        "Checkout is already at the last level (2) of its escalation policy \
         (Checkout on-call): there is nobody further to escalate to"
    );
    assert_eq!(h.requests_to("PUT", "/incidents").len(), puts);
}

#[tokio::test]
async fn escalating_several_asks_once_per_policy_and_sends_one_update() {
    let h = team().await;
    let first = h.fake.trigger(NewIncident::new("a"));
    let second = h.fake.trigger(NewIncident::new("b"));
    let resolved = h.fake.trigger(NewIncident::new("c"));
    h.fake.resolve(&resolved);
    let all = vec![first.clone(), resolved, second.clone()];
    let results = h.client.act(&ActionKind::Escalate { to: None }, &all).await;
    assert_eq!(results, vec![Ok(Done), Ok(AlreadyResolved), Ok(Done)]);
    assert_eq!(h.requests_to("GET", "/oncalls").len(), 1);
    let puts = h.requests_to("PUT", "/incidents");
    assert_eq!(puts.len(), 1);
    assert_eq!(
        body(&puts[0], "/incidents")["incidents"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for id in [&first, &second] {
        assert_eq!(h.fake.incident(id).unwrap().assignees, vec![SAM]);
    }
}

#[tokio::test]
async fn escalating_to_a_chosen_target_is_not_pagerdutys_and_sends_nothing() {
    let h = team().await;
    let id = h.fake.trigger(NewIncident::new("x"));
    h.fake.clear_requests();
    let results = h
        .client
        .act(
            &ActionKind::Escalate {
                to: Some(platform()),
            },
            &ids(&id),
        )
        .await;
    assert!(matches!(
        &results[0],
        Err(ProviderError::Unsupported { .. })
    ));
    assert!(h.requests().is_empty());
}

#[tokio::test]
async fn a_note_is_left_for_the_next_person() {
    let h = team().await;
    let id = h.fake.trigger(NewIncident::new("db-3 disk"));
    let note = ActionKind::AddNote {
        text: "Rotated the logs; watch it for an hour".into(),
    };
    assert_eq!(h.client.act(&note, &ids(&id)).await, vec![Ok(Done)]);
    let notes = h.fake.notes(&id);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].content, "Rotated the logs; watch it for an hour");
    assert_eq!(notes[0].user_id, PAT);
    let post = h
        .requests_to("POST", &format!("/incidents/{id}/notes"))
        .pop()
        .unwrap();
    assert_eq!(post.header("from"), Some("pat@example.com"));
    body(&post, "/incidents/{id}/notes");
    assert_eq!(
        h.fake.log_entries(&id).pop().unwrap().kind,
        LogKind::Annotate
    );
}

#[tokio::test]
async fn a_note_on_an_unknown_incident_says_so() {
    let h = team().await;
    let note = ActionKind::AddNote {
        text: "hello".into(),
    };
    let results = h.client.act(&note, &ids("QNOSUCHINCIDENT")).await;
    assert_eq!(
        results,
        vec![Err(ProviderError::Rejected {
            status: 404,
            code: Some(2100),
            message: "PagerDuty has no incident QNOSUCHINCIDENT (it may have been merged or \
                      deleted)"
                .into(),
        })]
    );
    // An empty note is never sent.
    h.fake.clear_requests();
    let empty = ActionKind::AddNote { text: "  ".into() };
    let results = h.client.act(&empty, &ids("QNOSUCHINCIDENT")).await;
    assert!(matches!(
        &results[0],
        Err(ProviderError::Rejected { status: 400, .. })
    ));
    assert!(h.requests().is_empty());
}

#[tokio::test]
async fn responders_are_asked_with_a_message() {
    let h = team().await;
    let id = h.fake.trigger(NewIncident::new("Payments down"));
    let ask = ActionKind::AddResponders {
        responders: vec![alice(), platform()],
        message: "Join the bridge, please".into(),
    };
    assert_eq!(h.client.act(&ask, &ids(&id)).await, vec![Ok(Done)]);
    let post = h
        .requests_to("POST", &format!("/incidents/{id}/responder_requests"))
        .pop()
        .unwrap();
    body(&post, "/incidents/{id}/responder_requests");
    let requests = h.fake.responder_requests(&id);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].requester_id, PAT);
    assert_eq!(requests[0].message, "Join the bridge, please");
    assert_eq!(
        requests[0].targets,
        vec![
            ResponderTarget::User(ALICE.into()),
            ResponderTarget::EscalationPolicy(PLATFORM.into())
        ]
    );
    let asked: Vec<Vec<String>> = h
        .fake
        .log_entries(&id)
        .into_iter()
        .filter(|e| e.kind == LogKind::Notify)
        .map(|e| e.users)
        .collect();
    assert_eq!(asked, vec![vec![ALICE.to_string()], vec![SAM.to_string()]]);
}

#[tokio::test]
async fn lowering_the_urgency() {
    let h = team().await;
    let id = h.fake.trigger(NewIncident::new("cert expires in 14 days"));
    let lower = ActionKind::SetUrgency {
        urgency: Urgency::Low,
    };
    assert_eq!(h.client.act(&lower, &ids(&id)).await, vec![Ok(Done)]);
    assert_eq!(h.fake.incident(&id).unwrap().urgency, Urgency::Low);
    let polled = h.client.open_incidents().await.unwrap().incidents;
    assert_eq!(polled[0].urgency, Urgency::Low);
    let put = h.requests_to("PUT", "/incidents").pop().unwrap();
    assert_eq!(body(&put, "/incidents")["incidents"][0]["urgency"], "low");
}

#[tokio::test]
async fn the_detail_pane_shows_notes_log_and_alerts_in_three_requests() {
    let h = team().await;
    let id = h
        .fake
        .trigger(NewIncident::new("Checkout: error rate above 5%"));
    h.client.act(&ActionKind::Acknowledge, &ids(&id)).await;
    h.fake.add_note(&id, SAM, "Looks like the deploy at 08:55");
    h.advance(std::time::Duration::from_secs(60));
    let note = ActionKind::AddNote {
        text: "Rolling back".into(),
    };
    h.client.act(&note, &ids(&id)).await;
    h.fake.clear_requests();

    let details = h.client.details(&id).await.unwrap();
    let paths: Vec<String> = h.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            format!("/incidents/{id}/notes"),
            format!("/incidents/{id}/log_entries"),
            format!("/incidents/{id}/alerts"),
        ]
    );
    let notes: Vec<(&str, Option<&str>)> = details
        .notes
        .iter()
        .map(|n| (n.text.as_str(), n.author.as_deref()))
        .collect();
    assert_eq!(
        notes,
        [
            ("Rolling back", Some("Pat Oncall")),
            ("Looks like the deploy at 08:55", Some("Sam Second"))
        ]
    );
    let log: Vec<&str> = details.log.iter().map(|e| e.summary.as_str()).collect();
    assert_eq!(
        log,
        [
            "Note added by Pat Oncall",
            "Note added by Sam Second",
            "Acknowledged by Pat Oncall",
            "Triggered through the API"
        ]
    );
    assert_eq!(details.alerts.len(), 1);
    assert_eq!(details.alerts[0].summary, "Checkout: error rate above 5%");
    assert_eq!(details.alerts[0].status, "triggered");

    // Never on a poll: a poll is still one request per page of incidents.
    h.fake.clear_requests();
    let poll = h.client.open_incidents().await.unwrap();
    assert_eq!(poll.requests, 1);
    assert_eq!(h.requests().len(), 1);

    let unknown = h.client.details("QNOSUCHINCIDENT").await.unwrap_err();
    assert!(
        matches!(&unknown, ProviderError::Rejected { status: 404, .. }),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn the_pickers_find_people_and_policies_by_name() {
    let h = team().await;
    let kinds = [AssigneeKind::User, AssigneeKind::EscalationPolicy];
    let found = h.client.find_assignees("ali", &kinds).await.unwrap();
    assert_eq!(found, vec![alice()]);

    let found = h.client.find_assignees("checkout", &kinds).await.unwrap();
    assert_eq!(
        found,
        vec![Assignee {
            kind: AssigneeKind::EscalationPolicy,
            id: CHECKOUT.into(),
            name: "Checkout on-call".into(),
        }]
    );

    h.fake.clear_requests();
    let people = h
        .client
        .find_assignees("", &[AssigneeKind::User])
        .await
        .unwrap();
    let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Alice Third", "Pat Oncall", "Sam Second"]);
    let requests = h.requests();
    assert_eq!(requests.len(), 1, "only the kinds asked for");
    assert_eq!(requests[0].path, "/users");
    assert_eq!(query_values(&requests[0], "limit"), vec!["25"]);
}

#[tokio::test]
async fn capabilities_offer_what_the_client_does() {
    let h = Harness::start().await;
    let can = h.client.capabilities();
    for kind in [
        ActionKind::Reassign { to: alice() },
        ActionKind::Reassign { to: platform() },
        ActionKind::Escalate { to: None },
        ActionKind::AddNote { text: "x".into() },
        ActionKind::AddResponders {
            responders: vec![alice()],
            message: "x".into(),
        },
        ActionKind::SetUrgency {
            urgency: Urgency::Low,
        },
    ] {
        assert!(can.supports(&kind), "{kind:?}");
    }
    assert!(can.details);
    assert!(!can.supports(&ActionKind::Escalate {
        to: Some(platform())
    }));
    assert!(!can.reassign_to_teams);
}

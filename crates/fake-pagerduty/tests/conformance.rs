//! Spec conformance: every operation the fake implements is called over loopback and its
//! response body validated against the operation's response schema in PagerDuty's OpenAPI
//! documents (REST and Events v2). Skips, loudly, when the documents are not on disk.

mod util;

use oncall_fake_pagerduty::{FakeOnCall, NewIncident};
use oncall_model::Urgency;
use reqwest::Method;
use serde_json::{json, Value};
use util::spec::{spec, Doc, Spec};
use util::{send, start, Answer, Harness, PAT, ROUTING_KEY, SAM};

/// PagerDuty's generic error schema, for error statuses an operation does not list (its
/// 400s carry the same body as the ones it does list).
const GENERIC_ERROR: &str = "/components/responses/Conflict/content/application~1json/schema";

/// Asserts that `answer` is what the document says `method template` answers with its status.
fn assert_conforms(spec: &Spec, doc: Doc, method: &str, template: &str, answer: &Answer) {
    let status = answer.status.to_string();
    let pointer = spec
        .response_pointer(doc, template, method, &status)
        .or_else(|| (doc == Doc::Rest && answer.status >= 400).then(|| GENERIC_ERROR.to_string()))
        .unwrap_or_else(|| panic!("the document lists no {status} for {method} {template}"));
    if let Err(violations) = spec.check(doc, &pointer, &answer.body) {
        panic!(
            "{method} {template} -> {status} does not conform to {pointer}:\n{violations}\nbody: {}",
            answer.text
        );
    }
}

/// Asserts every field of `object` is one `components.schemas[schema]` declares, which
/// catches a misspelt field the (open) schema would let through.
fn assert_declared(spec: &Spec, schema: &str, object: &Value) {
    let declared = spec.declared_properties(schema);
    let object = object.as_object().expect("an object");
    let undeclared: Vec<&String> = object.keys().filter(|k| !declared.contains(*k)).collect();
    assert!(
        undeclared.is_empty(),
        "{schema} fields not in the document: {undeclared:?}"
    );
}

/// Incidents in every state the wire shape has: triggered, acknowledged, snoozed, resolved.
fn seed_incidents(h: &Harness) -> Vec<String> {
    let triggered = h.fake.trigger(NewIncident::new("Checkout latency high"));
    let acked = h
        .fake
        .trigger(NewIncident::new("Disk 91% full").urgency(Urgency::Low));
    h.fake.acknowledge(&acked, PAT);
    let snoozed = h
        .fake
        .trigger(NewIncident::new("Queue backlog").assignees(&[PAT, SAM]));
    h.fake.acknowledge(&snoozed, SAM);
    let resolved = h.fake.trigger(NewIncident::new("Cert expiring"));
    h.fake.resolve(&resolved);
    vec![triggered, acked, snoozed, resolved]
}

#[tokio::test]
async fn users_me_conforms() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let answer = send(h.get("/users/me")).await;
    assert_eq!(answer.status, 200);
    assert_conforms(spec, Doc::Rest, "get", "/users/me", &answer);
    assert_declared(spec, "User", &answer.body["user"]);
    assert_eq!(answer.body["user"]["email"], "pat@example.com");
}

#[tokio::test]
async fn incident_list_page_with_more_conforms() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let ids = seed_incidents(&h);
    let snooze = h.write(
        Method::POST,
        &format!("/incidents/{}/snooze", ids[2]),
        json!({"duration": 3600}),
    );
    assert_eq!(send(snooze).await.status, 201);

    let first = send(h.get("/incidents?limit=2&total=true")).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["more"], true);
    assert_conforms(spec, Doc::Rest, "get", "/incidents", &first);

    let rest = send(h.get("/incidents?limit=2&offset=2&statuses[]=triggered&statuses[]=acknowledged&statuses[]=resolved")).await;
    assert_eq!(rest.body["more"], false);
    assert_eq!(rest.body["total"], Value::Null);
    assert_conforms(spec, Doc::Rest, "get", "/incidents", &rest);

    let all: Vec<&Value> = first.body["incidents"]
        .as_array()
        .into_iter()
        .chain(rest.body["incidents"].as_array())
        .flatten()
        .collect();
    assert_eq!(all.len(), 4);
    for incident in all {
        assert_declared(spec, "Incident", incident);
    }
}

#[tokio::test]
async fn incident_show_conforms() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let ids = seed_incidents(&h);
    for id in &ids {
        let answer = send(h.get(&format!("/incidents/{id}"))).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_conforms(spec, Doc::Rest, "get", "/incidents/{id}", &answer);
    }
}

#[tokio::test]
async fn bulk_update_conforms() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let a = h.fake.trigger(NewIncident::new("a"));
    let b = h.fake.trigger(NewIncident::new("b"));
    let body = json!({"incidents": [
        {"id": a, "type": "incident_reference", "status": "acknowledged"},
        {"id": b, "type": "incident_reference", "status": "resolved"},
    ]});
    let answer = send(h.write(Method::PUT, "/incidents", body)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_conforms(spec, Doc::Rest, "put", "/incidents", &answer);
}

#[tokio::test]
async fn single_update_conforms() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let id = h.fake.trigger(NewIncident::new("a"));
    for status in ["acknowledged", "resolved"] {
        let body = json!({"incident": {"type": "incident_reference", "status": status}});
        let answer = send(h.write(Method::PUT, &format!("/incidents/{id}"), body)).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_conforms(spec, Doc::Rest, "put", "/incidents/{id}", &answer);
    }
}

#[tokio::test]
async fn snooze_conforms() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let id = h.fake.trigger(NewIncident::new("a"));
    h.fake.acknowledge(&id, PAT);
    let path = format!("/incidents/{id}/snooze");
    let answer = send(h.write(Method::POST, &path, json!({"duration": 600}))).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_conforms(spec, Doc::Rest, "post", "/incidents/{id}/snooze", &answer);
}

#[tokio::test]
async fn oncalls_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    h.fake.add_service("PSVC002", "Search", SAM);
    h.fake.set_oncalls(
        "PUSER03",
        vec![FakeOnCall {
            escalation_policy_id: "PEP0001".into(),
            level: 2,
            schedule: Some(("PSCHED2".into(), "Secondary".into())),
            start: Some(h.clock.now()),
            end: None,
        }],
    );
    let answer = send(h.get("/oncalls?total=true")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["total"], 3, "{}", answer.text);
    assert_conforms(spec, Doc::Rest, "get", "/oncalls", &answer);
    for oncall in answer.body["oncalls"].as_array().into_iter().flatten() {
        assert_declared(spec, "Oncall", oncall);
    }
}

#[tokio::test]
async fn error_bodies_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let id = h.fake.trigger(NewIncident::new("a"));
    let unauthorized = send(
        h.http
            .get(h.url("/users/me"))
            .header("Authorization", "Token token=wrong"),
    )
    .await;
    assert_eq!(unauthorized.status, 401);
    assert_conforms(spec, Doc::Rest, "get", "/users/me", &unauthorized);

    let bad_paging = send(h.get("/incidents?offset=9950&limit=100")).await;
    assert_eq!(bad_paging.status, 400);
    assert_conforms(spec, Doc::Rest, "get", "/incidents", &bad_paging);

    let no_from = h.request(Method::PUT, "/incidents").json(
        &json!({"incidents": [{"id": id, "type": "incident_reference", "status": "resolved"}]}),
    );
    let no_from = send(no_from).await;
    assert_eq!((no_from.status, no_from.error_code()), (400, Some(1008)));
    assert_conforms(spec, Doc::Rest, "put", "/incidents", &no_from);

    let too_many: Vec<Value> = (0..251)
        .map(|_| json!({"id": id, "type": "incident_reference", "status": "acknowledged"}))
        .collect();
    let too_large = send(h.write(Method::PUT, "/incidents", json!({"incidents": too_many}))).await;
    assert_eq!(too_large.status, 413);
    assert_conforms(spec, Doc::Rest, "put", "/incidents", &too_large);

    let missing = send(h.write(
        Method::PUT,
        "/incidents/QNOTHERE",
        json!({"incident": {"type": "incident_reference", "status": "acknowledged"}}),
    ))
    .await;
    assert_eq!((missing.status, missing.error_code()), (404, Some(2100)));
    assert_conforms(spec, Doc::Rest, "put", "/incidents/{id}", &missing);

    let not_acked = send(h.write(
        Method::POST,
        &format!("/incidents/{id}/snooze"),
        json!({"duration": 60}),
    ))
    .await;
    assert_eq!(
        (not_acked.status, not_acked.error_code()),
        (400, Some(1012))
    );
    assert_conforms(
        spec,
        Doc::Rest,
        "post",
        "/incidents/{id}/snooze",
        &not_acked,
    );

    h.fake.set_rate_limit(0);
    let limited = send(h.get("/oncalls")).await;
    assert_eq!((limited.status, limited.error_code()), (429, Some(2020)));
    assert_conforms(spec, Doc::Rest, "get", "/oncalls", &limited);
}

#[tokio::test]
async fn enqueue_conforms_to_the_events_document() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let event = json!({
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "dedup_key": "srv01/HTTP",
        "payload": {"summary": "HTTP down on srv01", "source": "srv01", "severity": "critical"},
    });
    let accepted = send(h.http.post(h.url("/v2/enqueue")).json(&event)).await;
    assert_eq!(accepted.status, 202, "{}", accepted.text);
    assert_conforms(spec, Doc::Events, "post", "/enqueue", &accepted);

    // The document's 400 is a bare description (a typo for a `$ref`); its error schema is
    // `components.responses.Error`.
    let invalid = send(
        h.http
            .post(h.url("/v2/enqueue"))
            .json(&json!({"routing_key": ROUTING_KEY})),
    )
    .await;
    assert_eq!(invalid.status, 400);
    let pointer = "/components/responses/Error/content/application~1json/schema";
    if let Err(violations) = spec.check(Doc::Events, pointer, &invalid.body) {
        panic!(
            "enqueue 400 does not conform:\n{violations}\n{}",
            invalid.text
        );
    }
}

/// The validator must not be a rubber stamp: a wrong type, a missing required field and an
/// out-of-enum value are each caught.
#[tokio::test]
async fn validator_rejects_broken_bodies() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    seed_incidents(&h);
    let list = spec
        .response_pointer(Doc::Rest, "/incidents", "get", "200")
        .expect("listIncidents 200");
    let me = spec
        .response_pointer(Doc::Rest, "/users/me", "get", "200")
        .expect("getCurrentUser 200");
    let incidents = send(h.get("/incidents")).await.body;
    let user = send(h.get("/users/me")).await.body;
    assert!(spec.check(Doc::Rest, &list, &incidents).is_ok());
    assert!(spec.check(Doc::Rest, &me, &user).is_ok());

    let mut wrong_type = incidents.clone();
    wrong_type["incidents"][0]["incident_number"] = json!("1");
    assert!(
        spec.check(Doc::Rest, &list, &wrong_type).is_err(),
        "string incident_number"
    );

    let mut bad_enum = incidents.clone();
    bad_enum["incidents"][0]["status"] = json!("open");
    assert!(
        spec.check(Doc::Rest, &list, &bad_enum).is_err(),
        "unknown status"
    );

    let mut bad_time = incidents.clone();
    bad_time["incidents"][0]["created_at"] = json!("yesterday");
    assert!(
        spec.check(Doc::Rest, &list, &bad_time).is_err(),
        "created_at not a date-time"
    );

    let mut no_assignee = incidents.clone();
    if let Some(assignment) = no_assignee["incidents"][0]["assignments"][0].as_object_mut() {
        assignment.remove("assignee");
    }
    assert!(
        spec.check(Doc::Rest, &list, &no_assignee).is_err(),
        "assignment without assignee"
    );

    let mut no_email = user.clone();
    if let Some(user) = no_email["user"].as_object_mut() {
        user.remove("email");
    }
    assert!(
        spec.check(Doc::Rest, &me, &no_email).is_err(),
        "user without email"
    );

    let mut null_title = incidents;
    null_title["incidents"][0]["title"] = Value::Null;
    assert!(
        spec.check(Doc::Rest, &list, &null_title).is_err(),
        "null is only allowed where nullable"
    );
}

//! Spec conformance: every operation the fake implements is called over loopback and its
//! response body validated against the operation's response schema in PagerDuty's OpenAPI
//! documents (REST and Events v2). Skips, loudly, when the documents are not on disk.

mod util;

use oncall_fake_pagerduty::{FakeOnCall, NewIncident};
use oncall_model::Urgency;
use reqwest::Method;
use serde_json::{json, Value};
use util::spec::{spec, Doc, Documented, Spec};
use util::{add_rotation, send, start, Answer, Harness, ALEX, PAT, ROTA, ROUTING_KEY, SAM};

/// PagerDuty's generic error schema, for error statuses an operation does not list (its
/// 400s carry the same body as the ones it does list).
const GENERIC_ERROR: &str = "/components/responses/Conflict/content/application~1json/schema";

/// Asserts that `answer` is what the document says `method template` answers with its
/// status: a body valid against the listed schema, or no body when the status is listed
/// without content.
fn assert_conforms(spec: &Spec, doc: Doc, method: &str, template: &str, answer: &Answer) {
    let status = answer.status.to_string();
    let pointer = match spec.response(doc, template, method, &status) {
        Documented::Schema(pointer) => pointer,
        Documented::NoBody => {
            assert!(
                answer.text.is_empty(),
                "{method} {template} -> {status} is documented without a body, got: {}",
                answer.text
            );
            return;
        }
        Documented::Missing if doc == Doc::Rest && answer.status >= 400 => {
            GENERIC_ERROR.to_string()
        }
        Documented::Missing => {
            panic!("the document lists no {status} for {method} {template}")
        }
    };
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

// ----- schedules, overrides, escalation policies -----

/// Asserts each object is declared by `schema` (see `assert_declared`).
fn assert_all_declared(spec: &Spec, schema: &str, objects: &Value) {
    for object in objects.as_array().expect("an array") {
        assert_declared(spec, schema, object);
    }
}

#[tokio::test]
async fn schedules_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    add_rotation(&h.fake);
    let range = "since=2024-05-01T00:00:00Z&until=2024-05-02T00:00:00Z";
    let listed = send(h.get(&format!(
        "/schedules?include[]=schedule_layers&include[]=final_schedule\
         &include[]=overrides_subschedule&total=true&{range}"
    )))
    .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["total"], 2);
    assert_conforms(spec, Doc::Rest, "get", "/schedules", &listed);
    let plain = send(h.get("/schedules?limit=1")).await;
    assert_eq!(plain.body["more"], true);
    assert_conforms(spec, Doc::Rest, "get", "/schedules", &plain);

    for query in [format!("?{range}&overflow=true"), String::new()] {
        for id in [ROTA, "PSCHED1"] {
            let answer = send(h.get(&format!("/schedules/{id}{query}"))).await;
            assert_eq!(answer.status, 200, "{}", answer.text);
            assert_conforms(spec, Doc::Rest, "get", "/schedules/{id}", &answer);
            let schedule = &answer.body["schedule"];
            assert_declared(spec, "Schedule", schedule);
            assert_all_declared(spec, "ScheduleLayer", &schedule["schedule_layers"]);
            for part in ["final_schedule", "overrides_subschedule"] {
                assert_declared(spec, "SubSchedule", &schedule[part]);
            }
        }
    }
    let rota = send(h.get(&format!("/schedules/{ROTA}?{range}"))).await;
    let entries = &rota.body["schedule"]["final_schedule"]["rendered_schedule_entries"];
    assert_all_declared(spec, "ScheduleLayerEntry", entries);

    let missing = send(h.get("/schedules/PNOPE")).await;
    assert_eq!((missing.status, missing.error_code()), (404, Some(2100)));
    assert_conforms(spec, Doc::Rest, "get", "/schedules/{id}", &missing);

    let users = send(h.get(&format!("/schedules/{ROTA}/users?{range}"))).await;
    assert_eq!(users.status, 200, "{}", users.text);
    assert_conforms(spec, Doc::Rest, "get", "/schedules/{id}/users", &users);
    assert_all_declared(spec, "User", &users.body["users"]);
}

#[tokio::test]
async fn overrides_conform_and_so_does_the_request_body() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    add_rotation(&h.fake);
    let request = spec
        .request_pointer(Doc::Rest, "/schedules/{id}/overrides", "post")
        .expect("createScheduleOverride has a request body");
    let body = json!({"overrides": [
        {"start": "2024-05-01T08:00:00Z", "end": "2024-05-01T12:00:00Z",
         "user": {"id": ALEX, "type": "user_reference"}, "time_zone": "UTC"},
        {"start": "2024-05-02T08:00:00Z", "end": "2024-05-02T12:00:00Z",
         "user": {"id": SAM, "type": "user_reference"}},
        {"start": "2024-05-03T08:00:00Z", "end": "2024-05-03T08:00:00Z",
         "user": {"id": PAT, "type": "user_reference"}},
    ]});
    spec.check(Doc::Rest, &request, &body)
        .unwrap_or_else(|v| panic!("the test's own request does not conform:\n{v}"));
    let mut no_user = body.clone();
    if let Some(item) = no_user["overrides"][0].as_object_mut() {
        item.remove("user");
    }
    assert!(
        spec.check(Doc::Rest, &request, &no_user).is_err(),
        "an override without a user is not a valid request"
    );

    let path = format!("/schedules/{ROTA}/overrides");
    let created = send(h.request(Method::POST, &path).json(&body)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_conforms(
        spec,
        Doc::Rest,
        "post",
        "/schedules/{id}/overrides",
        &created,
    );
    let items = created.body.as_array().expect("a top-level array");
    for item in items {
        assert_declared(spec, "Override", &item["override"]);
    }

    let listed = send(h.get(&format!(
        "{path}?since=2024-05-01T00:00:00Z&until=2024-05-04T00:00:00Z"
    )))
    .await;
    assert_eq!(listed.status, 201, "the document says 201: {}", listed.text);
    assert_conforms(spec, Doc::Rest, "get", "/schedules/{id}/overrides", &listed);
    assert_all_declared(spec, "Override", &listed.body["overrides"]);

    let template = "/schedules/{id}/overrides/{override_id}";
    let ongoing = items[0]["override"]["id"]
        .as_str()
        .expect("created")
        .to_string();
    let future = items[1]["override"]["id"]
        .as_str()
        .expect("created")
        .to_string();
    for (id, status) in [(future, 204), (ongoing.clone(), 200), (ongoing, 400)] {
        let answer = send(h.request(Method::DELETE, &format!("{path}/{id}"))).await;
        assert_eq!(answer.status, status, "{}", answer.text);
        assert_conforms(spec, Doc::Rest, "delete", template, &answer);
    }
    let unknown = send(h.request(Method::DELETE, &format!("{path}/QNOPE"))).await;
    assert_eq!(unknown.status, 404);
    assert_conforms(spec, Doc::Rest, "delete", template, &unknown);

    let no_schedule = send(
        h.request(Method::POST, "/schedules/PNOPE/overrides")
            .json(&body),
    )
    .await;
    assert_eq!(no_schedule.status, 404);
    assert_conforms(
        spec,
        Doc::Rest,
        "post",
        "/schedules/{id}/overrides",
        &no_schedule,
    );
    let no_range = send(h.get(&path)).await;
    assert_eq!(no_range.status, 400);
    assert_conforms(
        spec,
        Doc::Rest,
        "get",
        "/schedules/{id}/overrides",
        &no_range,
    );
}

#[tokio::test]
async fn escalation_policies_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    add_rotation(&h.fake);
    h.fake.add_service("PSVC002", "Search", SAM);
    for query in ["?total=true", "?user_ids[]=PUSER03&limit=1"] {
        let answer = send(h.get(&format!("/escalation_policies{query}"))).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_conforms(spec, Doc::Rest, "get", "/escalation_policies", &answer);
        for policy in answer.body["escalation_policies"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert_declared(spec, "EscalationPolicy", policy);
            assert_all_declared(spec, "EscalationRule", &policy["escalation_rules"]);
        }
    }
}

#[tokio::test]
async fn oncalls_from_schedules_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    add_rotation(&h.fake);
    let answer =
        send(h.get("/oncalls?since=2024-05-01T00:00:00Z&until=2024-05-02T00:00:00Z&limit=100"))
            .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_conforms(spec, Doc::Rest, "get", "/oncalls", &answer);
    assert_all_declared(spec, "Oncall", &answer.body["oncalls"]);
}

/// An empty-body check that cannot be fooled: a documented no-content status with a body
/// is caught.
#[tokio::test]
async fn a_body_where_none_is_documented_is_caught() {
    let Some(spec) = spec() else { return };
    let template = "/schedules/{id}/overrides/{override_id}";
    assert_eq!(
        spec.response(Doc::Rest, template, "delete", "204"),
        Documented::NoBody
    );
    let with_body = Answer {
        status: 204,
        headers: Default::default(),
        body: json!({}),
        text: "{}".into(),
    };
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert_conforms(spec, Doc::Rest, "delete", template, &with_body)
    }));
    assert!(caught.is_err());
}

// ----- responding: reassign, escalate, urgency, notes, log, alerts, responders, users -----

/// Asserts `body` is a valid request body for `method path` by the document.
fn assert_valid_request(spec: &Spec, method: &str, path: &str, body: &Value) {
    let pointer = spec
        .request_pointer(Doc::Rest, path, method)
        .unwrap_or_else(|| panic!("{method} {path} has no request body in the document"));
    if let Err(violations) = spec.check(Doc::Rest, &pointer, body) {
        panic!("the request to {method} {path} does not conform:\n{violations}\n{body}");
    }
}

/// Adds user Alex and the two-level policy `ROTA_POLICY` (rota, then Sam), and moves the
/// seeded service to it.
fn two_levels(h: &Harness) -> String {
    add_rotation(&h.fake);
    h.fake.trigger(NewIncident::new("Checkout down"))
}

#[tokio::test]
async fn updates_that_reassign_escalate_and_change_urgency_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    add_rotation(&h.fake);
    let a = h.fake.trigger(NewIncident::new("a"));
    let b = h.fake.trigger(NewIncident::new("b"));
    let c = h.fake.trigger(NewIncident::new("c"));
    let body = json!({"incidents": [
        {"id": a, "type": "incident_reference",
         "assignments": [{"assignee": {"id": ALEX, "type": "user_reference"}}]},
        {"id": b, "type": "incident_reference",
         "escalation_policy": {"id": util::ROTA_POLICY, "type": "escalation_policy_reference"}},
        {"id": c, "type": "incident_reference", "urgency": "low"},
    ]});
    assert_valid_request(spec, "put", "/incidents", &body);
    let answer = send(h.write(Method::PUT, "/incidents", body)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_conforms(spec, Doc::Rest, "put", "/incidents", &answer);
    assert_eq!(h.fake.incident(&a).unwrap().assignees, vec![ALEX]);
    assert_eq!(h.fake.incident(&c).unwrap().urgency, Urgency::Low);

    let escalate = json!({"incident": {"type": "incident_reference", "escalation_level": 2}});
    assert_valid_request(spec, "put", "/incidents/{id}", &escalate);
    let answer = send(h.write(Method::PUT, &format!("/incidents/{b}"), escalate)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_conforms(spec, Doc::Rest, "put", "/incidents/{id}", &answer);
    assert_eq!(h.fake.incident(&b).unwrap().assignees, vec![SAM], "level 2");

    let too_far = json!({"incident": {"type": "incident_reference", "escalation_level": 3}});
    let refused = send(h.write(Method::PUT, &format!("/incidents/{b}"), too_far)).await;
    assert_eq!((refused.status, refused.error_code()), (400, Some(2001)));
    assert_conforms(spec, Doc::Rest, "put", "/incidents/{id}", &refused);

    h.fake.resolve(&a);
    let late = json!({"incidents": [{"id": a, "type": "incident_reference", "urgency": "high"}]});
    let refused = send(h.write(Method::PUT, "/incidents", late)).await;
    assert_eq!((refused.status, refused.error_code()), (400, Some(1001)));
    assert_conforms(spec, Doc::Rest, "put", "/incidents", &refused);
}

#[tokio::test]
async fn notes_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let id = h.fake.trigger(NewIncident::new("a"));
    let template = "/incidents/{id}/notes";
    let path = format!("/incidents/{id}/notes");
    let body = json!({"note": {"content": "Firefighters are on the scene."}});
    assert_valid_request(spec, "post", template, &body);
    let created = send(h.write(Method::POST, &path, body)).await;
    assert_eq!(
        created.status, 200,
        "the document says 200: {}",
        created.text
    );
    assert_conforms(spec, Doc::Rest, "post", template, &created);
    assert_declared(spec, "IncidentNote", &created.body["note"]);

    let listed = send(h.get(&path)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_conforms(spec, Doc::Rest, "get", template, &listed);
    assert_all_declared(spec, "IncidentNote", &listed.body["notes"]);
    assert_eq!(h.fake.notes(&id).len(), 1);

    let missing = send(h.get("/incidents/QNOTHERE/notes")).await;
    assert_eq!((missing.status, missing.error_code()), (404, Some(2100)));
    assert_conforms(spec, Doc::Rest, "get", template, &missing);
    let nowhere = json!({"note": {"content": "x"}});
    let missing = send(h.write(Method::POST, "/incidents/QNOTHERE/notes", nowhere)).await;
    assert_eq!(missing.status, 404);
    assert_conforms(spec, Doc::Rest, "post", template, &missing);
}

#[tokio::test]
async fn log_entries_of_every_kind_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let id = two_levels(&h);
    h.fake.acknowledge(&id, PAT);
    let snooze = json!({"duration": 60});
    assert_eq!(
        send(h.write(Method::POST, &format!("/incidents/{id}/snooze"), snooze))
            .await
            .status,
        201
    );
    h.clock.advance(120);
    h.fake.reassign(&id, &[SAM]);
    let to_policy = json!({"incident": {"type": "incident_reference",
        "escalation_policy": {"id": util::ROTA_POLICY, "type": "escalation_policy_reference"}}});
    send(h.write(Method::PUT, &format!("/incidents/{id}"), to_policy)).await;
    let escalate = json!({"incident": {"type": "incident_reference", "escalation_level": 2}});
    send(h.write(Method::PUT, &format!("/incidents/{id}"), escalate)).await;
    h.fake.add_note(&id, SAM, "looking");
    h.fake.set_urgency(&id, Urgency::Low);
    let ask = json!({"requester_id": PAT, "message": "help",
        "responder_request_targets": [{"responder_request_target":
            {"id": ALEX, "type": "user_reference"}}]});
    let asked = send(
        h.request(Method::POST, &format!("/incidents/{id}/responder_requests"))
            .json(&ask),
    )
    .await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    h.fake.resolve(&id);

    let template = "/incidents/{id}/log_entries";
    let answer = send(h.get(&format!(
        "/incidents/{id}/log_entries?is_overview=true&total=true"
    )))
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_conforms(spec, Doc::Rest, "get", template, &answer);
    let entries = answer.body["log_entries"].as_array().expect("entries");
    let kinds: Vec<&str> = entries.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "resolve_log_entry",
            "notify_log_entry",
            "urgency_change_log_entry",
            "annotate_log_entry",
            "escalate_log_entry",
            "assign_log_entry",
            "assign_log_entry",
            "unacknowledge_log_entry",
            "snooze_log_entry",
            "acknowledge_log_entry",
            "trigger_log_entry",
        ],
        "every kind the fake records, newest first"
    );
    for entry in entries {
        let schema = match entry["type"].as_str() {
            Some("acknowledge_log_entry") => "AcknowledgeLogEntry",
            Some("annotate_log_entry") => "AnnotateLogEntry",
            Some("assign_log_entry") => "AssignLogEntry",
            Some("escalate_log_entry") => "EscalateLogEntry",
            Some("notify_log_entry") => "NotifyLogEntry",
            Some("resolve_log_entry") => "ResolveLogEntry",
            Some("snooze_log_entry") => "SnoozeLogEntry",
            Some("trigger_log_entry") => "TriggerLogEntry",
            Some("unacknowledge_log_entry") => "UnacknowledgeLogEntry",
            Some("urgency_change_log_entry") => "UrgencyChangeLogEntry",
            other => panic!("unexpected log entry type {other:?}"),
        };
        assert_declared(spec, schema, entry);
    }
    let pointer = spec
        .response_pointer(Doc::Rest, template, "get", "200")
        .expect("listIncidentLogEntries 200");
    let mut unknown_kind = answer.body.clone();
    unknown_kind["log_entries"][0]["type"] = json!("acknowledgement_log_entry");
    assert!(
        spec.check(Doc::Rest, &pointer, &unknown_kind).is_err(),
        "the validator checks each entry's type"
    );
    let trigger = entries.last().expect("the trigger");
    let incident = send(h.get(&format!("/incidents/{id}"))).await;
    assert_eq!(
        incident.body["incident"]["first_trigger_log_entry"]["id"], trigger["id"],
        "the incident names its trigger's log entry"
    );

    let missing = send(h.get("/incidents/QNOTHERE/log_entries")).await;
    assert_eq!(missing.status, 404);
    assert_conforms(spec, Doc::Rest, "get", template, &missing);
}

#[tokio::test]
async fn alerts_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let open = h.fake.trigger(NewIncident::new("open"));
    let closed = h
        .fake
        .trigger(NewIncident::new("closed").urgency(Urgency::Low));
    h.fake.resolve(&closed);
    let template = "/incidents/{id}/alerts";
    for (id, status) in [(&open, "triggered"), (&closed, "resolved")] {
        let answer = send(h.get(&format!("/incidents/{id}/alerts?sort_by=created_at:desc"))).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_conforms(spec, Doc::Rest, "get", template, &answer);
        assert_all_declared(spec, "Alert", &answer.body["alerts"]);
        assert_eq!(answer.body["alerts"][0]["status"], status);
    }
    let none = send(h.get(&format!("/incidents/{open}/alerts?statuses[]=resolved"))).await;
    assert_eq!(none.body["alerts"], json!([]));
    let counts = send(h.get(&format!("/incidents/{closed}"))).await;
    assert_eq!(
        counts.body["incident"]["alert_counts"],
        json!({"all": 1, "triggered": 0, "resolved": 1})
    );
    // The document lists no 404 here; the fake answers one as for the incident's other
    // sub-resources, with PagerDuty's error body.
    let missing = send(h.get("/incidents/QNOTHERE/alerts")).await;
    assert_eq!(missing.status, 404);
    assert_conforms(spec, Doc::Rest, "get", template, &missing);
}

#[tokio::test]
async fn responder_requests_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let id = two_levels(&h);
    let template = "/incidents/{id}/responder_requests";
    let body = json!({
        "requester_id": PAT,
        "message": "Please help with issue - join bridge at +1(234)-567-8910",
        "responder_request_targets": [
            {"responder_request_target": {"id": ALEX, "type": "user_reference"}},
            {"responder_request_target": {"id": util::ROTA_POLICY,
                                          "type": "escalation_policy_reference"}}
        ]
    });
    assert_valid_request(spec, "post", template, &body);
    let answer = send(
        h.request(Method::POST, &format!("/incidents/{id}/responder_requests"))
            .json(&body),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_conforms(spec, Doc::Rest, "post", template, &answer);
    assert_declared(spec, "ResponderRequest", &answer.body["responder_request"]);
    let targets = &answer.body["responder_request"]["responder_request_targets"];
    for target in targets.as_array().expect("targets") {
        // The schema names the list `incident_responders`; the document's example (and
        // the incident's own field) `incidents_responders`, which the fake follows.
        let mut target = target["responder_request_target"].clone();
        let responders = target
            .as_object_mut()
            .and_then(|t| t.remove("incidents_responders"))
            .expect("the example's incidents_responders");
        assert_declared(spec, "ResponderRequestTargetReference", &target);
        assert_all_declared(spec, "IncidentsRespondersReference", &responders);
    }
    assert_eq!(h.fake.responder_requests(&id).len(), 1);

    let missing = send(
        h.request(Method::POST, "/incidents/QNOTHERE/responder_requests")
            .json(&body),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_conforms(spec, Doc::Rest, "post", template, &missing);
}

#[tokio::test]
async fn users_listing_conforms_and_honours_query() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    add_rotation(&h.fake);
    let answer = send(h.get("/users?query=SAM&total=true")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_conforms(spec, Doc::Rest, "get", "/users", &answer);
    assert_all_declared(spec, "User", &answer.body["users"]);
    let ids: Vec<&str> = answer.body["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(ids, [SAM]);
    let all = send(h.get("/users?limit=2")).await;
    assert_eq!(all.body["more"], true);
    assert_conforms(spec, Doc::Rest, "get", "/users", &all);
    let policies = send(h.get("/escalation_policies?query=payments")).await;
    assert_eq!(
        policies.body["escalation_policies"][0]["id"],
        util::ROTA_POLICY
    );
    assert_eq!(
        policies.body["escalation_policies"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

//! Spec conformance: every operation the fake implements is called over loopback and its
//! response validated against the operation's response schema in Opsgenie's Swagger
//! document; the override bodies a client sends are checked against the operations' body
//! parameters. Skips, loudly, when the document is not on disk.

mod util;

use chrono::{Duration, Utc};
use oncall_fake_opsgenie::{FakeResponder, NewAlert};
use serde_json::{json, Value};
use util::spec::{spec, Spec};
use util::{add_rota, send, start, start_at, time, Answer, ALEX, PAT, ROTA, SAM};

fn assert_conforms(spec: &Spec, method: &str, template: &str, answer: &Answer) {
    let pointer = spec
        .response_pointer(template, method, answer.status)
        .unwrap_or_else(|| panic!("no schema for {method} {template} {}", answer.status));
    if let Err(violations) = spec.check(&pointer, &answer.body) {
        panic!(
            "{method} {template} -> {} does not conform to {pointer}:\n{violations}\nbody: {}",
            answer.status, answer.text
        );
    }
}

#[tokio::test]
async fn every_operation_conforms() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let open = h.fake.create_alert(
        NewAlert::new("Checkout latency high")
            .priority("P1")
            .tag("checkout")
            .responder(FakeResponder::user("pat"))
            .alias("checkout-latency"),
    );
    let acked = h.fake.create_alert(NewAlert::new("Disk 91% full"));
    h.fake.acknowledge_elsewhere(&acked, "pat");
    let closed = h.fake.create_alert(NewAlert::new("Cert expiring"));
    h.fake.close(&closed);
    let snoozed = h.fake.create_alert(NewAlert::new("Queue backlog"));
    h.fake
        .snooze_elsewhere(&snoozed, Utc::now() + Duration::hours(1), "pat");

    let list = send(h.get("/v2/alerts?limit=2")).await;
    assert_eq!(list.status, 200);
    assert!(list.body["paging"]["next"].is_string());
    assert_conforms(spec, "get", "/v2/alerts", &list);
    let rest = send(h.get("/v2/alerts?limit=2&offset=2")).await;
    assert_conforms(spec, "get", "/v2/alerts", &rest);

    for id in [&open, &acked, &closed, &snoozed] {
        let one = send(h.get(&format!("/v2/alerts/{id}"))).await;
        assert_eq!(one.status, 200);
        assert_conforms(spec, "get", "/v2/alerts/{identifier}", &one);
    }
    let missing = send(h.get("/v2/alerts/nope")).await;
    assert_eq!(missing.status, 404);
    assert_conforms(spec, "get", "/v2/alerts/{identifier}", &missing);

    let created = send(h.post(
        "/v2/alerts",
        json!({"message": "New one", "priority": "P2"}),
    ))
    .await;
    assert_eq!(created.status, 202);
    assert_conforms(spec, "post", "/v2/alerts", &created);
    let invalid = send(h.post("/v2/alerts", json!({"priority": "P2"}))).await;
    assert_eq!(invalid.status, 422);
    assert_conforms(spec, "post", "/v2/alerts", &invalid);

    for (action, body) in [
        ("acknowledge", json!({})),
        ("unacknowledge", json!({"user": "pat"})),
        (
            "snooze",
            json!({"endTime": (Utc::now() + Duration::hours(1)).to_rfc3339()}),
        ),
        ("close", json!({"note": "done"})),
    ] {
        let answer = send(h.post(&format!("/v2/alerts/{open}/{action}"), body)).await;
        assert_eq!(answer.status, 202, "{action}: {}", answer.text);
        assert_conforms(
            spec,
            "post",
            &format!("/v2/alerts/{{identifier}}/{action}"),
            &answer,
        );
        let rid = answer.body["requestId"].as_str().unwrap().to_string();
        let status = send(h.get(&format!("/v2/alerts/requests/{rid}"))).await;
        assert_eq!(status.status, 200);
        assert_eq!(
            status.body["data"]["isSuccess"], true,
            "{action}: {}",
            status.text
        );
        assert_conforms(spec, "get", "/v2/alerts/requests/{requestId}", &status);
    }
    let no_end = send(h.post(&format!("/v2/alerts/{acked}/snooze"), json!({}))).await;
    assert_eq!(no_end.status, 422);
    assert_conforms(spec, "post", "/v2/alerts/{identifier}/snooze", &no_end);

    h.fake.hold_processing(true);
    let held = send(h.post(&format!("/v2/alerts/{acked}/close"), json!({}))).await;
    let rid = held.body["requestId"].as_str().unwrap().to_string();
    let pending = send(h.get(&format!("/v2/alerts/requests/{rid}"))).await;
    assert_eq!(pending.status, 404);
    assert_conforms(spec, "get", "/v2/alerts/requests/{requestId}", &pending);

    let unauthorized = send(h.http.get(format!("{}/v2/alerts", h.running.url))).await;
    assert_eq!(unauthorized.status, 401);
    assert_conforms(spec, "get", "/v2/alerts", &unauthorized);
}

/// The validator is not vacuous: a body that breaks the schema is caught.
#[tokio::test]
async fn the_validator_catches_a_broken_body() {
    let Some(spec) = spec() else { return };
    let pointer = spec
        .response_pointer("/v2/alerts", "get", 200)
        .expect("a list schema");
    let broken = json!({
        "data": [{"tinyId": "1", "acknowledged": "no", "createdAt": "yesterday"}],
        "took": "fast",
    });
    let violations = spec.check(&pointer, &broken).expect_err("must be refused");
    for expected in ["requestId", "\"id\"", "acknowledged", "took"] {
        assert!(
            violations.contains(expected),
            "{expected} not in:\n{violations}"
        );
    }
}

/// Asserts every field of `object` is one `definitions[definition]` declares, which
/// catches a misspelt field the (open) schema would let through.
fn assert_declared(spec: &Spec, definition: &str, object: &Value) {
    let declared = spec.declared_properties(definition);
    let object = object
        .as_object()
        .unwrap_or_else(|| panic!("{definition}: not an object: {object}"));
    let undeclared: Vec<&String> = object.keys().filter(|k| !declared.contains(*k)).collect();
    assert!(
        undeclared.is_empty(),
        "{definition} fields not in the document: {undeclared:?}"
    );
}

fn assert_all_declared(spec: &Spec, definition: &str, objects: &Value) {
    let objects = objects
        .as_array()
        .unwrap_or_else(|| panic!("{definition}: not a list: {objects}"));
    for object in objects {
        assert_declared(spec, definition, object);
    }
}

/// Every timeline of a `ScheduleTimeline` down to its recipients.
fn assert_timeline_declared(spec: &Spec, data: &Value) {
    assert_declared(spec, "ScheduleTimeline", data);
    assert_declared(spec, "ScheduleMeta", &data["_parent"]);
    for key in [
        "finalTimeline",
        "baseTimeline",
        "overrideTimeline",
        "forwardingTimeline",
    ] {
        let Some(timeline) = data.get(key) else {
            continue;
        };
        assert_declared(spec, "Timeline", timeline);
        for rotation in timeline["rotations"].as_array().expect("rotations") {
            assert_declared(spec, "TimelineRotation", rotation);
            for period in rotation["periods"].as_array().expect("periods") {
                assert_declared(spec, "TimelinePeriod", period);
                assert_declared(spec, "TimelineRecipient", &period["recipient"]);
            }
        }
    }
}

#[tokio::test]
async fn schedule_operations_conform() {
    let Some(spec) = spec() else { return };
    let h = start_at("2024-05-01T09:00:00Z").await;
    let rota = add_rota(&h.fake);
    h.fake.add_override(
        ROTA,
        None,
        time("2024-05-01T13:00:00Z"),
        time("2024-05-01T15:00:00Z"),
    );
    let schedule = format!("/v2/schedules/{}", rota.payments);

    for query in ["", "?expand=rotation"] {
        let list = send(h.get(&format!("/v2/schedules{query}"))).await;
        assert_eq!(list.status, 200, "{}", list.text);
        assert_conforms(spec, "get", "/v2/schedules", &list);
        assert_all_declared(spec, "Schedule", &list.body["data"]);
    }
    let one = send(h.get(&schedule)).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_conforms(spec, "get", "/v2/schedules/{identifier}", &one);
    assert_declared(spec, "Schedule", &one.body["data"]);
    for rotation in one.body["data"]["rotations"].as_array().expect("rotations") {
        assert_declared(spec, "ScheduleRotation", rotation);
        assert_all_declared(spec, "UserRecipient", &rotation["participants"]);
    }
    for (path, status) in [
        (
            format!("/v2/schedules/{}?identifierType=name", "Payments%20rota"),
            200,
        ),
        ("/v2/schedules/nope".to_string(), 404),
        (format!("{schedule}?identifierType=tiny"), 422),
    ] {
        let answer = send(h.get(&path)).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.text);
        assert_conforms(spec, "get", "/v2/schedules/{identifier}", &answer);
    }

    let template = "/v2/schedules/{identifier}/timeline";
    let everything = "?expand=base,forwarding,override\
                      &interval=2&intervalUnit=days&date=2024-05-01T00:00:00Z";
    for (query, status) in [(everything, 200), ("", 200), ("?intervalUnit=years", 422)] {
        let answer = send(h.get(&format!("{schedule}/timeline{query}"))).await;
        assert_eq!(answer.status, status, "{query}: {}", answer.text);
        assert_conforms(spec, "get", template, &answer);
        if status == 200 {
            assert_timeline_declared(spec, &answer.body["data"]);
        }
    }
    let missing = send(h.get("/v2/schedules/nope/timeline")).await;
    assert_eq!(missing.status, 404);
    assert_conforms(spec, "get", template, &missing);

    for flat in ["false", "true"] {
        let query = format!("?flat={flat}&date=2024-05-01T11:00:00Z");
        let all = send(h.get(&format!("/v2/schedules/on-calls{query}"))).await;
        assert_eq!(all.status, 200, "{}", all.text);
        assert_conforms(spec, "get", "/v2/schedules/on-calls", &all);
        assert_all_declared(spec, "OnCall", &all.body["data"]);
        let now = send(h.get(&format!("{schedule}/on-calls{query}"))).await;
        assert_eq!(now.status, 200, "{}", now.text);
        assert_conforms(spec, "get", "/v2/schedules/{identifier}/on-calls", &now);
        assert_declared(spec, "OnCall", &now.body["data"]);
        let next = send(h.get(&format!("{schedule}/next-on-calls{query}"))).await;
        assert_eq!(next.status, 200, "{}", next.text);
        assert_conforms(
            spec,
            "get",
            "/v2/schedules/{identifier}/next-on-calls",
            &next,
        );
        assert_declared(spec, "NextOnCall", &next.body["data"]);
        if flat == "false" {
            assert_all_declared(spec, "Participant", &now.body["data"]["onCallParticipants"]);
            assert_all_declared(
                spec,
                "Participant",
                &next.body["data"]["nextOnCallRecipients"],
            );
        }
    }
    let refused = send(h.get("/v2/schedules/on-calls?flat=maybe")).await;
    assert_eq!(refused.status, 422);
    assert_conforms(spec, "get", "/v2/schedules/on-calls", &refused);
    let unknown = send(h.get("/v2/schedules/nope/next-on-calls")).await;
    assert_eq!(unknown.status, 404);
    assert_conforms(
        spec,
        "get",
        "/v2/schedules/{identifier}/next-on-calls",
        &unknown,
    );

    for (path, template) in [
        (format!("/v2/users/{PAT}"), "/v2/users/{identifier}"),
        (format!("/v2/users/{}", rota.sam), "/v2/users/{identifier}"),
        (
            format!("/v2/users/{SAM}/schedules"),
            "/v2/users/{identifier}/schedules",
        ),
        ("/v2/users/nobody".to_string(), "/v2/users/{identifier}"),
        (
            "/v2/users/nobody/schedules".to_string(),
            "/v2/users/{identifier}/schedules",
        ),
    ] {
        let answer = send(h.get(&path)).await;
        assert_conforms(spec, "get", template, &answer);
        if answer.status == 200 && template.ends_with("schedules") {
            assert_all_declared(spec, "ScheduleMeta", &answer.body["data"]);
        } else if answer.status == 200 {
            assert_declared(spec, "User", &answer.body["data"]);
        }
    }

    h.fake.add_restricted_api_key("alerts-only");
    let forbidden = send(
        h.http
            .get(format!("{}{schedule}/timeline", h.running.url))
            .header("Authorization", "GenieKey alerts-only"),
    )
    .await;
    assert_eq!(forbidden.status, 403);
    assert_conforms(spec, "get", template, &forbidden);
}

/// The override bodies a client sends, checked against the document's body parameters,
/// then sent: the answers conform too.
#[tokio::test]
async fn overrides_and_their_request_bodies_conform() {
    let Some(spec) = spec() else { return };
    let h = start_at("2024-05-01T09:00:00Z").await;
    let rota = add_rota(&h.fake);
    let collection = "/v2/schedules/{identifier}/overrides";
    let item = "/v2/schedules/{identifier}/overrides/{alias}";
    let create = spec
        .request_pointer(collection, "post")
        .expect("createScheduleOverride has a body parameter");
    let update = spec
        .request_pointer(item, "put")
        .expect("updateScheduleOverride has a body parameter");
    assert_eq!(
        spec.request_pointer(collection, "get"),
        None,
        "a GET has no body"
    );

    let take = json!({"alias": "pat-takes-it", "user": {"type": "user", "username": PAT},
                      "startDate": "2024-05-01T12:00:00Z", "endDate": "2024-05-01T16:00:00Z"});
    let cover = json!({"user": {"type": "user", "id": rota.alex},
                       "startDate": "2024-05-01T09:00:00Z", "endDate": "2024-05-01T11:00:00Z",
                       "rotations": [{"name": "Primary"}]});
    let moved = json!({"user": {"type": "user", "username": ALEX},
                       "startDate": "2024-05-01T13:00:00Z", "endDate": "2024-05-01T17:00:00Z"});
    for (pointer, body) in [(&create, &take), (&create, &cover), (&update, &moved)] {
        spec.check(pointer, body)
            .unwrap_or_else(|v| panic!("the test's own request does not conform:\n{v}"));
    }
    let mut no_dates = take.clone();
    no_dates
        .as_object_mut()
        .expect("an object")
        .remove("endDate");
    assert!(
        spec.check(&create, &no_dates).is_err(),
        "endDate is required"
    );
    assert!(
        spec.check(
            &update,
            &json!({"user": {"id": rota.pat}, "startDate": "now"})
        )
        .is_err(),
        "a recipient needs a type, dates must be date-times"
    );

    let path = format!("/v2/schedules/{}/overrides", rota.payments);
    for body in [&take, &cover] {
        let created = send(h.post(&path, body.clone())).await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_conforms(spec, "post", collection, &created);
        assert_declared(spec, "ScheduleOverrideMeta", &created.body["data"]);
    }
    let updated = send(h.put(&format!("{path}/pat-takes-it"), moved)).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_conforms(spec, "put", item, &updated);
    let listed = send(h.get(&path)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_conforms(spec, "get", collection, &listed);
    assert_all_declared(spec, "ScheduleOverride", &listed.body["data"]);
    let one = send(h.get(&format!("{path}/pat-takes-it"))).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_conforms(spec, "get", item, &one);
    assert_declared(spec, "ScheduleOverride", &one.body["data"]);
    assert_declared(spec, "UserRecipient", &one.body["data"]["user"]);

    let invalid = send(h.post(&path, no_dates)).await;
    assert_eq!(invalid.status, 422);
    assert_conforms(spec, "post", collection, &invalid);
    let no_schedule = send(h.post("/v2/schedules/nope/overrides", take)).await;
    assert_eq!(no_schedule.status, 404);
    assert_conforms(spec, "post", collection, &no_schedule);
    let not_json = send(
        h.request(reqwest::Method::POST, &path)
            .header("Content-Type", "application/json")
            .body("["),
    )
    .await;
    assert_eq!(not_json.status, 400);
    assert_conforms(spec, "post", collection, &not_json);

    let deleted = send(h.delete(&format!("{path}/pat-takes-it"))).await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_conforms(spec, "delete", item, &deleted);
    let gone = send(h.delete(&format!("{path}/pat-takes-it"))).await;
    assert_eq!(gone.status, 404);
    assert_conforms(spec, "delete", item, &gone);
}

/// The validator is not vacuous for the schedule shapes: the document's traps are caught.
#[tokio::test]
async fn the_validator_catches_broken_schedule_bodies() {
    let Some(spec) = spec() else { return };
    let timeline = spec
        .response_pointer("/v2/schedules/{identifier}/timeline", "get", 200)
        .expect("a timeline schema");
    let null_order = json!({
        "requestId": "r", "took": 0.1, "expandable": [],
        "data": {"finalTimeline": {"rotations": [{"id": "x", "order": null, "periods": []}]}},
    });
    let violations = spec.check(&timeline, &null_order).expect_err("order: null");
    assert!(violations.contains("order"), "{violations}");
    let no_expandable = json!({"requestId": "r", "took": 0.1, "data": {}});
    let violations = spec
        .check(&timeline, &no_expandable)
        .expect_err("expandable is required");
    assert!(violations.contains("expandable"), "{violations}");
    let on_call = spec
        .response_pointer("/v2/schedules/{identifier}/on-calls", "get", 200)
        .expect("an on-call schema");
    let names_as_objects = json!({
        "requestId": "r", "took": 0.1,
        "data": {"onCallRecipients": [{"name": "pat@example.com"}]},
    });
    assert!(
        spec.check(&on_call, &names_as_objects).is_err(),
        "onCallRecipients are names"
    );
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert_declared(spec, "OnCall", &json!({"onCallParticipant": []}))
    }));
    assert!(caught.is_err(), "a misspelt field is caught");
}

/// The requests a client sends to respond (note, escalate, assign), checked against the
/// document's body parameters, then sent; every answer, the notes and log lists, the
/// user search and the escalation list conform, down to each item's declared fields.
#[tokio::test]
async fn respond_operations_and_their_request_bodies_conform() {
    let Some(spec) = spec() else { return };
    let h = start().await;
    let rota = add_rota(&h.fake);
    let escalation = h
        .fake
        .add_escalation("Payments escalation", "Pat, then Sam");
    let alert = h.fake.create_alert(
        NewAlert::new("Checkout latency high").responder(FakeResponder::team("payments")),
    );

    let note = json!({"note": "Looking into it", "user": PAT, "source": "oncall-tray"});
    let escalate = json!({"escalation": {"type": "escalation", "id": escalation},
                          "source": "oncall-tray"});
    let assign = json!({"owner": {"type": "user", "id": rota.sam}, "user": PAT});
    let team = h.fake.add_team("Search", "");
    let responder = json!({"responder": {"type": "team", "id": team}, "note": "Please help"});
    for (action, body) in [
        ("notes", &note),
        ("escalate", &escalate),
        ("assign", &assign),
        ("responders", &responder),
    ] {
        let template = format!("/v2/alerts/{{identifier}}/{action}");
        let pointer = spec
            .request_pointer(&template, "post")
            .unwrap_or_else(|| panic!("{template} has a body parameter"));
        spec.check(&pointer, body)
            .unwrap_or_else(|v| panic!("the {action} request does not conform:\n{v}"));
        let answer = send(h.post(&format!("/v2/alerts/{alert}/{action}"), body.clone())).await;
        assert_eq!(answer.status, 202, "{action}: {}", answer.text);
        assert_conforms(spec, "post", &template, &answer);
        let rid = answer.body["requestId"].as_str().unwrap().to_string();
        let status = send(h.get(&format!("/v2/alerts/requests/{rid}"))).await;
        assert_eq!(
            status.body["data"]["isSuccess"], true,
            "{action}: {}",
            status.text
        );
        assert_conforms(spec, "get", "/v2/alerts/requests/{requestId}", &status);
    }
    let escalate_pointer = spec
        .request_pointer("/v2/alerts/{identifier}/escalate", "post")
        .expect("escalate has a body");
    assert!(
        spec.check(&escalate_pointer, &json!({"note": "x"}))
            .is_err(),
        "escalation is required"
    );
    for action in ["notes", "escalate", "assign", "responders"] {
        let answer = send(h.post(&format!("/v2/alerts/{alert}/{action}"), json!({}))).await;
        assert_eq!(answer.status, 422, "{action}: {}", answer.text);
        assert_conforms(
            spec,
            "post",
            &format!("/v2/alerts/{{identifier}}/{action}"),
            &answer,
        );
    }

    let one = send(h.get(&format!("/v2/alerts/{alert}"))).await;
    for team in one.body["data"]["teams"].as_array().expect("teams") {
        let pointer = "/definitions/AlertTeamMeta";
        spec.check(pointer, team)
            .unwrap_or_else(|v| panic!("a team does not conform:\n{v}"));
        assert_declared(spec, "AlertTeamMeta", team);
    }
    for (list, definition) in [("notes", "AlertNote"), ("logs", "AlertLog")] {
        let template = format!("/v2/alerts/{{identifier}}/{list}");
        for query in ["", "?limit=1&order=asc", "?identifierType=tiny&limit=100"] {
            let path = if query.contains("tiny") {
                format!(
                    "/v2/alerts/{}/{list}{query}",
                    one.body["data"]["tinyId"].as_str().unwrap()
                )
            } else {
                format!("/v2/alerts/{alert}/{list}{query}")
            };
            let answer = send(h.get(&path)).await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.text);
            assert_conforms(spec, "get", &template, &answer);
            assert!(
                !answer.body["data"].as_array().unwrap().is_empty(),
                "{path}"
            );
            assert_all_declared(spec, definition, &answer.body["data"]);
            assert_declared(spec, "AlertPaging", &answer.body["paging"]);
        }
        for (path, status) in [
            (format!("/v2/alerts/nope/{list}"), 404),
            (format!("/v2/alerts/{alert}/{list}?limit=101"), 422),
        ] {
            let answer = send(h.get(&path)).await;
            assert_eq!(answer.status, status, "{path}: {}", answer.text);
            assert_conforms(spec, "get", &template, &answer);
        }
    }

    for query in ["", "?query=sam", "?query=fullName%3AOncall&limit=1"] {
        let users = send(h.get(&format!("/v2/users{query}"))).await;
        assert_eq!(users.status, 200, "{}", users.text);
        assert_conforms(spec, "get", "/v2/users", &users);
        assert_all_declared(spec, "User", &users.body["data"]);
    }
    let escalations = send(h.get("/v2/escalations")).await;
    assert_eq!(escalations.status, 200, "{}", escalations.text);
    assert_conforms(spec, "get", "/v2/escalations", &escalations);
    assert_all_declared(spec, "Escalation", &escalations.body["data"]);
    let teams = send(h.get("/v2/teams")).await;
    assert_eq!(teams.status, 200, "{}", teams.text);
    assert_conforms(spec, "get", "/v2/teams", &teams);
    assert_all_declared(spec, "Team", &teams.body["data"]);

    h.fake.add_restricted_api_key("alerts-only");
    for path in ["/v2/users", "/v2/escalations", "/v2/teams"] {
        let forbidden = send(
            h.http
                .get(format!("{}{path}", h.running.url))
                .header("Authorization", "GenieKey alerts-only"),
        )
        .await;
        assert_eq!(forbidden.status, 403);
        assert_conforms(spec, "get", path, &forbidden);
    }
}

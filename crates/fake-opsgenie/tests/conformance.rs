//! Spec conformance: every operation the fake implements is called over loopback and its
//! response validated against the operation's response schema in Opsgenie's Swagger
//! document. Skips, loudly, when the document is not on disk.

mod util;

use chrono::{Duration, Utc};
use oncall_fake_opsgenie::{FakeResponder, NewAlert};
use serde_json::json;
use util::spec::{spec, Spec};
use util::{send, start, Answer};

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

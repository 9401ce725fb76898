//! The fake's responding routes as a client meets them: notes and the log, assigning,
//! escalating, and the user and escalation lists.

mod util;

use oncall_fake_opsgenie::NewAlert;
use serde_json::json;
use util::{send, start, Harness, PAT, SAM};

/// Posts an action and returns the processed request's `data`.
async fn act(h: &Harness, alert: &str, action: &str, body: serde_json::Value) -> serde_json::Value {
    let answer = send(h.post(&format!("/v2/alerts/{alert}/{action}"), body)).await;
    assert_eq!(answer.status, 202, "{action}: {}", answer.text);
    let rid = answer.body["requestId"].as_str().unwrap();
    send(h.get(&format!("/v2/alerts/requests/{rid}")))
        .await
        .body["data"]
        .clone()
}

#[tokio::test]
async fn notes_and_log_lines_page_newest_first() {
    let h = start().await;
    let alert = h.fake.create_alert(NewAlert::new("disk"));
    for n in 0..3 {
        let done = act(
            &h,
            &alert,
            "notes",
            json!({"note": format!("note {n}"), "user": PAT}),
        )
        .await;
        assert_eq!(done["isSuccess"], true, "{done}");
    }
    act(&h, &alert, "acknowledge", json!({"note": "mine now"})).await;
    let notes: Vec<String> = h.fake.notes(&alert).into_iter().map(|n| n.note).collect();
    assert_eq!(notes, ["note 0", "note 1", "note 2", "mine now"]);
    assert_eq!(h.fake.notes(&alert)[0].owner, PAT);

    let first = send(h.get(&format!("/v2/alerts/{alert}/notes?limit=3"))).await;
    let texts = |page: &util::Answer| -> Vec<String> {
        page.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["note"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(texts(&first), ["mine now", "note 2", "note 1"]);
    let next = first.body["paging"]["next"].as_str().expect("a next page");
    let rest = send(h.get(next.strip_prefix(h.running.url.as_str()).unwrap())).await;
    assert_eq!(texts(&rest), ["note 0"]);
    assert!(rest.body["paging"]["next"].is_null(), "{}", rest.text);

    let log = send(h.get(&format!("/v2/alerts/{alert}/logs?order=asc"))).await;
    let lines: Vec<&str> = log.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["log"].as_str().unwrap())
        .collect();
    assert_eq!(lines.first(), Some(&"Alert created"));
    assert!(
        lines.contains(&"Alert acknowledged by oncall-tray API"),
        "{lines:?}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("Note added")).count(),
        4
    );
}

#[tokio::test]
async fn assign_changes_the_owner_and_escalate_records_the_escalation() {
    let h = start().await;
    let sam = h.fake.add_user(SAM, "Sam Second", "Europe/London");
    let escalation = h.fake.add_escalation("Payments", "");
    let alert = h.fake.create_alert(NewAlert::new("disk"));
    assert_eq!(h.fake.owner(&alert), None);

    let done = act(
        &h,
        &alert,
        "assign",
        json!({"owner": {"type": "user", "id": sam}}),
    )
    .await;
    assert_eq!(done["isSuccess"], true, "{done}");
    assert_eq!(h.fake.owner(&alert).as_deref(), Some(SAM));
    let by_name = act(
        &h,
        &alert,
        "assign",
        json!({"owner": {"type": "user", "username": SAM}}),
    )
    .await;
    assert_eq!(by_name["isSuccess"], true, "{by_name}");
    let one = send(h.get(&format!("/v2/alerts/{alert}"))).await;
    assert_eq!(one.body["data"]["owner"], SAM);

    let nobody = act(
        &h,
        &alert,
        "assign",
        json!({"owner": {"type": "user", "id": "u-x"}}),
    )
    .await;
    assert_eq!(nobody["isSuccess"], false);
    assert_eq!(nobody["status"], "User [u-x] does not exist");

    let body = json!({"escalation": {"type": "escalation", "name": "Payments"}});
    assert_eq!(act(&h, &alert, "escalate", body).await["isSuccess"], true);
    assert_eq!(
        h.fake.escalations_of(&alert),
        std::slice::from_ref(&escalation)
    );
    let responders = &h.fake.alert(&alert).unwrap().responders;
    assert!(responders
        .iter()
        .any(|r| r.kind == "escalation" && r.id == escalation));
    let unknown = json!({"escalation": {"type": "escalation", "id": "e-x"}});
    let failed = act(&h, &alert, "escalate", unknown).await;
    assert_eq!(failed["status"], "Escalation [e-x] does not exist");

    h.fake.close(&alert);
    let closed = act(&h, &alert, "notes", json!({"note": "too late"})).await;
    assert_eq!(closed["status"], "Alert is already closed");
    assert!(h.fake.notes(&alert).is_empty());
}

#[tokio::test]
async fn users_are_searched_and_escalations_listed() {
    let h = start().await;
    h.fake.add_user(PAT, "Pat Oncall", "Europe/London");
    h.fake.add_user(SAM, "Sam Second", "Europe/London");
    h.fake.add_escalation("Payments", "first");
    let names = |answer: &util::Answer, field: &str| -> Vec<String> {
        answer.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u[field].as_str().unwrap().to_string())
            .collect()
    };
    let all = send(h.get("/v2/users")).await;
    assert_eq!(names(&all, "username"), [PAT, SAM]);
    assert_eq!(all.body["totalCount"], 2);
    let sam = send(h.get("/v2/users?query=second")).await;
    assert_eq!(names(&sam, "username"), [SAM]);
    let field = send(h.get("/v2/users?query=username%3Apat")).await;
    assert_eq!(names(&field, "fullName"), ["Pat Oncall"]);
    let escalations = send(h.get("/v2/escalations")).await;
    assert_eq!(names(&escalations, "name"), ["Payments"]);
}

#[tokio::test]
async fn responders_are_added_one_per_request() {
    let h = start().await;
    let sam = h.fake.add_user(SAM, "Sam Second", "Europe/London");
    let team = h.fake.add_team("Payments", "");
    let alert = h.fake.create_alert(NewAlert::new("disk"));
    let by_id = json!({"responder": {"type": "user", "id": sam}, "note": "Need a hand"});
    assert_eq!(
        act(&h, &alert, "responders", by_id.clone()).await["isSuccess"],
        true
    );
    let by_name = json!({"responder": {"type": "team", "name": "Payments"}});
    assert_eq!(
        act(&h, &alert, "responders", by_name).await["isSuccess"],
        true
    );
    let again = act(&h, &alert, "responders", by_id).await;
    assert_eq!(
        again["isSuccess"], true,
        "already a responder: nothing changes"
    );
    let responders: Vec<(String, String)> = h
        .fake
        .responders(&alert)
        .into_iter()
        .map(|r| (r.kind, r.id))
        .collect();
    assert_eq!(
        responders,
        [
            ("user".to_string(), sam),
            ("team".to_string(), team.clone())
        ]
    );
    let one = send(h.get(&format!("/v2/alerts/{alert}"))).await;
    assert_eq!(one.body["data"]["teams"], json!([{"id": team}]));
    assert_eq!(h.fake.notes(&alert)[0].note, "Need a hand");
    let unknown = json!({"responder": {"type": "team", "id": "t-x"}});
    let failed = act(&h, &alert, "responders", unknown).await;
    assert_eq!(failed["status"], "Team [t-x] does not exist");
    let wrong = send(h.post(
        &format!("/v2/alerts/{alert}/responders"),
        json!({"responder": {"type": "all"}}),
    ))
    .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text);
}

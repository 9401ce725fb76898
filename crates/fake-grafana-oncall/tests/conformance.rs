//! Every answer of the fake for a documented endpoint has the shape of the reference's
//! example for it (`util/shape.rs` says what "shape" means), in every state the fake
//! can put an object in. The reference (`grafana-oncall/*.md`) is read where it is, at
//! test time; a missing reference fails unless `ONCALL_TRAY_ALLOW_MISSING_REFERENCE=1`.

mod util;

use chrono::Duration;
use oncall_fake_grafana_oncall::{NewAlertGroup, ScheduleSpec, USER_ID};
use serde_json::{json, Value};
use util::shape::assert_shape;
use util::{example, serve, Served};

/// The fake with something of everything: groups in every state, a note, a schedule.
async fn populated() -> (Served, Vec<String>) {
    let s = serve().await;
    let mut ids = Vec::new();
    for (n, title) in ["new", "acknowledged", "silenced", "resolved"]
        .iter()
        .enumerate()
    {
        let id = s
            .fake
            .create_alert_group(NewAlertGroup::new(title).label("env:prod"));
        match n {
            1 => s.fake.acknowledge_elsewhere(&id, USER_ID),
            2 => s.fake.silence_elsewhere(&id, 3600, USER_ID),
            3 => s.fake.resolve_elsewhere(&id, USER_ID),
            _ => {}
        }
        ids.push(id);
    }
    let colleague = s.fake.add_user("kim", "kim@example.com", "kims-key");
    s.fake.add_schedule(ScheduleSpec {
        name: "Primary".into(),
        team_id: Some("TDB".into()),
        people: vec![USER_ID.into(), colleague],
        turn: Duration::hours(12),
        start: s.clock.now() - Duration::hours(3),
    });
    (s, ids)
}

fn check(what: &str, example: Option<Value>, status: u16, answer: &Value) {
    assert!(
        (200..300).contains(&status),
        "{what}: HTTP {status} {answer}"
    );
    if let Some(example) = example {
        assert_shape(what, &example, answer);
    }
}

#[tokio::test]
async fn users_are_shaped_as_documented() {
    let (s, _) = populated().await;
    let (status, me) = s.get("/api/v1/users/current/").await;
    check(
        "users/current",
        example("users.md", "Get a user"),
        status,
        &me,
    );
    assert_eq!(me["id"], USER_ID);
    let (status, list) = s.get("/api/v1/users/").await;
    check("users", example("users.md", "List Users"), status, &list);
    let (status, one) = s.get(&format!("/api/v1/users/{USER_ID}/")).await;
    check(
        "users/{id}",
        example("users.md", "Get a user"),
        status,
        &one,
    );
}

#[tokio::test]
async fn alert_groups_in_every_state_are_shaped_as_documented() {
    let (s, ids) = populated().await;
    let listed = example("alertgroups.md", "List alert groups");
    for query in [
        "",
        "?state=new",
        "?state=acknowledged",
        "?state=silenced",
        "?state=resolved",
    ] {
        let (status, page) = s.get(&format!("/api/v1/alert_groups/{query}")).await;
        check(
            &format!("alert_groups{query}"),
            listed.clone(),
            status,
            &page,
        );
        if !query.is_empty() {
            assert_eq!(page["count"], 1, "{query}: {page}");
        }
    }
    let item = listed.as_ref().map(|l| l["results"][0].clone());
    // The escalation page documents the same object, with `permalinks.web`.
    let escalated = example("escalation.md", "Escalate to a set of users");
    for id in &ids {
        let (status, group) = s.get(&format!("/api/v1/alert_groups/{id}")).await;
        check("alert_groups/{id}", item.clone(), status, &group);
        check("alert_groups/{id}", escalated.clone(), status, &group);
    }
    let (_, new) = s.get(&format!("/api/v1/alert_groups/{}", ids[0])).await;
    assert_eq!(new["state"], "firing", "as escalation.md's answers show");
}

#[tokio::test]
async fn resolution_notes_are_shaped_as_documented() {
    let (s, ids) = populated().await;
    let (status, created) = s
        .post(
            "/api/v1/resolution_notes/",
            json!({"alert_group_id": ids[0], "text": "Rotated the logs"}),
        )
        .await;
    assert_eq!(status, 201);
    check(
        "resolution_notes POST",
        example("resolution_notes.md", "Create a resolution note"),
        status,
        &created,
    );
    let (status, one) = s
        .get(&format!(
            "/api/v1/resolution_notes/{}/",
            created["id"].as_str().unwrap()
        ))
        .await;
    check(
        "resolution_notes/{id}",
        example("resolution_notes.md", "Get a resolution note"),
        status,
        &one,
    );
    let (status, list) = s
        .get(&format!(
            "/api/v1/resolution_notes/?alert_group_id={}",
            ids[0]
        ))
        .await;
    check(
        "resolution_notes",
        example("resolution_notes.md", "List resolution notes"),
        status,
        &list,
    );
    assert_eq!(list["count"], 1);
}

#[tokio::test]
async fn schedules_final_shifts_and_on_call_shifts_are_shaped_as_documented() {
    let (s, _) = populated().await;
    let listed = example("schedules.md", "List schedules");
    let (status, list) = s.get("/api/v1/schedules/").await;
    check("schedules", listed.clone(), status, &list);
    let id = list["results"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list["results"][0]["on_call_now"], json!([USER_ID]));
    // The documented single schedule is an iCal one; the fake's are calendars, as the
    // list's second example.
    let calendar = listed.as_ref().map(|l| l["results"][1].clone());
    let (status, one) = s.get(&format!("/api/v1/schedules/{id}/")).await;
    check("schedules/{id}", calendar, status, &one);

    let (status, shifts) = s
        .get(&format!(
            "/api/v1/schedules/{id}/final_shifts?start_date=2024-05-01&end_date=2024-05-31"
        ))
        .await;
    check(
        "final_shifts",
        example("schedules.md", "Export a schedule's final shifts"),
        status,
        &shifts,
    );
    assert_eq!(
        shifts["count"], 63,
        "12 h turns over 31 days and the turn at midnight"
    );

    let shift_list = example("on_call_shifts.md", "List OnCall shifts");
    let (status, on_call_shifts) = s.get("/api/v1/on_call_shifts/").await;
    check(
        "on_call_shifts",
        shift_list.clone(),
        status,
        &on_call_shifts,
    );
    let shift_id = on_call_shifts["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let recurrent = shift_list.as_ref().map(|l| l["results"][1].clone());
    let (status, shift) = s.get(&format!("/api/v1/on_call_shifts/{shift_id}/")).await;
    check("on_call_shifts/{id}", recurrent, status, &shift);
    assert_eq!(one["shifts"], json!([shift_id]));
}

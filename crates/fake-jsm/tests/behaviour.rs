//! What the fake does beyond its shapes: the query subset, paging, snoozes that end on
//! the fake's clock, what happens elsewhere, held requests, faults, the request log and
//! the binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use oncall_fake_jsm::{
    FakeJsm, Fault, FaultKind, NewAlert, Route, API_TOKEN, CLOUD_ID, EMAIL, TEAMMATES,
};
use reqwest::StatusCode;
use serde_json::Value;

async fn list(url: &str, query: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(format!("{url}/jsm/ops/api/{CLOUD_ID}/v1/alerts?{query}"))
        .basic_auth(EMAIL, Some(API_TOKEN))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn messages(body: &Value) -> Vec<String> {
    body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["message"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_query_subset_selects_alerts() {
    let fake = FakeJsm::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    fake.create_alert(NewAlert::new("mine P1").priority("P1"));
    fake.create_alert(NewAlert::new("team").responders(&["Payments Team"]));
    let closed = fake.create_alert(NewAlert::new("closed"));
    fake.close_elsewhere(&closed, TEAMMATES[0]);
    let query = "query=status%3Aopen+AND+responders%3APAT%40example.com&order=asc";
    assert_eq!(messages(&list(&running.url, query).await.1), ["mine P1"]);
    let query = "query=responders%3A%22Payments+Team%22&order=asc";
    assert_eq!(messages(&list(&running.url, query).await.1), ["team"]);
    let query = "query=priority%3AP1+and+status%3Aopen";
    assert_eq!(messages(&list(&running.url, query).await.1), ["mine P1"]);
    assert_eq!(
        list(&running.url, "query=status%3Aclosed").await.1["values"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn pages_end_without_a_link_and_respect_the_size() {
    let fake = FakeJsm::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    for n in 0..100 {
        fake.create_alert(NewAlert::new(&format!("a{n}")));
    }
    let (_, body) = list(&running.url, "size=100").await;
    assert_eq!(body["values"].as_array().unwrap().len(), 100);
    assert!(body["links"].get("next").is_none(), "exactly one page");
    let (_, body) = list(&running.url, "size=500").await;
    assert_eq!(body["values"].as_array().unwrap().len(), 100, "at most 100");
    let (_, body) = list(&running.url, "").await;
    assert_eq!(
        body["values"].as_array().unwrap().len(),
        20,
        "20 by default"
    );
    assert_eq!(
        body["links"]["next"]
            .as_str()
            .unwrap()
            .split("offset=")
            .nth(1)
            .unwrap()
            .split('&')
            .next(),
        Some("20")
    );
    fake.set_public_url("http://example.invalid/");
    let (_, body) = list(&running.url, "size=10").await;
    assert!(body["links"]["next"]
        .as_str()
        .unwrap()
        .starts_with(&format!(
            "http://example.invalid/jsm/ops/api/{CLOUD_ID}/v1/alerts?"
        )));
}

#[tokio::test]
async fn snoozes_end_on_the_fakes_clock_and_elsewhere_changes_show() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let now = Arc::new(Mutex::new(start));
    let fake = FakeJsm::new();
    let clock = now.clone();
    fake.set_clock(Arc::new(move || *clock.lock().unwrap()));
    let id = fake.create_alert(NewAlert::new("disk full").id("og-alert-1"));
    assert_eq!(id, "og-alert-1");
    fake.acknowledge_elsewhere(&id, TEAMMATES[0]);
    let alert = fake.alert(&id).unwrap();
    assert_eq!(alert.acknowledged_by.as_deref(), Some(TEAMMATES[0]));
    fake.unacknowledge_elsewhere(&id, TEAMMATES[0]);
    assert!(!fake.alert(&id).unwrap().acknowledged);
    fake.snooze_elsewhere(&id, start + Duration::minutes(30), TEAMMATES[1]);
    assert!(fake.alert(&id).unwrap().snoozed);
    *now.lock().unwrap() = start + Duration::minutes(31);
    let alert = fake.alert(&id).unwrap();
    assert!(!alert.snoozed);
    assert_eq!(alert.snoozed_until, Some(start + Duration::minutes(30)));
    assert_eq!(alert.updated_at, start + Duration::minutes(30));
    fake.close_elsewhere(&id, TEAMMATES[1]);
    assert_eq!(fake.alert(&id).unwrap().status, "closed");
}

/// `state_since` is the ground truth tests date episodes by: the time of each change of
/// state, and a snooze's own end when it ended by itself, however late it is read.
#[tokio::test]
async fn each_change_of_state_is_dated_and_a_snooze_from_its_own_end() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let now = Arc::new(Mutex::new(start));
    let fake = FakeJsm::new();
    let clock = now.clone();
    fake.set_clock(Arc::new(move || *clock.lock().unwrap()));
    let at = |minutes: i64| start + Duration::minutes(minutes);
    let id = fake.create_alert(NewAlert::new("disk full"));
    assert_eq!(fake.alert(&id).unwrap().state_since, at(0));
    *now.lock().unwrap() = at(2);
    fake.acknowledge_elsewhere(&id, TEAMMATES[0]);
    assert_eq!(fake.alert(&id).unwrap().state_since, at(2));
    *now.lock().unwrap() = at(5);
    fake.unacknowledge_elsewhere(&id, TEAMMATES[0]);
    assert_eq!(fake.alert(&id).unwrap().state_since, at(5));
    *now.lock().unwrap() = at(7);
    fake.snooze_elsewhere(&id, at(10), TEAMMATES[1]);
    assert_eq!(fake.alert(&id).unwrap().state_since, at(7));
    // Read long after the snooze ended.
    *now.lock().unwrap() = at(45);
    assert_eq!(fake.alert(&id).unwrap().state_since, at(10));
}

#[tokio::test]
async fn held_requests_wait_and_faults_answer_in_order() {
    let fake = FakeJsm::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let id = fake.create_alert(NewAlert::new("disk full"));
    fake.hold_processing(true);
    let accepted: Value = reqwest::Client::new()
        .post(format!(
            "{}/jsm/ops/api/{CLOUD_ID}/v1/alerts/{id}/acknowledge",
            running.url
        ))
        .basic_auth(EMAIL, Some(API_TOKEN))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let request_id = accepted["requestId"].as_str().unwrap();
    assert!(fake.request_outcome(request_id).is_none());
    assert!(!fake.alert(&id).unwrap().acknowledged);
    fake.process_pending();
    assert!(fake.request_outcome(request_id).unwrap().success);
    assert!(fake.alert(&id).unwrap().acknowledged);

    fake.inject(Fault {
        route: Route::ListAlerts,
        kind: FaultKind::RateLimited {
            retry_after_secs: Some(3),
        },
        times: 2,
    });
    fake.inject(Fault::once(Route::Any, FaultKind::ServerError(502)));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(list(&running.url, "").await.0.as_u16());
    }
    assert_eq!(statuses, [429, 429, 502, 200]);
    let recorded = fake.requests();
    let last = recorded.last().unwrap();
    assert_eq!(last.method, "GET");
    assert_eq!(last.status, 200);
    assert!(last.header("authorization").unwrap().starts_with("Basic "));
}

#[test]
fn the_binary_prints_where_it_listens() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-jsm"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
}

#[tokio::test]
async fn an_api_fault_spares_the_site() {
    let fake = FakeJsm::new();
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    fake.inject(Fault::once(Route::Api, FaultKind::Unauthorized));
    let site = reqwest::get(format!("{}/_edge/tenant_info", running.url))
        .await
        .unwrap();
    assert_eq!(site.status(), StatusCode::OK);
    assert_eq!(list(&running.url, "").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(list(&running.url, "").await.0, StatusCode::OK);
}

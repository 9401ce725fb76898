//! What the fake's suites share: a served fake with a test clock, its documented
//! examples, and plain HTTP calls with the current user's key.

#![allow(dead_code)]

pub mod shape;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use oncall_fake_grafana_oncall::{FakeGrafanaOnCall, RunningFake, API_KEY};
use oncall_test_support::reference::{reference_json_examples, JsonExample};
use serde_json::Value;

/// A clock the fake reads, moved by the test.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

pub struct Served {
    pub fake: FakeGrafanaOnCall,
    pub running: RunningFake,
    pub clock: TestClock,
    http: reqwest::Client,
}

pub async fn serve() -> Served {
    let fake = FakeGrafanaOnCall::new();
    let clock = TestClock(Arc::new(Mutex::new(
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
    )));
    let read = clock.clone();
    fake.set_clock(Arc::new(move || read.now()));
    let running = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    Served {
        fake,
        running,
        clock,
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
    }
}

impl Served {
    /// `GET path` with the current user's key: status and JSON body (`Null` if none).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(self.url(path)).json(&body)).await
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.running.url)
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request
            .header("Authorization", API_KEY)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, body)
    }
}

/// The ```json blocks of `grafana-oncall/{file}`; empty when the reference is missing
/// and `ONCALL_TRAY_ALLOW_MISSING_REFERENCE=1`.
pub fn examples(file: &str) -> Vec<JsonExample> {
    reference_json_examples(&format!("grafana-oncall/{file}")).unwrap_or_default()
}

/// The example under `heading` in `file`, `None` only when the reference is missing
/// (and allowed to be); panics when the document has no such example.
pub fn example(file: &str, heading: &str) -> Option<Value> {
    let all = examples(file);
    if all.is_empty() {
        return None;
    }
    let found = all.into_iter().find(|e| e.heading == heading);
    Some(
        found
            .unwrap_or_else(|| panic!("{file} has no json example under `{heading}`"))
            .value,
    )
}

//! Helpers shared by the integration-test binaries: a served fake with a manual clock and
//! an HTTP client that talks to it like the app's PagerDuty client does.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod spec;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use oncall_fake_pagerduty::{
    EscalationPolicySpec, EscalationTarget, FakePagerDuty, LayerSpec, RunningFake, ScheduleSpec,
};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

pub const PAT: &str = "PUSER01";
pub const PAT_TOKEN: &str = "fake-token-pat";
pub const PAT_EMAIL: &str = "pat@example.com";
pub const SAM: &str = "PUSER02";
pub const SAM_TOKEN: &str = "fake-token-sam";
pub const ROUTING_KEY: &str = "R0UTINGKEY0000000000000000000001";
pub const ALEX: &str = "PUSER03";
pub const ROTA: &str = "PROTA01";
pub const ROTA_POLICY: &str = "PEP0100";

pub fn time(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("bad time {at}: {e}"))
}

/// Adds user Alex, schedule `PROTA01` "Payments rota" and policy `PEP0100`:
/// - layer 1: Pat and Sam take 4-hour turns from 2024-05-01T00:00Z (Pat 00–04, Sam 04–08, …);
/// - layer 2, on top: Alex from 10:00 to 14:00 that day only;
/// - policy level 1 pages the schedule, level 2 pages Sam directly.
pub fn add_rotation(fake: &FakePagerDuty) {
    fake.add_user(ALEX, "Alex Third", "alex@example.com", "fake-token-alex");
    let midnight = time("2024-05-01T00:00:00Z");
    fake.add_schedule(
        ScheduleSpec::rotation(ROTA, "Payments rota", &[PAT, SAM], midnight, 4 * 3600).layer(
            LayerSpec::new(&[ALEX], midnight, 86_400).between(
                time("2024-05-01T10:00:00Z"),
                Some(time("2024-05-01T14:00:00Z")),
            ),
        ),
    );
    fake.add_escalation_policy(EscalationPolicySpec {
        id: ROTA_POLICY.into(),
        name: "Payments on-call".into(),
        levels: vec![
            vec![EscalationTarget::Schedule(ROTA.into())],
            vec![EscalationTarget::User(SAM.into())],
        ],
    });
}

/// A clock the test moves by hand, installed with `FakePagerDuty::set_clock`.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn starting_at(start: &str) -> Self {
        let start = DateTime::parse_from_rfc3339(start)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("bad start time {start}: {e}"));
        ManualClock(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn advance(&self, seconds: i64) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) += Duration::seconds(seconds);
    }

    pub fn install(&self, fake: &FakePagerDuty) {
        let clock = self.clone();
        fake.set_clock(Arc::new(move || clock.now()));
    }
}

/// A fake served on a random loopback port, its clock, and a client.
pub struct Harness {
    pub fake: FakePagerDuty,
    pub running: RunningFake,
    pub clock: ManualClock,
    pub http: reqwest::Client,
}

pub async fn start() -> Harness {
    let fake = FakePagerDuty::new();
    let clock = ManualClock::starting_at("2024-05-01T09:00:00Z");
    clock.install(&fake);
    let running = fake
        .serve("127.0.0.1:0".parse().expect("loopback address"))
        .await
        .expect("the fake binds a loopback port");
    Harness {
        fake,
        running,
        clock,
        http: client(),
    }
}

/// A client that never goes through a proxy, whatever the environment says.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client")
}

impl Harness {
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.running.url)
    }

    /// A request with Pat's token and the documented `Accept` header.
    pub fn request(&self, method: Method, path_and_query: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path_and_query))
            .header("Authorization", format!("Token token={PAT_TOKEN}"))
            .header("Accept", "application/vnd.pagerduty+json;version=2")
    }

    pub fn get(&self, path_and_query: &str) -> RequestBuilder {
        self.request(Method::GET, path_and_query)
    }

    /// A write as Pat: token, `From` and a JSON body.
    pub fn write(&self, method: Method, path: &str, body: Value) -> RequestBuilder {
        self.request(method, path)
            .header("From", PAT_EMAIL)
            .json(&body)
    }
}

/// What came back: status, headers and the body as JSON (`Null` when it is not JSON).
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error.code` of a PagerDuty error body.
    pub fn error_code(&self) -> Option<i64> {
        self.body.pointer("/error/code").and_then(Value::as_i64)
    }
}

pub async fn send(request: RequestBuilder) -> Answer {
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a readable body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        text,
    }
}

//! Helpers shared by the fake's test binaries.

#![allow(dead_code)]

pub mod spec;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use oncall_fake_opsgenie::{
    FakeOpsgenie, RotationSpec, RunningFake, ScheduleSpec, TurnLength, API_KEY,
};
use reqwest::Method;
use serde_json::Value;

pub struct Harness {
    pub fake: FakeOpsgenie,
    pub running: RunningFake,
    pub http: reqwest::Client,
    /// The clock installed by [`start_at`]; `None` on the system clock.
    pub clock: Option<ManualClock>,
}

pub fn time(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("bad time {at}: {e}"))
}

/// A clock the test moves by hand.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}

pub const PAT: &str = "pat@example.com";
pub const SAM: &str = "sam@example.com";
pub const ALEX: &str = "alex@example.com";
pub const ROTA: &str = "Payments rota";
pub const SEARCH: &str = "Search rota";

/// The ids of what [`add_rota`] created.
pub struct Rota {
    pub pat: String,
    pub sam: String,
    pub alex: String,
    /// "Payments rota": rotation "Primary", Pat and Sam in 4-hour turns from
    /// 2024-05-01T00:00Z (Pat 00–04, Sam 04–08, Pat 08–12, …), and beside it rotation
    /// "Secondary", Alex alone from 10:00 to 14:00 that day.
    pub payments: String,
    /// "Search rota": Sam alone, weekly from 2024-04-29.
    pub search: String,
}

pub fn add_rota(fake: &FakeOpsgenie) -> Rota {
    let pat = fake.add_user(PAT, "Pat Oncall", "Europe/London");
    let sam = fake.add_user(SAM, "Sam Second", "America/New_York");
    let alex = fake.add_user(ALEX, "Alex Third", "Europe/Berlin");
    let midnight = time("2024-05-01T00:00:00Z");
    let payments = fake.add_schedule(
        ScheduleSpec::new(ROTA)
            .rotation(
                RotationSpec::new(&[PAT, SAM], midnight, TurnLength::Hours(4)).named("Primary"),
            )
            .rotation(
                RotationSpec::new(&[ALEX], time("2024-05-01T10:00:00Z"), TurnLength::Days(1))
                    .named("Secondary")
                    .until(time("2024-05-01T14:00:00Z")),
            ),
    );
    let search = fake.add_schedule(ScheduleSpec::new(SEARCH).rotation(RotationSpec::new(
        &[SAM],
        time("2024-04-29T00:00:00Z"),
        TurnLength::Weeks(1),
    )));
    Rota {
        pat,
        sam,
        alex,
        payments,
        search,
    }
}

/// A fake on the system clock.
pub async fn start() -> Harness {
    serve(FakeOpsgenie::new(), None).await
}

/// A fake whose clock stands at `at` until the test moves it.
pub async fn start_at(at: &str) -> Harness {
    let fake = FakeOpsgenie::new();
    let clock = ManualClock(Arc::new(Mutex::new(time(at))));
    let reading = clock.clone();
    fake.set_clock(Arc::new(move || reading.now()));
    serve(fake, Some(clock)).await
}

async fn serve(fake: FakeOpsgenie, clock: Option<ManualClock>) -> Harness {
    let running = fake
        .serve("127.0.0.1:0".parse().expect("loopback"))
        .await
        .expect("bind loopback");
    Harness {
        fake,
        running,
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        clock,
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Harness {
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.running.url))
            .header("Authorization", format!("GenieKey {API_KEY}"))
    }

    pub fn post(&self, path: &str, body: Value) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.running.url))
            .header("Authorization", format!("GenieKey {API_KEY}"))
            .json(&body)
    }

    pub fn put(&self, path: &str, body: Value) -> reqwest::RequestBuilder {
        self.request(Method::PUT, path).json(&body)
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(Method::DELETE, path)
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.running.url))
            .header("Authorization", format!("GenieKey {API_KEY}"))
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        text,
    }
}

//! Helpers shared by the fake's test binaries.

#![allow(dead_code)]

pub mod spec;

use oncall_fake_opsgenie::{FakeOpsgenie, RunningFake, API_KEY};
use serde_json::Value;

pub struct Harness {
    pub fake: FakeOpsgenie,
    pub running: RunningFake,
    pub http: reqwest::Client,
}

pub async fn start() -> Harness {
    let fake = FakeOpsgenie::new();
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

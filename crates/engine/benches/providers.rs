//! Poll cost per provider: `cargo bench -p oncall-engine --bench providers`.
//!
//! For Opsgenie, JSM Operations and Grafana OnCall, each client polling its fake over
//! loopback: requests per poll at 100 and 1,000 open alerts (issue: one request at up
//! to 100 where the API allows it), and the time to fetch and decode 1,000 (median of
//! 10). PagerDuty's figures are in the `engine` bench.

use std::time::{Duration, Instant};

use oncall_fake_grafana_oncall::{self as grafana, FakeGrafanaOnCall, NewAlertGroup};
use oncall_fake_jsm::{self as jsm, FakeJsm};
use oncall_fake_opsgenie::{self as og, FakeOpsgenie};
use oncall_model::{AccountId, Provider};

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// (requests of one poll, median fetch time over 10 polls) with `n` open alerts.
async fn measure(client: &dyn Provider, n: usize) -> (u32, Duration) {
    let first = client.open_incidents().await.expect("a poll");
    assert_eq!(first.incidents.len(), n);
    let mut times = Vec::new();
    let mut requests = first.requests;
    for _ in 0..10 {
        let t = Instant::now();
        requests = client.open_incidents().await.expect("a poll").requests;
        times.push(t.elapsed());
    }
    (requests, median(times))
}

async fn opsgenie(n: usize) -> (u32, Duration) {
    let fake = FakeOpsgenie::new();
    for i in 0..n {
        fake.create_alert(og::NewAlert::new(&format!("Synthetic alert {i}")).priority("P2"));
    }
    let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let config = oncall_opsgenie::OpsgenieConfig::new(
        AccountId::new("bench"),
        server.url.parse().unwrap(),
        og::API_KEY.to_owned().into(),
    );
    let client = oncall_opsgenie::OpsgenieClient::new(config).unwrap();
    let figures = measure(&client, n).await;
    server.shutdown().await;
    figures
}

async fn jsm(n: usize) -> (u32, Duration) {
    let fake = FakeJsm::new();
    for i in 0..n {
        fake.create_alert(jsm::NewAlert::new(&format!("Synthetic alert {i}")).priority("P2"));
    }
    let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url: url::Url = server.url.parse().unwrap();
    let config = oncall_jsm::JsmConfig::new(
        AccountId::new("bench"),
        url.clone(),
        url,
        jsm::EMAIL.to_owned(),
        jsm::API_TOKEN.to_owned().into(),
    );
    let client = oncall_jsm::JsmClient::new(config).unwrap();
    let figures = measure(&client, n).await;
    server.shutdown().await;
    figures
}

async fn grafana_oncall(n: usize) -> (u32, Duration) {
    let fake = FakeGrafanaOnCall::new();
    for i in 0..n {
        let id = fake.create_alert_group(NewAlertGroup::new(&format!("Synthetic alert {i}")));
        // Half acknowledged: the poll reads both states.
        if i % 2 == 1 {
            fake.acknowledge_elsewhere(&id, grafana::USER_ID);
        }
    }
    let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let config = oncall_grafana_oncall::GrafanaOnCallConfig::new(
        AccountId::new("bench"),
        server.url.parse().unwrap(),
        grafana::API_KEY.to_owned().into(),
    );
    let client = oncall_grafana_oncall::GrafanaOnCallClient::new(config).unwrap();
    let figures = measure(&client, n).await;
    server.shutdown().await;
    figures
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("poll cost per provider, each against its fake over loopback");
    println!();
    println!("| provider | requests per poll, 100 open | requests per poll, 1,000 open | fetch + decode 1,000 (median of 10) |");
    println!("|---|---|---|---|");
    for (name, small, large) in [
        ("Opsgenie", opsgenie(100).await, opsgenie(1000).await),
        ("JSM Operations", jsm(100).await, jsm(1000).await),
        (
            "Grafana OnCall (50 per page per state)",
            grafana_oncall(100).await,
            grafana_oncall(1000).await,
        ),
    ] {
        println!(
            "| {name} | {} | {} | {:.1} ms |",
            small.0,
            large.0,
            large.1.as_secs_f64() * 1e3
        );
    }
}

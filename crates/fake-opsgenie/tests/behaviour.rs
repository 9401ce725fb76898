//! The fake's behaviour: paging, query filtering, asynchronous actions, faults, the binary.

mod util;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use oncall_fake_opsgenie::{FakeResponder, Fault, FaultKind, NewAlert, Route};
use serde_json::json;
use util::{send, start};

#[tokio::test]
async fn paging_over_250_alerts_follows_next_to_the_end() {
    let h = start().await;
    for n in 0..250 {
        h.fake.create_alert(NewAlert::new(&format!("alert {n}")));
    }
    let mut url = format!(
        "{}/v2/alerts?limit=100&query=status%3Aopen&order=asc",
        h.running.url
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        let page = send(h.get(url.strip_prefix(&h.running.url).unwrap())).await;
        assert_eq!(page.status, 200);
        for alert in page.body["data"].as_array().unwrap() {
            seen.push(alert["message"].as_str().unwrap().to_string());
        }
        assert!(
            page.body["paging"]["first"].is_string() && page.body["paging"]["last"].is_string()
        );
        match page.body["paging"]["next"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 250);
    assert_eq!(seen[0], "alert 0");
    assert_eq!(seen[249], "alert 249");
    let default = send(h.get("/v2/alerts")).await;
    assert_eq!(
        default.body["data"].as_array().unwrap().len(),
        20,
        "limit defaults to 20"
    );
    assert_eq!(
        default.body["data"][0]["message"], "alert 249",
        "newest first by default"
    );
    assert_eq!(send(h.get("/v2/alerts?limit=101")).await.status, 422);
    assert_eq!(send(h.get("/v2/alerts?limit=0")).await.status, 422);
}

#[tokio::test]
async fn queries_are_and_combined() {
    let h = start().await;
    let mine = h.fake.create_alert(
        NewAlert::new("mine")
            .priority("P1")
            .responder(FakeResponder::user("pat")),
    );
    h.fake.create_alert(
        NewAlert::new("theirs")
            .priority("P1")
            .responder(FakeResponder::user("sam")),
    );
    let acked = h
        .fake
        .create_alert(NewAlert::new("acked").responder(FakeResponder::user("pat")));
    h.fake.acknowledge_elsewhere(&acked, "pat");
    let closed = h
        .fake
        .create_alert(NewAlert::new("closed").responder(FakeResponder::user("pat")));
    h.fake.close(&closed);
    let ids = |q: &str| {
        let path = format!(
            "/v2/alerts?query={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let h = &h;
        async move {
            let answer = send(h.get(&path)).await;
            answer.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["message"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        ids("status:open AND responders:pat acknowledged:false").await,
        ["mine"]
    );
    assert_eq!(ids("status:open responders:pat").await, ["acked", "mine"]);
    assert_eq!(ids("priority:P1").await, ["theirs", "mine"]);
    assert_eq!(ids("status:closed").await, ["closed"]);
    assert_eq!(
        ids("status:open whatever:term").await.len(),
        3,
        "unknown terms are ignored"
    );
    let by_tiny = send(h.get("/v2/alerts/1?identifierType=tiny")).await;
    assert_eq!(by_tiny.body["data"]["id"], mine.as_str());
}

#[tokio::test]
async fn actions_are_asynchronous_and_reported_by_request_status() {
    let h = start().await;
    let id = h.fake.create_alert(NewAlert::new("disk").alias("disk-1"));
    h.fake.hold_processing(true);
    let answer = send(h.post(
        &format!("/v2/alerts/{id}/acknowledge"),
        json!({"user": "pat"}),
    ))
    .await;
    assert_eq!(answer.status, 202);
    assert_eq!(answer.body["result"], "Request will be processed");
    let rid = answer.body["requestId"].as_str().unwrap().to_string();
    assert_eq!(
        send(h.get(&format!("/v2/alerts/requests/{rid}")))
            .await
            .status,
        404
    );
    assert!(
        !h.fake.alert(&id).unwrap().acknowledged,
        "not applied while held"
    );
    h.fake.hold_processing(false);
    let status = send(h.get(&format!("/v2/alerts/requests/{rid}"))).await;
    assert_eq!(status.body["data"]["isSuccess"], true);
    assert_eq!(status.body["data"]["alertId"], id.as_str());
    assert_eq!(status.body["data"]["alias"], "disk-1");
    let alert = h.fake.alert(&id).unwrap();
    assert!(alert.acknowledged);
    assert_eq!(alert.acknowledged_by.as_deref(), Some("pat"));

    let missing = send(h.post("/v2/alerts/no-such-alert/close", json!({}))).await;
    assert_eq!(missing.status, 202);
    let rid = missing.body["requestId"].as_str().unwrap();
    let status = send(h.get(&format!("/v2/alerts/requests/{rid}"))).await;
    assert_eq!(status.body["data"]["isSuccess"], false);
    assert_eq!(status.body["data"]["status"], "Alert does not exist");

    let created = send(h.post(
        "/v2/alerts",
        json!({"message": "from the API", "alias": "disk-1"}),
    ))
    .await;
    let rid = created.body["requestId"].as_str().unwrap();
    let status = send(h.get(&format!("/v2/alerts/requests/{rid}"))).await;
    assert_eq!(
        status.body["data"]["alertId"],
        id.as_str(),
        "de-duplicated by alias"
    );
    assert_eq!(h.fake.alert(&id).unwrap().count, 2);
}

#[tokio::test]
async fn faults_and_authentication() {
    let h = start().await;
    h.fake.inject(Fault::once(
        Route::ListAlerts,
        FaultKind::RateLimited {
            period_secs: Some(60),
        },
    ));
    let limited = send(h.get("/v2/alerts")).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["x-ratelimit-state"], "THROTTLED");
    assert_eq!(limited.headers["x-ratelimit-period-in-sec"], "60");
    h.fake
        .inject(Fault::once(Route::Any, FaultKind::ServerError(503)));
    assert_eq!(send(h.get("/v2/alerts")).await.status, 503);
    h.fake
        .inject(Fault::once(Route::ListAlerts, FaultKind::MalformedBody));
    let malformed = send(h.get("/v2/alerts")).await;
    assert!(serde_json::from_str::<serde_json::Value>(&malformed.text).is_err());
    h.fake
        .inject(Fault::once(Route::ListAlerts, FaultKind::DropConnection));
    assert!(h.get("/v2/alerts").send().await.is_err());
    h.fake.inject(Fault::once(
        Route::ListAlerts,
        FaultKind::Latency { millis: 50 },
    ));
    assert_eq!(send(h.get("/v2/alerts")).await.status, 200);
    let bad = send(
        h.http
            .get(format!("{}/v2/alerts", h.running.url))
            .header("Authorization", "GenieKey wrong"),
    )
    .await;
    assert_eq!(bad.status, 401);
    let statuses: Vec<u16> = h.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 503, 200, 0, 200, 401]);
}

#[tokio::test]
async fn the_binary_prints_its_address_and_exits_0_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-opsgenie"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped");
    let line = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await;
    let Ok(Ok(Ok(line))) = line else {
        let _ = child.kill();
        panic!("no listening line");
    };
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let answer = send(
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{url}/v2/alerts"))
            .header(
                "Authorization",
                format!("GenieKey {}", oncall_fake_opsgenie::API_KEY),
            ),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
}

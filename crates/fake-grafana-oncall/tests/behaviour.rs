//! The fake's own behaviour: paging with absolute `next` links, the state rules of each
//! action, silences ending on the clock, authentication, faults and the binary.

mod util;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;

use chrono::Duration;
use oncall_fake_grafana_oncall::{
    Fault, FaultKind, GroupState, NewAlertGroup, Route, API_KEY, PAGE_SIZE, USER_ID,
};
use serde_json::json;
use util::serve;

#[tokio::test]
async fn lists_come_in_pages_of_fifty_with_absolute_next_links_newest_first() {
    let s = serve().await;
    let ids: Vec<String> = (0..120)
        .map(|n| {
            s.fake
                .create_alert_group(NewAlertGroup::new(&format!("g{n}")))
        })
        .collect();
    let (status, first) = s.get("/api/v1/alert_groups/?state=new").await;
    assert_eq!(status, 200);
    assert_eq!(first["count"], 120);
    assert_eq!(first["results"].as_array().unwrap().len(), PAGE_SIZE);
    assert_eq!(first["results"][0]["id"], ids[119].as_str());
    assert_eq!(first["previous"], json!(null));
    let next = first["next"].as_str().unwrap().to_owned();
    assert_eq!(
        next,
        format!("{}/api/v1/alert_groups/?state=new&page=2", s.running.url)
    );
    let (_, second) = s.get(&next).await;
    let third_url = second["next"].as_str().unwrap().to_owned();
    let (_, third) = s.get(&third_url).await;
    assert_eq!(third["results"].as_array().unwrap().len(), 20);
    assert_eq!(third["next"], json!(null));
    assert_eq!(third["total_pages"], 3);
    assert_eq!(s.get("/api/v1/alert_groups/?page=4").await.0, 404);
    s.fake.set_public_url("https://elsewhere.example");
    let (_, moved) = s.get("/api/v1/alert_groups/").await;
    assert!(moved["next"]
        .as_str()
        .unwrap()
        .starts_with("https://elsewhere.example/api/v1/alert_groups/?"));
}

#[tokio::test]
async fn filters_select_by_state_team_and_every_label() {
    let s = serve().await;
    let a = s.fake.create_alert_group(
        NewAlertGroup::new("a")
            .team("T1")
            .label("env:prod")
            .label("team:db"),
    );
    s.fake
        .create_alert_group(NewAlertGroup::new("b").team("T1").label("env:prod"));
    s.fake
        .create_alert_group(NewAlertGroup::new("c").team("T2"));
    let (_, page) = s
        .get("/api/v1/alert_groups/?team_id=T1&label=env:prod&label=team:db")
        .await;
    assert_eq!(page["count"], 1);
    assert_eq!(page["results"][0]["id"], a.as_str());
    let (status, refused) = s.get("/api/v1/alert_groups/?state=open").await;
    assert_eq!(status, 400, "{refused}");
}

#[tokio::test]
async fn actions_follow_the_state_rules_and_answer_with_their_status() {
    let s = serve().await;
    let id = s.fake.create_alert_group(NewAlertGroup::new("disk full"));
    let act = |verb: &str| format!("/api/v1/alert_groups/{id}/{verb}");
    assert_eq!(s.post(&act("acknowledge"), json!({})).await.0, 200);
    let (status, again) = s.post(&act("acknowledge"), json!({})).await;
    assert_eq!(
        (status, again),
        (
            400,
            json!({"detail": "Can't acknowledge an acknowledged alert group"})
        )
    );
    let group = s.fake.alert_group(&id).unwrap();
    assert_eq!(group.acknowledged_by.as_deref(), Some(USER_ID));
    assert_eq!(s.post(&act("unacknowledge"), json!({})).await.0, 200);
    assert_eq!(s.post(&act("unacknowledge"), json!({})).await.0, 400);
    assert_eq!(
        s.post(&act("silence"), json!({})).await.0,
        400,
        "delay required"
    );
    assert_eq!(s.post(&act("silence"), json!({"delay": 0})).await.0, 400);
    assert_eq!(s.post(&act("unsilence"), json!({})).await.0, 400);
    assert_eq!(s.post(&act("resolve"), json!({})).await.0, 200);
    let (status, late) = s.post(&act("acknowledge"), json!({})).await;
    assert_eq!(status, 400);
    assert!(late["detail"].as_str().unwrap().contains("resolved"));
    assert_eq!(s.post(&act("unresolve"), json!({})).await.0, 200);
    assert_eq!(s.fake.alert_group(&id).unwrap().state, GroupState::New);
    assert_eq!(
        s.post("/api/v1/alert_groups/INOPE/resolve", json!({}))
            .await
            .0,
        404
    );
    let (status, note) = s
        .post(
            "/api/v1/resolution_notes/",
            json!({"alert_group_id": id, "text": " "}),
        )
        .await;
    assert_eq!(status, 400, "{note}");
}

#[tokio::test]
async fn a_silence_ends_on_the_clock_and_leaves_the_group_new() {
    let s = serve().await;
    let id = s.fake.create_alert_group(NewAlertGroup::new("disk full"));
    s.fake.acknowledge_elsewhere(&id, "U-colleague");
    let (status, _) = s
        .post(
            &format!("/api/v1/alert_groups/{id}/silence"),
            json!({"delay": 600}),
        )
        .await;
    assert_eq!(status, 200);
    let silenced_at = s.clock.now();
    let group = s.fake.alert_group(&id).unwrap();
    assert_eq!(group.state, GroupState::Silenced);
    assert_eq!(group.state_since, silenced_at);
    assert_eq!(
        group.acknowledged_at, None,
        "silencing takes back the acknowledgement"
    );
    assert_eq!(
        group.silenced_until,
        Some(s.clock.now() + Duration::seconds(600))
    );
    assert_eq!(
        s.get("/api/v1/alert_groups/?state=silenced").await.1["count"],
        1
    );
    assert_eq!(s.get("/api/v1/alert_groups/?state=new").await.1["count"], 0);
    s.clock.advance(Duration::seconds(600));
    let (_, new) = s.get("/api/v1/alert_groups/?state=new").await;
    assert_eq!(new["count"], 1);
    assert_eq!(new["results"][0]["state"], "firing");
    assert_eq!(new["results"][0]["silenced_at"], json!(null));
    assert_eq!(
        s.fake.alert_group(&id).unwrap().state_since,
        silenced_at + Duration::seconds(600)
    );

    s.post(
        &format!("/api/v1/alert_groups/{id}/silence"),
        json!({"delay": -1}),
    )
    .await;
    s.clock.advance(Duration::days(400));
    assert_eq!(
        s.fake.alert_group(&id).unwrap().state,
        GroupState::Silenced,
        "forever"
    );
}

#[tokio::test]
async fn a_silence_first_read_long_after_its_end_dates_the_group_new_from_its_end() {
    let s = serve().await;
    let id = s.fake.create_alert_group(NewAlertGroup::new("disk full"));
    let silenced_at = s.clock.now();
    s.fake.silence_elsewhere(&id, 60, "U-colleague");
    // Nothing reads the fake until well after the end: the group has needed someone
    // since the silence ended, the ground truth a test compares pages with (the API
    // keeps no such time).
    s.clock.advance(Duration::seconds(150));
    let group = s.fake.alert_group(&id).unwrap();
    assert_eq!(group.state, GroupState::New);
    assert_eq!(group.state_since, silenced_at + Duration::seconds(60));
}

#[tokio::test]
async fn keys_are_checked_after_faults_and_every_request_is_logged() {
    let s = serve().await;
    s.fake.inject(Fault::once(
        Route::ListAlertGroups,
        FaultKind::RateLimited {
            retry_after_secs: Some(12),
        },
    ));
    s.fake
        .inject(Fault::once(Route::Any, FaultKind::ServerError(503)));
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let list = format!("{}/api/v1/alert_groups/", s.running.url);
    let limited = client
        .get(&list)
        .header("Authorization", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "12");
    assert_eq!(s.get("/api/v1/users/current/").await.0, 503);
    assert_eq!(s.get("/api/v1/users/current/").await.0, 200);
    let refused = client
        .get(&list)
        .header("Authorization", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let scheme = client
        .get(&list)
        .header("Authorization", format!("Token {API_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(scheme.status(), 401, "the key goes alone, no scheme word");
    let statuses: Vec<u16> = s.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 503, 200, 401, 401]);
}

#[tokio::test]
async fn the_binary_prints_its_address_and_exits_0_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-grafana-oncall"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped");
    let line = tokio::time::timeout(
        StdDuration::from_secs(30),
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
    let answer = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{url}/api/v1/users/current/"))
        .header("Authorization", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
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

//! Behaviour of the fake as a client meets it: paging, filters, the write rules and their
//! error codes, snooze expiry, rate limits, every fault kind, the Events API, the control
//! routes and the binary.

mod util;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use oncall_fake_pagerduty::{FakePagerDuty, Fault, FaultKind, NewIncident, Route};
use oncall_model::{Status, Urgency};
use reqwest::Method;
use serde_json::{json, Value};
use util::{send, start, Answer, Harness, PAT, PAT_EMAIL, ROUTING_KEY, SAM, SAM_TOKEN};

fn ids_of(answer: &Answer) -> Vec<String> {
    answer.body["incidents"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn ack(id: &str) -> Value {
    json!({"id": id, "type": "incident_reference", "status": "acknowledged"})
}

fn resolve(id: &str) -> Value {
    json!({"id": id, "type": "incident_reference", "status": "resolved"})
}

async fn bulk(h: &Harness, items: Vec<Value>) -> Answer {
    send(h.write(Method::PUT, "/incidents", json!({ "incidents": items }))).await
}

async fn snooze(h: &Harness, id: &str, duration: Value) -> Answer {
    let path = format!("/incidents/{id}/snooze");
    send(h.write(Method::POST, &path, json!({ "duration": duration }))).await
}

// ----- listing -----

#[tokio::test]
async fn pagination_walks_250_incidents_in_three_pages() {
    let h = start().await;
    let created: Vec<String> = (0..250)
        .map(|n| h.fake.trigger(NewIncident::new(format!("incident {n}"))))
        .collect();
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut offset = 0;
    loop {
        let page = send(h.get(&format!("/incidents?limit=100&offset={offset}&total=true"))).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert_eq!(page.body["limit"], 100);
        assert_eq!(page.body["offset"], offset);
        assert_eq!(page.body["total"], 250);
        let ids = ids_of(&page);
        pages.push((ids.len(), page.body["more"].as_bool()));
        offset += ids.len();
        seen.extend(ids);
        if page.body["more"] != true {
            break;
        }
    }
    assert_eq!(
        pages,
        vec![(100, Some(true)), (100, Some(true)), (50, Some(false))]
    );
    assert_eq!(seen, created, "incident number order, no gaps or repeats");
}

#[tokio::test]
async fn paging_defaults_clamps_and_refuses_deep_offsets() {
    let h = start().await;
    for n in 0..30 {
        h.fake.trigger(NewIncident::new(format!("i{n}")));
    }
    let default = send(h.get("/incidents")).await;
    assert_eq!(
        (default.body["limit"].as_u64(), ids_of(&default).len()),
        (Some(25), 25)
    );
    assert_eq!(
        default.body["total"],
        Value::Null,
        "total only with total=true"
    );
    let clamped = send(h.get("/incidents?limit=1000")).await;
    assert_eq!(
        (
            clamped.body["limit"].as_u64(),
            clamped.body["more"].as_bool()
        ),
        (Some(100), Some(false))
    );
    let deep = send(h.get("/incidents?limit=100&offset=9901")).await;
    assert_eq!((deep.status, deep.error_code()), (400, Some(2001)));
    let garbage = send(h.get("/incidents?limit=many")).await;
    assert_eq!((garbage.status, garbage.error_code()), (400, Some(2001)));
}

#[tokio::test]
async fn list_filters_combine_with_and() {
    let h = start().await;
    h.fake.add_service("PSVC002", "Search", SAM);
    let mine_high = h.fake.trigger(NewIncident::new("mine high"));
    let mine_low = h.fake.trigger(
        NewIncident::new("mine low")
            .urgency(Urgency::Low)
            .dedup_key("disk/db1"),
    );
    let sams = h.fake.trigger(NewIncident::new("sam's").service("PSVC002"));
    let resolved = h.fake.trigger(NewIncident::new("gone"));
    h.fake.resolve(&resolved);
    h.fake.acknowledge(&mine_low, PAT);

    let cases: &[(&str, Vec<&String>)] = &[
        ("statuses[]=triggered", vec![&mine_high, &sams]),
        (
            "statuses[]=triggered&statuses[]=acknowledged",
            vec![&mine_high, &mine_low, &sams],
        ),
        ("user_ids[]=PUSER01", vec![&mine_high, &mine_low]),
        ("user_ids[]=PUSER02", vec![&sams]),
        ("team_ids[]=PTEAM01", vec![&mine_high, &mine_low, &resolved]),
        ("service_ids[]=PSVC002", vec![&sams]),
        ("urgencies[]=low", vec![&mine_low]),
        ("incident_key=disk%2Fdb1", vec![&mine_low]),
        ("user_ids[]=PUSER01&urgencies[]=high", vec![&mine_high]),
        (
            "sort_by=incident_number:desc&statuses[]=triggered",
            vec![&sams, &mine_high],
        ),
        // Without brackets the parameter is not PagerDuty's and is ignored.
        (
            "statuses=resolved",
            vec![&mine_high, &mine_low, &sams, &resolved],
        ),
    ];
    for (query, expected) in cases {
        let answer = send(h.get(&format!("/incidents?{query}"))).await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.text);
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(ids_of(&answer), expected, "{query}");
    }
    let bad = send(h.get("/incidents?statuses[]=open")).await;
    assert_eq!((bad.status, bad.error_code()), (400, Some(2001)));
}

#[tokio::test]
async fn date_range_defaults_to_the_last_month_of_created_at() {
    let h = start().await;
    let old = h.fake.trigger(NewIncident::new("old"));
    h.clock.advance(40 * 24 * 3600);
    let recent = h.fake.trigger(NewIncident::new("recent"));
    assert_eq!(
        ids_of(&send(h.get("/incidents")).await),
        vec![recent.clone()]
    );
    assert_eq!(
        ids_of(&send(h.get("/incidents?date_range=all")).await),
        vec![old.clone(), recent.clone()]
    );
    assert_eq!(
        ids_of(&send(h.get("/incidents?since=2024-05-01&until=2024-05-02T00:00:00Z")).await),
        vec![old]
    );
    let reversed = send(h.get("/incidents?since=2024-05-02&until=2024-05-01")).await;
    assert_eq!((reversed.status, reversed.error_code()), (400, Some(2005)));
    let unreadable = send(h.get("/incidents?since=last-tuesday")).await;
    assert_eq!(
        (unreadable.status, unreadable.error_code()),
        (400, Some(2004))
    );
}

// ----- writes -----

#[tokio::test]
async fn writes_require_the_from_header_of_a_known_user() {
    let h = start().await;
    let id = h.fake.trigger(NewIncident::new("a"));
    h.fake.acknowledge(&id, PAT);
    let writes = [
        (
            Method::PUT,
            "/incidents".to_string(),
            json!({"incidents": [resolve(&id)]}),
        ),
        (
            Method::PUT,
            format!("/incidents/{id}"),
            json!({"incident": {"type": "incident_reference", "status": "resolved"}}),
        ),
        (
            Method::POST,
            format!("/incidents/{id}/snooze"),
            json!({"duration": 60}),
        ),
    ];
    for (method, path, body) in writes {
        for from in [None, Some("nobody@example.com")] {
            let mut request = h.request(method.clone(), &path).json(&body);
            if let Some(from) = from {
                request = request.header("From", from);
            }
            let answer = send(request).await;
            assert_eq!(
                (answer.status, answer.error_code()),
                (400, Some(1008)),
                "{method} {path} From={from:?}"
            );
        }
    }
    assert_eq!(
        h.fake.incident(&id).map(|i| i.status),
        Some(Status::Acknowledged)
    );
}

#[tokio::test]
async fn acknowledge_and_resolve_conflicts_have_pagerduty_codes() {
    let h = start().await;
    let acked = h.fake.trigger(NewIncident::new("acked"));
    h.fake.acknowledge(&acked, SAM);
    let resolved = h.fake.trigger(NewIncident::new("resolved"));
    h.fake.resolve(&resolved);
    let cases = [
        (ack(&acked), 400, Some(1002)),
        (ack(&resolved), 400, Some(1001)),
        (resolve(&resolved), 400, Some(1001)),
        (ack("QNOTHERE"), 404, Some(2100)),
        (
            json!({"id": acked, "type": "incident_reference", "status": "triggered"}),
            400,
            Some(1003),
        ),
        (
            json!({"id": acked, "type": "incident_reference", "status": "closed"}),
            400,
            Some(1003),
        ),
        (json!({"id": acked, "status": "resolved"}), 400, Some(2001)),
    ];
    for (item, status, code) in cases {
        let answer = bulk(&h, vec![item.clone()]).await;
        assert_eq!(
            (answer.status, answer.error_code()),
            (status, code),
            "{item}"
        );
        let single = send(h.write(
            Method::PUT,
            &format!("/incidents/{}", item["id"].as_str().unwrap_or("")),
            json!({"incident": item}),
        ))
        .await;
        assert_eq!(
            (single.status, single.error_code()),
            (status, code),
            "single {item}"
        );
    }
    let garbage = send(
        h.request(Method::PUT, "/incidents")
            .header("From", PAT_EMAIL)
            .header("Content-Type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!((garbage.status, garbage.error_code()), (400, Some(2001)));
    let untyped = send(
        h.request(Method::PUT, "/incidents")
            .header("From", PAT_EMAIL)
            .body(json!({"incidents": [resolve(&acked)]}).to_string()),
    )
    .await;
    assert_eq!(
        (untyped.status, untyped.error_code()),
        (400, Some(2001)),
        "Content-Type: application/json is required"
    );
    assert_eq!(
        h.fake.incident(&acked).map(|i| i.status),
        Some(Status::Acknowledged)
    );
}

#[tokio::test]
async fn bulk_update_is_all_or_nothing_and_records_the_acknowledger() {
    let h = start().await;
    let a = h.fake.trigger(NewIncident::new("a"));
    let b = h.fake.trigger(NewIncident::new("b"));
    h.fake.resolve(&b);
    let failed = bulk(&h, vec![ack(&a), ack(&b)]).await;
    assert_eq!(failed.error_code(), Some(1001));
    assert_eq!(
        h.fake.incident(&a).map(|i| i.status),
        Some(Status::Triggered),
        "nothing applied"
    );

    h.clock.advance(90);
    let answer = send(
        h.request(Method::PUT, "/incidents")
            .header("From", "sam@example.com")
            .json(&json!({"incidents": [ack(&a)]})),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let incident = h.fake.incident(&a).expect("incident a");
    assert_eq!(incident.acknowledged_by, vec![SAM.to_string()]);
    assert_eq!(incident.last_status_change_at, h.clock.now());
    let wire = &answer.body["incidents"][0];
    assert_eq!(wire["status"], "acknowledged");
    assert_eq!(wire["acknowledgements"][0]["acknowledger"]["id"], SAM);
    assert_eq!(
        wire["acknowledgements"][0]["acknowledger"]["summary"],
        "Sam Second"
    );
    assert_eq!(wire["acknowledgements"][0]["at"], "2024-05-01T09:01:30Z");
    assert_eq!(
        incident.history.last().map(String::as_str),
        Some("acknowledged by PUSER02")
    );
}

#[tokio::test]
async fn more_than_250_incidents_in_one_update_is_413() {
    let h = start().await;
    let ids: Vec<String> = (0..251)
        .map(|n| h.fake.trigger(NewIncident::new(format!("{n}"))))
        .collect();
    let answer = bulk(&h, ids.iter().map(|id| ack(id)).collect()).await;
    assert_eq!(answer.status, 413);
    let exactly_250 = bulk(&h, ids[..250].iter().map(|id| ack(id)).collect()).await;
    assert_eq!(exactly_250.status, 200);
    assert_eq!(
        exactly_250.body["incidents"].as_array().map(Vec::len),
        Some(250)
    );
}

#[tokio::test]
async fn snooze_rules_and_codes() {
    let h = start().await;
    let triggered = h.fake.trigger(NewIncident::new("t"));
    let acked = h.fake.trigger(NewIncident::new("a"));
    h.fake.acknowledge(&acked, PAT);
    assert_eq!(
        snooze(&h, &triggered, json!(60)).await.error_code(),
        Some(1012)
    );
    for bad in [
        json!(0),
        json!(604_801),
        json!(-5),
        json!("60"),
        Value::Null,
    ] {
        assert_eq!(
            snooze(&h, &acked, bad.clone()).await.error_code(),
            Some(1013),
            "{bad}"
        );
    }
    assert_eq!(
        snooze(&h, "QNOTHERE", json!(60)).await.error_code(),
        Some(2100)
    );
    let ok = snooze(&h, &acked, json!(604_800)).await;
    assert_eq!(ok.status, 201);
    assert_eq!(ok.body["incident"]["status"], "acknowledged");
    assert_eq!(
        ok.body["incident"]["pending_actions"][0]["type"],
        "unacknowledge"
    );
    assert_eq!(
        ok.body["incident"]["pending_actions"][0]["at"],
        "2024-05-08T09:00:00Z"
    );
}

#[tokio::test]
async fn an_expired_snooze_retriggers_at_its_end() {
    let h = start().await;
    let id = h.fake.trigger(NewIncident::new("flapping"));
    h.clock.advance(60);
    let acked = send(h.write(
        Method::PUT,
        &format!("/incidents/{id}"),
        json!({"incident": {"type": "incident_reference", "status": "acknowledged"}}),
    ))
    .await;
    assert_eq!(
        acked.body["incident"]["last_status_change_at"],
        "2024-05-01T09:01:00Z"
    );
    assert_eq!(snooze(&h, &id, json!(600)).await.status, 201);
    let snooze_end = h.clock.now() + chrono::Duration::seconds(600);

    h.clock.advance(599);
    let before = send(h.get(&format!("/incidents/{id}"))).await;
    assert_eq!(before.body["incident"]["status"], "acknowledged");
    assert_eq!(
        before.body["incident"]["last_status_change_at"],
        "2024-05-01T09:01:00Z"
    );

    h.clock.advance(3600);
    let after = send(h.get("/incidents?statuses[]=triggered")).await;
    assert_eq!(ids_of(&after), vec![id.clone()]);
    let wire = &after.body["incidents"][0];
    assert_eq!(
        wire["last_status_change_at"], "2024-05-01T09:11:00Z",
        "moved to the snooze end, not to now"
    );
    assert_eq!(wire["acknowledgements"], json!([]));
    assert_eq!(wire["pending_actions"], json!([]));
    let incident = h.fake.incident(&id).expect("incident");
    assert_eq!(
        (incident.status, incident.last_status_change_at),
        (Status::Triggered, snooze_end)
    );
    assert_eq!(incident.snoozed_until, None);
}

#[tokio::test]
async fn last_status_change_at_moves_only_with_the_status() {
    let h = start().await;
    let id = h.fake.trigger(NewIncident::new("x"));
    let read = |h: &Harness| {
        let id = id.clone();
        let request = h.get(&format!("/incidents/{id}"));
        async move { send(request).await.body["incident"].clone() }
    };
    h.clock.advance(60);
    h.fake.set_urgency(&id, Urgency::Low);
    h.clock.advance(60);
    h.fake.reassign(&id, &[SAM]);
    let wire = read(&h).await;
    assert_eq!(wire["last_status_change_at"], "2024-05-01T09:00:00Z");
    assert_eq!(wire["updated_at"], "2024-05-01T09:02:00Z");
    assert_eq!(wire["urgency"], "low");
    assert_eq!(wire["assignments"][0]["assignee"]["id"], SAM);
    assert_eq!(wire["assignments"][0]["at"], "2024-05-01T09:02:00Z");

    h.clock.advance(60);
    h.fake.acknowledge(&id, SAM);
    h.clock.advance(60);
    h.fake.retrigger(&id);
    let wire = read(&h).await;
    assert_eq!(wire["status"], "triggered");
    assert_eq!(wire["last_status_change_at"], "2024-05-01T09:04:00Z");

    h.clock.advance(60);
    h.fake.resolve(&id);
    let wire = read(&h).await;
    assert_eq!(wire["resolved_at"], "2024-05-01T09:05:00Z");
    assert_eq!(
        wire["assignments"],
        json!([]),
        "resolved incidents have no assignments"
    );
}

// ----- auth and rate limits -----

#[tokio::test]
async fn tokens_authenticate_and_every_answer_reports_the_budget() {
    let h = start().await;
    let bearer = send(
        h.http
            .get(h.url("/users/me"))
            .header("Authorization", format!("Bearer {SAM_TOKEN}")),
    )
    .await;
    assert_eq!(bearer.body["user"]["id"], SAM);
    for auth in [None, Some("Token token=nope"), Some("Basic cGF0Og==")] {
        let mut request = h.http.get(h.url("/incidents"));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let answer = send(request).await;
        assert_eq!(
            (answer.status, answer.error_code()),
            (401, Some(2006)),
            "{auth:?}"
        );
        assert!(answer.header("ratelimit-remaining").is_some());
    }
    let ok = send(h.get("/oncalls")).await;
    assert_eq!(ok.header("ratelimit-limit"), Some("960"));
    assert_eq!(ok.header("ratelimit-remaining"), Some("959"));
    assert_eq!(ok.header("ratelimit-reset"), Some("60"));
}

#[tokio::test]
async fn the_rate_limit_is_per_token_over_a_rolling_minute() {
    let h = start().await;
    h.fake.set_rate_limit(3);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let answer = send(h.get("/users/me")).await;
        assert_eq!(answer.status, 200);
        remaining.push(answer.header("ratelimit-remaining").map(str::to_string));
        h.clock.advance(10);
    }
    assert_eq!(
        remaining,
        [Some("2".into()), Some("1".into()), Some("0".into())]
    );
    let limited = send(h.get("/users/me")).await;
    assert_eq!((limited.status, limited.error_code()), (429, Some(2020)));
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("ratelimit-reset"), Some("30"));

    let other = send(
        h.http
            .get(h.url("/users/me"))
            .header("Authorization", format!("Token token={SAM_TOKEN}")),
    )
    .await;
    assert_eq!(other.status, 200, "another token has its own budget");

    h.clock.advance(30);
    assert_eq!(
        send(h.get("/users/me")).await.status,
        200,
        "the first request left the window"
    );
}

// ----- faults -----

#[tokio::test]
async fn rate_limited_faults_send_only_what_they_are_given() {
    let h = start().await;
    h.fake.inject(Fault::once(
        Route::ListIncidents,
        FaultKind::RateLimited {
            reset_secs: Some(17),
            retry_after_secs: Some(5),
            with_body: true,
        },
    ));
    h.fake.inject(Fault::once(
        Route::ListIncidents,
        FaultKind::RateLimited {
            reset_secs: None,
            retry_after_secs: None,
            with_body: false,
        },
    ));
    let full = send(h.get("/incidents")).await;
    assert_eq!((full.status, full.error_code()), (429, Some(2020)));
    assert_eq!(
        (full.header("ratelimit-reset"), full.header("retry-after")),
        (Some("17"), Some("5"))
    );
    let bare = send(h.get("/incidents")).await;
    assert_eq!(bare.status, 429);
    assert_eq!(bare.text, "");
    assert_eq!(
        (
            bare.header("ratelimit-reset"),
            bare.header("retry-after"),
            bare.header("ratelimit-remaining")
        ),
        (None, None, None)
    );
    assert_eq!(
        send(h.get("/incidents")).await.status,
        200,
        "both faults used up"
    );
}

#[tokio::test]
async fn error_faults_look_like_pagerduty_or_its_proxies() {
    let h = start().await;
    let cases = [
        (
            FaultKind::ServerError(500),
            500,
            Some(2000),
            "application/json",
        ),
        (
            FaultKind::ServerError(408),
            408,
            Some(2016),
            "application/json",
        ),
        (FaultKind::ServerError(502), 502, None, "text/html"),
        (FaultKind::ServerError(503), 503, None, "text/html"),
        (FaultKind::Unauthorized, 401, Some(2006), "application/json"),
        (FaultKind::Forbidden, 403, Some(2010), "application/json"),
    ];
    for (kind, status, code, content_type) in cases {
        h.fake.inject(Fault::once(Route::UsersMe, kind.clone()));
        let answer = send(h.get("/users/me")).await;
        assert_eq!(
            (answer.status, answer.error_code()),
            (status, code),
            "{kind:?}"
        );
        let got_type = answer.header("content-type").unwrap_or("");
        assert!(got_type.starts_with(content_type), "{kind:?}: {got_type}");
    }
    assert_eq!(send(h.get("/users/me")).await.status, 200);
}

#[tokio::test]
async fn malformed_bodies_are_200_and_not_json() {
    let h = start().await;
    h.fake
        .inject(Fault::once(Route::ListIncidents, FaultKind::MalformedBody));
    let answer = send(h.get("/incidents")).await;
    assert_eq!(answer.status, 200);
    assert!(answer.text.starts_with("{\"incidents\":["));
    assert!(serde_json::from_str::<Value>(&answer.text).is_err());
}

#[tokio::test(start_paused = true)]
async fn latency_runs_on_tokio_time() {
    let h = start().await;
    h.fake.inject(Fault::once(
        Route::OnCalls,
        FaultKind::Latency { millis: 30_000 },
    ));
    let (virtual_start, real_start) = (tokio::time::Instant::now(), std::time::Instant::now());
    let answer = send(h.get("/oncalls")).await;
    assert_eq!(answer.status, 200, "answers normally after the delay");
    assert!(virtual_start.elapsed() >= Duration::from_secs(30));
    assert!(
        real_start.elapsed() < Duration::from_secs(10),
        "paused time is not slept"
    );
}

#[tokio::test]
async fn dropped_connections_get_no_answer_and_are_logged_with_status_0() {
    let h = start().await;
    h.fake.inject(Fault::once(
        Route::UpdateIncidents,
        FaultKind::DropConnection,
    ));
    let id = h.fake.trigger(NewIncident::new("x"));
    let result = h
        .write(Method::PUT, "/incidents", json!({"incidents": [ack(&id)]}))
        .send()
        .await;
    let error = result.expect_err("no response");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    let logged = h.fake.requests();
    assert_eq!(logged.len(), 1);
    assert_eq!((logged[0].method.as_str(), logged[0].status), ("PUT", 0));
    assert_eq!(
        h.fake.incident(&id).map(|i| i.status),
        Some(Status::Triggered)
    );
    assert_eq!(
        send(h.get("/users/me")).await.status,
        200,
        "the server keeps serving"
    );
}

#[tokio::test]
async fn huge_bodies_stream_exactly_the_asked_size() {
    let h = start().await;
    let size: u64 = 8 * 1024 * 1024 + 7;
    h.fake.inject(Fault::once(
        Route::ListIncidents,
        FaultKind::HugeBody { bytes: size },
    ));
    let mut response = h.get("/incidents").send().await.expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers().get("content-length").is_none(),
        "chunked, size unknown up front"
    );
    let mut received: u64 = 0;
    let mut head = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("the stream reads") {
        if head.len() < 64 {
            head.extend_from_slice(&chunk[..chunk.len().min(64)]);
        }
        received += chunk.len() as u64;
    }
    assert_eq!(received, size);
    assert!(head.starts_with(b"{\"incidents\":[{\"id\""));
}

#[tokio::test]
async fn faults_match_their_route_in_order_and_are_logged() {
    let h = start().await;
    h.fake.inject(Fault {
        route: Route::Snooze,
        kind: FaultKind::ServerError(503),
        times: 2,
    });
    h.fake.inject(Fault::once(Route::Any, FaultKind::Forbidden));
    assert_eq!(
        send(h.get("/users/me")).await.status,
        403,
        "Any matches other routes"
    );
    assert_eq!(send(h.get("/users/me")).await.status, 200);
    let id = h.fake.trigger(NewIncident::new("x"));
    h.fake.acknowledge(&id, PAT);
    assert_eq!(snooze(&h, &id, json!(60)).await.status, 503);
    assert_eq!(snooze(&h, &id, json!(60)).await.status, 503);
    assert_eq!(snooze(&h, &id, json!(60)).await.status, 201);
    let statuses: Vec<u16> = h.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![403, 200, 503, 503, 201]);
}

// ----- the request log -----

#[tokio::test]
async fn requests_are_logged_as_received() {
    let h = start().await;
    let id = h.fake.trigger(NewIncident::new("x"));
    send(h.get("/incidents?statuses[]=triggered&limit=5")).await;
    send(h.write(Method::PUT, "/incidents", json!({"incidents": [ack(&id)]}))).await;
    let log = h.fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str()),
        ("GET", "/incidents")
    );
    assert_eq!(log[0].query, "statuses[]=triggered&limit=5");
    assert_eq!(
        log[0].header("authorization"),
        Some("Token token=fake-token-pat")
    );
    assert_eq!(
        log[0].header("Accept"),
        Some("application/vnd.pagerduty+json;version=2")
    );
    assert!(log[0].headers.iter().all(|(n, _)| n == &n.to_lowercase()));
    assert_eq!(log[1].header("from"), Some(PAT_EMAIL));
    let body: Value = serde_json::from_str(&log[1].body).expect("the JSON body");
    assert_eq!(body["incidents"][0]["id"], id.as_str());
    assert_eq!((log[0].status, log[1].status), (200, 200));
    h.fake.clear_requests();
    assert!(h.fake.requests().is_empty());
}

// ----- on-calls -----

#[tokio::test]
async fn oncalls_default_to_pats_primary_shift_and_follow_set_oncalls() {
    let h = start().await;
    let answer = send(h.get("/oncalls?user_ids[]=PUSER01")).await;
    let oncall = &answer.body["oncalls"][0];
    assert_eq!(oncall["escalation_policy"]["id"], "PEP0001");
    assert_eq!(oncall["escalation_policy"]["summary"], "Checkout on-call");
    assert_eq!(oncall["escalation_level"], 1);
    assert_eq!(oncall["schedule"]["id"], "PSCHED1");
    assert_eq!(oncall["schedule"]["summary"], "Primary");
    assert_eq!(oncall["start"], "2024-05-01T07:00:00Z");
    assert_eq!(oncall["end"], "2024-05-01T17:00:00Z");

    let later = send(
        h.get("/oncalls?user_ids[]=PUSER01&since=2024-05-02T00:00:00Z&until=2024-05-03T00:00:00Z"),
    )
    .await;
    assert_eq!(
        later.body["oncalls"],
        json!([]),
        "the shift does not overlap tomorrow"
    );

    h.fake.set_oncalls(PAT, vec![]);
    let none = send(h.get("/oncalls?user_ids[]=PUSER01")).await;
    assert_eq!(none.body["oncalls"], json!([]));

    h.fake.add_service("PSVC002", "Search", SAM);
    let sam = send(h.get("/oncalls?escalation_policy_ids[]=PEP0002")).await;
    assert_eq!(sam.body["oncalls"][0]["user"]["id"], SAM);
    assert_eq!(
        sam.body["oncalls"][0]["schedule"],
        Value::Null,
        "a direct user target"
    );
    assert_eq!(sam.body["oncalls"][0]["end"], Value::Null);
}

// ----- Events API v2 -----

async fn enqueue(h: &Harness, event: Value) -> Answer {
    send(h.http.post(h.url("/v2/enqueue")).json(&event)).await
}

fn trigger_event(dedup_key: Option<&str>, severity: &str) -> Value {
    let mut event = json!({
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "payload": {"summary": "CPU high on web-1", "source": "web-1", "severity": severity},
    });
    if let Some(key) = dedup_key {
        event["dedup_key"] = json!(key);
    }
    event
}

#[tokio::test]
async fn enqueue_triggers_deduplicates_and_closes_by_dedup_key() {
    let h = start().await;
    let first = enqueue(&h, trigger_event(Some("web-1/cpu"), "warning")).await;
    assert_eq!(first.status, 202);
    assert_eq!(
        first.body,
        json!({"status": "success", "message": "Event processed", "dedup_key": "web-1/cpu"})
    );
    let again = enqueue(&h, trigger_event(Some("web-1/cpu"), "critical")).await;
    assert_eq!(again.body["dedup_key"], "web-1/cpu");
    let incidents = h.fake.incidents();
    assert_eq!(
        incidents.len(),
        1,
        "same key, open incident: no new incident"
    );
    assert_eq!(incidents[0].urgency, Urgency::Low, "warning is low urgency");
    assert_eq!(incidents[0].assignees, vec![PAT.to_string()]);
    assert_eq!(incidents[0].incident_key, "web-1/cpu");
    assert_eq!(incidents[0].title, "CPU high on web-1");

    let ack = json!({"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": "web-1/cpu"});
    assert_eq!(enqueue(&h, ack).await.status, 202);
    let incident = h.fake.incident(&incidents[0].id).expect("incident");
    assert_eq!(
        (incident.status, incident.acknowledged_by.clone()),
        (Status::Acknowledged, vec!["PSVC001".to_string()])
    );

    let resolve =
        json!({"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": "web-1/cpu"});
    assert_eq!(enqueue(&h, resolve.clone()).await.status, 202);
    assert_eq!(
        h.fake.incident(&incidents[0].id).map(|i| i.status),
        Some(Status::Resolved)
    );
    assert_eq!(
        enqueue(&h, resolve).await.status,
        202,
        "nothing open: accepted and dropped"
    );

    let reopened = enqueue(&h, trigger_event(Some("web-1/cpu"), "error")).await;
    assert_eq!(reopened.status, 202);
    let incidents = h.fake.incidents();
    assert_eq!(incidents.len(), 2, "a resolved incident is not reopened");
    assert_eq!(incidents[1].urgency, Urgency::High);

    let generated = enqueue(&h, trigger_event(None, "info")).await;
    let key = generated.body["dedup_key"]
        .as_str()
        .expect("a generated key");
    assert_eq!(key.len(), 32);
    assert_eq!(h.fake.incidents()[2].incident_key, key);
}

#[tokio::test]
async fn enqueue_refuses_invalid_events() {
    let h = start().await;
    let routed = h.fake.add_service("PSVC002", "Search", SAM);
    let mut unknown_key = trigger_event(None, "critical");
    unknown_key["routing_key"] = json!("R0UTINGKEY9999999999999999999999");
    let mut short_key = trigger_event(None, "critical");
    short_key["routing_key"] = json!("short");
    let mut bad_severity = trigger_event(None, "catastrophic");
    bad_severity["routing_key"] = json!(routed);
    let mut no_source = trigger_event(None, "critical");
    no_source["payload"] = json!({"summary": "x", "severity": "critical"});
    let no_dedup_ack = json!({"routing_key": ROUTING_KEY, "event_action": "acknowledge"});
    let bad_action =
        json!({"routing_key": ROUTING_KEY, "event_action": "explode", "dedup_key": "k"});
    for event in [
        unknown_key,
        short_key,
        bad_severity,
        no_source,
        no_dedup_ack,
        bad_action,
    ] {
        let answer = enqueue(&h, event.clone()).await;
        assert_eq!(answer.status, 400, "{event}");
        assert_eq!(answer.body["status"], "invalid event", "{event}");
        assert!(answer.body["errors"][0].is_string());
    }
    let not_json = send(h.http.post(h.url("/v2/enqueue")).body("{")).await;
    assert_eq!(
        (not_json.status, not_json.body["status"].as_str()),
        (400, Some("Unrecognized object"))
    );
    assert!(h.fake.incidents().is_empty());

    let mut routed_trigger = trigger_event(None, "critical");
    routed_trigger["routing_key"] = json!(routed);
    assert_eq!(enqueue(&h, routed_trigger).await.status, 202);
    assert_eq!(h.fake.incidents()[0].assignees, vec![SAM.to_string()]);
    assert!(h
        .fake
        .requests()
        .iter()
        .all(|r| r.header("authorization").is_none()));
}

#[tokio::test]
async fn enqueue_can_be_faulted() {
    let h = start().await;
    h.fake
        .inject(Fault::once(Route::Enqueue, FaultKind::ServerError(500)));
    let answer = enqueue(&h, trigger_event(None, "critical")).await;
    assert_eq!(answer.status, 500);
    assert!(
        answer.body["status"].is_string(),
        "Events API error shape: {}",
        answer.text
    );
    assert!(h.fake.incidents().is_empty());
}

// ----- control routes -----

#[tokio::test]
async fn control_routes_drive_the_fake_without_credentials() {
    let h = start().await;
    let control =
        |method: Method, path: &str| h.http.request(method, h.url(&format!("/_fake{path}")));

    let created = send(
        control(Method::POST, "/incidents").json(&json!({"title": "from e2e", "urgency": "low"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().expect("an id").to_string();
    assert_eq!(created.body["assignees"], json!([PAT]));

    let acked = send(control(
        Method::POST,
        &format!("/incidents/{id}/acknowledge?user=PUSER02"),
    ))
    .await;
    assert_eq!(acked.body["status"], "acknowledged", "{}", acked.text);
    assert_eq!(acked.body["acknowledged_by"], json!([SAM]));
    let again = send(control(
        Method::POST,
        &format!("/incidents/{id}/acknowledge"),
    ))
    .await;
    assert_eq!((again.status, again.error_code()), (400, Some(1002)));
    let retriggered = send(control(Method::POST, &format!("/incidents/{id}/retrigger"))).await;
    assert_eq!(retriggered.body["status"], "triggered");
    let resolved = send(control(Method::POST, &format!("/incidents/{id}/resolve"))).await;
    assert_eq!(resolved.body["status"], "resolved");
    let missing = send(control(Method::POST, "/incidents/QNOTHERE/resolve")).await;
    assert_eq!(missing.status, 404);

    let listed = send(control(Method::GET, "/incidents")).await;
    assert_eq!(listed.body[0]["history"].as_array().map(Vec::len), Some(4));

    let fault = Fault::once(Route::UsersMe, FaultKind::Forbidden);
    let injected = send(control(Method::POST, "/faults").json(&fault)).await;
    assert_eq!(injected.status, 204);
    let bad_fault = send(control(Method::POST, "/faults").body("{\"route\":\"Nowhere\"}")).await;
    assert_eq!(
        (bad_fault.status, bad_fault.error_code()),
        (400, Some(2001))
    );
    assert_eq!(send(h.get("/users/me")).await.status, 403);

    let log = send(control(Method::GET, "/requests")).await;
    let log = log.body.as_array().cloned().unwrap_or_default();
    assert_eq!(log.len(), 1, "control requests are not logged");
    assert_eq!(
        (log[0]["path"].as_str(), log[0]["status"].as_u64()),
        (Some("/users/me"), Some(403))
    );
    assert_eq!(send(control(Method::DELETE, "/requests")).await.status, 204);
    assert!(h.fake.requests().is_empty());

    let page = send(control(Method::GET, &format!("/web/incidents/{id}"))).await;
    assert!(page.text.contains("from e2e"), "{}", page.text);
}

#[tokio::test]
async fn html_url_points_at_a_page_the_fake_serves() {
    let h = start().await;
    let id = h
        .fake
        .trigger(NewIncident::new("<script>alert(1)</script>"));
    let wire = send(h.get(&format!("/incidents/{id}"))).await.body;
    let url = wire["incident"]["html_url"]
        .as_str()
        .expect("html_url")
        .to_string();
    assert!(url.starts_with(&h.running.url));
    let page = send(h.http.get(url)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("&lt;script&gt;"),
        "escaped: {}",
        page.text
    );
    assert_eq!(
        wire["incident"]["self"],
        format!("{}/incidents/{id}", h.running.url)
    );
}

#[tokio::test]
async fn a_test_can_give_an_incident_its_own_html_url() {
    let h = start().await;
    let id = h
        .fake
        .trigger(NewIncident::new("Disk full").html_url("file:///etc/passwd"));
    let wire = send(h.get(&format!("/incidents/{id}"))).await.body;
    assert_eq!(wire["incident"]["html_url"], "file:///etc/passwd");
    let created = send(
        h.http
            .post(h.url("/_fake/incidents"))
            .json(&json!({"title": "from e2e", "html_url": "smb://fileserver/share/x.exe"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().expect("an id");
    let wire = send(h.get(&format!("/incidents/{id}"))).await.body;
    assert_eq!(wire["incident"]["html_url"], "smb://fileserver/share/x.exe");
}

// ----- serving -----

#[tokio::test]
async fn shutdown_stops_serving() {
    let fake = FakePagerDuty::new();
    let running = fake
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    let url = format!("{}/users/me", running.url);
    assert!(running.url.starts_with("http://127.0.0.1:") && !running.url.ends_with('/'));
    running.shutdown().await;
    let after = util::client().get(url).send().await;
    assert!(after.is_err(), "nothing listens any more");
}

#[tokio::test]
async fn the_binary_prints_its_address_and_serves_until_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-pagerduty"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let line = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await;
    let line = match line {
        Ok(Ok(Ok(line))) => line,
        other => {
            let _ = child.kill();
            panic!("no listening line: {other:?}");
        }
    };
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let me = send(
        util::client()
            .get(format!("{url}/users/me"))
            .header("Authorization", "Token token=fake-token-pat"),
    )
    .await;
    assert_eq!(me.body["user"]["id"], PAT);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("the binary exits");
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn the_binary_refuses_non_loopback_addresses() {
    let output = Command::new(env!("CARGO_BIN_EXE_fake-pagerduty"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("only loopback addresses"), "{stderr}");
}

#[tokio::test]
async fn control_routes_show_notes_log_and_responder_requests() {
    let h = start().await;
    let control = |path: &str| h.http.get(h.url(&format!("/_fake{path}")));
    let id = h.fake.trigger(NewIncident::new("from e2e"));
    let note = json!({"note": {"content": "on it"}});
    let created = send(h.write(Method::POST, &format!("/incidents/{id}/notes"), note)).await;
    assert_eq!(created.status, 200, "{}", created.text);
    let ask = json!({"requester_id": PAT, "message": "help",
        "responder_request_targets": [{"responder_request_target":
            {"id": SAM, "type": "user_reference"}}]});
    let path = format!("/incidents/{id}/responder_requests");
    assert_eq!(
        send(h.request(Method::POST, &path).json(&ask)).await.status,
        200
    );

    let notes = send(control(&format!("/incidents/{id}/notes"))).await;
    assert_eq!(notes.body[0]["content"], "on it");
    assert_eq!(notes.body[0]["user_id"], PAT);
    let log = send(control(&format!("/incidents/{id}/log_entries"))).await;
    let kinds: Vec<&str> = log
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["trigger", "annotate", "notify"], "oldest first");
    let asked = send(control(&format!("/incidents/{id}/responder_requests"))).await;
    assert_eq!(asked.body[0]["targets"], json!([{"User": SAM}]));
    let missing = send(control("/incidents/QNOTHERE/notes")).await;
    assert_eq!(missing.status, 404);
}

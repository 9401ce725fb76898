//! Behaviour of schedules, timelines, who is on call, overrides and users, over loopback
//! HTTP. The account is `util::add_rota`'s: "Payments rota" with rotation "Primary" (Pat
//! and Sam in 4-hour turns from 2024-05-01T00:00Z) beside rotation "Secondary" (Alex,
//! 10:00–14:00 that day), and "Search rota" (Sam, weekly); the clock stands at 09:00.

mod util;

use chrono::Duration;
use oncall_fake_opsgenie::{
    Fault, FaultKind, OverrideTaker, RotationSpec, Route, ScheduleSpec, TurnLength,
};
use serde_json::{json, Value};
use util::{add_rota, send, start_at, time, Answer, Harness, Rota, ALEX, PAT, ROTA, SAM};

const NINE: &str = "2024-05-01T09:00:00Z";

/// `name` as one path segment.
fn segment(name: &str) -> String {
    url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A time shortened to `HH` on 2024-05-01 or `dDD HH` on other days.
fn short(at: &Value) -> String {
    let at = at.as_str().unwrap_or_else(|| panic!("not a time: {at}"));
    match at.strip_prefix("2024-05-01T") {
        Some(rest) => rest[..2].to_string(),
        None => format!("d{} {}", &at[8..10], &at[11..13]),
    }
}

/// `(recipient name, start, end, type)` of each period of a timeline rotation.
fn periods(rotation: &Value) -> Vec<(String, String, String, String)> {
    rotation["periods"]
        .as_array()
        .unwrap_or_else(|| panic!("no periods in {rotation}"))
        .iter()
        .map(|p| {
            (
                p["recipient"]["name"].as_str().unwrap_or("?").to_string(),
                short(&p["startDate"]),
                short(&p["endDate"]),
                p["type"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

fn p(who: &str, start: &str, end: &str, kind: &str) -> (String, String, String, String) {
    (who.into(), start.into(), end.into(), kind.into())
}

/// The day 2024-05-01 of the payments rota's timeline (base and override expanded).
async fn day(h: &Harness) -> Answer {
    let path = format!(
        "/v2/schedules/{}/timeline?identifierType=name&date=2024-05-01T00:00:00Z\
         &interval=1&intervalUnit=days&expand=base,override",
        segment(ROTA)
    );
    let answer = send(h.get(&path)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer
}

async fn rota() -> (Harness, Rota) {
    let h = start_at(NINE).await;
    let rota = add_rota(&h.fake);
    (h, rota)
}

#[tokio::test]
async fn a_timeline_renders_each_rotation_side_by_side() {
    let (h, _) = rota().await;
    let answer = day(&h).await;
    let data = &answer.body["data"];
    assert_eq!(short(&data["startDate"]), "00");
    assert_eq!(short(&data["endDate"]), "d02 00");
    assert_eq!(data["_parent"]["name"], ROTA);
    let primary = &data["finalTimeline"]["rotations"][0];
    assert_eq!(primary["name"], "Primary");
    assert_eq!(primary["order"], 0.0);
    assert_eq!(
        periods(primary),
        [
            p(PAT, "00", "04", "default"),
            p(SAM, "04", "08", "default"),
            p(PAT, "08", "12", "default"),
            p(SAM, "12", "16", "default"),
            p(PAT, "16", "20", "default"),
            p(SAM, "20", "d02 00", "default"),
        ]
    );
    let secondary = &data["finalTimeline"]["rotations"][1];
    assert_eq!(periods(secondary), [p(ALEX, "10", "14", "default")]);
    assert_eq!(
        data["baseTimeline"], data["finalTimeline"],
        "no overrides yet"
    );
    assert_eq!(
        data["overrideTimeline"]["rotations"][0]["periods"],
        json!([])
    );
    assert_eq!(data.get("forwardingTimeline"), None, "not asked for");
    assert_eq!(
        answer.body["expandable"],
        json!(["base", "forwarding", "override"])
    );

    // Defaults: from now, for one week; nothing expanded.
    let path = format!(
        "/v2/schedules/{}/timeline?identifierType=name",
        segment(ROTA)
    );
    let week = send(h.get(&path)).await;
    assert_eq!(short(&week.body["data"]["startDate"]), "09");
    assert_eq!(short(&week.body["data"]["endDate"]), "d08 09");
    assert_eq!(week.body["data"].get("baseTimeline"), None);
    let first = &periods(&week.body["data"]["finalTimeline"]["rotations"][0])[0];
    assert_eq!(first, &p(PAT, "09", "12", "default"), "cut at the start");
    let months = send(h.get(&format!(
        "{path}&interval=2&intervalUnit=months&date=2024-05-01T00:00:00Z"
    )))
    .await;
    assert_eq!(short(&months.body["data"]["endDate"]), "d01 00");
    assert!(months.body["data"]["endDate"]
        .as_str()
        .is_some_and(|end| end.starts_with("2024-07-01")));
    for bad in [
        "interval=0",
        "intervalUnit=years",
        "date=tomorrow",
        "interval=13&intervalUnit=months",
    ] {
        let refused = send(h.get(&format!("{path}&{bad}"))).await;
        assert_eq!(refused.status, 422, "{bad}: {}", refused.text);
    }
}

#[tokio::test]
async fn overrides_win_in_the_final_timeline_the_last_created_first() {
    let (h, rota) = rota().await;
    let path = format!("/v2/schedules/{}/overrides", rota.payments);
    let everywhere = send(h.post(
        &path,
        json!({"user": {"type": "user", "username": ALEX},
               "startDate": "2024-05-01T09:00:00Z", "endDate": "2024-05-01T11:00:00Z"}),
    ))
    .await;
    assert_eq!(everywhere.status, 201, "{}", everywhere.text);
    let generated = everywhere.body["data"]["alias"]
        .as_str()
        .unwrap()
        .to_string();
    let on_primary = send(h.post(
        &path,
        json!({"alias": "sam-covers", "user": {"type": "user", "id": rota.sam},
               "startDate": "2024-05-01T10:00:00Z", "endDate": "2024-05-01T12:00:00Z",
               "rotations": [{"name": "Primary"}]}),
    ))
    .await;
    assert_eq!(on_primary.body["data"]["alias"], "sam-covers");

    let answer = day(&h).await;
    let data = &answer.body["data"];
    assert_eq!(
        periods(&data["finalTimeline"]["rotations"][0]),
        [
            p(PAT, "00", "04", "default"),
            p(SAM, "04", "08", "default"),
            p(PAT, "08", "09", "default"),
            p(ALEX, "09", "10", "override"),
            p(SAM, "10", "12", "override"),
            p(SAM, "12", "16", "default"),
            p(PAT, "16", "20", "default"),
            p(SAM, "20", "d02 00", "default"),
        ]
    );
    assert_eq!(
        periods(&data["finalTimeline"]["rotations"][1]),
        [
            p(ALEX, "09", "11", "override"),
            p(ALEX, "11", "14", "default")
        ],
        "an override without rotations covers every rotation, active or not"
    );
    assert_eq!(
        periods(&data["overrideTimeline"]["rotations"][0]),
        [
            p(ALEX, "09", "10", "override"),
            p(SAM, "10", "12", "override")
        ]
    );
    assert_eq!(periods(&data["baseTimeline"]["rotations"][0]).len(), 6);

    // PUT replaces the override (it keeps its precedence); `none` leaves a gap.
    let updated = send(h.put(
        &format!("{path}/{generated}"),
        json!({"user": {"type": "none"},
               "startDate": "2024-05-01T13:00:00Z", "endDate": "2024-05-01T15:00:00Z"}),
    ))
    .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["data"]["alias"], generated.as_str());
    let after = day(&h).await;
    assert_eq!(
        periods(&after.body["data"]["finalTimeline"]["rotations"][1]),
        [p(ALEX, "10", "13", "default")]
    );
    assert_eq!(
        periods(&after.body["data"]["overrideTimeline"]["rotations"][1]),
        [p("none", "13", "15", "override")]
    );
    let listed = send(h.get(&path)).await;
    let aliases: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["alias"].as_str())
        .collect();
    assert_eq!(aliases, [generated.as_str(), "sam-covers"]);
    let one = send(h.get(&format!("{path}/sam-covers"))).await;
    assert_eq!(one.body["data"]["user"]["username"], SAM);
    assert_eq!(one.body["data"]["rotations"][0]["name"], "Primary");

    for alias in [generated.as_str(), "sam-covers"] {
        let deleted = send(h.delete(&format!("{path}/{alias}"))).await;
        assert_eq!(deleted.status, 200, "{}", deleted.text);
        assert_eq!(deleted.body["result"], "Deleted");
    }
    assert_eq!(
        send(h.delete(&format!("{path}/sam-covers"))).await.status,
        404
    );
    assert_eq!(send(h.get(&format!("{path}/sam-covers"))).await.status, 404);
    let restored = day(&h).await;
    assert_eq!(
        restored.body["data"]["finalTimeline"],
        restored.body["data"]["baseTimeline"]
    );
    assert!(h.fake.overrides(ROTA).is_empty());
}

#[tokio::test]
async fn override_requests_are_checked() {
    let (h, rota) = rota().await;
    let path = format!("/v2/schedules/{}/overrides", segment(ROTA));
    let by_name = format!("{path}?scheduleIdentifierType=name");
    let valid = json!({"user": {"type": "user", "username": PAT},
                       "startDate": "2024-05-01T12:00:00Z", "endDate": "2024-05-01T16:00:00Z"});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    let mut no_user = valid.clone();
    no_user.as_object_mut().unwrap().remove("user");
    for (what, body) in [
        ("no user", no_user),
        (
            "unknown user",
            with(
                "user",
                json!({"type": "user", "username": "nobody@example.com"}),
            ),
        ),
        ("a team", with("user", json!({"type": "team", "id": "t1"}))),
        (
            "end before start",
            with("endDate", json!("2024-05-01T11:00:00Z")),
        ),
        ("no end", with("endDate", Value::Null)),
        (
            "unknown rotation",
            with("rotations", json!([{"name": "Tertiary"}])),
        ),
    ] {
        let refused = send(h.post(&by_name, body)).await;
        assert_eq!(refused.status, 422, "{what}: {}", refused.text);
        assert!(refused.body["message"].is_string(), "{what}");
    }
    let not_json = send(
        h.request(reqwest::Method::POST, &by_name)
            .header("Content-Type", "application/json")
            .body("{"),
    )
    .await;
    assert_eq!(not_json.status, 400);
    assert_eq!(
        send(h.post(&path, valid.clone())).await.status,
        404,
        "a name read as an id"
    );
    assert_eq!(
        send(h.post(&format!("{path}?identifierType=name"), valid.clone()))
            .await
            .status,
        404,
        "overrides read scheduleIdentifierType, not identifierType"
    );
    let created = send(h.post(&by_name, with("alias", json!("mine")))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let again = send(h.post(&by_name, with("alias", json!("mine")))).await;
    assert_eq!(again.status, 422, "an alias is unique: {}", again.text);
    let missing = send(h.put(&format!("{path}/nope?scheduleIdentifierType=name"), valid)).await;
    assert_eq!(missing.status, 404);

    let overrides = h.fake.overrides(&rota.payments);
    assert_eq!(overrides.len(), 1);
    assert_eq!(overrides[0].alias, "mine");
    assert_eq!(overrides[0].taker, OverrideTaker::User(rota.pat.clone()));
    assert_eq!(overrides[0].start, time("2024-05-01T12:00:00Z"));
    assert!(overrides[0].rotation_ids.is_empty());
}

#[tokio::test]
async fn on_calls_now_and_next_at_a_given_date() {
    let (h, rota) = rota().await;
    let base = format!("/v2/schedules/{}", rota.payments);
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap_or_else(|| panic!("not a list: {list}"))
            .iter()
            .map(|v| v.as_str().or(v["name"].as_str()).unwrap_or("?").to_string())
            .collect()
    };
    let now = send(h.get(&format!("{base}/on-calls"))).await;
    assert_eq!(now.status, 200, "{}", now.text);
    assert_eq!(names(&now.body["data"]["onCallParticipants"]), [PAT]);
    assert_eq!(
        now.body["data"]["onCallParticipants"][0]["id"],
        rota.pat.as_str()
    );
    assert_eq!(now.body["data"]["onCallParticipants"][0]["type"], "user");
    assert_eq!(now.body["data"]["_parent"]["id"], rota.payments.as_str());
    let eleven = send(h.get(&format!(
        "{base}/on-calls?date=2024-05-01T11:00:00Z&flat=true"
    )))
    .await;
    assert_eq!(names(&eleven.body["data"]["onCallRecipients"]), [PAT, ALEX]);
    assert_eq!(eleven.body["data"].get("onCallParticipants"), None);

    // Next: whoever takes each rotation over (Sam at 12, Alex at 10); exact next: the
    // whole schedule at its next change (10:00).
    let next = send(h.get(&format!("{base}/next-on-calls"))).await;
    assert_eq!(next.status, 200, "{}", next.text);
    assert_eq!(
        names(&next.body["data"]["nextOnCallRecipients"]),
        [SAM, ALEX]
    );
    assert_eq!(
        names(&next.body["data"]["exactNextOnCallRecipients"]),
        [PAT, ALEX]
    );
    let flat = send(h.get(&format!(
        "{base}/next-on-calls?flat=true&date=2024-05-01T13:00:00Z"
    )))
    .await;
    assert_eq!(names(&flat.body["data"]["nextOnCallParticipants"]), [PAT]);
    assert_eq!(
        names(&flat.body["data"]["exactNextOnCallParticipants"]),
        [SAM]
    );
    assert_eq!(flat.body["data"].get("nextOnCallRecipients"), None);

    // An override now changes who is on call; the clock moving does too.
    h.fake
        .add_override(ROTA, Some(SAM), time(NINE), time("2024-05-01T09:30:00Z"));
    let covered = send(h.get(&format!("{base}/on-calls?flat=true"))).await;
    assert_eq!(names(&covered.body["data"]["onCallRecipients"]), [SAM]);
    h.clock.as_ref().unwrap().advance(Duration::hours(3));
    let noon = send(h.get(&format!("{base}/on-calls?flat=true"))).await;
    assert_eq!(names(&noon.body["data"]["onCallRecipients"]), [SAM, ALEX]);

    let all = send(h.get("/v2/schedules/on-calls?flat=true&date=2024-05-01T11:00:00Z")).await;
    assert_eq!(all.status, 200, "{}", all.text);
    let data = all.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["_parent"]["name"], ROTA);
    assert_eq!(names(&data[0]["onCallRecipients"]), [PAT, ALEX]);
    assert_eq!(names(&data[1]["onCallRecipients"]), [SAM]);
    assert_eq!(
        send(h.get(&format!("{base}/on-calls?flat=maybe")))
            .await
            .status,
        422
    );
}

#[tokio::test]
async fn schedules_are_found_by_id_or_by_name() {
    let (h, rota) = rota().await;
    let by_id = send(h.get(&format!("/v2/schedules/{}", rota.payments))).await;
    assert_eq!(by_id.status, 200, "{}", by_id.text);
    let schedule = &by_id.body["data"];
    assert_eq!(schedule["name"], ROTA);
    assert_eq!(schedule["enabled"], true);
    let primary = &schedule["rotations"][0];
    assert_eq!(
        (primary["type"].as_str(), primary["length"].as_i64()),
        (Some("hourly"), Some(4))
    );
    assert_eq!(primary["participants"][1]["username"], SAM);
    assert_eq!(short(&schedule["rotations"][1]["endDate"]), "14");
    let by_name = send(h.get(&format!(
        "/v2/schedules/{}?identifierType=name",
        segment(ROTA)
    )))
    .await;
    assert_eq!(by_name.body["data"], by_id.body["data"]);
    let name_as_id = send(h.get(&format!("/v2/schedules/{}", segment(ROTA)))).await;
    assert_eq!(name_as_id.status, 404);
    assert!(name_as_id.body["message"].as_str().unwrap().contains(ROTA));
    let odd = send(h.get(&format!(
        "/v2/schedules/{}?identifierType=tiny",
        rota.payments
    )))
    .await;
    assert_eq!(odd.status, 422);
    let on_calls_by_name = format!("/v2/schedules/{}/on-calls", segment(ROTA));
    assert_eq!(
        send(h.get(&format!("{on_calls_by_name}?scheduleIdentifierType=name")))
            .await
            .status,
        200
    );
    assert_eq!(
        send(h.get(&format!("{on_calls_by_name}?identifierType=name")))
            .await
            .status,
        404,
        "on-calls read scheduleIdentifierType"
    );

    let list = send(h.get("/v2/schedules")).await;
    assert_eq!(list.body["expandable"], json!(["rotation"]));
    let listed = list.body["data"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["id"], rota.search.as_str());
    assert_eq!(listed[0].get("rotations"), None, "not expanded");
    let expanded = send(h.get("/v2/schedules?expand=rotation")).await;
    assert_eq!(expanded.body["data"][1]["rotations"][0]["type"], "weekly");
}

#[tokio::test]
async fn users_are_found_by_id_or_username_with_their_schedules() {
    let (h, rota) = rota().await;
    let by_name = send(h.get(&format!("/v2/users/{PAT}"))).await;
    assert_eq!(by_name.status, 200, "{}", by_name.text);
    assert_eq!(by_name.body["data"]["id"], rota.pat.as_str());
    assert_eq!(by_name.body["data"]["fullName"], "Pat Oncall");
    assert_eq!(by_name.body["data"]["timeZone"], "Europe/London");
    assert_eq!(by_name.body["expandable"], json!(["contact"]));
    let by_id = send(h.get(&format!("/v2/users/{}", rota.pat))).await;
    assert_eq!(by_id.body["data"], by_name.body["data"]);
    assert_eq!(
        send(h.get("/v2/users/nobody@example.com")).await.status,
        404
    );
    assert_eq!(
        send(h.get("/v2/users/nobody@example.com/schedules"))
            .await
            .status,
        404
    );

    let schedule_names = |answer: &Answer| -> Vec<String> {
        answer.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    let sams = send(h.get(&format!("/v2/users/{SAM}/schedules"))).await;
    assert_eq!(schedule_names(&sams), [ROTA, "Search rota"]);
    let newcomer = h.fake.add_user("kim@example.com", "Kim New", "Asia/Tokyo");
    let before = send(h.get(&format!("/v2/users/{newcomer}/schedules"))).await;
    assert!(schedule_names(&before).is_empty());
    h.fake.add_override(
        &rota.search,
        Some("kim@example.com"),
        time(NINE),
        time("2024-05-02T09:00:00Z"),
    );
    let after = send(h.get(&format!("/v2/users/{newcomer}/schedules"))).await;
    assert_eq!(
        schedule_names(&after),
        ["Search rota"],
        "an override counts"
    );
}

#[tokio::test]
async fn a_key_without_configuration_access_gets_403_but_alerts_still_work() {
    let (h, rota) = rota().await;
    h.fake.add_restricted_api_key("alerts-only");
    let restricted = |method: reqwest::Method, path: &str| {
        h.http
            .request(method, format!("{}{path}", h.running.url))
            .header("Authorization", "GenieKey alerts-only")
    };
    let schedule = format!("/v2/schedules/{}", rota.payments);
    for path in [
        "/v2/schedules".to_string(),
        "/v2/schedules/on-calls".to_string(),
        schedule.clone(),
        format!("{schedule}/timeline"),
        format!("{schedule}/on-calls"),
        format!("{schedule}/next-on-calls"),
        format!("{schedule}/overrides"),
        format!("/v2/users/{PAT}"),
        format!("/v2/users/{PAT}/schedules"),
    ] {
        let answer = send(restricted(reqwest::Method::GET, &path)).await;
        assert_eq!(answer.status, 403, "{path}: {}", answer.text);
        assert!(answer.body["requestId"].is_string());
    }
    let create = restricted(reqwest::Method::POST, &format!("{schedule}/overrides"))
        .json(&json!({"user": {"type": "user", "username": PAT},
                "startDate": "2024-05-01T12:00:00Z", "endDate": "2024-05-01T13:00:00Z"}));
    assert_eq!(send(create).await.status, 403);
    assert!(h.fake.overrides(&rota.payments).is_empty());
    let alerts = send(restricted(reqwest::Method::GET, "/v2/alerts")).await;
    assert_eq!(alerts.status, 200, "{}", alerts.text);
    assert_eq!(
        send(h.get("/v2/schedules")).await.status,
        200,
        "API_KEY has access"
    );
}

#[tokio::test]
async fn schedule_routes_can_be_faulted_and_are_logged() {
    let (h, rota) = rota().await;
    h.fake.inject(Fault::once(
        Route::ScheduleTimeline,
        FaultKind::RateLimited {
            period_secs: Some(10),
        },
    ));
    h.fake.inject(Fault::once(
        Route::CreateOverride,
        FaultKind::ServerError(502),
    ));
    h.fake
        .inject(Fault::once(Route::ListOnCalls, FaultKind::MalformedBody));
    let timeline = format!("/v2/schedules/{}/timeline", rota.payments);
    assert_eq!(
        send(h.get(&format!("/v2/schedules/{}/on-calls", rota.payments)))
            .await
            .status,
        200,
        "a fault waits for its route"
    );
    assert_eq!(send(h.get(&timeline)).await.status, 429);
    assert_eq!(send(h.get(&timeline)).await.status, 200);
    let overrides = format!("/v2/schedules/{}/overrides", rota.payments);
    let body = json!({"user": {"type": "user", "username": PAT},
                      "startDate": "2024-05-01T12:00:00Z", "endDate": "2024-05-01T13:00:00Z"});
    assert_eq!(send(h.post(&overrides, body.clone())).await.status, 502);
    assert!(
        h.fake.overrides(&rota.payments).is_empty(),
        "a faulted request does nothing"
    );
    assert_eq!(send(h.post(&overrides, body)).await.status, 201);
    let garbled = send(h.get("/v2/schedules/on-calls")).await;
    assert_eq!(garbled.body, Value::Null, "cut short: {}", garbled.text);
    let log: Vec<(String, String, u16)> = h
        .fake
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.status))
        .collect();
    assert_eq!(log.len(), 6);
    assert_eq!(log[1], ("GET".to_string(), timeline.clone(), 429));
    assert_eq!(log[3], ("POST".to_string(), overrides.clone(), 502));
    assert_eq!(log[5].2, 200);
}

/// A demo's rotation: shifts of minutes that start and end while one watches.
#[tokio::test]
async fn a_rotation_in_minutes_hands_over_as_the_clock_moves() {
    let h = start_at(NINE).await;
    h.fake.add_user(PAT, "Pat Oncall", "Europe/London");
    h.fake.add_user(SAM, "Sam Second", "Europe/London");
    let id = h
        .fake
        .add_schedule(ScheduleSpec::new("Demo").rotation(RotationSpec::new(
            &[PAT, SAM],
            time("2024-05-01T09:02:00Z"),
            TurnLength::Minutes(5),
        )));
    let path = format!("/v2/schedules/{id}/on-calls?flat=true");
    let on_call = || async { send(h.get(&path)).await.body["data"]["onCallRecipients"].clone() };
    assert_eq!(on_call().await, json!([]), "not started");
    let next = send(h.get(&format!("/v2/schedules/{id}/next-on-calls?flat=true"))).await;
    assert_eq!(
        next.body["data"]["exactNextOnCallParticipants"],
        json!([PAT])
    );
    let clock = h.clock.as_ref().unwrap();
    clock.advance(Duration::minutes(3));
    assert_eq!(on_call().await, json!([PAT]));
    clock.advance(Duration::minutes(5));
    assert_eq!(on_call().await, json!([SAM]));
    let schedule = send(h.get(&format!("/v2/schedules/{id}"))).await;
    let rotation = &schedule.body["data"]["rotations"][0];
    assert_eq!(
        rotation.get("type"),
        None,
        "Opsgenie has no word for minutes"
    );
    assert_eq!(rotation.get("length"), None);
    let timeline = send(h.get(&format!(
        "/v2/schedules/{id}/timeline?interval=1&intervalUnit=days&date=2024-05-01T09:00:00Z"
    )))
    .await;
    let periods = timeline.body["data"]["finalTimeline"]["rotations"][0]["periods"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        periods,
        (24 * 60 - 2) / 5 + 1,
        "a period per turn, the last cut at the day's end"
    );
}

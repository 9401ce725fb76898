//! Behaviour of schedules, overrides, escalation policies and the on-calls derived from
//! them, over loopback HTTP. The rotation used throughout is `util::add_rotation`'s:
//! Pat and Sam in 4-hour turns from 2024-05-01T00:00Z, Alex on top from 10:00 to 14:00;
//! the fake's clock starts at 09:00 (Pat's turn 08–12, covered by Alex from 10:00).

mod util;

use oncall_fake_pagerduty::{FakeOverride, Fault, FaultKind, Route};
use reqwest::Method;
use serde_json::{json, Value};
use util::{add_rotation, send, start, time, Answer, Harness, ALEX, PAT, ROTA, ROTA_POLICY, SAM};

/// `[user, start, end]` of each entry, with times shortened to `HH` of 2024-05-01 or
/// `dDD HH` for other days (`-` for null).
fn entries(list: &Value) -> Vec<(String, String, String)> {
    let short = |at: &Value| {
        let Some(at) = at.as_str() else {
            return "-".to_string();
        };
        match at.strip_prefix("2024-05-01T") {
            Some(rest) => rest[..2].to_string(),
            None => format!("d{} {}", &at[8..10], &at[11..13]),
        }
    };
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|e| {
            let user = e["user"]["id"].as_str().unwrap_or("?").to_string();
            (user, short(&e["start"]), short(&e["end"]))
        })
        .collect()
}

fn e(user: &str, start: &str, end: &str) -> (String, String, String) {
    (user.to_string(), start.to_string(), end.to_string())
}

async fn final_entries(h: &Harness, query: &str) -> Vec<(String, String, String)> {
    let answer = send(h.get(&format!("/schedules/{ROTA}?{query}"))).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    entries(&answer.body["schedule"]["final_schedule"]["rendered_schedule_entries"])
}

async fn create_overrides(h: &Harness, items: &[(&str, &str, &str)]) -> Answer {
    let overrides: Vec<Value> = items
        .iter()
        .map(|(user, start, end)| {
            json!({"start": start, "end": end, "user": {"id": user, "type": "user_reference"}})
        })
        .collect();
    let path = format!("/schedules/{ROTA}/overrides");
    send(
        h.request(Method::POST, &path)
            .json(&json!({ "overrides": overrides })),
    )
    .await
}

const DAY: &str = "since=2024-05-01T00:00:00Z&until=2024-05-01T16:00:00Z";

#[tokio::test]
async fn a_rotation_renders_turns_and_a_higher_layer_covers_its_hours() {
    let h = start().await;
    add_rotation(&h.fake);
    assert_eq!(
        final_entries(&h, DAY).await,
        vec![
            e(PAT, "00", "04"),
            e(SAM, "04", "08"),
            e(PAT, "08", "10"),
            e(ALEX, "10", "14"),
            e(SAM, "14", "16"),
        ]
    );
    let answer = send(h.get(&format!("/schedules/{ROTA}?{DAY}"))).await;
    let schedule = &answer.body["schedule"];
    let layers = &schedule["schedule_layers"];
    assert_eq!(
        entries(&layers[0]["rendered_schedule_entries"]),
        vec![
            e(PAT, "00", "04"),
            e(SAM, "04", "08"),
            e(PAT, "08", "12"),
            e(SAM, "12", "16")
        ]
    );
    assert_eq!(layers[0]["rotation_turn_length_seconds"], 14_400);
    assert_eq!(layers[0]["end"], Value::Null);
    assert_eq!(layers[1]["rendered_coverage_percentage"], 25.0);
    assert_eq!(
        schedule["final_schedule"]["rendered_coverage_percentage"],
        100.0
    );
    assert_eq!(schedule["final_schedule"]["name"], "Final Schedule");
    assert_eq!(
        schedule["overrides_subschedule"]["rendered_schedule_entries"],
        json!([])
    );

    // Entries crossing the range are cut at it, unless overflow=true.
    let cut = "since=2024-05-01T09:00:00Z&until=2024-05-01T11:00:00Z";
    assert_eq!(
        final_entries(&h, cut).await,
        vec![e(PAT, "09", "10"), e(ALEX, "10", "11")]
    );
    assert_eq!(
        final_entries(&h, &format!("{cut}&overflow=true")).await,
        vec![e(PAT, "08", "10"), e(ALEX, "10", "14")]
    );
    // Only `since`: two weeks from it; nothing asked: no entries and no coverage.
    let since_only = final_entries(&h, "since=2024-05-14T20:00:00Z").await;
    assert_eq!(since_only.last(), Some(&e(PAT, "d28 16", "d28 20")));
    let bare = send(h.get(&format!("/schedules/{ROTA}"))).await;
    let final_schedule = &bare.body["schedule"]["final_schedule"];
    assert_eq!(final_schedule.get("rendered_schedule_entries"), None);
    assert_eq!(final_schedule["rendered_coverage_percentage"], Value::Null);
    assert_eq!(
        bare.body["schedule"]["escalation_policies"][0]["id"],
        ROTA_POLICY
    );
}

#[tokio::test]
async fn the_seeded_schedule_is_pats_shift_around_the_first_look() {
    let h = start().await;
    h.clock.advance(3600);
    let answer =
        send(h.get("/schedules/PSCHED1?since=2024-05-01T00:00:00Z&until=2024-05-02T00:00:00Z"))
            .await;
    assert_eq!(
        entries(&answer.body["schedule"]["final_schedule"]["rendered_schedule_entries"]),
        vec![e(PAT, "08", "18")]
    );
    h.clock.advance(3600);
    let oncalls = send(h.get("/oncalls?user_ids[]=PUSER01")).await;
    assert_eq!(
        entries(&oncalls.body["oncalls"]),
        vec![e(PAT, "08", "18")],
        "fixed at the first look"
    );
}

#[tokio::test]
async fn schedules_list_by_name_with_includes_and_pages() {
    let h = start().await;
    add_rotation(&h.fake);
    let all = send(h.get("/schedules")).await;
    let names: Vec<&str> = all.body["schedules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, vec!["Payments rota", "Primary"]);
    assert_eq!(
        all.body["schedules"][0].get("final_schedule"),
        None,
        "not asked for"
    );

    let found = send(h.get(&format!(
        "/schedules?query=ROTA&include[]=final_schedule&{DAY}"
    )))
    .await;
    assert_eq!(found.body["schedules"].as_array().map(Vec::len), Some(1));
    let schedule = &found.body["schedules"][0];
    assert_eq!(schedule.get("schedule_layers"), None);
    assert_eq!(
        entries(&schedule["final_schedule"]["rendered_schedule_entries"]).len(),
        5
    );

    let second = send(h.get("/schedules?limit=1&offset=1")).await;
    assert_eq!(second.body["schedules"][0]["id"], "PSCHED1");
    assert_eq!(second.body["more"], false);

    let backwards =
        send(h.get("/schedules?since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z")).await;
    assert_eq!(
        (backwards.status, backwards.error_code()),
        (400, Some(2005))
    );
}

#[tokio::test]
async fn schedule_users_are_those_on_call_in_the_range() {
    let h = start().await;
    add_rotation(&h.fake);
    let ids = |answer: &Answer| -> Vec<String> {
        answer.body["users"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u["id"].as_str().map(str::to_string))
            .collect()
    };
    let morning = send(h.get(&format!(
        "/schedules/{ROTA}/users?since=2024-05-01T09:00:00Z&until=2024-05-01T11:00:00Z"
    )))
    .await;
    assert_eq!(ids(&morning), vec![PAT, ALEX]);
    assert_eq!(morning.body["users"][1]["email"], "alex@example.com");
    let everyone = send(h.get(&format!("/schedules/{ROTA}/users"))).await;
    assert_eq!(ids(&everyone), vec![PAT, SAM, ALEX]);
    assert_eq!(send(h.get("/schedules/PNOPE/users")).await.status, 404);
}

#[tokio::test]
async fn oncalls_have_one_row_per_shift_and_earliest_gives_now_and_next() {
    let h = start().await;
    add_rotation(&h.fake);
    let policy = format!("escalation_policy_ids[]={ROTA_POLICY}");
    let day = "since=2024-05-01T09:00:00Z&until=2024-05-01T23:00:00Z";
    let rows = send(h.get(&format!("/oncalls?{policy}&{day}"))).await;
    assert_eq!(rows.status, 200, "{}", rows.text);
    let oncalls = rows.body["oncalls"].as_array().cloned().unwrap_or_default();
    let (level1, level2): (Vec<Value>, Vec<Value>) = oncalls
        .into_iter()
        .partition(|o| o["escalation_level"] == 1);
    assert_eq!(
        entries(&Value::Array(level1.clone())),
        vec![
            e(PAT, "08", "10"),
            e(ALEX, "10", "14"),
            e(SAM, "14", "16"),
            e(PAT, "16", "20"),
            e(SAM, "20", "d02 00"),
        ],
        "not truncated at since/until"
    );
    assert!(level1.iter().all(|o| o["schedule"]["id"] == ROTA));
    assert_eq!(level2.len(), 1);
    assert_eq!(
        (level2[0]["user"]["id"].as_str(), &level2[0]["start"]),
        (Some(SAM), &Value::Null)
    );

    let earliest = send(h.get(&format!("/oncalls?{policy}&{day}&earliest=true"))).await;
    assert_eq!(
        entries(&earliest.body["oncalls"]),
        vec![
            e(PAT, "08", "10"),
            e(ALEX, "10", "14"),
            e(SAM, "14", "16"),
            e(SAM, "-", "-")
        ]
    );

    // Now (09:00) only: Pat; a shift starting exactly at `until` overlaps it too.
    let now = send(h.get(&format!("/oncalls?{policy}&schedule_ids[]={ROTA}"))).await;
    assert_eq!(entries(&now.body["oncalls"]), vec![e(PAT, "08", "10")]);
    let edge = send(h.get(&format!(
        "/oncalls?{policy}&schedule_ids[]={ROTA}&since=2024-05-01T10:00:00Z&until=2024-05-01T10:00:00Z"
    )))
    .await;
    assert_eq!(entries(&edge.body["oncalls"]), vec![e(ALEX, "10", "14")]);

    // `null` among schedule_ids[] brings the permanent (direct user) on-calls back.
    let with_null = send(h.get(&format!(
        "/oncalls?{policy}&schedule_ids[]={ROTA}&schedule_ids[]=null"
    )))
    .await;
    let users: Vec<&str> = with_null.body["oncalls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["user"]["id"].as_str())
        .collect();
    assert_eq!(users, vec![PAT, SAM]);
    let only_null = send(h.get(&format!("/oncalls?{policy}&schedule_ids[]=null"))).await;
    assert_eq!(only_null.body["oncalls"].as_array().map(Vec::len), Some(1));

    // "My next shifts": Sam's, across both levels.
    let sams = send(h.get(&format!(
        "/oncalls?user_ids[]={SAM}&{day}&schedule_ids[]={ROTA}"
    )))
    .await;
    assert_eq!(
        entries(&sams.body["oncalls"]),
        vec![e(SAM, "14", "16"), e(SAM, "20", "d02 00")]
    );
}

#[tokio::test]
async fn overrides_are_created_per_item_and_the_last_created_wins() {
    let h = start().await;
    add_rotation(&h.fake);
    let created = create_overrides(
        &h,
        &[
            (SAM, "2024-05-01T01:00:00Z", "2024-05-01T03:00:00Z"),
            (ALEX, "2024-05-01T02:00:00+02:00", "2024-05-01T02:00:00Z"),
            (PAT, "2024-05-01T05:00:00Z", "2024-05-01T05:00:00Z"),
            ("PNOBODY", "2024-05-01T05:00:00Z", "2024-05-01T06:00:00Z"),
        ],
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let statuses: Vec<i64> = created
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["status"].as_i64())
        .collect();
    assert_eq!(statuses, vec![201, 201, 400, 400]);
    assert_eq!(
        created.body[2]["errors"],
        json!(["Override must end after its start"])
    );
    assert_eq!(created.body[2]["override"].get("id"), None);
    assert_eq!(created.body[3]["errors"], json!(["User not found"]));
    assert_eq!(
        created.body[1]["override"]["start"], "2024-05-01T00:00:00Z",
        "offsets are read"
    );

    assert_eq!(
        final_entries(&h, DAY).await[..3],
        [e(ALEX, "00", "02"), e(SAM, "02", "03"), e(PAT, "03", "04")],
        "Alex's later override covers Sam's where they overlap"
    );
    let overrides = h.fake.overrides(ROTA);
    assert_eq!(overrides.len(), 2);
    assert_eq!(
        overrides[1],
        FakeOverride {
            id: created.body[1]["override"]["id"]
                .as_str()
                .unwrap_or("?")
                .to_string(),
            user_id: ALEX.into(),
            start: time("2024-05-01T00:00:00Z"),
            end: time("2024-05-01T02:00:00Z"),
        }
    );

    let answer = send(h.get(&format!("/schedules/{ROTA}?{DAY}"))).await;
    assert_eq!(
        entries(&answer.body["schedule"]["overrides_subschedule"]["rendered_schedule_entries"]),
        vec![e(ALEX, "00", "02"), e(SAM, "02", "03")]
    );
    let rows = send(h.get(&format!("/oncalls?schedule_ids[]={ROTA}&{DAY}"))).await;
    assert_eq!(
        entries(&rows.body["oncalls"])[..2],
        [e(ALEX, "00", "02"), e(SAM, "02", "03")]
    );

    // Listing: both overlap the range; cut at it unless overflow=true; 201 as documented.
    let path = format!("/schedules/{ROTA}/overrides");
    let range = "since=2024-05-01T01:30:00Z&until=2024-05-01T02:30:00Z";
    let listed = send(h.get(&format!("{path}?{range}"))).await;
    assert_eq!(listed.status, 201);
    assert_eq!(
        entries(&listed.body["overrides"])
            .iter()
            .map(|(u, _, _)| u.clone())
            .collect::<Vec<_>>(),
        vec![SAM, ALEX]
    );
    assert_eq!(listed.body["overrides"][0]["start"], "2024-05-01T01:30:00Z");
    let whole = send(h.get(&format!("{path}?{range}&overflow=true"))).await;
    assert_eq!(whole.body["overrides"][0]["start"], "2024-05-01T01:00:00Z");
    // Both are past at 09:00: none is editable.
    let editable = send(h.get(&format!("{path}?{range}&editable=true"))).await;
    assert_eq!(editable.body["overrides"], json!([]));

    let bad = send(
        h.request(Method::POST, &path)
            .json(&json!({"overrides": [{"start": "2024-05-01T01:00:00Z"}]})),
    )
    .await;
    assert_eq!((bad.status, bad.error_code()), (400, Some(2001)));
    let empty = send(
        h.request(Method::POST, &path)
            .json(&json!({"overrides": []})),
    )
    .await;
    assert_eq!(empty.status, 400);
}

#[tokio::test]
async fn deleting_removes_a_future_override_and_truncates_an_ongoing_one() {
    let h = start().await;
    add_rotation(&h.fake);
    let created = create_overrides(
        &h,
        &[
            (SAM, "2024-05-01T12:00:00Z", "2024-05-01T13:00:00Z"),
            (SAM, "2024-05-01T08:30:00Z", "2024-05-01T09:30:00Z"),
            (SAM, "2024-05-01T07:00:00Z", "2024-05-01T08:00:00Z"),
        ],
    )
    .await;
    let id = |i: usize| {
        created.body[i]["override"]["id"]
            .as_str()
            .unwrap_or("?")
            .to_string()
    };
    let path = format!("/schedules/{ROTA}/overrides");
    let delete = |id: String| send(h.request(Method::DELETE, &format!("{path}/{id}")));

    let future = delete(id(0)).await;
    assert_eq!((future.status, future.text.as_str()), (204, ""));
    let ongoing = delete(id(1)).await;
    assert_eq!((ongoing.status, ongoing.text.as_str()), (200, ""));
    let past = delete(id(2)).await;
    assert_eq!((past.status, past.error_code()), (400, Some(2001)));
    assert_eq!(delete("QNOPE".into()).await.status, 404);
    let wrong_schedule = send(h.request(
        Method::DELETE,
        &format!("/schedules/PSCHED1/overrides/{}", id(2)),
    ))
    .await;
    assert_eq!(wrong_schedule.status, 404);

    let left = h.fake.overrides(ROTA);
    assert_eq!(
        left.iter().map(|o| o.id.clone()).collect::<Vec<_>>(),
        vec![id(1), id(2)]
    );
    assert_eq!(left[0].end, h.clock.now(), "cut at now");
    // Sam 08:30–09:00 (cut at now) sits in Pat's turn; the past override is untouched.
    let hours = "since=2024-05-01T07:00:00Z&until=2024-05-01T10:00:00Z";
    assert_eq!(
        final_entries(&h, hours).await,
        vec![
            e(SAM, "07", "08"),
            e(PAT, "08", "08"),
            e(SAM, "08", "09"),
            e(PAT, "09", "10")
        ]
    );
}

#[tokio::test]
async fn escalation_policies_list_their_targets_and_filter_by_user() {
    let h = start().await;
    add_rotation(&h.fake);
    h.fake.add_service("PSVC002", "Search", SAM);
    let all = send(h.get("/escalation_policies?total=true")).await;
    assert_eq!(all.status, 200, "{}", all.text);
    let names: Vec<&str> = all.body["escalation_policies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        vec!["Checkout on-call", "Payments on-call", "Search on-call"]
    );
    let rota = &all.body["escalation_policies"][1];
    assert_eq!(
        rota["escalation_rules"][0]["targets"][0]["type"],
        "schedule_reference"
    );
    assert_eq!(rota["escalation_rules"][1]["targets"][0]["id"], SAM);
    assert_eq!(
        all.body["escalation_policies"][0]["services"][0]["id"],
        "PSVC001"
    );

    let alexs = send(h.get(&format!("/escalation_policies?user_ids[]={ALEX}"))).await;
    assert_eq!(
        alexs.body["escalation_policies"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(alexs.body["escalation_policies"][0]["id"], ROTA_POLICY);
    let sams = send(h.get(&format!("/escalation_policies?user_ids[]={SAM}&limit=1"))).await;
    assert_eq!(
        (
            sams.body["escalation_policies"][0]["id"].as_str(),
            &sams.body["more"]
        ),
        (Some(ROTA_POLICY), &json!(true))
    );
}

#[tokio::test]
async fn incidents_go_to_whoever_the_schedule_has_on_call() {
    let h = start().await;
    add_rotation(&h.fake);
    h.fake
        .add_escalation_policy(oncall_fake_pagerduty::EscalationPolicySpec {
            id: "PEP0001".into(),
            name: "Checkout on-call".into(),
            levels: vec![vec![oncall_fake_pagerduty::EscalationTarget::Schedule(
                ROTA.into(),
            )]],
        });
    h.clock.advance(3600); // 10:00, Alex's hours
    let id = h
        .fake
        .trigger(oncall_fake_pagerduty::NewIncident::new("Checkout down"));
    assert_eq!(
        h.fake.incident(&id).map(|i| i.assignees),
        Some(vec![ALEX.to_string()])
    );
}

#[tokio::test]
async fn schedule_routes_are_logged_and_can_be_faulted() {
    let h = start().await;
    add_rotation(&h.fake);
    let cases = [
        (Route::ListSchedules, Method::GET, "/schedules".to_string()),
        (
            Route::GetSchedule,
            Method::GET,
            format!("/schedules/{ROTA}"),
        ),
        (
            Route::ScheduleUsers,
            Method::GET,
            format!("/schedules/{ROTA}/users"),
        ),
        (
            Route::CreateOverrides,
            Method::POST,
            format!("/schedules/{ROTA}/overrides"),
        ),
        (
            Route::ListOverrides,
            Method::GET,
            format!("/schedules/{ROTA}/overrides"),
        ),
        (
            Route::DeleteOverride,
            Method::DELETE,
            format!("/schedules/{ROTA}/overrides/Q1"),
        ),
        (
            Route::ListEscalationPolicies,
            Method::GET,
            "/escalation_policies".to_string(),
        ),
    ];
    for (route, method, path) in cases {
        h.fake.clear_requests();
        h.fake
            .inject(Fault::once(route, FaultKind::ServerError(503)));
        let answer = send(h.request(method.clone(), &path)).await;
        assert_eq!(answer.status, 503, "{route:?} is classified");
        let log = h.fake.requests();
        assert_eq!(log.len(), 1);
        assert_eq!(
            (log[0].method.as_str(), log[0].path.as_str(), log[0].status),
            (method.as_str(), path.as_str(), 503)
        );
    }
    let unauthenticated = send(h.http.get(h.url(&format!("/schedules/{ROTA}")))).await;
    assert_eq!(unauthenticated.status, 401);
    assert!(unauthenticated.header("ratelimit-remaining").is_some());
}

#[tokio::test]
async fn control_routes_add_schedules_and_policies_and_read_overrides() {
    let h = start().await;
    let schedule = oncall_fake_pagerduty::ScheduleSpec::rotation(
        "PDEMO01",
        "Demo rota",
        &[PAT, SAM],
        h.clock.now(),
        300,
    );
    let added = send(h.http.post(h.url("/_fake/schedules")).json(&schedule)).await;
    assert_eq!(added.status, 204, "{}", added.text);
    let policy = json!({"id": "PEP0900", "name": "Demo", "levels": [[{"Schedule": "PDEMO01"}]]});
    let added = send(
        h.http
            .post(h.url("/_fake/escalation_policies"))
            .json(&policy),
    )
    .await;
    assert_eq!(added.status, 204, "{}", added.text);
    let unknown = json!({"id": "PEP0901", "name": "Bad", "levels": [[{"Schedule": "PNOPE"}]]});
    let refused = send(
        h.http
            .post(h.url("/_fake/escalation_policies"))
            .json(&unknown),
    )
    .await;
    assert_eq!(refused.status, 400);

    // Five-minute turns: Sam takes over at 09:05.
    let rows = send(h.get(
        "/oncalls?escalation_policy_ids[]=PEP0900&since=2024-05-01T09:00:00Z&until=2024-05-01T09:06:00Z",
    ))
    .await;
    let starts: Vec<(&str, &str)> = rows.body["oncalls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| Some((o["user"]["id"].as_str()?, o["start"].as_str()?)))
        .collect();
    assert_eq!(
        starts,
        vec![(PAT, "2024-05-01T09:00:00Z"), (SAM, "2024-05-01T09:05:00Z")]
    );

    let id = h.fake.add_override(
        "PDEMO01",
        SAM,
        time("2024-05-01T10:00:00Z"),
        time("2024-05-01T11:00:00Z"),
    );
    let listed = send(h.http.get(h.url("/_fake/schedules/PDEMO01/overrides"))).await;
    assert_eq!(listed.body[0]["id"], id.as_str());
    assert_eq!(listed.body[0]["user_id"], SAM);
    let missing = send(h.http.get(h.url("/_fake/schedules/PNOPE/overrides"))).await;
    assert_eq!(missing.status, 404);
}

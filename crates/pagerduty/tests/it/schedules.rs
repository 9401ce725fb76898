//! On-call schedules against the fake PagerDuty: my shifts, who is on call now and next,
//! and covering a shift with an override. The fake's clock starts at 2024-05-01 09:00Z and
//! the client asks on the same clock.
//!
//! The rotation used throughout (`add_rotation`): Sam, Pat and Alex in 4-hour turns from
//! midnight (Sam 00–04, Pat 04–08, Alex 08–12, Sam 12–16, …), paged by level 1 of
//! "Checkout on-call" (`PEP0001`, replacing the seeded one), whose level 2 is Pat
//! directly (a permanent on-call).

use chrono::{DateTime, Duration, TimeZone, Utc};
use oncall_fake_pagerduty::{EscalationPolicySpec, EscalationTarget, ScheduleSpec};
use oncall_model::{CoverRequest, OnCallPerson, Provider, ProviderError, RotaEntry, SHIFT_HORIZON};
use serde_json::{json, Value};

use crate::util::{query_values, Harness, PAT, SAM};

use crate::spec;

const ALEX: &str = "PUSER03";
const ROTA: &str = "PROTA01";
const POLICY: &str = "PEP0001";
/// Turn order of `ROTA`: at 09:00 Alex (08–12) is on call, Sam (12–16) is next, then
/// Pat (16–20).
const ROTATION: [&str; 3] = [SAM, PAT, ALEX];

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, day, hour, 0, 0).unwrap()
}

fn add_rotation(h: &Harness) {
    h.fake
        .add_user(ALEX, "Alex Third", "alex@example.com", "fake-token-alex");
    h.fake.add_schedule(ScheduleSpec::rotation(
        ROTA,
        "Payments rota",
        &ROTATION,
        at(1, 0),
        4 * 3600,
    ));
    h.fake.add_escalation_policy(EscalationPolicySpec {
        id: POLICY.into(),
        name: "Checkout on-call".into(),
        levels: vec![
            vec![EscalationTarget::Schedule(ROTA.into())],
            vec![EscalationTarget::User(PAT.into())],
        ],
    });
}

/// `(user id, start hour, end hour)` of people, times on 2024-05-01.
fn people(list: &[OnCallPerson]) -> Vec<(&str, Option<u32>, Option<u32>)> {
    use chrono::Timelike;
    list.iter()
        .map(|p| {
            (
                p.user_id.as_str(),
                p.start.map(|s| s.hour()),
                p.end.map(|e| e.hour()),
            )
        })
        .collect()
}

fn entry(rota: &[RotaEntry], level: u32) -> &RotaEntry {
    rota.iter()
        .find(|e| e.escalation_policy_id.as_deref() == Some(POLICY) && e.level == Some(level))
        .unwrap_or_else(|| panic!("no entry for level {level} in {rota:#?}"))
}

#[tokio::test]
async fn my_shifts_are_every_turn_of_the_rotation_for_two_weeks() {
    let h = Harness::start().await;
    add_rotation(&h);
    let shifts = h.client.on_calls().await.unwrap();

    let request = h.requests_to("GET", "/oncalls").pop().unwrap();
    assert_eq!(query_values(&request, "user_ids[]"), vec![PAT]);
    let since = query_values(&request, "since").pop().unwrap();
    let until = query_values(&request, "until").pop().unwrap();
    assert_eq!(since, "2024-05-01T09:00:00Z");
    assert_eq!(
        DateTime::parse_from_rfc3339(&until).unwrap(),
        h.now() + SHIFT_HORIZON
    );

    // The permanent level-2 on-call first, then Pat's turn every 12 hours, from the one
    // at 16:00 today to the one at 04:00 on day 15 (the horizon ends at 09:00).
    let permanent = &shifts[0];
    assert_eq!((permanent.start, permanent.end), (None, None));
    assert_eq!(permanent.level, Some(2));
    assert_eq!(permanent.schedule_id, None);
    assert_eq!(permanent.label(), "Checkout on-call (level 2)");
    let turns = &shifts[1..];
    let expected: Vec<_> = (0..28)
        .map(|n| (at(1, 4) + Duration::hours(12 * (n + 1)), Duration::hours(4)))
        .collect();
    let got: Vec<_> = turns
        .iter()
        .map(|s| (s.start.unwrap(), s.end.unwrap() - s.start.unwrap()))
        .collect();
    assert_eq!(got, expected);
    for turn in turns {
        assert_eq!(turn.escalation_policy_id.as_deref(), Some(POLICY));
        assert_eq!(turn.schedule_id.as_deref(), Some(ROTA));
        assert_eq!(turn.schedule.as_deref(), Some("Payments rota"));
        assert_eq!(turn.level, Some(1));
    }
}

#[tokio::test]
async fn the_rota_says_who_is_on_call_now_and_next_across_a_handover() {
    let h = Harness::start().await;
    add_rotation(&h);
    // A policy Pat is not on stays out of the rota; one where Sam is a direct target and
    // Pat is on level 2 comes in, permanent on-calls and all.
    h.fake.add_escalation_policy(EscalationPolicySpec {
        id: "PEP0002".into(),
        name: "Billing".into(),
        levels: vec![
            vec![EscalationTarget::User(SAM.into())],
            vec![EscalationTarget::User(PAT.into())],
        ],
    });
    h.fake.add_escalation_policy(EscalationPolicySpec {
        id: "PEP0003".into(),
        name: "Search".into(),
        levels: vec![vec![EscalationTarget::User(SAM.into())]],
    });

    let rota = h.client.rota().await.unwrap();
    let places: Vec<_> = rota
        .iter()
        .map(|e| {
            (
                e.escalation_policy.as_deref().unwrap_or("?"),
                e.level.unwrap_or(0),
                e.schedule.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        places,
        vec![
            ("Billing", 1, None),
            ("Billing", 2, None),
            ("Checkout on-call", 1, Some("Payments rota")),
            ("Checkout on-call", 2, None),
        ]
    );
    assert_eq!(people(&rota[0].now), vec![(SAM, None, None)]);
    assert!(rota[0].next.is_empty());
    assert_eq!(rota[0].now[0].name, "Sam Second");
    assert!(!rota[0].now[0].is_me);
    assert_eq!(people(&rota[1].now), vec![(PAT, None, None)]);
    assert!(rota[1].now[0].is_me);

    let rotation = entry(&rota, 1);
    assert_eq!(rotation.schedule_id.as_deref(), Some(ROTA));
    assert_eq!(people(&rotation.now), vec![(ALEX, Some(8), Some(12))]);
    assert_eq!(rotation.now[0].name, "Alex Third");
    assert_eq!(people(&rotation.next), vec![(SAM, Some(12), Some(16))]);

    // One listing of the policies, one of their on-calls (each person's first shift).
    let oncalls = h.requests_to("GET", "/oncalls");
    assert_eq!(oncalls.len(), 1);
    let mut asked = query_values(&oncalls[0], "escalation_policy_ids[]");
    asked.sort();
    assert_eq!(asked, vec!["PEP0001", "PEP0002"]);
    assert_eq!(query_values(&oncalls[0], "include[]"), vec!["users"]);
    assert_eq!(query_values(&oncalls[0], "earliest"), vec!["true"]);
    let policies = h.requests_to("GET", "/escalation_policies");
    assert_eq!(query_values(&policies[0], "user_ids[]"), vec![PAT]);

    // The hand-over at noon: Sam now, Pat next.
    h.advance(std::time::Duration::from_secs(3 * 3600));
    let rota = h.client.rota().await.unwrap();
    let rotation = entry(&rota, 1);
    assert_eq!(people(&rotation.now), vec![(SAM, Some(12), Some(16))]);
    assert_eq!(people(&rotation.next), vec![(PAT, Some(16), Some(20))]);
    assert!(rotation.next[0].is_me);
}

#[tokio::test]
async fn covering_a_shift_creates_the_documented_override_and_puts_me_on_call() {
    let h = Harness::start().await;
    add_rotation(&h);
    let request = CoverRequest {
        schedule_id: ROTA.into(),
        start: at(1, 12),
        end: at(1, 14),
    };
    let created = h.client.cover(&request).await.unwrap();

    let recorded = h.fake.overrides(ROTA);
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].user_id, PAT);
    assert_eq!((recorded[0].start, recorded[0].end), (at(1, 12), at(1, 14)));
    assert_eq!(created.id, recorded[0].id);
    assert_eq!(created.schedule_id, ROTA);
    assert_eq!((created.start, created.end), (at(1, 12), at(1, 14)));

    let sent = h.requests_to("POST", &format!("/schedules/{ROTA}/overrides"));
    assert_eq!(sent.len(), 1);
    let body: Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(
        body,
        json!({"overrides": [{
            "start": "2024-05-01T12:00:00Z",
            "end": "2024-05-01T14:00:00Z",
            "user": {"id": PAT, "type": "user_reference"},
        }]})
    );
    // `createScheduleOverride` documents no `From` header; none is sent.
    assert_eq!(sent[0].header("from"), None);
    if let Some(spec) = spec::spec() {
        let pointer = spec
            .request_pointer(spec::Doc::Rest, "/schedules/{id}/overrides", "post")
            .expect("createScheduleOverride has a request body");
        spec.check(spec::Doc::Rest, &pointer, &body)
            .unwrap_or_else(|v| panic!("the override request does not conform:\n{v}"));
    }

    // At 12:30 Pat is on call in Sam's turn until 14:00, and Sam is next.
    h.advance(std::time::Duration::from_secs(3 * 3600 + 1800));
    let rotation = entry(&h.client.rota().await.unwrap(), 1).clone();
    assert_eq!(people(&rotation.now), vec![(PAT, Some(12), Some(14))]);
    assert!(rotation.now[0].is_me);
    assert_eq!(people(&rotation.next), vec![(SAM, Some(14), Some(16))]);
    let shifts = h.client.on_calls().await.unwrap();
    let current = shifts
        .iter()
        .find(|s| s.schedule_id.as_deref() == Some(ROTA))
        .unwrap();
    assert_eq!(
        (current.start, current.end),
        (Some(at(1, 12)), Some(at(1, 14)))
    );
}

#[tokio::test]
async fn a_refused_override_is_rejected_with_pagerdutys_reason() {
    let h = Harness::start().await;
    add_rotation(&h);
    let backwards = CoverRequest {
        schedule_id: ROTA.into(),
        start: at(1, 14),
        end: at(1, 12),
    };
    let error = h.client.cover(&backwards).await.unwrap_err();
    let ProviderError::Rejected {
        status, message, ..
    } = &error
    else {
        panic!("expected Rejected, got {error:?}")
    };
    assert_eq!(*status, 400);
    assert!(
        message.contains("Override must end after its start"),
        "{message}"
    );
    assert!(message.contains(ROTA), "{message}");
    assert!(h.fake.overrides(ROTA).is_empty());

    let unknown = CoverRequest {
        schedule_id: "PNOSUCH".into(),
        ..backwards
    };
    let error = h.client.cover(&unknown).await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Rejected { status: 404, .. }),
        "{error:?}"
    );
}

/// 110 policies of Pat's own besides the rotation: two pages of policies, five listings of
/// on-calls (25 policies each), and the first of them two pages long because of a
/// rotation of 120 people taking hourly turns.
#[tokio::test]
async fn a_rota_of_many_policies_and_people_reads_every_page() {
    let h = Harness::start().await;
    let crowd: Vec<String> = (0..120).map(|n| format!("PCROWD{n:03}")).collect();
    for id in &crowd {
        h.fake.add_user(
            id,
            &format!("Person {id}"),
            &format!("{id}@example.com"),
            id,
        );
    }
    let turns: Vec<&str> = std::iter::once(PAT)
        .chain(crowd.iter().map(String::as_str))
        .collect();
    h.fake.add_schedule(ScheduleSpec::rotation(
        ROTA,
        "Everyone",
        &turns,
        at(1, 0),
        3600,
    ));
    h.fake.add_escalation_policy(EscalationPolicySpec {
        id: POLICY.into(),
        name: "Checkout on-call".into(),
        levels: vec![vec![EscalationTarget::Schedule(ROTA.into())]],
    });
    for n in 0..110 {
        h.fake.add_escalation_policy(EscalationPolicySpec {
            id: format!("PMINE{n:03}"),
            name: format!("Policy {n:03}"),
            levels: vec![vec![EscalationTarget::User(PAT.into())]],
        });
    }

    let rota = h.client.rota().await.unwrap();
    assert_eq!(rota.len(), 111);
    // At 09:00 the 10th in turn (crowd member 8) is on call, the 11th is next.
    let rotation = entry(&rota, 1);
    assert_eq!(
        people(&rotation.now),
        vec![("PCROWD008", Some(9), Some(10))]
    );
    assert_eq!(
        people(&rotation.next),
        vec![("PCROWD009", Some(10), Some(11))]
    );
    for mine in &rota[1..] {
        assert_eq!(people(&mine.now), vec![(PAT, None, None)], "{mine:?}");
    }
    let names: Vec<_> = rota[1..]
        .iter()
        .map(|e| e.escalation_policy.clone().unwrap())
        .collect();
    let expected: Vec<_> = (0..110).map(|n| format!("Policy {n:03}")).collect();
    assert_eq!(names, expected);

    assert_eq!(h.requests_to("GET", "/escalation_policies").len(), 2);
    let oncalls = h.requests_to("GET", "/oncalls");
    assert_eq!(oncalls.len(), 6, "5 listings, the first of 2 pages");
    let mut asked: Vec<String> = Vec::new();
    for request in &oncalls {
        let ids = query_values(request, "escalation_policy_ids[]");
        assert!(ids.len() <= 25, "{} ids in one request", ids.len());
        if query_values(request, "offset") == vec!["0"] {
            asked.extend(ids);
        }
    }
    asked.sort();
    asked.dedup();
    assert_eq!(asked.len(), 111);
}

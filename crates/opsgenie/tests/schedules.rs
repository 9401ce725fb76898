//! On-call schedules against the fake Opsgenie over loopback: my shifts, who is on call
//! now and next, covering a shift, and a key without configuration access. The fake's
//! clock starts at 2024-05-01 09:00Z and the client asks on the same clock.
//!
//! Pat's schedules (`add_rota`):
//! - "Payments rota": Sam, Pat and Alex in 4-hour turns from midnight (Sam 00–04, Pat
//!   04–08, Alex 08–12, Sam 12–16, Pat 16–20, Alex 20–24, every day);
//! - "Database": Sam and Pat in daily turns from 2024-05-01 (Sam on odd days, Pat on even).
//!
//! "Search rota" (Sam alone) is not Pat's and stays out.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Timelike, Utc};
use oncall_fake_opsgenie::{
    FakeOpsgenie, NewAlert, OverrideTaker, RecordedRequest, RotationSpec, RunningFake,
    ScheduleSpec, TurnLength, API_KEY,
};
use oncall_model::{
    AccountId, CoverRequest, OnCallPerson, Provider, ProviderError, RotaEntry, SHIFT_HORIZON,
};
use oncall_opsgenie::{OpsgenieClient, OpsgenieConfig, SecretString};
use serde_json::{json, Value};

#[path = "../../fake-opsgenie/tests/util/spec.rs"]
#[allow(dead_code)]
mod spec;

const PAT: &str = "pat@example.com";
const SAM: &str = "sam@example.com";
const ALEX: &str = "alex@example.com";
const RESTRICTED_KEY: &str = "alert-api-only-key";

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, day, hour, 0, 0).unwrap()
}

struct Harness {
    fake: FakeOpsgenie,
    /// Serves until the harness is dropped.
    _server: RunningFake,
    client: OpsgenieClient,
    clock: Arc<Mutex<DateTime<Utc>>>,
    pat: String,
    payments: String,
    database: String,
}

impl Harness {
    /// The fake with `add_rota`'s schedules and a client for Pat, both at 09:00.
    async fn start() -> Harness {
        Harness::start_with(|_| {}).await
    }

    async fn start_with(tweak: impl FnOnce(&mut OpsgenieConfig)) -> Harness {
        let fake = FakeOpsgenie::new();
        fake.add_restricted_api_key(RESTRICTED_KEY);
        let clock = Arc::new(Mutex::new(at(1, 9)));
        let reading = clock.clone();
        fake.set_clock(Arc::new(move || *reading.lock().unwrap()));
        let pat = fake.add_user(PAT, "Pat Oncall", "Europe/London");
        fake.add_user(SAM, "Sam Second", "America/New_York");
        fake.add_user(ALEX, "Alex Third", "Europe/Berlin");
        let payments = fake.add_schedule(ScheduleSpec::new("Payments rota").rotation(
            RotationSpec::new(&[SAM, PAT, ALEX], at(1, 0), TurnLength::Hours(4)),
        ));
        let database = fake.add_schedule(ScheduleSpec::new("Database").rotation(
            RotationSpec::new(&[SAM, PAT], at(1, 0), TurnLength::Days(1)),
        ));
        fake.add_schedule(ScheduleSpec::new("Search rota").rotation(RotationSpec::new(
            &[SAM],
            at(1, 0),
            TurnLength::Weeks(1),
        )));
        let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let mut config = OpsgenieConfig::new(
            AccountId::new("ops"),
            server.url.parse().unwrap(),
            SecretString::from(API_KEY.to_owned()),
        );
        config.on_call_user = Some(PAT.into());
        tweak(&mut config);
        let reading = clock.clone();
        let client = OpsgenieClient::new(config)
            .unwrap()
            .with_clock(Arc::new(move || *reading.lock().unwrap()));
        Harness {
            fake,
            _server: server,
            client,
            clock,
            pat,
            payments,
            database,
        }
    }

    fn advance(&self, by: Duration) {
        *self.clock.lock().unwrap() += chrono::Duration::from_std(by).unwrap();
    }

    fn requests_to(&self, method: &str, path: &str) -> Vec<RecordedRequest> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }

    fn entry<'a>(&self, rota: &'a [RotaEntry], schedule: &str) -> &'a RotaEntry {
        rota.iter()
            .find(|e| e.schedule_id.as_deref() == Some(schedule))
            .unwrap_or_else(|| panic!("no entry for {schedule} in {rota:#?}"))
    }
}

fn query_values(request: &RecordedRequest, key: &str) -> Vec<String> {
    url::form_urlencoded::parse(request.query.as_bytes())
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// `(name, start hour, end hour)` of people.
fn people(list: &[OnCallPerson]) -> Vec<(&str, Option<u32>, Option<u32>)> {
    list.iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.start.map(|s| s.hour()),
                p.end.map(|e| e.hour()),
            )
        })
        .collect()
}

#[tokio::test]
async fn my_shifts_are_my_turns_in_each_of_my_schedules_for_two_weeks() {
    let h = Harness::start().await;
    let shifts = h.client.on_calls().await.unwrap();

    let in_schedule = |id: &str| -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        shifts
            .iter()
            .filter(|s| s.schedule_id.as_deref() == Some(id))
            .map(|s| (s.start.unwrap(), s.end.unwrap()))
            .collect()
    };
    // Payments: 16–20 today, then 04–08 and 16–20 every day, the last at 04:00 on day
    // 15 (the horizon ends at 09:00).
    let expected: Vec<_> = (0..28)
        .map(|n| {
            let start = at(1, 4) + chrono::Duration::hours(12 * (n + 1));
            (start, start + chrono::Duration::hours(4))
        })
        .collect();
    assert_eq!(in_schedule(&h.payments), expected);
    // Database: the even days.
    let expected: Vec<_> = (1..=7)
        .map(|n| (at(2 * n, 0), at(2 * n, 0) + chrono::Duration::days(1)))
        .collect();
    assert_eq!(in_schedule(&h.database), expected);
    assert_eq!(shifts.len(), 35);
    assert!(shifts.windows(2).all(|w| w[0].start <= w[1].start));
    let database = shifts
        .iter()
        .find(|s| s.schedule_id.as_deref() == Some(h.database.as_str()))
        .unwrap();
    assert_eq!(database.label(), "Database");
    assert_eq!((database.level, &database.escalation_policy), (None, &None));

    // The user once, their schedules, one timeline each, from a day back.
    assert_eq!(h.requests_to("GET", &format!("/v2/users/{PAT}")).len(), 1);
    assert_eq!(
        h.requests_to("GET", &format!("/v2/users/{}/schedules", h.pat))
            .len(),
        1
    );
    for id in [&h.payments, &h.database] {
        let timeline = h.requests_to("GET", &format!("/v2/schedules/{id}/timeline"));
        assert_eq!(timeline.len(), 1, "{id}");
        assert_eq!(query_values(&timeline[0], "identifierType"), vec!["id"]);
        assert_eq!(query_values(&timeline[0], "interval"), vec!["15"]);
        assert_eq!(query_values(&timeline[0], "intervalUnit"), vec!["days"]);
        let date = query_values(&timeline[0], "date").pop().unwrap();
        assert_eq!(
            DateTime::parse_from_rfc3339(&date).unwrap(),
            at(1, 9) - chrono::Duration::days(1)
        );
        assert_eq!(
            at(1, 9) - chrono::Duration::days(1) + chrono::Duration::days(15),
            at(1, 9) + SHIFT_HORIZON
        );
    }
    let _ = h.client.on_calls().await.unwrap();
    assert_eq!(
        h.requests_to("GET", &format!("/v2/users/{PAT}")).len(),
        1,
        "the user is looked up once"
    );
}

#[tokio::test]
async fn the_rota_says_who_is_on_call_now_and_next_across_a_handover() {
    let h = Harness::start().await;
    let rota = h.client.rota().await.unwrap();
    let names: Vec<_> = rota
        .iter()
        .map(|e| e.schedule.as_deref().unwrap())
        .collect();
    assert_eq!(names, vec!["Database", "Payments rota"]);

    let payments = h.entry(&rota, &h.payments);
    assert_eq!(people(&payments.now), vec![(ALEX, Some(8), Some(12))]);
    assert_eq!(people(&payments.next), vec![(SAM, Some(12), Some(16))]);
    assert!(!payments.now[0].is_me && !payments.next[0].is_me);
    assert_eq!(payments.level, None);
    let database = h.entry(&rota, &h.database);
    assert_eq!(people(&database.now), vec![(SAM, Some(0), Some(0))]);
    assert_eq!(database.now[0].end, Some(at(2, 0)));
    assert_eq!(people(&database.next), vec![(PAT, Some(0), Some(0))]);
    assert!(database.next[0].is_me);
    assert_eq!(database.next[0].user_id, h.pat);

    // The hand-over at noon: Sam now, Pat next.
    h.advance(Duration::from_secs(3 * 3600));
    let rota = h.client.rota().await.unwrap();
    let payments = h.entry(&rota, &h.payments);
    assert_eq!(people(&payments.now), vec![(SAM, Some(12), Some(16))]);
    assert_eq!(people(&payments.next), vec![(PAT, Some(16), Some(20))]);
    assert!(payments.next[0].is_me);
}

#[tokio::test]
async fn covering_a_shift_creates_the_documented_override_and_puts_me_on_call() {
    let h = Harness::start().await;
    let request = CoverRequest {
        schedule_id: h.payments.clone(),
        start: at(1, 12),
        end: at(1, 14),
    };
    let created = h.client.cover(&request).await.unwrap();

    let recorded = h.fake.overrides(&h.payments);
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].taker, OverrideTaker::User(h.pat.clone()));
    assert_eq!((recorded[0].start, recorded[0].end), (at(1, 12), at(1, 14)));
    assert!(recorded[0].rotation_ids.is_empty(), "the whole schedule");
    assert_eq!(created.id, recorded[0].alias);
    assert_eq!(created.schedule_id, h.payments);
    assert_eq!((created.start, created.end), (at(1, 12), at(1, 14)));

    let sent = h.requests_to("POST", &format!("/v2/schedules/{}/overrides", h.payments));
    assert_eq!(sent.len(), 1);
    // The override routes call it `scheduleIdentifierType`, not `identifierType`.
    assert_eq!(query_values(&sent[0], "scheduleIdentifierType"), vec!["id"]);
    assert!(query_values(&sent[0], "identifierType").is_empty());
    let body: Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(
        body,
        json!({
            "user": {"type": "user", "id": h.pat},
            "startDate": "2024-05-01T12:00:00Z",
            "endDate": "2024-05-01T14:00:00Z",
        })
    );
    if let Some(spec) = spec::spec() {
        let pointer = spec
            .request_pointer("/v2/schedules/{identifier}/overrides", "post")
            .expect("createScheduleOverride has a body");
        spec.check(&pointer, &body)
            .unwrap_or_else(|v| panic!("the override request does not conform:\n{v}"));
    }

    // At 12:30 Pat is on call in Sam's turn until 14:00, and Sam comes back after.
    h.advance(Duration::from_secs(3 * 3600 + 1800));
    let rota = h.client.rota().await.unwrap();
    let payments = h.entry(&rota, &h.payments);
    assert_eq!(people(&payments.now), vec![(PAT, Some(12), Some(14))]);
    assert!(payments.now[0].is_me);
    assert_eq!(people(&payments.next), vec![(SAM, Some(14), Some(16))]);
    let shifts = h.client.on_calls().await.unwrap();
    let current = shifts
        .iter()
        .find(|s| s.schedule_id.as_deref() == Some(h.payments.as_str()))
        .unwrap();
    assert_eq!(
        (current.start, current.end),
        (Some(at(1, 12)), Some(at(1, 14)))
    );
}

#[tokio::test]
async fn a_refused_override_is_rejected_with_opsgenies_reason() {
    let h = Harness::start().await;
    let backwards = CoverRequest {
        schedule_id: h.payments.clone(),
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
    assert_eq!(*status, 422);
    assert!(!message.trim().is_empty());
    assert!(h.fake.overrides(&h.payments).is_empty());

    let unknown = CoverRequest {
        schedule_id: "no-such-schedule".into(),
        ..backwards
    };
    let error = h.client.cover(&unknown).await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Rejected { status: 404, .. }),
        "{error:?}"
    );
}

/// A key of an Alert-API-only integration keeps paging; only the shift features say why
/// they are off.
#[tokio::test]
async fn a_key_without_configuration_access_pages_but_says_what_shifts_need() {
    let h =
        Harness::start_with(|c| c.api_key = SecretString::from(RESTRICTED_KEY.to_owned())).await;
    h.fake.create_alert(NewAlert::new("disk full"));
    let request = CoverRequest {
        schedule_id: h.payments.clone(),
        start: at(1, 12),
        end: at(1, 14),
    };
    let errors = [
        h.client.on_calls().await.unwrap_err(),
        h.client.rota().await.unwrap_err(),
        h.client.cover(&request).await.unwrap_err(),
    ];
    for error in errors {
        let ProviderError::Rejected {
            status: 403,
            message,
            ..
        } = &error
        else {
            panic!("expected a 403 Rejected, got {error:?}")
        };
        assert!(message.contains("Configuration access"), "{message}");
        assert!(!error.is_transient());
    }
    assert_eq!(h.client.open_incidents().await.unwrap().incidents.len(), 1);
    assert!(h.fake.overrides(&h.payments).is_empty());
}

/// Without an on-call user the tray does not know whose shifts to read: each call says
/// how to fix that (the window shows it where the shifts would be), and nothing is sent.
#[tokio::test]
async fn without_an_on_call_user_each_call_says_to_set_it_and_nothing_is_asked() {
    for unset in [None, Some("  ".to_string())] {
        let h = Harness::start_with(|c| c.on_call_user = unset).await;
        let request = CoverRequest {
            schedule_id: h.payments.clone(),
            start: at(1, 12),
            end: at(1, 14),
        };
        let errors = [
            h.client.on_calls().await.unwrap_err(),
            h.client.rota().await.unwrap_err(),
            h.client.cover(&request).await.unwrap_err(),
        ];
        for (error, purpose) in
            errors
                .iter()
                .zip(["see your shifts", "see your shifts", "cover a shift"])
        {
            let ProviderError::Rejected {
                status: 400,
                code: None,
                message,
            } = error
            else {
                panic!("expected a 400 Rejected, got {error:?}")
            };
            assert_eq!(
                message,
                &format!(
                    "set your Opsgenie user (on_call_user: your Opsgenie login email) for \
                     account ops in Settings to {purpose}"
                )
            );
            assert!(!error.is_transient());
        }
        assert!(h.fake.requests().is_empty());
        assert!(h.fake.overrides(&h.payments).is_empty());
    }
}

#[tokio::test]
async fn an_unknown_on_call_user_is_rejected_by_name() {
    let h = Harness::start_with(|c| c.on_call_user = Some("nobody@example.com".into())).await;
    let error = h.client.on_calls().await.unwrap_err();
    let ProviderError::Rejected {
        status: 404,
        message,
        ..
    } = &error
    else {
        panic!("expected a 404 Rejected, got {error:?}")
    };
    assert!(message.contains("nobody@example.com"), "{message}");
}

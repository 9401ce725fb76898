//! Polling: identity, the incident list (headers, filters, paging, conversion) and
//! on-call shifts.

use std::collections::HashSet;
use std::time::Duration;

use chrono::TimeZone;
use oncall_fake_pagerduty::{FakeOnCall, NewIncident};
use oncall_model::{Identity, Person, Provider, ProviderError, Status, Urgency};
use oncall_pagerduty::{Credential, IncidentFilter, PagerDutyClient};
use oncall_test_support::pagerduty;
use oncall_test_support::scripted::{Canned, Scripted};
use serde_json::json;

use crate::util::{config, query_values, secret, Harness, PAT, PAT_EMAIL, PAT_TOKEN, SAM};

#[tokio::test]
async fn identify_returns_the_token_user_and_is_fetched_once() {
    let h = Harness::start().await;
    let me = h.client.identify().await.unwrap();
    assert_eq!(
        me,
        Identity {
            user_id: PAT.into(),
            email: Some(PAT_EMAIL.into()),
            name: "Pat Oncall".into(),
        }
    );
    h.client.identify().await.unwrap();
    assert_eq!(h.requests_to("GET", "/users/me").len(), 1);
}

#[tokio::test]
async fn two_polls_fetch_the_identity_once_and_count_requests() {
    let h = Harness::start().await;
    h.fake.trigger(NewIncident::new("Checkout 500s"));
    let first = h.client.open_incidents().await.unwrap();
    let second = h.client.open_incidents().await.unwrap();
    assert_eq!(first.requests, 2, "GET /users/me + one page");
    assert_eq!(second.requests, 1, "the identity is cached");
    assert_eq!(first.incidents, second.incidents);
    assert_eq!(h.requests_to("GET", "/users/me").len(), 1);
    assert_eq!(h.requests_to("GET", "/incidents").len(), 2);
}

#[tokio::test]
async fn every_request_carries_accept_authorization_and_user_agent() {
    let h = Harness::start().await;
    let id = h.fake.trigger(NewIncident::new("Checkout 500s"));
    h.client.open_incidents().await.unwrap();
    h.client.on_calls().await.unwrap();
    h.client
        .act(&oncall_model::ActionKind::Acknowledge, &[id])
        .await;
    let requests = h.requests();
    assert!(requests.len() >= 4, "{requests:?}");
    let user_agent = format!("oncall-tray/{}", env!("CARGO_PKG_VERSION"));
    for r in &requests {
        let what = format!("{} {}", r.method, r.path);
        assert_eq!(
            r.header("accept"),
            Some("application/vnd.pagerduty+json;version=2"),
            "{what}"
        );
        assert_eq!(
            r.header("authorization"),
            Some("Token token=fake-token-pat"),
            "{what}"
        );
        assert_eq!(r.header("user-agent"), Some(user_agent.as_str()), "{what}");
        if r.method == "GET" {
            assert_eq!(r.header("from"), None, "{what}");
            assert_eq!(r.header("content-type"), None, "{what}: no body, no type");
        } else {
            assert_eq!(r.header("from"), Some(PAT_EMAIL), "{what}");
            assert_eq!(r.header("content-type"), Some("application/json"), "{what}");
        }
    }
}

#[tokio::test]
async fn oauth_tokens_are_sent_as_bearer() {
    let h = Harness::start().await;
    let client = h.client_with(|c| c.credential = Credential::OAuth(secret(PAT_TOKEN)));
    assert_eq!(client.identify().await.unwrap().user_id, PAT);
    let request = h.requests_to("GET", "/users/me").pop().unwrap();
    assert_eq!(
        request.header("authorization"),
        Some("Bearer fake-token-pat")
    );
}

#[tokio::test]
async fn list_request_asks_for_open_incidents_assigned_to_me() {
    let h = Harness::start().await;
    h.client.open_incidents().await.unwrap();
    let list = h.requests_to("GET", "/incidents").pop().unwrap();
    assert_eq!(
        query_values(&list, "statuses[]"),
        vec!["triggered", "acknowledged"]
    );
    assert_eq!(query_values(&list, "date_range"), vec!["all"]);
    assert_eq!(query_values(&list, "limit"), vec!["100"]);
    assert_eq!(query_values(&list, "offset"), vec!["0"]);
    assert_eq!(query_values(&list, "user_ids[]"), vec![PAT]);
    assert!(query_values(&list, "team_ids[]").is_empty());
    // PagerDuty's documented spelling: literal brackets.
    assert!(
        list.query.contains("statuses[]=triggered"),
        "{}",
        list.query
    );
}

/// Issue 12: the link goes to the system's URL opener, which would launch a file, a
/// share or any registered scheme handler; the title reaches terminals and menus.
#[tokio::test]
async fn a_link_that_is_not_a_web_page_is_dropped_and_a_hostile_title_is_cleaned() {
    let h = Harness::start().await;
    let refused = [
        "file:///etc/passwd",
        "smb://fileserver/share/payload.exe",
        r"\\fileserver\share\payload.exe",
        "search-ms:query=invoice&crumb=location:\\\\evil\\share",
        "javascript:alert(1)",
    ];
    let mut ids = HashSet::new();
    for link in refused {
        ids.insert(h.fake.trigger(NewIncident::new(link).html_url(link)));
    }
    let web = h.fake.trigger(
        NewIncident::new("DB\u{1b}[2J \u{1b}]52;c;ZXZpbA==\u{7}\u{0}\u{202E}down\u{9b}31m")
            .html_url("https://example.pagerduty.com/incidents/PWEB"),
    );

    let poll = h.client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents.len(), refused.len() + 1);
    for incident in &poll.incidents {
        if ids.contains(&incident.key.id) {
            assert_eq!(incident.web_url, None, "{}", incident.title);
        } else {
            assert_eq!(incident.key.id, web);
            assert_eq!(
                incident.web_url.as_deref(),
                Some("https://example.pagerduty.com/incidents/PWEB")
            );
            assert_eq!(incident.title, "DB [2J ]52;c;ZXZpbA== down 31m");
        }
    }
}

#[tokio::test]
async fn incident_fields_are_converted() {
    let h = Harness::start().await;
    let triggered_at = h.now();
    let id = h
        .fake
        .trigger(NewIncident::new("Checkout 500s").urgency(Urgency::Low));
    h.advance(Duration::from_secs(60));
    h.fake.acknowledge(&id, PAT);
    let fake = h.fake.incident(&id).unwrap();

    let poll = h.client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents.len(), 1);
    let incident = &poll.incidents[0];
    assert_eq!(incident.key.account.as_str(), "work");
    assert_eq!(incident.key.id, id);
    assert_eq!(incident.number, Some(fake.number));
    assert_eq!(incident.title, "Checkout 500s");
    assert_eq!(incident.status, Status::Acknowledged);
    assert_eq!(incident.urgency, Urgency::Low);
    assert_eq!(incident.service.as_deref(), Some("Checkout API"));
    assert_eq!(incident.created_at, triggered_at);
    assert_eq!(
        incident.status_changed_at,
        triggered_at + chrono::Duration::seconds(60)
    );
    assert!(
        incident
            .web_url
            .as_deref()
            .is_some_and(|u| u.ends_with(&id)),
        "{:?}",
        incident.web_url
    );
    assert_eq!(
        incident.assignees,
        vec![Person {
            id: PAT.into(),
            name: "Pat Oncall".into()
        }]
    );
    assert_eq!(incident.assigned_to_me_at, Some(triggered_at));
    assert_eq!(
        incident.escalation_policy.as_deref(),
        Some("Checkout on-call")
    );
    assert_eq!(incident.priority, None);
}

#[tokio::test]
async fn paginates_250_incidents_in_three_requests_each_once() {
    let h = Harness::start().await;
    let mut triggered = HashSet::new();
    for n in 0..250 {
        triggered.insert(h.fake.trigger(NewIncident::new(format!("incident {n}"))));
    }
    let poll = h.client.open_incidents().await.unwrap();
    let lists = h.requests_to("GET", "/incidents");
    assert_eq!(
        lists.len(),
        3,
        "{:?}",
        lists.iter().map(|r| &r.query).collect::<Vec<_>>()
    );
    assert_eq!(poll.requests, 4, "users/me + 3 pages");
    assert_eq!(poll.incidents.len(), 250);
    let returned: HashSet<String> = poll.incidents.iter().map(|i| i.key.id.clone()).collect();
    assert_eq!(returned, triggered, "every incident exactly once");
}

#[tokio::test]
async fn assigned_to_me_false_lists_others_incidents_but_not_as_mine() {
    let h = Harness::start_with(|c| c.filter.assigned_to_me = false).await;
    let mine = h.fake.trigger(NewIncident::new("mine"));
    let sams = h.fake.trigger(NewIncident::new("Sam's").assignees(&[SAM]));
    let poll = h.client.open_incidents().await.unwrap();
    let list = h.requests_to("GET", "/incidents").pop().unwrap();
    assert!(
        query_values(&list, "user_ids[]").is_empty(),
        "{}",
        list.query
    );

    assert_eq!(poll.incidents.len(), 2);
    let find = |id: &str| poll.incidents.iter().find(|i| i.key.id == id).unwrap();
    assert!(find(&mine).is_mine());
    assert_eq!(find(&sams).assigned_to_me_at, None);
    assert_eq!(find(&sams).assignees[0].name, "Sam Second");
}

#[tokio::test]
async fn default_filter_leaves_out_incidents_assigned_to_others() {
    let h = Harness::start().await;
    let mine = h.fake.trigger(NewIncident::new("mine"));
    h.fake.trigger(NewIncident::new("Sam's").assignees(&[SAM]));
    let poll = h.client.open_incidents().await.unwrap();
    let ids: Vec<_> = poll.incidents.iter().map(|i| i.key.id.as_str()).collect();
    assert_eq!(ids, vec![mine.as_str()]);
}

#[tokio::test]
async fn team_service_and_urgency_filters_are_sent_and_applied() {
    let h = Harness::start().await;
    // PSVC002 belongs to no team; PSVC001 belongs to PTEAM01.
    h.fake.add_service("PSVC002", "Billing", PAT);
    let checkout_high = h.fake.trigger(NewIncident::new("checkout high"));
    let checkout_low = h
        .fake
        .trigger(NewIncident::new("checkout low").urgency(Urgency::Low));
    let billing_low = h.fake.trigger(
        NewIncident::new("billing low")
            .service("PSVC002")
            .urgency(Urgency::Low),
    );

    let poll_with = |filter: IncidentFilter| {
        let client = h.client_with(|c| c.filter = filter);
        async move {
            let poll = client.open_incidents().await.unwrap();
            let mut ids: Vec<String> = poll.incidents.into_iter().map(|i| i.key.id).collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };

    let by_team = IncidentFilter {
        team_ids: vec!["PTEAM01".into()],
        ..IncidentFilter::default()
    };
    assert_eq!(
        poll_with(by_team).await,
        sorted(vec![checkout_high.clone(), checkout_low.clone()])
    );
    let list = h.requests_to("GET", "/incidents").pop().unwrap();
    assert_eq!(query_values(&list, "team_ids[]"), vec!["PTEAM01"]);

    let by_service = IncidentFilter {
        service_ids: vec!["PSVC002".into()],
        ..IncidentFilter::default()
    };
    assert_eq!(poll_with(by_service).await, vec![billing_low.clone()]);
    let list = h.requests_to("GET", "/incidents").pop().unwrap();
    assert_eq!(query_values(&list, "service_ids[]"), vec!["PSVC002"]);

    let low_only = IncidentFilter {
        urgencies: vec![Urgency::Low],
        ..IncidentFilter::default()
    };
    assert_eq!(
        poll_with(low_only).await,
        sorted(vec![checkout_low.clone(), billing_low.clone()])
    );
    let list = h.requests_to("GET", "/incidents").pop().unwrap();
    assert_eq!(query_values(&list, "urgencies[]"), vec!["low"]);

    let combined = IncidentFilter {
        assigned_to_me: false,
        team_ids: vec!["PTEAM01".into()],
        service_ids: vec!["PSVC001".into(), "PSVC002".into()],
        urgencies: vec![Urgency::Low],
    };
    assert_eq!(poll_with(combined).await, vec![checkout_low]);
    let list = h.requests_to("GET", "/incidents").pop().unwrap();
    assert_eq!(
        query_values(&list, "service_ids[]"),
        vec!["PSVC001", "PSVC002"]
    );
    assert!(query_values(&list, "user_ids[]").is_empty());
}

#[tokio::test]
async fn a_retriggered_incident_has_a_later_status_change() {
    let h = Harness::start().await;
    let id = h.fake.trigger(NewIncident::new("flapping"));
    h.advance(Duration::from_secs(120));
    h.fake.acknowledge(&id, PAT);
    let acked = h.client.open_incidents().await.unwrap().incidents.remove(0);
    assert_eq!(acked.status, Status::Acknowledged);

    h.advance(Duration::from_secs(600));
    h.fake.retrigger(&id);
    let again = h.client.open_incidents().await.unwrap().incidents.remove(0);
    assert_eq!(again.status, Status::Triggered);
    assert!(
        again.status_changed_at > acked.status_changed_at,
        "{} should be after {}",
        again.status_changed_at,
        acked.status_changed_at
    );
    assert_eq!(again.status_changed_at, h.now());
    assert_eq!(again.created_at, acked.created_at);
}

#[tokio::test]
async fn reassignment_to_me_moves_assigned_to_me_at() {
    let h = Harness::start_with(|c| c.filter.assigned_to_me = false).await;
    let id = h
        .fake
        .trigger(NewIncident::new("escalates").assignees(&[SAM]));
    let before = h.client.open_incidents().await.unwrap().incidents.remove(0);
    assert_eq!(before.assigned_to_me_at, None);

    h.advance(Duration::from_secs(900));
    h.fake.reassign(&id, &[PAT]);
    let after = h.client.open_incidents().await.unwrap().incidents.remove(0);
    assert_eq!(after.assigned_to_me_at, Some(h.now()));
}

#[tokio::test]
async fn on_calls_are_the_next_two_weeks_sorted_by_start() {
    let h = Harness::start().await;
    let today = h.now().date_naive() + chrono::Duration::days(1);
    let at = |hour| chrono::Utc.from_utc_datetime(&today.and_hms_opt(hour, 0, 0).unwrap());
    h.fake.set_oncalls(
        PAT,
        vec![
            FakeOnCall {
                escalation_policy_id: "PEP0001".into(),
                level: 2,
                schedule: Some(("PSCHED1".into(), "Primary".into())),
                start: Some(at(20)),
                end: Some(at(23)),
            },
            FakeOnCall {
                escalation_policy_id: "PEP0001".into(),
                level: 1,
                schedule: None,
                start: None,
                end: None,
            },
        ],
    );
    let shifts = h.client.on_calls().await.unwrap();
    let request = h.requests_to("GET", "/oncalls").pop().unwrap();
    assert_eq!(query_values(&request, "user_ids[]"), vec![PAT]);
    let since = query_values(&request, "since").pop().unwrap();
    let until = query_values(&request, "until").pop().unwrap();
    let since = chrono::DateTime::parse_from_rfc3339(&since).unwrap();
    let until = chrono::DateTime::parse_from_rfc3339(&until).unwrap();
    assert_eq!(since, h.now());
    assert_eq!(until - since, oncall_model::SHIFT_HORIZON);

    assert_eq!(shifts.len(), 2, "{shifts:?}");
    // The permanent shift (no start) sorts first.
    assert_eq!(shifts[0].start, None);
    assert_eq!(shifts[0].end, None);
    assert_eq!(shifts[0].level, Some(1));
    assert_eq!(
        shifts[0].escalation_policy.as_deref(),
        Some("Checkout on-call")
    );
    assert_eq!(shifts[0].schedule, None);
    assert_eq!(shifts[1].start, Some(at(20)));
    assert_eq!(shifts[1].end, Some(at(23)));
    assert_eq!(shifts[1].schedule.as_deref(), Some("Primary"));
    assert_eq!(shifts[1].level, Some(2));
}

/// A list that loses more incidents between two pages than the overlap covers must not
/// come back with a hole: one incident would look resolved.
#[tokio::test]
async fn a_list_that_shifts_between_pages_fails_instead_of_skipping() {
    let server = Scripted::start(|seen| {
        if seen.target.starts_with("/users/me") {
            return pagerduty::me();
        }
        // 150 incidents at first; by the second page 20 of the first 90 have resolved.
        let all: Vec<u64> = if pagerduty::offset_of(seen) == 0 {
            (1..=150).collect()
        } else {
            (21..=150).collect()
        };
        let offset = pagerduty::offset_of(seen) as usize;
        let page: Vec<_> = all
            .iter()
            .skip(offset)
            .take(100)
            .map(|n| pagerduty::incident(*n))
            .collect();
        let more = offset + page.len() < all.len();
        Canned::json(json!({"incidents": page, "limit": 100, "offset": offset, "more": more}))
    })
    .await;
    let client =
        PagerDutyClient::new(config(&server.url, Credential::ApiToken(secret("t")))).unwrap();
    let error = client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Unavailable { message } if message.contains("while the list was being read")),
        "{error:?}"
    );
    assert!(error.is_transient());
}

/// A few resolutions between pages are absorbed by the overlap.
#[tokio::test]
async fn a_small_shift_between_pages_loses_nothing() {
    let server = Scripted::start(|seen| {
        if seen.target.starts_with("/users/me") {
            return pagerduty::me();
        }
        // Incidents 3 and 7 resolve between the pages.
        let all: Vec<u64> = if pagerduty::offset_of(seen) == 0 {
            (1..=150).collect()
        } else {
            (1..=150).filter(|n| *n != 3 && *n != 7).collect()
        };
        let offset = pagerduty::offset_of(seen) as usize;
        let page: Vec<_> = all
            .iter()
            .skip(offset)
            .take(100)
            .map(|n| pagerduty::incident(*n))
            .collect();
        let more = offset + page.len() < all.len();
        Canned::json(json!({"incidents": page, "limit": 100, "offset": offset, "more": more}))
    })
    .await;
    let client =
        PagerDutyClient::new(config(&server.url, Credential::ApiToken(secret("t")))).unwrap();
    let poll = client.open_incidents().await.unwrap();
    assert_eq!(poll.incidents.len(), 150, "nothing skipped, nothing twice");
    assert!(poll.incidents.iter().all(|i| i.is_mine()));
}

#[tokio::test]
async fn more_than_ten_thousand_matches_is_refused_with_advice() {
    let server = Scripted::start(|seen| {
        if seen.target.starts_with("/users/me") {
            return pagerduty::me();
        }
        let offset = pagerduty::offset_of(seen);
        let page: Vec<_> = (offset + 1..=offset + 100)
            .map(pagerduty::incident)
            .collect();
        Canned::json(json!({"incidents": page, "limit": 100, "offset": offset, "more": true}))
    })
    .await;
    let client =
        PagerDutyClient::new(config(&server.url, Credential::ApiToken(secret("t")))).unwrap();
    let error = client.open_incidents().await.unwrap_err();
    assert!(
        matches!(&error, ProviderError::Rejected { message, .. } if message.contains("more than 10,000 open incidents match; narrow the account's filter")),
        "{error:?}"
    );
    let last_offset = server
        .seen()
        .iter()
        .map(pagerduty::offset_of)
        .max()
        .unwrap();
    assert!(
        last_offset + 100 <= 10_000,
        "never asked past the limit: {last_offset}"
    );
}

//! An acknowledgement that lasts (issue 16): polls keep our silence alive while the
//! alert fires, never past `ack_max_duration` after the acknowledgement; they expire it
//! once its alerts resolve, so the next firing pages; `ack_matchers` keep it on through
//! a volatile label's change; nobody else's silence is ever touched.
//!
//! Durations are seconds here (Alertmanager takes any silence length); the config file
//! speaks hours.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use chrono::{DateTime, Utc};
use oncall_alertmanager::{AlertmanagerClient, AlertmanagerConfig, ACK_COMMENT};
use oncall_model::{ActionKind, ActionOutcome, FetchResult, Incident, Provider, Status};
use oncall_test_support::alertmanager::{config, Alertmanager, TestAlert, ME};
use oncall_test_support::{eventually_some, within};
use serde_json::{json, Value};

/// An account whose acks last `length`, are kept for up to `max`, polled every 250 ms.
fn lasting(am: &Alertmanager, length: Duration, max: Duration) -> AlertmanagerConfig {
    let mut account = config(&am.url);
    account.ack_duration = length;
    account.ack_max_duration = max;
    account.poll_interval = Duration::from_millis(250);
    account
}

async fn poll(client: &AlertmanagerClient) -> FetchResult {
    client.open_incidents().await.unwrap()
}

async fn only_incident(client: &AlertmanagerClient) -> Incident {
    let mut incidents = poll(client).await.incidents;
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    incidents.remove(0)
}

async fn acknowledge(client: &AlertmanagerClient, id: &str) {
    let results = client.act(&ActionKind::Acknowledge, &[id.to_owned()]).await;
    assert_eq!(results, vec![Ok(ActionOutcome::Done)]);
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

fn ours(silences: &[Value]) -> Vec<&Value> {
    silences
        .iter()
        .filter(|s| s["createdBy"] == ME && s["comment"].as_str().unwrap().starts_with(ACK_COMMENT))
        .collect()
}

/// When the user acknowledged: the moment an extension wrote in the comment, else the
/// start of the silence Acknowledge wrote.
fn acknowledged_at(silence: &Value) -> DateTime<Utc> {
    let comment = silence["comment"].as_str().unwrap();
    match comment.strip_prefix(&format!("{ACK_COMMENT} at ")) {
        Some(moment) => moment.parse().unwrap(),
        None => {
            assert_eq!(comment, ACK_COMMENT);
            time(&silence["startsAt"])
        }
    }
}

/// A silence as the Alertmanager UI writes it, with every field chosen.
async fn post_silence(am: &Alertmanager, silence: Value) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}api/v2/silences", am.url))
        .json(&silence)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["silenceID"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_firing_alerts_ack_is_extended_before_it_runs_out_but_never_past_the_maximum() {
    let am = Alertmanager::start().await;
    let (length, max) = (Duration::from_secs(8), Duration::from_secs(20));
    let client = AlertmanagerClient::new(lasting(&am, length, max)).unwrap();
    am.post_alert(&TestAlert::new(&[("alertname", "StillFiring")]))
        .await;
    let id = only_incident(&client).await.key.id;
    acknowledge(&client, &id).await;
    let silences = am.silences().await;
    let acked_at = acknowledged_at(ours(&silences)[0]);
    let limit = acked_at + chrono::Duration::from_std(max).unwrap();
    // Extensions end on whole seconds: the last one at the limit, rounded down.
    let last_end = DateTime::from_timestamp(limit.timestamp(), 0).unwrap();

    // Polling as the tray does: acknowledged all along, the silence extended on the
    // polls that find it ending within 4 s (half the ack), until the limit.
    let extensions = Cell::new(0);
    let ends_seen = RefCell::new(Vec::new());
    let (client, am, seen, counted) = (&client, &am, &ends_seen, &extensions);
    let retriggered = within(Duration::from_secs(30), move || async move {
        let result = poll(client).await;
        let silences = am.silences().await;
        let end = ours(&silences)
            .iter()
            .filter(|s| s["status"]["state"] == "active")
            .map(|s| time(&s["endsAt"]))
            .max();
        match result.requests {
            2 => {}
            3 => counted.set(counted.get() + 1),
            other => panic!("{other} requests for one poll"),
        }
        if let Some(end) = end {
            assert!(end <= limit, "extended to {end}, past the limit {limit}");
            seen.borrow_mut().push(end);
        }
        for silence in ours(&silences) {
            assert_eq!(acknowledged_at(silence), acked_at, "the moment is kept");
        }
        let incident = result.incidents[0].clone();
        if incident.status == Status::Acknowledged {
            assert_eq!(
                incident.status_changed_at, acked_at,
                "one episode throughout"
            );
        }
        (incident.status == Status::Triggered).then(|| (Utc::now(), incident))
    })
    .await;
    let (extensions, ends_seen) = (extensions.get(), ends_seen.into_inner());
    let (when, retriggered) = retriggered.expect("the alert pages again once the limit passed");
    assert!(
        when >= last_end,
        "triggered at {when}, before the limit {limit}: an extension was missed"
    );
    assert!(extensions >= 2, "{extensions} extensions: {ends_seen:?}");
    assert_eq!(
        ends_seen.iter().max(),
        Some(&last_end),
        "the last one reaches the limit"
    );
    assert!(
        ends_seen.windows(2).all(|w| w[0] <= w[1]),
        "the end only moves later: {ends_seen:?}"
    );
    // The silence ran out at the limit: a new episode from then.
    assert_eq!(retriggered.status_changed_at, last_end);
}

#[tokio::test]
async fn the_maximum_counts_from_the_acknowledgement_written_in_the_comment() {
    let am = Alertmanager::start().await;
    let client = AlertmanagerClient::new(lasting(
        &am,
        Duration::from_secs(6),
        Duration::from_secs(20),
    ))
    .unwrap();
    am.post_alert(&TestAlert::new(&[("alertname", "Replaced")]))
        .await;
    // What Alertmanager leaves when it replaces an extended silence: a new silence
    // starting now, the acknowledgement's moment (18 s ago) in its comment.
    let now = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    let acked_at = now - chrono::Duration::seconds(18);
    let ends_at = now + chrono::Duration::seconds(3);
    post_silence(
        &am,
        json!({
            "matchers": [{"name": "alertname", "value": "Replaced", "isRegex": false, "isEqual": true}],
            "startsAt": now,
            "endsAt": ends_at,
            "createdBy": ME,
            "comment": format!("{ACK_COMMENT} at {}", acked_at.format("%Y-%m-%dT%H:%M:%SZ")),
        }),
    )
    .await;
    assert_eq!(only_incident(&client).await.status, Status::Acknowledged);

    // Counted from its start, 20 s would allow extensions; from the moment, only 2 s
    // more, which is already less than the 3 s it lasts.
    let retriggered = eventually_some(
        "the silence running out",
        Duration::from_secs(10),
        || async {
            let result = poll(&client).await;
            assert_eq!(result.requests, 2, "nothing to extend");
            let incident = result.incidents[0].clone();
            (incident.status == Status::Triggered).then_some(incident)
        },
    )
    .await;
    assert_eq!(retriggered.status_changed_at, ends_at);
    let silences = am.silences().await;
    assert_eq!(
        time(&ours(&silences)[0]["endsAt"]),
        ends_at,
        "never extended"
    );
}

#[tokio::test]
async fn an_ack_is_expired_when_its_alert_resolves_and_the_next_firing_pages() {
    let am = Alertmanager::start().await;
    let client = AlertmanagerClient::new(config(&am.url)).unwrap();
    let alert = TestAlert::new(&[("alertname", "Flaps"), ("instance", "db1")]);
    am.post_alert(&alert).await;
    let first = only_incident(&client).await;
    acknowledge(&client, &first.key.id).await;
    let result = poll(&client).await;
    assert_eq!(result.requests, 2, "a fresh ack needs nothing");
    assert_eq!(result.incidents[0].status, Status::Acknowledged);

    am.resolve_alert(&alert).await;
    let result = poll(&client).await;
    assert!(result.incidents.is_empty());
    assert_eq!(
        result.requests, 4,
        "asked whether any alert still matches, then expired"
    );
    let silences = am.silences().await;
    assert_eq!(silences.len(), 1);
    assert_eq!(silences[0]["status"]["state"], "expired", "{silences:#?}");
    assert_eq!(poll(&client).await.requests, 2, "nothing left to do");

    // The next firing is a new page, not hidden behind the old acknowledgement.
    let mut again = alert.clone();
    again.starts_at = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    am.post_alert(&again).await;
    let refired = only_incident(&client).await;
    assert_eq!(
        refired.key, first.key,
        "the same labels, the same fingerprint"
    );
    assert_eq!(refired.status, Status::Triggered);
    assert!(refired.status_changed_at > first.status_changed_at);
}

#[tokio::test]
async fn with_ack_matchers_a_volatile_label_changing_keeps_the_alert_silenced() {
    let am = Alertmanager::start().await;
    let mut account = config(&am.url);
    account.ack_matchers = Some(vec!["alertname".into(), "instance".into(), "job".into()]);
    let client = AlertmanagerClient::new(account).unwrap();
    let first_pod = TestAlert::new(&[
        ("alertname", "Down"),
        ("instance", "db1"),
        ("pod", "db1-7f9c"),
    ]);
    am.post_alert(&first_pod).await;
    acknowledge(&client, &only_incident(&client).await.key.id).await;
    let silences = am.silences().await;
    let mut matchers = ours(&silences)[0]["matchers"].as_array().unwrap().clone();
    matchers.sort_by_key(|m| m["name"].as_str().unwrap().to_owned());
    assert_eq!(
        matchers,
        vec![
            json!({"name": "alertname", "value": "Down", "isRegex": false, "isEqual": true}),
            json!({"name": "instance", "value": "db1", "isRegex": false, "isEqual": true}),
            // No job label on the alert: matched as absent.
            json!({"name": "job", "value": "", "isRegex": false, "isEqual": true}),
        ]
    );

    // The pod is replaced: the old alert resolves, one with a new pod label fires.
    am.resolve_alert(&first_pod).await;
    am.post_alert(&TestAlert::new(&[
        ("alertname", "Down"),
        ("instance", "db1"),
        ("pod", "db1-a41e"),
    ]))
    .await;
    // An alert that has the job label is another alert: the silence leaves it ringing.
    am.post_alert(&TestAlert::new(&[
        ("alertname", "Down"),
        ("instance", "db1"),
        ("job", "node"),
    ]))
    .await;

    let result = poll(&client).await;
    let mut statuses: Vec<(String, Status)> = result
        .incidents
        .iter()
        .map(|i| (i.title.clone(), i.status))
        .collect();
    statuses.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        statuses,
        vec![
            ("Down (instance=db1)".to_owned(), Status::Acknowledged),
            (
                "Down (instance=db1, job=node)".to_owned(),
                Status::Triggered
            ),
        ]
    );
    assert_eq!(
        result.requests, 2,
        "the new pod's alert keeps it: nothing to expire"
    );
    assert_eq!(am.silences().await[0]["status"]["state"], "active");
}

#[tokio::test]
async fn resolved_is_only_concluded_from_a_list_that_would_show_the_alert() {
    let am = Alertmanager::start().await;
    let mut account = config(&am.url);
    account.filter = vec![r#"team="db""#.into()];
    account.ack_matchers = Some(vec!["alertname".into()]);
    let client = AlertmanagerClient::new(account).unwrap();
    let ours_alert = TestAlert::new(&[("alertname", "Down"), ("team", "db")]);
    am.post_alert(&ours_alert).await;
    // The acknowledgement on `alertname` also silences this one, which the account's
    // filter does not show.
    am.post_alert(&TestAlert::new(&[("alertname", "Down"), ("team", "web")]))
        .await;
    acknowledge(&client, &only_incident(&client).await.key.id).await;

    am.resolve_alert(&ours_alert).await;
    let result = poll(&client).await;
    assert!(result.incidents.is_empty());
    assert_eq!(result.requests, 3, "asked, and an alert still matches");
    assert_eq!(am.silences().await[0]["status"]["state"], "active");
    assert_eq!(
        poll(&client).await.requests,
        2,
        "not asked again: it is left to run out"
    );
}

#[tokio::test]
async fn a_silence_someone_else_made_is_never_touched() {
    let am = Alertmanager::start().await;
    // Polled every 40 minutes: any 1 h silence of ours would be extended at once.
    let mut account = config(&am.url);
    account.poll_interval = Duration::from_secs(40 * 60);
    let client = AlertmanagerClient::new(account).unwrap();
    am.post_alert(&TestAlert::new(&[("alertname", "Maintenance")]))
        .await;
    am.post_alert(&TestAlert::new(&[("alertname", "ByHand")]))
        .await;
    am.post_alert(&TestAlert::new(&[("alertname", "Lookalike")]))
        .await;
    am.silence_as(
        "sam",
        "planned maintenance",
        &[("alertname", "Maintenance")],
    )
    .await;
    am.silence_as(ME, "muting by hand", &[("alertname", "ByHand")])
        .await;
    am.silence_as("sam", ACK_COMMENT, &[("alertname", "Lookalike")])
        .await;
    // Silences of theirs whose alerts are gone (or never were).
    am.silence_as("sam", "planned maintenance", &[("alertname", "Resolved")])
        .await;
    am.silence_as(ME, "muting by hand", &[("alertname", "Resolved")])
        .await;
    let before = am.silences().await;

    for _ in 0..3 {
        let result = poll(&client).await;
        assert!(result.incidents.is_empty(), "{:#?}", result.incidents);
        assert_eq!(result.requests, 2);
    }
    let mut after = am.silences().await;
    let mut before = before;
    let by_id = |a: &Value, b: &Value| a["id"].as_str().cmp(&b["id"].as_str());
    before.sort_by(by_id);
    after.sort_by(by_id);
    assert_eq!(after, before, "unchanged, to the millisecond");
}

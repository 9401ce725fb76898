//! What a poll shows: triggered alerts with the right title and urgency, others'
//! silences respected, resolved alerts gone, the account's filter applied.

use oncall_alertmanager::{AlertmanagerClient, ClientError};
use oncall_model::{Incident, Provider, ProviderError, Status, Urgency};
use oncall_test_support::alertmanager::{config, Alertmanager, TestAlert, ME};

async fn poll(client: &AlertmanagerClient) -> Vec<Incident> {
    let result = client.open_incidents().await.unwrap();
    assert_eq!(result.requests, 2, "alerts and silences");
    let mut incidents = result.incidents;
    incidents.sort_by(|a, b| a.title.cmp(&b.title));
    incidents
}

#[tokio::test]
async fn a_firing_alert_is_listed_triggered_with_its_summary_and_urgency() {
    let am = Alertmanager::start().await;
    let client = AlertmanagerClient::new(config(&am.url)).unwrap();
    assert!(poll(&client).await.is_empty());

    let disk = TestAlert::new(&[
        ("alertname", "DiskFull"),
        ("severity", "critical"),
        ("instance", "db1:9100"),
        ("job", "node"),
    ])
    .summary("Disk almost full on db1")
    .generator("http://prometheus.example:9090/graph?g0.expr=disk");
    let latency = TestAlert::new(&[
        ("alertname", "HighLatency"),
        ("severity", "warning"),
        ("service", "checkout"),
    ]);
    am.post_alert(&disk).await;
    am.post_alert(&latency).await;

    let incidents = poll(&client).await;
    assert_eq!(incidents.len(), 2, "{incidents:#?}");
    let (disk_incident, latency_incident) = (&incidents[0], &incidents[1]);

    assert_eq!(disk_incident.title, "Disk almost full on db1");
    assert_eq!(disk_incident.status, Status::Triggered);
    assert_eq!(disk_incident.urgency, Urgency::High);
    assert_eq!(disk_incident.service.as_deref(), Some("node"));
    assert_eq!(disk_incident.created_at, disk.starts_at);
    assert_eq!(disk_incident.status_changed_at, disk.starts_at);
    assert_eq!(disk_incident.assigned_to_me_at, Some(disk.starts_at));
    assert_eq!(
        disk_incident.web_url.as_deref(),
        Some("http://prometheus.example:9090/graph?g0.expr=disk")
    );
    assert_eq!(disk_incident.escalation_policy.as_deref(), Some("null"));
    assert_eq!(disk_incident.key.account.as_str(), "prom");
    assert!(!disk_incident.key.id.is_empty(), "the fingerprint");

    assert_eq!(latency_incident.title, "HighLatency (service=checkout)");
    assert_eq!(latency_incident.urgency, Urgency::Low);
    assert_eq!(latency_incident.service.as_deref(), Some("checkout"));
    assert_eq!(
        latency_incident.web_url.as_deref(),
        Some(format!("{}#/alerts", am.url).as_str())
    );

    // The identity is the configured user; the status call proves the server is there.
    let me = client.identify().await.unwrap();
    assert_eq!((me.user_id.as_str(), me.name.as_str()), (ME, ME));
    assert_eq!(client.on_calls().await.unwrap(), vec![]);
}

/// Issue 12: whoever can post an alert sets its `generatorURL`, which the tray would hand
/// to the system's URL opener (a file, a share, any registered scheme handler); its
/// annotations reach terminals and menus.
#[tokio::test]
async fn a_generator_url_that_is_not_a_web_page_gives_no_link_and_hostile_text_is_cleaned() {
    let am = Alertmanager::start().await;
    let client = AlertmanagerClient::new(config(&am.url)).unwrap();
    let passwd = TestAlert::new(&[("alertname", "Passwd"), ("severity", "critical")])
        .summary("DB\u{1b}[2J \u{1b}]52;c;ZXZpbA==\u{7}\u{0}\u{202E}down\u{9b}31m")
        .generator("file:///etc/passwd");
    let share = TestAlert::new(&[("alertname", "Share")]).generator("smb://fileserver/share/x.exe");
    let graph = TestAlert::new(&[("alertname", "Graph")])
        .generator("https://prometheus.example/graph?g0.expr=up");
    for alert in [&passwd, &share, &graph] {
        am.post_alert(alert).await;
    }

    let incidents = poll(&client).await;
    let titles: Vec<&str> = incidents.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["DB [2J ]52;c;ZXZpbA== down 31m", "Graph", "Share"]);
    assert_eq!(
        incidents[0].web_url, None,
        "file:// from a real Alertmanager"
    );
    assert_eq!(
        incidents[1].web_url.as_deref(),
        Some("https://prometheus.example/graph?g0.expr=up")
    );
    assert_eq!(incidents[2].web_url, None, "smb://");
}

#[tokio::test]
async fn an_alert_someone_else_silenced_is_not_listed() {
    let am = Alertmanager::start().await;
    let client = AlertmanagerClient::new(config(&am.url)).unwrap();
    am.post_alert(&TestAlert::new(&[
        ("alertname", "Muted"),
        ("instance", "a"),
    ]))
    .await;
    am.post_alert(&TestAlert::new(&[("alertname", "Loud"), ("instance", "a")]))
        .await;
    am.silence_as("sam", "planned maintenance", &[("alertname", "Muted")])
        .await;
    // Our user name with another comment is a deliberate mute too, not an ack.
    am.post_alert(&TestAlert::new(&[("alertname", "Hand"), ("instance", "a")]))
        .await;
    am.silence_as(ME, "muting by hand", &[("alertname", "Hand")])
        .await;

    let titles: Vec<String> = poll(&client).await.into_iter().map(|i| i.title).collect();
    assert_eq!(titles, ["Loud (instance=a)"]);
}

#[tokio::test]
async fn a_resolved_alert_leaves_the_list() {
    let am = Alertmanager::start().await;
    let client = AlertmanagerClient::new(config(&am.url)).unwrap();
    let alert = TestAlert::new(&[("alertname", "Flapping")]);
    am.post_alert(&alert).await;
    assert_eq!(poll(&client).await.len(), 1);
    am.resolve_alert(&alert).await;
    assert!(poll(&client).await.is_empty());
}

#[tokio::test]
async fn the_filter_and_receiver_narrow_the_list() {
    let am = Alertmanager::start().await;
    am.post_alert(&TestAlert::new(&[("alertname", "A"), ("team", "db")]))
        .await;
    am.post_alert(&TestAlert::new(&[("alertname", "B"), ("team", "web")]))
        .await;
    am.post_alert(&TestAlert::new(&[
        ("alertname", "C"),
        ("team", "db"),
        ("env", "dev"),
    ]))
    .await;

    let titles = |incidents: Vec<Incident>| -> Vec<String> {
        incidents.into_iter().map(|i| i.title).collect()
    };
    let all = AlertmanagerClient::new(config(&am.url)).unwrap();
    assert_eq!(titles(poll(&all).await), ["A", "B", "C"]);

    let mut narrowed = config(&am.url);
    narrowed.filter = vec![r#"team="db""#.into(), r#"env!="dev""#.into()];
    let db = AlertmanagerClient::new(narrowed).unwrap();
    assert_eq!(titles(poll(&db).await), ["A"]);

    let mut by_receiver = config(&am.url);
    by_receiver.receiver = Some("nu.*".into());
    let receiver = AlertmanagerClient::new(by_receiver.clone()).unwrap();
    assert_eq!(titles(poll(&receiver).await), ["A", "B", "C"]);
    by_receiver.receiver = Some("pager".into());
    let other = AlertmanagerClient::new(by_receiver).unwrap();
    assert!(poll(&other).await.is_empty());

    // A matcher Alertmanager cannot parse is its 400, with its own words.
    let mut broken = config(&am.url);
    broken.filter = vec!["team=~(".into()];
    let error = AlertmanagerClient::new(broken)
        .unwrap()
        .open_incidents()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ProviderError::Rejected { status: 400, message, .. } if !message.starts_with("HTTP")),
        "{error:?}"
    );
}

#[tokio::test]
async fn plain_http_is_refused_except_on_loopback() {
    let error =
        AlertmanagerClient::new(config("http://alertmanager.example.com:9093/")).unwrap_err();
    assert!(matches!(error, ClientError::InsecureUrl(_)), "{error:?}");
    let error = AlertmanagerClient::new(config("http://10.1.2.3:9093/")).unwrap_err();
    assert!(matches!(error, ClientError::InsecureUrl(_)), "{error:?}");
    assert!(AlertmanagerClient::new(config("https://alertmanager.example.com/am/")).is_ok());
    assert!(AlertmanagerClient::new(config("http://localhost:9093/")).is_ok());
}

#[tokio::test]
async fn a_stopped_server_is_unavailable_and_a_wrong_prefix_is_refused() {
    let am = Alertmanager::start().await;
    let url = am.url.clone();
    // No route prefix configured on the server: `/am/api/v2/…` does not exist.
    let wrong_prefix = AlertmanagerClient::new(config(&format!("{url}am/"))).unwrap();
    let error = wrong_prefix.open_incidents().await.unwrap_err();
    assert!(!error.is_transient(), "{error:?}");
    drop(am);
    let client = AlertmanagerClient::new(config(&url)).unwrap();
    let error = client.open_incidents().await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    let error = client.identify().await.unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
}

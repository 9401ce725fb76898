//! Three accounts in one app: PagerDuty (fake), a real Alertmanager, Opsgenie (fake).
//! Each pages on its own, each fails on its own, and the pages name their account.

// The real-Alertmanager harness of crates/alertmanager's own tests, shared as is.
#[allow(dead_code)]
#[path = "../crates/alertmanager/tests/it/util.rs"]
mod am;

use std::time::Duration;

use am::{Alertmanager, TestAlert};
use oncall_fake_opsgenie::{FakeOpsgenie, NewAlert};
use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_notification_recorder::{Recorder, TestBus};
use oncall_tray_e2e::{Sandbox, PAT_TOKEN, TIMEOUT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_alertmanager_and_opsgenie_page_and_fail_independently() {
    let bus = TestBus::start().expect("a private D-Bus bus");
    let screen = Recorder::start(Some(&bus.address)).await.unwrap();
    let pagerduty = FakePagerDuty::new();
    let pd = pagerduty.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let alertmanager = Alertmanager::start().await;
    let opsgenie = FakeOpsgenie::new();
    let og = opsgenie.serve(([127, 0, 0, 1], 0).into()).await.unwrap();

    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\napi_url = \"{pd}\"\n\
         poll_interval_seconds = 2\ntoken_command = \"printf %s {PAT_TOKEN}\"\n\n\
         [[accounts]]\nname = \"prom\"\nprovider = \"alertmanager\"\napi_url = \"{am}\"\n\
         poll_interval_seconds = 2\ncreated_by = \"pat\"\n\n\
         [[accounts]]\nname = \"ops\"\nprovider = \"opsgenie\"\napi_url = \"{og}\"\n\
         poll_interval_seconds = 2\ntoken_command = \"printf %s revoked-key\"\n",
        pd = pd.url,
        am = alertmanager.url,
        og = og.url,
    ));
    let mut app = sandbox.spawn_headless(&bus.address);

    // Opsgenie refuses the key: one notification says so, naming the service.
    let seen = screen
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("rejected"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let rejected: Vec<_> = seen
        .iter()
        .filter(|n| n.summary.contains("rejected"))
        .collect();
    assert_eq!(rejected.len(), 1, "{seen:#?}");
    assert_eq!(
        rejected[0].summary,
        "Opsgenie rejected the token of account ops"
    );
    opsgenie.create_alert(NewAlert::new("never seen: the key is wrong"));

    // The other two keep paging, and each page names its account.
    pagerduty.trigger(NewIncident::new("Checkout API is down"));
    let disk = TestAlert::new(&[
        ("alertname", "DiskFull"),
        ("instance", "db-1"),
        ("severity", "critical"),
    ])
    .summary("Disk full on db-1");
    alertmanager.post_alert(&disk).await;
    let seen = screen
        .wait_for(TIMEOUT, |n| {
            n.iter()
                .any(|n| n.summary == "work: [high] #1 Checkout API is down")
                && n.iter()
                    .any(|n| n.summary == "prom: [high] Disk full on db-1")
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let page = seen
        .iter()
        .find(|n| n.summary.starts_with("prom:"))
        .unwrap()
        .clone();
    assert_eq!(page.action_label("ack"), Some("Acknowledge"), "{page:#?}");

    // Acknowledge from the notification: a silence on exactly that alert's labels.
    screen.press(page.id, "ack").await.unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    let silence = loop {
        let silences = alertmanager.silences().await;
        if let Some(s) = silences
            .into_iter()
            .find(|s| s["status"]["state"] == "active")
        {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no silence:\n{}",
            app.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(silence["createdBy"], "pat");
    assert_eq!(silence["comment"], "Acknowledged from oncall-tray");
    let mut matchers: Vec<(String, String)> = silence["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().into(),
                m["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    matchers.sort();
    assert_eq!(
        matchers,
        vec![
            ("alertname".to_string(), "DiskFull".to_string()),
            ("instance".to_string(), "db-1".to_string()),
            ("severity".to_string(), "critical".to_string()),
        ]
    );

    // An alert that resolves at its source withdraws its page.
    let cpu = TestAlert::new(&[
        ("alertname", "HighCPU"),
        ("instance", "web-1"),
        ("severity", "warning"),
    ])
    .summary("CPU above 90% on web-1");
    alertmanager.post_alert(&cpu).await;
    let seen = screen
        .wait_for(TIMEOUT, |n| {
            n.iter()
                .any(|n| n.summary == "prom: CPU above 90% on web-1")
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let cpu_page = seen.iter().find(|n| n.summary.contains("CPU")).unwrap().id;
    alertmanager.resolve_alert(&cpu).await;
    screen
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.id == cpu_page && !n.is_open())
        })
        .await
        .unwrap_or_else(|e| app.fail(e));

    // Opsgenie never polled past its rejected key; PagerDuty's page is still up.
    assert!(
        opsgenie.requests().len() <= 2,
        "{:?}",
        opsgenie.requests().len()
    );
    app.terminate();
    assert_eq!(app.wait_exit(TIMEOUT).await, Some(0), "{}", app.log());
}

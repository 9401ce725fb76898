//! Three accounts in one tray app: PagerDuty (fake), a real Alertmanager, Opsgenie
//! (fake). Each pages on its own and fails on its own; the pages name their account, the
//! tray groups incidents by account and says which one is in trouble, and the window
//! has an account column and filter.

use oncall_fake_opsgenie::{FakeOpsgenie, NewAlert};
use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_test_support::alertmanager::{Alertmanager, TestAlert};
use oncall_test_support::eventually_some;
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{Sandbox, PAT_TOKEN, TIMEOUT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_alertmanager_and_opsgenie_page_and_fail_independently() {
    let desktop = Desktop::start().await;
    let screen = &desktop.recorder;
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
    // The app with its window open, driven through WebDriver.
    let window = Driver::start(&sandbox, &desktop, &["--show"]).await;
    let tray = desktop.tray().await;

    // Opsgenie refuses the key: one notification says so, naming the service.
    let seen = screen
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("rejected"))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
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
        .unwrap_or_else(|e| panic!("{e}"));
    let page = seen
        .iter()
        .find(|n| n.summary.starts_with("prom:"))
        .unwrap()
        .clone();
    assert_eq!(page.action_label("ack"), Some("Acknowledge"), "{page:#?}");

    // Acknowledge from the notification: a silence on exactly that alert's labels.
    screen.press(page.id, "ack").await.unwrap();
    let silence = eventually_some("a silence being created", TIMEOUT, || async {
        let silences = alertmanager.silences().await;
        silences
            .into_iter()
            .find(|s| s["status"]["state"] == "active")
    })
    .await;
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
        .unwrap_or_else(|e| panic!("{e}"));
    let cpu_page = seen.iter().find(|n| n.summary.contains("CPU")).unwrap().id;
    alertmanager.resolve_alert(&cpu).await;
    screen
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.id == cpu_page && !n.is_open())
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // The tray: incidents grouped under their accounts, the account in trouble named.
    tray.wait_for_menu("accounts grouped and ops' trouble named", |m| {
        m.find("ops: token rejected").is_some()
            && m.labels().iter().any(|l| l == "work")
            && m.labels().iter().any(|l| l == "prom")
    })
    .await;

    // The window: an account column, and a filter that shows one account.
    window
        .wait_for(
            "rows of both accounts",
            "const accounts = [...document.querySelectorAll('#incidents tbody td.account')]\
             .map(td => td.textContent); return accounts.includes('work') && accounts.includes('prom')",
        )
        .await;
    window
        .script(
            "const s = document.getElementById('account-filter'); s.value = 'prom'; \
             s.dispatchEvent(new Event('change')); return true",
        )
        .await;
    window
        .wait_for(
            "only prom's rows",
            "const accounts = [...document.querySelectorAll('#incidents tbody td.account')]\
             .map(td => td.textContent); return accounts.length > 0 && accounts.every(a => a === 'prom')",
        )
        .await;

    // Opsgenie never polled past its rejected key.
    assert!(
        opsgenie.requests().len() <= 2,
        "{:?}",
        opsgenie.requests().len()
    );
    window.quit().await;
}

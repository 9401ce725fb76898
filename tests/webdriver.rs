//! The window as a person uses it, through WebDriver against the real app window.

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{fake_account_config, Sandbox};

#[tokio::test]
async fn an_incident_that_triggers_appears_in_the_open_window() {
    let desktop = Desktop::start().await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    let driver = Driver::start(&sandbox, &desktop, &["--show"]).await;

    driver
        .wait_for(
            "\"All clear\"",
            "return document.getElementById('state').textContent === 'All clear'",
        )
        .await;
    fake.trigger(NewIncident::new("Checkout API is down"));
    driver
        .wait_for(
            "the incident's row",
            "return [...document.querySelectorAll('#incidents tbody tr')]\
             .some(tr => tr.textContent.includes('Checkout API is down') && tr.textContent.includes('triggered'))",
        )
        .await;
    let state = driver
        .script("return document.getElementById('state').textContent")
        .await;
    assert_eq!(state, "1 triggered · 0 acknowledged");
    driver.quit().await;
}

//! The window as a person uses it, through WebDriver against the real app window.

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident, RunningFake};
use oncall_model::Status;
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{fake_account_config, wait_for_requests, Sandbox};

/// The app with its window open on one account of a fake PagerDuty, showing "All clear".
struct Window {
    driver: Driver,
    fake: FakePagerDuty,
    _server: RunningFake,
    _sandbox: Sandbox,
    _desktop: Desktop,
}

impl Window {
    async fn open() -> Window {
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
        Window {
            driver,
            fake,
            _server: server,
            _sandbox: sandbox,
            _desktop: desktop,
        }
    }

    async fn close(self) {
        self.driver.quit().await;
    }

    /// Triggers an incident in the fake and waits for its row; returns its id.
    async fn trigger(&self, title: &str) -> String {
        let id = self.fake.trigger(NewIncident::new(title));
        self.driver
            .wait_for(
                "the incident's row",
                &format!("return {} === 'triggered'", status_of(&id)),
            )
            .await;
        id
    }

    /// Waits for the fake to record an acknowledgement of `id` sent as Pat, and for the
    /// row to say "acknowledged".
    async fn expect_acknowledged(&self, id: &str) {
        let requests = wait_for_requests(&self.fake, "the acknowledgement", |r| {
            r.iter()
                .any(|r| r.method == "PUT" && r.path.starts_with("/incidents") && r.status == 200)
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let put = requests
            .iter()
            .find(|r| r.method == "PUT" && r.path.starts_with("/incidents"))
            .unwrap();
        assert_eq!(put.header("from"), Some("pat@example.com"), "{put:#?}");
        assert!(put.body.contains("acknowledged"), "{put:#?}");
        assert_eq!(self.fake.incident(id).unwrap().status, Status::Acknowledged);
        self.driver
            .wait_for(
                "the row acknowledged",
                &format!("return {} === 'acknowledged'", status_of(id)),
            )
            .await;
    }
}

/// A script expression: the status text of incident `id`'s row (`null` without a row).
fn status_of(id: &str) -> String {
    format!(
        "(document.querySelector('#incidents tbody tr[data-key=\"work/{id}\"] .status-text')?.textContent ?? null)"
    )
}

#[tokio::test]
async fn an_incident_that_triggers_appears_in_the_open_window() {
    let window = Window::open().await;
    window
        .fake
        .trigger(NewIncident::new("Checkout API is down"));
    window
        .driver
        .wait_for(
            "the incident's row",
            "return [...document.querySelectorAll('#incidents tbody tr')]\
             .some(tr => tr.textContent.includes('Checkout API is down') && tr.textContent.includes('triggered'))",
        )
        .await;
    let state = window
        .driver
        .script("return document.getElementById('state').textContent")
        .await;
    assert_eq!(state, "1 triggered · 0 acknowledged");
    // The fake puts Pat on call for its escalation policy until 8 hours from now.
    window
        .driver
        .wait_for(
            "the on-call line",
            "return document.getElementById('oncall').textContent\
             .startsWith('You are on call for Checkout on-call (Primary) until ')",
        )
        .await;
    window.close().await;
}

#[tokio::test]
async fn clicking_acknowledge_on_a_row_acknowledges_it_in_the_service() {
    let window = Window::open().await;
    let id = window.trigger("Checkout API is down").await;
    window
        .driver
        .click(&format!(
            "#incidents tbody tr[data-key=\"work/{id}\"] button[data-action=\"ack\"]"
        ))
        .await;
    window.expect_acknowledged(&id).await;
    let state = window
        .driver
        .script("return document.getElementById('state').textContent")
        .await;
    assert_eq!(state, "0 triggered · 1 acknowledged");
    window.close().await;
}

#[tokio::test]
async fn j_then_a_acknowledges_the_first_row_from_the_keyboard() {
    let window = Window::open().await;
    let id = window.trigger("Disk full on db-1").await;
    window.driver.keys("j").await;
    window
        .driver
        .wait_for(
            "the first row chosen",
            &format!(
                "return document.querySelector('#incidents tbody tr.current')?.dataset.key === 'work/{id}'"
            ),
        )
        .await;
    window.driver.keys("a").await;
    window.expect_acknowledged(&id).await;
    window.close().await;
}

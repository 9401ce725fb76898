//! Issue 17 in the real window, through WebDriver, with a real keychain and the
//! notification recorder: a person adds a Jira Service Management account and a Grafana
//! OnCall account in Settings (the token typed into the form), is paged, acknowledges
//! from the notification, and the service confirms it; and an Opsgenie account with a
//! page that already rang is moved to JSM from Settings (after its notice, which stays
//! dismissed across a restart) without ringing again.
//!
//! The services are the fakes' libraries served in this process (`oncall-fake-jsm`,
//! `oncall-fake-grafana-oncall`, `oncall-fake-opsgenie`), each of which plays the
//! vendor's documented API on loopback.

use std::sync::Arc;

use chrono::Utc;
use oncall_fake_grafana_oncall::{FakeGrafanaOnCall, GroupState, NewAlertGroup};
use oncall_fake_jsm::FakeJsm;
use oncall_fake_opsgenie::FakeOpsgenie;
use oncall_notification_recorder::Recorded;
use oncall_test_support::eventually_some;
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::keyring::{installed, lookup, start_keyring, store, token_user, Keyring};
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{descendants_named, is_alive, wait_until, wait_until_or, Sandbox, TIMEOUT};

/// A desktop with a keychain, a sandbox, and the app with its window open.
struct Setup {
    driver: Option<Driver>,
    sandbox: Sandbox,
    keyring: Keyring,
    desktop: Desktop,
}

impl Setup {
    /// `None` (the test says why and passes) where the keychain cannot run.
    async fn start(config: Option<String>, stored: &[(String, &str)]) -> Option<Setup> {
        if !installed("gnome-keyring-daemon") || !installed("secret-tool") {
            eprintln!(
                "\n\n*** SKIPPED: gnome-keyring-daemon or secret-tool is not installed \
                 (apt-get install gnome-keyring libsecret-tools; ./dev test does) ***\n"
            );
            return None;
        }
        let desktop = Desktop::start().await;
        let keyring = start_keyring(&desktop.bus.address).await;
        let sandbox = Sandbox::new();
        if let Some(text) = config {
            sandbox.write_config(&text);
        }
        for (user, token) in stored {
            store(&desktop.bus.address, &keyring, user, token);
        }
        let mut setup = Setup {
            driver: None,
            sandbox,
            keyring,
            desktop,
        };
        setup.launch().await;
        Some(setup)
    }

    /// Starts the app with its window; its log goes beside the config directory.
    async fn launch(&mut self) {
        let log = self.sandbox.config_dir().with_file_name("app.log");
        self.driver = Some(
            Driver::start_with(&self.sandbox, &self.desktop, &["--show"], &[], Some(&log)).await,
        );
    }

    fn driver(&self) -> &Driver {
        self.driver.as_ref().expect("the app is running")
    }

    /// Quits the app and waits until it is gone (its data directory's lock with it),
    /// then starts it again on the same files and keychain.
    async fn restart(&mut self) {
        let driver = self.driver.take().expect("the app is running");
        let apps = descendants_named(driver.pid(), "oncall-tray");
        driver.quit().await;
        wait_until("the app to exit", || apps.iter().all(|pid| !is_alive(*pid))).await;
        self.launch().await;
    }

    async fn open_settings(&self) {
        let driver = self.driver();
        driver.wait_for_first_view().await;
        driver.click("#tab-settings").await;
        driver
            .wait_for(
                "the settings",
                "return !document.getElementById('panel-settings').hidden \
                 && document.querySelectorAll('#account-list li, #no-accounts:not([hidden])').length > 0",
            )
            .await;
    }

    /// Adds an account in the form: `provider`, then each `(field, value)`.
    async fn add_account(&self, provider: &str, fields: &[(&str, &str)]) {
        let driver = self.driver();
        driver.click("#add-account").await;
        driver
            .script(&format!(
                "const s = document.querySelector('#account-form [name=\"provider\"]'); \
                 s.value = {provider:?}; s.dispatchEvent(new Event('change')); return true"
            ))
            .await;
        for (field, value) in fields {
            driver
                .fill(&format!("form#account-form [name=\"{field}\"]"), value)
                .await;
        }
        driver.click("#account-save").await;
    }

    /// Types `token` into the token form, which the save put on `account`, and saves it;
    /// panics unless the service accepted it.
    async fn enter_token(&self, account: &str, token: &str) {
        let driver = self.driver();
        driver
            .wait_for(
                "the token form on the new account",
                &format!("return document.getElementById('token-account').value === '{account}'"),
            )
            .await;
        driver.fill("#token-input", token).await;
        driver.click("#save-token").await;
        driver
            .wait_for(
                "the token's result",
                "const r = document.getElementById('token-result')?.dataset.result; \
                 return !!r && r !== 'checking'",
            )
            .await;
        let result = driver
            .script("return document.getElementById('token-result').textContent")
            .await;
        let result = result.as_str().unwrap_or_default();
        assert!(result.contains("checked and stored"), "{result}");
    }

    /// Waits for a notification whose summary contains `title`, and returns it.
    async fn page(&self, title: &str) -> Recorded {
        let seen = self
            .desktop
            .recorder
            .wait_for(TIMEOUT, |n| n.iter().any(|n| n.summary.contains(title)))
            .await
            .unwrap_or_else(|e| panic!("no page for {title:?}: {e}"));
        seen.into_iter()
            .find(|n| n.summary.contains(title))
            .expect("just seen")
    }

    /// The notifications so far whose summary contains `title`.
    fn pages_of(&self, title: &str) -> Vec<Recorded> {
        self.desktop
            .recorder
            .notifications()
            .into_iter()
            .filter(|n| n.summary.contains(title))
            .collect()
    }

    async fn close(mut self) {
        if let Some(driver) = self.driver.take() {
            driver.quit().await;
        }
        drop(self.keyring);
        drop(self.desktop);
    }
}

/// A person adds their JSM Operations account in Settings (the fake plays both the Jira
/// site and Atlassian's API), is paged, acknowledges from the notification, and JSM
/// confirms it through the request's status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jsm_account_added_in_settings_pages_and_acknowledges_from_the_notification() {
    let jsm = FakeJsm::new();
    let server = jsm.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let Some(s) = Setup::start(None, &[]).await else {
        return;
    };
    s.open_settings().await;
    s.add_account(
        "jsm",
        &[
            ("name", "jira"),
            ("site", &server.url),
            ("api_url", &server.url),
            ("email", oncall_fake_jsm::EMAIL),
            ("poll_interval_seconds", "2"),
        ],
    )
    .await;
    s.enter_token("jira", oncall_fake_jsm::API_TOKEN).await;
    let config = s.sandbox.config_text();
    assert!(config.contains("provider = \"jsm\""), "{config}");
    assert!(!config.contains(oncall_fake_jsm::API_TOKEN), "{config}");
    assert_eq!(
        lookup(
            &s.desktop.bus.address,
            &s.keyring,
            &token_user("jira", &server.url)
        )
        .as_deref(),
        Some(oncall_fake_jsm::API_TOKEN),
        "the token is in the keychain, kept for the API's origin"
    );

    let id =
        jsm.create_alert(oncall_fake_jsm::NewAlert::new("Payments API is down").priority("P1"));
    let page = s.page("Payments API is down").await;
    assert_eq!(page.action_label("ack"), Some("Acknowledge"), "{page:#?}");
    s.desktop.recorder.press(page.id, "ack").await.unwrap();

    // JSM takes the acknowledgement asynchronously (202 and a request id); the app asks
    // for the request's status before it counts it done.
    let alert = eventually_some("JSM to acknowledge the alert", TIMEOUT, || async {
        jsm.alert(&id).filter(|a| a.acknowledged)
    })
    .await;
    assert!(alert.acknowledged, "{alert:?}");
    wait_until_or(
        "the app to ask JSM for the acknowledgement's status",
        || {
            format!(
                "{:#?}",
                jsm.requests()
                    .iter()
                    .map(|r| (&r.method, &r.path, r.status))
                    .collect::<Vec<_>>()
            )
        },
        || {
            jsm.requests().iter().any(|r| {
                r.method == "GET" && r.path.contains("/v1/alerts/requests/") && r.status == 200
            })
        },
    )
    .await;
    s.driver()
        .wait_for(
            "the row to show the acknowledgement",
            &format!(
                "return document.querySelector('#incidents tbody tr[data-key=\"jira/{id}\"]')?.dataset.status === 'acknowledged'"
            ),
        )
        .await;
    s.close().await;
    drop(server);
}

/// The same for Grafana OnCall (open source or Grafana Cloud IRM): its OnCall API URL
/// and API key typed into Settings, a page, Acknowledge on the notification, and the
/// alert group acknowledged in OnCall.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grafana_oncall_account_added_in_settings_pages_and_acknowledges_from_the_notification() {
    let grafana = FakeGrafanaOnCall::new();
    let server = grafana.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let Some(s) = Setup::start(None, &[]).await else {
        return;
    };
    s.open_settings().await;
    s.add_account(
        "grafana-oncall",
        &[
            ("name", "grafana"),
            ("api_url", &server.url),
            ("poll_interval_seconds", "2"),
        ],
    )
    .await;
    s.enter_token("grafana", oncall_fake_grafana_oncall::API_KEY)
        .await;
    let config = s.sandbox.config_text();
    assert!(config.contains("provider = \"grafana-oncall\""), "{config}");
    assert!(
        !config.contains(oncall_fake_grafana_oncall::API_KEY),
        "{config}"
    );

    let id = grafana.create_alert_group(NewAlertGroup::new("Checkout latency above 2 s"));
    let page = s.page("Checkout latency above 2 s").await;
    assert_eq!(page.action_label("ack"), Some("Acknowledge"), "{page:#?}");
    s.desktop.recorder.press(page.id, "ack").await.unwrap();

    let group = eventually_some("OnCall to acknowledge the alert group", TIMEOUT, || async {
        grafana
            .alert_group(&id)
            .filter(|g| g.state == GroupState::Acknowledged)
    })
    .await;
    assert_eq!(
        group.acknowledged_by.as_deref(),
        Some(oncall_fake_grafana_oncall::USER_ID)
    );
    s.driver()
        .wait_for(
            "the row to show the acknowledgement",
            &format!(
                "return document.querySelector('#incidents tbody tr[data-key=\"grafana/{id}\"]')?.dataset.status === 'acknowledged'"
            ),
        )
        .await;
    s.close().await;
    drop(server);
}

/// An Opsgenie account whose alert already rang: Settings shows the notice, which stays
/// dismissed across a restart; the account moves to JSM from its "Move to Jira Service
/// Management…" button with a new token (one JSM refuses first changes nothing); the
/// same alert, under the same id in JSM, does not ring again; the Opsgenie key leaves the
/// keychain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opsgenie_account_moves_to_jsm_in_settings_and_nothing_rings_twice() {
    let opsgenie = FakeOpsgenie::new();
    let og = opsgenie.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let jsm = FakeJsm::new();
    let server = jsm.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let config = format!(
        "[[accounts]]\nname = \"ops\"\nprovider = \"opsgenie\"\napi_url = \"{}\"\n\
         poll_interval_seconds = 2\non_call_user = \"{}\"\n",
        og.url,
        oncall_fake_jsm::EMAIL
    );
    let old_key = token_user("ops", &og.url);
    let Some(mut s) = Setup::start(
        Some(config),
        &[(old_key.clone(), oncall_fake_opsgenie::API_KEY)],
    )
    .await
    else {
        return;
    };
    let title = "Orders queue is backing up";
    let id = opsgenie.create_alert(oncall_fake_opsgenie::NewAlert::new(title).priority("P1"));
    s.page(title).await;

    // The notice, with the account's Move button; dismissed, and still after a restart.
    s.open_settings().await;
    let notice = "#notices li[data-notice=\"opsgenie-end\"]";
    s.driver()
        .wait_for(
            "the Opsgenie notice",
            &format!(
                "return (document.querySelector('{notice}')?.textContent ?? '').includes('Opsgenie stops working on 5 April 2027')"
            ),
        )
        .await;
    assert_eq!(
        s.driver()
            .script(&format!(
                "return document.querySelector('{notice} [data-notice-action=\"move\"]')?.textContent"
            ))
            .await,
        "Move ops to Jira Service Management…"
    );
    s.driver()
        .click(&format!("{notice} [data-notice-action=\"dismiss\"]"))
        .await;
    s.driver()
        .wait_for(
            "the notice to go",
            &format!("return document.querySelector('{notice}') === null"),
        )
        .await;
    s.restart().await;
    s.open_settings().await;
    s.driver()
        .wait_for(
            "the Opsgenie account, with its Move button",
            "return document.querySelector('#account-list li[data-account=\"ops\"] [data-account-action=\"move\"]') !== null",
        )
        .await;
    assert_eq!(
        s.driver()
            .script(&format!(
                "return document.querySelector('{notice}') === null"
            ))
            .await,
        true,
        "a dismissed notice stays dismissed after a restart"
    );

    // The alert lives on in JSM: the same alert under the same id, created when it was
    // (JSM serves Opsgenie's alerts; the fake is told the time it happened). The move:
    // site, (the e-mail came from the account's Opsgenie user), the API of the test's
    // JSM, and the Atlassian token.
    let created = opsgenie.alert(&id).expect("the Opsgenie alert").created_at;
    jsm.set_clock(Arc::new(move || created));
    jsm.create_alert(oncall_fake_jsm::NewAlert::new(title).id(&id).priority("P1"));
    jsm.set_clock(Arc::new(Utc::now));
    s.driver()
        .click("#account-list li[data-account=\"ops\"] [data-account-action=\"move\"]")
        .await;
    assert_eq!(
        s.driver()
            .script("return document.getElementById('move-email').value")
            .await,
        oncall_fake_jsm::EMAIL
    );
    s.driver().fill("#move-site", &server.url).await;
    s.driver().fill("#move-api-url", &server.url).await;

    // A token JSM refuses: said beside the token, and nothing changed anywhere.
    let before = s.sandbox.config_text();
    s.driver()
        .fill("#move-token", "not-the-atlassian-token")
        .await;
    s.driver().click("#move-save").await;
    s.driver()
        .wait_for(
            "the refusal beside the token",
            "return (document.querySelector('#move-form [data-error-for=\"token\"]')?.textContent ?? '').includes('Not accepted for pat@example.com')",
        )
        .await;
    assert_eq!(s.sandbox.config_text(), before, "nothing was written");
    assert_eq!(
        lookup(&s.desktop.bus.address, &s.keyring, &old_key).as_deref(),
        Some(oncall_fake_opsgenie::API_KEY),
        "the Opsgenie key stays while the move has not happened"
    );
    assert_eq!(
        lookup(
            &s.desktop.bus.address,
            &s.keyring,
            &token_user("ops", &server.url)
        ),
        None,
        "a refused token is not stored"
    );
    assert_eq!(
        s.driver()
            .script("return document.getElementById('move-token').value")
            .await,
        "",
        "the page keeps no token"
    );

    s.driver()
        .fill("#move-token", oncall_fake_jsm::API_TOKEN)
        .await;
    s.driver().click("#move-save").await;
    s.driver()
        .wait_for(
            "the account to be a JSM one",
            "return document.querySelector('#account-list li[data-account=\"ops\"]')?.dataset.provider === 'jsm'",
        )
        .await;
    let config = s.sandbox.config_text();
    assert!(config.contains("provider = \"jsm\""), "{config}");
    assert!(config.contains("name = \"ops\""), "{config}");
    assert_eq!(
        lookup(
            &s.desktop.bus.address,
            &s.keyring,
            &token_user("ops", &server.url)
        )
        .as_deref(),
        Some(oncall_fake_jsm::API_TOKEN)
    );
    assert_eq!(
        lookup(&s.desktop.bus.address, &s.keyring, &old_key),
        None,
        "the Opsgenie key left the keychain"
    );

    // JSM lists the alert a few times over; it never rings again.
    let lists = |jsm: &FakeJsm| {
        jsm.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with("/v1/alerts") && r.status == 200)
            .count()
    };
    wait_until_or(
        "three polls of JSM",
        || format!("{} polls", lists(&jsm)),
        || lists(&jsm) >= 3,
    )
    .await;
    s.driver()
        .wait_for(
            "the alert's row, now from JSM",
            &format!("return document.querySelector('#incidents tbody tr[data-key=\"ops/{id}\"]') !== null"),
        )
        .await;
    let pages = s.pages_of(title);
    assert_eq!(pages.len(), 1, "the move rang nothing again: {pages:#?}");
    s.close().await;
    drop(server);
    drop(og);
}

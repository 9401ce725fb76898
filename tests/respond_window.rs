//! Responding from the real window, through WebDriver, against the fake PagerDuty: an
//! incident's detail pane shows its log and notes (asked when it opens), a note typed
//! there reaches PagerDuty, and a reassignment chosen in the searchable picker is sent
//! only from its confirmation, to exactly the person chosen; escalating goes to the next
//! level of the incident's escalation policy, also only from its confirmation.

use oncall_fake_pagerduty::{
    EscalationPolicySpec, EscalationTarget, FakePagerDuty, NewIncident, RunningFake,
};
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{fake_account_config, wait_for_requests, Sandbox};

/// The token's user (`PAT_TOKEN`).
const PAT: &str = "PUSER01";
const ALICE: &str = "PALICE1";

/// The app with its window open, one account on a fake PagerDuty with a teammate.
struct Respond {
    driver: Driver,
    fake: FakePagerDuty,
    _server: RunningFake,
    _sandbox: Sandbox,
    desktop: Desktop,
}

impl Respond {
    async fn open() -> Respond {
        let desktop = Desktop::start().await;
        let fake = FakePagerDuty::new();
        fake.add_user(
            ALICE,
            "Alice Example",
            "alice@example.com",
            "fake-token-alice",
        );
        let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
        let sandbox = Sandbox::new();
        sandbox.write_config(&fake_account_config(&server.url, 2));
        let driver = Driver::start(&sandbox, &desktop, &["--show"]).await;
        driver.wait_for_first_view().await;
        Respond {
            driver,
            fake,
            _server: server,
            _sandbox: sandbox,
            desktop,
        }
    }

    /// Waits for the incident's row, and opens its detail pane from the row's button.
    async fn details(&self, id: &str) {
        open_details(&self.driver, &format!("work/{id}")).await;
    }

    async fn text(&self, css: &str) -> String {
        let script = format!("return document.querySelector('{css}')?.textContent ?? ''");
        self.driver
            .script(&script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn notes_posted(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/notes"))
            .count()
    }

    fn reassignments(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.body.contains("assignments"))
            .count()
    }
}

/// Waits for the row of incident `key` ("work/Q1"), and opens its detail pane from the
/// row's button.
async fn open_details(driver: &Driver, key: &str) {
    let row = format!("#incidents tbody tr[data-key=\"{key}\"]");
    driver
        .wait_for(
            "the incident's row",
            &format!("return document.querySelector('{row}') !== null"),
        )
        .await;
    driver
        .click(&format!("{row} button[data-action=\"details\"]"))
        .await;
    driver
        .wait_for(
            "the detail pane",
            "return !document.getElementById('details').hidden",
        )
        .await;
}

/// Types `query` into the pane's `picker` (reassign, escalate, responders) and picks the
/// option `key` ("user/PALICE1") once the search shows it.
async fn choose(driver: &Driver, picker: &str, query: &str, key: &str) {
    driver.fill(&format!("#{picker}-query"), query).await;
    let option = format!("#{picker}-options li[role=option][data-key=\"{key}\"]");
    driver
        .wait_for(
            &format!("{key} among the {picker} options"),
            &format!("return document.querySelector('{option}') !== null"),
        )
        .await;
    driver.click(&option).await;
}

/// Waits until the confirmation is asked (`shown`), or gone again.
async fn confirmation(driver: &Driver, shown: bool) {
    let (what, script) = if shown {
        (
            "the confirmation",
            "return !document.getElementById('confirm').hidden",
        )
    } else {
        (
            "the confirmation closed",
            "return document.getElementById('confirm').hidden",
        )
    };
    driver.wait_for(what, script).await;
}

#[tokio::test]
async fn the_detail_pane_shows_the_log_and_a_note_typed_there_reaches_pagerduty() {
    let w = Respond::open().await;
    let id = w.fake.trigger(NewIncident::new("Checkout API is down"));
    w.details(&id).await;

    // Asked of PagerDuty when the pane opened: the trigger is in the log.
    w.driver
        .wait_for(
            "the incident's log",
            "return document.querySelectorAll('#details-log li').length > 0",
        )
        .await;
    assert!(
        w.fake
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.path == format!("/incidents/{id}/log_entries")),
        "the log was asked for"
    );
    assert_eq!(w.notes_posted(), 0);

    w.driver
        .fill(
            "#note-text",
            "Restarted the checkout pods; watching error rate",
        )
        .await;
    w.driver.click("#add-note").await;
    wait_for_requests(&w.fake, "the note", |_| !w.fake.notes(&id).is_empty())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let notes = w.fake.notes(&id);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(
        notes[0].content,
        "Restarted the checkout pods; watching error rate"
    );
    assert_eq!(notes[0].user_id, PAT, "written as the token's user");

    // Confirmed, the pane asks again and shows it among the notes.
    w.driver
        .wait_for(
            "the note in the pane",
            "return [...document.querySelectorAll('#details-notes li .text')].some(li => li.textContent === 'Restarted the checkout pods; watching error rate' ) && !document.querySelector('#details-notes li[data-sending]')",
        )
        .await;
    assert_eq!(w.notes_posted(), 1, "sent once");
    w.driver.quit().await;
}

#[tokio::test]
async fn a_reassignment_goes_only_from_its_confirmation_to_the_person_chosen() {
    let w = Respond::open().await;
    let id = w.fake.trigger(NewIncident::new("Checkout API is down"));
    w.details(&id).await;

    choose(&w.driver, "reassign", "Ali", &format!("user/{ALICE}")).await;
    assert!(
        w.fake
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.path == "/users" && r.query.contains("query=Ali")),
        "the picker searched PagerDuty's users: {:#?}",
        w.fake.requests()
    );
    confirmation(&w.driver, true).await;
    let sentence = w.text("#confirm-text").await;
    assert!(
        sentence.contains("Alice Example") && sentence.contains("Checkout API is down"),
        "{sentence}"
    );
    assert_eq!(w.reassignments(), 0, "nothing is sent before Confirm");
    assert_eq!(w.fake.incident(&id).unwrap().assignees, [PAT]);

    w.driver.click("#confirm-ok").await;
    wait_for_requests(&w.fake, "the reassignment", |_| {
        w.fake.incident(&id).unwrap().assignees == [ALICE]
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.reassignments(), 1, "sent once");
    w.driver.quit().await;
}

#[tokio::test]
async fn escalating_from_the_pane_hands_the_incident_to_the_next_level() {
    let w = Respond::open().await;
    // The seeded service's policy: its schedule (Pat) first, then Alice.
    w.fake.add_escalation_policy(EscalationPolicySpec {
        id: "PEP0001".into(),
        name: "Checkout on-call".into(),
        levels: vec![
            vec![EscalationTarget::Schedule("PSCHED1".into())],
            vec![EscalationTarget::User(ALICE.into())],
        ],
    });
    let id = w.fake.trigger(NewIncident::new("Checkout API is down"));
    w.details(&id).await;

    w.driver.click("#escalate-next").await;
    confirmation(&w.driver, true).await;
    let sentence = w.text("#confirm-text").await;
    assert!(sentence.contains("next level"), "{sentence}");
    let escalations = || {
        w.fake
            .requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.body.contains("escalation_level"))
            .count()
    };
    assert_eq!(escalations(), 0, "nothing is sent before Confirm");

    w.driver.click("#confirm-ok").await;
    wait_for_requests(&w.fake, "the escalation", |_| {
        w.fake.incident(&id).unwrap().assignees == [ALICE]
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(escalations(), 1, "sent once");
    let last = w.fake.log_entries(&id).pop().unwrap();
    assert_eq!(last.summary, "Escalated to level 2 by Pat Oncall");
    w.driver.quit().await;
}

#[tokio::test]
async fn muting_the_service_from_the_pane_keeps_the_incident_listed_as_muted() {
    let w = Respond::open().await;
    let id = w.fake.trigger(NewIncident::new("Checkout API is down"));
    w.details(&id).await;
    let row = format!("#incidents tbody tr[data-key=\"work/{id}\"]");

    w.driver
        .click("#mute-buttons button[data-mute-hours=\"1\"]")
        .await;
    w.driver
        .wait_for(
            "the row marked muted",
            &format!(
                "return document.querySelector('{row}')?.dataset.quiet === 'muted' && document.querySelector('{row} .quiet-marker')?.textContent.startsWith('muted until')"
            ),
        )
        .await;
    // Nothing about a mute reaches PagerDuty: it is this app's.
    assert_eq!(
        w.fake
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .count(),
        0
    );
    w.driver.keys("\u{E00C}").await; // Escape: close the pane, back to the row.
    w.driver
        .click(&format!("{row} button[data-action=\"unmute\"]"))
        .await;
    w.driver
        .wait_for(
            "the row no longer muted",
            &format!("return document.querySelector('{row}')?.dataset.quiet === ''"),
        )
        .await;
    w.driver.quit().await;
}

#[tokio::test]
async fn urgency_and_responders_go_from_their_confirmations() {
    let w = Respond::open().await;
    let id = w.fake.trigger(NewIncident::new("Checkout API is down"));
    w.details(&id).await;

    // Urgency: the button offers the other one, and asks first.
    w.driver.click("#set-urgency").await;
    confirmation(&w.driver, true).await;
    assert!(w.text("#confirm-text").await.contains("low"));
    w.driver.click("#confirm-ok").await;
    wait_for_requests(&w.fake, "the urgency change", |_| {
        w.fake.incident(&id).unwrap().urgency == oncall_model::Urgency::Low
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    confirmation(&w.driver, false).await;

    // Responders: chosen in the picker, with a message, asked after Confirm.
    choose(&w.driver, "responders", "Alice", &format!("user/{ALICE}")).await;
    w.driver
        .wait_for(
            "Alice chosen",
            "return document.querySelectorAll('#responders-chosen li').length === 1",
        )
        .await;
    w.driver
        .fill("#responders-message", "Need a second pair of eyes")
        .await;
    w.driver.click("#add-responders").await;
    confirmation(&w.driver, true).await;
    assert!(
        w.fake.responder_requests(&id).is_empty(),
        "asked before Confirm"
    );
    w.driver.click("#confirm-ok").await;
    wait_for_requests(&w.fake, "the responder request", |_| {
        !w.fake.responder_requests(&id).is_empty()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let asked = w.fake.responder_requests(&id);
    assert_eq!(asked.len(), 1, "{asked:#?}");
    assert_eq!(asked[0].message, "Need a second pair of eyes");
    assert_eq!(
        asked[0].targets,
        [oncall_fake_pagerduty::ResponderTarget::User(ALICE.into())]
    );
    w.driver.quit().await;
}

/// Opsgenie from the same pane: a note, an escalation chosen in its picker (Opsgenie
/// has no "next level"), and an assignment, each confirmed by Opsgenie's request status.
#[tokio::test]
async fn an_opsgenie_alert_gets_a_note_an_escalation_and_a_new_owner() {
    use oncall_fake_opsgenie::{FakeOpsgenie, NewAlert, API_KEY};
    let desktop = Desktop::start().await;
    let fake = FakeOpsgenie::new();
    let alice = fake.add_user("alice@example.com", "Alice Example", "Europe/London");
    let platform = fake.add_escalation("Platform escalation", "the platform team's chain");
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[[accounts]]\nname = \"ops\"\nprovider = \"opsgenie\"\napi_url = \"{}\"\n\
         poll_interval_seconds = 2\ntoken_command = \"printf %s {API_KEY}\"\n",
        server.url
    ));
    let driver = Driver::start(&sandbox, &desktop, &["--show"]).await;
    driver.wait_for_first_view().await;
    let id = fake.create_alert(NewAlert::new("Disk full on db-1"));
    open_details(&driver, &format!("ops/{id}")).await;

    driver.fill("#note-text", "Cleared old WAL segments").await;
    driver.click("#add-note").await;
    oncall_tray_e2e::wait_until("the note on the alert", || {
        fake.notes(&id)
            .iter()
            .any(|n| n.note == "Cleared old WAL segments")
    })
    .await;

    choose(
        &driver,
        "escalate",
        "Plat",
        &format!("escalation/{platform}"),
    )
    .await;
    confirmation(&driver, true).await;
    assert!(fake.escalations_of(&id).is_empty(), "sent before Confirm");
    driver.click("#confirm-ok").await;
    oncall_tray_e2e::wait_until("the escalation", || {
        fake.escalations_of(&id) == [platform.clone()]
    })
    .await;
    confirmation(&driver, false).await;

    choose(&driver, "reassign", "Alice", &format!("user/{alice}")).await;
    confirmation(&driver, true).await;
    driver.click("#confirm-ok").await;
    oncall_tray_e2e::wait_until("Alice owns the alert", || {
        fake.owner(&id).as_deref() == Some("alice@example.com")
    })
    .await;
    driver.quit().await;
    drop((server, sandbox, desktop));
}

/// The tray menu's "Notes, reassign, escalate…" brings the window to that incident's
/// details: what needs words or a choice is done there.
#[tokio::test]
async fn the_tray_menu_opens_the_incidents_details_in_the_window() {
    let w = Respond::open().await;
    let first = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let second = w.fake.trigger(NewIncident::new("Search is slow"));
    let tray = w.desktop.tray().await;
    tray.wait_for_menu("both incidents", |m| {
        m.find("Checkout API is down").is_some() && m.find("Search is slow").is_some()
    })
    .await;
    tray.click(Some("Search is slow"), "Notes, reassign, escalate…")
        .await;
    w.driver
        .wait_for(
            "the second incident's details",
            "return !document.getElementById('details').hidden && document.getElementById('details-title').textContent.endsWith('Search is slow')",
        )
        .await;
    assert!(
        w.fake
            .requests()
            .iter()
            .any(|r| r.path == format!("/incidents/{second}/log_entries")),
        "its log was asked for"
    );
    assert!(
        !w.fake
            .requests()
            .iter()
            .any(|r| r.path == format!("/incidents/{first}/log_entries")),
        "only its own"
    );
    w.driver.quit().await;
}

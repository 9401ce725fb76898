//! The tray app under a real (headless) desktop session: Xvfb, a D-Bus session bus with a
//! StatusNotifierWatcher, the notification recorder. The tests read and click the tray
//! menu over D-Bus exactly as a desktop shell does.

use oncall_fake_pagerduty::{EscalationPolicySpec, EscalationTarget, FakePagerDuty, NewIncident};
use oncall_model::Status;
use oncall_tray_e2e::desktop::Desktop;

use oncall_tray_e2e::{
    descendants_named, fake_account_config, is_alive, polls, wait_for_requests, wait_until,
    Sandbox, TIMEOUT,
};

#[tokio::test]
async fn the_tray_lists_an_incident_and_its_acknowledge_entry_acknowledges_it() {
    let desktop = Desktop::start().await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    let app = sandbox.spawn_tray(&[], &desktop);

    let tray = desktop.tray().await;
    tray.wait_for_menu("\"All clear\"", |m| m.find("All clear").is_some())
        .await;
    assert_eq!(tray.label().await, "");
    let clear_icon = tray.icon().await;

    let id = fake.trigger(NewIncident::new("Checkout API is down"));
    let menu = tray
        .wait_for_menu("the incident", |m| m.find("Checkout API is down").is_some())
        .await;
    assert!(menu.find("1 triggered").is_some(), "{:#?}", menu.labels());
    assert_eq!(
        tray.label().await,
        "1",
        "the label counts triggered incidents"
    );
    let triggered_icon = tray.icon().await;
    assert_ne!(
        triggered_icon, clear_icon,
        "the icon says something needs you"
    );

    let incident = menu.find("Checkout API is down").unwrap();
    let ack = incident
        .children
        .iter()
        .find(|c| c.label == "Acknowledge")
        .unwrap_or_else(|| panic!("no Acknowledge entry in {incident:#?}"));
    assert!(ack.enabled);
    tray.click(Some("Checkout API is down"), "Acknowledge")
        .await;

    let requests = wait_for_requests(&fake, "the acknowledgement", |r| {
        r.iter().any(|r| r.method == "PUT" && r.status == 200)
    })
    .await
    .unwrap_or_else(|e| app.fail(e));
    let put = requests.iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(put.header("from"), Some("pat@example.com"));
    assert_eq!(fake.incident(&id).unwrap().status, Status::Acknowledged);

    tray.wait_for_menu("the incident acknowledged", |m| {
        m.find("1 acknowledged").is_some() && m.find("triggered ·").is_none()
    })
    .await;
    assert_eq!(tray.label().await, "", "nothing triggered any more");
    assert_ne!(tray.icon().await, triggered_icon);

    // The page it rang was withdrawn when the incident was acknowledged.
    desktop
        .recorder
        .wait_for(TIMEOUT, |n| n.len() == 1 && !n[0].is_open())
        .await
        .unwrap_or_else(|e| app.fail(e));
}

/// Issue 16 from the tray: muting a service quiets its page and what follows on it
/// (listed, marked, not counted), unmuting pages what still needs the user once, and
/// Escalate hands an incident to the next level of its policy.
#[tokio::test]
async fn the_tray_mutes_a_service_and_escalates_an_incident() {
    const ALICE: &str = "PALICE1";
    let desktop = Desktop::start().await;
    let fake = FakePagerDuty::new();
    fake.add_user(
        ALICE,
        "Alice Example",
        "alice@example.com",
        "fake-token-alice",
    );
    fake.add_escalation_policy(EscalationPolicySpec {
        id: "PEP0001".into(),
        name: "Checkout on-call".into(),
        levels: vec![
            vec![EscalationTarget::Schedule("PSCHED1".into())],
            vec![EscalationTarget::User(ALICE.into())],
        ],
    });
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    let app = sandbox.spawn_tray(&[], &desktop);
    let tray = desktop.tray().await;

    let first = fake.trigger(NewIncident::new("Checkout API is down"));
    desktop
        .recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Checkout API is down"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    tray.wait_for_menu("the incident", |m| m.find("Checkout API is down").is_some())
        .await;
    tray.click(Some("Checkout API is down"), "Mute Checkout API for 1 hour")
        .await;
    let menu = tray
        .wait_for_menu("the incident muted", |m| {
            m.find("Checkout API is down")
                .is_some_and(|i| i.label.contains("· muted"))
        })
        .await;
    assert!(menu.find("1 quiet").is_some(), "{:#?}", menu.labels());
    assert_eq!(tray.label().await, "", "a muted incident needs no one");
    // Its page is withdrawn: the service is muted.
    desktop
        .recorder
        .wait_for(TIMEOUT, |n| n.iter().all(|n| !n.is_open()))
        .await
        .unwrap_or_else(|e| app.fail(e));

    let second = fake.trigger(NewIncident::new("Checkout latency is high"));
    tray.wait_for_menu("the second incident, muted", |m| {
        m.find("Checkout latency is high")
            .is_some_and(|i| i.label.contains("· muted"))
    })
    .await;
    let shown = desktop.recorder.notifications();
    assert!(
        !shown
            .iter()
            .any(|n| n.summary.contains("Checkout latency is high")),
        "a muted service never pages: {shown:#?}"
    );

    tray.click(Some("Checkout latency is high"), "Unmute Checkout API")
        .await;
    let seen = desktop
        .recorder
        .wait_for(TIMEOUT, |n| {
            n.iter()
                .any(|n| n.summary.contains("Checkout latency is high"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    // Each fresh notification is an id of its own; an in-place update keeps its id.
    let rang = |title: &str| {
        seen.iter()
            .filter(|n| n.summary.contains(title))
            .map(|n| n.id)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert_eq!(rang("Checkout latency is high"), 1, "{seen:#?}");
    assert_eq!(
        rang("Checkout API is down"),
        1,
        "the first had rung before the mute: {seen:#?}"
    );

    tray.click(Some("Checkout API is down"), "Escalate to the next level")
        .await;
    wait_for_requests(&fake, "the escalation", |_| {
        fake.incident(&first).unwrap().assignees == [ALICE]
    })
    .await
    .unwrap_or_else(|e| app.fail(e));
    assert_eq!(fake.incident(&second).unwrap().assignees, ["PUSER01"]);
}

#[tokio::test]
async fn demo_mode_shows_its_tray_and_notifies_a_synthetic_incident() {
    let desktop = Desktop::start().await;
    let sandbox = Sandbox::new();
    let app = sandbox.spawn_tray(&["--demo"], &desktop);
    let tray = desktop.tray().await;
    // A synthetic page, and the demo rotation's first shift (five minutes away) reminded.
    let seen = desktop
        .recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Checkout API"))
                && n.iter().any(|n| n.summary.starts_with("On call in "))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let reminder = seen
        .iter()
        .find(|n| n.summary.starts_with("On call in "))
        .unwrap();
    assert!(
        reminder.summary.ends_with(": Platform (level 1)"),
        "{reminder:#?}"
    );
    let menu = tray
        .wait_for_menu("the synthetic incident", |m| {
            m.find("Checkout API").is_some()
        })
        .await;
    // An autostart entry would start the real app at the next login.
    assert!(
        menu.find("Start at login").is_none(),
        "demo mode offers no start at login: {:?}",
        menu.labels()
    );
    assert!(
        !sandbox.config_dir().exists() && !sandbox.data_dir().exists(),
        "demo mode never touches the user's config or data"
    );
}

#[tokio::test]
async fn a_second_launch_hands_over_to_the_first_and_exits() {
    let desktop = Desktop::start().await;
    let sandbox = Sandbox::new();
    let mut first = sandbox.spawn_tray(&["--demo"], &desktop);
    desktop.tray().await;
    assert!(
        desktop.windows("oncall-tray").await.is_empty(),
        "no window until asked for"
    );
    let mut second = sandbox.spawn_tray(&["--demo"], &desktop);
    assert_eq!(second.wait_exit(TIMEOUT).await, Some(0), "{}", second.log());
    assert!(first.is_running(), "{}", first.log());
    // The first instance opened its window instead.
    desktop.wait_for_window("oncall-tray").await;
}

#[tokio::test]
async fn the_window_exists_only_while_open_and_closing_it_keeps_the_tray() {
    let desktop = Desktop::start().await;
    let sandbox = Sandbox::new();
    let mut app = sandbox.spawn_tray(&["--demo"], &desktop);
    let tray = desktop.tray().await;
    tray.wait_for_menu("Open oncall-tray…", |m| {
        m.find("Open oncall-tray").is_some()
    })
    .await;
    assert!(
        descendants_named(app.pid(), "WebKit").is_empty(),
        "no webview before the window opens"
    );

    tray.click(None, "Open oncall-tray").await;
    desktop.wait_for_window("oncall-tray").await;
    wait_until("a WebKit web process", || {
        !descendants_named(app.pid(), "WebKitWebProces").is_empty()
    })
    .await;
    // The page loaded and asked the app for the view.
    let log = app.log_path().to_owned();
    let loads = move || {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        log.matches("the window asked for the view").count()
    };
    wait_until("the window's page to load", || loads() == 1).await;

    desktop.close_window("oncall-tray").await;
    desktop.wait_for_no_window("oncall-tray").await;
    // Every WebKit process goes with the window: it lives in its own process.
    wait_until("every WebKit process to exit", || {
        descendants_named(app.pid(), "WebKit").is_empty()
    })
    .await;
    assert!(
        descendants_named(app.pid(), "oncall-tray").is_empty(),
        "the window process ended"
    );
    assert!(
        app.is_running(),
        "closing the window must not quit the tray app: {}",
        app.log()
    );

    // The tray still answers, and the window opens again.
    tray.wait_for_menu("the menu", |m| m.find("Quit").is_some())
        .await;
    tray.click(None, "Open oncall-tray").await;
    desktop.wait_for_window("oncall-tray").await;
    wait_until("the reopened window's page to load", || loads() == 2).await;
    assert!(app.is_running(), "{}", app.log());

    // The desktop session ends with the window open: SIGTERM is a clean quit, and the
    // window's process and every WebKit process go with the app.
    let window_processes = descendants_named(app.pid(), "");
    assert!(!window_processes.is_empty());
    app.terminate();
    assert_eq!(app.wait_exit(TIMEOUT).await, Some(0), "{}", app.log());
    assert!(
        app.log().contains("SIGTERM received: stopping"),
        "{}",
        app.log()
    );
    wait_until("the window's processes to exit", || {
        !window_processes.iter().any(|&pid| is_alive(pid))
    })
    .await;
}

/// Issue 11: on GNOME without the AppIndicator extension nothing shows the tray icon,
/// and nothing said so. The user is told once what to install, the window opens, pages
/// still ring; a tray host that appears later picks the icon up.
#[tokio::test]
async fn without_a_tray_host_the_user_is_told_the_window_opens_and_pages_still_ring() {
    let mut desktop = Desktop::start_without_tray_host().await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    let app = sandbox.spawn_tray(&[], &desktop);

    let is_notice = |n: &oncall_notification_recorder::Recorded| n.body.contains("AppIndicator");
    let seen = desktop
        .recorder
        .wait_for(TIMEOUT, |n| n.iter().any(is_notice))
        .await
        .unwrap_or_else(|e| app.fail(e));
    let notice = seen.iter().find(|n| is_notice(n)).unwrap();
    assert!(
        notice.body.contains("gnome-shell-extension-appindicator"),
        "{notice:#?}"
    );
    desktop.wait_for_window("oncall-tray").await;

    wait_for_requests(&fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    fake.trigger(NewIncident::new("Checkout API is down"));
    let seen = desktop
        .recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Checkout API is down"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert_eq!(
        seen.iter().filter(|n| is_notice(n)).count(),
        1,
        "said once: {seen:#?}"
    );

    // The extension gets installed: the icon appears, with the page in its menu.
    desktop.start_tray_host().await;
    app.wait_for_log("the tray icon is registered with the tray host")
        .await;
    let tray = desktop.tray().await;
    tray.wait_for_menu("the incident", |m| m.find("Checkout API is down").is_some())
        .await;
    assert_eq!(
        desktop
            .recorder
            .notifications()
            .iter()
            .filter(|n| is_notice(n))
            .count(),
        1,
        "nothing more to say while the tray host is there"
    );

    // And it goes away again (the extension turned off): the user hears of it again.
    desktop.stop_tray_host().await;
    desktop
        .recorder
        .wait_for(TIMEOUT, |n| n.iter().filter(|n| is_notice(n)).count() == 2)
        .await
        .unwrap_or_else(|e| app.fail(e));
}

/// Issue 11: the tray app started at login while `--headless` runs as a service on the
/// same data directory would ring every page twice. It is refused, and says so where a
/// person sees it.
#[tokio::test]
async fn a_tray_app_on_the_data_directory_of_a_running_headless_is_refused() {
    let desktop = Desktop::start().await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    let mut headless = sandbox.spawn_headless(&desktop.bus.address);
    wait_for_requests(&fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| headless.fail(e));

    let mut tray = sandbox.spawn_tray(&[], &desktop);
    assert_eq!(tray.wait_exit(TIMEOUT).await, Some(1), "{}", tray.log());
    let refusal = format!(
        "another oncall-tray is already running on {} (pid {}): quit it first, \
         or give this one its own ONCALL_TRAY_DATA_DIR",
        sandbox.data_dir().display(),
        headless.pid()
    );
    assert!(
        tray.log().contains(&format!("oncall-tray: {refusal}")),
        "{}",
        tray.log()
    );
    let seen = desktop
        .recorder
        .wait_for(TIMEOUT, |n| !n.is_empty())
        .await
        .unwrap_or_else(|e| tray.fail(e));
    assert_eq!(seen[0].body, refusal, "{seen:#?}");
    assert!(headless.is_running(), "{}", headless.log());
}

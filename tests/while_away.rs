//! "What you missed" on a real desktop bus: the screen saver locks the screen, a page
//! rings, the screen unlocks a minute later, and one notification sums up the absence.
//! Only the screen saver itself is believed: a forged "unlocked" says nothing.

use std::time::Duration;

use oncall_fake_pagerduty::NewIncident;
use oncall_tray_e2e::headless_world::{titled, HeadlessWorld};
use oncall_tray_e2e::TIMEOUT;

const SCREEN_SAVER: &str = "org.freedesktop.ScreenSaver";
const PATH: &str = "/org/freedesktop/ScreenSaver";

/// A client of the test bus, owning the screen saver's name or not.
async fn client(bus: &str, own_the_name: bool) -> zbus::Connection {
    let mut builder = zbus::connection::Builder::address(bus).expect("the bus address");
    if own_the_name {
        builder = builder.name(SCREEN_SAVER).expect("a well-known name");
    }
    builder.build().await.expect("a connection to the test bus")
}

async fn active_changed(connection: &zbus::Connection, active: bool) {
    connection
        .emit_signal(None::<()>, PATH, SCREEN_SAVER, "ActiveChanged", &(active,))
        .await
        .expect("ActiveChanged sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_at_the_unlocked_screen_one_notification_says_what_happened() {
    let w = HeadlessWorld::with_config("[notifications]\naway_summary_minutes = 1").await;
    let recorder = w.recorder().await;
    let screen_saver = client(&w.bus.address, true).await;
    let stranger = client(&w.bus.address, false).await;
    let app = w.spawn();
    w.first_poll(&app).await;

    active_changed(&screen_saver, true).await;
    app.wait_for_log("the screen saver changed").await;
    w.fake.trigger(NewIncident::new("Checkout API is down"));
    recorder
        .wait_for(TIMEOUT, |n| !titled(n, "Checkout API is down").is_empty())
        .await
        .unwrap_or_else(|e| app.fail(e));

    tokio::time::sleep(Duration::from_secs(62)).await;
    // Anyone on the bus can send the signal; only the screen saver's counts.
    active_changed(&stranger, false).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        titled(&recorder.notifications(), "While you were away").is_empty(),
        "a forged unlock says nothing: {:#?}",
        recorder.notifications()
    );

    active_changed(&screen_saver, false).await;
    let seen = recorder
        .wait_for(TIMEOUT, |n| !titled(n, "While you were away").is_empty())
        .await
        .unwrap_or_else(|e| app.fail(e));
    let word = titled(&seen, "While you were away")[0].clone();
    assert_eq!(word.summary, "While you were away (1 min): 1 page");
    assert_eq!(word.body, "1 still open. History has each one.");
    assert!(
        word.actions.iter().all(|(key, _)| key != "history"),
        "no window to show the History in: {:?}",
        word.actions
    );

    // Locked and unlocked again at once: too short to sum up.
    active_changed(&screen_saver, true).await;
    active_changed(&screen_saver, false).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        titled(&recorder.notifications(), "While you were away").len(),
        1
    );
    w.finish(app, recorder).await;
}

/// The tray app's word after an absence has "Show History", which opens the window on
/// its History tab, where the absence is listed.
#[tokio::test]
async fn show_history_on_the_word_after_an_absence_opens_the_history_tab() {
    use oncall_fake_pagerduty::FakePagerDuty;
    use oncall_tray_e2e::desktop::Desktop;
    use oncall_tray_e2e::webdriver::Driver;
    use oncall_tray_e2e::{fake_account_config, Sandbox};

    let desktop = Desktop::start().await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[notifications]\naway_summary_minutes = 1\n{}",
        fake_account_config(&server.url, 2)
    ));
    let screen_saver = client(&desktop.bus.address, true).await;
    let driver = Driver::start_with(&sandbox, &desktop, &["--show"], &[], None).await;
    driver
        .wait_for(
            "\"All clear\"",
            "return document.getElementById('state').textContent === 'All clear'",
        )
        .await;

    active_changed(&screen_saver, true).await;
    // Give the app a moment to hear the lock before the page it should count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    fake.trigger(NewIncident::new("Checkout API is down"));
    desktop
        .recorder
        .wait_for(TIMEOUT, |n| !titled(n, "Checkout API is down").is_empty())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_secs(62)).await;
    active_changed(&screen_saver, false).await;
    let seen = desktop
        .recorder
        .wait_for(TIMEOUT, |n| !titled(n, "While you were away").is_empty())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let word = titled(&seen, "While you were away")[0].clone();
    assert!(
        word.actions
            .contains(&("history".to_string(), "Show History".to_string())),
        "{:?}",
        word.actions
    );

    desktop
        .recorder
        .press(word.id, "history")
        .await
        .expect("pressed");
    driver
        .wait_for(
            "the History tab, listing the absence",
            "return document.getElementById('tab-history').getAttribute('aria-selected') === 'true' \
             && document.getElementById('panel-history').textContent.includes('While you were away')",
        )
        .await;
    drop(server);
}

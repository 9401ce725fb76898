//! The log file an installed app keeps, because an autostarted app's stderr goes
//! nowhere: `--headless` and the tray app write theirs in the log folder
//! (`ONCALL_TRAY_LOG_DIR` here, `~/.local/state/oncall-tray` for a user), `RUST_LOG`
//! decides what goes in, everything queued is there once the app has exited, the window
//! process's lines land in the tray's file, the window's "Open log folder" opens exactly
//! that folder with the system's opener, and a session that stored and used a token
//! leaves it in no log file. One-shot commands keep to the terminal.
//!
//! Rotation at the size cap is the unit tests' (`logging::tests`, the real crate with a
//! small cap): driving 5 MiB through an app here would prove the same, slower.

use std::path::{Path, PathBuf};

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_model::Status;
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::headless_world::HeadlessWorld;
use oncall_tray_e2e::keyring::{installed, start_keyring};
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{
    children_named, descendants_named, fake_account_config, files_containing, is_alive, polls,
    wait_for_requests, wait_until_or, RecordingOpener, Sandbox, PAT_TOKEN, TIMEOUT,
};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_app_logs_to_its_file_in_the_log_folder_and_rust_log_decides_what() {
    let w = HeadlessWorld::start().await;
    let folder = w.sandbox.log_dir();
    let file = folder.join("headless.log");

    // At `info`: the start, no engine detail, and the last line before exit.
    let mut app = w.spawn_with_env(&[("RUST_LOG", "info".into())]);
    w.first_poll(&app).await;
    w.more_polls(1, "a second poll", &app).await;
    app.terminate();
    assert_eq!(app.wait_exit(TIMEOUT).await, Some(0), "{}", app.log());
    let first_run = read(&file);
    assert!(
        first_run.contains(" INFO oncall_tray::headless: running headless"),
        "{first_run}"
    );
    assert!(
        first_run.trim_end().ends_with("stopped"),
        "what was queued at exit is written: {first_run}"
    );
    assert!(!first_run.contains("DEBUG"), "{first_run}");
    assert!(
        !first_run.contains('\u{1b}'),
        "no terminal colours in the file"
    );
    assert!(
        app.log().contains("running headless"),
        "stderr keeps the log too: {}",
        app.log()
    );
    assert_eq!(names_in(&folder), ["headless.log"]);
    #[cfg(unix)]
    {
        assert_eq!(mode(&folder), 0o700, "the folder is the user's alone");
        assert_eq!(mode(&file), 0o600, "the file is the user's alone");
    }

    // `RUST_LOG` still decides: the engine's polls at debug, appended to the same file.
    let mut app = w.spawn_with_env(&[("RUST_LOG", "info,oncall_engine::poller=debug".into())]);
    w.more_polls(2, "two polls at debug", &app).await;
    app.terminate();
    assert_eq!(app.wait_exit(TIMEOUT).await, Some(0), "{}", app.log());
    let both_runs = read(&file);
    assert!(
        both_runs.starts_with(&first_run),
        "a restart appends:\n{both_runs}"
    );
    let second_run = &both_runs[first_run.len()..];
    assert!(
        second_run.contains("DEBUG oncall_engine::poller: polled"),
        "{second_run}"
    );
    assert_eq!(both_runs.matches("running headless").count(), 2);
    assert_eq!(names_in(&folder), ["headless.log"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_shot_commands_print_to_the_terminal_and_write_no_log_file() {
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    let status = sandbox.run(&["status"]).await;
    assert_eq!(status.code, Some(0), "{status:?}");
    // And one that fails, saying why.
    sandbox.write_config(&fake_account_config("http://127.0.0.1:9", 2));
    let failed = sandbox.run(&["status"]).await;
    assert!(!failed.stderr.is_empty(), "{failed:?}");
    assert!(
        !sandbox.log_dir().exists(),
        "{:?}",
        names_in(&sandbox.log_dir())
    );
}

/// The tray app under `driver` (the `oncall-tray` process whose child is the window's).
fn tray_pid(driver: &Driver) -> u32 {
    let trays: Vec<u32> = descendants_named(driver.pid(), "oncall-tray")
        .into_iter()
        .filter(|&pid| !children_named(pid, "oncall-tray").is_empty())
        .collect();
    assert_eq!(trays.len(), 1, "one tray app with its window: {trays:?}");
    trays[0]
}

/// Stops the tray app as a session ending does (SIGTERM), and waits for it to be gone.
async fn stop_tray(pid: u32, log: &Path) {
    let target = rustix::process::Pid::from_raw(pid as i32).expect("a valid pid");
    rustix::process::kill_process(target, rustix::process::Signal::TERM).expect("SIGTERM sent");
    wait_until_or("the tray app's exit", || read(log), || !is_alive(pid)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_log_folder_in_the_window_opens_exactly_the_trays_log_folder() {
    let desktop = Desktop::start().await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    let opener = RecordingOpener::install();
    let stderr = sandbox.config_dir().with_file_name("stderr.log");
    let driver = Driver::start_with(
        &sandbox,
        &desktop,
        &["--show"],
        &[
            ("PATH", opener.path().as_str()),
            ("RUST_LOG", "info,oncall_tray=debug"),
        ],
        Some(&stderr),
    )
    .await;
    driver.wait_for_first_view().await;

    // In the status bar, on whatever tab is shown.
    driver.click("footer #open-log-folder").await;
    let folder = sandbox.log_dir();
    let expected = [folder.display().to_string()];
    wait_until_or(
        "the log folder's opening",
        || format!("opened: {:?}\n{}", opener.opened(), read(&stderr)),
        || !opener.opened().is_empty(),
    )
    .await;
    // Once more: each click opens it again, and nothing else.
    driver
        .wait_for(
            "the button ready again",
            "return !document.getElementById('open-log-folder').disabled",
        )
        .await;
    driver.click("footer #open-log-folder").await;
    wait_until_or(
        "the second opening",
        || format!("opened: {:?}", opener.opened()),
        || opener.opened().len() == 2,
    )
    .await;
    assert_eq!(opener.opened(), [expected.clone(), expected].concat());
    assert_eq!(
        driver
            .script("return document.getElementById('message').hidden")
            .await,
        true,
        "no error shown"
    );

    stop_tray(tray_pid(&driver), &stderr).await;
    // The tray's file: its own lines to the last one, and the window process's, relayed.
    assert_eq!(names_in(&folder), ["tray.log"], "one file for the app");
    let log = read(&folder.join("tray.log"));
    assert!(
        log.contains(" window: DEBUG oncall_tray_window::process: the window asked for the view"),
        "the window's lines are in the tray's log:\n{log}"
    );
    assert!(
        log.trim_end().ends_with("stopped"),
        "what was queued when the app quit is written:\n{log}"
    );
    assert!(
        read(&stderr).contains("window: DEBUG"),
        "stderr keeps the window's lines too"
    );
    drop(driver);
}

/// Issue 13: the log file is one more place a token must never reach. At trace level
/// (which logs every tray → window line, the window's relayed into the tray's file), a
/// token typed in Settings, checked, stored in the keychain and used for polls and an
/// acknowledgement is in no file of the log folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_stored_and_used_a_token_leaves_it_in_no_log_file() {
    if !installed("gnome-keyring-daemon") || !installed("secret-tool") {
        eprintln!(
            "\n\n*** SKIPPED: gnome-keyring-daemon or secret-tool is not installed \
             (apt-get install gnome-keyring libsecret-tools; ./dev test does) ***\n"
        );
        return;
    }
    let desktop = Desktop::start().await;
    let _keyring = start_keyring(&desktop.bus.address).await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&format!(
        "[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\napi_url = \"{}\"\npoll_interval_seconds = 2\n",
        server.url
    ));
    let stderr = sandbox.config_dir().with_file_name("stderr.log");
    let driver = Driver::start_with(
        &sandbox,
        &desktop,
        &["--show"],
        &[("RUST_LOG", "trace")],
        Some(&stderr),
    )
    .await;
    driver.wait_for_first_view().await;

    // Stored through Settings: the token crosses from the page to the tray.
    driver.click("#tab-settings").await;
    driver
        .wait_for(
            "the settings",
            "return !document.getElementById('panel-settings').hidden",
        )
        .await;
    let token_button =
        "#account-list li[data-account=\"work\"] button[data-account-action=\"token\"]";
    driver
        .wait_for(
            "the account's token button",
            &format!("return document.querySelector('{token_button}') !== null"),
        )
        .await;
    driver.click(token_button).await;
    driver
        .wait_for(
            "the token form on the account",
            "return document.getElementById('token-account').value === 'work'",
        )
        .await;
    driver.fill("#token-input", PAT_TOKEN).await;
    driver.click("#save-token").await;
    driver
        .wait_for(
            "the token stored",
            "return document.getElementById('token-result')?.dataset.result === 'stored'",
        )
        .await;

    // Used: polls, and an acknowledgement from the window.
    wait_for_requests(&fake, "polls with the token", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", read(&stderr)));
    let id = fake.trigger(NewIncident::new("Checkout API is down"));
    driver.click("#tab-incidents").await;
    driver
        .wait_for(
            "the incidents",
            "return !document.getElementById('panel-incidents').hidden",
        )
        .await;
    let row = format!("#incidents tbody tr[data-key=\"work/{id}\"]");
    driver
        .wait_for(
            "the incident's row",
            &format!("return document.querySelector('{row}') !== null"),
        )
        .await;
    driver
        .click(&format!("{row} button[data-action=\"ack\"]"))
        .await;
    wait_for_requests(&fake, "the acknowledgement", |_| {
        fake.incident(&id).unwrap().status == Status::Acknowledged
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", read(&stderr)));
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Token token={PAT_TOKEN}"))),
        "the token was what the app used"
    );

    stop_tray(tray_pid(&driver), &stderr).await;
    let folder: PathBuf = sandbox.log_dir();
    let log = read(&folder.join("tray.log"));
    assert!(
        log.contains("TRACE") && log.contains("window: TRACE oncall_tray::ipc: tray → window:"),
        "the file logged at trace level, the window's lines included: {} bytes",
        log.len()
    );
    let leaks = files_containing(&folder, PAT_TOKEN);
    assert!(leaks.is_empty(), "the token is in {leaks:?}");
    assert!(
        log.trim_end().ends_with("stopped"),
        "the whole session, to the app's last line"
    );
    drop(driver);
}

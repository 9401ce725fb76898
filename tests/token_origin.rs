//! Issue 12, item 2: a token only travels to the server it was entered for. An account
//! whose API URL changes, in Settings or by a hand edit of `config.toml`, has no token at
//! its new server: the second server never receives the first one's token, the app says
//! the token must be entered again, and once it is, the account works there.
//!
//! Two fake PagerDuty services on two loopback ports stand for the right server and
//! the wrong one (a typo, a page that was made to save a form); each records every
//! request. The keychain is a real gnome-keyring on the test's private bus. Skipped,
//! loudly, where gnome-keyring or secret-tool is missing (`./dev test` installs them).

use oncall_fake_pagerduty::{FakePagerDuty, RecordedRequest, RunningFake};
use oncall_notification_recorder::TestBus;
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::keyring::{installed, lookup, run_on_bus, start_keyring, token_user};
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{polls, wait_for_requests, Sandbox, PAT_TOKEN, TIMEOUT};

fn keyring_missing(test: &str) -> bool {
    let missing = !installed("gnome-keyring-daemon") || !installed("secret-tool");
    if missing {
        eprintln!(
            "\n\n*** SKIPPED {test}: gnome-keyring-daemon or secret-tool is not installed \
             (apt-get install gnome-keyring libsecret-tools; ./dev test does) ***\n"
        );
    }
    missing
}

async fn serve() -> (FakePagerDuty, RunningFake) {
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    (fake, server)
}

/// An account `work` on `url`, polled every 2 s, its token in the keychain.
fn config(url: &str) -> String {
    format!(
        "[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\napi_url = \"{url}\"\n\
         poll_interval_seconds = 2\n"
    )
}

/// Requests that carry `secret` anywhere: a header, the path, the query or the body.
fn carrying(requests: &[RecordedRequest], secret: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| {
            r.headers.iter().any(|(_, v)| v.contains(secret))
                || r.path.contains(secret)
                || r.query.contains(secret)
                || r.body.contains(secret)
        })
        .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
        .collect()
}

/// Polls that went out with `token`.
fn polls_with(requests: &[RecordedRequest], token: &str) -> usize {
    let header = format!("Token token={token}");
    requests
        .iter()
        .filter(|r| {
            r.method == "GET"
                && r.path == "/incidents"
                && r.status == 200
                && r.header("authorization") == Some(header.as_str())
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_an_account_to_another_server_in_settings_leaves_its_token_behind() {
    if keyring_missing("moving_an_account_to_another_server_in_settings_leaves_its_token_behind") {
        return;
    }
    let desktop = Desktop::start().await;
    let bus = desktop.bus.address.clone();
    let keyring = start_keyring(&bus).await;
    let (right, right_server) = serve().await;
    let (wrong, wrong_server) = serve().await;
    let sandbox = Sandbox::new();
    sandbox.write_config(&config(&right_server.url));
    let log = sandbox.config_dir().with_file_name("app.log");
    let driver = Driver::start_with(&sandbox, &desktop, &["--show"], &[], Some(&log)).await;
    let fail = |what: &str| -> ! {
        panic!(
            "{what}\n----- oncall-tray log -----\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    };
    let status_says = |words: String| {
        let driver = &driver;
        async move {
            driver
                .wait_for(
                    &format!("work's status saying {words:?}"),
                    &format!(
                        "return (document.querySelector('#accounts li[data-account=\"work\"]')\
                         ?.textContent ?? '').includes({words:?})"
                    ),
                )
                .await
        }
    };
    let token_state_is = |state: &'static str| {
        let driver = &driver;
        async move {
            driver
                .wait_for(
                    &format!("work's token state {state}"),
                    &format!(
                        "return document.querySelector('#account-list li[data-account=\"work\"]')\
                         ?.dataset.token === '{state}'"
                    ),
                )
                .await
        }
    };
    let enter_token = |token: &'static str| {
        let driver = &driver;
        async move {
            let button =
                "#account-list li[data-account=\"work\"] button[data-account-action=\"token\"]";
            driver.click(button).await;
            driver
                .wait_for(
                    "the token form on work",
                    "return document.getElementById('token-account').value === 'work'",
                )
                .await;
            driver.fill("#token-input", token).await;
            driver
                .script(
                    "document.getElementById('token-result')?.removeAttribute('data-result'); \
                     return null",
                )
                .await;
            driver.click("#save-token").await;
            driver
                .wait_for(
                    "the token's result",
                    "const r = document.getElementById('token-result')?.dataset.result; \
                     return !!r && r !== 'checking'",
                )
                .await;
            driver
                .script("return document.getElementById('token-result').dataset.result")
                .await
                .as_str()
                .unwrap()
                .to_string()
        }
    };

    // The token, entered for the right server, works there.
    driver.wait_for_first_view().await;
    driver.click("#tab-settings").await;
    token_state_is("not_set").await;
    assert_eq!(enter_token(PAT_TOKEN).await, "stored");
    wait_for_requests(&right, "a poll with the token", |r| {
        polls_with(r, PAT_TOKEN) >= 1
    })
    .await
    .unwrap_or_else(|e| fail(&e));
    let right_key = token_user("work", &right_server.url);
    let wrong_key = token_user("work", &wrong_server.url);
    assert_eq!(
        lookup(&bus, &keyring, &right_key).as_deref(),
        Some(PAT_TOKEN)
    );

    // The account is pointed at the other server, as a typo or a hostile page would.
    driver
        .click("#account-list li[data-account=\"work\"] button[data-account-action=\"edit\"]")
        .await;
    driver
        .fill(
            "form#account-form input[name=\"api_url\"]",
            &wrong_server.url,
        )
        .await;
    driver.click("#account-save").await;
    // The app has run the account on its new server and found no token for it (where
    // it used to poll there with the old one at once).
    status_says(format!(
        "no token is stored for account `work` at {}",
        wrong_server.url
    ))
    .await;
    status_says("must be entered again".into()).await;
    token_state_is("not_set").await;
    driver
        .wait_for(
            "Settings saying the server has no token",
            "return (document.querySelector('#account-list li[data-account=\"work\"] .token-state')\
             ?.textContent ?? '') === 'no token for this server'",
        )
        .await;
    assert!(
        sandbox.config_text().contains(&wrong_server.url),
        "{}",
        sandbox.config_text()
    );
    let sent = carrying(&wrong.requests(), PAT_TOKEN);
    assert!(
        sent.is_empty(),
        "the other server received the token: {sent:?}"
    );
    assert_eq!(
        lookup(&bus, &keyring, &right_key),
        None,
        "the token left behind is deleted, not kept as a stale secret"
    );
    assert_eq!(lookup(&bus, &keyring, &wrong_key), None);

    // Entering it again, for this server, makes the account work here.
    assert_eq!(enter_token(PAT_TOKEN).await, "stored");
    wait_for_requests(&wrong, "a poll with the token entered for it", |r| {
        polls_with(r, PAT_TOKEN) >= 1
    })
    .await
    .unwrap_or_else(|e| fail(&e));
    status_says("connected".into()).await;
    token_state_is("set").await;
    assert_eq!(
        lookup(&bus, &keyring, &wrong_key).as_deref(),
        Some(PAT_TOKEN)
    );
    driver.quit().await;
    drop(keyring);
    drop(desktop);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_edit_of_the_api_url_sends_the_token_nowhere_new() {
    if keyring_missing("a_hand_edit_of_the_api_url_sends_the_token_nowhere_new") {
        return;
    }
    let bus = TestBus::start().expect("a private D-Bus bus");
    let keyring = start_keyring(&bus.address).await;
    let (right, right_server) = serve().await;
    let (wrong, wrong_server) = serve().await;
    let sandbox = Sandbox::new();
    sandbox.write_config(&config(&right_server.url));
    let run = |args: &'static [&'static str], input: &'static str| {
        run_on_bus(&sandbox, &bus.address, args, input)
    };
    let right_key = token_user("work", &right_server.url);
    let wrong_key = token_user("work", &wrong_server.url);

    let (code, out) = run(&["token", "set", "work"], "fake-token-pat\n").await;
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&right_server.url),
        "it says for which server: {out}"
    );
    assert_eq!(
        lookup(&bus.address, &keyring, &right_key).as_deref(),
        Some(PAT_TOKEN)
    );
    let mut app = sandbox.spawn_headless(&bus.address);
    wait_for_requests(&right, "a poll with the token", |r| {
        polls_with(r, PAT_TOKEN) >= 1
    })
    .await
    .unwrap_or_else(|e| app.fail(e));
    app.terminate();
    assert_eq!(app.wait_exit(TIMEOUT).await, Some(0), "{}", app.log());

    // Between two runs, the file is edited by hand to name the other server.
    sandbox.write_config(
        &sandbox
            .config_text()
            .replace(&right_server.url, &wrong_server.url),
    );
    let mut app = sandbox.spawn_headless(&bus.address);
    app.wait_for_log(&format!(
        "no token is stored for account `work` at {}",
        wrong_server.url
    ))
    .await;
    // The one-shot commands read the same key, and say the same.
    let (code, out) = run(&["status"], "").await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("must be entered again"), "{out}");
    assert!(out.contains("oncall-tray token set work"), "{out}");
    let sent = carrying(&wrong.requests(), PAT_TOKEN);
    assert!(
        sent.is_empty(),
        "the other server received the token: {sent:?}"
    );
    assert_eq!(
        polls(&wrong.requests()),
        0,
        "nothing was polled without a token"
    );
    app.terminate();
    assert_eq!(app.wait_exit(TIMEOUT).await, Some(0), "{}", app.log());

    // `token clear` and `account remove` find the token where the account now points.
    let (code, out) = run(&["token", "clear", "work"], "").await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("No token was stored"), "{out}");
    sandbox.write_config(&config(&right_server.url));
    let (code, out) = run(&["token", "clear", "work"], "").await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Deleted the token"), "{out}");
    assert_eq!(lookup(&bus.address, &keyring, &right_key), None);
    let (code, out) = run(&["token", "set", "work", "--no-verify"], "fake-token-pat\n").await;
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["account", "remove", "work"], "").await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Deleted its token"), "{out}");
    assert_eq!(lookup(&bus.address, &keyring, &right_key), None);
    assert_eq!(lookup(&bus.address, &keyring, &wrong_key), None);
    drop(keyring);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_stored_under_the_account_name_alone_is_never_read() {
    if keyring_missing("a_token_stored_under_the_account_name_alone_is_never_read") {
        return;
    }
    let bus = TestBus::start().expect("a private D-Bus bus");
    let keyring = start_keyring(&bus.address).await;
    let (fake, server) = serve().await;
    let sandbox = Sandbox::new();
    sandbox.write_config(&config(&server.url));
    // Where tokens were kept before they were keyed by server: no server to check
    // against, so it is not used.
    oncall_tray_e2e::keyring::store(&bus.address, &keyring, "work", PAT_TOKEN);
    let out = {
        let mut cmd = sandbox.command(&["status"]);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
        tokio::time::timeout(TIMEOUT, cmd.output())
            .await
            .expect("status finishes")
            .unwrap()
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("no token is stored for account `work`"),
        "{text}"
    );
    assert!(carrying(&fake.requests(), PAT_TOKEN).is_empty());
    drop(keyring);
}

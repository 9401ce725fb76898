//! `token set` / `token clear` / `account remove` against a real Secret Service:
//! gnome-keyring on a private D-Bus bus, with throwaway keyring files. Skipped, loudly,
//! where `gnome-keyring-daemon` is not installed (Debian: `apt-get install gnome-keyring
//! libsecret-tools`).

use oncall_fake_pagerduty::FakePagerDuty;
use oncall_notification_recorder::TestBus;
use oncall_tray_e2e::keyring::{installed, lookup, run_on_bus, start_keyring, token_user};
use oncall_tray_e2e::{files_containing, polls, wait_for_requests, Sandbox, PAT_TOKEN, TIMEOUT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_set_lands_in_the_keychain_and_nowhere_else() {
    if !installed("gnome-keyring-daemon") || !installed("secret-tool") {
        eprintln!(
            "\n\n*** SKIPPED token_set_lands_in_the_keychain_and_nowhere_else: \
             gnome-keyring-daemon or secret-tool is not installed \
             (apt-get install gnome-keyring libsecret-tools) ***\n"
        );
        return;
    }
    let bus = TestBus::start().expect("a private D-Bus bus");
    let keyring = start_keyring(&bus.address).await;
    let fake = FakePagerDuty::new();
    let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let sandbox = Sandbox::new();
    let run = |args: &'static [&'static str], input: &'static str| {
        run_on_bus(&sandbox, &bus.address, args, input)
    };

    let add = sandbox
        .run_with_env(
            &[
                "account",
                "add",
                "work",
                "--provider",
                "pagerduty",
                "--api-url",
                &server.url,
            ],
            "",
            &[("DBUS_SESSION_BUS_ADDRESS", &bus.address)],
        )
        .await;
    assert_eq!(add.code, Some(0), "{add:?}");

    let (code, out) = run(&["token", "set", "work"], "fake-token-pat\n").await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Pat Oncall"), "{out}");
    assert_eq!(
        lookup(&bus.address, &keyring, &token_user("work", &server.url)).as_deref(),
        Some(PAT_TOKEN)
    );
    let leaks = files_containing(&sandbox.config_dir(), PAT_TOKEN)
        .into_iter()
        .chain(files_containing(&sandbox.data_dir(), PAT_TOKEN))
        .collect::<Vec<_>>();
    assert!(leaks.is_empty(), "the token is in {leaks:?}");

    // The one-shot commands use it.
    let (code, out) = run(&["status"], "").await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("connected"), "{out}");

    // The app reads it from the keychain: it is used on the wire, and it is not in the
    // app's command line, environment or log.
    fake.clear_requests();
    let mut app = sandbox.spawn_headless(&bus.address);
    wait_for_requests(&fake, "a poll with the stored token", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| app.fail(e));
    let auth = fake.requests()[0]
        .header("authorization")
        .map(str::to_owned);
    assert_eq!(auth.as_deref(), Some("Token token=fake-token-pat"));
    for file in ["cmdline", "environ"] {
        oncall_tray_e2e::assert_proc_file_lacks(app.pid(), file, PAT_TOKEN);
    }
    app.terminate();
    assert_eq!(app.wait_exit(TIMEOUT).await, Some(0), "{}", app.log());
    assert!(!app.log().contains(PAT_TOKEN), "the token is in the log");

    let (code, out) = run(&["token", "clear", "work"], "").await;
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        lookup(&bus.address, &keyring, &token_user("work", &server.url)),
        None
    );
    let (code, out) = run(&["status"], "").await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("oncall-tray token set work"), "{out}");

    // Removing the account takes its token along.
    let (code, out) = run(&["token", "set", "work", "--no-verify"], "fake-token-pat\n").await;
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["account", "remove", "work"], "").await;
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        lookup(&bus.address, &keyring, &token_user("work", &server.url)),
        None
    );
    drop(keyring);
}

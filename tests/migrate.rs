//! Moving off Opsgenie as a person does it, before Opsgenie stops answering: one
//! command turns the Opsgenie account into a JSM Operations one, takes the new token
//! into the real keychain (gnome-keyring on a private bus), and the app, on its next
//! start, pages from JSM without ringing again for what already rang. Skipped, loudly,
//! where gnome-keyring is not installed (Debian: `apt-get install gnome-keyring
//! libsecret-tools`).

use oncall_fake_jsm::{self as jsm, FakeJsm};
use oncall_fake_opsgenie::{self as og, FakeOpsgenie};
use oncall_notification_recorder::{Recorder, TestBus};
use oncall_tray_e2e::headless_world::{page_titled, titled};
use oncall_tray_e2e::keyring::{installed, lookup, run_on_bus, start_keyring, token_user};
use oncall_tray_e2e::{wait_until, App, Sandbox, TIMEOUT};

fn keyring_missing(test: &str) -> bool {
    let missing = !installed("gnome-keyring-daemon") || !installed("secret-tool");
    if missing {
        eprintln!(
            "\n\n*** SKIPPED {test}: gnome-keyring-daemon or secret-tool is not installed \
             (apt-get install gnome-keyring libsecret-tools) ***\n"
        );
    }
    missing
}

/// The JSM fake's alert-list requests so far: one per poll of up to 100 alerts.
fn jsm_polls(fake: &FakeJsm) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/v1/alerts"))
        .count()
}

async fn stop(mut app: App) {
    app.terminate();
    assert_eq!(app.wait_exit(TIMEOUT).await, Some(0), "{}", app.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opsgenie_account_moves_to_jsm_with_one_command_and_nothing_rings_twice() {
    if keyring_missing("an_opsgenie_account_moves_to_jsm_with_one_command_and_nothing_rings_twice")
    {
        return;
    }
    let bus = TestBus::start().expect("a private D-Bus bus");
    let keyring = start_keyring(&bus.address).await;
    let recorder = Recorder::start(Some(&bus.address))
        .await
        .expect("the notification recorder");
    let opsgenie = FakeOpsgenie::new();
    let og_server = opsgenie
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let jsm = FakeJsm::new();
    let jsm_server = jsm.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let sandbox = Sandbox::new();
    let run = |args: Vec<String>, input: String| {
        let sandbox = &sandbox;
        let bus = bus.address.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_on_bus(sandbox, &bus, &args, &input).await
        }
    };
    let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // Pat's Opsgenie account, its key in the keychain, and a page from it.
    let (code, out) = run(
        args(&[
            "account",
            "add",
            "ops",
            "--provider",
            "opsgenie",
            "--api-url",
            &og_server.url,
            "--poll-interval",
            "2",
            "--on-call-user",
            jsm::EMAIL,
        ]),
        String::new(),
    )
    .await;
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(args(&["token", "set", "ops"]), format!("{}\n", og::API_KEY)).await;
    assert_eq!(code, Some(0), "{out}");
    let rang = opsgenie.create_alert(og::NewAlert::new("Checkout is down").priority("P1"));
    let app = sandbox.spawn_headless(&bus.address);
    page_titled(&recorder, "Checkout is down", &app).await;
    stop(app).await;
    let opsgenie_heard = opsgenie.requests().len();

    // Atlassian moves the alerts over: the same alert, with its id and creation time.
    let created = opsgenie.alert(&rang).unwrap().created_at;
    jsm.create_alert(
        jsm::NewAlert::new("Checkout is down")
            .id(&rang)
            .priority("P1")
            .created_at(created),
    );

    // A wrong token changes nothing: the account stays on Opsgenie, its key kept.
    let before = sandbox.config_text();
    let move_args = args(&[
        "account",
        "migrate",
        "ops",
        "--to",
        "jsm",
        "--site",
        &jsm_server.url,
        "--api-url",
        &jsm_server.url,
    ]);
    let (code, out) = run(move_args.clone(), "not-the-token\n".into()).await;
    assert_eq!(code, Some(5), "a rejected token exits 5: {out}");
    assert!(out.contains("nothing was changed"), "{out}");
    assert_eq!(sandbox.config_text(), before);
    assert_eq!(
        lookup(&bus.address, &keyring, &token_user("ops", &og_server.url)).as_deref(),
        Some(og::API_KEY)
    );

    // The move, with the Atlassian API token typed in.
    let (code, out) = run(move_args, format!("{}\n", jsm::API_TOKEN)).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("Moved account `ops` from Opsgenie to JSM Operations")
            && out.contains(&format!("as {}", jsm::EMAIL)),
        "{out}"
    );
    let text = sandbox.config_text();
    for line in ["provider = \"jsm\"", "query = \"status:open\""] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    assert!(!text.contains("opsgenie\""), "{text}");
    // The new token under JSM's origin; the Opsgenie key gone with Opsgenie.
    assert_eq!(
        lookup(&bus.address, &keyring, &token_user("ops", &jsm_server.url)).as_deref(),
        Some(jsm::API_TOKEN)
    );
    assert_eq!(
        lookup(&bus.address, &keyring, &token_user("ops", &og_server.url)),
        None
    );

    // The app's next start polls JSM. What rang on Opsgenie does not ring again …
    let app = sandbox.spawn_headless(&bus.address);
    wait_until("three polls of JSM", || jsm_polls(&jsm) >= 3).await;
    let pages = recorder.notifications();
    assert_eq!(
        titled(&pages, "Checkout is down").len(),
        1,
        "rang twice across the move: {pages:#?}"
    );
    // … and a new alert pages, and is acknowledged from the notification, confirmed by JSM.
    let fresh = jsm.create_alert(jsm::NewAlert::new("Replica lag").priority("P1"));
    let page = page_titled(&recorder, "Replica lag", &app).await;
    recorder.press(page.id, "ack").await.expect("pressed");
    wait_until("JSM has the alert acknowledged", || {
        jsm.alert(&fresh).is_some_and(|a| a.acknowledged)
    })
    .await;
    wait_until(
        "the acknowledgement confirmed through its request status",
        || {
            jsm.requests()
                .iter()
                .any(|r| r.method == "GET" && r.path.contains("/v1/alerts/requests/"))
        },
    )
    .await;
    assert_eq!(
        opsgenie.requests().len(),
        opsgenie_heard,
        "nothing goes to Opsgenie after the move"
    );
    stop(app).await;
    drop(keyring);
}

/// What cannot move is refused with words, and nothing is written.
#[tokio::test]
async fn only_an_opsgenie_account_with_a_known_email_moves() {
    let sandbox = Sandbox::new();
    sandbox.write_config(
        "[[accounts]]\nname = \"work\"\nprovider = \"pagerduty\"\n\n\
         [[accounts]]\nname = \"ops\"\nprovider = \"opsgenie\"\n",
    );
    let before = sandbox.config_text();
    let out = sandbox
        .run(&[
            "account", "migrate", "work", "--to", "jsm", "--site", "acme",
        ])
        .await;
    assert_eq!(out.code, Some(3), "{out:#?}");
    assert!(
        out.stderr.contains("only Opsgenie accounts move to JSM"),
        "{out:#?}"
    );
    let out = sandbox
        .run(&["account", "migrate", "ops", "--to", "jsm", "--site", "acme"])
        .await;
    assert_eq!(out.code, Some(3), "{out:#?}");
    assert!(out.stderr.contains("--email"), "{out:#?}");
    let out = sandbox
        .run(&[
            "account",
            "migrate",
            "ops",
            "--to",
            "jsm",
            "--site",
            "acme corp",
            "--email",
            "pat@example.com",
        ])
        .await;
    assert_eq!(out.code, Some(3), "{out:#?}");
    assert!(out.stderr.contains("is not a site name"), "{out:#?}");
    assert_eq!(sandbox.config_text(), before);
}

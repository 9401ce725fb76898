//! The documented exit statuses (`oncall-tray --help`), each produced by the situation
//! it names: a command line that does not parse, a config file that cannot be used, a
//! service nobody answers for, a token the fake PagerDuty refuses.

use oncall_fake_pagerduty::{FakePagerDuty, Fault, FaultKind, NewIncident, Route};
use oncall_model::Status;
use oncall_tray_e2e::{fake_account_config, Output, Sandbox, PAT_TOKEN};

use super::{CONFIG_ERROR, SERVICE_UNREACHABLE, TOKEN_REJECTED, USAGE_ERROR};

/// The commands that ask every account's service.
const REMOTE: [&[&str]; 3] = [&["status"], &["incidents"], &["ack", "all"]];

/// Exit status `code`, with `words` somewhere in what was printed (`status` prints an
/// account's failure in its table, the others on stderr), and no panic.
fn assert_exits(out: &Output, code: i32, words: &str) {
    assert_eq!(out.code, Some(code), "{out:#?}");
    assert!(
        out.stdout.contains(words) || out.stderr.contains(words),
        "expected {words:?} in {out:#?}"
    );
    assert!(!out.stderr.contains("panicked"), "{out:#?}");
}

/// A PagerDuty account at `api_url` whose token command prints `token`.
fn account(name: &str, api_url: &str, token: &str) -> String {
    format!(
        "[[accounts]]\n\
         name = \"{name}\"\n\
         provider = \"pagerduty\"\n\
         api_url = \"{api_url}\"\n\
         token_command = \"printf %s {token}\"\n\n"
    )
}

/// A loopback URL where nothing listens for as long as the socket lives: the port is
/// bound, so nobody else can take it, but never listened on, so every connection is
/// refused at once.
fn closed_port() -> (tokio::net::TcpSocket, String) {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().unwrap())
        .expect("a loopback port");
    let url = format!("http://{}", socket.local_addr().expect("its address"));
    (socket, url)
}

async fn fake() -> (FakePagerDuty, oncall_fake_pagerduty::RunningFake) {
    let fake = FakePagerDuty::new();
    let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (fake, server)
}

#[tokio::test]
async fn a_command_line_that_does_not_parse_exits_2() {
    let sandbox = Sandbox::new();
    for args in [
        &["statuss"][..],
        &["ack"],
        &["account", "add", "work"],
        &["account", "add", "work", "--provider", "pagerdutyy"],
        &["--headless", "status"],
    ] {
        assert_exits(&sandbox.run(args).await, USAGE_ERROR, "error:");
    }
}

#[tokio::test]
async fn a_config_file_that_cannot_be_used_exits_3_and_says_what_is_wrong() {
    let sandbox = Sandbox::new();
    let file = sandbox.config_file().display().to_string();

    sandbox.write_config("[[accounts]\nname = \"work\"\n");
    for args in REMOTE.iter().copied().chain([
        &["account", "list"][..],
        &["account", "add", "home", "--provider", "pagerduty"],
        &["token", "clear", "work"],
    ]) {
        assert_exits(&sandbox.run(args).await, CONFIG_ERROR, &file);
    }

    sandbox.write_config(&fake_account_config("http://127.0.0.1:9", 1));
    for args in REMOTE {
        assert_exits(
            &sandbox.run(args).await,
            CONFIG_ERROR,
            "poll_interval_seconds",
        );
    }

    sandbox.write_config("# No accounts yet.\n");
    for args in REMOTE {
        assert_exits(&sandbox.run(args).await, CONFIG_ERROR, "has no accounts");
    }
    assert_exits(
        &sandbox
            .run_with_input(&["token", "set", "work"], "x\n")
            .await,
        CONFIG_ERROR,
        "no account named `work`",
    );
    // `--headless` too, so that its systemd unit does not restart it in a loop
    // (`RestartPreventExitStatus=3`); the broken file the same.
    assert_exits(
        &sandbox.run(&["--headless"]).await,
        CONFIG_ERROR,
        "has no accounts",
    );
    sandbox.write_config("[[accounts]\nname = \"work\"\n");
    assert_exits(&sandbox.run(&["--headless"]).await, CONFIG_ERROR, &file);
}

#[tokio::test]
async fn a_service_that_cannot_be_reached_exits_4() {
    let sandbox = Sandbox::new();
    let (_closed, url) = closed_port();
    sandbox.write_config(&account("work", &url, PAT_TOKEN));
    for args in REMOTE {
        assert_exits(
            &sandbox.run(args).await,
            SERVICE_UNREACHABLE,
            "cannot be reached",
        );
    }
    let out = sandbox
        .run_with_input(&["token", "set", "work"], &format!("{PAT_TOKEN}\n"))
        .await;
    assert_exits(&out, SERVICE_UNREACHABLE, "nothing was stored");

    // A service that answers with server errors may work later just the same.
    let (fake, server) = fake().await;
    fake.inject(Fault {
        route: Route::Any,
        kind: FaultKind::ServerError(503),
        times: u32::MAX,
    });
    sandbox.write_config(&fake_account_config(&server.url, 15));
    for args in REMOTE {
        assert_exits(
            &sandbox.run(args).await,
            SERVICE_UNREACHABLE,
            "could not be read",
        );
    }
}

#[tokio::test]
async fn a_token_the_service_rejects_exits_5() {
    let sandbox = Sandbox::new();
    let (fake, server) = fake().await;
    let id = fake.trigger(NewIncident::new("Checkout API is down"));

    sandbox.write_config(&account("work", &server.url, "not-a-real-token"));
    for args in REMOTE {
        assert_exits(
            &sandbox.run(args).await,
            TOKEN_REJECTED,
            "rejected the token",
        );
    }

    // A token that may read but not acknowledge (403 on the update): refused for the
    // token all the same, and the incident stays triggered.
    sandbox.write_config(&fake_account_config(&server.url, 15));
    fake.inject(Fault::once(Route::UpdateIncidents, FaultKind::Forbidden));
    assert_exits(
        &sandbox.run(&["ack", "all"]).await,
        TOKEN_REJECTED,
        "1 incident was not acknowledged",
    );
    assert_eq!(fake.incident(&id).unwrap().status, Status::Triggered);
}

/// The failed accounts decide the code when they agree, whatever the others did; when
/// they fail for different reasons no one remedy fits, so 1, and each says its own.
#[tokio::test]
async fn accounts_failing_for_different_reasons_exit_1_and_each_says_why() {
    let sandbox = Sandbox::new();
    let (_fake, server) = fake().await;
    let (_closed, closed) = closed_port();
    let working = account("work", &server.url, PAT_TOKEN);
    let down = account("down", &closed, PAT_TOKEN);
    let stale = account("stale", &server.url, "an-old-token");

    sandbox.write_config(&format!("{working}{down}"));
    let out = sandbox.run(&["status"]).await;
    assert_exits(&out, SERVICE_UNREACHABLE, "1 account could not be read");
    assert!(out.stdout.contains("connected"), "{out:#?}");

    sandbox.write_config(&format!("{working}{down}{stale}"));
    for args in REMOTE {
        let out = sandbox.run(args).await;
        assert_exits(&out, 1, "2 accounts could not be read");
        assert!(
            [&out.stdout, &out.stderr]
                .iter()
                .any(|text| text.contains("cannot be reached"))
                && [&out.stdout, &out.stderr]
                    .iter()
                    .any(|text| text.contains("rejected the token")),
            "{out:#?}"
        );
    }
}

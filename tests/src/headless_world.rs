//! [`HeadlessWorld`]: what a suite that runs `oncall-tray --headless` has around the app:
//! a private D-Bus session bus, the fake PagerDuty serving on loopback, and a sandbox whose
//! one account on the fake is polled every 2 s.
//!
//! No notification server runs until the test starts one ([`HeadlessWorld::recorder`],
//! [`HeadlessWorld::wedged_server`], or one of its own): when one runs, and which kind,
//! is what many of these suites are about.

use std::time::Duration;

use oncall_fake_pagerduty::{FakePagerDuty, RunningFake};
use oncall_model::Status;
use oncall_notification_recorder::{Recorded, Recorder, TestBus};

use crate::{fake_account_config, polls, wait_for_requests, App, Sandbox, TIMEOUT};

/// The bus, the fake and its running server, and the sandbox; see the module docs.
pub struct HeadlessWorld {
    /// The private session bus the app, notification servers and strangers share.
    pub bus: TestBus,
    /// The service: the test triggers incidents on it and reads what it was sent.
    pub fake: FakePagerDuty,
    /// The fake's server; [`HeadlessWorld::finish`] shuts it down.
    server: RunningFake,
    /// The app's config and data directories.
    pub sandbox: Sandbox,
}

impl HeadlessWorld {
    /// The bus, the fake (polled every 2 s) and the sandbox; no notification server yet.
    pub async fn start() -> HeadlessWorld {
        HeadlessWorld::with_config("").await
    }

    /// [`HeadlessWorld::start`] with `prefix` (a `[notifications]` table, say) in
    /// `config.toml` before the account, a line break between them.
    pub async fn with_config(prefix: &str) -> HeadlessWorld {
        let bus = TestBus::start().expect("a private D-Bus bus (dbus-daemon)");
        let fake = FakePagerDuty::new();
        let server = fake
            .serve("127.0.0.1:0".parse().unwrap())
            .await
            .expect("the fake PagerDuty");
        let sandbox = Sandbox::new();
        let account = fake_account_config(&server.url, 2);
        if prefix.is_empty() {
            sandbox.write_config(&account);
        } else {
            sandbox.write_config(&format!("{prefix}\n{account}"));
        }
        HeadlessWorld {
            bus,
            fake,
            server,
            sandbox,
        }
    }

    /// The fake's `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// A recording notification server, started now on the bus.
    pub async fn recorder(&self) -> Recorder {
        Recorder::start(Some(&self.bus.address))
            .await
            .expect("the notification recorder")
    }

    /// A notification server that owns the name but never answers `Notify` (a wedged
    /// daemon).
    pub async fn wedged_server(&self) -> Recorder {
        Recorder::start_wedged(Some(&self.bus.address))
            .await
            .expect("the wedged server")
    }

    /// Starts `oncall-tray --headless` on the bus.
    pub fn spawn(&self) -> App {
        self.sandbox.spawn_headless(&self.bus.address)
    }

    /// [`HeadlessWorld::spawn`] with these environment variables set too.
    pub fn spawn_with_env(&self, env: &[(&str, String)]) -> App {
        self.sandbox.spawn_headless_with_env(&self.bus.address, env)
    }

    /// Waits for the app's first poll: what is triggered from now on is a page, not a
    /// summary of what was open at start.
    pub async fn first_poll(&self, app: &App) {
        wait_for_requests(&self.fake, "the first poll", |r| polls(r) >= 1)
            .await
            .unwrap_or_else(|e| app.fail(e));
    }

    /// Waits until the fake has answered `count` more polls than it had by now; `what`
    /// names them in the failure.
    pub async fn more_polls(&self, count: usize, what: &str, app: &App) {
        let polls_then = polls(&self.fake.requests());
        wait_for_requests(&self.fake, what, |r| polls(r) >= polls_then + count)
            .await
            .unwrap_or_else(|e| app.fail(e));
    }

    /// The status of `incident` on the fake.
    pub fn status(&self, incident: &str) -> Status {
        self.fake.incident(incident).unwrap().status
    }

    /// Waits until the fake has `incident` acknowledged.
    pub async fn acknowledged(&self, incident: &str, app: &App) {
        wait_for_requests(&self.fake, "the acknowledgement", |_| {
            self.status(incident) == Status::Acknowledged
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    }

    /// Presses Acknowledge on `recorder`'s notification `page` and waits until the fake
    /// has `incident` acknowledged.
    pub async fn acknowledge_from(
        &self,
        recorder: &Recorder,
        page: u32,
        incident: &str,
        app: &App,
    ) {
        recorder.press(page, "ack").await.expect("pressed");
        self.acknowledged(incident, app).await;
    }

    /// A logout and a new login: the session bus ends, and a new one (with no
    /// notification server yet) takes its place; the service and the sandbox stay.
    pub fn next_session(self) -> HeadlessWorld {
        let HeadlessWorld {
            bus,
            fake,
            server,
            sandbox,
        } = self;
        drop(bus);
        HeadlessWorld {
            bus: TestBus::start().expect("a private D-Bus bus (dbus-daemon)"),
            fake,
            server,
            sandbox,
        }
    }

    /// SIGTERM ends the app cleanly; then everything else stops.
    pub async fn finish(self, mut app: App, recorder: Recorder) {
        app.terminate();
        assert_eq!(
            app.wait_exit(Duration::from_secs(5)).await,
            Some(0),
            "{}",
            app.log()
        );
        recorder.stop().await;
        self.server.shutdown().await;
    }
}

/// The notifications among `records` whose summary contains `title`, in order.
pub fn titled<'a>(records: &'a [Recorded], title: &str) -> Vec<&'a Recorded> {
    records
        .iter()
        .filter(|n| n.summary.contains(title))
        .collect()
}

/// The notifications titled `title`, as soon as `recorder` has one.
pub async fn pages_titled(recorder: &Recorder, title: &str, app: &App) -> Vec<Recorded> {
    let seen = recorder
        .wait_for(TIMEOUT, |n| !titled(n, title).is_empty())
        .await
        .unwrap_or_else(|e| app.fail(e));
    titled(&seen, title).into_iter().cloned().collect()
}

/// The (first) notification titled `title`, once `recorder` has it.
pub async fn page_titled(recorder: &Recorder, title: &str, app: &App) -> Recorded {
    pages_titled(recorder, title, app).await.remove(0)
}

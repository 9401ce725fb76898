//! Shared helpers: a bus with a recorder on it, zbus proxies for both interfaces, and the
//! notify-rust client process.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use oncall_notification_recorder::{Recorder, TestBus, INTERFACE, OBJECT_PATH};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// How long any single expected event may take. Generous: it only matters when a test fails.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A private bus with a recorder on it.
pub struct Desktop {
    pub recorder: Recorder,
    /// Dropped after the recorder (field order), so the recorder never loses its bus first.
    pub bus: TestBus,
}

impl Desktop {
    pub async fn start() -> Desktop {
        let bus = TestBus::start().expect("start a private dbus-daemon");
        let recorder = Recorder::start(Some(&bus.address))
            .await
            .expect("start the recorder");
        Desktop { recorder, bus }
    }

    /// A desktop whose server shows inline reply fields (KDE's extension).
    pub async fn with_inline_reply() -> Desktop {
        let bus = TestBus::start().expect("start a private dbus-daemon");
        let recorder = Recorder::start_with_inline_reply(Some(&bus.address))
            .await
            .expect("start the recorder");
        Desktop { recorder, bus }
    }

    /// A new zbus connection to the bus, as another process would have.
    pub async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.bus.address.as_str())
            .expect("a valid address")
            .build()
            .await
            .expect("connect to the private bus")
    }

    pub async fn stop(self) {
        self.recorder.stop().await;
    }
}

/// The client side of `org.freedesktop.Notifications`, as an app sees it.
#[zbus::proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
pub trait Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        replaces_id: u32,
        app_icon: &str,
        summary: &str,
        body: &str,
        actions: &[&str],
        hints: std::collections::HashMap<&str, zbus::zvariant::Value<'_>>,
        expire_timeout: i32,
    ) -> zbus::Result<u32>;
    fn close_notification(&self, id: u32) -> zbus::Result<()>;
    fn get_capabilities(&self) -> zbus::Result<Vec<String>>;
    fn get_server_information(&self) -> zbus::Result<(String, String, String, String)>;
    #[zbus(signal)]
    fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;
    #[zbus(signal)]
    fn notification_closed(&self, id: u32, reason: u32) -> zbus::Result<()>;
}

/// The recorder's control interface, as a test in another process sees it.
#[zbus::proxy(
    interface = "org.oncalltray.NotificationRecorder",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
pub trait Control {
    fn notifications(&self) -> zbus::Result<String>;
    fn press(&self, id: u32, action_key: &str) -> zbus::Result<()>;
    fn reply(&self, id: u32, text: &str) -> zbus::Result<()>;
    fn dismiss(&self, id: u32) -> zbus::Result<()>;
    fn clear(&self) -> zbus::Result<()>;
    fn wait_for_listener(&self, id: u32, timeout_ms: u32) -> zbus::Result<()>;
}

/// A signal of the notification server.
#[derive(Debug, PartialEq, Eq)]
pub enum Signal {
    ActionInvoked(u32, String),
    NotificationClosed(u32, u32),
}

/// Every signal of the notification server on one stream, in the order it sent them.
pub async fn signals(connection: &zbus::Connection) -> impl Stream<Item = Signal> + Unpin {
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(INTERFACE)
        .unwrap()
        .path(OBJECT_PATH)
        .unwrap()
        .build();
    let stream = zbus::MessageStream::for_match_rule(rule, connection, None)
        .await
        .expect("subscribe to the server's signals");
    Box::pin(stream.filter_map(|message| async move {
        let message = message.ok()?;
        let body = message.body();
        match message.header().member()?.as_str() {
            "ActionInvoked" => body
                .deserialize()
                .ok()
                .map(|(id, key)| Signal::ActionInvoked(id, key)),
            "NotificationClosed" => body
                .deserialize()
                .ok()
                .map(|(id, reason)| Signal::NotificationClosed(id, reason)),
            _ => None,
        }
    }))
}

/// The next signal named `member` that `stream` receives.
pub async fn next_signal(stream: &mut zbus::MessageStream, member: &str) -> zbus::Message {
    within(member, async {
        loop {
            let message = stream.next().await.expect("open").expect("readable");
            if message.message_type() == zbus::message::Type::Signal
                && message.header().member().map(|m| m.as_str()) == Some(member)
            {
                return message;
            }
        }
    })
    .await
}

/// The unique name the bus wrote into `message` as its sender.
pub fn sender(message: &zbus::Message) -> String {
    message.header().sender().unwrap().to_string()
}

/// Sends a plain notification with the given summary and actions through zbus.
pub async fn notify(proxy: &NotificationsProxy<'_>, summary: &str, actions: &[&str]) -> u32 {
    proxy
        .notify(
            "oncall-tray",
            0,
            "",
            summary,
            "",
            actions,
            Default::default(),
            -1,
        )
        .await
        .expect("Notify")
}

/// Runs `fut`, failing the test with `what` if it takes longer than [`TIMEOUT`].
pub async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {TIMEOUT:?} waiting for {what}"))
}

/// The notify-rust client (`examples/notify-client.rs`) running against one bus.
pub struct NotifyClient {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl NotifyClient {
    /// Starts the client with `DBUS_SESSION_BUS_ADDRESS` pointing at `bus`.
    pub fn spawn(bus: &TestBus, args: &[&str]) -> NotifyClient {
        let mut child = Command::new(notify_client_path())
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the notify-client example");
        let stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
        NotifyClient { child, stdout }
    }

    /// The next line the client prints.
    pub async fn line(&mut self) -> String {
        within("a line from notify-client", self.stdout.next_line())
            .await
            .expect("read notify-client's stdout")
            .expect("notify-client ended without printing the expected line")
    }

    /// Reads the `id N` line the client prints once `Notify` returned.
    pub async fn id(&mut self) -> u32 {
        let line = self.line().await;
        line.strip_prefix("id ")
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("expected `id N`, got {line:?}"))
    }

    /// Waits for the client to exit.
    pub async fn finish(mut self) -> ExitStatus {
        within("notify-client to exit", self.child.wait())
            .await
            .expect("wait for notify-client")
    }
}

/// Cargo builds examples next to the test binaries' `deps` folder but tells tests only
/// where binaries are, so the path is derived from this test's own.
fn notify_client_path() -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = test_exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in <target>/<profile>/deps");
    let path = profile_dir
        .join("examples")
        .join(format!("notify-client{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: `cargo test -p oncall-notification-recorder` builds it, or run \
         `cargo build -p oncall-notification-recorder --example notify-client`",
        path.display()
    );
    path
}

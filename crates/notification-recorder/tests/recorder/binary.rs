//! The `notification-recorder` binary: ready line, logging, clean exit on signals.

use std::process::Stdio;

use oncall_notification_recorder::{Recorded, TestBus};
use rustix::process::{kill_process, Pid, Signal};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::util::{notify, within, ControlProxy, NotificationsProxy};

async fn ready_then_exit_on(signal: Signal) {
    let bus = TestBus::start().unwrap();
    let mut recorder = Command::new(env!("CARGO_BIN_EXE_notification-recorder"))
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(recorder.stdout.take().unwrap()).lines();
    let mut stderr = BufReader::new(recorder.stderr.take().unwrap()).lines();
    let first = within("`ready`", stdout.next_line()).await.unwrap();
    assert_eq!(first.as_deref(), Some("ready"));

    let connection = zbus::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .build()
        .await
        .unwrap();
    let notifications = NotificationsProxy::new(&connection).await.unwrap();
    let id = notify(
        &notifications,
        "Checkout API is down",
        &["ack", "Acknowledge"],
    )
    .await;
    within("the Notify log line", async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if line.contains("Notify") && line.contains("Checkout API is down") {
                return;
            }
        }
        panic!("stderr ended without logging the notification");
    })
    .await;
    let control = ControlProxy::new(&connection).await.unwrap();
    let listed: Vec<Recorded> =
        serde_json::from_str(&control.notifications().await.unwrap()).unwrap();
    assert_eq!(listed[0].id, id);

    let pid = Pid::from_raw(recorder.id().unwrap() as i32).unwrap();
    kill_process(pid, signal).unwrap();
    let status = within("the recorder to exit", recorder.wait())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
}

#[tokio::test]
async fn the_binary_prints_ready_and_exits_0_on_sigterm() {
    ready_then_exit_on(Signal::TERM).await;
}

#[tokio::test]
async fn the_binary_exits_0_on_sigint() {
    ready_then_exit_on(Signal::INT).await;
}

#[tokio::test]
async fn the_binary_announces_inline_replies_when_asked() {
    let bus = TestBus::start().unwrap();
    let mut recorder = Command::new(env!("CARGO_BIN_EXE_notification-recorder"))
        .arg("--inline-reply")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(recorder.stdout.take().unwrap()).lines();
    let first = within("`ready`", stdout.next_line()).await.unwrap();
    assert_eq!(first.as_deref(), Some("ready"));

    let connection = zbus::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .build()
        .await
        .unwrap();
    let capabilities = NotificationsProxy::new(&connection)
        .await
        .unwrap()
        .get_capabilities()
        .await
        .unwrap();
    assert!(
        capabilities.iter().any(|c| c == "inline-reply"),
        "{capabilities:?}"
    );

    let pid = Pid::from_raw(recorder.id().unwrap() as i32).unwrap();
    kill_process(pid, Signal::TERM).unwrap();
    let status = within("the recorder to exit", recorder.wait())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
}

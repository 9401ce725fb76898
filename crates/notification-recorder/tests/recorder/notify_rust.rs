//! The app's client library, notify-rust 4 (zbus over Tokio), against the recorder.

use futures_util::StreamExt;
use oncall_notification_recorder::close_reason;

use crate::util::{within, Desktop, NotificationsProxy, NotifyClient, TIMEOUT};

#[tokio::test]
async fn a_critical_notification_with_two_actions_is_recorded_with_every_field() {
    let desktop = Desktop::start().await;
    let mut client = NotifyClient::spawn(
        &desktop.bus,
        &[
            "--app",
            "oncall-tray",
            "--summary",
            "Checkout API is down",
            "--body",
            "High urgency · triggered 2 min ago",
            "--action",
            "ack:Acknowledge",
            "--action",
            "open:Open",
            "--urgency",
            "critical",
            "--timeout",
            "0",
        ],
    );
    let id = client.id().await;
    assert!(client.finish().await.success());

    assert_eq!(id, 1);
    let all = desktop.recorder.notifications();
    assert_eq!(all.len(), 1);
    let n = &all[0];
    assert_eq!(n.id, 1);
    assert_eq!(n.app_name, "oncall-tray");
    assert_eq!(n.summary, "Checkout API is down");
    assert_eq!(n.body, "High urgency · triggered 2 min ago");
    assert_eq!(
        n.actions,
        vec![
            ("ack".to_owned(), "Acknowledge".to_owned()),
            ("open".to_owned(), "Open".to_owned()),
        ]
    );
    assert_eq!(n.urgency, Some(2));
    assert_eq!(n.hints.get("urgency").map(String::as_str), Some("2"));
    assert_eq!(n.expire_timeout, 0);
    assert!(!n.replaced);
    assert_eq!(n.closed, None);
    assert!(n.sender.starts_with(':'), "{}", n.sender);
    desktop.stop().await;
}

#[tokio::test]
async fn pressing_a_button_fires_the_clients_action_callback_with_its_key() {
    let desktop = Desktop::start().await;
    let mut client = NotifyClient::spawn(
        &desktop.bus,
        &[
            "--summary",
            "Checkout API is down",
            "--action",
            "ack:Acknowledge",
            "--action",
            "open:Open",
            "--then",
            "wait",
        ],
    );
    let id = client.id().await;
    // The client subscribed before sending; this checks that, rather than waiting for it.
    desktop
        .recorder
        .wait_for_listener(id, TIMEOUT)
        .await
        .unwrap();
    desktop.recorder.press(id, "open").await.unwrap();

    assert_eq!(client.line().await, "action open");
    assert!(client.finish().await.success());
    let n = desktop.recorder.notification(id).unwrap();
    assert_eq!(n.invoked_action.as_deref(), Some("open"));
    assert_eq!(n.closed, Some(close_reason::DISMISSED));
    desktop.stop().await;
}

#[tokio::test]
async fn dismissing_tells_a_waiting_client_it_was_dismissed() {
    let desktop = Desktop::start().await;
    let mut client = NotifyClient::spawn(
        &desktop.bus,
        &[
            "--summary",
            "Payments DB",
            "--action",
            "ack:Acknowledge",
            "--then",
            "wait",
        ],
    );
    let id = client.id().await;
    desktop
        .recorder
        .wait_for_listener(id, TIMEOUT)
        .await
        .unwrap();
    desktop.recorder.dismiss(id).await.unwrap();

    assert_eq!(client.line().await, "closed 2");
    assert!(client.finish().await.success());
    desktop.stop().await;
}

#[tokio::test]
async fn replaces_id_replaces_the_notification_in_place() {
    let desktop = Desktop::start().await;
    let mut first = NotifyClient::spawn(&desktop.bus, &["--summary", "Checkout API is down"]);
    let id = first.id().await;
    assert!(first.finish().await.success());
    let mut other = NotifyClient::spawn(&desktop.bus, &["--summary", "Payments DB"]);
    let other_id = other.id().await;
    assert!(other.finish().await.success());

    let replaces = id.to_string();
    let mut second = NotifyClient::spawn(
        &desktop.bus,
        &[
            "--replaces",
            &replaces,
            "--summary",
            "Checkout API is down (2 incidents)",
        ],
    );
    assert_eq!(second.id().await, id);
    assert!(second.finish().await.success());

    let all = desktop.recorder.notifications();
    let summaries: Vec<(u32, &str, bool)> = all
        .iter()
        .map(|n| (n.id, n.summary.as_str(), n.replaced))
        .collect();
    assert_eq!(
        summaries,
        vec![
            (id, "Checkout API is down (2 incidents)", true),
            (other_id, "Payments DB", false),
        ]
    );
    desktop.stop().await;
}

#[tokio::test]
async fn close_notification_from_the_client_records_reason_3_and_emits_the_signal() {
    let desktop = Desktop::start().await;
    // An observer that listens before anything happens, so it cannot miss the signal.
    let observer = desktop.connect().await;
    let proxy = NotificationsProxy::new(&observer).await.unwrap();
    let mut closed = proxy.receive_notification_closed().await.unwrap();

    let mut client = NotifyClient::spawn(
        &desktop.bus,
        &["--summary", "Checkout API is down", "--then", "close"],
    );
    let id = client.id().await;
    assert_eq!(client.line().await, "closed");
    assert!(client.finish().await.success());

    let signal = within("NotificationClosed", closed.next()).await.unwrap();
    let args = signal.args().unwrap();
    assert_eq!((args.id, args.reason), (id, close_reason::CLOSED_BY_CALL));
    assert_eq!(
        desktop.recorder.notification(id).unwrap().closed,
        Some(close_reason::CLOSED_BY_CALL)
    );
    desktop.stop().await;
}

//! The specification's details, seen from a plain zbus client.

use std::collections::HashMap;
use std::time::Duration;

use oncall_notification_recorder::{Recorder, RecorderError, CAPABILITIES};
use zbus::zvariant::Value;

use crate::util::{notify, within, Desktop, NotificationsProxy, TIMEOUT};

#[tokio::test]
async fn capabilities_and_server_information_follow_the_spec() {
    let desktop = Desktop::start().await;
    let client = desktop.connect().await;
    let proxy = NotificationsProxy::new(&client).await.unwrap();

    let capabilities = proxy.get_capabilities().await.unwrap();
    assert_eq!(
        capabilities,
        ["actions", "body", "persistence", "icon-static"]
    );
    assert_eq!(capabilities, CAPABILITIES);
    assert!(!capabilities.iter().any(|c| c == "body-markup"));
    let (name, vendor, version, spec) = proxy.get_server_information().await.unwrap();
    assert_eq!(
        (name.as_str(), vendor.as_str(), spec.as_str()),
        ("oncall-notification-recorder", "oncall-tray", "1.2")
    );
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    desktop.stop().await;
}

#[tokio::test]
async fn hints_are_kept_as_text_and_urgency_only_as_a_byte() {
    let desktop = Desktop::start().await;
    let client = desktop.connect().await;
    let proxy = NotificationsProxy::new(&client).await.unwrap();

    let typed = HashMap::from([
        ("urgency", Value::U8(1)),
        ("category", Value::from("network.error")),
        ("resident", Value::Bool(false)),
    ]);
    let id = proxy
        .notify(
            "oncall-tray",
            0,
            "dialog-warning",
            "typed",
            "",
            &[],
            typed,
            5000,
        )
        .await
        .unwrap();
    let mistyped = HashMap::from([("urgency", Value::I32(2))]);
    let wrong = proxy
        .notify("oncall-tray", 0, "", "mistyped", "", &[], mistyped, -1)
        .await
        .unwrap();

    let n = desktop.recorder.notification(id).unwrap();
    assert_eq!(n.app_icon, "dialog-warning");
    assert_eq!(n.expire_timeout, 5000);
    assert_eq!(n.urgency, Some(1));
    assert_eq!(n.hints["category"], "network.error");
    assert_eq!(n.hints["resident"], "false");
    let n = desktop.recorder.notification(wrong).unwrap();
    assert_eq!(n.urgency, None, "urgency must be a byte (D-Bus type y)");
    assert_eq!(n.hints["urgency"], "2");
    desktop.stop().await;
}

#[tokio::test]
async fn closing_an_unknown_or_closed_notification_is_an_error() {
    let desktop = Desktop::start().await;
    let client = desktop.connect().await;
    let proxy = NotificationsProxy::new(&client).await.unwrap();

    let id = notify(&proxy, "once", &[]).await;
    proxy.close_notification(id).await.unwrap();
    let again = proxy.close_notification(id).await.unwrap_err();
    assert!(again.to_string().contains("already closed"), "{again}");
    let unknown = proxy.close_notification(42).await.unwrap_err();
    assert!(
        unknown.to_string().contains("no notification with id 42"),
        "{unknown}"
    );
    desktop.stop().await;
}

#[tokio::test]
async fn wait_for_wakes_when_the_notification_arrives() {
    let desktop = Desktop::start().await;
    let client = desktop.connect().await;
    let proxy = NotificationsProxy::new(&client).await.unwrap();

    let (seen, id) = tokio::join!(
        desktop
            .recorder
            .wait_for(TIMEOUT, |n| n.iter().any(|n| n.summary == "late")),
        notify(&proxy, "late", &[]),
    );
    assert_eq!(seen.unwrap()[0].id, id);
    desktop.stop().await;
}

#[tokio::test]
async fn wait_for_listener_waits_until_a_client_hears_both_signals() {
    let desktop = Desktop::start().await;
    let app = desktop.connect().await;
    let proxy = NotificationsProxy::new(&app).await.unwrap();
    let id = notify(&proxy, "Checkout API is down", &["ack", "Acknowledge"]).await;
    let short = Duration::from_millis(50);

    let err = desktop
        .recorder
        .wait_for_listener(id, short)
        .await
        .unwrap_err();
    assert!(matches!(err, RecorderError::Timeout { .. }), "{err}");

    // Listening for presses alone is not enough: a dismissal would go unnoticed.
    let _actions = proxy.receive_action_invoked().await.unwrap();
    let err = desktop
        .recorder
        .wait_for_listener(id, short)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("member='ActionInvoked'"), "{err}");

    let _closed = proxy.receive_notification_closed().await.unwrap();
    desktop
        .recorder
        .wait_for_listener(id, TIMEOUT)
        .await
        .unwrap();
    desktop.stop().await;
}

#[tokio::test]
async fn a_listener_that_subscribed_before_the_notification_counts() {
    let desktop = Desktop::start().await;
    // The app's long-lived listener, and a separate connection that sends.
    let listener = desktop.connect().await;
    let signals = NotificationsProxy::new(&listener).await.unwrap();
    let _actions = signals.receive_action_invoked().await.unwrap();
    let _closed = signals.receive_notification_closed().await.unwrap();
    let sender = desktop.connect().await;
    let id = notify(&NotificationsProxy::new(&sender).await.unwrap(), "x", &[]).await;

    desktop
        .recorder
        .wait_for_listener(id, TIMEOUT)
        .await
        .unwrap();
    let err = desktop
        .recorder
        .wait_for_listener(id + 1, TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RecorderError::UnknownNotification(_)),
        "{err}"
    );
    desktop.stop().await;
}

#[tokio::test]
async fn a_second_recorder_on_the_same_bus_fails_clearly() {
    let desktop = Desktop::start().await;
    let err = Recorder::start(Some(&desktop.bus.address))
        .await
        .unwrap_err();
    let owner = desktop.recorder.unique_name();
    match &err {
        RecorderError::NameTaken { owner: reported } => assert_eq!(*reported, owner),
        other => panic!("expected NameTaken, got {other:?}"),
    }
    assert!(err.to_string().contains("already owned"), "{err}");
    desktop.stop().await;
}

#[tokio::test]
async fn the_name_is_free_again_after_stop() {
    let desktop = Desktop::start().await;
    let address = desktop.bus.address.clone();
    let Desktop { recorder, bus } = desktop;
    recorder.stop().await;
    let again = within("a second start", Recorder::start(Some(&address)))
        .await
        .unwrap();
    again.stop().await;
    drop(bus);
}

#[tokio::test]
async fn an_unreachable_bus_is_a_connect_error_naming_it() {
    let err = Recorder::start(Some("unix:path=/nonexistent/oncall-test-bus"))
        .await
        .unwrap_err();
    assert!(matches!(err, RecorderError::Connect { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent/oncall-test-bus"),
        "{err}"
    );
}

//! The control interface, used from another connection as a test in another process would.

use futures_util::StreamExt;
use oncall_notification_recorder::{close_reason, Recorded};

use crate::util::{notify, signals, within, ControlProxy, Desktop, NotificationsProxy, Signal};

async fn listed(control: &ControlProxy<'_>) -> Vec<Recorded> {
    let json = control.notifications().await.unwrap();
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[tokio::test]
async fn the_control_interface_lists_json_and_presses_from_another_connection() {
    let desktop = Desktop::start().await;
    let app = desktop.connect().await;
    let notifications = NotificationsProxy::new(&app).await.unwrap();
    let mut heard = signals(&app).await;
    let id = notify(
        &notifications,
        "Checkout API is down",
        &["ack", "Acknowledge", "open", "Open"],
    )
    .await;

    let test = desktop.connect().await;
    let control = ControlProxy::new(&test).await.unwrap();
    let before = listed(&control).await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].summary, "Checkout API is down");
    assert_eq!(before[0].action_label("ack"), Some("Acknowledge"));
    assert!(before[0].is_open());

    control.wait_for_listener(id, 10_000).await.unwrap();
    control.press(id, "ack").await.unwrap();

    // A press is the action, then the close, in that order.
    assert_eq!(
        within("ActionInvoked", heard.next()).await,
        Some(Signal::ActionInvoked(id, "ack".to_owned()))
    );
    assert_eq!(
        within("NotificationClosed", heard.next()).await,
        Some(Signal::NotificationClosed(id, close_reason::DISMISSED))
    );

    let after = listed(&control).await;
    assert_eq!(after[0].closed, Some(close_reason::DISMISSED));
    assert_eq!(after[0].invoked_action.as_deref(), Some("ack"));
    desktop.stop().await;
}

#[tokio::test]
async fn dismiss_and_clear_work_and_mistakes_come_back_as_errors() {
    let desktop = Desktop::start().await;
    let app = desktop.connect().await;
    let notifications = NotificationsProxy::new(&app).await.unwrap();
    let mut closed = notifications.receive_notification_closed().await.unwrap();
    let id = notify(&notifications, "Payments DB", &["ack", "Acknowledge"]).await;
    let control = ControlProxy::new(&desktop.connect().await).await.unwrap();

    let err = control.press(id, "snooze").await.unwrap_err();
    assert!(
        err.to_string()
            .contains(r#"has no action "snooze"; its actions are ["ack"]"#),
        "{err}"
    );
    let err = control.press(id + 1, "ack").await.unwrap_err();
    assert!(err.to_string().contains("InvalidArgs"), "{err}");

    control.dismiss(id).await.unwrap();
    let signal = within("NotificationClosed", closed.next()).await.unwrap();
    assert_eq!(signal.args().unwrap().reason, close_reason::DISMISSED);
    let err = control.press(id, "ack").await.unwrap_err();
    assert!(
        err.to_string().contains("already closed (reason 2)"),
        "{err}"
    );

    control.clear().await.unwrap();
    assert!(listed(&control).await.is_empty());
    let next = notify(&notifications, "after clear", &[]).await;
    assert!(next > id, "ids are not reused after Clear");
    desktop.stop().await;
}

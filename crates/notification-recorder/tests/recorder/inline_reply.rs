//! Inline replies (KDE's extension): a server started with them announces `inline-reply`,
//! shows the field a notification asks for, and sends what the user typed to the app that
//! sent it, as Plasma does; one started without them announces nothing of the kind.

use std::collections::HashMap;

use oncall_notification_recorder::{
    close_reason, Recorded, RecorderError, ReplyField, Stranger, CAPABILITIES, INLINE_REPLY,
    REPLY_PLACEHOLDER_HINT, REPLY_SUBMIT_HINT,
};
use zbus::zvariant::Value;
use zbus::MessageStream;

use crate::util::{next_signal, notify, sender, ControlProxy, Desktop, NotificationsProxy};

/// A page with a reply field, sent as the app sends one; its id.
async fn page_with_reply_field(proxy: &NotificationsProxy<'_>) -> u32 {
    let hints = HashMap::from([
        (
            REPLY_PLACEHOLDER_HINT,
            Value::from("Note for the next person…"),
        ),
        (REPLY_SUBMIT_HINT, Value::from("Add note")),
    ]);
    proxy
        .notify(
            "oncall-tray",
            0,
            "",
            "Checkout API is down",
            "",
            &["ack", "Acknowledge", INLINE_REPLY, "Add a note"],
            hints,
            0,
        )
        .await
        .expect("Notify")
}

#[tokio::test]
async fn a_reply_reaches_the_app_that_sent_the_notification_then_closes_it() {
    let desktop = Desktop::with_inline_reply().await;
    let app = desktop.connect().await;
    // Every message the connection receives. Its one match rule takes closes only, so
    // the reply must be addressed to the app, as Plasma sends it; the close that follows
    // is broadcast.
    let mut received = MessageStream::from(&app);
    let proxy = NotificationsProxy::new(&app).await.unwrap();
    let _closes = proxy.receive_notification_closed().await.unwrap();
    let capabilities = proxy.get_capabilities().await.unwrap();
    assert_eq!(capabilities.last().map(String::as_str), Some(INLINE_REPLY));
    assert_eq!(capabilities.len(), CAPABILITIES.len() + 1);

    let id = page_with_reply_field(&proxy).await;
    let shown = desktop.recorder.notification(id).unwrap();
    assert_eq!(
        shown.reply_field(),
        Some(ReplyField {
            label: "Add a note".into(),
            placeholder: Some("Note for the next person…".into()),
            submit: Some("Add note".into()),
        })
    );

    desktop
        .recorder
        .reply(id, "Rolled back deploy 4411")
        .await
        .unwrap();
    let replied = next_signal(&mut received, "NotificationReplied").await;
    assert_eq!(
        replied.body().deserialize::<(u32, String)>().unwrap(),
        (id, "Rolled back deploy 4411".into())
    );
    assert_eq!(
        replied.header().destination().map(|d| d.to_string()),
        app.unique_name().map(|n| n.to_string())
    );
    assert_eq!(sender(&replied), desktop.recorder.unique_name());
    let closed = next_signal(&mut received, "NotificationClosed").await;
    assert_eq!(
        closed.body().deserialize::<(u32, u32)>().unwrap(),
        (id, close_reason::DISMISSED)
    );

    let after = desktop.recorder.notification(id).unwrap();
    assert_eq!(after.replied.as_deref(), Some("Rolled back deploy 4411"));
    assert_eq!(after.invoked_action, None);
    desktop.stop().await;
}

#[tokio::test]
async fn a_notification_without_a_reply_field_cannot_be_replied_to() {
    let desktop = Desktop::with_inline_reply().await;
    let app = desktop.connect().await;
    let proxy = NotificationsProxy::new(&app).await.unwrap();
    let id = notify(&proxy, "Nightly backup finished", &["ack", "OK"]).await;

    assert_eq!(
        desktop.recorder.notification(id).unwrap().reply_field(),
        None
    );
    let err = desktop.recorder.reply(id, "thanks").await.unwrap_err();
    assert!(matches!(err, RecorderError::UnknownAction { .. }), "{err}");
    assert!(
        err.to_string().contains(r#"has no action "inline-reply""#),
        "{err}"
    );
    assert!(desktop.recorder.notification(id).unwrap().is_open());
    desktop.stop().await;
}

#[tokio::test]
async fn a_plain_server_announces_no_reply_fields() {
    let desktop = Desktop::start().await;
    let app = desktop.connect().await;
    let proxy = NotificationsProxy::new(&app).await.unwrap();
    let capabilities = proxy.get_capabilities().await.unwrap();
    assert!(
        !capabilities.iter().any(|c| c == INLINE_REPLY),
        "{capabilities:?}"
    );
    desktop.stop().await;
}

#[tokio::test]
async fn the_control_interface_replies_from_another_connection() {
    let desktop = Desktop::with_inline_reply().await;
    let app = desktop.connect().await;
    let mut received = MessageStream::from(&app);
    let proxy = NotificationsProxy::new(&app).await.unwrap();
    let id = page_with_reply_field(&proxy).await;

    let control = ControlProxy::new(&desktop.connect().await).await.unwrap();
    control.reply(id, "Paged the DBA").await.unwrap();
    let replied = next_signal(&mut received, "NotificationReplied").await;
    assert_eq!(
        replied.body().deserialize::<(u32, String)>().unwrap(),
        (id, "Paged the DBA".into())
    );
    let listed: Vec<Recorded> =
        serde_json::from_str(&control.notifications().await.unwrap()).expect("the records as JSON");
    assert_eq!(listed[0].replied.as_deref(), Some("Paged the DBA"));

    let err = control.reply(id + 1, "nobody").await.unwrap_err();
    assert!(err.to_string().contains("InvalidArgs"), "{err}");
    desktop.stop().await;
}

#[tokio::test]
async fn a_strangers_forged_reply_carries_its_own_name() {
    let desktop = Desktop::with_inline_reply().await;
    let app = desktop.connect().await;
    let mut received = MessageStream::from(&app);
    let app_name = app.unique_name().unwrap().to_string();
    let stranger = Stranger::connect(&desktop.bus.address).await.unwrap();

    stranger
        .notification_replied(1, "acknowledged, trust me", Some(&app_name))
        .await
        .unwrap();
    let forged = next_signal(&mut received, "NotificationReplied").await;
    assert_eq!(
        forged.body().deserialize::<(u32, String)>().unwrap(),
        (1, "acknowledged, trust me".into())
    );
    assert_eq!(sender(&forged), stranger.unique_name());
    assert_ne!(sender(&forged), desktop.recorder.unique_name());
    stranger.disconnect().await;
    desktop.stop().await;
}

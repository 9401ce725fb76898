//! What tests of a client's trust need: a press addressed to the app as GNOME Shell sends
//! it, a server that gives up its name but still presses, and a [`Stranger`] whose forged
//! signals carry its own name, not the server's.

use oncall_notification_recorder::{Stranger, BUS_NAME};
use zbus::MessageStream;

use crate::util::{next_signal, notify, sender, Desktop, NotificationsProxy};

#[tokio::test]
async fn an_addressed_press_reaches_the_app_that_asked_for_no_signals() {
    let desktop = Desktop::start().await;
    let app = desktop.connect().await;
    // Every message the connection receives; no match rule is added to the bus.
    let mut received = MessageStream::from(&app);
    let proxy = NotificationsProxy::new(&app).await.unwrap();
    let id = notify(&proxy, "Checkout API is down", &["ack", "Acknowledge"]).await;

    desktop.recorder.press_addressed(id, "ack").await.unwrap();
    let pressed = next_signal(&mut received, "ActionInvoked").await;
    assert_eq!(
        pressed.body().deserialize::<(u32, String)>().unwrap(),
        (id, "ack".into())
    );
    assert_eq!(
        pressed.header().destination().map(|d| d.to_string()),
        app.unique_name().map(|n| n.to_string())
    );
    assert_eq!(sender(&pressed), desktop.recorder.unique_name());
    let closed = next_signal(&mut received, "NotificationClosed").await;
    assert_eq!(closed.body().deserialize::<(u32, u32)>().unwrap(), (id, 2));
    desktop.stop().await;
}

#[tokio::test]
async fn a_server_that_released_its_name_still_presses_from_its_own() {
    let desktop = Desktop::start().await;
    let app = desktop.connect().await;
    let mut received = MessageStream::from(&app);
    let proxy = NotificationsProxy::new(&app).await.unwrap();
    let id = notify(&proxy, "Checkout API is down", &["ack", "Acknowledge"]).await;

    desktop.recorder.release_name().await.unwrap();
    let owner = zbus::fdo::DBusProxy::new(&app)
        .await
        .unwrap()
        .get_name_owner(BUS_NAME.try_into().unwrap())
        .await;
    assert!(owner.is_err(), "nobody owns the name: {owner:?}");
    desktop.recorder.press_addressed(id, "ack").await.unwrap();
    let pressed = next_signal(&mut received, "ActionInvoked").await;
    assert_eq!(sender(&pressed), desktop.recorder.unique_name());
    desktop.stop().await;
}

#[tokio::test]
async fn a_strangers_forgeries_carry_its_own_name() {
    let desktop = Desktop::start().await;
    let app = desktop.connect().await;
    let mut received = MessageStream::from(&app);
    let app_name = app.unique_name().unwrap().to_string();
    let stranger = Stranger::connect(&desktop.bus.address).await.unwrap();
    assert_ne!(stranger.unique_name(), desktop.recorder.unique_name());

    stranger
        .action_invoked(1, "ack", Some(&app_name))
        .await
        .unwrap();
    let pressed = next_signal(&mut received, "ActionInvoked").await;
    assert_eq!(
        pressed.body().deserialize::<(u32, String)>().unwrap(),
        (1, "ack".into())
    );
    assert_eq!(sender(&pressed), stranger.unique_name());

    stranger
        .notification_closed(1, 2, Some(&app_name))
        .await
        .unwrap();
    let closed = next_signal(&mut received, "NotificationClosed").await;
    assert_eq!(sender(&closed), stranger.unique_name());

    let recorder = desktop.recorder.unique_name();
    stranger
        .claim_the_server_name(&app_name, &recorder)
        .await
        .unwrap();
    let claim = next_signal(&mut received, "NameOwnerChanged").await;
    assert_eq!(
        claim
            .body()
            .deserialize::<(String, String, String)>()
            .unwrap(),
        (BUS_NAME.into(), recorder, stranger.unique_name())
    );
    assert_eq!(
        sender(&claim),
        stranger.unique_name(),
        "not org.freedesktop.DBus"
    );

    // It is also an app like any other.
    let id = stranger
        .notify("Backup finished", &[("ack", "OK")])
        .await
        .unwrap();
    let theirs = desktop.recorder.notification(id).unwrap();
    assert_eq!(theirs.sender, stranger.unique_name());
    assert_eq!(theirs.action_label("ack"), Some("OK"));
    stranger.disconnect().await;
    desktop.stop().await;
}

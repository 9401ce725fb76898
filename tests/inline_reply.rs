//! A note from the page itself (issue 16): where the notification server shows inline
//! reply fields (KDE's `inline-reply`), a page offers one, and what the user types into
//! it is a note on the incident. Against the built `oncall-tray --headless`, the fake
//! PagerDuty and the recording notification server on a private D-Bus bus:
//! - an incident triggers; the page offers a reply field; the user types a note into it;
//!   the fake PagerDuty has the note on that incident (and a reply of blanks adds none);
//! - a server without inline replies gets the page as it always was, with no field;
//! - another client on the bus forges a reply: no note comes of it, and the server's own
//!   reply still adds one.
//!
//! Absence is shown with a later event, not a wait, as in `bus_spoofing.rs`: the app reads
//! the bus in the order it was routed and sends one account's actions in the order they
//! were made, so once a later note is on the incident, an earlier one would be too.

use oncall_fake_pagerduty::NewIncident;
use oncall_model::Status;
use oncall_notification_recorder::{Recorder, RecorderError, ReplyField, Stranger};
use oncall_tray_e2e::headless_world::{page_titled, HeadlessWorld};
use oncall_tray_e2e::{wait_until_or, App, TIMEOUT};

/// A notification server that shows inline reply fields, as Plasma's does.
async fn replying_server(w: &HeadlessWorld) -> Recorder {
    Recorder::start_with_inline_reply(Some(&w.bus.address))
        .await
        .expect("the notification recorder, with inline replies")
}

/// The contents of the notes the fake has on `incident`, oldest first.
fn notes(w: &HeadlessWorld, incident: &str) -> Vec<String> {
    w.fake
        .notes(incident)
        .into_iter()
        .map(|note| note.content)
        .collect()
}

/// Waits until the fake has a note on `incident`.
async fn a_note_on(w: &HeadlessWorld, incident: &str, app: &App) {
    wait_until_or(
        "a note on the incident",
        || format!("{:#?}\n{}", w.fake.requests(), app.log()),
        || !w.fake.notes(incident).is_empty(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_typed_into_a_pages_reply_field_is_added_to_its_incident() {
    let w = HeadlessWorld::start().await;
    let recorder = replying_server(&w).await;
    let app = w.spawn();
    w.first_poll(&app).await;

    let payments = w
        .fake
        .trigger(NewIncident::new("Payments queue backing up"));
    let payments_page = page_titled(&recorder, "Payments queue backing up", &app).await;
    let checkout = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let page = page_titled(&recorder, "Checkout API is down", &app).await;
    assert_eq!(
        page.reply_field(),
        Some(ReplyField {
            label: "Add a note".into(),
            placeholder: Some("Note for the next person…".into()),
            submit: Some("Add note".into()),
        }),
        "{page:#?}"
    );
    assert_eq!(page.action_label("ack"), Some("Acknowledge"), "{page:#?}");

    // Sent by mistake: blanks are no note.
    recorder
        .wait_for_listener(payments_page.id, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    recorder
        .reply(payments_page.id, "  ")
        .await
        .expect("the blank reply is sent");
    recorder
        .wait_for_listener(page.id, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));
    recorder
        .reply(page.id, "Rolled back deploy 4411; error rate falling")
        .await
        .expect("the reply is sent");

    a_note_on(&w, &checkout, &app).await;
    assert_eq!(
        notes(&w, &checkout),
        ["Rolled back deploy 4411; error rate falling"]
    );
    let posted = w
        .fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == format!("/incidents/{checkout}/notes"))
        .expect("the note was posted");
    assert_eq!(
        posted.header("from"),
        Some("pat@example.com"),
        "{posted:#?}"
    );
    // A note changes nothing else: the page is still the user's to acknowledge.
    assert_eq!(w.status(&checkout), Status::Triggered);
    assert!(
        notes(&w, &payments).is_empty(),
        "a blank reply added a note\n{}",
        app.log()
    );
    w.finish(app, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_inline_replies_gets_the_page_without_a_reply_field() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;

    w.fake.trigger(NewIncident::new("Checkout API is down"));
    let page = page_titled(&recorder, "Checkout API is down", &app).await;
    let keys: Vec<&str> = page.actions.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["ack", "open"], "{page:#?}");
    assert_eq!(page.reply_field(), None, "{page:#?}");
    assert!(
        !page
            .hints
            .keys()
            .any(|hint| hint.starts_with("x-kde-reply")),
        "{page:#?}"
    );
    let refused = recorder.reply(page.id, "a note").await.unwrap_err();
    assert!(
        matches!(refused, RecorderError::UnknownAction { .. }),
        "{refused}"
    );
    w.finish(app, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_client_on_the_session_bus_cannot_add_a_note_through_a_page() {
    let w = HeadlessWorld::start().await;
    let recorder = replying_server(&w).await;
    let app = w.spawn();
    w.first_poll(&app).await;
    let checkout = w.fake.trigger(NewIncident::new("Checkout API is down"));
    let page = page_titled(&recorder, "Checkout API is down", &app).await;
    recorder
        .wait_for_listener(page.id, TIMEOUT)
        .await
        .unwrap_or_else(|e| app.fail(e));

    // Any process of the session can guess the id and learn the app's unique name (the
    // sender of its `Notify`).
    let stranger = Stranger::connect(&w.bus.address).await.expect("connects");
    let app_name = page.sender.clone();
    let forge = async {
        stranger
            .notification_replied(page.id, "forged: all clear, resolve it", None)
            .await?;
        stranger
            .notification_replied(page.id, "forged: addressed", Some(&app_name))
            .await
    };
    forge.await.expect("the forged replies are sent");

    // The server's own reply, read by the app after both forgeries.
    recorder
        .reply(page.id, "Paged the database team")
        .await
        .expect("the reply is sent");
    a_note_on(&w, &checkout, &app).await;
    assert_eq!(
        notes(&w, &checkout),
        ["Paged the database team"],
        "a forged reply added a note\n{}",
        app.log()
    );
    // The forgery addressed to the app reached it, and was judged there.
    assert!(
        app.log()
            .contains("ignored a reply not sent by the notification server"),
        "{}",
        app.log()
    );

    stranger.disconnect().await;
    w.finish(app, recorder).await;
}

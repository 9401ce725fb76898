//! A notify-rust client in its own process, used by this crate's tests and handy by hand.
//!
//! notify-rust connects to the session bus named by `DBUS_SESSION_BUS_ADDRESS` and offers no
//! way to pass another address. Tests run in parallel threads of one process, each with its
//! own private bus, and an environment variable is process-wide, so each notify-rust client
//! runs here, in a child process started with its own `DBUS_SESSION_BUS_ADDRESS`.
//!
//! It uses notify-rust's async API on a Tokio runtime, as the app does, so zbus runs on
//! Tokio. It prints `id N` once the server has answered `Notify`, then, depending on
//! `--then`: `action KEY` or `closed REASON` when the user acts (`wait`), `closed` after
//! closing the notification itself (`close`), or nothing (`exit`, the default).
//!
//! `wait` listens the way the app should:
//! - it subscribes *before* sending `Notify`, on a connection of its own, so no signal can
//!   arrive before the subscription. notify-rust's `NotificationHandle::wait_for_action`
//!   subscribes only after `Notify` returned, and loses a press that comes first (see the
//!   crate documentation);
//! - it reads both signals from *one* stream, in the order the server sent them. A press is
//!   `ActionInvoked` followed at once by `NotificationClosed`; read from two separate streams
//!   (two zbus signal streams in a `select!`) the close can come out first, and the press
//!   would pass for a dismissal.
//!
//! ```text
//! cargo run -p oncall-notification-recorder --example notify-client -- \
//!     --summary "Checkout API is down" --body "High urgency" \
//!     --action ack:Acknowledge --action open:Open --urgency critical --then wait
//! ```

use std::io::Write;

use futures_util::TryStreamExt;
use notify_rust::{Notification, Urgency};
use zbus::message::Type;
use zbus::{MatchRule, MessageStream};

fn usage() -> ! {
    eprintln!(
        "usage: notify-client [--app NAME] [--summary TEXT] [--body TEXT] [--action KEY:LABEL]... \
         [--urgency low|normal|critical] [--replaces ID] [--timeout MS] [--then exit|wait|close]"
    );
    std::process::exit(2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut notification = Notification::new();
    let mut then = String::from("exit");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--app" => notification.appname(&value),
            "--summary" => notification.summary(&value),
            "--body" => notification.body(&value),
            "--action" => {
                let (key, label) = value.split_once(':').unwrap_or_else(|| usage());
                notification.action(key, label)
            }
            "--urgency" => notification.urgency(match value.as_str() {
                "low" => Urgency::Low,
                "normal" => Urgency::Normal,
                "critical" => Urgency::Critical,
                _ => usage(),
            }),
            "--replaces" => notification.id(value.parse()?),
            "--timeout" => notification.timeout(value.parse::<i32>()?),
            "--then" => {
                then = value;
                &mut notification
            }
            _ => usage(),
        };
    }

    // Subscribe first, so that a press right after `Notify` cannot be missed.
    let listener = zbus::Connection::session().await?;
    let rule = MatchRule::builder()
        .msg_type(Type::Signal)
        .sender("org.freedesktop.Notifications")?
        .path("/org/freedesktop/Notifications")?
        .interface("org.freedesktop.Notifications")?
        .build();
    let mut signals = MessageStream::for_match_rule(rule, &listener, None).await?;

    let handle = notification.show_async().await?;
    let id = handle.id();
    say(&format!("id {id}"))?;
    match then.as_str() {
        "exit" => {}
        "wait" => {
            let outcome = loop {
                let Some(signal) = signals.try_next().await? else {
                    return Err("the bus connection closed".into());
                };
                let member = signal.header().member().map(|m| m.to_string());
                match member.as_deref() {
                    Some("ActionInvoked") => {
                        let (nid, key): (u32, String) = signal.body().deserialize()?;
                        if nid == id {
                            break format!("action {key}");
                        }
                    }
                    Some("NotificationClosed") => {
                        let (nid, reason): (u32, u32) = signal.body().deserialize()?;
                        if nid == id {
                            break format!("closed {reason}");
                        }
                    }
                    _ => {}
                }
            };
            say(&outcome)?;
        }
        "close" => {
            handle.close_async().await;
            say("closed")?;
        }
        _ => usage(),
    }
    Ok(())
}

/// One line on stdout, flushed at once: the test reads it while this process keeps running.
fn say(line: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

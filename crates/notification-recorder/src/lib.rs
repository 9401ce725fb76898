//! A freedesktop notification server for tests: it owns `org.freedesktop.Notifications` on
//! a real D-Bus bus, records every notification an app sends, and presses the buttons of a
//! notification (or, started with [`Recorder::start_with_inline_reply`], fills in its inline
//! reply field) the way a desktop does, so the app's notification code is tested through
//! the same D-Bus calls and signals a user's desktop would exchange with it.
//!
//! - [`Recorder`] is the server with a handle for tests in the same process;
//! - the `org.oncalltray.NotificationRecorder` interface (`control.rs`) does the same for
//!   tests in other processes, e.g. against the `notification-recorder` binary;
//! - [`TestBus`] gives each test a private session bus, so tests run in parallel and need
//!   no desktop;
//! - [`Stranger`] is another client on that bus: it forges the server's signals (replies
//!   included), to test that a client believes only the server.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use oncall_notification_recorder::{Recorder, TestBus};
//!
//! let bus = TestBus::start()?;
//! let recorder = Recorder::start(Some(&bus.address)).await?;
//! // … run the app with DBUS_SESSION_BUS_ADDRESS=bus.address …
//! let seen = recorder
//!     .wait_for(Duration::from_secs(10), |n| n.iter().any(|n| n.summary.contains("Checkout")))
//!     .await?;
//! let id = seen[0].id;
//! recorder.wait_for_listener(id, Duration::from_secs(10)).await?;
//! recorder.press(id, "ack").await?;
//! recorder.stop().await;
//! # Ok(()) }
//! ```
//!
//! The crate knows nothing of the app or of Tauri: it speaks only the specification.
//!
//! # What a client must do to hear button presses
//!
//! A press is `ActionInvoked(id, key)` followed at once by `NotificationClosed(id, 2)`,
//! broadcast on the bus. Measured against this recorder:
//!
//! - **Subscribe before sending.** notify-rust 4's `NotificationHandle::wait_for_action`
//!   subscribes only after `Notify` returned. A press made as soon as the notification was
//!   recorded reached it in none of 30 tries; made after [`Recorder::wait_for_listener`],
//!   it still missed 4 of 300, because notify-rust (and zbus's own signal streams) start
//!   reading a moment after the bus confirms the subscription. A person is never that fast;
//!   a test is. A client that subscribes on a long-lived connection before its first
//!   `Notify` (as `examples/notify-client.rs` does) misses nothing.
//! - **Read both signals from one stream.** From two separate zbus signal streams in a
//!   `select!`, the close can come out before the action and the press looks like a
//!   dismissal. One `MessageStream` for the interface keeps the server's order.
//! - notify-rust's blocking calls (`show`, `update`, `wait_for_action`, `close`) panic
//!   inside a Tokio runtime when zbus runs on Tokio ("Cannot start a runtime from within a
//!   runtime"): use `show_async`/`close_async`, or call them from `spawn_blocking`.

mod control;
mod error;
mod hints;
mod inline_reply;
mod listeners;
mod recorder;
mod records;
mod server;
mod stranger;
mod test_bus;

pub use control::CONTROL_INTERFACE;
pub use error::RecorderError;
pub use inline_reply::{ReplyField, INLINE_REPLY, REPLY_PLACEHOLDER_HINT, REPLY_SUBMIT_HINT};
pub use recorder::Recorder;
pub use records::{close_reason, Recorded};
pub use server::{BUS_NAME, CAPABILITIES, INTERFACE, OBJECT_PATH};
pub use stranger::Stranger;
pub use test_bus::TestBus;

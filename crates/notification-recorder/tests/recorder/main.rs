//! End-to-end tests of the recorder over real D-Bus: each test starts its own private bus
//! (`TestBus`) and recorder, so the tests run in parallel and need no desktop.
//!
//! Two kinds of client talk to it: notify-rust, the library the app uses, which runs in a
//! child process (`examples/notify-client.rs`, see there why), and zbus directly, for the
//! protocol details notify-rust does not expose and for the control interface.

mod binary;
mod control;
mod inline_reply;
mod notify_rust;
mod protocol;
mod strangers;
mod util;

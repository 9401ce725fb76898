//! The engine's own files.
//!
//! They are the user's alone (issue 7, security pass): after a real
//! session (a page, then an acknowledgement queued and confirmed) the data directory it
//! created is 0700 and `state.json` and `actions.json` are 0600, whatever the umask
//! would have given. `config.toml` is covered where it is written (`oncall-store`'s
//! `tests/edit.rs`).

#![cfg(unix)]

mod support;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use chrono::Timelike;
use oncall_engine::Clock;

use oncall_fake_pagerduty::FakePagerDuty;
use support::World;

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(start_paused = true)]
async fn state_and_action_files_and_their_directory_are_user_only() {
    let mut w = World::<FakePagerDuty>::new().await;
    let dirs = w.dirs();
    assert!(!dirs.data_dir.exists(), "the engine creates it");
    w.start().await;
    w.first_poll().await;
    let id = w.page("Disk full").await;
    w.acknowledge(&id).await;
    let account = oncall_model::AccountId::new(support::ACCOUNT);
    let until = w.clock.now() + chrono::Duration::hours(1);
    w.engine()
        .mute(&account, "Checkout API", until)
        .await
        .unwrap();
    w.stop().await;

    assert_eq!(mode(&dirs.data_dir), 0o700);
    assert_eq!(mode(&dirs.state_file()), 0o600);
    assert_eq!(mode(&dirs.actions_file()), 0o600);
    assert_eq!(mode(&dirs.history_file()), 0o600);
    assert_eq!(mode(&dirs.mutes_file()), 0o600);
    assert_eq!(mode(&dirs.mutes_lock_file()), 0o600);
    let ours = [
        "state.json",
        "actions.json",
        "history.jsonl",
        "mutes.json",
        "mutes.lock",
    ];
    let others: Vec<String> = fs::read_dir(&dirs.data_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !ours.contains(&name.as_str()))
        .collect();
    assert_eq!(
        others,
        Vec::<String>::new(),
        "no other file, readable or not"
    );
}

/// Each write of `state.json` is a new file renamed over the old one: the file's
/// identity and modification time (ns) change even when its bytes do not. (An inode
/// number alone can be reused by the very next write.)
fn identity(path: &Path) -> (u64, i64, i64) {
    let meta = fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (meta.ino(), meta.mtime(), meta.mtime_nsec())
}

fn incident_polls(fake: &FakePagerDuty) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/incidents")
        .count()
}

/// On battery: polls that find nothing new write nothing (each write is an fsync), and
/// what the file says is still what a restart needs.
#[tokio::test(start_paused = true)]
async fn polls_that_change_nothing_do_not_rewrite_state_json() {
    let mut w = World::<FakePagerDuty>::new().await;
    let state = w.dirs().state_file();
    w.start().await;
    w.first_poll().await;
    let id = w.page("Disk full").await;
    w.acknowledge(&id).await;

    // Into a fresh minute (the file keeps the last successful poll to the minute), past
    // its first poll.
    let into_minute = u64::from(w.clock.now().second());
    w.idle(Duration::from_secs(60 - into_minute + 17)).await;
    let written = identity(&state);
    let bytes = fs::read(&state).unwrap();
    let polls = incident_polls(&w.fake);
    // Two more polls (every 15 s), still within that minute.
    w.idle(Duration::from_secs(31)).await;
    assert!(w.clock.now().second() >= 31, "still the same minute");
    assert!(
        incident_polls(&w.fake) >= polls + 2,
        "the engine kept polling"
    );
    assert_eq!(
        identity(&state),
        written,
        "nothing changed, nothing written"
    );

    // A new minute is written once; a change is written at once.
    w.idle(Duration::from_secs(30)).await;
    assert_ne!(
        fs::read(&state).unwrap(),
        bytes,
        "the last successful poll moved on"
    );
    let bytes = fs::read(&state).unwrap();
    let second = w.page("Disk full again").await;
    let now = fs::read(&state).unwrap();
    assert_ne!(now, bytes, "a page is on disk before it is shown");
    assert!(String::from_utf8_lossy(&now).contains(&second));

    // And the file is whole: after a restart neither incident rings again.
    w.restart().await;
    w.first_poll().await;
    w.idle(Duration::from_secs(60)).await;
    assert_eq!(w.screen.pages_of(&id), 1);
    assert_eq!(w.screen.pages_of(&second), 1);
    w.stop().await;
}

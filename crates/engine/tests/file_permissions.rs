//! The engine's own files are the user's alone (issue 7, security pass): after a real
//! session (a page, then an acknowledgement queued and confirmed) the data directory it
//! created is 0700 and `state.json` and `actions.json` are 0600, whatever the umask
//! would have given. `config.toml` is covered where it is written (`oncall-store`'s
//! `tests/edit.rs`).

#![cfg(unix)]

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

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
    w.stop().await;

    assert_eq!(mode(&dirs.data_dir), 0o700);
    assert_eq!(mode(&dirs.state_file()), 0o600);
    assert_eq!(mode(&dirs.actions_file()), 0o600);
    assert_eq!(mode(&dirs.history_file()), 0o600);
    let others: Vec<String> = fs::read_dir(&dirs.data_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !["state.json", "actions.json", "history.json"].contains(&name.as_str()))
        .collect();
    assert_eq!(
        others,
        Vec::<String>::new(),
        "no other file, readable or not"
    );
}

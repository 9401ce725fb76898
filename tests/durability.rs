//! What the app's files promise, against the built `oncall-tray --headless`, the fake
//! PagerDuty and a recording notification server on a private D-Bus bus:
//! - a crash (SIGKILL) after a page was decided and saved, but before it reached the
//!   screen, repeats the page at the next start rather than losing it;
//! - a full, then a read-only, data directory (a real tmpfs in a private mount
//!   namespace) refuses an acknowledgement with words that say why and offers it again,
//!   sends nothing, keeps every file intact, and takes the press once the disk is fine.

use std::path::{Path, PathBuf};
use std::time::Duration;

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_model::Status;
use oncall_tray_e2e::headless_world::{page_titled, titled, HeadlessWorld};
use oncall_tray_e2e::{wait_until_or, App, Sandbox, TIMEOUT};

/// Acknowledgements the fake was sent (PUTs on incidents), whatever it answered.
fn acknowledgements(fake: &FakePagerDuty) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.starts_with("/incidents"))
        .count()
}

/// Waits until `cond` holds for the text of `path` (missing: empty).
async fn wait_for_file(path: &Path, what: &str, app: &App, cond: impl Fn(&str) -> bool) {
    let text = || std::fs::read_to_string(path).unwrap_or_default();
    let context = || {
        format!(
            "{} holds {}\n----- oncall-tray log -----\n{}",
            path.display(),
            text(),
            app.log()
        )
    };
    wait_until_or(what, context, || cond(&text())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_page_was_saved_but_before_it_showed_repeats_it_at_the_next_start() {
    let w = HeadlessWorld::start().await;
    // A server that never answers keeps the page between "saved" and "on screen".
    let wedged = w.wedged_server().await;
    let mut app = w.spawn();
    w.first_poll(&app).await;
    let id = w.fake.trigger(NewIncident::new("Replica 3 is out of disk"));

    // The decision is in state.json's outbox: the app is past the state write and
    // waiting on Notify. That is where it dies.
    let state = w.sandbox.data_dir().join("state.json");
    wait_for_file(&state, "the page in the outbox", &app, |text| {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v["outbox"].as_array().cloned())
            .is_some_and(|outbox| {
                outbox
                    .iter()
                    .any(|d| d.to_string().contains("Replica 3 is out of disk"))
            })
    })
    .await;
    app.kill();
    assert_eq!(app.wait_exit(Duration::from_secs(5)).await, None, "killed");
    wedged.stop().await;

    // Next start, a desktop that works: the page rings, once, and its button works.
    let recorder = w.recorder().await;
    let app = w.spawn();
    let page = page_titled(&recorder, "Replica 3 is out of disk", &app).await;
    assert_eq!(page.replaces_id, 0, "a fresh notification: {page:#?}");
    w.more_polls(2, "two more polls", &app).await;
    let all = recorder.notifications();
    assert_eq!(
        titled(&all, "Replica 3 is out of disk").len(),
        1,
        "it rang once: {all:#?}"
    );
    w.acknowledge_from(&recorder, page.id, &id, &app).await;

    w.finish(app, recorder).await;
}

/// The app's data directory as a tmpfs of its own, mounted in a private user and mount
/// namespace, so the test can fill it and make it read-only without privileges on the
/// machine. The test reaches it through `/proc/<pid>/root`, and changes its mounts with
/// `nsenter`.
struct PrivateDisk {
    pid: u32,
    dir: PathBuf,
}

impl PrivateDisk {
    /// Starts the app with its data directory on a fresh 1 MiB tmpfs.
    fn spawn_app(sandbox: &Sandbox, bus: &str) -> (App, PrivateDisk) {
        let dir = sandbox.data_dir();
        std::fs::create_dir_all(&dir).expect("the mount point");
        let app = sandbox.spawn_headless_through(
            bus,
            &[
                "unshare",
                "--user",
                "--map-root-user",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                r#"mount -t tmpfs -o size=1m oncall-data "$ONCALL_TRAY_DATA_DIR" && exec "$0" "$@""#,
            ],
        );
        let disk = PrivateDisk {
            pid: app.pid(),
            dir,
        };
        (app, disk)
    }

    /// A path on the app's disk, as the app sees it.
    fn path(&self, name: &str) -> PathBuf {
        let inside = self.dir.join(name);
        PathBuf::from(format!("/proc/{}/root", self.pid)).join(
            inside
                .strip_prefix("/")
                .expect("an absolute data directory"),
        )
    }

    /// Writes a file until the disk has no room left.
    fn fill(&self) {
        use std::io::Write as _;
        let mut filler = std::fs::File::create(self.path("filler")).expect("the filler");
        let block = vec![0u8; 64 * 1024];
        loop {
            match filler.write_all(&block) {
                Ok(()) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        // What fits of a last partial block too.
        while filler.write(&[0u8; 512]).is_ok_and(|n| n > 0) {}
    }

    fn empty(&self) {
        std::fs::remove_file(self.path("filler")).expect("the filler is removed");
    }

    /// Read-only from now on. The app keeps its lock file open for writing, so the disk
    /// itself cannot be remounted read-only; a read-only bind mount of the directory
    /// over itself makes every path lookup, and so every write, read-only.
    fn make_read_only(&self) {
        self.in_namespace(&format!(
            r#"mount --bind "{dir}" "{dir}" && mount -o remount,bind,ro "{dir}""#,
            dir = self.dir.display()
        ));
    }

    fn make_writable(&self) {
        self.in_namespace(&format!(r#"umount "{}""#, self.dir.display()));
    }

    /// Runs a shell command in the app's user and mount namespaces.
    fn in_namespace(&self, script: &str) {
        let status = std::process::Command::new("nsenter")
            .args(["--target", &self.pid.to_string(), "--user", "--mount"])
            .args(["sh", "-c", script])
            .status()
            .expect("nsenter runs");
        assert!(status.success(), "{script}: {status}");
    }

    /// The app's state files, which must stay readable JSON whatever happened.
    fn assert_files_intact(&self) {
        for name in ["state.json", "actions.json"] {
            let path = self.path(name);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // never written: nothing to lose
            };
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{name} is no longer JSON ({e}): {text}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_or_read_only_disk_refuses_the_acknowledgement_says_why_and_loses_nothing() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let (app, disk) = PrivateDisk::spawn_app(&w.sandbox, &w.bus.address);
    w.first_poll(&app).await;
    let id = w.fake.trigger(NewIncident::new("Payments queue stuck"));
    let page = page_titled(&recorder, "Payments queue stuck", &app).await;

    // The disk fills up; the user presses Acknowledge on the page.
    disk.fill();
    recorder.press(page.id, "ack").await.expect("pressed");
    let refused = page_titled(&recorder, "Not acknowledged", &app).await;
    assert!(
        refused.summary.contains("Payments queue stuck"),
        "{refused:#?}"
    );
    assert!(refused.body.contains("the disk is full"), "{refused:#?}");
    assert_eq!(
        refused.action_label("ack"),
        Some("Acknowledge"),
        "offered again: {refused:#?}"
    );
    disk.assert_files_intact();

    // Room again, but the disk turned read-only: the next press is refused too, saying so.
    disk.empty();
    disk.make_read_only();
    recorder.press(refused.id, "ack").await.expect("pressed");
    let seen = recorder
        .wait_for(TIMEOUT, |n| {
            titled(n, "Not acknowledged")
                .iter()
                .any(|r| r.body.contains("the disk is read-only"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let refused = titled(&seen, "Not acknowledged")
        .into_iter()
        .find(|r| r.body.contains("the disk is read-only"))
        .unwrap()
        .clone();
    // Polls went on all along, and nothing reached the service.
    w.more_polls(2, "two more polls", &app).await;
    assert_eq!(acknowledgements(&w.fake), 0, "nothing was sent");
    assert_eq!(w.fake.incident(&id).unwrap().status, Status::Triggered);
    disk.assert_files_intact();

    // The disk is fine again: the notice's button acknowledges, and the page goes.
    disk.make_writable();
    w.acknowledge_from(&recorder, refused.id, &id, &app).await;
    recorder
        .wait_for(TIMEOUT, |n| n.iter().all(|n| !n.is_open()))
        .await
        .unwrap_or_else(|e| app.fail(e));
    assert_eq!(acknowledgements(&w.fake), 1, "sent once");
    disk.assert_files_intact();

    w.finish(app, recorder).await;
}

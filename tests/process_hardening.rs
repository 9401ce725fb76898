//! Issue 12, item 7: the memory of a process that holds tokens stays out of core dumps
//! and out of reach of the user's other processes. Every process of the binary turns
//! core dumps off (`RLIMIT_CORE` 0, soft and hard) and makes itself non-dumpable
//! (`PR_SET_DUMPABLE` 0) first thing in `main`.
//!
//! How the dumpable flag is seen from outside: `prctl(PR_GET_DUMPABLE)` only answers for
//! the caller, and `/proc/PID/status` does not show it. But the kernel gives a
//! non-dumpable process's `/proc/PID/*` files to root instead of to the process's user
//! (that is what keeps the user's other processes out). So the check runs the app as an
//! unprivileged user and reads who owns its `/proc/PID/status`: root means
//! non-dumpable. When the tests run as root, the app runs as `nobody` (uid 65534), with
//! its own bus and sandbox handed to that user; otherwise as the tests' own user. A
//! dumpable process of the same user, checked the same way, shows the check can tell the
//! difference.

#![cfg(target_os = "linux")]

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::process::Stdio;

use oncall_fake_pagerduty::FakePagerDuty;
use oncall_notification_recorder::TestBus;
use oncall_tray_e2e::{
    fake_account_config, polls, wait_for_requests, wait_until, wait_until_or, Sandbox, TIMEOUT,
};
use rustix::process::{getrlimit, getuid, setrlimit, Resource};
use tokio::io::AsyncBufReadExt as _;
use tokio::process::{Child, Command};

/// `nobody`, for runs as root.
const NOBODY: u32 = 65534;

/// Who the app runs as: `Some` (a uid and gid to switch to) when the tests run as root.
fn switch_to() -> Option<u32> {
    getuid().is_root().then_some(NOBODY)
}

/// The uid the app runs as.
fn app_uid() -> u32 {
    switch_to().unwrap_or_else(|| getuid().as_raw())
}

fn as_app_user(cmd: &mut Command) {
    if let Some(id) = switch_to() {
        cmd.uid(id).gid(id);
    }
}

/// A session bus the app's user may connect to (a bus only admits its own user): the
/// tests' private bus, or one run as `nobody`.
enum Bus {
    Ours(TestBus),
    Nobody { address: String, _daemon: Child },
}

impl Bus {
    async fn start() -> Bus {
        if switch_to().is_none() {
            return Bus::Ours(TestBus::start().expect("a private D-Bus bus (dbus-daemon)"));
        }
        let mut cmd = Command::new("dbus-daemon");
        cmd.args(["--session", "--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        as_app_user(&mut cmd);
        let mut daemon = cmd.spawn().expect("dbus-daemon starts as nobody");
        let mut stdout = tokio::io::BufReader::new(daemon.stdout.take().unwrap());
        let mut address = String::new();
        tokio::time::timeout(TIMEOUT, stdout.read_line(&mut address))
            .await
            .expect("dbus-daemon prints its address")
            .unwrap();
        // Kept reading so the daemon never writes to a closed pipe.
        tokio::spawn(async move {
            let mut sink = String::new();
            while stdout.read_line(&mut sink).await.is_ok_and(|n| n > 0) {
                sink.clear();
            }
        });
        Bus::Nobody {
            address: address.trim().to_owned(),
            _daemon: daemon,
        }
    }

    fn address(&self) -> &str {
        match self {
            Bus::Ours(bus) => &bus.address,
            Bus::Nobody { address, .. } => address,
        }
    }
}

/// Hands `dir` and everything in it to the app's user.
fn give_to_app_user(dir: &Path) {
    let Some(id) = switch_to() else {
        return;
    };
    std::os::unix::fs::chown(dir, Some(id), Some(id)).expect("chown");
    for entry in std::fs::read_dir(dir).expect("a directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            give_to_app_user(&path);
        } else {
            std::os::unix::fs::chown(&path, Some(id), Some(id)).expect("chown");
        }
    }
}

/// `(soft, hard)` of "Max core file size" in `/proc/PID/limits`.
fn core_limit(pid: u32) -> Option<(String, String)> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))?;
    let mut values = line["Max core file size".len()..].split_whitespace();
    Some((values.next()?.to_owned(), values.next()?.to_owned()))
}

/// Who owns `/proc/PID/status` (root for a non-dumpable process), and the process's
/// real uid as that file says.
fn owner_and_uid(pid: u32) -> Option<(u32, u32)> {
    let path = format!("/proc/{pid}/status");
    let owner = std::fs::metadata(&path).ok()?.uid();
    let status = std::fs::read_to_string(&path).ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some((owner, uid))
}

/// Waits until `pid` is kept out of core dumps (an event: it holds from the start of
/// `main`); fails with what it saw after `TIMEOUT`.
async fn assert_hardened(what: &str, pid: u32) {
    let uid = app_uid();
    assert_ne!(uid, 0, "the check needs an unprivileged user");
    let zero = Some(("0".to_owned(), "0".to_owned()));
    wait_until_or(
        &format!("{what} (pid {pid}) being kept out of core dumps"),
        || {
            format!(
                "core file size (soft, hard) {:?}, want 0 and 0; /proc/{pid}/status owned \
                 by, and process uid, {:?}, want root and {uid} (a dumpable process's \
                 files are its user's)",
                core_limit(pid),
                owner_and_uid(pid)
            )
        },
        || core_limit(pid) == zero && owner_and_uid(pid) == Some((0, uid)),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_process_of_the_app_is_kept_out_of_core_dumps() {
    // The app inherits the largest core file size this process may give it, so that a
    // 0 in the app is the app's doing. (Where the hard limit is 0 already, the soft and
    // hard 0 prove nothing about the app; the dumpable check still does.)
    let before = getrlimit(Resource::Core);
    let raised = rustix::process::Rlimit {
        current: before.maximum,
        maximum: before.maximum,
    };
    setrlimit(Resource::Core, raised).expect("raising the soft core limit to the hard one");
    if before.maximum == Some(0) {
        eprintln!("note: the hard core file size limit is 0 here already");
    }

    let bus = Bus::start().await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    std::fs::create_dir_all(sandbox.data_dir()).unwrap();
    let root = sandbox
        .config_dir()
        .parent()
        .expect("the sandbox's directory")
        .to_path_buf();
    let log_path = root.join("app.log");
    let log = std::fs::File::create(&log_path).unwrap();
    give_to_app_user(&root);
    let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();

    // A check that could not tell would prove nothing: a dumpable process of the same
    // user owns its /proc files (once it has run `sleep`: until exec, a process that
    // switched user is not dumpable).
    let mut control = Command::new("sleep");
    control.arg("1000").kill_on_drop(true);
    as_app_user(&mut control);
    let control = control.spawn().expect("sleep starts");
    let control_pid = control.id().unwrap();
    wait_until("sleep starting", || {
        std::fs::read_to_string(format!("/proc/{control_pid}/comm"))
            .is_ok_and(|comm| comm.trim() == "sleep")
    })
    .await;
    assert_eq!(
        owner_and_uid(control_pid),
        Some((app_uid(), app_uid())),
        "a dumpable process's /proc files are its user's"
    );

    // The headless app, once it polls.
    let mut headless = sandbox.command(&["--headless"]);
    headless
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .env("HOME", &root)
        .env("RUST_LOG", "info")
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    as_app_user(&mut headless);
    let mut app = headless.spawn().expect("oncall-tray starts");
    setrlimit(Resource::Core, before).expect("the core limit restored");
    if let Err(e) = wait_for_requests(&fake, "the first poll", |r| polls(r) >= 1).await {
        panic!("{e}\n----- oncall-tray log -----\n{}", read_log());
    }
    assert_hardened("the headless app", app.id().unwrap()).await;
    assert!(
        app.try_wait().unwrap().is_none(),
        "the app keeps running: {}",
        read_log()
    );

    // A one-shot command, waiting for a token on standard input.
    let mut cli = sandbox.command(&["token", "set", "work", "--no-verify"]);
    cli.env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .env("HOME", &root)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    as_app_user(&mut cli);
    let cli = cli.spawn().expect("oncall-tray token set starts");
    assert_hardened("`oncall-tray token set`", cli.id().unwrap()).await;
    drop(cli);
    drop(app);
    drop(control);
}

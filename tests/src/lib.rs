//! Helpers for the end-to-end tests: they run the built `oncall-tray` binary in a
//! sandbox of temporary config and data directories, as a person would from a shell.
//!
//! The binary must be built before the tests run: `cargo build -p oncall-tray` (which
//! `./dev test` does first). It is looked up next to the test executable
//! (`target/debug/oncall-tray`, `$CARGO_TARGET_DIR` included), or at `$ONCALL_TRAY_BIN`.

pub mod desktop;
pub mod headless_world;
pub mod keyring;
pub mod sound;
pub mod webdriver;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use oncall_fake_pagerduty::{FakePagerDuty, RecordedRequest};
use oncall_test_support::{eventually, eventually_or, within};
use tempfile::TempDir;
use tokio::process::{Child, Command};

/// Generous for a loaded 2-core CI machine; every wait ends as soon as its event happens.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The token of the fake's user `PUSER01` (Pat Oncall, pat@example.com).
pub const PAT_TOKEN: &str = "fake-token-pat";

/// The `oncall-tray` binary under test.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ONCALL_TRAY_BIN") {
        return PathBuf::from(path);
    }
    // The test runs as target/<profile>/deps/<test>-<hash>; the binary is in target/<profile>.
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let binary = profile_dir.join(format!("oncall-tray{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} does not exist: build it first with `cargo build -p oncall-tray` \
         (`./dev test` does), or point ONCALL_TRAY_BIN at it",
        binary.display()
    );
    binary
}

/// Private config and data directories, deleted at the end of the test.
pub struct Sandbox {
    dir: TempDir,
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir().join("config.toml")
    }

    /// The app's log folder (`ONCALL_TRAY_LOG_DIR`): the tray app's `tray.log` and
    /// `--headless`'s `headless.log`, never the user's.
    pub fn log_dir(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    /// A private `XDG_RUNTIME_DIR` (0700): GTK and WebKit put sockets there.
    pub fn runtime_dir(&self) -> PathBuf {
        let runtime = self.dir.path().join("xdg-runtime");
        std::fs::create_dir_all(&runtime).expect("runtime dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                .expect("0700");
        }
        runtime
    }

    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_dir()).expect("config dir");
        std::fs::write(self.config_file(), text).expect("config.toml written");
    }

    pub fn config_text(&self) -> String {
        std::fs::read_to_string(self.config_file()).unwrap_or_default()
    }

    /// `oncall-tray ARGS` with the sandbox's dirs, no display, and a D-Bus session bus
    /// and sound server that do not exist (so nothing reaches the user's desktop,
    /// keychain or speakers) unless the test sets one.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_through(&[], args)
    }

    /// [`Sandbox::command`] run by `wrapper`: a program and its arguments that end by
    /// running the rest of their command line (the binary and `args`).
    fn command_through(&self, wrapper: &[&str], args: &[&str]) -> Command {
        let mut cmd = match wrapper.split_first() {
            Some((program, wrapper_args)) => {
                let mut cmd = Command::new(program);
                cmd.args(wrapper_args).arg(binary());
                cmd
            }
            None => Command::new(binary()),
        };
        cmd.args(args);
        self.isolate(&mut cmd);
        cmd
    }

    /// Points `cmd` at this sandbox's directories, and at no bus, sound server or display
    /// of the machine's.
    fn isolate(&self, cmd: &mut Command) {
        cmd.env("ONCALL_TRAY_CONFIG_DIR", self.config_dir())
            .env("ONCALL_TRAY_DATA_DIR", self.data_dir())
            .env("ONCALL_TRAY_LOG_DIR", self.log_dir())
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", self.dir.path().join("no-bus").display()),
            )
            // Nor the user's speakers, unless a test brings its own sound
            // server (`sound::SoundServer`): the alarm then finds no audio output.
            .env(
                "PULSE_SERVER",
                format!("unix:{}", self.dir.path().join("no-sound").display()),
            )
            .env("PIPEWIRE_REMOTE", self.dir.path().join("no-sound"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .kill_on_drop(true);
    }

    /// Runs `oncall-tray ARGS` to the end, with `stdin` as its standard input.
    pub async fn run_with_input(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with_env(args, stdin, &[]).await
    }

    /// [`Sandbox::run_with_input`] with these environment variables set too (a test's
    /// own D-Bus bus and keychain, for instance).
    pub async fn run_with_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        use tokio::io::AsyncWriteExt as _;
        let mut cmd = self.command(args);
        cmd.envs(env.iter().copied());
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("oncall-tray starts");
        let mut input = child.stdin.take().expect("stdin is piped");
        input.write_all(stdin.as_bytes()).await.expect("stdin");
        drop(input);
        let out = tokio::time::timeout(TIMEOUT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("oncall-tray {args:?} did not finish in {TIMEOUT:?}"))
            .expect("oncall-tray runs");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs `oncall-tray ARGS` on a terminal of its own (util-linux `script` gives it
    /// one), typing `typed` into it: what a person at a shell sees and answers.
    /// `args` are put into one shell line, so keep them to words without quotes.
    pub async fn run_in_terminal(&self, args: &[&str], typed: &str) -> Output {
        use tokio::io::AsyncWriteExt as _;
        let line = std::iter::once(binary().display().to_string())
            .chain(args.iter().map(|a| format!("'{a}'")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new("script");
        cmd.args(["-q", "-e", "-c", &line, "/dev/null"]);
        self.isolate(&mut cmd);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("script starts");
        let mut input = child.stdin.take().expect("stdin is piped");
        input.write_all(typed.as_bytes()).await.expect("stdin");
        let out = tokio::time::timeout(TIMEOUT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("oncall-tray {args:?} did not finish in {TIMEOUT:?}"))
            .expect("oncall-tray runs");
        drop(input);
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_with_input(args, "").await
    }

    /// Starts `oncall-tray --headless` on the D-Bus bus at `bus`; its log goes to a file
    /// that [`App::log`] reads back for failure messages.
    pub fn spawn_headless(&self, bus: &str) -> App {
        self.spawn(&["--headless"], bus, None)
    }

    /// [`Sandbox::spawn_headless`] with these environment variables set too (a sound
    /// server's, for instance).
    pub fn spawn_headless_with_env(&self, bus: &str, env: &[(&str, String)]) -> App {
        self.spawn_with_env(&["--headless"], bus, None, env)
    }

    /// [`Sandbox::spawn_headless`] started through `wrapper` (see
    /// [`Sandbox::command_through`]), e.g. `unshare` and a shell that mounts something
    /// first; the wrapper must `exec` the app, so [`App::pid`] is the app's.
    pub fn spawn_headless_through(&self, bus: &str, wrapper: &[&str]) -> App {
        self.spawn_full(wrapper, &["--headless"], bus, None, &[])
    }

    /// Starts the tray app (`args` such as `--demo`) in `desktop`'s display and bus.
    pub fn spawn_tray(&self, args: &[&str], desktop: &desktop::Desktop) -> App {
        self.spawn(args, &desktop.bus.address, Some(&desktop.display))
    }

    fn spawn(&self, args: &[&str], bus: &str, display: Option<&str>) -> App {
        self.spawn_with_env(args, bus, display, &[])
    }

    fn spawn_with_env(
        &self,
        args: &[&str],
        bus: &str,
        display: Option<&str>,
        env: &[(&str, String)],
    ) -> App {
        self.spawn_full(&[], args, bus, display, env)
    }

    fn spawn_full(
        &self,
        wrapper: &[&str],
        args: &[&str],
        bus: &str,
        display: Option<&str>,
        env: &[(&str, String)],
    ) -> App {
        // One log per process: a second app in the same sandbox must not truncate the
        // first one's.
        let log_path = (1..)
            .map(|n| match n {
                1 => self.dir.path().join("app.log"),
                n => self.dir.path().join(format!("app-{n}.log")),
            })
            .find(|path| !path.exists())
            .expect("a free log file name");
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut cmd = self.command_through(wrapper, args);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", bus)
            .env("RUST_LOG", "info,oncall_tray=debug")
            .stdout(log.try_clone().expect("log file"))
            .stderr(log);
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        if let Some(display) = display {
            // A private runtime dir too: GTK and WebKit put sockets there.
            let runtime = self.dir.path().join("xdg-runtime");
            std::fs::create_dir_all(&runtime).expect("runtime dir");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                    .expect("0700");
            }
            cmd.env("DISPLAY", display)
                .env("XDG_RUNTIME_DIR", runtime)
                .env("GDK_BACKEND", "x11");
        }
        App {
            child: cmd.spawn().expect("oncall-tray starts"),
            log_path,
        }
    }
}

/// A running `oncall-tray` process; killed if the test ends early.
pub struct App {
    child: Child,
    log_path: PathBuf,
}

impl App {
    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Waits until the app's log has `text`, or fails with the log.
    pub async fn wait_for_log(&self, text: &str) {
        eventually_or(
            &format!("the log saying {text:?}"),
            TIMEOUT,
            || format!("----- oncall-tray log -----\n{}", self.log()),
            || self.log().contains(text),
        )
        .await
    }

    /// Panics with `what` and the app's log.
    pub fn fail(&self, what: impl std::fmt::Display) -> ! {
        panic!("{what}\n----- oncall-tray log -----\n{}", self.log())
    }

    /// Sends SIGTERM, as a service manager or `kill` does.
    #[cfg(unix)]
    pub fn terminate(&self) {
        let pid = self.child.id().expect("the app is still running");
        let pid = rustix::process::Pid::from_raw(pid as i32).expect("a valid pid");
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM sent");
    }

    /// Sends SIGKILL: the process ends at once, as in a crash, with no clean-up.
    #[cfg(unix)]
    pub fn kill(&self) {
        let pid = self.child.id().expect("the app is still running");
        let pid = rustix::process::Pid::from_raw(pid as i32).expect("a valid pid");
        rustix::process::kill_process(pid, rustix::process::Signal::KILL).expect("SIGKILL sent");
    }

    /// Waits for the process to exit; its exit code, or a failure after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => status.expect("waiting for the app").code(),
            Err(_) => self.fail(format!("oncall-tray did not exit within {timeout:?}")),
        }
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("the app is still running")
    }

    /// Whether it is still running (it must not die on its own).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// A `config.toml` with one account `work` on the fake, whose token comes from a
/// command so that no keychain is needed.
pub fn fake_account_config(api_url: &str, poll_seconds: u64) -> String {
    format!(
        "[[accounts]]\n\
         name = \"work\"\n\
         provider = \"pagerduty\"\n\
         api_url = \"{api_url}\"\n\
         poll_interval_seconds = {poll_seconds}\n\
         token_command = \"printf %s {PAT_TOKEN}\"\n"
    )
}

/// Waits until `cond` holds for the fake's request log: the fake has no way to announce
/// a request, so this is the event wait. Fails after `TIMEOUT`.
pub async fn wait_for_requests(
    fake: &FakePagerDuty,
    what: &str,
    cond: impl Fn(&[RecordedRequest]) -> bool,
) -> Result<Vec<RecordedRequest>, String> {
    let requests = within(TIMEOUT, || {
        let requests = fake.requests();
        std::future::ready(cond(&requests).then_some(requests))
    })
    .await;
    requests.ok_or_else(|| {
        let seen: Vec<String> = fake
            .requests()
            .iter()
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .collect();
        format!("timed out after {TIMEOUT:?} waiting for {what}; the fake received: {seen:#?}")
    })
}

/// Incident list polls the fake answered.
pub fn polls(requests: &[RecordedRequest]) -> usize {
    requests
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/incidents" && r.status == 200)
        .count()
}

/// Processes below `pid` (children, grandchildren, …) whose command name starts with
/// `prefix` (Linux /proc). The window runs in a child process, whose WebKit processes
/// are the app's grandchildren.
pub fn descendants_named(pid: u32, prefix: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        for child in children_named(parent, "") {
            if comm(child).is_some_and(|c| c.starts_with(prefix)) {
                found.push(child);
            }
            parents.push(child);
        }
    }
    found
}

/// Asserts that `/proc/PID/FILE` (`cmdline`, `environ`) does not hold `secret`. The app
/// is not dumpable, so its `environ` is readable only by root: for anyone else, that it
/// cannot be read is the protection. A process that ended meanwhile holds nothing.
pub fn assert_proc_file_lacks(pid: u32, file: &str, secret: &str) {
    match std::fs::read(format!("/proc/{pid}/{file}")) {
        Ok(bytes) => assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "process {pid}'s {file} holds the secret"
        ),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("reading /proc/{pid}/{file}: {e}"),
    }
}

/// A process's command name and parent, from `/proc/PID/stat` ("pid (comm) state ppid …";
/// comm may contain spaces, so it is split at the last ')').
fn stat(pid: u32) -> Option<(String, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
    Some((comm, ppid))
}

/// Whether `pid` is a live process: a zombie has exited (an orphan may wait a while for
/// a PID 1 that reaps it).
pub fn is_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

fn comm(pid: u32) -> Option<String> {
    stat(pid).map(|(comm, _)| comm)
}

/// Child processes of `pid` whose command name starts with `prefix` (Linux /proc).
pub fn children_named(pid: u32, prefix: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            stat(*child).is_some_and(|(comm, ppid)| ppid == pid && comm.starts_with(prefix))
        })
        .collect()
}

/// Files under `dir` whose bytes contain `needle` (a token that must not be there).
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if std::fs::read(&path)
            .map(|bytes| String::from_utf8_lossy(&bytes).contains(needle))
            .unwrap_or(false)
        {
            found.push(path.display().to_string());
        }
    }
    found
}

/// An `xdg-open` that records what it was asked to open (one argument per line), put
/// first on the app's `PATH`: the `open` crate tries `xdg-open` first.
pub struct RecordingOpener {
    dir: TempDir,
}

impl RecordingOpener {
    pub fn install() -> RecordingOpener {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let script = dir.path().join("xdg-open");
        let record = dir.path().join("opened");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\n",
                record.display()
            ),
        )
        .expect("the script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("0755");
        RecordingOpener { dir }
    }

    /// `PATH` with the recording opener first.
    pub fn path(&self) -> String {
        let rest = std::env::var("PATH").unwrap_or_default();
        format!("{}:{rest}", self.dir.path().display())
    }

    /// What it was asked to open so far, oldest first.
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("opened"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Waits until `done` holds; `what` names it in the failure. The workspace's one wait,
/// [`oncall_test_support::eventually`], with this suite's [`TIMEOUT`].
pub async fn wait_until(what: &str, done: impl Fn() -> bool) {
    eventually(what, TIMEOUT, done).await
}

/// [`wait_until`], with `context` (a log, say) after `what` in the failure.
pub async fn wait_until_or(what: &str, context: impl Fn() -> String, done: impl Fn() -> bool) {
    eventually_or(what, TIMEOUT, context, done).await
}

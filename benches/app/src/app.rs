//! The release `oncall-tray --headless` under test, in throwaway config and data
//! directories, notifying on a private D-Bus bus, with its account on a fake PagerDuty.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use oncall_fake_pagerduty::{FakePagerDuty, RecordedRequest};
use tempfile::TempDir;
use tokio::process::{Child, Command};

/// The token of the fake's user `PUSER01` (Pat Oncall).
pub const TOKEN: &str = "fake-token-pat";

/// The release binary: `target/release/oncall-tray` beside this program's profile
/// directory (`target/bench-driver/`), or `$ONCALL_TRAY_BIN`.
pub fn binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("ONCALL_TRAY_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().context("this program's path")?;
    let profile_dir = exe.parent().context("this program's directory")?;
    let path = profile_dir.with_file_name("release").join("oncall-tray");
    if !path.exists() {
        bail!(
            "{} does not exist: `cargo build --release -p oncall-tray` first",
            path.display()
        );
    }
    Ok(path)
}

/// What goes in the account's `config.toml`.
pub struct Setup<'a> {
    pub api_url: &'a str,
    pub poll_seconds: u64,
    /// `storm_threshold`: more new incidents than this in one poll become one summary.
    pub storm_threshold: u32,
}

pub struct App {
    child: Child,
    dir: TempDir,
    pid: u32,
}

impl App {
    pub fn start(bus: &str, setup: &Setup) -> anyhow::Result<App> {
        let dir = tempfile::tempdir()?;
        let config_dir = dir.path().join("config");
        std::fs::create_dir_all(&config_dir)?;
        std::fs::write(
            config_dir.join("config.toml"),
            format!(
                "[notifications]\n\
                 storm_threshold = {}\n\n\
                 [[accounts]]\n\
                 name = \"work\"\n\
                 provider = \"pagerduty\"\n\
                 api_url = \"{}\"\n\
                 poll_interval_seconds = {}\n\
                 token_command = \"printf %s {TOKEN}\"\n",
                setup.storm_threshold, setup.api_url, setup.poll_seconds
            ),
        )?;
        let log = std::fs::File::create(dir.path().join("app.log"))?;
        let child = Command::new(binary()?)
            .arg("--headless")
            .env("ONCALL_TRAY_CONFIG_DIR", &config_dir)
            .env("ONCALL_TRAY_DATA_DIR", dir.path().join("data"))
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .env("RUST_LOG", "warn")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .context("starting oncall-tray --headless")?;
        let pid = child.id().context("the app's pid")?;
        Ok(App { child, dir, pid })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("app.log")).unwrap_or_default()
    }

    /// SIGTERM, then waits (SIGKILL after 5 s).
    pub async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Answered incident-list requests (one per poll while fewer than 101 are open).
pub fn polls(requests: &[RecordedRequest]) -> usize {
    requests
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/incidents" && r.status != 0)
        .count()
}

/// Waits (checking every 5 ms) until `cond` holds for the fake's request log.
pub async fn wait_requests(
    fake: &FakePagerDuty,
    timeout: Duration,
    what: &str,
    cond: impl Fn(&[RecordedRequest]) -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if cond(&fake.requests()) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

//! `oncall-tray --demo`: the real app against the fake PagerDuty, started in-process on a
//! loopback port, with a scripted stream of synthetic incidents and throwaway config and
//! data directories, so it never touches the user's settings, keychain or account.

use std::sync::Arc;
use std::time::Duration;

use oncall_engine::{Credentials, StaticCredentials};
use oncall_fake_pagerduty::{FakePagerDuty, RunningFake};
use oncall_model::ProviderKind;
use oncall_store::{add_account, Dirs, NewAccount};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::info;

/// A new synthetic incident (or re-trigger, or self-resolution) this often.
const SCRIPT_BEAT: Duration = Duration::from_secs(30);
const ACCOUNT: &str = "demo";
/// Short, so that a synthetic incident shows up within seconds.
const DEMO_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// The fake's token for its user Pat; meaningless outside the fake.
const DEMO_TOKEN: &str = "fake-token-pat";

pub struct Demo {
    server: RunningFake,
    dir: TempDir,
}

impl Demo {
    pub async fn start(cancel: CancellationToken, tasks: &TaskTracker) -> anyhow::Result<Demo> {
        let fake = FakePagerDuty::new();
        // Nobody reads the requests here, and the demo may run all day.
        fake.stop_recording_requests();
        oncall_fake_pagerduty::demo::prepare(&fake, chrono::Utc::now());
        let server = fake.serve(([127, 0, 0, 1], 0).into()).await?;
        info!(url = %server.url, "demo: fake PagerDuty started");
        tasks.spawn(oncall_fake_pagerduty::demo::run(fake, SCRIPT_BEAT, cancel));
        let dir = tempfile::Builder::new()
            .prefix("oncall-tray-demo-")
            .tempdir()?;
        let demo = Demo { server, dir };
        // A real config file, so that Settings can change the demo like any other setup.
        let account = NewAccount {
            api_url: Some(demo.server.url.clone()),
            poll_interval_seconds: Some(DEMO_POLL_INTERVAL.as_secs()),
            ..NewAccount::new(ACCOUNT, ProviderKind::PagerDuty)
        };
        add_account(&demo.dirs().config_file(), account)?;
        Ok(demo)
    }

    pub fn dirs(&self) -> Dirs {
        Dirs {
            config_dir: self.dir.path().join("config"),
            data_dir: self.dir.path().join("data"),
        }
    }

    pub fn credentials(&self) -> Arc<dyn Credentials> {
        Arc::new(StaticCredentials::new().with(ACCOUNT, DEMO_TOKEN))
    }
}

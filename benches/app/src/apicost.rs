//! API cost: the requests the engine makes per account, counted on the fake's request
//! log while the engine (the same code the app runs) polls for simulated hours on paused
//! tokio time, at the default 15 s interval; and the requests each user action costs.
//! Paused time makes an hour take a second and the count exact; nothing else differs
//! from the app (the shell only adds the notifier and the tray, which make no requests).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use oncall_engine::{Engine, EngineOptions, Notice, Notifier, StaticCredentials, TestClock};
use oncall_fake_pagerduty::{FakePagerDuty, NewIncident, RecordedRequest};
use oncall_model::{ActionKind, IncidentKey, Status, Urgency};
use oncall_policy::{Decision, Settings};
use oncall_store::{AccountConfig, Config, Dirs};

use crate::app::TOKEN;

/// Requests by `METHOD /path` (ids in paths replaced by `{id}`).
pub type Counts = BTreeMap<String, usize>;

pub struct ApiCost {
    /// (open incidents, requests in a simulated hour after the first minute, by route).
    pub per_hour: Vec<(usize, Counts)>,
    /// (action, requests within 2 s of it, by route).
    pub per_action: Vec<(String, Counts)>,
}

struct Silent;

#[async_trait]
impl Notifier for Silent {
    async fn apply(&self, _: &Decision) -> Result<(), String> {
        Ok(())
    }
    async fn notice(&self, _: &Notice) -> Result<(), String> {
        Ok(())
    }
}

fn route(r: &RecordedRequest) -> String {
    let path: Vec<&str> = r
        .path
        .split('/')
        .map(|seg| {
            if seg.starts_with('Q') && seg.len() > 8 {
                "{id}"
            } else {
                seg
            }
        })
        .collect();
    format!("{} {}", r.method, path.join("/"))
}

pub fn count(requests: &[RecordedRequest]) -> Counts {
    let mut counts = Counts::new();
    for r in requests {
        *counts.entry(route(r)).or_default() += 1;
    }
    counts
}

struct World {
    fake: FakePagerDuty,
    engine: Engine,
    _server: oncall_fake_pagerduty::RunningFake,
    _dir: tempfile::TempDir,
}

async fn world(open: usize) -> anyhow::Result<World> {
    let fake = FakePagerDuty::new();
    let clock = Arc::new(TestClock::new(Utc::now()));
    let fake_clock = clock.clone();
    fake.set_clock(Arc::new(move || {
        oncall_engine::Clock::now(fake_clock.as_ref())
    }));
    for i in 0..open {
        let urgency = if i % 4 == 0 {
            Urgency::Low
        } else {
            Urgency::High
        };
        fake.trigger(NewIncident::new(format!("Open incident {i}")).urgency(urgency));
    }
    let server = fake.serve("127.0.0.1:0".parse()?).await?;
    let dir = tempfile::tempdir()?;
    let engine = Engine::start(EngineOptions {
        config: Config {
            notifications: Settings::default(),
            accounts: vec![AccountConfig::pagerduty("work", server.url.parse()?)],
            alarm: Default::default(),
            report: Default::default(),
        },
        dirs: Dirs {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
        },
        clock,
        credentials: Arc::new(StaticCredentials::new().with("work", TOKEN)),
        notifier: Arc::new(Silent),
    })
    .await?;
    Ok(World {
        fake,
        engine,
        _server: server,
        _dir: dir,
    })
}

const HOUR: Duration = Duration::from_secs(3600);

/// Runs on a runtime of its own with paused time.
pub fn run() -> anyhow::Result<ApiCost> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()?;
    runtime.block_on(async {
        let mut per_hour = Vec::new();
        for open in [0usize, 100, 1000] {
            let w = world(open).await?;
            // The first minute includes start-up (`/users/me`); the hour after is steady.
            tokio::time::sleep(Duration::from_secs(60)).await;
            w.fake.clear_requests();
            tokio::time::sleep(HOUR).await;
            per_hour.push((open, count(&w.fake.requests())));
            w.engine.shutdown().await;
        }

        // Actions, each 1 s after a regular poll and counted for 2 s.
        let w = world(11).await?;
        let keys = |status: Status| -> Vec<IncidentKey> {
            let view = w.engine.view();
            let view = view.borrow();
            view.incidents
                .iter()
                .filter(|i| i.incident.status == status)
                .map(|i| i.incident.key.clone())
                .collect()
        };
        tokio::time::sleep(Duration::from_secs(16)).await;
        let mut per_action = Vec::new();
        let mut measure = |name: &str, requests: Vec<RecordedRequest>| {
            per_action.push((name.to_owned(), count(&requests)));
        };
        let window = Duration::from_secs(2);
        let settle = Duration::from_secs(15);

        let triggered = keys(Status::Triggered);
        w.fake.clear_requests();
        w.engine
            .act(&triggered[..1], ActionKind::Acknowledge)
            .await?;
        tokio::time::sleep(window).await;
        measure("acknowledge one", w.fake.requests());
        tokio::time::sleep(settle).await;

        let triggered = keys(Status::Triggered);
        w.fake.clear_requests();
        w.engine
            .act_on_all_triggered(ActionKind::Acknowledge)
            .await?;
        tokio::time::sleep(window).await;
        measure(
            &format!("acknowledge all ({} triggered)", triggered.len()),
            w.fake.requests(),
        );
        tokio::time::sleep(settle).await;

        let acknowledged = keys(Status::Acknowledged);
        w.fake.clear_requests();
        w.engine
            .act(&acknowledged[..1], ActionKind::Resolve)
            .await?;
        tokio::time::sleep(window).await;
        measure("resolve one", w.fake.requests());
        tokio::time::sleep(settle).await;

        let acknowledged = keys(Status::Acknowledged);
        w.fake.clear_requests();
        w.engine
            .act(&acknowledged[..1], ActionKind::Snooze { seconds: 3600 })
            .await?;
        tokio::time::sleep(window).await;
        measure("snooze one (1 h)", w.fake.requests());
        w.engine.shutdown().await;
        Ok(ApiCost {
            per_hour,
            per_action,
        })
    })
}

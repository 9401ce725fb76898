//! A world for engine scenarios: the fake PagerDuty on a loopback port, the real engine
//! on paused tokio time, a notifier that records what would reach the screen, and a
//! throwaway data directory that survives "restarts".

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use oncall_engine::{Engine, EngineOptions, Notice, Notifier, TestClock, View};
use oncall_fake_pagerduty::{FakePagerDuty, RunningFake};
use oncall_model::IncidentKey;
use oncall_policy::{Decision, NotificationTarget, Settings};
use oncall_store::{AccountConfig, Config, Dirs};
use tempfile::TempDir;

pub const ACCOUNT: &str = "work";

/// What reached the (recorded) screen, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Page { id: String, reason: String },
    Summary { count: usize, reason: String },
    Withdrawn(String),
    TokenRejected,
}

#[derive(Default)]
pub struct Recorder(Mutex<Vec<Shown>>);

impl Recorder {
    pub fn shown(&self) -> Vec<Shown> {
        self.0.lock().unwrap().clone()
    }
    pub fn pages_of(&self, id: &str) -> usize {
        self.shown()
            .iter()
            .filter(|s| matches!(s, Shown::Page { id: i, .. } if i == id))
            .count()
    }
}

#[async_trait]
impl Notifier for Recorder {
    async fn apply(&self, decision: &Decision) -> Result<(), String> {
        let shown = match decision {
            Decision::Notify { incident, reason } => Shown::Page {
                id: incident.key.id.clone(),
                reason: format!("{reason:?}"),
            },
            Decision::Summarize(s) => Shown::Summary {
                count: s.incidents.len(),
                reason: format!("{:?}", s.reason),
            },
            Decision::Withdraw(NotificationTarget::Incident(key)) => {
                Shown::Withdrawn(key.id.clone())
            }
            Decision::Withdraw(NotificationTarget::Summary(id)) => {
                Shown::Withdrawn(format!("summary {}", id.0))
            }
        };
        self.0.lock().unwrap().push(shown);
        Ok(())
    }

    async fn notice(&self, notice: &Notice) -> Result<(), String> {
        match notice {
            Notice::TokenRejected { .. } => self.0.lock().unwrap().push(Shown::TokenRejected),
        }
        Ok(())
    }
}

/// A keychain the test can change while the engine runs.
#[derive(Default)]
pub struct Keychain(pub Mutex<Option<String>>);

impl Keychain {
    pub fn set(&self, token: &str) {
        *self.0.lock().unwrap() = Some(token.to_string());
    }
}

#[async_trait]
impl oncall_engine::Credentials for Keychain {
    async fn token(
        &self,
        account: &AccountConfig,
    ) -> Result<secrecy::SecretString, oncall_engine::CredentialError> {
        self.0
            .lock()
            .unwrap()
            .clone()
            .map(secrecy::SecretString::from)
            .ok_or_else(|| oncall_engine::CredentialError::Missing(account.name.clone()))
    }
}

pub struct World {
    pub fake: FakePagerDuty,
    pub server: Option<RunningFake>,
    pub dir: TempDir,
    pub clock: Arc<TestClock>,
    pub screen: Arc<Recorder>,
    pub engine: Option<Engine>,
    pub poll_interval: Duration,
    pub settings: Settings,
    pub keychain: Arc<Keychain>,
}

impl World {
    /// The fake is up; the engine is not started yet (so tests can prepare incidents).
    pub async fn new() -> World {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("oncall_engine=debug")
            .try_init();
        let fake = FakePagerDuty::new();
        let clock = Arc::new(TestClock::new(
            Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap(),
        ));
        let fake_clock = clock.clone();
        fake.set_clock(Arc::new(move || {
            oncall_engine::Clock::now(fake_clock.as_ref())
        }));
        let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        World {
            fake,
            server: Some(server),
            dir: TempDir::new().unwrap(),
            clock,
            screen: Arc::new(Recorder::default()),
            engine: None,
            poll_interval: Duration::from_secs(15),
            settings: Settings::default(),
            keychain: {
                let keychain = Keychain::default();
                keychain.set("fake-token-pat");
                Arc::new(keychain)
            },
        }
    }

    pub fn url(&self) -> String {
        self.server.as_ref().unwrap().url.clone()
    }

    pub fn dirs(&self) -> Dirs {
        Dirs {
            config_dir: self.dir.path().join("config"),
            data_dir: self.dir.path().join("data"),
        }
    }

    pub fn config(&self) -> Config {
        Config {
            notifications: self.settings.clone(),
            accounts: vec![AccountConfig {
                poll_interval: self.poll_interval,
                ..AccountConfig::pagerduty(ACCOUNT, self.url().parse().unwrap())
            }],
        }
    }

    pub async fn start(&mut self) {
        let engine = Engine::start(EngineOptions {
            config: self.config(),
            dirs: self.dirs(),
            clock: self.clock.clone(),
            credentials: self.keychain.clone(),
            notifier: self.screen.clone(),
        })
        .await
        .expect("engine starts");
        self.engine = Some(engine);
    }

    pub async fn stop(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown().await;
        }
    }

    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    pub fn engine(&self) -> &Engine {
        self.engine.as_ref().expect("engine started")
    }

    pub fn view(&self) -> View {
        self.engine().view().borrow().clone()
    }

    pub fn key(&self, id: &str) -> IncidentKey {
        IncidentKey::new(ACCOUNT, id)
    }

    /// Requests of one kind the fake has seen, e.g. `("GET", "/incidents")`.
    pub fn count_requests(&self, method: &str, path: &str) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// Lets virtual time run until `done` holds, failing after `limit` of it.
    pub async fn until(&self, what: &str, limit: Duration, mut done: impl FnMut(&World) -> bool) {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {limit:?} waiting for: {what}\nscreen: {:?}\nview: {:?}",
                self.screen.shown(),
                self.engine
                    .as_ref()
                    .map(|e| e.view().borrow().accounts.clone())
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the engine's first successful poll.
    pub async fn first_poll(&self) {
        self.until("first poll", Duration::from_secs(5), |w| {
            w.view().accounts[0].connection == oncall_engine::Connection::Ok
        })
        .await;
    }

    /// An incident triggers on PagerDuty and pages once; returns its id.
    pub async fn page(&self, title: &str) -> String {
        let id = self
            .fake
            .trigger(oncall_fake_pagerduty::NewIncident::new(title));
        self.until("the page", Duration::from_secs(20), |w| {
            w.screen.pages_of(&id) == 1
        })
        .await;
        id
    }

    /// The user acknowledges `id` and PagerDuty records it.
    pub async fn acknowledge(&self, id: &str) {
        self.engine()
            .act(&[self.key(id)], oncall_model::ActionKind::Acknowledge)
            .await
            .unwrap();
        self.until("PagerDuty sees the ack", Duration::from_secs(5), |w| {
            w.fake.incident(id).unwrap().status == oncall_model::Status::Acknowledged
        })
        .await;
    }

    /// Lets `d` of virtual time pass.
    pub async fn idle(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

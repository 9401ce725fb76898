//! A world for engine scenarios: a fake service (PagerDuty or Opsgenie, see [`Service`])
//! on a loopback port sharing the engine's clock, the real engine on paused tokio time, a
//! notifier that records what would reach the screen, and a throwaway data directory
//! that survives "restarts".

#![allow(dead_code)]

mod service;

pub use service::Service;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use oncall_engine::{Engine, EngineOptions, Notice, Notifier, TestClock, View};
use oncall_model::{IncidentKey, Urgency};
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

pub struct World<S: Service> {
    pub fake: S,
    pub server: Option<S::Running>,
    pub dir: TempDir,
    pub clock: Arc<TestClock>,
    pub screen: Arc<Recorder>,
    pub engine: Option<Engine>,
    pub poll_interval: Duration,
    pub settings: Settings,
    pub keychain: Arc<Keychain>,
}

impl<S: Service> World<S> {
    /// The fake is up; the engine is not started yet (so tests can prepare incidents).
    pub async fn new() -> World<S> {
        World::new_at(Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap()).await
    }

    /// [`World::new`] with the (shared) wall clock starting at `start`.
    pub async fn new_at(start: DateTime<Utc>) -> World<S> {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("oncall_engine=debug")
            .try_init();
        let fake = S::new();
        let clock = Arc::new(TestClock::new(start));
        let fake_clock = clock.clone();
        fake.set_clock(Arc::new(move || {
            oncall_engine::Clock::now(fake_clock.as_ref())
        }));
        let server = fake.serve().await;
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
                keychain.set(S::TOKEN);
                Arc::new(keychain)
            },
        }
    }

    pub fn url(&self) -> String {
        S::url(self.server.as_ref().unwrap())
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
                ..S::account_config(ACCOUNT, &self.url())
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

    /// Takes the network away: the fake stops serving.
    pub async fn network_down(&mut self) {
        S::shutdown(self.server.take().expect("serving")).await;
    }

    /// Brings the network back (on a new port: restart the engine to use it).
    pub async fn network_up(&mut self) {
        self.server = Some(self.fake.serve().await);
    }

    /// Lets virtual time run until `done` holds, failing after `limit` of it.
    pub async fn until(
        &self,
        what: &str,
        limit: Duration,
        mut done: impl FnMut(&World<S>) -> bool,
    ) {
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

    /// A high-urgency incident triggers on the service and pages once; returns its id.
    pub async fn page(&self, title: &str) -> String {
        let id = self.fake.trigger(title, Urgency::High);
        self.until("the page", Duration::from_secs(20), |w| {
            w.screen.pages_of(&id) == 1
        })
        .await;
        id
    }

    /// The user acknowledges `id` and the service records it.
    pub async fn acknowledge(&self, id: &str) {
        self.engine()
            .act(&[self.key(id)], oncall_model::ActionKind::Acknowledge)
            .await
            .unwrap();
        self.until("the service sees the ack", Duration::from_secs(5), |w| {
            w.fake.status(id) == oncall_model::Status::Acknowledged
        })
        .await;
    }

    /// Lets `d` of virtual time pass.
    pub async fn idle(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

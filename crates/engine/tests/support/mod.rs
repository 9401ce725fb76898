//! A world for engine scenarios: a fake service (PagerDuty, Opsgenie, JSM or Grafana
//! OnCall, see [`Service`])
//! on a loopback port sharing the engine's clock, the real engine on paused tokio time, a
//! notifier that records what would reach the screen, and a throwaway data directory
//! that survives "restarts".

#![allow(dead_code)]

mod service;
mod service_grafana;
mod service_jsm;

pub use service::Service;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use oncall_engine::{Engine, EngineOptions, Notice, Notifier, TestClock, View};
use oncall_model::{IncidentKey, Urgency};
use oncall_policy::{Decision, NotificationTarget, Settings};
use oncall_store::{AccountConfig, Config, Dirs};
use oncall_test_support::eventually_or;
use tempfile::TempDir;

pub const ACCOUNT: &str = "work";

/// What reached the (recorded) screen, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Page {
        id: String,
        reason: String,
    },
    Summary {
        count: usize,
        reason: String,
    },
    Withdrawn(String),
    /// A shift reminder or handover, for the shift labelled so.
    Shift {
        moment: oncall_policy::ShiftMoment,
        label: String,
    },
    /// The word on what happened while the user was away.
    WhileAway {
        paged: usize,
        handled_by_others: usize,
        still_open: usize,
    },
    TokenRejected,
    CredentialFailed {
        reason: String,
    },
    /// An action was refused because it could not be saved.
    NotSaved {
        id: String,
        cause: String,
    },
}

/// How the (recorded) notification server fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// No server owns the name: every call is refused at once.
    Absent,
    /// A server that never answers.
    Wedged,
}

pub struct Recorder {
    shown: Mutex<Vec<Shown>>,
    outage: Mutex<Option<Outage>>,
    /// Calls made while the server was out (refused or never answered).
    failed_calls: std::sync::atomic::AtomicUsize,
    servers: tokio::sync::watch::Sender<u64>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            shown: Mutex::default(),
            outage: Mutex::default(),
            failed_calls: Default::default(),
            servers: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl Recorder {
    pub fn shown(&self) -> Vec<Shown> {
        self.shown.lock().unwrap().clone()
    }

    /// The notification server goes away (or wedges) until [`Recorder::server_starts`].
    pub fn server_out(&self, outage: Outage) {
        *self.outage.lock().unwrap() = Some(outage);
    }

    /// A notification server takes the name, as `NameOwnerChanged` tells a real notifier.
    pub fn server_starts(&self) {
        *self.outage.lock().unwrap() = None;
        self.servers.send_modify(|n| *n += 1);
    }

    pub fn failed_calls(&self) -> usize {
        self.failed_calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Refuses or hangs as the server's outage says.
    async fn reach_server(&self) -> Result<(), String> {
        let outage = *self.outage.lock().unwrap();
        match outage {
            None => Ok(()),
            Some(outage) => {
                self.failed_calls
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if outage == Outage::Wedged {
                    std::future::pending::<()>().await;
                }
                Err("org.freedesktop.DBus.Error.ServiceUnknown".into())
            }
        }
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
        self.reach_server().await?;
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
            Decision::Shift(notice) => Shown::Shift {
                moment: notice.moment,
                label: notice.shift.label(),
            },
            Decision::WhileAway(notice) => Shown::WhileAway {
                paged: notice.paged,
                handled_by_others: notice.handled_by_others,
                still_open: notice.still_open,
            },
        };
        self.shown.lock().unwrap().push(shown);
        Ok(())
    }

    fn server_changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        Some(self.servers.subscribe())
    }

    async fn notice(&self, notice: &Notice) -> Result<(), String> {
        self.reach_server().await?;
        match notice {
            Notice::TokenRejected { .. } => self.shown.lock().unwrap().push(Shown::TokenRejected),
            Notice::CredentialFailed { reason, .. } => {
                self.shown.lock().unwrap().push(Shown::CredentialFailed {
                    reason: reason.clone(),
                })
            }
            Notice::ActionNotSaved {
                incident, cause, ..
            } => self.shown.lock().unwrap().push(Shown::NotSaved {
                id: incident.id.clone(),
                cause: cause.clone(),
            }),
        }
        Ok(())
    }
}

/// A keychain the test can change while the engine runs, standing in for a password
/// manager too: it can be locked for a number of reads, each then failing as a
/// `token_command` does.
#[derive(Default)]
pub struct Keychain {
    token: Mutex<Option<String>>,
    /// How many more reads fail because the password manager is locked.
    locked_for: Mutex<u32>,
    /// Every read, failed or not.
    reads: std::sync::atomic::AtomicUsize,
}

impl Keychain {
    pub fn set(&self, token: &str) {
        *self.token.lock().unwrap() = Some(token.to_string());
    }

    /// No token is stored.
    pub fn clear(&self) {
        *self.token.lock().unwrap() = None;
    }

    /// The next `reads` reads fail: the password manager is locked until then.
    pub fn lock_for(&self, reads: u32) {
        *self.locked_for.lock().unwrap() = reads;
    }

    pub fn reads(&self) -> usize {
        self.reads.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[async_trait]
impl oncall_engine::Credentials for Keychain {
    async fn token(
        &self,
        account: &AccountConfig,
    ) -> Result<secrecy::SecretString, oncall_engine::CredentialError> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        {
            let mut locked_for = self.locked_for.lock().unwrap();
            if *locked_for > 0 {
                *locked_for -= 1;
                return Err(oncall_engine::CredentialError::Command {
                    account: account.name.clone(),
                    reason: "it exited with code 1: the vault is locked".into(),
                });
            }
        }
        self.token
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
    /// The account's `notify`.
    pub notify: bool,
    /// The account's `[accounts.noise]`.
    pub noise: oncall_store::NoiseRules,
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
            notify: true,
            noise: Default::default(),
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
        let account = S::account_config(ACCOUNT, &self.url());
        // A scenario's own rules replace the service's; without them the service's stay
        // (Grafana OnCall has no urgency of its own: its account lowers one integration).
        let noise = if self.noise.is_empty() {
            account.noise.clone()
        } else {
            self.noise.clone()
        };
        Config {
            notifications: self.settings.clone(),
            alarm: Default::default(),
            report: Default::default(),
            accounts: vec![AccountConfig {
                poll_interval: self.poll_interval,
                notify: self.notify,
                noise,
                ..account
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
        let context = || {
            format!(
                "screen: {:?}\nview: {:?}",
                self.screen.shown(),
                self.engine
                    .as_ref()
                    .map(|e| e.view().borrow().accounts.clone())
            )
        };
        eventually_or(what, limit, context, || done(self)).await
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

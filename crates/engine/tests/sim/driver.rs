//! Plays a script against the real engine and a fake service (in-process, real HTTP on
//! loopback, paused tokio time; [`service`] says which) and writes down the [`History`]
//! the oracle judges.
//!
//! The ground truth is read from the fake after every event, at the same virtual
//! instant, so every change the script makes is seen at the moment it happens; changes
//! made by time alone (a snooze ending) carry their exact time in the service's state
//! (PagerDuty's `last_status_change_at`; see [`Truth::status_changed_at`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::TimeZone;
use oncall_engine::{Clock, Engine, EngineOptions, Notice, Notifier, TestClock};
use oncall_model::{ActionKind, IncidentKey, Status, Urgency};
use oncall_policy::{Decision, NotificationTarget, Pause, Settings, ShiftMoment};
use oncall_store::{AccountConfig, Config, Dirs};
use tempfile::TempDir;

use super::history::{
    Block, Episode, History, MuteSpan, Screened, Sent, ShiftWord, Shown, Time, UserAction,
    UserVerb, Window,
};
use super::oracle;
use super::script::{Event, Restart, ScreenOutage};
use super::service::{self, Assign, Service, ServiceKind, Truth};
use crate::support::{Keychain, Recorder, ACCOUNT};

/// How often a service that keeps no time of a snooze's end is read while a snooze of
/// mine is on its way: less than the shortest snooze the script makes (a minute).
const SNOOZE_LOOK: Duration = Duration::from_secs(30);
/// How long the engine may take to settle at the end, with everything healthy.
const SETTLE: Duration = Duration::from_secs(15 * 60);
/// After the notification server heals, the longest a held page may still wait: a call
/// to a wedged server in flight times out (10 s, the engine's bound on a notifier call),
/// then the retry comes at the latest after the engine's retry cap (30 s).
pub const SCREEN_HEAL: Duration = Duration::from_secs(40);

/// The settings every run uses.
pub struct Setup {
    pub poll_interval: Duration,
    pub settings: Settings,
    /// How long before a shift of mine the account reminds me of it.
    pub shift_reminder: Option<Duration>,
    /// The fake the run plays against.
    pub service: ServiceKind,
}

impl Setup {
    /// The settings every run uses, against `service`.
    pub fn on(service: ServiceKind) -> Self {
        Setup {
            service,
            ..Setup::default()
        }
    }
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            poll_interval: Duration::from_secs(60),
            // Quiet hours stay off: see the module documentation of the test.
            settings: Settings {
                quiet_hours: None,
                ..Settings::default()
            },
            shift_reminder: Some(oncall_store::DEFAULT_SHIFT_REMINDER),
            service: ServiceKind::PagerDuty,
        }
    }
}

/// The notifier: the tests' recorder, plus when each decision reached the screen. While
/// a screen outage lasts it refuses or hangs as the outage says, and nothing it is
/// handed reaches the log: the oracle judges what reached the screen.
struct Screen {
    recorder: Recorder,
    clock: Arc<TestClock>,
    epoch: AtomicU32,
    log: Mutex<Vec<Screened>>,
    outage: Mutex<Option<ScreenOutage>>,
    /// Bumped when a server takes the name again after an `Absent` outage.
    servers: tokio::sync::watch::Sender<u64>,
    /// The running engine's view (`None` while it starts).
    view: Mutex<Option<tokio::sync::watch::Receiver<oncall_engine::View>>>,
}

impl Screen {
    async fn reach(&self) -> Result<(), String> {
        let outage = *self.outage.lock().unwrap();
        match outage {
            None => Ok(()),
            Some(ScreenOutage::Absent) => Err("ServiceUnknown".into()),
            Some(ScreenOutage::Refusing) => Err("the server refused it".into()),
            Some(ScreenOutage::Wedged) => std::future::pending().await,
        }
    }
}

#[async_trait]
impl Notifier for Screen {
    fn server_changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        Some(self.servers.subscribe())
    }

    async fn apply(&self, decision: &Decision) -> Result<(), String> {
        self.reach().await?;
        let shown = match decision {
            Decision::Notify { incident, reason } => Shown::Page {
                incident: incident.key.id.clone(),
                status_changed_at: incident.status_changed_at,
                assigned_to_me_at: incident.assigned_to_me_at,
                reason: format!("{reason:?}"),
            },
            Decision::Summarize(s) => {
                // A summary names each member's episode; the episodes of one that an older
                // version saved come from the view published just before the decisions
                // were handed over, which holds the snapshot they were made from.
                let view = self
                    .view
                    .lock()
                    .unwrap()
                    .as_ref()
                    .map(|v| v.borrow().clone());
                let episodes = s
                    .incidents
                    .iter()
                    .map(|key| {
                        if let Some(e) = s.episode_of(key) {
                            return Some((e.status_changed_at, e.assigned_to_me_at));
                        }
                        let view = view.as_ref()?;
                        let shown = view.incidents.iter().find(|i| &i.incident.key == key)?;
                        Some((
                            shown.incident.status_changed_at,
                            shown.incident.assigned_to_me_at,
                        ))
                    })
                    .collect();
                Shown::Summary {
                    id: s.id.0,
                    reason: format!("{:?}", s.reason),
                    incidents: s.incidents.iter().map(|k| k.id.clone()).collect(),
                    episodes,
                }
            }
            Decision::Withdraw(NotificationTarget::Incident(key)) => {
                Shown::WithdrawPage(key.id.clone())
            }
            Decision::Withdraw(NotificationTarget::Summary(id)) => Shown::WithdrawSummary(id.0),
            Decision::Shift(notice) => Shown::Shift {
                moment: match notice.moment {
                    ShiftMoment::Reminder => ShiftWord::Reminder,
                    ShiftMoment::Started => ShiftWord::Started,
                    ShiftMoment::Ended { early, .. } => ShiftWord::Ended { early },
                },
                start: notice.shift.start,
                end: notice.shift.end,
            },
            Decision::WhileAway(_) => Shown::WhileAway,
        };
        self.log.lock().unwrap().push(Screened {
            at: self.clock.now(),
            epoch: self.epoch.load(Ordering::SeqCst),
            shown,
        });
        self.recorder.apply(decision).await
    }

    async fn notice(&self, notice: &Notice) -> Result<(), String> {
        self.reach().await?;
        self.recorder.notice(notice).await
    }
}

struct Sim {
    setup: Setup,
    service: Box<dyn Service>,
    dir: TempDir,
    clock: Arc<TestClock>,
    screen: Arc<Screen>,
    keychain: Arc<Keychain>,
    engine: Option<Engine>,
    history: History,
    /// The index in `history.episodes` of each incident's episode that needs me now.
    current: BTreeMap<String, usize>,
    /// When each incident was last assigned to me (`None`: not mine).
    assigned_at: BTreeMap<String, Option<Time>>,
    /// Episodes I acknowledged or resolved myself (by incident, status change, assignment),
    /// until the service shows the incident out of that episode: its name is given to the
    /// whole second, so a re-trigger in the same second after my acknowledgement took
    /// effect carries it again, and is a new episode all the same.
    silenced: BTreeSet<(String, Time, Time)>,
    flood: Vec<String>,
    outage: Option<(Time, Duration)>,
    auth_failed_since: Option<Time>,
    /// Since when notifications have not reached the screen.
    screen_out_since: Option<Time>,
    pause: Option<(Time, Option<Time>)>,
    /// My presses the service has not answered for good yet, and how far the request
    /// log has been read for their answers.
    outstanding: Vec<(String, UserVerb)>,
    log_read: usize,
    /// When the driver last found a poll the service answered (it happened at that
    /// moment or before, after the previous look).
    last_poll: Option<Time>,
    /// Incidents an answer to my acknowledgement or snooze showed to the engine since
    /// someone else's acknowledgement ended their last episode (a refusal as "already
    /// acknowledged" says as much as a poll would).
    looked_at: BTreeSet<String>,
    /// Incidents whose acknowledgement or snooze of mine was answered since the last
    /// look: that answer is the look, so the acknowledged state (or silence) it made
    /// is one the engine has seen, not someone else's that a poll has yet to find.
    answered_since_look: BTreeSet<String>,
    /// The service each incident fired on (0 or 1; the flood's: the first).
    service_of: BTreeMap<String, u8>,
    /// Each service's mute now: since when, until when.
    muted: [Option<(Time, Time)>; 2],
}

/// `SIM_LOG=filter` (with `SIM_SEED`: one run): the engine's and the clients' logs on
/// stderr, stamped with the run's virtual time, to read beside `SIM_DUMP`'s timeline
/// (e.g. `SIM_LOG=oncall_engine=debug,oncall_grafana_oncall=debug`).
fn log_to_stderr(clock: &Arc<TestClock>) {
    static CLOCK: std::sync::Mutex<Option<Arc<TestClock>>> = std::sync::Mutex::new(None);
    struct VirtualTime;
    impl tracing_subscriber::fmt::time::FormatTime for VirtualTime {
        fn format_time(
            &self,
            w: &mut tracing_subscriber::fmt::format::Writer<'_>,
        ) -> std::fmt::Result {
            let clock = CLOCK
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match clock.as_ref() {
                Some(clock) => write!(w, "{}", clock.now().format("%F %T%.3f")),
                None => Ok(()),
            }
        }
    }
    let Ok(filter) = std::env::var("SIM_LOG") else {
        return;
    };
    *CLOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(clock.clone());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_timer(VirtualTime)
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs `script` and returns what happened.
pub async fn run(script: &[Event], setup: Setup) -> History {
    let start = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap();
    let clock = Arc::new(TestClock::new(start));
    log_to_stderr(&clock);
    let service = service::start(setup.service, clock.clone(), start).await;
    let keychain = Arc::new(Keychain::default());
    keychain.set(service.first_token());
    let mut sim = Sim {
        setup,
        service,
        dir: data_dir(),
        screen: Arc::new(Screen {
            recorder: Recorder::default(),
            clock: clock.clone(),
            epoch: AtomicU32::new(0),
            log: Mutex::new(Vec::new()),
            view: Mutex::new(None),
            outage: Mutex::new(None),
            servers: tokio::sync::watch::Sender::new(0),
        }),
        clock,
        keychain,
        engine: None,
        history: History::default(),
        current: BTreeMap::new(),
        assigned_at: BTreeMap::new(),
        silenced: BTreeSet::new(),
        flood: Vec::new(),
        outage: None,
        auth_failed_since: None,
        screen_out_since: None,
        pause: None,
        outstanding: Vec::new(),
        log_read: 0,
        last_poll: None,
        looked_at: BTreeSet::new(),
        answered_since_look: BTreeSet::new(),
        service_of: BTreeMap::new(),
        muted: [None; 2],
    };
    sim.history.begin = Some(start);
    sim.start().await;
    for event in script {
        sim.history.trace.push((sim.now(), event.to_string()));
        sim.play(*event).await;
        sim.observe();
    }
    sim.settle().await;
    sim.finish().await
}

impl Sim {
    fn now(&self) -> Time {
        self.clock.now()
    }

    fn engine(&self) -> &Engine {
        self.engine.as_ref().expect("engine running")
    }

    async fn start(&mut self) {
        let config = Config {
            notifications: self.setup.settings.clone(),
            alarm: Default::default(),
            report: Default::default(),
            accounts: vec![AccountConfig {
                poll_interval: self.setup.poll_interval,
                shift_reminder: self.setup.shift_reminder,
                ..self.service.account()
            }],
        };
        let engine = Engine::start(EngineOptions {
            config,
            dirs: Dirs {
                config_dir: self.dir.path().join("config"),
                data_dir: self.dir.path().join("data"),
            },
            clock: self.clock.clone(),
            credentials: self.keychain.clone(),
            notifier: self.screen.clone(),
        })
        .await
        .expect("engine starts");
        *self.screen.view.lock().unwrap() = Some(engine.view());
        self.engine = Some(engine);
    }

    async fn stop(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown().await;
        }
        *self.screen.view.lock().unwrap() = None;
    }

    fn window(&mut self, block: Block, from: Time, to: Time) {
        if to > from {
            self.history.windows.push(Window { block, from, to });
        }
    }

    async fn play(&mut self, event: Event) {
        let now = self.now();
        match event {
            Event::Wait { secs } => self.wait(Duration::from_secs(secs)).await,
            Event::Sleep { secs } => {
                self.window(
                    Block::Asleep,
                    now,
                    now + chrono::Duration::seconds(secs as i64),
                );
                self.clock.jump(Duration::from_secs(secs));
            }
            Event::Trigger {
                urgency,
                mine,
                service,
            } => {
                let id = self.service.trigger(urgency, mine, service);
                self.service_of.insert(id.clone(), service);
                self.assigned_at.insert(id, mine.then_some(now));
            }
            Event::Mute { service, secs } => {
                self.end_mute(service);
                let until = now + chrono::Duration::seconds(secs as i64);
                let account = oncall_model::AccountId::new(ACCOUNT);
                let name = self.service.service_name(service);
                self.engine()
                    .mute(&account, &name, until)
                    .await
                    .expect("mute saved");
                self.muted[usize::from(service)] = Some((now, until));
            }
            Event::Unmute { service } => self.unmute(service).await,
            Event::AckElsewhere { pick, by_me } => {
                if let Some(id) = self.pick(pick, |i| i.status == Status::Triggered) {
                    self.service.acknowledge_elsewhere(&id, by_me);
                }
            }
            Event::ResolveElsewhere { pick } => {
                if let Some(id) = self.pick(pick, |_| true) {
                    self.service.resolve_elsewhere(&id);
                }
            }
            Event::AckTimeout { pick } => {
                let quiet = self.untouched_by_user();
                if let Some(id) = self.pick(pick, |i| i.retriggerable && quiet.contains(&i.id)) {
                    self.service.retrigger(&id);
                }
            }
            Event::ReassignToMe {
                pick,
                with_colleague,
            } => {
                let quiet = self.untouched_by_user();
                if let Some(id) = self.pick(pick, |i| !i.mine && quiet.contains(&i.id)) {
                    let to = if with_colleague {
                        Assign::MeAndColleague
                    } else {
                        Assign::Me
                    };
                    self.service.reassign(&id, to);
                    self.assigned_at.insert(id, Some(now));
                }
            }
            Event::ReassignAway { pick } => {
                if let Some(id) = self.pick(pick, |i| i.mine) {
                    self.service.reassign(&id, Assign::Colleague);
                    self.assigned_at.insert(id, None);
                }
            }
            Event::UrgencyChange { pick } => {
                if let Some(id) = self.pick(pick, |_| true) {
                    let urgency = match self.service.urgency(&id) {
                        Urgency::High => Urgency::Low,
                        _ => Urgency::High,
                    };
                    self.service.set_urgency(&id, urgency);
                }
            }
            Event::Flood { count } => {
                // Triggered and acknowledged in one step: no poll can see them triggered.
                for _ in 0..count {
                    let id = self.service.flood_one();
                    self.assigned_at.insert(id.clone(), Some(now));
                    self.flood.push(id);
                }
            }
            Event::FloodResolved => {
                for id in std::mem::take(&mut self.flood) {
                    if !self.service.is_resolved(&id) {
                        self.service.resolve_elsewhere(&id);
                    }
                }
            }
            Event::OutageStarts(outage) => {
                self.end_outage();
                let after = self.service.start_outage(outage);
                self.outage = Some((now, after));
            }
            Event::OutageEnds => self.end_outage(),
            Event::ScreenOut(outage) => {
                *self.screen.outage.lock().unwrap() = Some(outage);
                self.screen_out_since.get_or_insert(now);
            }
            Event::ScreenBack => self.screen_back(),
            Event::TokenRevoked => {
                if self.auth_failed_since.is_none() {
                    self.service.revoke_token();
                    self.auth_failed_since = Some(now);
                }
            }
            Event::TokenFixed => self.fix_token(),
            Event::Restart(restart) => self.restart(restart).await,
            Event::UserAck { pick } => {
                self.user_act(pick, ActionKind::Acknowledge, |v| {
                    v.incident.status == Status::Triggered
                })
                .await
            }
            Event::UserResolve { pick } => self.user_act(pick, ActionKind::Resolve, |_| true).await,
            Event::UserSnooze { pick, secs } => {
                self.user_act(pick, ActionKind::Snooze { seconds: secs }, |v| {
                    v.incident.status == Status::Acknowledged
                })
                .await
            }
            Event::Pause { secs } => {
                self.end_pause();
                let until = secs.map(|s| now + chrono::Duration::seconds(s as i64));
                let pause = match until {
                    Some(until) => Pause::Until(until),
                    None => Pause::UntilResumed,
                };
                self.engine().pause(pause).await.expect("pause saved");
                self.pause = Some((now, until));
            }
            Event::Resume => {
                if self.pause.is_some() {
                    self.engine().resume().await.expect("resume saved");
                    self.end_pause();
                }
            }
        }
    }

    /// An open incident of the service chosen by `pick` among those `eligible`.
    fn pick(&self, pick: u32, eligible: impl Fn(&Truth) -> bool) -> Option<String> {
        let candidates: Vec<String> = self
            .service
            .open_incidents()
            .into_iter()
            .filter(|i| eligible(i))
            .map(|i| i.id)
            .collect();
        (!candidates.is_empty()).then(|| candidates[pick as usize % candidates.len()].clone())
    }

    /// Incidents with no action of mine on its way. Script events that would start a new
    /// episode leave the others alone: whether my earlier press should silence an episode
    /// that began after it is a question the rules do not answer.
    fn untouched_by_user(&mut self) -> BTreeSet<String> {
        self.read_answers();
        let busy: BTreeSet<&String> = self.outstanding.iter().map(|(id, _)| id).collect();
        self.service
            .open_incidents()
            .into_iter()
            .map(|i| i.id)
            .filter(|id| !busy.contains(id))
            .collect()
    }

    /// Virtual time passes. Where the service keeps no time of the changes my presses
    /// make (a silence that ends by itself leaves no trace on Grafana OnCall), its state
    /// is read every [`SNOOZE_LOOK`] while a snooze of mine is on its way: the shortest
    /// snooze lasts longer, so the driver sees it running, and with it its end.
    async fn wait(&mut self, span: Duration) {
        let mut left = span;
        if !self.setup.service.scope().exact_names {
            let step = SNOOZE_LOOK;
            let snoozing = |sim: &Self| sim.outstanding.iter().any(|(_, v)| *v == UserVerb::Snooze);
            while !left.is_zero() && snoozing(self) {
                let this = step.min(left);
                tokio::time::sleep(this).await;
                left -= this;
                self.observe();
            }
            if left.is_zero() {
                return;
            }
        }
        tokio::time::sleep(left).await;
    }

    /// Drops from `outstanding` the presses the service has answered for good, and
    /// notes when a poll was last answered.
    fn read_answers(&mut self) {
        let requests = self.service.requests_from(self.log_read);
        self.log_read += requests.len();
        for request in requests {
            let read = (200..300).contains(&request.status) && !request.faulted;
            if read && self.service.is_poll(&request) {
                self.last_poll = Some(self.now());
            }
            if !oracle::answered(request.status) {
                continue;
            }
            for item in self.service.action_items(&request) {
                if !request.faulted && matches!(item.1, UserVerb::Ack | UserVerb::Snooze) {
                    self.looked_at.insert(item.0.clone());
                    self.answered_since_look.insert(item.0.clone());
                }
                self.outstanding.retain(|o| *o != item);
            }
        }
    }

    async fn user_act(
        &mut self,
        pick: u32,
        kind: ActionKind,
        eligible: impl Fn(&oncall_engine::IncidentView) -> bool,
    ) {
        // The user acts on what the tray shows.
        let view = self.engine().view().borrow().clone();
        let mut candidates: Vec<String> = view
            .incidents
            .iter()
            .filter(|v| v.pending.is_none() && eligible(v))
            .map(|v| v.incident.key.id.clone())
            .collect();
        candidates.sort();
        if candidates.is_empty() {
            return;
        }
        let id = candidates[pick as usize % candidates.len()].clone();
        let verb = match kind {
            ActionKind::Acknowledge => UserVerb::Ack,
            ActionKind::Resolve => UserVerb::Resolve,
            _ => UserVerb::Snooze,
        };
        let now = self.now();
        self.observe();
        if matches!(verb, UserVerb::Ack | UserVerb::Resolve) {
            if let Some(index) = self.current.remove(&id) {
                let episode = &mut self.history.episodes[index];
                episode.end = Some(now);
                episode.ended_by = "my press";
                self.silenced.insert((
                    id.clone(),
                    episode.status_changed_at,
                    episode.assigned_to_me_at,
                ));
            }
        }
        self.outstanding.push((id.clone(), verb));
        self.history.actions.push(UserAction {
            at: now,
            incident: id.clone(),
            verb,
            log_position: self.service.request_count(),
        });
        self.engine()
            .act(&[IncidentKey::new(ACCOUNT, &id)], kind)
            .await
            .expect("the action is queued");
    }

    fn end_outage(&mut self) {
        if let Some((from, after)) = self.outage.take() {
            self.service.clear_faults();
            let now = self.now();
            self.window(
                Block::Outage,
                from,
                now + chrono::Duration::from_std(after).unwrap(),
            );
        }
    }

    fn screen_back(&mut self) {
        if let Some(from) = self.screen_out_since.take() {
            let outage = self.screen.outage.lock().unwrap().take();
            if outage == Some(ScreenOutage::Absent) {
                self.screen.servers.send_modify(|n| *n += 1);
            }
            let now = self.now();
            self.window(
                Block::NoScreen,
                from,
                now + chrono::Duration::from_std(SCREEN_HEAL).unwrap(),
            );
        }
    }

    fn fix_token(&mut self) {
        if let Some(from) = self.auth_failed_since.take() {
            self.keychain.set(&self.service.new_token());
            let now = self.now();
            self.window(Block::Auth, from, now);
            if let Some(engine) = &self.engine {
                engine.credential_changed(&oncall_model::AccountId::new(ACCOUNT));
            }
        }
    }

    /// Lifts `service`'s mute, if it has one still running.
    async fn unmute(&mut self, service: u8) {
        if self.muted[usize::from(service)].is_some_and(|(_, until)| until > self.now()) {
            let account = oncall_model::AccountId::new(ACCOUNT);
            let name = self.service.service_name(service);
            self.engine()
                .unmute(&account, &name)
                .await
                .expect("unmute saved");
        }
        self.end_mute(service);
    }

    /// Writes down `service`'s mute as over now (or at its own end, if that came first).
    fn end_mute(&mut self, service: u8) {
        if let Some((from, until)) = self.muted[usize::from(service)].take() {
            let to = until.min(self.now());
            if to > from {
                self.history.mutes.push(MuteSpan { service, from, to });
            }
        }
    }

    fn end_pause(&mut self) {
        if let Some((from, until)) = self.pause.take() {
            let now = self.now();
            let to = until.map_or(now, |u| u.min(now));
            self.window(Block::Paused, from, to);
        }
    }

    async fn restart(&mut self, restart: Restart) {
        self.stop().await;
        match restart {
            Restart::Clean => {}
            Restart::Down { secs } => {
                let now = self.now();
                self.window(
                    Block::Down,
                    now,
                    now + chrono::Duration::seconds(secs as i64),
                );
                tokio::time::sleep(Duration::from_secs(secs)).await;
            }
            Restart::CorruptState { keep_permille } => {
                let path = self.dir.path().join("data").join("state.json");
                if let Ok(bytes) = std::fs::read(&path) {
                    let keep = bytes.len() * keep_permille as usize / 1000;
                    std::fs::write(&path, &bytes[..keep.min(bytes.len().saturating_sub(1))])
                        .unwrap();
                    // The pause lived in the lost file.
                    self.end_pause();
                    self.history.memory_losses.push(self.now());
                    self.screen.epoch.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        self.start().await;
    }

    /// Reads the service's truth and updates the episodes that need me.
    fn observe(&mut self) {
        let now = self.now();
        self.read_answers();
        // An acknowledgement or resolve of mine still on its way covers the incident: the
        // engine shows it handled, and an episode the service starts meanwhile by itself
        // (a snooze ending) is one the user has already dealt with.
        let pressed: BTreeSet<String> = self
            .outstanding
            .iter()
            .filter(|(_, verb)| matches!(verb, UserVerb::Ack | UserVerb::Resolve))
            .map(|(id, _)| id.clone())
            .collect();
        let open = self.service.open_incidents();
        let exact_names = self.setup.service.scope().exact_names;
        let mut seen = BTreeSet::new();
        for incident in &open {
            seen.insert(incident.id.clone());
            let assigned = self
                .assigned_at
                .get(&incident.id)
                .copied()
                .flatten()
                .map(seconds);
            let status_changed_at = seconds(incident.status_changed_at);
            let mine = incident.mine;
            if incident.status != Status::Triggered || !mine {
                // The service has left the episode my press ended (my acknowledgement
                // took effect, or someone else's, or it went to a colleague): whatever
                // triggers next is a new episode, which must ring, even when its name
                // (status change and assignment, to the whole second, as the service
                // gives them) is the same as that of the episode my press ended.
                self.silenced.retain(|(id, _, _)| *id != incident.id);
            }
            let needs = match (incident.status, mine, assigned) {
                (Status::Triggered, true, Some(at)) => {
                    !pressed.contains(&incident.id)
                        && !self
                            .silenced
                            .contains(&(incident.id.clone(), status_changed_at, at))
                }
                _ => false,
            };
            let current = self.current.get(&incident.id).copied();
            match (needs, current) {
                (true, Some(index))
                    if self.history.episodes[index].status_changed_at == status_changed_at
                        && Some(self.history.episodes[index].assigned_to_me_at) == assigned =>
                {
                    let episode = &mut self.history.episodes[index];
                    if episode.urgency.last().unwrap().1 != incident.urgency {
                        episode.urgency.push((now, incident.urgency));
                    }
                }
                (true, None) if self.unseen_gap(&incident.id) => {
                    // Acknowledged elsewhere and taken back before any poll could see
                    // it, on a service that keeps no trace of it: nothing tells the two
                    // apart, so for the engine (and the oracle) it is one.
                    let index = self.history.episodes.len()
                        - 1
                        - self
                            .history
                            .episodes
                            .iter()
                            .rev()
                            .position(|e| e.incident == incident.id)
                            .unwrap();
                    let episode = &mut self.history.episodes[index];
                    episode.end = None;
                    episode.ended_by = "";
                    // Named after the re-trigger from now on (the names of a service
                    // like this one are the driver's own, and match nothing).
                    episode.status_changed_at = status_changed_at;
                    self.current.insert(incident.id.clone(), index);
                }
                (true, _) => {
                    if let Some(index) = current {
                        self.history.episodes[index].end = Some(now);
                        self.history.episodes[index].ended_by = "a new episode";
                    }
                    let assigned = assigned.unwrap();
                    let start = incident
                        .status_changed_at
                        .max(self.assigned_at[&incident.id].unwrap());
                    self.history.episodes.push(Episode {
                        incident: incident.id.clone(),
                        status_changed_at,
                        assigned_to_me_at: assigned,
                        start,
                        end: None,
                        ended_by: "",
                        urgency: vec![(start, incident.urgency)],
                        service: self.service_of.get(&incident.id).copied().unwrap_or(0),
                    });
                    self.current
                        .insert(incident.id.clone(), self.history.episodes.len() - 1);
                }
                (false, Some(index)) => {
                    // Where the service's truth has its exact time, the episode ended
                    // when the service changed (a snooze of mine that landed between two
                    // looks ended it then); PagerDuty's whole-second times are names,
                    // and there the look dates it.
                    let changed = incident.status_changed_at;
                    let end = if !exact_names && incident.status != Status::Triggered {
                        changed.max(self.history.episodes[index].start).min(now)
                    } else {
                        now
                    };
                    self.history.episodes[index].end = Some(end);
                    if incident.status == Status::Acknowledged
                        && !self.answered_since_look.contains(&incident.id)
                    {
                        self.looked_at.remove(&incident.id);
                    }
                    self.history.episodes[index].ended_by = match (incident.status, mine) {
                        (Status::Acknowledged, _) => "acknowledged",
                        (_, false) => "reassigned away",
                        _ => "my earlier press",
                    };
                    self.current.remove(&incident.id);
                }
                (false, None) => {}
            }
        }
        let gone: Vec<String> = self
            .current
            .keys()
            .filter(|id| !seen.contains(*id))
            .cloned()
            .collect();
        for id in gone {
            let index = self.current.remove(&id).unwrap();
            self.history.episodes[index].end = Some(now);
            self.history.episodes[index].ended_by = "resolved";
        }
        self.answered_since_look.clear();
    }

    /// Whether `id`'s last episode was ended by someone else's acknowledgement that no
    /// poll (nor an answer to my own press on it) has shown since, on a service that keeps no trace of it once it is
    /// taken back (`Scope::ack_times_kept`; PagerDuty and JSM keep one).
    fn unseen_gap(&self, id: &str) -> bool {
        if self.setup.service.scope().ack_times_kept {
            return false;
        }
        let Some(last) = self
            .history
            .episodes
            .iter()
            .rev()
            .find(|e| e.incident == id)
        else {
            return false;
        };
        last.ended_by == "acknowledged"
            && !self.looked_at.contains(id)
            && last
                .end
                .is_some_and(|end| self.last_poll.is_none_or(|poll| poll <= end))
    }

    /// Everything heals and the engine gets time to catch up, so that every page and
    /// action still owed has come due before the run is judged.
    async fn settle(&mut self) {
        self.end_outage();
        self.screen_back();
        self.fix_token();
        if self.pause.is_some() {
            self.engine().resume().await.expect("resume saved");
            self.end_pause();
        }
        for service in 0..2 {
            self.unmute(service).await;
        }
        let step = Duration::from_secs(5);
        let mut waited = Duration::ZERO;
        while waited < SETTLE {
            tokio::time::sleep(step).await;
            waited += step;
            self.observe();
        }
    }

    async fn finish(mut self) -> History {
        let end = self.now();
        self.history.end = Some(end);
        let begin = self.history.begin.expect("the run began");
        self.history.shifts = self.service.my_shifts(
            begin,
            begin - chrono::Duration::days(1),
            end + chrono::Duration::days(1),
        );
        self.stop().await;
        self.history.screen = std::mem::take(&mut *self.screen.log.lock().unwrap());
        self.history.requests = self.service.requests_from(0);
        self.history.sent = self
            .history
            .requests
            .iter()
            .enumerate()
            .flat_map(|(position, request)| {
                let asked = self
                    .service
                    .action_items(request)
                    .into_iter()
                    .map(|a| (a, false));
                let done = self
                    .service
                    .carried_out(request)
                    .into_iter()
                    .map(|a| (a, true));
                asked
                    .chain(done)
                    .map(move |((incident, verb), carried_out)| Sent {
                        position,
                        incident,
                        verb,
                        status: request.status,
                        carried_out,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        self.history
    }
}

/// A time as the service's JSON carries it (whole seconds), which is how episodes are
/// named in the notifications the engine hands over.
fn seconds(t: Time) -> Time {
    use chrono::Timelike;
    t.with_nanosecond(0).unwrap()
}

/// A throwaway data directory, in memory where the system has one: the engine fsyncs
/// its state after every poll, and a disk's fsync would make the run wait on real time.
fn data_dir() -> TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = TempDir::new_in(shm) {
            return dir;
        }
    }
    TempDir::new().unwrap()
}

//! The tray's side: starts the window process on demand and feeds it views.
//!
//! Until the window is in, its loopback listener is open to every local process (of any
//! user), so a connection gets little before it presents the token: one short line, a
//! few seconds, and a place among a bounded number served at once, where a new
//! connection pushes out the one that has waited longest. The window presents its
//! token as soon as it connects, so connections held open, or many of them, cannot
//! keep it out, and the tray's memory and descriptors stay bounded. Once the window
//! is in the listener closes; every later line is capped too, and the window's
//! requests are performed a bounded number at a time.

use std::collections::VecDeque;
use std::fmt;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use oncall_engine::{ActionResult, EngineEvent};
use oncall_model::{AccountId, IncidentKey};
use subtle::ConstantTimeEq as _;
use tokio::io::{AsyncRead, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::{broadcast, mpsc, Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::task::{AbortHandle, JoinSet};
use tokio_util::codec::{FramedRead, LinesCodec};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::ipc::{self, Call, Ended, FromWindow, ToWindow};
use crate::report;
use crate::requests::{self, UserRequest};
use crate::shell::Shell;

/// How long a starting window process may take to connect back.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// What a connection that has not presented the token may cost the tray.
#[derive(Clone, Copy, Debug)]
struct HandshakeLimits {
    /// The longest token line.
    max_bytes: usize,
    /// From accept to the end of the token line, however the bytes trickle in.
    time: Duration,
    /// Connections served at once before their token line; one more pushes out the
    /// one that has waited longest.
    max_pending: usize,
}

const HANDSHAKE: HandshakeLimits = HandshakeLimits {
    max_bytes: ipc::MAX_TOKEN_LINE,
    // The window writes its token right after connecting; this is for a loaded machine.
    time: Duration::from_secs(5),
    max_pending: 32,
};

/// The window's requests performed at once; more wait, unread, for a free slot. Saving
/// settings, acting (each an fsync) and reconfiguring are what a compromised page could
/// storm. The page itself has a handful in flight at most (a settings call or two and
/// the actions of a quick hand), so eight leave a person working at full speed, and
/// waiting, unlike refusing, never turns a burst of real clicks into errors.
const MAX_IN_FLIGHT: usize = 8;

/// After a failed accept (no descriptor free, say): the pause before the next.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// What the window opens on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Show {
    /// One of `ipc::TABS`.
    Tab(&'static str),
    /// An incident's details.
    Incident(IncidentKey),
}

/// The running window process, if any.
#[derive(Default)]
pub struct WindowHost {
    running: Mutex<Option<Running>>,
}

struct Running {
    /// Set by the task that waits for the process (and so reaps it) when it exits.
    exited: Arc<AtomicBool>,
    /// Ends the process (app quit).
    kill: CancellationToken,
    to_window: mpsc::Sender<ToWindow>,
}

impl WindowHost {
    /// Shows the window: brings the running one forward, or starts one; on `show`
    /// when asked.
    pub async fn open(&self, shell: &Arc<Shell>, show: Option<Show>) {
        let mut running = self.running.lock().await;
        if let Some(window) = running.as_ref() {
            if !window.exited.load(Ordering::SeqCst)
                && window.to_window.send(ToWindow::Focus).await.is_ok()
            {
                let show = match show {
                    Some(Show::Tab(tab)) => Some(ToWindow::ShowTab { tab: tab.into() }),
                    Some(Show::Incident(incident)) => Some(ToWindow::ShowIncident { incident }),
                    None => None,
                };
                if let Some(show) = show {
                    let _ = window.to_window.send(show).await;
                }
                return;
            }
        }
        match start(shell, show).await {
            Ok(window) => *running = Some(window),
            Err(e) => warn!("could not open the window: {e:#}"),
        }
    }

    /// Ends the window process with the app.
    pub async fn close(&self) {
        if let Some(window) = self.running.lock().await.take() {
            window.kill.cancel();
        }
    }
}

/// The window's executable: `oncall-tray-window` beside this one (the packages install
/// both in one folder, and cargo builds both into one).
fn window_executable() -> anyhow::Result<std::path::PathBuf> {
    let exe = std::env::current_exe().context("cannot find the app's own executable")?;
    let name = format!("oncall-tray-window{}", std::env::consts::EXE_SUFFIX);
    let window = exe.with_file_name(name);
    if !window.is_file() {
        anyhow::bail!(
            "the window's program is missing: {} (reinstall oncall-tray)",
            window.display()
        );
    }
    Ok(window)
}

/// WebKitGTK's switch for accelerated compositing, set for the window process.
const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

async fn start(shell: &Arc<Shell>, show: Option<Show>) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let token = ipc::new_token();
    let address = listener.local_addr()?;
    let mut command = Command::new(window_executable()?);
    // GTK names the window's `WM_CLASS` and Wayland app id after the program name: the
    // app's, as the desktop entry's `StartupWMClass` says, so that desktops file the
    // window under the entry (and its icon), not under an executable of its own.
    #[cfg(unix)]
    command.arg0("oncall-tray");
    command
        .env(ipc::ENV, format!("{address} {token}"))
        // Into the app's log (`logging::relay`): the window's own lines, and what
        // WebKitGTK and GTK print there.
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // WebKitGTK's accelerated compositing costs the web process about 75 MiB PSS
    // (BENCHMARKS.md: 308 → 233 MiB for the open window in all); the window is a plain
    // list that uses no 3D transforms, video or WebGL. A value the user set wins.
    if std::env::var_os(NO_COMPOSITING).is_none() {
        command.env(NO_COMPOSITING, "1");
    }
    match show {
        Some(Show::Tab(tab)) => {
            command.env(ipc::TAB_ENV, tab);
        }
        Some(Show::Incident(incident)) => {
            command.env(ipc::INCIDENT_ENV, incident.to_string());
        }
        None => {}
    }
    let mut child = command.spawn().context("cannot start the window process")?;
    if let Some(stderr) = child.stderr.take() {
        // Ends when the window process and WebKit's, which share the pipe, are gone.
        shell.spawn(crate::logging::relay(
            BufReader::new(stderr),
            shell.cancel.clone(),
        ));
    }
    let connection = tokio::time::timeout(
        CONNECT_TIMEOUT,
        wait_for_window(listener, token.into(), HANDSHAKE),
    )
    .await
    .context("the window process did not connect")?;
    let (to_window, from_tray) = mpsc::channel(8);
    shell.spawn(serve(connection, shell.clone(), from_tray));
    let exited = Arc::new(AtomicBool::new(false));
    let kill = CancellationToken::new();
    shell.spawn(reap(child, exited.clone(), kill.clone()));
    Ok(Running {
        exited,
        kill,
        to_window,
    })
}

/// Waits for the window process to end (reaping it), or ends it when told to.
async fn reap(mut child: Child, exited: Arc<AtomicBool>, kill: CancellationToken) {
    tokio::select! {
        _ = child.wait() => {}
        _ = kill.cancelled() => {
            let _ = child.kill().await;
        }
    }
    exited.store(true, Ordering::SeqCst);
}

/// The window's connection, once it has presented the token.
struct Connection {
    /// Its lines, holding whatever it sent after the token line already.
    lines: FramedRead<OwnedReadHalf, LinesCodec>,
    write: OwnedWriteHalf,
}

/// Why a connection was not taken for the window's.
#[derive(Debug)]
enum Refused {
    WrongToken,
    TooSlow,
    Ended(Ended),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::WrongToken => f.write_str("it presented a wrong token"),
            Refused::TooSlow => f.write_str("it did not present a token in time"),
            Refused::Ended(ended) => write!(f, "before its token, {ended}"),
        }
    }
}

/// Serves connections on `listener` until one presents `token`, and returns that one.
/// The listener closes with the return, so nothing else can connect; the connections
/// still being served are dropped with it.
async fn wait_for_window(
    listener: TcpListener,
    token: Arc<str>,
    limits: HandshakeLimits,
) -> Connection {
    // Each handshake in its own task, so one connection's silence never holds up
    // another's; the set owns them and aborts any left when this returns or is dropped.
    let mut pending = JoinSet::new();
    // The handshakes not yet finished, oldest first.
    let mut waiting: VecDeque<AbortHandle> = VecDeque::new();
    loop {
        tokio::select! {
            // A finished handshake first: the window, once it has presented the token,
            // never waits behind new connections.
            biased;
            Some(finished) = pending.join_next_with_id() => {
                let id = match &finished {
                    Ok((id, _)) => *id,
                    Err(aborted) => aborted.id(),
                };
                waiting.retain(|handshake| handshake.id() != id);
                match finished {
                    Ok((_, Ok(window))) => return window,
                    Ok((_, Err(refused))) => debug!("refused a window connection: {refused}"),
                    Err(_) => debug!("dropped the longest-waiting window connection to make room"),
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    if waiting.len() >= limits.max_pending {
                        if let Some(oldest) = waiting.pop_front() {
                            oldest.abort();
                        }
                    }
                    waiting.push_back(pending.spawn(handshake(stream, token.clone(), limits)));
                    // Let the runtime look at the sockets before the next accept: the new
                    // connection's token, already sent, is then read before a stream of
                    // further connections can push it out.
                    tokio::task::yield_now().await;
                }
                Err(e) => {
                    debug!("accepting a window connection failed: {e}");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                }
            },
        }
    }
}

/// Reads a connection's first line within `limits` and takes the connection if it is
/// the token.
async fn handshake(
    stream: TcpStream,
    token: Arc<str>,
    limits: HandshakeLimits,
) -> Result<Connection, Refused> {
    let (read, write) = stream.into_split();
    let mut lines = ipc::lines(read, limits.max_bytes);
    let line = tokio::time::timeout(limits.time, ipc::next_line(&mut lines))
        .await
        .map_err(|_| Refused::TooSlow)?
        .map_err(Refused::Ended)?;
    // In constant time: how long a wrong guess took must not tell how much of it was
    // right, or the token could be found a digit at a time.
    if bool::from(line.as_bytes().ct_eq(token.as_bytes())) {
        Ok(Connection { lines, write })
    } else {
        Err(Refused::WrongToken)
    }
}

/// Sends the current view, then every change and focus request, and performs the
/// window's requests, until the window process closes the connection (its window was
/// closed), sends what the protocol does not allow, or the app stops.
async fn serve(connection: Connection, shell: Arc<Shell>, requests: mpsc::Receiver<ToWindow>) {
    let Connection { lines, write } = connection;
    let lines = lines.map_decoder(|_| LinesCodec::new_with_max_length(ipc::MAX_REQUEST));
    // Messages from the tasks this connection spawned: failures of the actions the
    // window asked for, answers to its calls, fresh settings.
    let (outgoing_tx, outgoing) = mpsc::channel(8);
    let reading = read_requests(lines, MAX_IN_FLIGHT, |request, slot| {
        perform(&shell, request, slot, outgoing_tx.clone());
    });
    let writing = write_to_window(write, &shell, requests, outgoing, &outgoing_tx);
    tokio::select! {
        _ = shell.cancel.cancelled() => {}
        () = writing => {}
        ended = reading => match ended {
            Ended::Closed => {}
            Ended::LineTooLong { .. } => warn!("closed the window's connection: {ended}"),
            Ended::Failed(_) => debug!("the window's connection ended: {ended}"),
        },
    }
}

/// Reads the window's requests and hands each to `perform` with one of
/// `max_in_flight` slots, which the request holds until it is done. With every slot
/// taken the next request is not read: the window waits, its connection's buffers
/// filling, rather than being refused.
async fn read_requests<R: AsyncRead + Unpin>(
    mut lines: FramedRead<R, LinesCodec>,
    max_in_flight: usize,
    mut perform: impl FnMut(FromWindow, OwnedSemaphorePermit),
) -> Ended {
    let slots = Arc::new(Semaphore::new(max_in_flight));
    loop {
        let slot = slots
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        // Wiped once read: the line of a `set_token` request carries the token (which
        // then lives only in the request's `SecretString`).
        let line = match ipc::next_line(&mut lines).await {
            Ok(line) => zeroize::Zeroizing::new(line),
            Err(ended) => return ended,
        };
        match serde_json::from_str::<FromWindow>(&line) {
            Ok(request) => perform(request, slot),
            // Not serde's message: it may quote the line, and a line can carry a token.
            Err(_) => warn!("unreadable request from the window"),
        }
    }
}

/// Writes the current view, then every change, the tray's own messages (`requests`)
/// and those of the tasks serving the window (`outgoing`), until the window stops
/// reading or a channel closes.
async fn write_to_window(
    mut write: OwnedWriteHalf,
    shell: &Arc<Shell>,
    mut requests: mpsc::Receiver<ToWindow>,
    mut outgoing: mpsc::Receiver<ToWindow>,
    outgoing_tx: &mpsc::Sender<ToWindow>,
) {
    let mut views = shell.engine.view();
    let mut events = shell.engine.events();
    let mut settings_changed = shell.settings.subscribe();
    settings_changed.mark_unchanged();
    let mut message = Some(ToWindow::View(Box::new(views.borrow_and_update().clone())));
    loop {
        if let Some(m) = message.take() {
            let mut line = serde_json::to_string(&m).expect("views serialize");
            line.push('\n');
            if write.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
        message = tokio::select! {
            changed = views.changed() => match changed {
                Ok(()) => Some(ToWindow::View(Box::new(views.borrow_and_update().clone()))),
                Err(_) => return,
            },
            request = requests.recv() => match request {
                Some(r) => Some(r),
                None => return,
            },
            Some(m) = outgoing.recv() => Some(m),
            changed = settings_changed.changed() => {
                if changed.is_err() {
                    return;
                }
                push_settings(shell, outgoing_tx.clone());
                None
            }
            event = events.recv() => match event {
                // The service refused an action for good: the row falls back to what
                // the service says, and the window says why.
                Ok(EngineEvent::ActionFinished {
                    incident,
                    kind,
                    result: ActionResult::Failed { reason },
                    ..
                }) => Some(ToWindow::ActionFailed {
                    incidents: vec![incident],
                    reason: format!("could not {}: {reason}", kind.verb()),
                }),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => None,
                Err(broadcast::error::RecvError::Closed) => return,
            },
        };
    }
}

/// Performs a window request. The engine call runs in its own task so the connection
/// keeps reading and writing meanwhile; a refusal goes back to the window as a message.
/// The task holds the request's `slot` until its answer is handed to the writer too: a
/// window that stops reading its answers then stops having requests read.
fn perform(
    shell: &Arc<Shell>,
    request: FromWindow,
    slot: OwnedSemaphorePermit,
    outgoing: mpsc::Sender<ToWindow>,
) {
    let performing = shell.clone();
    let (request, incidents) = match request {
        FromWindow::Call { id, call } => {
            shell.spawn(async move {
                let result = answer(&performing, *call).await;
                let _ = outgoing.send(ToWindow::Reply { id, result }).await;
                drop(slot);
            });
            return;
        }
        FromWindow::Open { incident } => {
            (UserRequest::OpenIncident(incident.clone()), vec![incident])
        }
        FromWindow::Act { incidents, kind } => (
            UserRequest::Act {
                incidents: incidents.clone(),
                kind,
            },
            incidents,
        ),
    };
    shell.spawn(async move {
        if let Err(e) = requests::perform(&performing.engine, request).await {
            warn!("window action failed: {e}");
            let failed = ToWindow::ActionFailed {
                incidents,
                reason: e.to_string(),
            };
            let _ = outgoing.send(failed).await;
        }
        drop(slot);
    });
}

/// Sends the current settings to the window (they changed).
fn push_settings(shell: &Arc<Shell>, outgoing: mpsc::Sender<ToWindow>) {
    let reading = shell.clone();
    shell.spawn(async move {
        let autostart = reading.autostart();
        let settings = reading
            .settings
            .get(&reading.engine, autostart.as_ref())
            .await;
        match serde_json::to_value(settings) {
            Ok(value) => {
                let _ = outgoing.send(ToWindow::Settings(value)).await;
            }
            Err(e) => warn!("settings do not serialize: {e}"),
        }
    });
}

/// Performs one of the window's calls with the tray's engine and settings.
async fn answer(shell: &Arc<Shell>, call: Call) -> Result<serde_json::Value, String> {
    let engine = &shell.engine;
    let settings = &shell.settings;
    let autostart = shell.autostart();
    let autostart = autostart.as_ref();
    let json = |v: Result<serde_json::Value, serde_json::Error>| v.map_err(|e| e.to_string());
    match call {
        Call::GetSettings => json(serde_json::to_value(settings.get(engine, autostart).await)),
        Call::SaveAccount { original, draft } => json(serde_json::to_value(
            settings
                .save_account(engine, autostart, original, *draft)
                .await,
        )),
        Call::RemoveAccount { name } => json(serde_json::to_value(
            settings.remove_account(engine, autostart, name).await,
        )),
        Call::SetToken { account, token } => json(serde_json::to_value(
            settings.set_token(engine, &account, token.0).await,
        )),
        Call::TestConnection { account } => json(serde_json::to_value(
            settings.test_connection(&account).await,
        )),
        Call::TestAlarm { urgency } => {
            json(serde_json::to_value(settings.test_alarm(urgency).await))
        }
        Call::SaveNotifications { draft } => json(serde_json::to_value(
            settings.save_notifications(engine, autostart, draft).await,
        )),
        Call::SaveReport { draft } => json(serde_json::to_value(
            settings.save_report(engine, autostart, draft).await,
        )),
        Call::SetAutostart { enabled } => json(serde_json::to_value(
            settings.set_autostart(engine, autostart, enabled).await,
        )),
        Call::MigrateAccount {
            account,
            site,
            email,
            api_url,
            token,
        } => {
            let to = crate::settings::migrate::MoveTo {
                site,
                email,
                api_url,
            };
            json(serde_json::to_value(
                settings
                    .migrate_account(engine, autostart, &account, to, token.0)
                    .await,
            ))
        }
        Call::DismissNotice { id } => json(serde_json::to_value(
            settings.dismiss_notice(engine, autostart, &id).await,
        )),
        Call::Pause { minutes } => request(engine, UserRequest::Pause { minutes }).await,
        Call::Resume => request(engine, UserRequest::Resume).await,
        Call::GetHistory => json(serde_json::to_value(engine.history().await)),
        Call::OpenLogFolder => crate::logging::open_log_folder().map(|()| serde_json::Value::Null),
        Call::GetReport { days } => {
            let report = report_of(engine, settings, days).await?;
            json(serde_json::to_value(report::ReportDto::new(days, report)))
        }
        Call::ExportReportCsv { days } => {
            let report = report_of(engine, settings, days).await?;
            let exported = report::export_csv(&report, engine.now())?;
            json(serde_json::to_value(exported))
        }
        Call::OpenReportFolder => report::open_export_folder().map(|()| serde_json::Value::Null),
        Call::CoverShift { account, request } => {
            let created = engine
                .cover(&AccountId::new(account), request)
                .await
                .map_err(|e| e.to_string())?;
            json(serde_json::to_value(created))
        }
        Call::IncidentDetails { incident } => {
            let details = engine.details(&incident).await.map_err(|e| e.to_string())?;
            json(serde_json::to_value(details))
        }
        Call::FindAssignees {
            account,
            query,
            kinds,
        } => {
            let found = engine
                .find_assignees(&AccountId::new(account), &query, &kinds)
                .await
                .map_err(|e| e.to_string())?;
            json(serde_json::to_value(found))
        }
        Call::MuteService {
            account,
            service,
            minutes,
        } => {
            let request = UserRequest::Mute {
                account: AccountId::new(account),
                service,
                minutes,
            };
            self::request(engine, request).await
        }
        Call::UnmuteService { account, service } => {
            let request = UserRequest::Unmute {
                account: AccountId::new(account),
                service,
            };
            self::request(engine, request).await
        }
    }
}

/// The on-call report of the last `days` days, from the engine's history and clock.
async fn report_of(
    engine: &oncall_engine::Engine,
    settings: &crate::settings::SettingsStore,
    days: u32,
) -> Result<oncall_report::Report, String> {
    let period = report::period(engine.now(), days)?;
    // A config that no longer loads leaves the report on the default hours; Settings
    // says what is wrong with the file.
    let config = oncall_store::Config::load(&settings.config_file()).unwrap_or_default();
    let entries = engine.history_since(period.start()).await;
    Ok(report::build(&entries, &period, &report::settings(&config)))
}

/// A call that is a [`UserRequest`]: answered with null once done.
async fn request(
    engine: &oncall_engine::Engine,
    request: UserRequest,
) -> Result<serde_json::Value, String> {
    requests::perform(engine, request)
        .await
        .map(|()| serde_json::Value::Null)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::atomic::AtomicUsize;

    use oncall_model::{ActionKind, IncidentKey};
    use tokio::io::AsyncReadExt as _;
    use tokio::task::JoinHandle;

    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    /// Long enough that only a hang reaches it.
    const HANG: Duration = Duration::from_secs(30);

    /// The production limits, except that no connection times out: only the limit a
    /// test is about can end a connection.
    const PATIENT: HandshakeLimits = HandshakeLimits {
        time: Duration::from_secs(3600),
        ..HANDSHAKE
    };

    /// The tray's listener, waiting for the window in a task the test owns.
    struct Listening {
        address: SocketAddr,
        task: JoinHandle<Connection>,
    }

    impl Listening {
        async fn start(limits: HandshakeLimits) -> Listening {
            let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
            let address = listener.local_addr().unwrap();
            let task = tokio::spawn(wait_for_window(listener, TOKEN.into(), limits));
            Listening { address, task }
        }

        async fn connect(&self) -> TcpStream {
            TcpStream::connect(self.address).await.unwrap()
        }

        /// Connects as the window process does: the token line at once.
        async fn window(&self) -> TcpStream {
            let mut window = self.connect().await;
            window
                .write_all(format!("{TOKEN}\n").as_bytes())
                .await
                .unwrap();
            window
        }

        /// The connection taken for the window's, checked to be `window`'s.
        async fn took(&mut self, window: &TcpStream) -> Connection {
            let connection = tokio::time::timeout(HANG, &mut self.task)
                .await
                .expect("the window was not let in")
                .unwrap();
            assert_eq!(
                connection.write.peer_addr().unwrap(),
                window.local_addr().unwrap(),
                "another connection was taken for the window's"
            );
            connection
        }
    }

    impl Drop for Listening {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    /// Waits for the tray to close each of `streams` (end of stream, or a reset), all
    /// within one hang bound.
    async fn closed_by_tray(streams: &mut [TcpStream]) {
        let closed = streams.iter_mut().map(|stream| async move {
            let mut buf = [0; 64];
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    return;
                }
            }
        });
        tokio::time::timeout(HANG, futures_util::future::join_all(closed))
            .await
            .expect("the tray kept a connection open");
    }

    /// Regression: the handshake read one connection at a time for up to 5 s each, so
    /// a dozen connections queued before the window's kept it out past its 30 s.
    #[tokio::test]
    async fn connections_held_open_do_not_keep_the_window_out() {
        let mut tray = Listening::start(HANDSHAKE).await;
        let mut squatters = Vec::new();
        for _ in 0..6 {
            squatters.push(tray.connect().await);
            // Half a token, then nothing.
            let mut halfway = tray.connect().await;
            halfway.write_all(&TOKEN.as_bytes()[..16]).await.unwrap();
            squatters.push(halfway);
        }
        let window = tray.window().await;
        tray.took(&window).await;
    }

    /// However many connect, only `max_pending` are served at once: each new one past
    /// that drops the one that has waited longest, and the window, which speaks at
    /// once, still gets in. Then the listener is gone.
    #[tokio::test]
    async fn unauthenticated_connections_are_bounded_and_the_oldest_make_room() {
        let limits = HandshakeLimits {
            max_pending: 4,
            ..PATIENT
        };
        let mut tray = Listening::start(limits).await;
        let mut squatters = Vec::new();
        for _ in 0..16 {
            squatters.push(tray.connect().await);
        }
        closed_by_tray(&mut squatters[..12]).await;
        let window = tray.window().await;
        tray.took(&window).await;
        closed_by_tray(&mut squatters[12..]).await;
        let late = TcpStream::connect(tray.address).await;
        assert!(
            late.is_err(),
            "the listener still accepts once the window is in"
        );
    }

    /// Regression: the token line was read with no length cap, so a local process could
    /// make the tray (the pager) buffer until it was killed for memory.
    #[tokio::test]
    async fn a_connection_streaming_an_endless_line_is_cut_off() {
        let mut tray = Listening::start(PATIENT).await;
        let mut flood = tray.connect().await;
        let chunk = vec![b'0'; 64 * 1024];
        // Far more than the kernel buffers between the two ends can hold.
        let enough = 64 * 1024 * 1024;
        let mut sent = 0;
        let streaming = async {
            while sent < enough {
                if flood.write_all(&chunk).await.is_err() {
                    return;
                }
                sent += chunk.len();
            }
        };
        tokio::time::timeout(HANG, streaming)
            .await
            .expect("streaming hung");
        assert!(sent < enough, "the tray took {sent} bytes as a token line");
        let window = tray.window().await;
        tray.took(&window).await;
    }

    /// The cap is the token line's, not a buffer's: one byte over it and the
    /// connection is closed though its sender waits with the line unfinished (no time
    /// cap here to do it instead), a dozen such connections side by side.
    #[tokio::test]
    async fn token_lines_one_byte_over_the_cap_are_refused_at_once() {
        let tray = Listening::start(PATIENT).await;
        let mut long = Vec::new();
        for _ in 0..12 {
            let mut stream = tray.connect().await;
            stream
                .write_all(&[b'0'; ipc::MAX_TOKEN_LINE + 1])
                .await
                .unwrap();
            long.push(stream);
        }
        closed_by_tray(&mut long).await;
    }

    /// The time cap covers the whole token line: bytes trickling in do not extend it,
    /// and connections time out side by side, not one after another.
    #[tokio::test]
    async fn connections_that_trickle_are_dropped_after_the_time_cap() {
        let mut tray = Listening::start(HANDSHAKE).await;
        let mut tricklers = Vec::new();
        for _ in 0..12 {
            tricklers.push(tray.connect().await);
        }
        let trickle = |mut stream: TcpStream| async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            let mut buf = [0; 64];
            loop {
                tokio::select! {
                    read = stream.read(&mut buf) => if matches!(read, Ok(0) | Err(_)) {
                        return;
                    },
                    _ = tick.tick() => {
                        // One byte of the token line per tick: the byte cap would
                        // take two minutes, longer than the hang bound.
                        if stream.write_all(b"0").await.is_err() {
                            return;
                        }
                    }
                }
            }
        };
        let all_dropped = futures_util::future::join_all(tricklers.into_iter().map(trickle));
        tokio::time::timeout(HANG, all_dropped)
            .await
            .expect("a trickling connection was kept past the time cap");
        let window = tray.window().await;
        tray.took(&window).await;
    }

    /// Only the exact token lets a connection in; the others are closed.
    #[tokio::test]
    async fn a_wrong_token_is_refused() {
        let mut tray = Listening::start(PATIENT).await;
        let last_digit_wrong = format!("{}0", &TOKEN[..TOKEN.len() - 1]);
        let wrong = [
            last_digit_wrong.as_str(),
            &TOKEN[..TOKEN.len() - 1],
            &format!("{TOKEN}0"),
            &format!("{TOKEN} "),
            "",
        ]
        .map(|line| format!("{line}\n"));
        for line in wrong {
            let mut guess = tray.connect().await;
            guess.write_all(line.as_bytes()).await.unwrap();
            closed_by_tray(&mut [guess]).await;
        }
        let window = tray.window().await;
        tray.took(&window).await;
    }

    fn act_line(i: usize) -> String {
        let act = FromWindow::Act {
            incidents: vec![IncidentKey::new("work", format!("P{i}"))],
            kind: ActionKind::Acknowledge,
        };
        let mut line = serde_json::to_string(&act).unwrap();
        line.push('\n');
        line
    }

    fn incident_of(request: &FromWindow) -> String {
        match request {
            FromWindow::Act { incidents, .. } => incidents[0].id.clone(),
            other => panic!("{other:?}"),
        }
    }

    async fn loopback_pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let window = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (tray, _) = listener.accept().await.unwrap();
        (window, tray)
    }

    /// A request line over the cap ends the connection with its reason (which `serve`
    /// logs before dropping the connection); nothing is buffered past the cap and
    /// nothing after the line is performed.
    #[tokio::test]
    async fn a_request_line_over_the_cap_ends_the_connection() {
        let (mut window, tray) = loopback_pair().await;
        let mut sent = act_line(1);
        sent.push_str(&"x".repeat(ipc::MAX_REQUEST + 1));
        sent.push('\n');
        sent.push_str(&act_line(2));
        let mut performed = Vec::new();
        let reading = read_requests(
            ipc::lines(tray, ipc::MAX_REQUEST),
            MAX_IN_FLIGHT,
            |request, _| performed.push(incident_of(&request)),
        );
        // The tray hangs up partway, so the rest of the write may fail.
        let writing = async {
            let _ = window.write_all(sent.as_bytes()).await;
        };
        let (ended, ()) = tokio::time::timeout(HANG, async { tokio::join!(reading, writing) })
            .await
            .expect("reading hung on an over-long line");
        assert!(
            matches!(ended, Ended::LineTooLong { max } if max == ipc::MAX_REQUEST),
            "{ended:?}"
        );
        assert_eq!(performed, ["P1"]);
    }

    /// A burst of requests larger than the bound, each slow: never more than the bound
    /// run at once, and every one runs in the end (the rest wait; none is refused).
    #[tokio::test]
    async fn requests_in_flight_are_bounded_and_the_rest_wait() {
        let (mut window, tray) = loopback_pair().await;
        let burst = 3 * MAX_IN_FLIGHT;
        let batch: String = (0..burst).map(act_line).collect();
        window.write_all(batch.as_bytes()).await.unwrap();

        // Requests finish only as the test lets them through.
        let gate = Arc::new(Semaphore::new(0));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (started_tx, mut started) = mpsc::unbounded_channel();
        let (done_tx, mut done) = mpsc::unbounded_channel();
        let mut requests = JoinSet::new();
        let reading = read_requests(
            ipc::lines(tray, ipc::MAX_REQUEST),
            MAX_IN_FLIGHT,
            |request, slot| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let _ = started_tx.send(incident_of(&request));
                let (gate, running, done_tx) = (gate.clone(), running.clone(), done_tx.clone());
                requests.spawn(async move {
                    drop(gate.acquire().await);
                    running.fetch_sub(1, Ordering::SeqCst);
                    drop(slot);
                    let _ = done_tx.send(());
                });
            },
        );
        let driving = async {
            for _ in 0..MAX_IN_FLIGHT {
                started.recv().await.unwrap();
            }
            gate.add_permits(burst);
            for _ in 0..burst {
                done.recv().await.unwrap();
            }
            drop(window);
        };
        let (ended, ()) = tokio::time::timeout(HANG, async { tokio::join!(reading, driving) })
            .await
            .expect("requests past the bound were never performed");
        assert!(matches!(ended, Ended::Closed), "{ended:?}");
        let most = most.load(Ordering::SeqCst);
        assert!(
            most <= MAX_IN_FLIGHT,
            "{most} requests ran at once; the bound is {MAX_IN_FLIGHT}"
        );
    }
}

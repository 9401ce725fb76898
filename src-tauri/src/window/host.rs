//! The tray's side: starts the window process on demand and feeds it views.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::StreamExt as _;
use oncall_engine::{ActionResult, EngineEvent};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::{broadcast, mpsc, Mutex};
use tokio_util::codec::{FramedRead, LinesCodec};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use chrono::Utc;
use oncall_policy::Pause;

use super::ipc::{self, Call, FromWindow, ToWindow};
use crate::app::Shell;

/// The longest request line the window may send.
const MAX_REQUEST: usize = 64 * 1024;

/// How long a starting window process may take to connect back.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// Shows the window: brings the running one forward, or starts one.
    pub async fn open(&self, shell: &Arc<Shell>) {
        let mut running = self.running.lock().await;
        if let Some(window) = running.as_ref() {
            if !window.exited.load(Ordering::SeqCst)
                && window.to_window.send(ToWindow::Focus).await.is_ok()
            {
                return;
            }
        }
        match start(shell).await {
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

/// WebKitGTK's switch for accelerated compositing, set for the window process.
const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

async fn start(shell: &Arc<Shell>) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let token = ipc::new_token();
    let address = listener.local_addr()?;
    let exe = std::env::current_exe().context("cannot find the app's own executable")?;
    let mut command = Command::new(exe);
    command
        .arg("--window")
        .env(ipc::ENV, format!("{address} {token}"))
        .kill_on_drop(true);
    // WebKitGTK's accelerated compositing costs the web process about 75 MiB PSS
    // (BENCHMARKS.md: 308 → 233 MiB for the open window in all); the window is a plain
    // list that uses no 3D transforms, video or WebGL. A value the user set wins.
    if std::env::var_os(NO_COMPOSITING).is_none() {
        command.env(NO_COMPOSITING, "1");
    }
    let child = command.spawn().context("cannot start the window process")?;
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, accept(&listener, &token))
        .await
        .context("the window process did not connect")??;
    let (to_window, from_tray) = mpsc::channel(8);
    shell.spawn(serve(stream, shell.clone(), from_tray));
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

/// The first connection that presents the token; others are dropped.
async fn accept(listener: &TcpListener, token: &str) -> anyhow::Result<TcpStream> {
    loop {
        let (stream, _) = listener.accept().await?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        let presented =
            tokio::time::timeout(Duration::from_secs(5), reader.read_line(&mut line)).await;
        if matches!(presented, Ok(Ok(_))) && line.trim_end() == token {
            return Ok(reader.into_inner());
        }
        debug!("refused a window connection without the token");
    }
}

/// Sends the current view, then every change and focus request, and performs the
/// window's requests, until the window process closes the connection (its window was
/// closed) or the app stops.
async fn serve(stream: TcpStream, shell: Arc<Shell>, mut requests: mpsc::Receiver<ToWindow>) {
    let (read, mut write) = stream.into_split();
    // Requests are small; a line longer than this is a broken or hostile peer.
    let mut from_window = FramedRead::new(read, LinesCodec::new_with_max_length(MAX_REQUEST));
    let mut views = shell.engine.view();
    let mut events = shell.engine.events();
    // Messages from the tasks this connection spawned: failures of the actions the
    // window asked for, answers to its calls, fresh settings.
    let (outgoing_tx, mut outgoing) = mpsc::channel(8);
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
            _ = shell.cancel.cancelled() => return,
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
                push_settings(&shell, outgoing_tx.clone());
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
            line = from_window.next() => match line {
                Some(Ok(line)) => {
                    match serde_json::from_str::<FromWindow>(&line) {
                        Ok(request) => perform(&shell, request, outgoing_tx.clone()),
                        // Not serde's message: it may quote the line, and a line can
                        // carry a token.
                        Err(_) => warn!("unreadable request from the window"),
                    }
                    None
                }
                // End of stream: the window is gone.
                _ => return,
            },
        };
    }
}

/// Performs a window request. The engine call runs in its own task so the connection
/// keeps reading and writing meanwhile; a refusal goes back to the window as a message.
fn perform(shell: &Arc<Shell>, request: FromWindow, outgoing: mpsc::Sender<ToWindow>) {
    match request {
        FromWindow::Call { id, call } => {
            let answering = shell.clone();
            shell.spawn(async move {
                let result = answer(&answering, *call).await;
                let _ = outgoing.send(ToWindow::Reply { id, result }).await;
            });
        }
        FromWindow::Open { incident } => {
            if !shell.open_incident(&incident) {
                let _ = outgoing.try_send(ToWindow::ActionFailed {
                    incidents: vec![incident],
                    reason: "this incident has no web page to open".into(),
                });
            }
        }
        FromWindow::Act { incidents, kind } => {
            let engine_shell = shell.clone();
            shell.spawn(async move {
                if let Err(e) = engine_shell.engine.act(&incidents, kind).await {
                    warn!("window action failed: {e}");
                    let _ = outgoing
                        .send(ToWindow::ActionFailed {
                            incidents,
                            reason: format!("could not {}: {e}", kind.verb()),
                        })
                        .await;
                }
            });
        }
    }
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
                .save_account(engine, autostart, original, draft)
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
        Call::SetAutostart { enabled } => json(serde_json::to_value(
            settings.set_autostart(engine, autostart, enabled).await,
        )),
        Call::Pause { minutes } => {
            let pause = match minutes {
                Some(m) => Pause::Until(Utc::now() + chrono::Duration::minutes(m.into())),
                None => Pause::UntilResumed,
            };
            engine
                .pause(pause)
                .await
                .map(|()| serde_json::Value::Null)
                .map_err(|e| format!("could not pause: {e}"))
        }
        Call::Resume => engine
            .resume()
            .await
            .map(|()| serde_json::Value::Null)
            .map_err(|e| format!("could not resume: {e}")),
        Call::GetHistory => json(serde_json::to_value(engine.history().await)),
    }
}

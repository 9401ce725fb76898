//! `oncall-tray --window`: a tauri app with one webview window and nothing else (no
//! tray, no engine). It renders the views the tray sends and exits when its window is
//! closed or the tray goes away.

use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use oncall_engine::View;
use oncall_model::{ActionKind, IncidentKey};
use tauri::{Emitter, Manager, State, WebviewUrl, WebviewWindowBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{watch, Mutex};
use tracing::warn;

use super::ipc::{self, FromWindow, ToWindow};

const LABEL: &str = "main";
/// The event that carries a new view to the page.
const VIEW_EVENT: &str = "view";
/// The event that tells the page an action was not accepted or was refused.
const ACTION_FAILED_EVENT: &str = "action_failed";

/// The latest view from the tray (`None` until the first one arrives).
struct Latest(watch::Receiver<Option<View>>);

/// The current view, for the page's first paint.
#[tauri::command]
fn get_view(latest: State<'_, Arc<Latest>>) -> Option<View> {
    tracing::debug!("the window asked for the view");
    latest.0.borrow().clone()
}

/// The connection's sending half: the page's requests go to the tray through it.
struct Tray(Mutex<OwnedWriteHalf>);

impl Tray {
    async fn send(&self, request: FromWindow) -> Result<(), String> {
        let mut line = serde_json::to_string(&request).map_err(|e| e.to_string())?;
        line.push('\n');
        self.0
            .lock()
            .await
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("the tray app is not answering: {e}"))
    }
}

/// Acknowledge, resolve, snooze or unacknowledge incidents (the tray's engine does it).
#[tauri::command]
async fn act(
    tray: State<'_, Tray>,
    incidents: Vec<IncidentKey>,
    kind: ActionKind,
) -> Result<(), String> {
    tray.send(FromWindow::Act { incidents, kind }).await
}

/// Open an incident's page in the browser (the tray opens it).
#[tauri::command]
async fn open_incident(tray: State<'_, Tray>, incident: IncidentKey) -> Result<(), String> {
    tray.send(FromWindow::Open { incident }).await
}

pub fn run() -> anyhow::Result<()> {
    let ipc = std::env::var(ipc::ENV)
        .map_err(|_| anyhow!("--window is started by the tray app, not by hand"))?;
    let (address, token) = ipc
        .split_once(' ')
        .ok_or_else(|| anyhow!("{} is malformed", ipc::ENV))?;
    let (address, token) = (address.to_owned(), token.to_owned());
    let app = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![get_view, act, open_incident])
        .setup(move |app| {
            let stream = tauri::async_runtime::block_on(async {
                let mut stream = TcpStream::connect(&address).await?;
                stream.write_all(format!("{token}\n").as_bytes()).await?;
                Ok::<_, std::io::Error>(stream)
            })
            .context("cannot reach the tray app")?;
            let (read, write) = stream.into_split();
            let (latest_tx, latest_rx) = watch::channel(None);
            app.manage(Arc::new(Latest(latest_rx)));
            app.manage(Tray(Mutex::new(write)));
            WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("index.html".into()))
                .title("oncall-tray")
                .inner_size(960.0, 640.0)
                .min_inner_size(480.0, 320.0)
                .build()?;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    match serde_json::from_str::<ToWindow>(&line) {
                        Ok(ToWindow::View(view)) => {
                            latest_tx.send_replace(Some((*view).clone()));
                            if let Err(e) = handle.emit_to(LABEL, VIEW_EVENT, *view) {
                                warn!("could not update the window: {e}");
                            }
                        }
                        Ok(ToWindow::Focus) => {
                            if let Some(window) = handle.get_webview_window(LABEL) {
                                let _ = window.unminimize();
                                let _ = window.show();
                                let _ = window.set_focus();
                            }
                        }
                        Ok(ToWindow::ActionFailed { incidents, reason }) => {
                            let failed =
                                serde_json::json!({ "incidents": incidents, "reason": reason });
                            if let Err(e) = handle.emit_to(LABEL, ACTION_FAILED_EVENT, failed) {
                                warn!("could not tell the window: {e}");
                            }
                        }
                        Err(e) => warn!("unreadable message from the tray: {e}"),
                    }
                }
                // The tray app ended: so does its window.
                handle.exit(0);
            });
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("the window could not start")?;
    // Closing the window ends this process (tauri's default once no window is left).
    app.run(|_, _| {});
    Ok(())
}

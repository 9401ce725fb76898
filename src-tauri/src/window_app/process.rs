//! `oncall-tray-window`: a tauri app with one webview window and nothing else (no
//! tray, no engine). It renders the views the tray sends and exits when its window is
//! closed or the tray goes away.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use chrono::{DateTime, Utc};
use oncall_engine::View;
use oncall_model::{ActionKind, AssigneeKind, CoverRequest, IncidentKey, Urgency};
use secrecy::SecretString;
use serde_json::Value;
use tauri::{Emitter, Manager, State, WebviewUrl, WebviewWindowBuilder};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{oneshot, watch, Mutex};
use tracing::warn;
use zeroize::Zeroize as _;

use oncall_tray::lock::lock;
use oncall_tray::settings::dto::{AccountForm, NotificationsForm, ReportForm};
use oncall_tray::window::ipc::{self, Call, Ended, FromWindow, ToWindow, TokenInput};

const LABEL: &str = "main";
/// The event that carries a new view to the page.
const VIEW_EVENT: &str = "view";
/// The event that tells the page an action was not accepted or was refused.
const ACTION_FAILED_EVENT: &str = "action_failed";
/// The event that carries changed settings to the page.
const SETTINGS_EVENT: &str = "settings";
/// The tray asks for a tab; its payload is one of `ipc::TABS`.
const SHOW_TAB_EVENT: &str = "show_tab";
/// The tray asks for an incident's details; its payload is the incident's key.
const SHOW_INCIDENT_EVENT: &str = "show_incident";

/// The latest view from the tray (`None` until the first one arrives).
struct Latest(watch::Receiver<Option<View>>);

/// The current view, for the page's first paint.
#[tauri::command]
fn get_view(latest: State<'_, Arc<Latest>>) -> Option<View> {
    tracing::debug!("the window asked for the view");
    latest.0.borrow().clone()
}

/// The connection's sending half: the page's requests go to the tray through it.
struct Tray {
    write: Mutex<OwnedWriteHalf>,
    /// Calls waiting for their [`ToWindow::Reply`], by id.
    waiting: std::sync::Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>,
    next_id: AtomicU64,
}

impl Tray {
    async fn send(&self, request: FromWindow) -> Result<(), String> {
        let mut line = serde_json::to_string(&request).map_err(|e| e.to_string())?;
        line.push('\n');
        let written = self.write.lock().await.write_all(line.as_bytes()).await;
        // The line may hold a token: gone from memory as soon as it is sent.
        line.zeroize();
        written.map_err(|e| format!("the tray app is not answering: {e}"))
    }

    /// Sends `call` and waits for the tray's answer.
    async fn call(&self, call: Call) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.waiting).insert(id, tx);
        self.send(FromWindow::Call {
            id,
            call: Box::new(call),
        })
        .await?;
        rx.await
            .map_err(|_| "the tray app went away before answering".to_string())?
    }

    fn answered(&self, id: u64, result: Result<Value, String>) {
        let waiting = lock(&self.waiting).remove(&id);
        if let Some(tx) = waiting {
            let _ = tx.send(result);
        }
    }
}

/// Acknowledge, resolve, snooze or unacknowledge incidents (the tray's engine does it).
#[tauri::command]
async fn act(
    tray: State<'_, Arc<Tray>>,
    incidents: Vec<IncidentKey>,
    kind: ActionKind,
) -> Result<(), String> {
    tray.send(FromWindow::Act { incidents, kind }).await
}

/// Open an incident's page in the browser (the tray opens it).
#[tauri::command]
async fn open_incident(tray: State<'_, Arc<Tray>>, incident: IncidentKey) -> Result<(), String> {
    tray.send(FromWindow::Open { incident }).await
}

#[tauri::command]
async fn get_settings(tray: State<'_, Arc<Tray>>) -> Result<Value, String> {
    tray.call(Call::GetSettings).await
}

#[tauri::command]
async fn save_account(
    tray: State<'_, Arc<Tray>>,
    original: Option<String>,
    draft: AccountForm,
) -> Result<Value, String> {
    let draft = Box::new(draft);
    tray.call(Call::SaveAccount { original, draft }).await
}

#[tauri::command]
async fn remove_account(tray: State<'_, Arc<Tray>>, name: String) -> Result<Value, String> {
    tray.call(Call::RemoveAccount { name }).await
}

/// The token goes to the tray, which checks and stores it; nothing here keeps it.
#[tauri::command]
async fn set_token(
    tray: State<'_, Arc<Tray>>,
    account: String,
    token: String,
) -> Result<Value, String> {
    let token = TokenInput(SecretString::from(token));
    tray.call(Call::SetToken { account, token }).await
}

#[tauri::command]
async fn test_connection(tray: State<'_, Arc<Tray>>, account: String) -> Result<Value, String> {
    tray.call(Call::TestConnection { account }).await
}

#[tauri::command]
async fn test_alarm(tray: State<'_, Arc<Tray>>, urgency: Urgency) -> Result<Value, String> {
    tray.call(Call::TestAlarm { urgency }).await
}

#[tauri::command]
async fn save_notifications(
    tray: State<'_, Arc<Tray>>,
    draft: NotificationsForm,
) -> Result<Value, String> {
    tray.call(Call::SaveNotifications { draft }).await
}

/// "Your hours": the `[report]` table.
#[tauri::command]
async fn save_report(tray: State<'_, Arc<Tray>>, draft: ReportForm) -> Result<Value, String> {
    tray.call(Call::SaveReport { draft }).await
}

#[tauri::command]
async fn set_autostart(tray: State<'_, Arc<Tray>>, enabled: bool) -> Result<Value, String> {
    tray.call(Call::SetAutostart { enabled }).await
}

/// Pause notifications for `minutes`, or until resumed when `minutes` is null.
#[tauri::command]
async fn pause(tray: State<'_, Arc<Tray>>, minutes: Option<u32>) -> Result<Value, String> {
    tray.call(Call::Pause { minutes }).await
}

#[tauri::command]
async fn resume(tray: State<'_, Arc<Tray>>) -> Result<Value, String> {
    tray.call(Call::Resume).await
}

#[tauri::command]
async fn get_history(tray: State<'_, Arc<Tray>>) -> Result<Value, String> {
    tray.call(Call::GetHistory).await
}

/// Open the folder of the tray's log file (the tray decides which).
#[tauri::command]
async fn open_log_folder(tray: State<'_, Arc<Tray>>) -> Result<(), String> {
    tray.call(Call::OpenLogFolder).await.map(drop)
}

/// Puts the user on call in `schedule` of `account` from `start` to `end`: the page calls
/// it from its confirmation only. Answered with the override the service created, or
/// the service's refusal in words.
#[tauri::command]
async fn cover_shift(
    tray: State<'_, Arc<Tray>>,
    account: String,
    schedule: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Value, String> {
    let request = CoverRequest {
        schedule_id: schedule,
        start,
        end,
    };
    tray.call(Call::CoverShift { account, request }).await
}

/// The incident's notes, log entries and alerts, asked of its service when the detail
/// pane opens.
#[tauri::command]
async fn incident_details(
    tray: State<'_, Arc<Tray>>,
    incident: IncidentKey,
) -> Result<Value, String> {
    tray.call(Call::IncidentDetails { incident }).await
}

/// Users, escalation policies, teams or escalations of `account` whose name matches
/// `query`: the reassign and escalate pickers.
#[tauri::command]
async fn find_assignees(
    tray: State<'_, Arc<Tray>>,
    account: String,
    query: String,
    kinds: Vec<AssigneeKind>,
) -> Result<Value, String> {
    tray.call(Call::FindAssignees {
        account,
        query,
        kinds,
    })
    .await
}

/// Mutes `service` of `account` for `minutes`: its incidents stay listed and never page.
#[tauri::command]
async fn mute_service(
    tray: State<'_, Arc<Tray>>,
    account: String,
    service: String,
    minutes: u32,
) -> Result<(), String> {
    tray.call(Call::MuteService {
        account,
        service,
        minutes,
    })
    .await
    .map(drop)
}

#[tauri::command]
async fn unmute_service(
    tray: State<'_, Arc<Tray>>,
    account: String,
    service: String,
) -> Result<(), String> {
    tray.call(Call::UnmuteService { account, service })
        .await
        .map(drop)
}

/// "Move to Jira Service Management…": the tray checks the token with JSM, stores it,
/// then rewrites the account; nothing here keeps the token. `api` is the JSM API's
/// address when not Atlassian's (a loopback fake), else null.
#[tauri::command]
async fn migrate_account(
    tray: State<'_, Arc<Tray>>,
    account: String,
    site: String,
    email: String,
    api: Option<String>,
    token: String,
) -> Result<Value, String> {
    let token = TokenInput(SecretString::from(token));
    tray.call(Call::MigrateAccount {
        account,
        site,
        email,
        api_url: api,
        token,
    })
    .await
}

/// Puts a Settings notice away for good.
#[tauri::command]
async fn dismiss_notice(tray: State<'_, Arc<Tray>>, id: String) -> Result<Value, String> {
    tray.call(Call::DismissNotice { id }).await
}

/// The on-call report of the last `days` local days, with its chart.
#[tauri::command]
async fn get_report(tray: State<'_, Arc<Tray>>, days: u32) -> Result<Value, String> {
    tray.call(Call::GetReport { days }).await
}

/// Writes the report's CSV into the download folder (the tray decides which); answers
/// with the file and folder it wrote to.
#[tauri::command]
async fn export_report_csv(tray: State<'_, Arc<Tray>>, days: u32) -> Result<Value, String> {
    tray.call(Call::ExportReportCsv { days }).await
}

/// Opens the folder reports are exported to (the tray decides which).
#[tauri::command]
async fn open_report_folder(tray: State<'_, Arc<Tray>>) -> Result<(), String> {
    tray.call(Call::OpenReportFolder).await.map(drop)
}

/// The window's commands (`command_list.rs`) as tauri's invoke handler.
macro_rules! handlers {
    ($($command:ident),* $(,)?) => {
        tauri::generate_handler![$($command),*]
    };
}

pub fn run() -> anyhow::Result<()> {
    let ipc = std::env::var(ipc::ENV)
        .map_err(|_| anyhow!("the window is opened from the tray app, not started by hand"))?;
    let (address, token) = ipc
        .split_once(' ')
        .ok_or_else(|| anyhow!("{} is malformed", ipc::ENV))?;
    let (address, token) = (address.to_owned(), token.to_owned());
    let app = tauri::Builder::default()
        .invoke_handler(window_commands!(handlers))
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
            let tray = Arc::new(Tray {
                write: Mutex::new(write),
                waiting: Default::default(),
                next_id: AtomicU64::new(1),
            });
            app.manage(tray.clone());
            // The tab the tray asked for, if one of the page's (never a path or a script).
            let incident = std::env::var(ipc::INCIDENT_ENV)
                .ok()
                .filter(|key| ipc::plain_incident_key(key));
            let page = match (incident, std::env::var(ipc::TAB_ENV)) {
                (Some(key), _) => format!("index.html#incident={key}"),
                (None, Ok(tab)) if ipc::TABS.contains(&tab.as_str()) => {
                    format!("index.html#{tab}")
                }
                _ => "index.html".to_string(),
            };
            WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App(page.into()))
                .title("oncall-tray")
                .inner_size(960.0, 640.0)
                .min_inner_size(480.0, 320.0)
                .build()?;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let mut lines = ipc::lines(read, ipc::MAX_MESSAGE);
                let ended = loop {
                    let line = match ipc::next_line(&mut lines).await {
                        Ok(line) => line,
                        Err(ended) => break ended,
                    };
                    // All of it, at trace level: what the webview can ever learn.
                    tracing::trace!(target: "oncall_tray::ipc", "tray → window: {line}");
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
                        Ok(ToWindow::ShowTab { tab }) => {
                            if ipc::TABS.contains(&tab.as_str()) {
                                if let Err(e) = handle.emit_to(LABEL, SHOW_TAB_EVENT, tab) {
                                    warn!("could not tell the window: {e}");
                                }
                            }
                        }
                        Ok(ToWindow::ShowIncident { incident }) => {
                            if let Err(e) = handle.emit_to(LABEL, SHOW_INCIDENT_EVENT, incident) {
                                warn!("could not tell the window: {e}");
                            }
                        }
                        Ok(ToWindow::ActionFailed { incidents, reason }) => {
                            let failed =
                                serde_json::json!({ "incidents": incidents, "reason": reason });
                            if let Err(e) = handle.emit_to(LABEL, ACTION_FAILED_EVENT, failed) {
                                warn!("could not tell the window: {e}");
                            }
                        }
                        Ok(ToWindow::Reply { id, result }) => tray.answered(id, result),
                        Ok(ToWindow::Settings(settings)) => {
                            if let Err(e) = handle.emit_to(LABEL, SETTINGS_EVENT, settings) {
                                warn!("could not update the window: {e}");
                            }
                        }
                        Err(e) => warn!("unreadable message from the tray: {e}"),
                    }
                };
                if !matches!(ended, Ended::Closed) {
                    warn!("lost the tray app: {ended}");
                }
                // The tray app ended (or cannot be understood): so does its window.
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

//! `oncall-tray --window`: a tauri app with one webview window and nothing else (no
//! tray, no engine). It renders the views the tray sends and exits when its window is
//! closed or the tray goes away.

use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use oncall_engine::View;
use tauri::{Emitter, Manager, State, WebviewUrl, WebviewWindowBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tracing::warn;

use super::ipc::{self, ToWindow};

const LABEL: &str = "main";
/// The event that carries a new view to the page.
const VIEW_EVENT: &str = "view";

/// The latest view from the tray (`None` until the first one arrives).
struct Latest(watch::Receiver<Option<View>>);

/// The current view, for the page's first paint.
#[tauri::command]
fn get_view(latest: State<'_, Arc<Latest>>) -> Option<View> {
    tracing::debug!("the window asked for the view");
    latest.0.borrow().clone()
}

pub fn run() -> anyhow::Result<()> {
    let ipc = std::env::var(ipc::ENV)
        .map_err(|_| anyhow!("--window is started by the tray app, not by hand"))?;
    let (address, token) = ipc
        .split_once(' ')
        .ok_or_else(|| anyhow!("{} is malformed", ipc::ENV))?;
    let (address, token) = (address.to_owned(), token.to_owned());
    let app = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![get_view])
        .setup(move |app| {
            let stream = tauri::async_runtime::block_on(async {
                let mut stream = TcpStream::connect(&address).await?;
                stream.write_all(format!("{token}\n").as_bytes()).await?;
                Ok::<_, std::io::Error>(stream)
            })
            .context("cannot reach the tray app")?;
            let (latest_tx, latest_rx) = watch::channel(None);
            app.manage(Arc::new(Latest(latest_rx)));
            WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("index.html".into()))
                .title("oncall-tray")
                .inner_size(960.0, 640.0)
                .min_inner_size(480.0, 320.0)
                .build()?;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
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

//! The window: created when the user opens it, destroyed when they close it, so an idle
//! tray app carries no webview (and no WebKit processes). It renders the engine's view,
//! pushed to it as events; the webview never polls and never sees a token.

use std::sync::Arc;

use oncall_engine::View;
use tauri::{AppHandle, Emitter, Manager, Runtime, State, WebviewUrl, WebviewWindowBuilder};
use tracing::warn;

use crate::app::Shell;

const LABEL: &str = "main";
/// The event that carries a new view to the window.
const VIEW_EVENT: &str = "view";

/// Shows the window, creating it if needed.
pub fn open<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(LABEL) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let built = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("index.html".into()))
        .title("oncall-tray")
        .inner_size(960.0, 640.0)
        .min_inner_size(480.0, 320.0)
        .build();
    if let Err(e) = built {
        warn!("could not open the window: {e}");
    }
}

/// The current view, for the window's first paint.
#[tauri::command]
pub fn get_view(shell: State<'_, Arc<Shell>>) -> View {
    tracing::debug!("the window asked for the view");
    shell.engine.view().borrow().clone()
}

/// Pushes every new view to the window while it exists.
pub fn follow_view<R: Runtime>(app: AppHandle<R>, shell: Arc<Shell>) {
    let mut views = shell.engine.view();
    let cancel = shell.cancel.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                changed = views.changed() => if changed.is_err() { return },
            }
            if let Some(window) = app.get_webview_window(LABEL) {
                let view = views.borrow_and_update().clone();
                if let Err(e) = window.emit(VIEW_EVENT, view) {
                    warn!("could not update the window: {e}");
                }
            }
        }
    });
}

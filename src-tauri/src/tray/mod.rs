//! The tray icon: its picture, label and menu follow the engine's `View`; its menu
//! entries become engine calls. The menu's content is computed by [`menu`] (pure,
//! unit-tested); this module only mirrors it into tauri menu items.

#[cfg(all(unix, not(target_os = "macos")))]
pub mod host_watch;
pub mod menu;

use std::sync::Arc;
use std::time::Duration;

use tauri::image::Image;
use tauri::menu::{
    CheckMenuItem, IsMenuItem, Menu, MenuItem, MenuItemKind, PredefinedMenuItem, Submenu,
};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};
use tracing::{info, warn};

use crate::app::Shell;
use menu::{Entry, TrayState};

const TRAY_ID: &str = "oncall-tray";

/// Bursts of view changes (a poll, then its decisions) become one menu rebuild.
const SETTLE: Duration = Duration::from_millis(80);
/// Ages in the menu ("7 min") stay roughly right even when nothing else changes.
const REFRESH: Duration = Duration::from_secs(30);

fn icon(state: TrayState) -> Image<'static> {
    match state {
        TrayState::Error => tauri::include_image!("../icons/tray-error.png"),
        TrayState::Triggered => tauri::include_image!("../icons/tray-triggered.png"),
        TrayState::Paused => tauri::include_image!("../icons/tray-paused.png"),
        TrayState::Acknowledged => tauri::include_image!("../icons/tray-acknowledged.png"),
        TrayState::Clear => tauri::include_image!("../icons/tray-clear.png"),
    }
}

/// Creates the tray and keeps it in step with the engine until the app ends.
pub fn install<R: Runtime>(app: &AppHandle<R>, shell: Arc<Shell>) -> tauri::Result<()> {
    let (tray, tray_menu) = create(app, &shell, TRAY_ID)?;

    // Where no tray host shows the icon, the user must hear of it (Linux: macOS and
    // Windows always show tray icons).
    #[cfg(all(unix, not(target_os = "macos")))]
    host_watch::spawn(&shell);
    let app = app.clone();
    tauri::async_runtime::spawn(follow(app, tray, tray_menu, shell));
    Ok(())
}

/// The tray icon and its menu, as the engine's view is now. `id`: each icon needs its
/// own, as a dropped icon stays on the bus (hidden: libappindicator's object is never
/// freed, only made passive), under the path its id names.
fn create<R: Runtime>(
    app: &AppHandle<R>,
    shell: &Arc<Shell>,
    id: &str,
) -> tauri::Result<(TrayIcon<R>, Menu<R>)> {
    let view = shell.engine.view().borrow().clone();
    let now = chrono::Utc::now();
    let tray_menu = Menu::new(app)?;
    fill(
        app,
        &tray_menu,
        &menu::build(&view, now, shell.autostart().enabled()),
    )?;
    let state = TrayState::of(&view);
    let handler_shell = shell.clone();
    let tray = TrayIconBuilder::with_id(id)
        .icon(icon(state))
        .tooltip(tooltip(&view, now))
        .title(menu::label(&view).unwrap_or_default())
        .menu(&tray_menu)
        .show_menu_on_left_click(true)
        .on_menu_event(
            move |app, event| match menu::Command::parse(event.id().as_ref()) {
                Some(command) => handler_shell.perform(app, command),
                None => warn!(id = event.id().as_ref(), "unknown tray menu entry"),
            },
        )
        .build(app)?;
    Ok((tray, tray_menu))
}

fn tooltip(view: &oncall_engine::View, now: chrono::DateTime<chrono::Utc>) -> String {
    format!("oncall-tray: {}", menu::state_line(view, now))
}

/// Rebuilds icon, label, tooltip and menu on every view change (and every 30 s), and
/// the whole tray icon when a tray host never listed it.
async fn follow<R: Runtime>(
    app: AppHandle<R>,
    mut tray: TrayIcon<R>,
    mut tray_menu: Menu<R>,
    shell: Arc<Shell>,
) {
    let mut views = shell.engine.view();
    let mut shown_state = None;
    let mut shown_label = None;
    let mut shown_menu = None;
    let mut made = 1;
    loop {
        tokio::select! {
            _ = shell.cancel.cancelled() => return,
            changed = views.changed() => {
                if changed.is_err() { return; }
                tokio::time::sleep(SETTLE).await;
            }
            () = shell.tray_lost.notified() => {
                // libayatana-appindicator registers an icon when it is made, and again
                // only when the tray host's bus name changes hands: a host that took
                // its name before it could answer (a panel starting) never shows it.
                // A new icon registers anew; the old one is hidden first.
                if let Err(e) = tray.set_visible(false) {
                    warn!("could not hide the tray icon: {e}");
                }
                drop(app.remove_tray_by_id(tray.id()));
                drop(tray);
                drop(tray_menu);
                made += 1;
                match create(&app, &shell, &format!("{TRAY_ID}-{made}")) {
                    Ok((new_tray, new_menu)) => {
                        info!("the tray icon was made anew");
                        (tray, tray_menu) = (new_tray, new_menu);
                        (shown_state, shown_label, shown_menu) = (None, None, None);
                    }
                    Err(e) => {
                        // Pages still ring; a second launch opens the window.
                        warn!("could not make the tray icon anew: {e}");
                        return;
                    }
                }
                continue;
            }
            _ = tokio::time::sleep(REFRESH) => {}
        }
        let view = views.borrow_and_update().clone();
        let now = chrono::Utc::now();
        let state = TrayState::of(&view);
        let label = menu::label(&view);
        let result = (|| -> tauri::Result<()> {
            if shown_state != Some(state) {
                tray.set_icon(Some(icon(state)))?;
                shown_state = Some(state);
            }
            if shown_label.as_ref() != Some(&label) {
                // The appindicator label on Linux; a title beside the icon on macOS.
                tray.set_title(Some(label.clone().unwrap_or_default()))?;
                shown_label = Some(label.clone());
            }
            tray.set_tooltip(Some(tooltip(&view, now)))?;
            // Rebuild only what changed: most view updates (a poll's timestamps) leave
            // the menu as it is, and a rebuild under an open menu would close it.
            let entries = menu::build(&view, now, shell.autostart().enabled());
            if shown_menu.as_ref() == Some(&entries) {
                return Ok(());
            }
            // Linux cannot replace a tray's menu once set, only change its content.
            for item in tray_menu.items()? {
                tray_menu.remove(&item as &dyn IsMenuItem<R>)?;
            }
            fill(&app, &tray_menu, &entries)?;
            shown_menu = Some(entries);
            Ok(())
        })();
        if let Err(e) = result {
            warn!("could not update the tray: {e}");
        }
    }
}

/// Appends `entries` to `target` as tauri menu items.
fn fill<R: Runtime>(app: &AppHandle<R>, target: &Menu<R>, entries: &[Entry]) -> tauri::Result<()> {
    for item in items(app, entries)? {
        target.append(&item as &dyn IsMenuItem<R>)?;
    }
    Ok(())
}

fn items<R: Runtime>(app: &AppHandle<R>, entries: &[Entry]) -> tauri::Result<Vec<MenuItemKind<R>>> {
    let mut info = 0;
    entries
        .iter()
        .map(|entry| {
            Ok(match entry {
                Entry::Info(text) => {
                    info += 1;
                    MenuItemKind::MenuItem(MenuItem::with_id(
                        app,
                        format!("info:{info}"),
                        literal(text),
                        false,
                        None::<&str>,
                    )?)
                }
                Entry::Item {
                    command,
                    label,
                    enabled,
                } => MenuItemKind::MenuItem(MenuItem::with_id(
                    app,
                    command.id(),
                    literal(label),
                    *enabled,
                    None::<&str>,
                )?),
                Entry::Submenu { label, entries } => {
                    let children = items(app, entries)?;
                    let refs: Vec<&dyn IsMenuItem<R>> =
                        children.iter().map(|c| c as &dyn IsMenuItem<R>).collect();
                    MenuItemKind::Submenu(Submenu::with_items(app, literal(label), true, &refs)?)
                }
                Entry::Check {
                    command,
                    label,
                    checked,
                } => MenuItemKind::Check(CheckMenuItem::with_id(
                    app,
                    command.id(),
                    literal(label),
                    true,
                    *checked,
                    None::<&str>,
                )?),
                Entry::Separator => MenuItemKind::Predefined(PredefinedMenuItem::separator(app)?),
            })
        })
        .collect()
}

/// `label` shown as written. Tauri's menus (muda) read `&` as the mark of a keyboard
/// mnemonic on every platform: "R&D down" would show as "RD down", the D underlined.
/// `&&` is their literal `&`.
fn literal(label: &str) -> String {
    label.replace('&', "&&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ampersand_in_a_label_is_shown_not_taken_for_a_mnemonic() {
        assert_eq!(literal("R&D && ops"), "R&&D &&&& ops");
        assert_eq!(literal("Open oncall-tray…"), "Open oncall-tray…");
    }
}

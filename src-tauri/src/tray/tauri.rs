//! The tray on macOS and Windows: [`menu`]'s icon, label and entries mirrored into
//! tauri's tray icon and menu items.
//!
//! Every change to the icon is made on the main thread, posted there by the task that
//! follows the view and never waited for: the app's stop runs on the main thread and
//! waits for that task, which must then never be waiting for the main thread.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tauri::image::Image;
use tauri::menu::{
    CheckMenuItem, IsMenuItem, Menu, MenuItem, MenuItemKind, PredefinedMenuItem, Submenu,
};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};
use tracing::{debug, info, warn};

use super::menu::{self, Command, Entry, TrayState};
use super::{perform, tooltip};
use crate::lock::lock;
use crate::shell::Shell;

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
        TrayState::OnCall => tauri::include_image!("../icons/tray-oncall.png"),
        TrayState::Clear => tauri::include_image!("../icons/tray-clear.png"),
    }
}

/// Creates the tray and keeps it in step with the engine until the app ends.
pub fn install<R: Runtime>(app: &AppHandle<R>, shell: Arc<Shell>) -> tauri::Result<()> {
    let (tray, tray_menu) = create(app, &shell, TRAY_ID)?;
    let mirror = Mirror {
        tray,
        menu: tray_menu,
        shown: Shown::default(),
        made: 1,
    };
    shell.spawn(follow(
        app.clone(),
        Arc::new(Mutex::new(Some(mirror))),
        shell.clone(),
    ));
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
    let state = TrayState::of(&view, now);
    let handler_shell = shell.clone();
    let tray = TrayIconBuilder::with_id(id)
        .icon(icon(state))
        .tooltip(tooltip(&view, now))
        .title(menu::label(&view).unwrap_or_default())
        .menu(&tray_menu)
        .show_menu_on_left_click(true)
        .on_menu_event(move |_, event| match Command::parse(event.id().as_ref()) {
            Some(command) => perform(&handler_shell, command),
            None => warn!(id = event.id().as_ref(), "unknown tray menu entry"),
        })
        .build(app)?;
    Ok((tray, tray_menu))
}

/// The tray icon as made, and what it shows. Touched on the main thread only.
struct Mirror<R: Runtime> {
    tray: TrayIcon<R>,
    menu: Menu<R>,
    shown: Shown,
    /// Icons made so far: each has its own id.
    made: u32,
}

/// What the icon shows now; `None` until set.
#[derive(Default)]
struct Shown {
    state: Option<TrayState>,
    label: Option<Option<String>>,
    entries: Option<Vec<Entry>>,
}

/// The mirror, shared with the closures posted to the main thread; `None` once the icon
/// could not be made anew. The lock is only ever taken on the main thread.
type Shared<R> = Arc<Mutex<Option<Mirror<R>>>>;

/// Rebuilds icon, label, tooltip and menu on every view change (and every 30 s), and
/// the whole tray icon when a tray host never listed it.
async fn follow<R: Runtime>(app: AppHandle<R>, mirror: Shared<R>, shell: Arc<Shell>) {
    let mut views = shell.engine.view();
    loop {
        tokio::select! {
            _ = shell.cancel.cancelled() => return,
            changed = views.changed() => {
                if changed.is_err() { return; }
                tokio::time::sleep(SETTLE).await;
            }
            () = shell.tray_lost.notified() => {
                let (handle, mirror, shell) = (app.clone(), mirror.clone(), shell.clone());
                on_main_thread(&app, move || remake(&handle, &mirror, &shell));
                continue;
            }
            _ = tokio::time::sleep(REFRESH) => {}
        }
        let view = views.borrow_and_update().clone();
        // Read here, off the main thread: it may look at a file.
        let autostart = shell.autostart().enabled();
        let (handle, mirror) = (app.clone(), mirror.clone());
        on_main_thread(&app, move || {
            if let Some(mirror) = lock(&mirror).as_mut() {
                if let Err(e) = mirror.show(&handle, &view, chrono::Utc::now(), autostart) {
                    warn!("could not update the tray: {e}");
                }
            }
        });
    }
}

/// Runs `change` on the main thread, without waiting for it.
fn on_main_thread<R: Runtime>(app: &AppHandle<R>, change: impl FnOnce() + Send + 'static) {
    if let Err(e) = app.run_on_main_thread(change) {
        // The event loop has ended: so has the app.
        debug!("could not change the tray: {e}");
    }
}

/// Makes the tray icon anew. libayatana-appindicator registers an icon when it is made,
/// and again only when the tray host's bus name changes hands: a host that took its
/// name before it could answer (a panel starting) never shows it. A new icon registers
/// anew; the old one is hidden first.
fn remake<R: Runtime>(app: &AppHandle<R>, mirror: &Shared<R>, shell: &Arc<Shell>) {
    let mut mirror = lock(mirror);
    let Some(old) = mirror.take() else { return };
    if let Err(e) = old.tray.set_visible(false) {
        warn!("could not hide the tray icon: {e}");
    }
    drop(app.remove_tray_by_id(old.tray.id()));
    let made = old.made + 1;
    drop(old);
    match create(app, shell, &format!("{TRAY_ID}-{made}")) {
        Ok((tray, menu)) => {
            info!("the tray icon was made anew");
            *mirror = Some(Mirror {
                tray,
                menu,
                shown: Shown::default(),
                made,
            });
        }
        // Pages still ring; a second launch opens the window.
        Err(e) => warn!("could not make the tray icon anew: {e}"),
    }
}

impl<R: Runtime> Mirror<R> {
    /// Shows `view`, changing only what changed.
    fn show(
        &mut self,
        app: &AppHandle<R>,
        view: &oncall_engine::View,
        now: chrono::DateTime<chrono::Utc>,
        autostart: Option<bool>,
    ) -> tauri::Result<()> {
        let Mirror {
            tray,
            menu: tray_menu,
            shown,
            ..
        } = self;
        let state = TrayState::of(view, now);
        let label = menu::label(view);
        if shown.state != Some(state) {
            tray.set_icon(Some(icon(state)))?;
            shown.state = Some(state);
        }
        if shown.label.as_ref() != Some(&label) {
            // The appindicator label on Linux; a title beside the icon on macOS.
            tray.set_title(Some(label.clone().unwrap_or_default()))?;
            shown.label = Some(label);
        }
        tray.set_tooltip(Some(tooltip(view, now)))?;
        // Rebuild only what changed: most view updates (a poll's timestamps) leave the
        // menu as it is, and a rebuild under an open menu would close it.
        let entries = menu::build(view, now, autostart);
        if shown.entries.as_ref() == Some(&entries) {
            return Ok(());
        }
        // Linux cannot replace a tray's menu once set, only change its content.
        for item in tray_menu.items()? {
            tray_menu.remove(&item as &dyn IsMenuItem<R>)?;
        }
        fill(app, tray_menu, &entries)?;
        shown.entries = Some(entries);
        Ok(())
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

//! The footprint floor that issue 18's memory targets are measured against: what a
//! minimal, careful tray pager on Linux costs, measured beside the tray app by
//! `benches/footprint.sh` in the same session. Not shipped.
//!
//! It does, for real, what the tray process cannot do without: a StatusNotifierItem at
//! `/StatusNotifierItem` with a dbusmenu at `/MenuBar` (zbus, no GUI toolkit), registered
//! with the StatusNotifierWatcher; a poll of one URL with reqwest + rustls every 2 s, the
//! body decoded as JSON and dropped; one desktop notification over the same connection
//! after the first successful poll. A current-thread tokio runtime and one malloc arena,
//! as the app runs; stops with exit code 0 on SIGTERM or SIGINT (or its menu's Quit).
//!
//! ```text
//! oncall-footprint-probe URL [--interval SECS] [--header 'NAME: VALUE']...
//! ```

use std::collections::HashMap;
use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, StructureBuilder, Value};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const USAGE: &str =
    "usage: oncall-footprint-probe URL [--interval SECS] [--header 'NAME: VALUE']...";
const WATCHER: &str = "org.kde.StatusNotifierWatcher";
const MENU_PATH: &str = "/MenuBar";
const REFRESH: i32 = 1;
const QUIT: i32 = 2;

fn main() -> ExitCode {
    // One heap arena, set before any thread starts (the app's memory.rs).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: only sets a tuning parameter of glibc's allocator; no other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Into::into)
        .and_then(|runtime| runtime.block_on(run()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oncall-footprint-probe: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let (url, interval, headers) = arguments()?;
    let (clicks, mut clicked) = mpsc::channel(4);
    let bus = zbus::connection::Builder::session()?
        .serve_at("/StatusNotifierItem", Item)?
        .serve_at(MENU_PATH, Menu { clicks })?
        .build()
        .await?;
    let name = bus.unique_name().map(|n| n.to_string()).unwrap_or_default();
    let registered = bus
        .call_method(
            Some(WATCHER),
            "/StatusNotifierWatcher",
            Some(WATCHER),
            "RegisterStatusNotifierItem",
            &(name.as_str(),),
        )
        .await;
    match registered {
        Ok(_) => eprintln!("registered {name} with the StatusNotifierWatcher"),
        Err(e) => eprintln!("not registered with a StatusNotifierWatcher: {e}"),
    }
    let mut client = reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10));
    if url.starts_with("http://") {
        client = client.no_proxy(); // loopback: no proxy in between
    }
    let client = client.build()?;
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut notified = false;
    loop {
        tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            Some(id) = clicked.recv() => if id == QUIT { break },
            _ = ticks.tick() => {}
        }
        // A signal during a poll waits for it: at most the 10 s timeout.
        match poll(&client, &url).await {
            Ok(count) if !notified => {
                notified = true;
                match notify(&bus, count).await {
                    Ok(()) => eprintln!("notified: {count} incidents"),
                    Err(e) => eprintln!("the notification failed: {e}"),
                }
            }
            Ok(_) => {}
            Err(e) => eprintln!("poll failed: {e}"),
        }
        // The decoded body's pages go back to the system (the app's memory.rs).
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim takes the allocator's own locks; it frees nothing in use.
        unsafe {
            libc::malloc_trim(0);
        }
    }
    Ok(())
}

/// URL, the poll interval and the headers every request carries.
fn arguments() -> Result<(String, Duration, reqwest::header::HeaderMap)> {
    let mut args = std::env::args().skip(1);
    let (mut url, mut interval, mut headers) = (
        None,
        Duration::from_secs(2),
        reqwest::header::HeaderMap::new(),
    );
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--interval" => {
                let secs: f64 = args.next().ok_or(USAGE)?.parse()?;
                interval = Duration::try_from_secs_f64(secs)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or(USAGE)?;
            }
            "--header" => {
                let header = args.next().ok_or(USAGE)?;
                let (name, value) = header.split_once(':').ok_or(USAGE)?;
                let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())?;
                let mut value = reqwest::header::HeaderValue::from_str(value.trim())?;
                value.set_sensitive(true);
                headers.append(name, value);
            }
            _ if url.is_none() && !arg.starts_with('-') => url = Some(arg),
            _ => return Err(USAGE.into()),
        }
    }
    Ok((url.ok_or(USAGE)?, interval, headers))
}

/// One GET, its body decoded as JSON (as a client that reads it would) and dropped;
/// the length of its first array (`incidents`).
async fn poll(client: &reqwest::Client, url: &str) -> Result<usize> {
    let body: serde_json::Value = client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let count = body
        .as_object()
        .and_then(|o| o.values().find_map(|v| v.as_array()))
        .map_or(0, Vec::len);
    Ok(count)
}

/// One plain notification through the freedesktop notification service.
async fn notify(bus: &zbus::Connection, count: usize) -> Result<()> {
    let hints: HashMap<&str, Value<'_>> = HashMap::from([("urgency", Value::U8(1))]);
    let body = format!("{count} open incidents");
    // app name, replaces id, icon, summary, body, actions, hints, timeout (-1: the server's)
    let args = (
        "oncall-footprint-probe",
        0u32,
        "",
        "oncall-footprint-probe",
        body.as_str(),
        Vec::<&str>::new(),
        hints,
        -1i32,
    );
    let call = bus.call_method(
        Some("org.freedesktop.Notifications"),
        "/org/freedesktop/Notifications",
        Some("org.freedesktop.Notifications"),
        "Notify",
        &args,
    );
    tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .map_err(|_| "no answer in 5 s")??;
    Ok(())
}

/// `org.kde.StatusNotifierItem`: an icon from the theme, a tooltip and the menu.
struct Item;

/// A picture as the spec sends one: width, height, ARGB32 bytes (none here).
type Pixmap = (i32, i32, Vec<u8>);

#[zbus::interface(name = "org.kde.StatusNotifierItem")]
impl Item {
    #[zbus(property)]
    fn category(&self) -> &str {
        "ApplicationStatus"
    }
    #[zbus(property)]
    fn id(&self) -> &str {
        "oncall-footprint-probe"
    }
    #[zbus(property)]
    fn title(&self) -> &str {
        "oncall-footprint-probe"
    }
    #[zbus(property)]
    fn status(&self) -> &str {
        "Active"
    }
    #[zbus(property)]
    fn icon_name(&self) -> &str {
        "dialog-information"
    }
    /// Icon name, icon pictures, title, text.
    #[zbus(property)]
    fn tool_tip(&self) -> (&str, Vec<Pixmap>, &str, &str) {
        (
            "",
            Vec::new(),
            "oncall-footprint-probe",
            "the footprint floor",
        )
    }
    #[zbus(property)]
    fn item_is_menu(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn menu(&self) -> OwnedObjectPath {
        OwnedObjectPath::try_from(MENU_PATH).expect("a valid object path")
    }
    fn activate(&self, _x: i32, _y: i32) {}
    fn secondary_activate(&self, _x: i32, _y: i32) {}
    fn context_menu(&self, _x: i32, _y: i32) {}
    fn scroll(&self, _delta: i32, _orientation: &str) {}
}

/// `com.canonical.dbusmenu`: the root (0) with Refresh (1) and Quit (2).
struct Menu {
    clicks: mpsc::Sender<i32>,
}

type Properties = HashMap<String, OwnedValue>;

fn properties(id: i32) -> Properties {
    let text = |s: &str| OwnedValue::try_from(Value::from(s)).expect("a string has no fd");
    match id {
        REFRESH | QUIT => HashMap::from([
            (
                "label".into(),
                text(if id == QUIT { "Quit" } else { "Refresh" }),
            ),
            ("enabled".into(), OwnedValue::from(true)),
        ]),
        _ => HashMap::from([("children-display".into(), text("submenu"))]),
    }
}

#[zbus::interface(name = "com.canonical.dbusmenu")]
impl Menu {
    /// Revision 1 (the menu never changes) and the layout under `parent`.
    fn get_layout(
        &self,
        parent: i32,
        depth: i32,
        _names: Vec<String>,
    ) -> (u32, (i32, Properties, Vec<OwnedValue>)) {
        let children = if parent != 0 || depth == 0 {
            Vec::new()
        } else {
            [REFRESH, QUIT]
                .map(|id| {
                    let child = StructureBuilder::new()
                        .add_field(id)
                        .add_field(properties(id))
                        .add_field(Vec::<OwnedValue>::new())
                        .build()
                        .expect("a structure with fields");
                    OwnedValue::try_from(Value::Structure(child)).expect("no fd")
                })
                .into()
        };
        (1, (parent, properties(parent), children))
    }
    fn get_group_properties(&self, ids: Vec<i32>, _names: Vec<String>) -> Vec<(i32, Properties)> {
        ids.into_iter()
            .filter(|id| (0..=QUIT).contains(id))
            .map(|id| (id, properties(id)))
            .collect()
    }
    fn event(&self, id: i32, event: &str, _data: OwnedValue, _timestamp: u32) {
        if event == "clicked" {
            let _ = self.clicks.try_send(id);
        }
    }
    fn about_to_show(&self, _id: i32) -> bool {
        false
    }
    #[zbus(property)]
    fn version(&self) -> u32 {
        3
    }
    #[zbus(property)]
    fn status(&self) -> &str {
        "normal"
    }
}

//! A headless desktop session for the tray's end-to-end tests, private to one test: an
//! Xvfb display, a D-Bus session bus with a StatusNotifierWatcher (the tray host side
//! that libayatana-appindicator registers with; optional, as on GNOME without the
//! AppIndicator extension) and the notification recorder. Nothing
//! here touches the developer's real desktop.
//!
//! The tray is then read and clicked over D-Bus exactly as a desktop shell does: the
//! watcher names the item, the item names its `com.canonical.dbusmenu` object,
//! `GetLayout` returns the menu and `Event(id, "clicked")` activates an entry.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use oncall_notification_recorder::{Recorder, TestBus};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

use oncall_test_support::{eventually_some, within};

use crate::TIMEOUT;

pub struct Desktop {
    pub bus: TestBus,
    pub display: String,
    pub recorder: Recorder,
    pub connection: zbus::Connection,
    _xvfb: Child,
    /// The StatusNotifierWatcher, while the desktop has one.
    watcher: Option<Child>,
}

impl Desktop {
    pub async fn start() -> Desktop {
        let mut desktop = Desktop::start_without_tray_host().await;
        desktop.start_tray_host().await;
        desktop
    }

    /// A desktop where nothing shows tray icons, as GNOME without the AppIndicator
    /// extension: no StatusNotifierWatcher on the bus.
    pub async fn start_without_tray_host() -> Desktop {
        let bus = TestBus::start().expect("a private D-Bus session bus (package dbus-daemon)");
        let (xvfb, display) = start_xvfb().await;
        let connection = zbus::connection::Builder::address(bus.address.as_str())
            .expect("bus address")
            .build()
            .await
            .expect("connects to the private bus");
        let recorder = Recorder::start(Some(&bus.address))
            .await
            .expect("the notification recorder");
        Desktop {
            bus,
            display,
            recorder,
            connection,
            _xvfb: xvfb,
            watcher: None,
        }
    }

    /// Starts the StatusNotifierWatcher (the tray host side that libayatana-appindicator
    /// registers with), as enabling the AppIndicator extension does; returns once it
    /// owns its bus name.
    pub async fn start_tray_host(&mut self) {
        let watcher = Command::new("status-notifier-watcher")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("status-notifier-watcher (package haskell-status-notifier-item-utils) starts");
        self.watcher = Some(watcher);
        wait_for_name(&self.connection, "org.kde.StatusNotifierWatcher").await;
    }

    /// Ends the StatusNotifierWatcher, as a panel that crashes or an extension turned
    /// off does.
    pub async fn stop_tray_host(&mut self) {
        let mut watcher = self.watcher.take().expect("the tray host is running");
        watcher.kill().await.expect("the tray host ends");
    }

    /// The tray item the app registered, once it has.
    pub async fn tray(&self) -> Tray {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let items: Vec<String> = self
                .watcher_property("RegisteredStatusNotifierItems")
                .await
                .and_then(|v| Vec::<String>::try_from(v).ok())
                .unwrap_or_default();
            if let Some(item) = items.first() {
                // Items register as "service/path" or with their bus name only; then
                // the object is at the spec's `/StatusNotifierItem`, or (as
                // libayatana-appindicator puts it) found by introspection.
                let (service, path) = match item.split_once('/') {
                    Some((service, path)) => (service.to_string(), Some(format!("/{path}"))),
                    None => (item.clone(), None),
                };
                let path = match path {
                    Some(path) => path,
                    None if has_item(&self.connection, &service, DEFAULT_ITEM_PATH).await => {
                        DEFAULT_ITEM_PATH.to_string()
                    }
                    None => match find_item(&self.connection, &service, "/".into()).await {
                        Some(path) => path,
                        None => continue,
                    },
                };
                let tray = Tray {
                    connection: self.connection.clone(),
                    service,
                    path,
                };
                if tray.menu_path().await.is_some() {
                    return tray;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no tray item registered within {TIMEOUT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// X windows whose title is exactly `title` (xdotool).
    pub async fn windows(&self, title: &str) -> Vec<String> {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", &format!("^{title}$")])
            .env("DISPLAY", &self.display)
            .output()
            .await
            .expect("xdotool (package xdotool) runs");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub async fn wait_for_window(&self, title: &str) {
        eventually_some(
            &format!("a window titled {title:?}"),
            TIMEOUT,
            || async move { (!self.windows(title).await.is_empty()).then_some(()) },
        )
        .await
    }

    pub async fn wait_for_no_window(&self, title: &str) {
        eventually_some(
            &format!("the window {title:?} going away"),
            TIMEOUT,
            || async move { self.windows(title).await.is_empty().then_some(()) },
        )
        .await
    }

    /// Asks the window titled `title` to close, the way a window manager does when its
    /// close button is clicked: a `WM_DELETE_WINDOW` client message. (Xvfb has no window
    /// manager; this is the message one would send.)
    pub async fn close_window(&self, title: &str) {
        use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt as _, EventMask};
        use x11rb::wrapper::ConnectionExt as _;
        let windows = self.windows(title).await;
        let window: u32 = windows
            .first()
            .unwrap_or_else(|| panic!("no window titled {title:?} to close"))
            .parse()
            .expect("xdotool prints window ids in decimal");
        let (conn, _) = x11rb::connect(Some(&self.display)).expect("connects to Xvfb");
        let atom = |name: &str| {
            conn.intern_atom(false, name.as_bytes())
                .expect("intern_atom")
                .reply()
                .expect("atom")
                .atom
        };
        let (protocols, delete) = (atom("WM_PROTOCOLS"), atom("WM_DELETE_WINDOW"));
        let event = ClientMessageEvent::new(
            32,
            window,
            protocols,
            [delete, x11rb::CURRENT_TIME, 0, 0, 0],
        );
        conn.send_event(false, window, EventMask::NO_EVENT, event)
            .expect("send_event");
        conn.sync().expect("the close request reaches the X server");
    }

    async fn watcher_property(&self, name: &str) -> Option<OwnedValue> {
        let proxy = zbus::fdo::PropertiesProxy::builder(&self.connection)
            .destination("org.kde.StatusNotifierWatcher")
            .ok()?
            .path("/StatusNotifierWatcher")
            .ok()?
            .build()
            .await
            .ok()?;
        let interface =
            zbus::names::InterfaceName::try_from("org.kde.StatusNotifierWatcher").ok()?;
        proxy.get(interface, name).await.ok()
    }
}

/// Where the StatusNotifierItem spec puts an item registered by bus name only.
const DEFAULT_ITEM_PATH: &str = "/StatusNotifierItem";

/// Whether `service` serves a StatusNotifierItem at `path`.
async fn has_item(connection: &zbus::Connection, service: &str, path: &str) -> bool {
    connection
        .call_method(
            Some(service),
            path,
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &("org.kde.StatusNotifierItem", "Menu"),
        )
        .await
        .is_ok()
}

/// The object path under `path` that implements `org.kde.StatusNotifierItem`.
fn find_item<'a>(
    connection: &'a zbus::Connection,
    service: &'a str,
    path: String,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>> + Send + 'a>> {
    Box::pin(async move {
        let xml: String = connection
            .call_method(
                Some(service),
                path.as_str(),
                Some("org.freedesktop.DBus.Introspectable"),
                "Introspect",
                &(),
            )
            .await
            .ok()?
            .body()
            .deserialize()
            .ok()?;
        if xml.contains("\"org.kde.StatusNotifierItem\"") {
            return Some(path);
        }
        for child in xml.split("<node name=\"").skip(1) {
            let name = child.split('"').next()?;
            let child_path = if path == "/" {
                format!("/{name}")
            } else {
                format!("{path}/{name}")
            };
            if let Some(found) = find_item(connection, service, child_path).await {
                return Some(found);
            }
        }
        None
    })
}

/// Starts Xvfb on a free display number, which it reports itself (`-displayfd`).
async fn start_xvfb() -> (Child, String) {
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("Xvfb (package xvfb) starts");
    let stdout = xvfb.stdout.take().expect("piped");
    let mut line = String::new();
    tokio::time::timeout(TIMEOUT, BufReader::new(stdout).read_line(&mut line))
        .await
        .expect("Xvfb reports its display in time")
        .expect("Xvfb's display number");
    (xvfb, format!(":{}", line.trim()))
}

async fn wait_for_name(connection: &zbus::Connection, name: &str) {
    let dbus = zbus::fdo::DBusProxy::new(connection)
        .await
        .expect("the bus's own interface");
    let bus_name = zbus::names::BusName::try_from(name).expect("a bus name");
    let (dbus, bus_name) = (&dbus, &bus_name);
    eventually_some(&format!("{name} on the bus"), TIMEOUT, || async move {
        let owned = dbus.name_has_owner(bus_name.clone()).await;
        owned.unwrap_or(false).then_some(())
    })
    .await
}

/// A StatusNotifierItem and its dbusmenu.
pub struct Tray {
    connection: zbus::Connection,
    service: String,
    path: String,
}

/// One entry of the tray menu as the desktop sees it.
#[derive(Debug, Clone)]
pub struct MenuNode {
    pub id: i32,
    pub label: String,
    pub enabled: bool,
    pub children: Vec<MenuNode>,
}

impl MenuNode {
    /// The first entry (depth first) whose label contains `text`.
    pub fn find(&self, text: &str) -> Option<&MenuNode> {
        if self.label.contains(text) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(text))
    }

    /// The labels of the top-level entries, for failure messages and assertions.
    pub fn labels(&self) -> Vec<String> {
        self.children.iter().map(|c| c.label.clone()).collect()
    }
}

impl Tray {
    async fn item_property(&self, name: &str) -> Option<OwnedValue> {
        let proxy = zbus::fdo::PropertiesProxy::builder(&self.connection)
            .destination(self.service.as_str())
            .ok()?
            .path(self.path.as_str())
            .ok()?
            .build()
            .await
            .ok()?;
        let interface = zbus::names::InterfaceName::try_from("org.kde.StatusNotifierItem").ok()?;
        proxy.get(interface, name).await.ok()
    }

    async fn menu_path(&self) -> Option<OwnedObjectPath> {
        OwnedObjectPath::try_from(self.item_property("Menu").await?).ok()
    }

    /// The label beside the icon (appindicator's `XAyatanaLabel`).
    pub async fn label(&self) -> String {
        self.item_property("XAyatanaLabel")
            .await
            .and_then(|v| String::try_from(v).ok())
            .unwrap_or_default()
    }

    /// The icon, as the item names it (a file name for tauri's generated icons).
    pub async fn icon(&self) -> String {
        self.item_property("IconName")
            .await
            .and_then(|v| String::try_from(v).ok())
            .unwrap_or_default()
    }

    pub async fn layout(&self) -> MenuNode {
        let path = self.menu_path().await.expect("the tray item has a menu");
        let reply = self
            .connection
            .call_method(
                Some(self.service.as_str()),
                path.as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0i32, -1i32, Vec::<String>::new()),
            )
            .await
            .expect("GetLayout answers");
        let (_revision, root): (u32, RawNode) =
            reply.body().deserialize().expect("a dbusmenu layout");
        node(root.0, &root.1, &root.2)
    }

    /// Clicks the entry `id`, as a desktop shell does.
    /// Clicks the entry labelled `label` (inside the entry whose label contains `within`,
    /// when given), as a desktop shell does. The menu is read again right before the
    /// click and the click retried if the app rebuilt its menu in between (entry ids
    /// change on a rebuild).
    pub async fn click(&self, within: Option<&str>, label: &str) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let menu = self.layout().await;
            let scope = match within {
                Some(parent) => menu.find(parent),
                None => Some(&menu),
            };
            let entry = scope.and_then(|scope| {
                if within.is_some() {
                    scope.children.iter().find(|c| c.label == label)
                } else {
                    scope.find(label)
                }
            });
            if let Some(entry) = entry {
                if self.event(entry.id).await.is_ok() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "could not click {label:?} within {TIMEOUT:?}; the menu is {menu:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn event(&self, id: i32) -> zbus::Result<()> {
        let path = self.menu_path().await.expect("the tray item has a menu");
        self.connection
            .call_method(
                Some(self.service.as_str()),
                path.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(id, "clicked", Value::from(0i32), 0u32),
            )
            .await
            .map(drop)
    }

    /// Waits until the menu satisfies `cond`; returns it.
    pub async fn wait_for_menu(&self, what: &str, cond: impl Fn(&MenuNode) -> bool) -> MenuNode {
        let cond = &cond;
        let menu = within(TIMEOUT, || async move {
            let menu = self.layout().await;
            cond(&menu).then_some(menu)
        })
        .await;
        match menu {
            Some(menu) => menu,
            None => panic!(
                "the tray menu never showed {what} within {TIMEOUT:?}; it shows {:#?}",
                self.layout().await
            ),
        }
    }
}

/// A dbusmenu layout node on the wire: `(ia{sv}av)`.
type RawNode = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);

fn node(id: i32, props: &HashMap<String, OwnedValue>, children: &[OwnedValue]) -> MenuNode {
    let label = props
        .get("label")
        .and_then(|v| String::try_from(v.clone()).ok())
        .unwrap_or_default()
        .replace('_', ""); // dbusmenu marks mnemonics with underscores
    let enabled = props
        .get("enabled")
        .and_then(|v| bool::try_from(v.clone()).ok())
        .unwrap_or(true);
    let children = children
        .iter()
        .filter_map(|child| {
            let value: &Value = child;
            let value = match value {
                Value::Value(inner) => inner.as_ref(),
                other => other,
            };
            let Value::Structure(s) = value else {
                return None;
            };
            let fields = s.fields();
            let id = i32::try_from(&fields[0]).ok()?;
            let props: HashMap<String, OwnedValue> = match &fields[1] {
                Value::Dict(d) => d.try_clone().ok()?.try_into().ok()?,
                _ => return None,
            };
            let kids: Vec<OwnedValue> = match &fields[2] {
                Value::Array(a) => a.iter().filter_map(|v| v.try_to_owned().ok()).collect(),
                _ => return None,
            };
            Some(node(id, &props, &kids))
        })
        .collect();
    MenuNode {
        id,
        label,
        enabled,
        children,
    }
}

//! The files that make oncall-tray a desktop application on Linux (`packaging/linux/`
//! and the app icons in `icons/`), checked with the tools a distribution and a desktop
//! check them with: `desktop-file-validate`, `appstreamcli validate`, `systemd-analyze
//! verify`, GTK's SVG loader. And against the running app: the window's `WM_CLASS` is
//! the desktop entry's `StartupWMClass`, a page names the desktop entry, and "Start at
//! login" writes an autostart entry that starts this very binary. Nothing here reaches
//! the internet (`--no-net`).
//!
//! The names, as a package installs them (`packaging/linux/README.md`):
//! `oncall-tray.desktop`, icon `oncall-tray`, AppStream id `dev.oncalltray.OncallTray`
//! (tauri's `identifier`), user unit `oncall-tray-headless.service`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use oncall_fake_pagerduty::NewIncident;
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::headless_world::{page_titled, HeadlessWorld};
use oncall_tray_e2e::{binary, wait_until, Sandbox};

/// The desktop entry: its file name is the desktop id the metainfo launches, the
/// notifications' `desktop-entry` hint and tauri's bundler's own name for it.
const DESKTOP_ENTRY: &str = "packaging/linux/oncall-tray.desktop";
const METAINFO: &str = "packaging/linux/dev.oncalltray.OncallTray.metainfo.xml";
const USER_UNIT: &str = "packaging/linux/oncall-tray-headless.service";
/// Where a package installs the binary.
const INSTALLED_BINARY: &str = "/usr/bin/oncall-tray";
/// The hicolor sizes of the app icon: `icons/NxN.png` installs as
/// `share/icons/hicolor/NxN/apps/oncall-tray.png`, `icons/app.svg` as
/// `share/icons/hicolor/scalable/apps/oncall-tray.svg`.
const ICON_SIZES: [u32; 8] = [16, 24, 32, 48, 64, 128, 256, 512];
const ICON_NAME: &str = "oncall-tray";

/// A file of the repository.
fn repo(path: &str) -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests
        .parent()
        .expect("tests/ is in the repository")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs `program args`: its exit code and everything it printed (stdout, then stderr).
fn run(program: &str, args: &[&str], package: &str) -> (Option<i32>, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} (package {package}) runs: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// The `[Desktop Entry]` group of a desktop file, key by key.
fn desktop_entry(text: &str) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    let mut in_group = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_group = line == "[Desktop Entry]";
        } else if let (true, Some((key, value))) = (in_group, line.split_once('=')) {
            keys.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    keys
}

/// `desktop-file-validate` on `path`: no error, no warning, not even a hint.
fn assert_desktop_file_valid(path: &Path) {
    let (code, output) = run(
        "desktop-file-validate",
        &[path.to_str().unwrap()],
        "desktop-file-utils",
    );
    assert!(
        code == Some(0) && output.trim().is_empty(),
        "desktop-file-validate {}: exit {code:?}\n{output}",
        path.display()
    );
}

/// tauri.conf.json, which names the product, the binary and the app id.
fn tauri_conf() -> serde_json::Value {
    serde_json::from_str(&read("src-tauri/tauri.conf.json")).expect("tauri.conf.json")
}

/// The workspace's `key = "value"` of `[workspace.package]` in Cargo.toml.
fn workspace_package(key: &str) -> String {
    let cargo = read("Cargo.toml");
    let section = cargo
        .split("[workspace.package]")
        .nth(1)
        .expect("a [workspace.package] table");
    section
        .lines()
        .take_while(|l| !l.starts_with('['))
        .find_map(|l| l.strip_prefix(&format!("{key} = \""))?.strip_suffix('"'))
        .unwrap_or_else(|| panic!("[workspace.package] {key}"))
        .to_owned()
}

/// Width and height of a PNG, and whether it is 8-bit RGBA (read from its IHDR chunk).
fn png_size(path: &Path) -> (u32, u32, bool) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.len() > 26 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "{} is not a PNG",
        path.display()
    );
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20), bytes[24] == 8 && bytes[25] == 6)
}

/// The elements `<tag …>text</tag>` of an XML text (our own metainfo: no CDATA, no
/// nesting of the same tag), as (attributes, text).
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        // `<tag>` or `<tag attr…>`, not `<tagger>`.
        if !after.starts_with(['>', ' ', '\n']) {
            rest = after;
            continue;
        }
        let head_end = after.find('>').expect("a closed start tag");
        let attributes = after[..head_end].trim();
        let body = &after[head_end + 1..];
        let end = body.find(&close).unwrap_or_else(|| panic!("</{tag}>"));
        found.push((attributes, body[..end].trim()));
        rest = &body[end..];
    }
    found
}

fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    attributes
        .split_once(&format!("{name}=\""))?
        .1
        .split('"')
        .next()
}

fn only<'a>(xml: &'a str, tag: &str) -> &'a str {
    match elements(xml, tag).as_slice() {
        [(_, text)] => text,
        other => panic!("one <{tag}> expected, found {other:?}"),
    }
}

#[test]
fn the_desktop_entry_is_valid_and_launches_the_installed_binary_with_its_icon() {
    assert_desktop_file_valid(&repo(DESKTOP_ENTRY));
    let entry = desktop_entry(&read(DESKTOP_ENTRY));
    let conf = tauri_conf();

    // The file's name: tauri's bundler names its desktop entry after productName, and
    // the notifications' desktop-entry hint (tested below) says the same.
    let id = Path::new(DESKTOP_ENTRY)
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(
        Some(id),
        conf["productName"].as_str(),
        "tauri.conf.json productName"
    );

    // The command is the binary a package installs on PATH; from the application menu
    // it opens the window (a second launch opens the running app's).
    let binary_name = Path::new(INSTALLED_BINARY).file_name().unwrap().to_str();
    assert_eq!(binary_name, conf["mainBinaryName"].as_str());
    let exec: Vec<&str> = entry["Exec"].split_whitespace().collect();
    assert_eq!(exec, [binary_name.unwrap(), "--show"], "Exec");
    assert_eq!(entry.get("TryExec").map(String::as_str), binary_name);
    assert_eq!(entry["Type"], "Application");
    assert_eq!(entry["Terminal"], "false");
    // The window belongs to a child process, which the launch's startup id does not
    // reach (GTK takes it out of the tray process's environment): launch feedback would
    // spin until it timed out.
    assert_eq!(entry["StartupNotify"], "false");

    // The icon is one the icons/ folder provides at every size (see the icon test).
    assert_eq!(entry["Icon"], ICON_NAME);
    for key in ["Name", "GenericName", "Comment", "Categories", "Keywords"] {
        assert!(!entry[key].is_empty(), "{key} is empty");
    }
    for word in [
        "pager",
        "on-call",
        "PagerDuty",
        "Alertmanager",
        "Opsgenie",
        "incident",
    ] {
        assert!(
            entry["Keywords"].split(';').any(|k| k == word),
            "Keywords lack {word}: {}",
            entry["Keywords"]
        );
    }
}

#[test]
fn the_appstream_metainfo_is_valid_and_describes_this_app() {
    let path = repo(METAINFO);
    let (code, output) = run(
        "appstreamcli",
        &["validate", "--no-net", "--strict", path.to_str().unwrap()],
        "appstream",
    );
    assert_eq!(code, Some(0), "appstreamcli validate --strict:\n{output}");

    let xml = read(METAINFO);
    // The id is the app's reverse-DNS identifier, and names the file.
    let id = only(&xml, "id");
    assert_eq!(Some(id), tauri_conf()["identifier"].as_str());
    assert_eq!(
        Path::new(METAINFO).file_name().unwrap().to_str().unwrap(),
        format!("{id}.metainfo.xml")
    );
    // What it launches and provides is what the package installs.
    let launchable = elements(&xml, "launchable");
    let desktop_id = Path::new(DESKTOP_ENTRY)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(launchable, [("type=\"desktop-id\"", desktop_id)]);
    assert_eq!(only(&xml, "binary"), "oncall-tray");
    assert_eq!(only(&xml, "project_license"), workspace_package("license"));
    // The newest release is this version.
    let (release, _) = elements(&xml, "release")[0];
    assert_eq!(
        attribute(release, "version"),
        Some(workspace_package("version").as_str())
    );
    assert!(attribute(release, "date").is_some(), "{release}");

    // Every screenshot is one of docs/, at its real size.
    let screenshots = elements(&xml, "image");
    assert!(!screenshots.is_empty(), "no screenshots");
    for (attributes, url) in screenshots {
        assert!(url.starts_with("https://"), "{url}");
        let file = url
            .split_once("/docs/")
            .unwrap_or_else(|| panic!("{url} is not a file of docs/"))
            .1;
        let (width, height, _) = png_size(&repo(&format!("docs/{file}")));
        assert_eq!(
            (
                attribute(attributes, "width"),
                attribute(attributes, "height")
            ),
            (
                Some(width.to_string().as_str()),
                Some(height.to_string().as_str())
            ),
            "the size given for {url}"
        );
    }
}

#[test]
fn the_headless_user_unit_verifies_and_runs_the_installed_binary() {
    let text = read(USER_UNIT);
    let exec: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("ExecStart="))
        .collect();
    assert_eq!(exec, [format!("{INSTALLED_BINARY} --headless")]);
    // A config that cannot work exits 3 (`tests/cli/exit_codes.rs`): no restart loop.
    assert!(
        text.lines().any(|l| l == "RestartPreventExitStatus=3"),
        "{text}"
    );

    // systemd-analyze also checks that the command exists: the unit is verified as
    // installed, with the binary under test standing in for the installed one.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let unit = dir.path().join("oncall-tray-headless.service");
    let built = binary();
    std::fs::write(
        &unit,
        text.replace(INSTALLED_BINARY, built.to_str().expect("a UTF-8 path")),
    )
    .expect("unit written");
    // It wants a runtime directory, which it finds through XDG_RUNTIME_DIR.
    let sandbox = Sandbox::new();
    let runtime = sandbox.runtime_dir();
    let out = Command::new("systemd-analyze")
        .args(["--user", "verify", unit.to_str().unwrap()])
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("systemd-analyze (package systemd) runs");
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // It exits 0 on unknown keys and unparsable values, only saying so: any line about
    // the unit is a failure.
    assert!(
        out.status.success() && !output.contains("oncall-tray-headless.service"),
        "systemd-analyze --user verify: {:?}\n{output}",
        out.status
    );

    // Every unit it names is one the user's service manager has (a misspelt target
    // would be ignored in silence).
    let (_, paths) = run("systemd-analyze", &["--user", "unit-paths"], "systemd");
    let named: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            let (key, value) = l.split_once('=')?;
            [
                "After", "Wants", "WantedBy", "PartOf", "Requires", "BindsTo",
            ]
            .contains(&key)
            .then_some(value)
        })
        .flat_map(str::split_whitespace)
        .collect();
    assert!(named.contains(&"default.target"), "{named:?}");
    for name in named {
        assert!(
            paths.lines().any(|dir| Path::new(dir).join(name).exists()),
            "{name} is not a user unit here (searched {paths})"
        );
    }
}

#[test]
fn the_app_icon_comes_at_every_hicolor_size_and_as_the_same_scalable_picture() {
    for size in ICON_SIZES {
        let path = repo(&format!("icons/{size}x{size}.png"));
        assert_eq!(
            png_size(&path),
            (size, size, true),
            "{} is {size}x{size} 8-bit RGBA",
            path.display()
        );
    }

    // app.svg through the loader GTK itself uses for scalable icons (gdk-pixbuf's
    // librsvg loader), at 256 px, against 256x256.png: the same picture, up to
    // anti-aliasing.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let rendered = dir.path().join("app-256.png");
    let svg = repo("icons/app.svg");
    let (code, output) = run(
        "gdk-pixbuf-thumbnailer",
        &[
            "-s",
            "256",
            svg.to_str().unwrap(),
            rendered.to_str().unwrap(),
        ],
        "libgdk-pixbuf2.0-bin",
    );
    assert_eq!(code, Some(0), "app.svg does not load:\n{output}");
    assert_eq!(png_size(&rendered).0, 256);
    let reference = repo("icons/256x256.png");
    let (_, difference) = run(
        "compare",
        &[
            "-metric",
            "RMSE",
            rendered.to_str().unwrap(),
            reference.to_str().unwrap(),
            "null:",
        ],
        "imagemagick",
    );
    // "1026.69 (0.0156664)": the normalised error is in brackets.
    let rmse: f64 = difference
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .and_then(|(r, _)| r.parse().ok())
        .unwrap_or_else(|| panic!("compare printed {difference:?}"));
    assert!(
        rmse < 0.03,
        "app.svg is not the picture of the PNGs (RMSE {rmse}); run icons/generate.sh"
    );
}

/// The `WM_CLASS` (instance, class) of X window `window`.
fn wm_class(display: &str, window: u32) -> (String, String) {
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _};
    let (conn, _) = x11rb::connect(Some(display)).expect("connects to Xvfb");
    let reply = conn
        .get_property(false, window, AtomEnum::WM_CLASS, AtomEnum::STRING, 0, 256)
        .expect("get_property")
        .reply()
        .expect("WM_CLASS");
    let text = String::from_utf8_lossy(&reply.value).into_owned();
    let mut parts = text.split('\0');
    let instance = parts.next().unwrap_or_default().to_owned();
    let class = parts.next().unwrap_or_default().to_owned();
    (instance, class)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launched_from_the_menu_its_window_carries_the_entrys_startup_wm_class() {
    let entry = desktop_entry(&read(DESKTOP_ENTRY));
    let desktop = Desktop::start().await;
    let sandbox = Sandbox::new();
    // The entry's command, the installed binary being the one under test.
    let exec: Vec<&str> = entry["Exec"].split_whitespace().collect();
    let app = sandbox.spawn_tray(&exec[1..], &desktop);

    // The window's own title; the tray's hidden windows have other names.
    desktop.wait_for_window("oncall-tray").await;
    let windows = desktop.windows("oncall-tray").await;
    for window in &windows {
        let (instance, class) = wm_class(&desktop.display, window.parse().unwrap());
        // Desktops match StartupWMClass against the instance first (GNOME Shell), and
        // the instance is also the app id on Wayland (GTK uses the program name for
        // both).
        if instance != entry["StartupWMClass"] {
            app.fail(format!(
                "window {window}: WM_CLASS is ({instance:?}, {class:?}), StartupWMClass is {:?}",
                entry["StartupWMClass"]
            ));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_names_the_desktop_entry_it_comes_from() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let app = w.spawn();
    w.first_poll(&app).await;
    w.fake.trigger(NewIncident::new("Checkout API is down"));

    // The freedesktop hint by which a desktop shows the app's name and icon beside the
    // page and applies the app's notification settings: the desktop file's name.
    let page = page_titled(&recorder, "Checkout API is down", &app).await;
    let id = Path::new(DESKTOP_ENTRY)
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(
        page.hints.get("desktop-entry").map(String::as_str),
        Some(id),
        "{page:#?}"
    );
    w.finish(app, recorder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_at_login_writes_a_valid_autostart_entry_that_starts_this_binary() {
    let desktop = Desktop::start().await;
    let sandbox = Sandbox::new();
    // The autostart folder is $HOME/.config/autostart: a home of the test's own.
    let home = tempfile::tempdir().expect("a temporary home");
    let entry_path = home.path().join(".config/autostart/oncall-tray.desktop");
    let mut app = sandbox
        .command(&[])
        .env("HOME", home.path())
        .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus.address)
        .env("DISPLAY", &desktop.display)
        .env("XDG_RUNTIME_DIR", sandbox.runtime_dir())
        .env("GDK_BACKEND", "x11")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("oncall-tray starts");

    let tray = desktop.tray().await;
    tray.click(None, "Start at login").await;
    wait_until("the autostart entry is written", || entry_path.exists()).await;
    assert_desktop_file_valid(&entry_path);
    let entry = desktop_entry(&std::fs::read_to_string(&entry_path).unwrap());
    assert_eq!(entry["Type"], "Application");
    // It starts the binary that wrote it (for a package, /usr/bin/oncall-tray) as the
    // tray app: no window, not the demo.
    let exec: Vec<&str> = entry["Exec"].split_whitespace().collect();
    let running = binary().canonicalize().expect("the binary's path");
    assert_eq!(exec, [running.to_str().unwrap()], "Exec");

    // Unticked, it is gone.
    tray.click(None, "Start at login").await;
    wait_until("the autostart entry is removed", || !entry_path.exists()).await;

    app.kill().await.expect("the app ends");
}

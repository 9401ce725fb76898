//! What stays running all day links no browser engine or GL stack (issue 18): the tray
//! app and `--headless` map none of WebKitGTK, its JavaScriptCore, GTK 3, Mesa's LLVM or
//! a DRI driver (`/proc/PID/maps`), before the window opens, while it is open and after
//! it closed. The window's own process, which comes and goes, maps WebKitGTK: the check
//! sees such libraries where they are.

use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::headless_world::HeadlessWorld;
use oncall_tray_e2e::{descendants_named, wait_until, Sandbox};

/// Parts of the file names of the libraries a resident process must not map.
const GUI_LIBRARIES: [&str; 6] = [
    "libwebkit2gtk",
    "libjavascriptcoregtk",
    "libgtk-3",
    "libLLVM",
    "_dri.so",
    "/dri/",
];

/// The files among `pid`'s mappings that are GUI libraries.
fn gui_libraries(pid: u32) -> Vec<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/maps: {e}"));
    let mut found: Vec<String> = maps
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .filter(|path| GUI_LIBRARIES.iter().any(|lib| path.contains(lib)))
        .map(str::to_string)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_app_maps_no_gui_library_even_while_its_window_is_open() {
    let desktop = Desktop::start().await;
    let sandbox = Sandbox::new();
    let mut app = sandbox.spawn_tray(&["--demo"], &desktop);
    let tray = desktop.tray().await;
    tray.wait_for_menu("Open oncall-tray…", |m| {
        m.find("Open oncall-tray").is_some()
    })
    .await;
    assert_eq!(
        gui_libraries(app.pid()),
        Vec::<String>::new(),
        "{}",
        app.log()
    );

    tray.click(None, "Open oncall-tray").await;
    desktop.wait_for_window("oncall-tray").await;
    let window = descendants_named(app.pid(), "oncall-tray-win");
    assert_eq!(window.len(), 1, "the window's process: {window:?}");
    let window_libraries = gui_libraries(window[0]);
    assert!(
        window_libraries.iter().any(|l| l.contains("libwebkit2gtk")),
        "the window's process maps WebKitGTK, so the check can see it: {window_libraries:?}"
    );
    assert_eq!(
        gui_libraries(app.pid()),
        Vec::<String>::new(),
        "{}",
        app.log()
    );

    desktop.close_window("oncall-tray").await;
    wait_until("the window's process to end", || {
        descendants_named(app.pid(), "oncall-tray-win").is_empty()
    })
    .await;
    assert_eq!(
        gui_libraries(app.pid()),
        Vec::<String>::new(),
        "{}",
        app.log()
    );
    assert!(app.is_running(), "{}", app.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_maps_no_gui_library() {
    let w = HeadlessWorld::start().await;
    let app = w.spawn();
    w.first_poll(&app).await;
    assert_eq!(
        gui_libraries(app.pid()),
        Vec::<String>::new(),
        "{}",
        app.log()
    );
}

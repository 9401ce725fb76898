//! Issue 12, items 1 and 5: what an incident service (or whoever posts an alert to it)
//! writes must neither launch anything nor act on the screen it is shown on.
//!
//! - A link that is no web page (`file://`, a share, any registered scheme) is never
//!   offered: no Open button on the page, no Open entry in the tray, none in the window.
//! - A hostile title (ESC [2J, an OSC 52 clipboard write, a NUL, a right-to-left
//!   override, a C1 CSI, a bidi mark, a line separator, an `&`) is shown cleaned in the
//!   terminal, the tray menu, the notification and the window.

use std::path::Path;

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_notification_recorder::Recorded;
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::headless_world::HeadlessWorld;
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{
    fake_account_config, polls, wait_for_requests, wait_until_or, RecordingOpener, Sandbox, TIMEOUT,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A title that acts on whatever shows it raw: an `&` (a menu mnemonic), ESC [2J (clear
/// the screen), OSC 52 (write the clipboard), a NUL (GTK cuts or panics), U+202E (read
/// backwards), U+009B (C1 CSI), U+200F (RLM) and U+2028 (a line break).
const HOSTILE: &str =
    "R&D\u{1b}[2J down\u{1b}]52;c;ZXZpbA==\u{7}\u{0}\u{202E}txet\u{9b}31m\u{200F}\u{2028}!";
/// [`HOSTILE`] as it must be shown.
const CLEANED: &str = "R&D [2J down ]52;c;ZXZpbA== txet 31m !";
/// Characters that must never reach a terminal, a menu or a notification.
const FORBIDDEN: [char; 8] = [
    '\u{1b}', '\u{7}', '\u{0}', '\u{202E}', '\u{9b}', '\u{200F}', '\u{2028}', '\n',
];

fn assert_clean(what: &str, text: &str) {
    let found: Vec<char> = text.chars().filter(|c| FORBIDDEN.contains(c)).collect();
    assert!(found.is_empty(), "{what} shows {found:?}: {text:?}");
}

/// A terminal's output is lines, each of them clean.
fn assert_clean_lines(what: &str, output: &str) {
    for line in output.lines() {
        assert_clean(what, line);
    }
}

/// The notification whose summary contains `text`.
fn page<'a>(seen: &'a [Recorded], text: &str) -> &'a Recorded {
    seen.iter()
        .find(|n| n.summary.contains(text))
        .unwrap_or_else(|| panic!("no notification with {text:?}: {seen:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_with_a_file_link_has_no_open_button_and_a_web_link_opens_in_the_browser() {
    let w = HeadlessWorld::start().await;
    let recorder = w.recorder().await;
    let opener = RecordingOpener::install();
    let app = w.spawn_with_env(&[("PATH", opener.path())]);

    // Pages arrive while the app runs (one already open at start is summarised).
    w.first_poll(&app).await;
    w.fake
        .trigger(NewIncident::new("Passwd is served").html_url("file:///etc/passwd"));
    let web = w.fake.trigger(NewIncident::new("Checkout API is down"));

    let seen = recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("Passwd is served"))
                && n.iter().any(|n| n.summary.contains("Checkout API is down"))
        })
        .await
        .unwrap_or_else(|e| app.fail(e));
    let file_page = page(&seen, "Passwd is served");
    assert_eq!(file_page.action_label("open"), None, "{file_page:#?}");
    assert_eq!(
        file_page.action_label("ack"),
        Some("Acknowledge"),
        "{file_page:#?}"
    );
    let web_page = page(&seen, "Checkout API is down");
    assert_eq!(web_page.action_label("open"), Some("Open"), "{web_page:#?}");

    // The Open button of the web page reaches the system's opener with its link.
    recorder.press(web_page.id, "open").await.unwrap();
    let link = format!("{}/_fake/web/incidents/{web}", w.url());
    wait_until_or(
        &format!("the opener being asked for [{link:?}]"),
        || format!("it was asked for {:?}\n{}", opener.opened(), app.log()),
        || opener.opened() == [link.clone()],
    )
    .await;
}

#[tokio::test]
async fn incidents_and_status_print_service_text_without_its_escape_sequences() {
    let sandbox = Sandbox::new();
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    sandbox.write_config(&fake_account_config(&server.url, 15));
    fake.trigger(NewIncident::new(HOSTILE));

    let out = sandbox.run(&["incidents"]).await;
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_clean_lines("`incidents`", &out.stdout);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a header and one row: {out:#?}");
    assert!(lines[1].ends_with(CLEANED), "{out:#?}");

    // Error text the service sends reaches the terminal too.
    sandbox.write_config(&fake_account_config(&hostile_error_server().await, 15));
    // A 500: the service is unreachable for now (exit status 4).
    let out = sandbox.run(&["status"]).await;
    assert_eq!(out.code, Some(4), "{out:#?}");
    assert_clean_lines("`status`", &out.stdout);
    assert!(out.stdout.contains(CLEANED), "{out:#?}");
    let out = sandbox.run(&["incidents"]).await;
    assert_eq!(out.code, Some(4), "{out:#?}");
    assert_clean_lines("`incidents` errors", &out.stderr);
    assert!(out.stderr.contains(CLEANED), "{out:#?}");
}

/// A loopback server that answers every request 500 with PagerDuty's error body, its
/// message [`HOSTILE`], for as long as the test's runtime runs; its URL.
async fn hostile_error_server() -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let body = serde_json::json!({"error": {"message": HOSTILE, "code": 2000}}).to_string();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            tokio::spawn(async move {
                // The request head is all there is (GETs); it is read to its end.
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

/// The row of the window's incident table for `id`, as a script expression.
fn row(id: &str) -> String {
    format!("document.querySelector('#incidents tbody tr[data-key=\"work/{id}\"]')")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_incident_shows_cleaned_and_without_open_in_the_notification_menu_and_window() {
    let desktop = Desktop::start().await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    let log = sandbox.data_dir().with_file_name("window-app.log");
    let window = Driver::start_with(&sandbox, &desktop, &["--show"], &[], Some(&log)).await;
    let fail = |e: &dyn std::fmt::Display| -> ! { panic!("{e}\n----- log -----\n{}", read(&log)) };
    wait_for_requests(&fake, "the first poll", |r| polls(r) >= 1)
        .await
        .unwrap_or_else(|e| fail(&e));

    let hostile = fake.trigger(NewIncident::new(HOSTILE).html_url("file:///etc/passwd"));
    let normal = fake.trigger(NewIncident::new("Checkout API is down"));

    // The notification: cleaned, and no Open button for the file link.
    let seen = desktop
        .recorder
        .wait_for(TIMEOUT, |n| {
            n.iter().any(|n| n.summary.contains("R&D"))
                && n.iter().any(|n| n.summary.contains("Checkout API is down"))
        })
        .await
        .unwrap_or_else(|e| fail(&e));
    let hostile_page = page(&seen, "R&D");
    assert_eq!(hostile_page.summary, format!("[high] #1 {CLEANED}"));
    assert_clean("the notification", &hostile_page.body);
    assert_eq!(hostile_page.action_label("open"), None, "{hostile_page:#?}");
    let normal_page = page(&seen, "Checkout API is down");
    assert_eq!(normal_page.action_label("open"), Some("Open"));

    // The tray menu, read over dbusmenu as a desktop shell reads it.
    let tray = desktop.tray().await;
    let menu = tray
        .wait_for_menu("the cleaned title", |m| {
            m.find(CLEANED).is_some() && m.find("Checkout API is down").is_some()
        })
        .await;
    let entry = menu.find(CLEANED).unwrap();
    assert!(
        entry.label.starts_with(&format!("● #1 {CLEANED} · ")),
        "{entry:#?}"
    );
    let open_of = |title: &str| {
        let incident = menu.find(title).unwrap();
        incident
            .children
            .iter()
            .find(|c| c.label == "Open in browser")
            .unwrap_or_else(|| panic!("no Open in browser in {incident:#?}"))
            .enabled
    };
    assert!(!open_of(CLEANED), "a file link is not offered: {entry:#?}");
    assert!(open_of("Checkout API is down"));
    for label in labels(&menu) {
        assert_clean("a menu label", &label);
    }

    // The window: the title cell shows the cleaned text; no Open button for the file link.
    window
        .wait_for(
            "both rows",
            &format!(
                "return {} !== null && {} !== null",
                row(&hostile),
                row(&normal)
            ),
        )
        .await;
    let title = window
        .script(&format!(
            "return [...{}.querySelectorAll('td')].map(td => td.textContent)",
            row(&hostile)
        ))
        .await;
    let cells: Vec<String> = serde_json::from_value(title).unwrap();
    assert!(cells.iter().any(|c| c == CLEANED), "{cells:?}");
    for cell in &cells {
        assert_clean("a window cell", cell);
    }
    let open_buttons = |id: &str| {
        format!(
            "return {}.querySelectorAll('button[data-action=\"open\"]').length",
            row(id)
        )
    };
    assert_eq!(window.script(&open_buttons(&hostile)).await, 0);
    assert_eq!(window.script(&open_buttons(&normal)).await, 1);
    window.quit().await;
}

/// Every label in the menu, depth first.
fn labels(node: &oncall_tray_e2e::desktop::MenuNode) -> Vec<String> {
    let mut all = vec![node.label.clone()];
    for child in &node.children {
        all.extend(labels(child));
    }
    all
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

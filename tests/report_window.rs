//! The Report tab as a person uses it, through WebDriver against the real app window: a
//! page rings, the report counts it and draws it, and "Export CSV" writes the file into
//! the download folder (the one `user-dirs.dirs` names, as on a desktop) and opens it.

use std::path::{Path, PathBuf};

use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{fake_account_config, wait_until_or, RecordingOpener, Sandbox, TIMEOUT};

/// Points the app's download folder at `folder`: `XDG_DOWNLOAD_DIR` in
/// `$XDG_CONFIG_HOME/user-dirs.dirs`, which the WebDriver harness sets to the sandbox's.
fn set_download_folder(sandbox: &Sandbox, folder: &Path) {
    let xdg = sandbox.config_dir().join("xdg");
    std::fs::create_dir_all(&xdg).unwrap();
    std::fs::write(
        xdg.join("user-dirs.dirs"),
        format!("XDG_DOWNLOAD_DIR=\"{}\"\n", folder.display()),
    )
    .unwrap();
}

#[tokio::test]
async fn a_page_shows_in_the_report_and_its_csv_is_exported_to_the_download_folder() {
    let desktop = Desktop::start().await;
    let fake = FakePagerDuty::new();
    let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let sandbox = Sandbox::new();
    sandbox.write_config(&fake_account_config(&server.url, 2));
    // Not made in advance: the export makes it.
    let downloads: PathBuf = sandbox.config_dir().with_file_name("Downloads");
    set_download_folder(&sandbox, &downloads);
    let opener = RecordingOpener::install();
    let driver = Driver::start_with(
        &sandbox,
        &desktop,
        &["--show"],
        &[("PATH", opener.path().as_str())],
        None,
    )
    .await;
    driver
        .wait_for(
            "\"All clear\"",
            "return document.getElementById('state').textContent === 'All clear'",
        )
        .await;

    // A page rings.
    fake.trigger(NewIncident::new("Checkout API is down"));
    desktop
        .recorder
        .wait_for(TIMEOUT, |shown| {
            shown
                .iter()
                .any(|n| n.summary.contains("Checkout API is down"))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // The Report tab counts it. The history records a page just after the notification
    // server took it, so the person looks again (chooses the period again) if the tab
    // opened in between.
    driver.click("#tab-report").await;
    driver
        .wait_for(
            "the report to count 1 page",
            "const pages = document.querySelector('#report-figures tr td')?.textContent ?? '';\
             const counted = !document.getElementById('report-body').hidden && pages.startsWith('1 (');\
             if (!counted) document.getElementById('report-days').dispatchEvent(new Event('change'));\
             return counted",
        )
        .await;
    let figures = driver
        .script("return document.querySelector('#report-figures tr').textContent")
        .await;
    assert_eq!(
        figures, "Pages1 (1 high urgency, 0 repeats) for 1 incident",
        "the figures table"
    );
    // The chart is an SVG element in the page (parsed as SVG, not HTML), today's bar 1.
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let chart = driver
        .script(&format!(
            "const svg = document.querySelector('#report-chart svg');\
             return [svg instanceof SVGSVGElement, svg.querySelector('g.day[data-date=\"{today}\"] text.count')?.textContent ?? null]"
        ))
        .await;
    assert_eq!(chart, serde_json::json!([true, "1"]), "the chart");
    let incident = driver
        .script("return document.querySelector('#report-incidents li').textContent")
        .await;
    assert_eq!(incident, "#1 Checkout API is down (Checkout API): 1");

    // Export CSV: the file is in the download folder, with today's row, and the page
    // says where.
    driver.click("#report-export").await;
    driver
        .wait_for(
            "the export to say where it went",
            "return !document.getElementById('report-exported').hidden",
        )
        .await;
    let file = downloads.join(format!("oncall-report-{today}.csv"));
    let said = driver
        .script("return document.getElementById('report-exported-text').textContent")
        .await;
    assert_eq!(
        said,
        format!("Saved the report of the last 7 days as {}", file.display())
    );
    let csv = std::fs::read_to_string(&file).expect("the exported CSV");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("date,pages,working_hours,outside_working_hours,sleep_interruptions"),
        "{csv}"
    );
    assert_eq!(lines.len(), 1 + 7, "{csv}");
    let row = lines.last().unwrap();
    assert!(row.starts_with(&format!("{today},1,")), "{csv}");

    // Open folder: the download folder, and nothing the page named.
    driver.click("#report-open-folder").await;
    let expected = vec![downloads.display().to_string()];
    wait_until_or(
        "the download folder opened",
        || format!("{:?}", opener.opened()),
        || opener.opened() == expected,
    )
    .await;

    driver.quit().await;
}

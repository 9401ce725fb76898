//! The On call tab in the real window, through WebDriver, against the fake PagerDuty:
//! who is on call now and next in the user's schedule, and covering a shift. A cover
//! goes to the service only from its confirmation, with exactly the times the
//! confirmation showed, and the tab then shows the user on call.

use chrono::{DateTime, Duration, DurationRound as _, Utc};
use oncall_fake_pagerduty::{FakePagerDuty, Fault, FaultKind, Route, RunningFake, ScheduleSpec};
use oncall_tray_e2e::desktop::Desktop;
use oncall_tray_e2e::webdriver::Driver;
use oncall_tray_e2e::{fake_account_config, polls, wait_for_requests, Sandbox};
use serde_json::Value;

/// The seeded policy "Checkout on-call" pages this schedule at level 1.
const SCHEDULE: &str = "PSCHED1";
const ALICE: &str = "PALICE1";
/// The token's user (`PAT_TOKEN`).
const PAT: &str = "PUSER01";
const TURN_HOURS: i64 = 8;

/// The rota entry of [`SCHEDULE`] in the tab.
const ENTRY: &str = "#oncall-accounts li[data-schedule=\"PSCHED1\"]";

/// The app with its window open on the On call tab, one account on a fake PagerDuty
/// whose schedule has Alice on call now and Pat (the user) next.
struct OnCall {
    driver: Driver,
    fake: FakePagerDuty,
    /// When Alice's turn ends and Pat's begins.
    handover: DateTime<Utc>,
    _server: RunningFake,
    _sandbox: Sandbox,
    _desktop: Desktop,
}

impl OnCall {
    async fn open() -> OnCall {
        let desktop = Desktop::start().await;
        let fake = FakePagerDuty::new();
        fake.add_user(
            ALICE,
            "Alice Example",
            "alice@example.com",
            "fake-token-alice",
        );
        // Alice's turn started an hour ago; Pat's follows it.
        let alice_from =
            Utc::now().duration_trunc(Duration::minutes(1)).unwrap() - Duration::hours(1);
        fake.add_schedule(ScheduleSpec::rotation(
            SCHEDULE,
            "Primary",
            &[ALICE, PAT],
            alice_from,
            (TURN_HOURS * 3600) as u64,
        ));
        let server = fake.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
        let sandbox = Sandbox::new();
        sandbox.write_config(&fake_account_config(&server.url, 2));
        let driver = Driver::start(&sandbox, &desktop, &["--show"]).await;
        driver.wait_for_first_view().await;
        // As a person would: the tab's digit key.
        driver.keys("2").await;
        driver
            .wait_for(
                "the On call tab",
                "return !document.getElementById('panel-oncall').hidden",
            )
            .await;
        OnCall {
            driver,
            fake,
            handover: alice_from + Duration::hours(TURN_HOURS),
            _server: server,
            _sandbox: sandbox,
            _desktop: desktop,
        }
    }

    /// Waits until the entry's `line` ("now" or "next") shows `user`, marked as the
    /// user's own when `me`.
    async fn shows(&self, line: &str, user: &str, me: bool) {
        let person = format!(
            "{ENTRY} .{line} .person{}[data-user=\"{user}\"]",
            if me { ".me" } else { "" }
        );
        self.driver
            .wait_for(
                &format!("{user} in the schedule's {line} line"),
                &format!("return document.querySelector('{person}') !== null"),
            )
            .await;
    }

    async fn text(&self, css: &str) -> String {
        let script = format!("return document.querySelector('{css}')?.textContent ?? ''");
        self.driver
            .script(&script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Opens the confirmation of the entry's `cover` button ("take", "hours", "next").
    async fn ask(&self, cover: &str) {
        self.driver
            .click(&format!("{ENTRY} button[data-cover=\"{cover}\"]"))
            .await;
        self.driver
            .wait_for(
                "the confirmation",
                "return !document.getElementById('cover-confirm').hidden",
            )
            .await;
    }

    /// The start and end the confirmation shows (as it will send them).
    async fn shown_times(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let data = self
            .driver
            .script("const d = document.getElementById('cover-confirm').dataset; return [d.start, d.end]")
            .await;
        let time = |v: &Value| {
            v.as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .unwrap_or_else(|| panic!("the confirmation holds no time: {data}"))
                .with_timezone(&Utc)
        };
        (time(&data[0]), time(&data[1]))
    }

    /// Where the tab bar is in the window, in CSS pixels from the top.
    async fn tabs_top(&self) -> f64 {
        self.driver
            .script("return document.getElementById('tabs').getBoundingClientRect().top")
            .await
            .as_f64()
            .expect("a number")
    }

    /// Where the tab bar would be if the on-call line said `text`.
    async fn tabs_top_with_on_call_line(&self, text: &str) -> f64 {
        let script = format!(
            "const line = document.getElementById('oncall'); const was = line.textContent; \
             line.textContent = {text}; \
             const top = document.getElementById('tabs').getBoundingClientRect().top; \
             line.textContent = was; return top;",
            text = serde_json::to_string(text).unwrap()
        );
        self.driver
            .script(&script)
            .await
            .as_f64()
            .expect("a number")
    }

    fn override_requests(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.contains("/overrides"))
            .count()
    }
}

#[tokio::test]
async fn taking_alices_shift_asks_first_then_puts_me_on_call_for_the_times_shown() {
    let w = OnCall::open().await;
    w.shows("now", ALICE, false).await;
    w.shows("next", PAT, true).await;
    assert!(
        w.text(ENTRY)
            .await
            .contains("Checkout on-call · level 1 · Primary"),
        "{}",
        w.text(ENTRY).await
    );
    assert!(w
        .text(&format!("{ENTRY} .next"))
        .await
        .contains("Pat Oncall (you)"));

    w.ask("take").await;
    let sentence = w.text("#cover-text").await;
    assert!(
        sentence.starts_with(
            "You will be on call for Checkout on-call · level 1 (schedule Primary) from "
        ) && sentence.ends_with(
            " instead of Alice Example. This adds an override to the schedule in PagerDuty."
        ),
        "{sentence}"
    );
    let (start, end) = w.shown_times().await;
    // From now (to the minute) until Alice's turn ends.
    assert_eq!(end, w.handover, "{sentence}");
    let late = Utc::now() - start;
    assert!(
        late >= Duration::zero() && late < Duration::minutes(2),
        "starts at {start}"
    );
    assert_eq!(w.override_requests(), 0, "sent before Confirm");

    w.driver.click("#cover-ok").await;
    let requests = wait_for_requests(&w.fake, "the override", |r| {
        r.iter()
            .any(|r| r.method == "POST" && r.path == format!("/schedules/{SCHEDULE}/overrides"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let post = requests
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/overrides"))
        .unwrap();
    assert_eq!(post.status, 201, "{post:#?}");
    let body: Value = serde_json::from_str(&post.body).expect("a JSON body");
    let sent = &body["overrides"][0];
    let at = |key: &str| {
        DateTime::parse_from_rfc3339(sent[key].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{key}: {e}: {body}"))
            .with_timezone(&Utc)
    };
    assert_eq!(sent["user"]["id"], PAT, "{body}");
    assert_eq!((at("start"), at("end")), (start, end), "{body}");
    assert_eq!(
        body["overrides"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    let overrides = w.fake.overrides(SCHEDULE);
    assert_eq!(overrides.len(), 1, "{overrides:#?}");
    assert_eq!(
        (
            overrides[0].user_id.as_str(),
            overrides[0].start,
            overrides[0].end
        ),
        (PAT, start, end)
    );

    w.driver
        .wait_for(
            "the cover confirmed",
            "return document.getElementById('cover-result').dataset.result === 'ok'",
        )
        .await;
    assert!(w
        .text("#cover-result")
        .await
        .starts_with("Done: you are on call for"));
    // The engine reads the schedule again: Pat is on call now, and Alice no longer is.
    w.shows("now", PAT, true).await;
    assert!(
        !w.text(&format!("{ENTRY} .now"))
            .await
            .contains("Alice Example"),
        "{}",
        w.text(ENTRY).await
    );
    // The header's on-call line now says so. Whatever it says (nothing, or more than
    // the window is wide), the tabs stay where they are: a shift starting must not move
    // them out from under a pointer about to click one.
    w.driver
        .wait_for(
            "the on-call line",
            "return document.getElementById('oncall').textContent.startsWith('You are on call for')",
        )
        .await;
    let shown = w.tabs_top().await;
    for text in [
        "",
        &"You are on call for a very long list of rotations ".repeat(20),
    ] {
        assert_eq!(
            w.tabs_top_with_on_call_line(text).await,
            shown,
            "with {text:?}"
        );
    }
    w.driver.quit().await;
}

#[tokio::test]
async fn cancel_and_escape_send_nothing() {
    let w = OnCall::open().await;
    w.shows("now", ALICE, false).await;

    w.ask("take").await;
    w.driver.click("#cover-cancel").await;
    w.driver
        .wait_for(
            "the confirmation gone",
            "return document.getElementById('cover-confirm').hidden",
        )
        .await;

    w.ask("hours").await;
    assert!(
        w.text("#cover-text")
            .await
            .contains(" instead of Alice Example."),
        "{}",
        w.text("#cover-text").await
    );
    // Focus is on the hours chooser: Escape closes the confirmation from there.
    w.driver.keys("\u{E00C}").await;
    w.driver
        .wait_for(
            "the confirmation gone after Escape",
            "return document.getElementById('cover-confirm').hidden",
        )
        .await;

    // Two more polls later, still nothing was sent.
    let seen = polls(&w.fake.requests());
    wait_for_requests(&w.fake, "two more polls", |r| polls(r) >= seen + 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.override_requests(), 0);
    assert!(w.fake.overrides(SCHEDULE).is_empty());
    w.shows("now", ALICE, false).await;
    w.driver.quit().await;
}

#[tokio::test]
async fn a_refused_cover_says_why_and_changes_nothing() {
    let w = OnCall::open().await;
    w.shows("now", ALICE, false).await;
    // The key may not write schedules: PagerDuty answers 403.
    w.fake
        .inject(Fault::once(Route::CreateOverrides, FaultKind::Forbidden));

    w.ask("take").await;
    w.driver.click("#cover-ok").await;
    w.driver
        .wait_for(
            "the refusal",
            "return document.getElementById('cover-result').dataset.result === 'failed'",
        )
        .await;
    let said = w.text("#cover-result").await;
    assert!(said.starts_with("Could not cover the shift: "), "{said}");
    assert!(said.contains("Access Denied"), "{said}");
    assert!(w.fake.overrides(SCHEDULE).is_empty());
    w.shows("now", ALICE, false).await;
    w.driver.quit().await;
}

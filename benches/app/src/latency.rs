//! Page latency: from an incident appearing in the fake PagerDuty to the `Notify` call on
//! the D-Bus notification server, for the release `oncall-tray --headless`, and (in the
//! same run, polling the same fake at the same interval) to the moment a headless
//! Chromium page notices it.
//!
//! Incidents are triggered at random instants, uniform over a span of several poll
//! intervals, so each one lands at a random phase of the poll cycle and several are in
//! flight per cycle; `storm_threshold` is raised so each one stays a page of its own.

use std::time::{Duration, SystemTime};

use anyhow::{bail, Context as _};
use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_notification_recorder::Recorder;
use rand::{Rng as _, SeedableRng as _};

use crate::app::{self, App, Setup, TOKEN};
use crate::browser::{self, Chromium, PageServer};
use crate::procfs::{self, Cpu, Memory};
use crate::stats::Sample;

pub struct Side {
    pub latency: Sample,
    pub missed: usize,
    pub memory: Memory,
    pub cpu: Cpu,
    /// Requests the fake received from this side during the trigger phase.
    pub requests: usize,
}

pub struct Latency {
    pub interval: Duration,
    pub incidents: usize,
    pub span: Duration,
    /// Median round trip of the app's incident-list request to the fake (loopback).
    pub rtt: Duration,
    pub app: Side,
    pub browser: Option<Side>,
    /// Notifications the app sent for the benchmark's incidents (one each expected).
    pub pages: usize,
    pub wall: Duration,
}

impl Latency {
    pub fn floor(&self) -> Duration {
        self.interval + self.rtt
    }
}

/// The app's incident-list query (crates/pagerduty `list_query`), for the round trip.
pub const LIST_QUERY: &str = "statuses[]=triggered&statuses[]=acknowledged&date_range=all\
    &sort_by=incident_number:asc&limit=100&offset=0&user_ids[]=PUSER01";

/// Median of 21 `GET /incidents` round trips with a kept-alive connection.
pub async fn round_trip(url: &str) -> anyhow::Result<Duration> {
    let client = reqwest::Client::new();
    let mut sample = Sample::default();
    for _ in 0..21 {
        let t = std::time::Instant::now();
        let reply = client
            .get(format!("{url}/incidents?{LIST_QUERY}"))
            .header("authorization", format!("Token token={TOKEN}"))
            .header("accept", "application/vnd.pagerduty+json;version=2")
            .send()
            .await?;
        reply.error_for_status()?.bytes().await?;
        sample.push(t.elapsed());
    }
    Ok(sample.pct(50.0))
}

pub async fn run(
    bus: &str,
    recorder: &Recorder,
    page: Option<&PageServer>,
    interval_s: u64,
    incidents: usize,
) -> anyhow::Result<Latency> {
    let interval = Duration::from_secs(interval_s);
    // At least 1 s per incident and 10 poll intervals: 2 s → 100 s (2 per cycle on
    // average), 15 s → 150 s (10 per cycle).
    let span = Duration::from_secs(incidents as u64).max(interval * 10);
    let fake = FakePagerDuty::new();
    let server = fake.serve("127.0.0.1:0".parse()?).await?;
    let rtt = round_trip(&server.url).await?;
    fake.clear_requests();
    recorder.clear();

    let app = App::start(
        bus,
        &Setup {
            api_url: &server.url,
            poll_seconds: interval_s,
            storm_threshold: 1000,
        },
    )?;
    let app_pids = vec![app.pid()];
    let result = async {
        app::wait_requests(
            &fake,
            Duration::from_secs(20),
            "the app's first poll",
            |r| app::polls(r) >= 1,
        )
        .await?;
        let mut chromium = match (page, browser::chromium_binary()) {
            (Some(page), Some(bin)) => {
                // `page` is only given when Chromium is installed (main.rs).
                page.reset(&server.url);
                let mut c = Chromium::start(&bin, &page.page_url(interval, TOKEN))?;
                browser::wait_ready(page, &mut c, Duration::from_secs(60)).await?;
                Some(c)
            }
            _ => None,
        };
        // Let both settle (the app's first poll also fetches /users/me and /oncalls).
        tokio::time::sleep(Duration::from_secs(1)).await;

        let mut rng = rand::rngs::StdRng::seed_from_u64(5 + interval_s);
        let mut offsets: Vec<Duration> = (0..incidents)
            .map(|_| span.mul_f64(rng.random_range(0.0..1.0)))
            .collect();
        offsets.sort();

        let app_cpu0 = procfs::cpu(&app_pids);
        let browser_cpu0 = chromium.as_ref().map(|c| procfs::cpu(&c.processes()));
        let app_requests0 = fake.requests().len();
        let browser_polls0 = page.map(|p| p.polls()).unwrap_or(0);
        let start = tokio::time::Instant::now();
        let wall0 = std::time::Instant::now();
        let mut triggered: Vec<(String, String, SystemTime)> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        for (i, offset) in offsets.iter().enumerate() {
            tokio::time::sleep_until(start + *offset).await;
            // Incidents both sides have seen are resolved, as a person would deal with
            // them: the open list stays short, as it is on a normal day.
            resolve_seen(&fake, recorder, page, &triggered, &mut open);
            let tag = format!("P{i:03}");
            let at = SystemTime::now();
            let id = fake.trigger(NewIncident::new(format!("Bench page {tag}")));
            triggered.push((tag, id, at));
            open.push(i);
        }
        // Everything rings within a poll interval and a bit.
        let deadline = std::time::Instant::now() + interval * 2 + Duration::from_secs(10);
        loop {
            let notified = recorder.notifications();
            let app_done = triggered
                .iter()
                .all(|(tag, _, _)| notified.iter().any(|n| n.summary.ends_with(tag)));
            let browser_done = chromium.is_none()
                || triggered
                    .iter()
                    .all(|(_, id, _)| page.and_then(|p| p.seen(id)).is_some());
            if (app_done && browser_done) || std::time::Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let wall = wall0.elapsed();
        let app_cpu = procfs::cpu(&app_pids).since(app_cpu0);
        let browser_cpu = match (&chromium, browser_cpu0) {
            (Some(c), Some(b)) => Some(procfs::cpu(&c.processes()).since(b)),
            _ => None,
        };
        let browser_polls = page.map(|p| p.polls()).unwrap_or(0) - browser_polls0;
        // Requests the fake saw minus those the page's origin forwarded.
        let app_requests = fake.requests().len() - app_requests0 - browser_polls;

        let notified = recorder.notifications();
        let mut app_latency = Sample::default();
        let mut app_missed = 0;
        let mut pages = 0;
        let mut browser_latency = Sample::default();
        let mut browser_missed = 0;
        for (tag, id, at) in &triggered {
            let mine: Vec<_> = notified
                .iter()
                .filter(|n| n.summary.ends_with(tag.as_str()))
                .collect();
            pages += mine.len();
            match mine.first() {
                Some(n) => app_latency.push(n.received_at.duration_since(*at).unwrap_or_default()),
                None => app_missed += 1,
            }
            if chromium.is_some() {
                match page.and_then(|p| p.seen(id)) {
                    Some(seen) => {
                        browser_latency.push(seen.duration_since(*at).unwrap_or_default())
                    }
                    None => browser_missed += 1,
                }
            }
        }
        let app_memory = procfs::memory(&app_pids);
        let browser_side = match chromium.as_mut() {
            Some(c) => {
                if !c.is_running() {
                    bail!("chromium exited during the run");
                }
                Some(Side {
                    latency: browser_latency,
                    missed: browser_missed,
                    memory: procfs::memory(&c.processes()),
                    cpu: browser_cpu.unwrap_or_default(),
                    requests: browser_polls,
                })
            }
            None => None,
        };
        if let Some(c) = chromium {
            c.stop().await;
        }
        Ok(Latency {
            interval,
            incidents,
            span,
            rtt,
            app: Side {
                latency: app_latency,
                missed: app_missed,
                memory: app_memory,
                cpu: app_cpu,
                requests: app_requests,
            },
            browser: browser_side,
            pages,
            wall,
        })
    }
    .await;
    let log = app.log();
    app.stop().await;
    server.shutdown().await;
    result.with_context(|| format!("latency at {interval_s} s; the app's log:\n{log}"))
}

/// Resolves the open incidents that the app has notified and the page (if any) has seen.
fn resolve_seen(
    fake: &FakePagerDuty,
    recorder: &Recorder,
    page: Option<&PageServer>,
    triggered: &[(String, String, SystemTime)],
    open: &mut Vec<usize>,
) {
    if open.is_empty() {
        return;
    }
    let notified = recorder.notifications();
    open.retain(|&i| {
        let (tag, id, _) = &triggered[i];
        let by_app = notified.iter().any(|n| n.summary.ends_with(tag.as_str()));
        let by_page = page.is_none_or(|p| p.seen(id).is_some());
        if by_app && by_page {
            fake.resolve(id);
            false
        } else {
            true
        }
    });
}

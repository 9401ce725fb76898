//! Issue-5 benchmarks of the release `oncall-tray` that need the real binary, a D-Bus
//! notification server and a fake PagerDuty: page latency at 2 s and 15 s poll intervals
//! (and a headless Chromium page polling the same fake, side by side), button press →
//! acknowledgement on the wire, API cost, and a 2,000-incident storm. Prints a Markdown
//! table; `BENCHMARKS.md` explains each figure.
//!
//! `./dev bench` runs it (`cargo run --profile bench-driver -p oncall-tray-bench`) after building the
//! release `oncall-tray`; everything it starts listens on 127.0.0.1 or a private bus.
//!
//! Knobs (environment): `ONCALL_BENCH_PAGES` (incidents per latency run, default 100),
//! `ONCALL_BENCH_INTERVALS` (default `2,15`), `ONCALL_BENCH_PRESSES` (default 25),
//! `ONCALL_BENCH_STORMS` (repetitions, default 3), `ONCALL_BENCH_CHROMIUM` (the browser,
//! default `/usr/bin/chromium`; the side-by-side column is left out without it).

mod ack;
mod apicost;
mod app;
mod browser;
mod latency;
mod procfs;
mod stats;
mod storm;

use std::time::{Duration, Instant};

use oncall_notification_recorder::{Recorder, TestBus};

use crate::stats::ms;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn log(what: &str) {
    eprintln!("bench: {} {what}", chrono::Local::now().format("%T"));
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**not met**"
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let pages = env_num("ONCALL_BENCH_PAGES", 100);
    let presses = env_num("ONCALL_BENCH_PRESSES", 25);
    let storms = env_num("ONCALL_BENCH_STORMS", 3).max(1);
    let intervals: Vec<u64> = std::env::var("ONCALL_BENCH_INTERVALS")
        .unwrap_or_else(|_| "2,15".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let binary = app::binary()?;

    log("API cost: the engine on paused time, simulated hours");
    let cost = std::thread::spawn(apicost::run)
        .join()
        .map_err(|_| anyhow::anyhow!("the API-cost run panicked"))??;

    let bus = TestBus::start()?;
    let recorder = Recorder::start(Some(&bus.address)).await?;
    let chromium = browser::chromium_binary();
    let page = match chromium {
        Some(_) => Some(browser::PageServer::start().await?),
        None => {
            log("no Chromium (apt-get install chromium): the side-by-side column is left out");
            None
        }
    };

    let mut runs = Vec::new();
    for &interval in &intervals {
        log(&format!("page latency at {interval} s: {pages} incidents"));
        runs.push(latency::run(&bus.address, &recorder, page.as_ref(), interval, pages).await?);
    }
    log(&format!("acknowledgement on the wire: {presses} presses"));
    let ack = ack::run(&bus.address, &recorder, presses).await?;
    let mut storm_runs = Vec::new();
    for n in 0..storms {
        log(&format!(
            "storm {}/{storms}: 2,000 incidents in one poll",
            n + 1
        ));
        storm_runs.push(storm::run(&bus.address, &recorder, 2000).await?);
    }
    recorder.stop().await;
    if let Some(page) = page {
        page.stop();
    }

    // ----- the table -----
    println!();
    println!("## Latency, API cost and storm (release `oncall-tray --headless`, `benches/app`)");
    println!();
    println!(
        "Binary {} ({:.1} MB). {} cores. Run took {:.1} min.",
        binary.display(),
        std::fs::metadata(&binary).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        started.elapsed().as_secs_f64() / 60.0
    );
    println!();
    let chrome_col = chromium.is_some();
    println!("| measure | oncall-tray | headless Chromium page | issue-5 target | status |");
    println!("|---|---|---|---|---|");
    for run in &runs {
        let t = run.interval.as_secs();
        let floor = run.floor();
        let target = run.interval + Duration::from_millis(250);
        let p99 = run.app.latency.pct(99.0);
        let side = |s: &latency::Side| {
            format!(
                "{} / **{}** (max {}){}",
                secs(s.latency.pct(50.0)),
                secs(s.latency.pct(99.0)),
                secs(s.latency.max()),
                if s.missed > 0 {
                    format!(", {} missed", s.missed)
                } else {
                    String::new()
                }
            )
        };
        let ratio = |s: &latency::Side| {
            format!(
                "{:.2} / {:.2}",
                s.latency.pct(50.0).as_secs_f64() / floor.as_secs_f64(),
                s.latency.pct(99.0).as_secs_f64() / floor.as_secs_f64()
            )
        };
        let browser = |f: &dyn Fn(&latency::Side) -> String| {
            run.browser.as_ref().map(f).unwrap_or_else(|| "—".into())
        };
        println!(
            "| page latency, {t} s poll, p50 / p99 ({} incidents over {:.0} s) | {} | {} | p99 ≤ {} | {} |",
            run.incidents,
            run.span.as_secs_f64(),
            side(&run.app),
            browser(&side),
            secs(target),
            verdict(run.app.missed == 0 && p99 <= target)
        );
        println!(
            "| ratio to the floor ({t} s + {} round trip = {}), p50 / p99 | {} | {} | — | — |",
            ms(run.rtt),
            secs(floor),
            ratio(&run.app),
            browser(&ratio)
        );
        println!(
            "| notifications for those {} incidents ({t} s run) | {} | — | one each | {} |",
            run.incidents,
            run.pages,
            verdict(run.pages == run.incidents)
        );
        let requests = |s: &latency::Side| {
            let per_min = s.requests as f64 / run.wall.as_secs_f64() * 60.0;
            format!("{} ({per_min:.1}/min)", s.requests)
        };
        println!(
            "| requests to the fake during the {t} s run ({:.0} s) | {} | {} | one per poll | — |",
            run.wall.as_secs_f64(),
            requests(&run.app),
            browser(&requests)
        );
        let memory = |s: &latency::Side| s.memory.describe();
        println!(
            "| memory at the end of the {t} s run: RSS / PSS / USS | {} | {} | — | — |",
            memory(&run.app),
            browser(&memory)
        );
        let cpu = |s: &latency::Side| {
            format!(
                "{:.0} ms ({:.3} % of a core)",
                s.cpu.ms(),
                100.0 * s.cpu.ms() / 1e3 / run.wall.as_secs_f64()
            )
        };
        println!(
            "| CPU time over the {t} s run | {} | {} | — | — |",
            cpu(&run.app),
            browser(&cpu)
        );
    }
    let _ = chrome_col;
    println!(
        "| button press → acknowledgement on the wire, p50 / p99 ({} presses) | {} / **{}** (max {}) | — | ≤ 100 ms | {} |",
        ack.presses,
        ms(ack.latency.pct(50.0)),
        ms(ack.latency.pct(99.0)),
        ms(ack.latency.max()),
        verdict(ack.latency.pct(99.0) <= Duration::from_millis(100))
    );
    println!(
        "| requests per press (the write, then the refresh poll the app makes after every action) | {:.1} | — | — | — |",
        ack.requests_per_press
    );
    for (open, counts) in &cost.per_hour {
        let total: usize = counts.values().sum();
        let polls = counts.get("GET /incidents").copied().unwrap_or(0);
        let per_poll = polls as f64 / 240.0;
        let target = if *open <= 100 {
            verdict((per_poll - 1.0).abs() < 1e-9)
        } else {
            "—"
        };
        println!(
            "| API cost, {open} open incidents, 15 s poll: requests per hour per account | {total} ({}) | — | one per poll up to 100 open | {target} |",
            describe(counts)
        );
    }
    for (action, counts) in &cost.per_action {
        println!(
            "| API cost of one action: {action} | {} ({}) | — | — | — |",
            counts.values().sum::<usize>(),
            describe(counts)
        );
    }
    let med = |f: &dyn Fn(&storm::Storm) -> f64| {
        let mut v: Vec<f64> = storm_runs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v)
    };
    let list = |v: &[f64], digits: usize| {
        v.iter()
            .map(|x| format!("{x:.digits$}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let max_notes = storm_runs
        .iter()
        .map(|s| s.notifications)
        .max()
        .unwrap_or(0);
    println!(
        "| storm: {} incidents in one poll, notifications sent | {} (runs: {}) | — | ≤ 2 | {} |",
        storm_runs[0].incidents,
        max_notes,
        storm_runs
            .iter()
            .map(|s| s.notifications.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        verdict(max_notes <= 2)
    );
    let (storm_ms, all) = med(&|s| s.storm_cpu.ms());
    let (_, ticks) = med(&|s| s.storm_cpu.tick_ms());
    println!(
        "| storm: CPU time of that poll ({} requests), median of {} | **{storm_ms:.0} ms** (runs: {} ms; stat ticks: {} ms) | — | ≤ 50 ms | {} |",
        storm_runs[0].requests_per_poll,
        storm_runs.len(),
        list(&all, 0),
        list(&ticks, 0),
        verdict(storm_ms <= 50.0)
    );
    let (steady_ms, all) = med(&|s| s.steady_cpu.ms());
    println!(
        "| next poll of the same 2,000 (steady), CPU time, median | {steady_ms:.0} ms (runs: {} ms) | — | — | — |",
        list(&all, 0)
    );
    let (before, _) = med(&|s| s.before.pss_mib());
    let (after, all) = med(&|s| s.after.pss_mib());
    println!(
        "| storm: memory (PSS) before → after, median | {before:.1} → **{after:.1}** MiB (runs after: {} MiB) | — | — | — |",
        list(&all, 1)
    );
    Ok(())
}

fn describe(counts: &apicost::Counts) -> String {
    if counts.is_empty() {
        return "none".into();
    }
    counts
        .iter()
        .map(|(route, n)| format!("{route} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

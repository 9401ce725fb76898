//! Engine figures: `cargo bench -p oncall-engine --bench engine`.
//!
//! Prints (1) the time to fetch and decode a 2,000-incident snapshot from the fake
//! PagerDuty over loopback and to run the notification policy over it (the "diff"),
//! (2) requests per poll at 100 and 1,000 open incidents, and (3) the memory held for
//! 2,000 incidents (snapshot plus policy state), measured with a counting allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveTime, Utc};
use oncall_fake_pagerduty::{FakePagerDuty, NewIncident};
use oncall_model::{AccountId, Provider, Urgency};
use oncall_pagerduty::{Credential, PagerDutyClient, PagerDutyConfig};
use oncall_policy::{evaluate, Now, PolicyState, Poll, Settings};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn client(url: &str) -> PagerDutyClient {
    let config = PagerDutyConfig::new(
        AccountId::new("bench"),
        url.parse().unwrap(),
        Credential::ApiToken("fake-token-pat".to_string().into()),
    );
    PagerDutyClient::new(config).unwrap()
}

fn fill(fake: &FakePagerDuty, n: usize) {
    for i in 0..n {
        let urgency = if i % 4 == 0 {
            Urgency::Low
        } else {
            Urgency::High
        };
        fake.trigger(
            NewIncident::new(format!("Synthetic incident {i}: p99 latency above SLO"))
                .urgency(urgency),
        );
    }
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!(
        "oncall-engine benchmark ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!();
    println!("| measure | value |");
    println!("|---|---|");

    for n in [100usize, 1000] {
        let fake = FakePagerDuty::new();
        fill(&fake, n);
        let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let c = client(&server.url);
        let first = c.open_incidents().await.unwrap();
        let steady = c.open_incidents().await.unwrap();
        assert_eq!(steady.incidents.len(), n);
        println!(
            "| requests per poll, {n} open incidents (first poll incl. /users/me) | {} ({}) |",
            steady.requests, first.requests
        );
        server.shutdown().await;
    }

    let n = 2000;
    let fake = FakePagerDuty::new();
    fill(&fake, n);
    let server = fake.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let c = client(&server.url);
    c.open_incidents().await.unwrap();
    let mut fetches = Vec::new();
    let mut snapshot = Vec::new();
    let mut requests = 0;
    for _ in 0..10 {
        let t = Instant::now();
        let fetch = c.open_incidents().await.unwrap();
        fetches.push(t.elapsed());
        (snapshot, requests) = (fetch.incidents, fetch.requests);
    }
    println!(
        "| fetch + decode 2,000 incidents over loopback ({requests} requests, median of 10) | {:.1} ms |",
        median(fetches).as_secs_f64() * 1e3
    );

    let account = AccountId::new("bench");
    let settings = Settings::default();
    let now = Now {
        utc: Utc::now(),
        local_time: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
    };
    let poll = Poll::new(&account, &snapshot, true);
    let first = evaluate(PolicyState::default(), poll, &settings, now);
    let mut diffs = Vec::new();
    let mut state = first.state.clone();
    for _ in 0..20 {
        let t = Instant::now();
        let ev = evaluate(state, poll, &settings, now);
        diffs.push(t.elapsed());
        state = ev.state;
    }
    println!(
        "| policy diff of a 2,000-incident snapshot, steady state (median of 20) | {:.2} ms |",
        median(diffs).as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let storm = evaluate(PolicyState::default(), poll, &settings, now);
    println!(
        "| policy on a 2,000-incident first poll | {:.2} ms, {} notification(s) |",
        t.elapsed().as_secs_f64() * 1e3,
        storm.decisions.len()
    );
    drop(storm);
    drop(first);

    drop(state);
    let before = LIVE.load(Ordering::Relaxed);
    let held = c.open_incidents().await.unwrap().incidents;
    let state = evaluate(
        PolicyState::default(),
        Poll::new(&account, &held, true),
        &settings,
        now,
    )
    .state;
    let after = LIVE.load(Ordering::Relaxed);
    println!(
        "| memory held for 2,000 incidents (snapshot + policy state) | {:.2} MiB |",
        (after - before) as f64 / (1024.0 * 1024.0)
    );
    drop((held, state));
    server.shutdown().await;
}

//! Running seeds (in parallel, one paused-time runtime each), shrinking a failing
//! script, and the table every run prints.

use std::time::{Duration, Instant};

use super::driver::{self, Setup};
use super::history::History;
use super::oracle::{self, Counts, Rules, Verdict};
use super::script::{self, Event};
use super::service::ServiceKind;

/// One seed's outcome.
pub struct SeedRun {
    pub seed: u64,
    pub verdict: Verdict,
}

pub fn rules(setup: &Setup) -> Rules {
    Rules {
        poll_interval: setup.poll_interval,
        repeat: setup
            .settings
            .repeat_high_urgency
            .expect("the simulation runs with repeats on")
            .to_std()
            .unwrap(),
        storm_threshold: setup.settings.storm_threshold,
        shift_reminder: setup.shift_reminder,
        exact_names: setup.service.scope().exact_names,
    }
}

/// Plays `script` with `setup` on a fresh paused-time runtime: what happened.
pub fn history_of(script: &[Event], setup: Setup) -> History {
    // The engine's backoff jitter (backon) and temporary file names draw from fastrand's
    // thread-local generator; on a current-thread runtime every draw happens on this
    // thread, so seeding it here makes a script play out the same way every time.
    fastrand::seed(0x5eed);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime")
        .block_on(driver::run(script, setup))
}

/// Plays `script` against `service` on a fresh paused-time runtime and judges it.
pub fn play(service: ServiceKind, script: &[Event]) -> Verdict {
    let setup = Setup::on(service);
    let rules = rules(&setup);
    let history = history_of(script, setup);
    let mut verdict = oracle::judge(&history, &rules);
    verdict.digest = digest(&history);
    if let Ok(path) = std::env::var("SIM_DUMP") {
        std::fs::write(&path, timeline(&history))
            .unwrap_or_else(|e| panic!("SIM_DUMP={path}: {e}"));
    }
    verdict
}

/// Everything the oracle read, one line each in time order: the events played and,
/// indented, what reached the screen, the episodes, my shifts, the blocking windows and
/// my presses.
/// For reading a finding next to its causes (`SIM_DUMP=path`).
fn timeline(history: &History) -> String {
    let mut lines: Vec<(super::history::Time, String)> = history.trace.clone();
    for s in &history.screen {
        lines.push((s.at, format!("    screen {:?}", s.shown)));
    }
    for e in &history.episodes {
        lines.push((
            e.start,
            format!(
                "    episode {} status changed {} mine from {} until {:?} ({}), urgency {:?}",
                e.incident, e.status_changed_at, e.assigned_to_me_at, e.end, e.ended_by, e.urgency
            ),
        ));
    }
    for w in &history.windows {
        lines.push((w.from, format!("    {:?} until {}", w.block, w.to)));
    }
    for shift in &history.shifts {
        lines.push((
            shift.start,
            format!("    my shift from {} to {}", shift.start, shift.end),
        ));
    }
    for a in &history.actions {
        lines.push((a.at, format!("    pressed {:?} on {}", a.verb, a.incident)));
    }
    // Stable: at one instant the played event stays ahead of what followed from it.
    lines.sort_by_key(|l| l.0);
    lines.iter().map(|(t, l)| format!("{t} {l}\n")).collect()
}

/// A fingerprint of what reached the screen and the wire, and when: two runs of one
/// script print the same digest, which is how a rerun shows it replays the same run.
fn digest(history: &History) -> u64 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same on every run and machine.
    let mut hasher = std::hash::DefaultHasher::new();
    for screened in &history.screen {
        screened.at.hash(&mut hasher);
        format!("{:?}", screened.shown).hash(&mut hasher);
    }
    for request in &history.requests {
        (
            &request.method,
            &request.path,
            &request.body,
            request.status,
        )
            .hash(&mut hasher);
    }
    hasher.finish()
}

/// Runs every seed against `service`, `threads` at a time.
pub fn run_seeds(
    service: ServiceKind,
    seeds: &[u64],
    events: usize,
    threads: usize,
) -> Vec<SeedRun> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(&seed) = seeds.get(n) else { break };
                let script = script::generate(seed, events, service.scope());
                let verdict = play(service, &script);
                results.lock().unwrap().push(SeedRun { seed, verdict });
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.seed);
    results
}

pub fn table(runs: &[SeedRun], events: usize, elapsed: Duration) -> String {
    let mut total = Counts::default();
    let mut requests = 0;
    let (mut shown, mut owed) = (0, 0);
    let mut out = String::new();
    out.push_str(
        "seed        events  requests  missed  duplicate  late  lost ack  doubled ack  late withdrawal  bad summary  rang muted  shift missed  shift twice  shift misplaced  shifts shown/owed  digest\n",
    );
    for run in runs {
        let c = &run.verdict.counts;
        total.add(c);
        requests += run.verdict.requests;
        shown += run.verdict.shift_notices;
        owed += run.verdict.shift_moments_owed;
        out.push_str(&row(
            &run.seed.to_string(),
            events,
            run.verdict.requests,
            c,
            (run.verdict.shift_notices, run.verdict.shift_moments_owed),
        ));
        out.pop();
        out.push_str(&format!("  {:016x}\n", run.verdict.digest));
    }
    out.push_str(&row(
        &format!("{} seeds", runs.len()),
        events * runs.len(),
        requests,
        &total,
        (shown, owed),
    ));
    out.push_str(&format!("wall time: {:.1} s\n", elapsed.as_secs_f64()));
    out
}

fn row(
    label: &str,
    events: usize,
    requests: usize,
    c: &Counts,
    (shown, owed): (usize, usize),
) -> String {
    let shifts = format!("{shown}/{owed}");
    format!(
        "{label:<10} {events:>7}  {requests:>8}  {:>6}  {:>9}  {:>4}  {:>8}  {:>11}  {:>15}  {:>11}  {:>10}  {:>12}  {:>11}  {:>15}  {shifts:>17}\n",
        c.missed,
        c.duplicate,
        c.late,
        c.lost_ack,
        c.doubled_ack,
        c.late_withdrawal,
        c.bad_summary,
        c.rang_muted,
        c.shift_missed,
        c.shift_twice,
        c.shift_misplaced
    )
}

/// A shorter script that still fails: the shortest failing prefix (binary search), then
/// chunks dropped while it keeps failing, within `budget` of wall time. A script plays
/// the same way every time (see [`play`]), so every step judges the script alone.
pub fn shrink(service: ServiceKind, script: Vec<Event>, budget: Duration) -> Vec<Event> {
    let started = Instant::now();
    let fails = |s: &[Event]| play(service, s).counts.total() > 0;
    let (mut low, mut high) = (0, script.len());
    // Invariant: the prefix of length `high` fails.
    while low + 1 < high && started.elapsed() < budget {
        let mid = (low + high) / 2;
        if fails(&script[..mid]) {
            high = mid;
        } else {
            low = mid;
        }
    }
    let mut current: Vec<Event> = script[..high].to_vec();
    let mut chunk = current.len() / 2;
    while chunk >= 1 && started.elapsed() < budget {
        let mut start = 0;
        while start < current.len() && started.elapsed() < budget {
            let end = (start + chunk).min(current.len());
            // Keep the last event: the prefix search showed it is needed.
            if end == current.len() {
                break;
            }
            let candidate: Vec<Event> = current[..start]
                .iter()
                .chain(&current[end..])
                .copied()
                .collect();
            if fails(&candidate) {
                current = candidate;
            } else {
                start = end;
            }
        }
        chunk /= 2;
    }
    current
}

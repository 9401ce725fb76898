//! What the kernel says about a process tree (Linux `/proc`): memory from
//! `smaps_rollup`, CPU time from `stat` (ticks) and `schedstat` (nanoseconds).

use std::collections::HashMap;
use std::fs;

/// RSS, PSS and USS (Private_Clean + Private_Dirty) in kB, summed over processes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub rss_kb: u64,
    pub pss_kb: u64,
    pub uss_kb: u64,
    pub processes: usize,
}

impl Memory {
    pub fn pss_mib(&self) -> f64 {
        self.pss_kb as f64 / 1024.0
    }
    /// `RSS / PSS / USS MiB, N process(es)`.
    pub fn describe(&self) -> String {
        format!(
            "{:.1} / **{:.1}** / {:.1} MiB ({} process{})",
            self.rss_kb as f64 / 1024.0,
            self.pss_mib(),
            self.uss_kb as f64 / 1024.0,
            self.processes,
            if self.processes == 1 { "" } else { "es" }
        )
    }
}

/// CPU time used so far by a process tree: `utime + stime` ticks of every process (all
/// its threads, from `/proc/PID/stat`), and the sum of every thread's run time in ns
/// (`/proc/PID/task/TID/schedstat`, exact where ticks are 10 ms coarse).
#[derive(Clone, Copy, Debug, Default)]
pub struct Cpu {
    pub ticks: u64,
    pub run_ns: u64,
}

impl Cpu {
    pub fn since(self, before: Cpu) -> Cpu {
        Cpu {
            ticks: self.ticks.saturating_sub(before.ticks),
            run_ns: self.run_ns.saturating_sub(before.run_ns),
        }
    }
    pub fn ms(&self) -> f64 {
        self.run_ns as f64 / 1e6
    }
    pub fn tick_ms(&self) -> f64 {
        self.ticks as f64 * 1000.0 / clock_ticks() as f64
    }
}

/// `getconf CLK_TCK`: 100 on every Linux this runs on.
pub fn clock_ticks() -> u64 {
    100
}

/// `pid` and every descendant still alive (through the parent links of `/proc/*/stat`).
pub fn tree(pid: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(p) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(fields) = stat_fields(p) {
                if let Some(ppid) = fields.get(1).and_then(|s| s.parse::<u32>().ok()) {
                    children.entry(ppid).or_default().push(p);
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        if fs::metadata(format!("/proc/{p}")).is_ok() {
            out.push(p);
        }
        todo.extend(children.get(&p).into_iter().flatten().copied());
    }
    out.sort_unstable();
    out
}

/// The fields of `/proc/PID/stat` after the command name: index 0 is the state, 1 the
/// parent pid, 11 utime, 12 stime.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

pub fn memory(pids: &[u32]) -> Memory {
    let mut total = Memory::default();
    for &pid in pids {
        let Ok(text) = fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        let field = |name: &str| -> u64 {
            text.lines()
                .find(|l| l.starts_with(name) && l[name.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        total.rss_kb += field("Rss");
        total.pss_kb += field("Pss");
        total.uss_kb += field("Private_Clean") + field("Private_Dirty");
        total.processes += 1;
    }
    total
}

pub fn cpu(pids: &[u32]) -> Cpu {
    let mut total = Cpu::default();
    for &pid in pids {
        if let Some(fields) = stat_fields(pid) {
            let tick = |i: usize| {
                fields
                    .get(i)
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            total.ticks += tick(11) + tick(12);
        }
        if let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) {
            for task in tasks.flatten() {
                let path = task.path().join("schedstat");
                if let Some(ns) = fs::read_to_string(path).ok().and_then(|s| {
                    s.split_whitespace()
                        .next()
                        .and_then(|v| v.parse::<u64>().ok())
                }) {
                    total.run_ns += ns;
                }
            }
        }
    }
    total
}

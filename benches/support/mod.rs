//! What the benchmarks share: the ffi_tasks tasks they time, the child
//! process they measure in, `/proc/self/status` and the statistics. Each
//! bench uses a part of it.
#![allow(dead_code)]

use std::{
    hint::black_box,
    process::Command,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use ffi_tasks::task::{CancellationToken, Task};

/// Returns 42 at once.
#[derive(Clone, Copy)]
pub struct Ready;

impl Task for Ready {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> {
        Ok(black_box(42))
    }
}

/// Counts its start, then blocks (a thread) on its token until cancelled
/// (`wait_cancelled`).
#[derive(Clone)]
pub struct BlockUntilCancelled(pub Arc<AtomicUsize>);

impl Task for BlockUntilCancelled {
    type Output = u64;
    fn run(&self, tok: &CancellationToken) -> anyhow::Result<u64> {
        self.0.fetch_add(1, Ordering::Release);
        while !tok.wait_cancelled(Duration::from_secs(3600)) {}
        Ok(0)
    }
}

/// What the benchmarks read of `/proc/self/status`.
#[derive(Clone, Copy, Default, Debug)]
pub struct ProcStatus {
    pub threads: u64,
    pub rss_kib: u64,
    /// Peak RSS (VmHWM).
    pub hwm_kib: u64,
}

/// This process's threads and memory now (zeros where `/proc` is missing).
pub fn proc_status() -> ProcStatus {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mut status = ProcStatus::default();
    for line in text.lines() {
        let value = |l: &str| {
            l.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        if line.starts_with("Threads:") {
            status.threads = value(line);
        } else if line.starts_with("VmRSS:") {
            status.rss_kib = value(line);
        } else if line.starts_with("VmHWM:") {
            status.hwm_kib = value(line);
        }
    }
    status
}

/// Waits (at most `total`) until `count` reaches `want` or has not grown for
/// `stall` (a pool at its thread limit queues the rest), checking every
/// `every`. Returns the count.
pub fn wait_started(
    count: &AtomicUsize,
    want: usize,
    total: Duration,
    stall: Duration,
    every: Duration,
) -> usize {
    let deadline = Instant::now() + total;
    let mut last = (count.load(Ordering::Acquire), Instant::now());
    loop {
        let now = count.load(Ordering::Acquire);
        if now >= want || Instant::now() > deadline {
            return now;
        }
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > stall {
            return now;
        }
        thread::sleep(every);
    }
}

/// Runs this benchmark's own executable again with `args` (a fresh process,
/// so that one system's threads and heap do not show up in another's
/// figures) and returns what it printed after `FIGURES ` on a line of its
/// own. `what` names the child in the failure message.
pub fn run_child(args: &[&str], what: &str) -> String {
    let exe = std::env::current_exe().expect("current exe");
    let out = Command::new(exe)
        .args(args)
        .output()
        .expect("cannot run the child benchmark process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child {what} failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("FIGURES "))
        .expect("child printed no figures")
        .to_owned()
}

/// The median and the 99th percentile of some samples.
#[derive(Clone, Copy, Default)]
pub struct Summary {
    pub median: f64,
    pub p99: f64,
}

/// Sorts `samples` and reads the median and the 99th percentile.
pub fn summarize(samples: &mut [f64]) -> Summary {
    assert!(!samples.is_empty());
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Summary {
        median: at(0.5),
        p99: at(0.99),
    }
}

/// The median of `samples` (sorts them).
pub fn median(samples: &mut [f64]) -> f64 {
    summarize(samples).median
}

/// Spawns `n` tasks with `spawn`, waits until they run with `running` (it
/// returns how many do) and reads [`proc_status`] while they are all
/// outstanding; then `release`s them (a cancel, a gate) and waits for each
/// with `finish`. Returns how many ran and what was read.
pub fn hold_outstanding<H>(
    n: usize,
    spawn: impl FnMut() -> H,
    running: impl FnOnce() -> usize,
    release: impl FnOnce(&[H]),
    finish: impl FnMut(H),
) -> (usize, ProcStatus) {
    let handles: Vec<H> = std::iter::repeat_with(spawn).take(n).collect();
    let running = running();
    let during = proc_status();
    release(&handles);
    handles.into_iter().for_each(finish);
    (running, during)
}

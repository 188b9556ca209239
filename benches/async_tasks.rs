//! Async tasks against blocking ones: what a pending task costs and how long
//! a spawn → wait round trip takes.
//!
//! * **Pending tasks.** 100,000 async tasks whose futures wait (for a cancel
//!   that comes after the measure) against blocking `Task`s that wait for
//!   their cancel (`wait_cancelled`) and ffi_helpers 0.3 tasks (a thread
//!   each, checking their token every 10 ms). Blocking tasks hold a thread
//!   each, so they are measured with 1,000 tasks (the pool starts at most
//!   `max_threads`, 512 by default, and queues the rest). Each system runs
//!   in a fresh child process: threads added (`/proc/self/status`) and RSS
//!   growth per started task.
//! * **Round trip.** Spawn a task that is ready at once and wait for it:
//!   an async task (a future ready at its first poll) against a blocking
//!   task, on the global pool, alternated in rounds; medians in ns.
//!
//! It prints figures only; nothing is asserted.
//!
//! ```text
//! cargo bench --bench async_tasks            # about 20 s on 2 cores
//! cargo bench --bench async_tasks -- --quick # fewer tasks and rounds
//! ```

mod support;

use std::{
    future::Future,
    hint::black_box,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use ffi_tasks::{
    async_task::AsyncTask,
    task::{CancellationToken, TaskHandle},
};
use support::{
    hold_outstanding, median, proc_status, BlockUntilCancelled as BlockingPending,
    Ready as BlockingReady,
};

const ASYNC_PENDING: usize = 100_000;
const BLOCKING_PENDING: usize = 1_000;

/// Counts its first poll, then waits (for the cancel that drops it).
#[derive(Clone)]
struct AsyncPending(Arc<AtomicUsize>);

impl AsyncTask for AsyncPending {
    type Output = u64;

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        _: CancellationToken,
    ) -> impl Future<Output = anyhow::Result<u64>> + Send + 'static {
        let started = self.0.clone();
        async move {
            started.fetch_add(1, Ordering::Release);
            std::future::pending::<()>().await;
            Ok(0)
        }
    }
}

/// Ready at its first poll.
#[derive(Clone, Copy)]
struct AsyncReady;

impl AsyncTask for AsyncReady {
    type Output = u64;

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        _: CancellationToken,
    ) -> impl Future<Output = anyhow::Result<u64>> + Send + 'static {
        async { Ok(black_box(42)) }
    }
}

/// ffi_helpers' pending task: checks its token every 10 ms (it has no
/// blocking wait on a token).
#[derive(Clone)]
struct FhPending(Arc<AtomicUsize>);

impl ffi_helpers::Task for FhPending {
    type Output = u64;
    fn run(&self, tok: &ffi_helpers::task::CancellationToken) -> anyhow::Result<u64> {
        self.0.fetch_add(1, Ordering::Release);
        while !tok.cancelled() {
            thread::sleep(Duration::from_millis(10));
        }
        Ok(0)
    }
}

/// Waits (bounded) until `count` reaches `want` or stops growing for 1 s.
fn wait_started(count: &AtomicUsize, want: usize) -> usize {
    support::wait_started(
        count,
        want,
        Duration::from_secs(60),
        Duration::from_secs(1),
        Duration::from_millis(1),
    )
}

/// In a fresh process: spawn `n` pending tasks of `system`, measure, cancel
/// and collect. Prints `FIGURES n started threads rss_kib_per_task`.
fn child_pending(system: &str, n: usize) {
    // Warm the pool and the allocator with one round trip.
    TaskHandle::spawn(BlockingReady).wait().unwrap();
    let base = proc_status();
    let started = Arc::new(AtomicUsize::new(0));
    let running = || wait_started(&started, n);
    let (running, during) = match system {
        "async" => {
            let group = CancellationToken::new();
            hold_outstanding(
                n,
                || {
                    TaskHandle::spawn_async_with(
                        AsyncPending(started.clone()),
                        group.child_token(),
                        ffi_tasks::global::global_executor(),
                    )
                    .unwrap()
                },
                running,
                |_| group.cancel(),
                |h| {
                    let _ = h.wait();
                },
            )
        }
        "blocking" => hold_outstanding(
            n,
            || TaskHandle::spawn(BlockingPending(started.clone())),
            running,
            |handles| handles.iter().for_each(TaskHandle::cancel),
            |h| {
                h.wait().unwrap();
            },
        ),
        "ffi_helpers" => hold_outstanding(
            n,
            || ffi_helpers::task::TaskHandle::spawn(FhPending(started.clone())),
            running,
            |handles| handles.iter().for_each(|h| h.cancel()),
            |h| {
                h.wait().unwrap();
            },
        ),
        other => panic!("unknown system {other}"),
    };
    // Per started task: a pool at its thread limit (512 by default) queues
    // the rest of the blocking tasks, which cost next to nothing.
    let per_task =
        during.rss_kib.saturating_sub(base.rss_kib) as f64 * 1024.0 / running.max(1) as f64;
    println!(
        "FIGURES {n} {running} {} {per_task:.0}",
        during.threads.saturating_sub(base.threads)
    );
}

fn run_child(system: &str, n: usize) -> Vec<String> {
    support::run_child(&["--child", system, &n.to_string()], system)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Median ns of a spawn → wait round trip, async and blocking alternated
/// in `rounds` rounds of `per_round` each.
fn round_trips(rounds: usize, per_round: usize) -> (f64, f64) {
    let (mut asynchronous, mut blocking) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..per_round {
            black_box(TaskHandle::spawn_async(AsyncReady).wait().unwrap());
        }
        asynchronous.push(start.elapsed().as_nanos() as f64 / per_round as f64);
        let start = Instant::now();
        for _ in 0..per_round {
            black_box(TaskHandle::spawn(BlockingReady).wait().unwrap());
        }
        blocking.push(start.elapsed().as_nanos() as f64 / per_round as f64);
    }
    (median(&mut asynchronous), median(&mut blocking))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let n = args[i + 2].parse().expect("a task count");
        child_pending(&args[i + 1], n);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let (async_n, blocking_n) = if quick {
        (ASYNC_PENDING / 10, BLOCKING_PENDING / 10)
    } else {
        (ASYNC_PENDING, BLOCKING_PENDING)
    };
    println!("## Async tasks (benches/async_tasks.rs)");
    println!();
    println!("Pending tasks, each system in a fresh process:");
    println!();
    println!("| system | pending tasks | started | threads added | RSS per started task (bytes) |");
    println!("|---|---:|---:|---:|---:|");
    for (system, label, n) in [
        ("async", "ffi_tasks AsyncTask", async_n),
        ("blocking", "ffi_tasks Task (blocking)", blocking_n),
        ("ffi_helpers", "ffi_helpers 0.3 (a thread each)", blocking_n),
    ] {
        let f = run_child(system, n);
        println!("| {label} | {} | {} | {} | {} |", f[0], f[1], f[2], f[3]);
    }
    println!();
    let (rounds, per_round) = if quick { (3, 2_000) } else { (9, 20_000) };
    let (asynchronous, blocking) = round_trips(rounds, per_round);
    println!("Spawn → wait round trip of a task that is ready at once (median of {rounds} rounds of {per_round}):");
    println!();
    println!("| task | ns per round trip | ratio to blocking |");
    println!("|---|---:|---:|");
    println!(
        "| AsyncTask (ready at its first poll) | {asynchronous:.0} | {:.2} |",
        asynchronous / blocking
    );
    println!("| Task (returns at once) | {blocking:.0} | 1.00 |");
    println!();
    println!(
        "load average after: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}

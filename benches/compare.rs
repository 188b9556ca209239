//! Side-by-side benchmark of a trivial task (it returns a number at once)
//! through ffi_tasks (`TaskHandle` and the exported C ABI), ffi_helpers 0.3
//! (its `TaskHandle` and its `export_task!`), `std::thread::spawn` + `join`,
//! and the `blocking` crate's reusing pool (`unblock` + futures-lite's
//! `block_on`).
//!
//! Everything runs in one process (the thread and memory measures in a fresh
//! child process per system, so that one system's threads and heap do not
//! show up in another's figures) and is reported as ratios, because the
//! machines this runs on are shared and noisy. It only prints figures: the
//! expected ratios are checked here and reported as met or missed, never
//! asserted.
//!
//! ```text
//! cargo bench --bench compare            # full run (about a minute on 2 cores)
//! cargo bench --bench compare -- --quick # fewer iterations, for a smoke test
//! ```

mod support;

use std::{
    collections::HashMap,
    hint::black_box,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Condvar, Mutex,
    },
    thread,
    time::{Duration, Instant},
};

use ffi_tasks::{
    global::configure_global_pool,
    pool::PoolConfig,
    task::{CancellationToken, Task, TaskHandle},
};
// The trivial task, and one that blocks on its token until cancelled
// (`wait_cancelled`).
use support::{
    hold_outstanding, median, proc_status, summarize, BlockUntilCancelled as FtBlock, ProcStatus,
    Ready as FtTrivial, Summary,
};

/// Keep-alive of the ffi_tasks global pool in this benchmark (the default is
/// 10 s); the `blocking` crate's is a fixed 500 ms.
const KEEP_ALIVE: Duration = Duration::from_millis(500);
/// How long after the last task finished the "threads after keep-alive"
/// figure is read.
const AFTER_KEEP_ALIVE: Duration = Duration::from_millis(1500);
/// Tasks in a burst and in the throughput batch.
const BURST: usize = 10_000;
/// Tasks held outstanding (blocked until cancelled) for the memory measure.
const OUTSTANDING: usize = 1_000;

// ---------------------------------------------------------------------------
// The tasks, once for each crate (the two `Task` traits differ).

/// Busy-spins on its token until cancelled (ffi_tasks).
#[derive(Clone)]
pub struct FtBusySpin(Arc<AtomicUsize>);

impl Task for FtBusySpin {
    type Output = u64;
    fn run(&self, tok: &CancellationToken) -> anyhow::Result<u64> {
        self.0.fetch_add(1, Ordering::Release);
        let mut spins = 0u64;
        while !tok.cancelled() {
            std::hint::spin_loop();
            spins += 1;
        }
        Ok(spins)
    }
}

/// The seed's `Spin`: checks its token every 10 ms (ffi_tasks).
#[derive(Clone)]
pub struct FtSleepSpin(Arc<AtomicUsize>);

impl Task for FtSleepSpin {
    type Output = u64;
    fn run(&self, tok: &CancellationToken) -> anyhow::Result<u64> {
        self.0.fetch_add(1, Ordering::Release);
        let mut spins = 0;
        while !tok.cancelled() {
            thread::sleep(Duration::from_millis(10));
            spins += 1;
        }
        Ok(spins)
    }
}

ffi_tasks::export_task! {
    Task: FtTrivial;
    spawn: ft_trivial_spawn;
    poll: ft_trivial_poll;
    wait: ft_trivial_wait;
    cancel: ft_trivial_cancel;
    handle_destroy: ft_trivial_handle_destroy;
    result_destroy: ft_trivial_result_destroy;
}

ffi_tasks::export_task! {
    Task: FtBusySpin;
    spawn: ft_busy_spawn;
    poll: ft_busy_poll;
    wait: ft_busy_wait;
    cancel: ft_busy_cancel;
    handle_destroy: ft_busy_handle_destroy;
    result_destroy: ft_busy_result_destroy;
}

ffi_tasks::export_task! {
    Task: FtBlock;
    spawn: ft_block_spawn;
    poll: ft_block_poll;
    wait: ft_block_wait;
    cancel: ft_block_cancel;
    handle_destroy: ft_block_handle_destroy;
    result_destroy: ft_block_result_destroy;
}

ffi_tasks::export_task! {
    Task: FtSleepSpin;
    spawn: ft_sleep_spawn;
    poll: ft_sleep_poll;
    wait: ft_sleep_wait;
    cancel: ft_sleep_cancel;
    handle_destroy: ft_sleep_handle_destroy;
    result_destroy: ft_sleep_result_destroy;
}

/// The same tasks for ffi_helpers 0.3 (the reference design: a thread per
/// task, an mpsc channel for the result, an `AtomicBool` token).
mod fh {
    // ffi_helpers' `export_task!` predates `unsafe_op_in_unsafe_fn`.
    #![allow(unsafe_op_in_unsafe_fn)]

    use std::{
        hint::black_box,
        sync::{
            atomic::{AtomicUsize, Ordering},
            Arc,
        },
        thread,
        time::Duration,
    };

    use ffi_helpers::{task::CancellationToken, Task};

    /// The trivial task.
    #[derive(Clone, Copy)]
    pub struct FhTrivial;

    impl Task for FhTrivial {
        type Output = u64;
        fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> {
            Ok(black_box(42))
        }
    }

    /// Busy-spins on its token until cancelled.
    #[derive(Clone)]
    pub struct FhBusySpin(pub Arc<AtomicUsize>);

    impl Task for FhBusySpin {
        type Output = u64;
        fn run(&self, tok: &CancellationToken) -> anyhow::Result<u64> {
            self.0.fetch_add(1, Ordering::Release);
            let mut spins = 0u64;
            while !tok.cancelled() {
                std::hint::spin_loop();
                spins += 1;
            }
            Ok(spins)
        }
    }

    /// The seed's `Spin`: checks its token every 10 ms (ffi_helpers has no
    /// blocking wait on a token).
    #[derive(Clone)]
    pub struct FhSleepSpin(pub Arc<AtomicUsize>);

    impl Task for FhSleepSpin {
        type Output = u64;
        fn run(&self, tok: &CancellationToken) -> anyhow::Result<u64> {
            self.0.fetch_add(1, Ordering::Release);
            let mut spins = 0;
            while !tok.cancelled() {
                thread::sleep(Duration::from_millis(10));
                spins += 1;
            }
            Ok(spins)
        }
    }

    ffi_helpers::export_task! {
        Task: FhTrivial;
        spawn: fh_trivial_spawn;
        poll: fh_trivial_poll;
        wait: fh_trivial_wait;
        cancel: fh_trivial_cancel;
        handle_destroy: fh_trivial_handle_destroy;
        result_destroy: fh_trivial_result_destroy;
    }

    ffi_helpers::export_task! {
        Task: FhBusySpin;
        spawn: fh_busy_spawn;
        poll: fh_busy_poll;
        wait: fh_busy_wait;
        cancel: fh_busy_cancel;
        handle_destroy: fh_busy_handle_destroy;
        result_destroy: fh_busy_result_destroy;
    }

    ffi_helpers::export_task! {
        Task: FhSleepSpin;
        spawn: fh_sleep_spawn;
        poll: fh_sleep_poll;
        wait: fh_sleep_wait;
        cancel: fh_sleep_cancel;
        handle_destroy: fh_sleep_handle_destroy;
        result_destroy: fh_sleep_result_destroy;
    }
}

use fh::{FhBusySpin, FhSleepSpin, FhTrivial};

/// The exported functions of one task type, called through pointers the
/// optimiser cannot see through, as a C caller would call them.
struct CAbi<T, H> {
    spawn: unsafe extern "C" fn(*const T) -> *mut H,
    poll: unsafe extern "C" fn(*mut H) -> *mut u64,
    wait: unsafe extern "C" fn(*mut H) -> *mut u64,
    cancel: unsafe extern "C" fn(*mut H),
    result_destroy: unsafe extern "C" fn(*mut u64),
}

impl<T, H> Clone for CAbi<T, H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, H> Copy for CAbi<T, H> {}

type FtH = TaskHandle<u64>;
type FhH = ffi_helpers::task::TaskHandle<u64>;

macro_rules! c_abi {
    ($spawn:ident, $poll:ident, $wait:ident, $cancel:ident, $rd:ident) => {
        black_box(CAbi {
            spawn: $spawn,
            poll: $poll,
            wait: $wait,
            cancel: $cancel,
            result_destroy: $rd,
        })
    };
}

fn ft_trivial() -> CAbi<FtTrivial, FtH> {
    c_abi!(
        ft_trivial_spawn,
        ft_trivial_poll,
        ft_trivial_wait,
        ft_trivial_cancel,
        ft_trivial_result_destroy
    )
}
fn ft_busy() -> CAbi<FtBusySpin, FtH> {
    c_abi!(
        ft_busy_spawn,
        ft_busy_poll,
        ft_busy_wait,
        ft_busy_cancel,
        ft_busy_result_destroy
    )
}
fn ft_block() -> CAbi<FtBlock, FtH> {
    c_abi!(
        ft_block_spawn,
        ft_block_poll,
        ft_block_wait,
        ft_block_cancel,
        ft_block_result_destroy
    )
}
fn ft_sleep() -> CAbi<FtSleepSpin, FtH> {
    c_abi!(
        ft_sleep_spawn,
        ft_sleep_poll,
        ft_sleep_wait,
        ft_sleep_cancel,
        ft_sleep_result_destroy
    )
}
fn fh_trivial() -> CAbi<FhTrivial, FhH> {
    use fh::*;
    c_abi!(
        fh_trivial_spawn,
        fh_trivial_poll,
        fh_trivial_wait,
        fh_trivial_cancel,
        fh_trivial_result_destroy
    )
}
fn fh_busy() -> CAbi<FhBusySpin, FhH> {
    use fh::*;
    c_abi!(
        fh_busy_spawn,
        fh_busy_poll,
        fh_busy_wait,
        fh_busy_cancel,
        fh_busy_result_destroy
    )
}
fn fh_sleep() -> CAbi<FhSleepSpin, FhH> {
    use fh::*;
    c_abi!(
        fh_sleep_spawn,
        fh_sleep_poll,
        fh_sleep_wait,
        fh_sleep_cancel,
        fh_sleep_result_destroy
    )
}

impl<T, H> CAbi<T, H> {
    /// spawn → wait → read → result_destroy, checking every step.
    fn run_once(self, task: &T) -> u64 {
        // SAFETY: the functions are this task type's exports, called in the
        // order their contract asks for; every pointer is checked.
        unsafe {
            let h = (self.spawn)(task);
            assert!(!h.is_null(), "spawn failed");
            let r = (self.wait)(h);
            assert!(!r.is_null(), "wait failed");
            let v = *r;
            (self.result_destroy)(r);
            v
        }
    }

    fn spawn(self, task: &T) -> *mut H {
        // SAFETY: `task` is a valid task of this type.
        let h = unsafe { (self.spawn)(task) };
        assert!(!h.is_null(), "spawn failed");
        h
    }

    /// Waits for `h` (consuming it) and frees the result.
    fn wait(self, h: *mut H) -> u64 {
        // SAFETY: `h` is a live handle from `spawn`; `wait` consumes it and
        // the result is freed once.
        unsafe {
            let r = (self.wait)(h);
            assert!(!r.is_null(), "wait failed");
            let v = *r;
            (self.result_destroy)(r);
            v
        }
    }

    fn cancel(self, h: *mut H) {
        // SAFETY: `h` is a live handle from `spawn`.
        unsafe { (self.cancel)(h) }
    }

    /// [`hold_outstanding`] of `n` copies of `task`: cancels each handle to
    /// release them, then waits for each.
    fn hold_outstanding(
        self,
        n: usize,
        task: &T,
        running: impl FnOnce() -> usize,
    ) -> (usize, ProcStatus) {
        hold_outstanding(
            n,
            || self.spawn(task),
            running,
            |handles| handles.iter().for_each(|&h| self.cancel(h)),
            |h| {
                self.wait(h);
            },
        )
    }
}

// ---------------------------------------------------------------------------
// The systems compared.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum System {
    FtHandle,
    FtCAbi,
    FhHandle,
    FhCAbi,
    StdThread,
    Blocking,
}

const SYSTEMS: [System; 6] = [
    System::FtHandle,
    System::FtCAbi,
    System::FhHandle,
    System::FhCAbi,
    System::StdThread,
    System::Blocking,
];

impl System {
    fn name(self) -> &'static str {
        match self {
            System::FtHandle => "ffi_tasks TaskHandle",
            System::FtCAbi => "ffi_tasks C ABI",
            System::FhHandle => "ffi_helpers 0.3 TaskHandle",
            System::FhCAbi => "ffi_helpers 0.3 C ABI",
            System::StdThread => "std::thread spawn+join",
            System::Blocking => "blocking 1.x unblock+block_on",
        }
    }

    fn arg(self) -> &'static str {
        match self {
            System::FtHandle => "ft-handle",
            System::FtCAbi => "ft-cabi",
            System::FhHandle => "fh-handle",
            System::FhCAbi => "fh-cabi",
            System::StdThread => "std-thread",
            System::Blocking => "blocking",
        }
    }

    fn from_arg(arg: &str) -> Option<System> {
        SYSTEMS.into_iter().find(|s| s.arg() == arg)
    }

    fn is_ffi_tasks(self) -> bool {
        matches!(self, System::FtHandle | System::FtCAbi)
    }
}

/// One spawn → wait round trip of the trivial task.
fn round_trip(system: System) -> u64 {
    match system {
        System::FtHandle => TaskHandle::spawn(FtTrivial).wait().expect("task failed"),
        System::FtCAbi => ft_trivial().run_once(&FtTrivial),
        System::FhHandle => ffi_helpers::task::TaskHandle::spawn(FhTrivial)
            .wait()
            .expect("task failed"),
        System::FhCAbi => fh_trivial().run_once(&FhTrivial),
        System::StdThread => thread::spawn(|| black_box(42u64))
            .join()
            .expect("thread panicked"),
        System::Blocking => futures_lite::future::block_on(blocking::unblock(|| black_box(42u64))),
    }
}

/// Spawns `n` trivial tasks, then waits for them all. `sample` is called
/// after every spawn and every wait (the burst measure reads the thread count
/// there; the throughput measure passes a no-op).
fn batch(system: System, n: usize, mut sample: impl FnMut(usize)) -> u64 {
    let sample = &mut sample;
    match system {
        System::FtHandle => spawn_all_then_wait(
            n,
            sample,
            || TaskHandle::spawn(FtTrivial),
            |h| h.wait().expect("task failed"),
        ),
        System::FtCAbi => {
            let abi = ft_trivial();
            spawn_all_then_wait(n, sample, || abi.spawn(&FtTrivial), |h| abi.wait(h))
        }
        System::FhHandle => spawn_all_then_wait(
            n,
            sample,
            || ffi_helpers::task::TaskHandle::spawn(FhTrivial),
            |h| h.wait().expect("task failed"),
        ),
        System::FhCAbi => {
            let abi = fh_trivial();
            spawn_all_then_wait(n, sample, || abi.spawn(&FhTrivial), |h| abi.wait(h))
        }
        System::StdThread => spawn_all_then_wait(
            n,
            sample,
            || thread::spawn(|| black_box(42u64)),
            |h| h.join().expect("thread panicked"),
        ),
        System::Blocking => spawn_all_then_wait(
            n,
            sample,
            || blocking::unblock(|| black_box(42u64)),
            futures_lite::future::block_on,
        ),
    }
}

/// `n` spawns, then a wait for each handle in spawn order, summing the
/// results; `sample(i)` after every spawn and every wait.
fn spawn_all_then_wait<H>(
    n: usize,
    sample: &mut impl FnMut(usize),
    mut spawn: impl FnMut() -> H,
    mut wait: impl FnMut(H) -> u64,
) -> u64 {
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        handles.push(spawn());
        sample(i);
    }
    let mut sum = 0u64;
    for (i, h) in handles.into_iter().enumerate() {
        sum += wait(h);
        sample(i);
    }
    sum
}

// ---------------------------------------------------------------------------
// Statistics and /proc.

/// Resets VmHWM to the current RSS (Linux `clear_refs` value 5).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The 1, 5 and 15 minute load averages.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn nproc() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// Waits (bounded) until `count` reaches `want` or stops growing for 300 ms
/// (a pool at its thread limit queues the rest).
fn wait_started(count: &AtomicUsize, want: usize) -> usize {
    support::wait_started(
        count,
        want,
        Duration::from_secs(20),
        Duration::from_millis(300),
        Duration::from_micros(200),
    )
}

/// A gate that blocked std::thread and `blocking` tasks wait on.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.cv.wait(open).unwrap();
        }
    }
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.cv.notify_all();
    }
}

// ---------------------------------------------------------------------------
// Child processes: burst and outstanding-task measures.

type Figures = HashMap<String, f64>;

fn print_figures(figures: &[(&str, f64)]) {
    let line: Vec<String> = figures.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("FIGURES {}", line.join(" "));
}

fn run_child(kind: &str, system: System) -> Figures {
    let line = support::run_child(
        &["--child", kind, system.arg()],
        &format!("{kind} {}", system.arg()),
    );
    line.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.parse().unwrap_or(f64::NAN)))
        .collect()
}

/// A burst of 10,000 trivial tasks in a fresh process: peak threads (read
/// every 8 spawns/waits) and peak RSS (VmHWM), then the thread count once the
/// pools' keep-alive has passed.
fn child_burst(system: System) {
    // Warm the allocator and the code paths with one task.
    black_box(round_trip(system));
    thread::sleep(AFTER_KEEP_ALIVE);
    let base = proc_status();
    let hwm_reset = reset_peak_rss();
    let mut peak_threads = base.threads;
    let mut peak_rss = base.rss_kib;
    let start = Instant::now();
    black_box(batch(system, BURST, |i| {
        if i % 8 == 0 {
            let s = proc_status();
            peak_threads = peak_threads.max(s.threads);
            peak_rss = peak_rss.max(s.rss_kib);
        }
    }));
    let elapsed = start.elapsed();
    let end = proc_status();
    if hwm_reset {
        peak_rss = peak_rss.max(end.hwm_kib);
    }
    let pool_peak = match system {
        System::FtHandle | System::FtCAbi => {
            ffi_tasks::global::global_pool().map_or(f64::NAN, |p| p.stats().peak_threads as f64)
        }
        _ => f64::NAN,
    };
    thread::sleep(AFTER_KEEP_ALIVE);
    let after = proc_status();
    print_figures(&[
        ("base_threads", base.threads as f64),
        ("peak_threads", peak_threads as f64),
        ("pool_peak_threads", pool_peak),
        ("base_rss_kib", base.rss_kib as f64),
        ("peak_rss_kib", peak_rss as f64),
        ("after_threads", after.threads as f64),
        ("burst_ms", elapsed.as_secs_f64() * 1e3),
    ]);
}

/// 1,000 tasks blocked until cancelled, in a fresh process: RSS delta per
/// task and threads while they are outstanding; then cancel them all, wait,
/// and read the thread count after the keep-alive.
fn child_outstanding(system: System) {
    black_box(round_trip(system));
    thread::sleep(AFTER_KEEP_ALIVE);
    let base = proc_status();
    let started = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Gate::default());
    let n = OUTSTANDING;
    // Spawn, wait until they run, measure, then release and collect.
    let running = || wait_started(&started, n);
    // The body of a std::thread or `blocking` task: counts its start, then
    // waits for the gate.
    let gated = || {
        let (started, gate) = (started.clone(), gate.clone());
        move || {
            started.fetch_add(1, Ordering::Release);
            gate.wait();
            0u64
        }
    };
    let (running, during) = match system {
        System::FtHandle => hold_outstanding(
            n,
            || TaskHandle::spawn(FtBlock(started.clone())),
            running,
            |handles| handles.iter().for_each(TaskHandle::cancel),
            |h| {
                h.wait().expect("task failed");
            },
        ),
        System::FtCAbi => ft_block().hold_outstanding(n, &FtBlock(started.clone()), running),
        System::FhHandle => hold_outstanding(
            n,
            || ffi_helpers::task::TaskHandle::spawn(FhSleepSpin(started.clone())),
            running,
            |handles| handles.iter().for_each(|h| h.cancel()),
            |h| {
                h.wait().expect("task failed");
            },
        ),
        System::FhCAbi => fh_sleep().hold_outstanding(n, &FhSleepSpin(started.clone()), running),
        System::StdThread => hold_outstanding(
            n,
            || thread::spawn(gated()),
            running,
            |_| gate.open(),
            |h| {
                h.join().expect("thread panicked");
            },
        ),
        System::Blocking => hold_outstanding(
            n,
            || blocking::unblock(gated()),
            running,
            |_| gate.open(),
            |t| {
                futures_lite::future::block_on(t);
            },
        ),
    };
    let after_done = proc_status();
    thread::sleep(AFTER_KEEP_ALIVE);
    let after = proc_status();
    print_figures(&[
        ("base_threads", base.threads as f64),
        ("running", running as f64),
        ("threads_during", during.threads as f64),
        (
            "kib_per_task",
            (during.rss_kib as f64 - base.rss_kib as f64) / n as f64,
        ),
        ("threads_done", after_done.threads as f64),
        ("after_threads", after.threads as f64),
    ]);
}

// ---------------------------------------------------------------------------
// In-process measures.

struct Config {
    rt_rounds: usize,
    rt_iters: usize,
    tp_rounds: usize,
    poll_calls: usize,
    cancel_iters: usize,
    sleep_cancel_iters: usize,
}

/// Round trip, interleaving the systems in rounds so that a noisy moment hits
/// them all. Returns µs.
fn measure_round_trip(cfg: &Config) -> Vec<(System, Summary)> {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); SYSTEMS.len()];
    for _ in 0..cfg.rt_rounds {
        for (k, &system) in SYSTEMS.iter().enumerate() {
            for _ in 0..cfg.rt_iters / 10 {
                black_box(round_trip(system));
            }
            for _ in 0..cfg.rt_iters {
                let t = Instant::now();
                black_box(round_trip(system));
                samples[k].push(t.elapsed().as_secs_f64() * 1e6);
            }
        }
    }
    SYSTEMS
        .iter()
        .zip(samples.iter_mut())
        .map(|(&s, v)| (s, summarize(v)))
        .collect()
}

/// Throughput: spawn 10,000 then wait all; the median of the rounds, in
/// tasks/s.
fn measure_throughput(cfg: &Config) -> Vec<(System, f64)> {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); SYSTEMS.len()];
    for round in 0..=cfg.tp_rounds {
        for (k, &system) in SYSTEMS.iter().enumerate() {
            let t = Instant::now();
            black_box(batch(system, BURST, |_| {}));
            let rate = BURST as f64 / t.elapsed().as_secs_f64();
            if round > 0 {
                samples[k].push(rate); // round 0 warms up
            }
        }
    }
    SYSTEMS
        .iter()
        .zip(samples.iter_mut())
        .map(|(&s, v)| (s, median(v)))
        .collect()
}

/// CPU time of the calling thread, in ns: unlike wall time it does not count
/// the time this thread was preempted, which on a loaded machine would swamp
/// a few nanoseconds per call.
fn thread_cpu_ns() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

/// ns of thread CPU time per `poll()` call, median of 5 repetitions.
fn time_polls(calls: usize, mut poll: impl FnMut() -> bool) -> f64 {
    let mut reps = Vec::new();
    for _ in 0..5 {
        let t = thread_cpu_ns();
        for _ in 0..calls {
            assert!(black_box(poll()), "the task finished while being polled");
        }
        reps.push((thread_cpu_ns() - t) / calls as f64);
    }
    median(&mut reps)
}

/// `poll()` on a running task, ns per call. The ffi_tasks task blocks on its
/// token; the ffi_helpers one checks it every 10 ms (it has no blocking wait).
fn measure_poll(cfg: &Config) -> Vec<(&'static str, f64)> {
    let n = cfg.poll_calls;
    let started = Arc::new(AtomicUsize::new(0));
    let mut out = Vec::new();

    let abi = ft_block();
    let h = abi.spawn(&FtBlock(started.clone()));
    // SAFETY: `h` is live until the wait below.
    let ns = time_polls(n, || unsafe { (abi.poll)(h) }.is_null());
    abi.cancel(h);
    abi.wait(h);
    out.push((System::FtCAbi.name(), ns));

    let h = TaskHandle::spawn(FtBlock(started.clone()));
    let ns = time_polls(n, || h.poll().is_none());
    h.cancel();
    h.wait().expect("task failed");
    out.push((System::FtHandle.name(), ns));

    let abi = fh_sleep();
    let h = abi.spawn(&FhSleepSpin(started.clone()));
    // SAFETY: `h` is live until the wait below.
    let ns = time_polls(n, || unsafe { (abi.poll)(h) }.is_null());
    abi.cancel(h);
    abi.wait(h);
    out.push((System::FhCAbi.name(), ns));

    let h = ffi_helpers::task::TaskHandle::spawn(FhSleepSpin(started.clone()));
    let ns = time_polls(n, || h.poll().is_none());
    h.cancel();
    h.wait().expect("task failed");
    out.push((System::FhHandle.name(), ns));
    out
}

/// cancel → wait returned, through the C ABIs: spawn, wait until the task
/// runs, then time `cancel` + `wait`. Returns µs.
fn cancel_latency<T, H>(
    abi: CAbi<T, H>,
    make: impl Fn(Arc<AtomicUsize>) -> T,
    iters: usize,
) -> Summary {
    let mut samples = Vec::with_capacity(iters);
    for i in 0..iters + iters / 10 {
        let started = Arc::new(AtomicUsize::new(0));
        let task = make(started.clone());
        let h = abi.spawn(&task);
        let deadline = Instant::now() + Duration::from_secs(10);
        while started.load(Ordering::Acquire) == 0 {
            assert!(Instant::now() < deadline, "the task never started");
            std::hint::spin_loop();
        }
        let t = Instant::now();
        abi.cancel(h);
        black_box(abi.wait(h));
        if i >= iters / 10 {
            samples.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    summarize(&mut samples)
}

fn measure_cancel(cfg: &Config) -> Vec<(&'static str, Summary)> {
    let (n, s) = (cfg.cancel_iters, cfg.sleep_cancel_iters);
    vec![
        (
            "ffi_tasks C ABI, busy spin on `cancelled()`",
            cancel_latency(ft_busy(), FtBusySpin, n),
        ),
        (
            "ffi_helpers 0.3 C ABI, busy spin on `cancelled()`",
            cancel_latency(fh_busy(), FhBusySpin, n),
        ),
        (
            "ffi_tasks C ABI, blocked in `wait_cancelled()`",
            cancel_latency(ft_block(), FtBlock, n),
        ),
        (
            "ffi_tasks C ABI, seed `Spin` (checks every 10 ms)",
            cancel_latency(ft_sleep(), FtSleepSpin, s),
        ),
        (
            "ffi_helpers 0.3 C ABI, seed `Spin` (checks every 10 ms)",
            cancel_latency(fh_sleep(), FhSleepSpin, s),
        ),
    ]
}

// ---------------------------------------------------------------------------
// Report.

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

fn main() {
    // Every process (parent and children) uses a short keep-alive so the
    // "after keep-alive" figure is read within the run.
    configure_global_pool(PoolConfig {
        keep_alive: KEEP_ALIVE,
        ..PoolConfig::default()
    })
    .expect("configure the global pool before the first spawn");

    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let kind = args.get(pos + 1).map(String::as_str).unwrap_or("");
        let system = args
            .get(pos + 2)
            .and_then(|a| System::from_arg(a))
            .expect("--child KIND SYSTEM");
        match kind {
            "burst" => child_burst(system),
            "outstanding" => child_outstanding(system),
            other => panic!("unknown child kind {other}"),
        }
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let cfg = if quick {
        Config {
            rt_rounds: 2,
            rt_iters: 300,
            tp_rounds: 1,
            poll_calls: 200_000,
            cancel_iters: 50,
            sleep_cancel_iters: 5,
        }
    } else {
        Config {
            rt_rounds: 10,
            rt_iters: 1_000,
            tp_rounds: 5,
            poll_calls: 2_000_000,
            cancel_iters: 500,
            sleep_cancel_iters: 30,
        }
    };
    let cores = nproc();
    let total = Instant::now();
    let load_before = loadavg();

    eprintln!("round trip ...");
    let rt = measure_round_trip(&cfg);
    eprintln!("throughput ...");
    let tp = measure_throughput(&cfg);
    eprintln!("poll ...");
    let poll = measure_poll(&cfg);
    eprintln!("cancel ...");
    let cancel = measure_cancel(&cfg);
    eprintln!("burst and outstanding tasks (child processes) ...");
    let burst: Vec<(System, Figures)> = SYSTEMS
        .iter()
        .map(|&s| (s, run_child("burst", s)))
        .collect();
    let outstanding: Vec<(System, Figures)> = SYSTEMS
        .iter()
        .map(|&s| (s, run_child("outstanding", s)))
        .collect();

    let rt_of = |s: System| rt.iter().find(|r| r.0 == s).expect("measured").1;
    let tp_of = |s: System| tp.iter().find(|r| r.0 == s).expect("measured").1;
    let fh_rt = rt_of(System::FhCAbi).median;
    let bl_rt = rt_of(System::Blocking).median;
    let fh_tp = tp_of(System::FhCAbi);
    let bl_tp = tp_of(System::Blocking);

    println!("## Rust: ffi_tasks vs ffi_helpers 0.3, std::thread and `blocking`\n");
    println!(
        "{cores} cores; load average {load_before} before, {} after. Ratios are against \
         ffi_helpers 0.3 through its C ABI (\"fh\") and the `blocking` pool (\"bl\"), \
         measured in the same run. ffi_tasks global pool: keep-alive {} ms (the default is \
         10 s), at most {} threads.\n",
        loadavg(),
        KEEP_ALIVE.as_millis(),
        PoolConfig::default().max_threads
    );

    println!("### Spawn → wait round trip, one task at a time\n");
    println!(
        "{} rounds × {} iterations per system, interleaved.\n",
        cfg.rt_rounds, cfg.rt_iters
    );
    println!("| system | median µs | p99 µs | median / fh | median / bl |");
    println!("|---|---:|---:|---:|---:|");
    for &(s, r) in &rt {
        println!(
            "| {} | {:.2} | {:.2} | {:.3} | {:.3} |",
            s.name(),
            r.median,
            r.p99,
            r.median / fh_rt,
            r.median / bl_rt
        );
    }

    println!("\n### Throughput: spawn {BURST}, then wait for all\n");
    println!("Median of {} rounds.\n", cfg.tp_rounds);
    println!("| system | tasks/s | × fh | × bl |");
    println!("|---|---:|---:|---:|");
    for &(s, r) in &tp {
        println!(
            "| {} | {:.0} | {:.2} | {:.2} |",
            s.name(),
            r,
            r / fh_tp,
            r / bl_tp
        );
    }

    println!("\n### `poll()` on a running task\n");
    println!(
        "Thread CPU time per call, median of 5 × {} calls; the poll call alone (a C caller \
         also reads the last error after a null result, for both crates).\n",
        cfg.poll_calls
    );
    println!("| system | ns/call | / fh C ABI |");
    println!("|---|---:|---:|");
    let fh_poll = poll
        .iter()
        .find(|p| p.0 == System::FhCAbi.name())
        .expect("measured")
        .1;
    for &(name, ns) in &poll {
        println!("| {name} | {ns:.1} | {:.2} |", ns / fh_poll);
    }

    println!("\n### cancel → wait returned\n");
    println!("| task | median µs | p99 µs | median / fh (same task body) |");
    println!("|---|---:|---:|---:|");
    let fh_busy_cancel = cancel[1].1.median;
    let fh_sleep_cancel = cancel[4].1.median;
    for (i, (name, r)) in cancel.iter().enumerate() {
        let anchor = if i >= 3 {
            fh_sleep_cancel
        } else {
            fh_busy_cancel
        };
        println!(
            "| {name} | {:.2} | {:.2} | {:.3} |",
            r.median,
            r.p99,
            r.median / anchor
        );
    }

    println!("\n### Burst of {BURST} trivial tasks (fresh process each)\n");
    println!(
        "Threads are read every 8 spawns/waits (the process's own main thread included); \
         peak RSS is VmHWM; \"after keep-alive\" is read {} ms after the last task finished.\n",
        AFTER_KEEP_ALIVE.as_millis()
    );
    println!("| system | threads before | peak threads | peak RSS − before (MiB) | threads after keep-alive | burst ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (s, f) in &burst {
        let peak = if s.is_ffi_tasks() {
            format!(
                "{} (pool peak {})",
                f["peak_threads"], f["pool_peak_threads"]
            )
        } else {
            format!("{}", f["peak_threads"])
        };
        println!(
            "| {} | {} | {} | {:.1} | {} | {:.0} |",
            s.name(),
            f["base_threads"],
            peak,
            (f["peak_rss_kib"] - f["base_rss_kib"]) / 1024.0,
            f["after_threads"],
            f["burst_ms"]
        );
    }

    println!("\n### {OUTSTANDING} tasks blocked until cancelled (fresh process each)\n");
    println!("| system | tasks running | threads while outstanding | KiB per outstanding task | threads after keep-alive |");
    println!("|---|---:|---:|---:|---:|");
    for (s, f) in &outstanding {
        println!(
            "| {} | {} | {} | {:.1} | {} |",
            s.name(),
            f["running"],
            f["threads_during"],
            f["kib_per_task"],
            f["after_threads"]
        );
    }

    // Expected ratios against the reference designs.
    println!("\n### Ratios against the reference designs\n");
    println!("| target | ffi_tasks C ABI | ffi_tasks TaskHandle | verdict |");
    println!("|---|---:|---:|---|");
    let both = |a: f64, b: f64, ok: &dyn Fn(f64) -> bool| verdict(ok(a) && ok(b));
    let (rc, rh) = (rt_of(System::FtCAbi).median, rt_of(System::FtHandle).median);
    println!(
        "| round trip ≤ 0.15 × ffi_helpers | {:.3} | {:.3} | {} |",
        rc / fh_rt,
        rh / fh_rt,
        both(rc / fh_rt, rh / fh_rt, &|r| r <= 0.15)
    );
    println!(
        "| round trip ≤ 0.6 × blocking | {:.3} | {:.3} | {} |",
        rc / bl_rt,
        rh / bl_rt,
        both(rc / bl_rt, rh / bl_rt, &|r| r <= 0.6)
    );
    let (tc, th) = (tp_of(System::FtCAbi), tp_of(System::FtHandle));
    println!(
        "| throughput ≥ 15 × ffi_helpers | {:.1} | {:.1} | {} |",
        tc / fh_tp,
        th / fh_tp,
        both(tc / fh_tp, th / fh_tp, &|r| r >= 15.0)
    );
    println!(
        "| throughput ≥ 1.2 × blocking | {:.2} | {:.2} | {} |",
        tc / bl_tp,
        th / bl_tp,
        both(tc / bl_tp, th / bl_tp, &|r| r >= 1.2)
    );
    let poll_c = poll[0].1 / fh_poll;
    println!(
        "| poll (C ABI) no slower than ffi_helpers' (ratio ≤ 1) | {poll_c:.2} | – | {} |",
        verdict(poll_c <= 1.0)
    );
    let cancel_ratio = cancel[0].1.median / fh_busy_cancel;
    println!(
        "| cancel → wait ≤ 0.5 × ffi_helpers (busy spin) | {cancel_ratio:.3} | – | {} |",
        verdict(cancel_ratio <= 0.5)
    );
    let small_multiple = 4 * cores;
    let bt = |s: System| {
        let f = &burst.iter().find(|b| b.0 == s).expect("measured").1;
        (
            f["peak_threads"] - f["base_threads"],
            f["after_threads"] - f["base_threads"],
        )
    };
    let (pc, ac) = bt(System::FtCAbi);
    let (ph, ah) = bt(System::FtHandle);
    println!(
        "| burst: extra threads ≤ 4 × cores ({small_multiple}) | {pc} | {ph} | {} |",
        verdict(pc <= small_multiple as f64 && ph <= small_multiple as f64)
    );
    let ot = |s: System| {
        let f = &outstanding.iter().find(|b| b.0 == s).expect("measured").1;
        f["after_threads"] - f["base_threads"]
    };
    let (oc, oh) = (ot(System::FtCAbi), ot(System::FtHandle));
    println!(
        "| threads back to baseline after keep-alive (extra after burst / after {OUTSTANDING} blocked) | {ac} / {oc} | {ah} / {oh} | {} |",
        verdict(ac == 0.0 && ah == 0.0 && oc == 0.0 && oh == 0.0)
    );
    println!("\n(`TaskHandle<T>` ≤ 1.05 × raw C ABI is a C++ target: see the C++ benchmark.)");
    eprintln!("done in {:.1} s", total.elapsed().as_secs_f64());
}

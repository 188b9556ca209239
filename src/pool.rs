//! The built-in [`ThreadPool`]: reuses threads, grows when every worker is
//! busy, and lets idle workers exit after a keep-alive.
//!
//! Where a new job goes, in order:
//!
//! 1. to a worker on its way back to the queue: one that has just published
//!    its previous task's outcome (see `Job::run_then`), or one spinning for
//!    a few microseconds after the queue ran dry. Nobody is woken, no thread
//!    is started: this is what makes a trivial task's round trip cheap;
//! 2. to an idle worker, woken through the condition variable;
//! 3. while the pool has fewer than twice as many workers as cores, to a new
//!    thread started at once;
//! 4. otherwise it waits in the queue, and a monitor thread checks every
//!    10 ms: when a job has waited a whole period and no job finished in
//!    it (every worker is blocked), it starts workers for the waiting jobs,
//!    at most doubling the pool per period, up to `max_threads`.
//!
//! After `fork()`, a pool made before it has no workers in the child and is
//! never locked there (a vanished thread may hold its lock): it refuses new
//! jobs with a message saying so, and the global pool is replaced by a fresh
//! one (`crate::fork`).
//!
//! So a burst of short tasks runs on about twice as many threads as cores
//! (a thread per job would cost far more than the jobs), while tasks that
//! block until cancelled still each get a thread, within milliseconds.
//!
//! Tasks here are blocking functions that may run until cancelled, so a fixed
//! number of workers (`threadpool`, `rayon`) would let one blocked task hold up
//! everything queued behind it. The `blocking` crate has the right growth
//! policy but is tied to async (it hands back futures), can only be configured
//! through an environment variable and exposes no statistics. The design is
//! therefore tokio's blocking pool (one mutex over a queue and counters, one
//! condition variable), plus the hand-off to returning workers and the
//! delayed growth above. Its hand-offs are model-checked with loom, on this
//! very code (`src/loom/models/pool.rs`, `scripts/loom.sh`).

use std::{cell::Cell, collections::VecDeque, io, rc::Rc, time::Duration};

use crate::{
    executor::{ConfigError, Executor, Job, SpawnError},
    fork,
    loom::{
        lock,
        sync::{
            atomic::{AtomicU64, AtomicUsize, Ordering},
            Arc, Condvar, Mutex, MutexGuard,
        },
        thread,
        time::Instant,
    },
    spin::{cores, spin_until},
    status::TaskStatus,
    unwind::catch,
};

/// How long a worker whose queue ran dry spins for a new job before it
/// sleeps.
const WORKER_SPIN: Duration = Duration::from_micros(50);

/// How long a job may wait in the queue, while no job finishes, before the
/// monitor starts more workers (beyond the ones started at once).
const STALL: Duration = Duration::from_millis(10);

/// Workers started at once, without waiting for a stall.
fn eager_threads() -> usize {
    2 * cores()
}

/// Workers allowed to spin at the same time.
fn max_spinners() -> usize {
    cores() / 2
}

/// Limits of a [`ThreadPool`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// Most worker threads alive at once. Jobs beyond it wait in the queue.
    /// Default 512.
    pub max_threads: usize,
    /// How long an idle worker waits for work before it exits. Default 10 s.
    pub keep_alive: Duration,
    /// Worker thread name. Default `"ffi_tasks-worker"`.
    pub thread_name: String,
    /// Worker stack size in bytes; `None` for the platform default. At most
    /// half the address space (`isize::MAX` bytes; more is refused); the
    /// operating system may refuse less (the pool then reports
    /// `SpawnFailed`).
    pub stack_size: Option<usize>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_threads: 512,
            keep_alive: Duration::from_secs(10),
            thread_name: "ffi_tasks-worker".to_owned(),
            stack_size: None,
        }
    }
}

/// The largest `stack_size` accepted: half the address space. The standard
/// library rounds a thread's stack size up, which overflows near
/// `usize::MAX` (on Windows the thread then starts with a tiny stack and
/// crashes), so larger sizes are refused before any thread is made.
const MAX_STACK_SIZE: usize = isize::MAX as usize;

impl PoolConfig {
    /// Checks the limits make sense (at least one thread, a stack size of at
    /// most half the address space).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_threads == 0 {
            return Err(ConfigError::Invalid(
                "max_threads must be at least 1".into(),
            ));
        }
        if let Some(size) = self.stack_size.filter(|&s| s > MAX_STACK_SIZE) {
            return Err(ConfigError::Invalid(format!(
                "stack_size {size} is larger than the largest accepted, {}",
                MAX_STACK_SIZE
            )));
        }
        Ok(())
    }
}

/// A snapshot of a pool's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C)]
pub struct PoolStats {
    /// Worker threads alive.
    pub threads: u64,
    /// Workers waiting for work (sleeping or spinning).
    pub idle: u64,
    /// Jobs being run.
    pub running: u64,
    /// Jobs waiting for a worker.
    pub queued: u64,
    /// Jobs that finished with a value.
    pub completed: u64,
    /// Jobs that finished with an error (panics included).
    pub failed: u64,
    /// Jobs that finished cancelled.
    pub cancelled: u64,
    /// Most worker threads alive at once so far.
    pub peak_threads: u64,
}

/// A reusing, growing thread pool. Dropping it stops idle workers; workers
/// busy with a task finish it first (they are not joined, so dropping never
/// blocks on a task that runs until cancelled).
pub struct ThreadPool {
    inner: Arc<Inner>,
    /// The process generation (`crate::fork`) the pool was made in.
    born: u64,
}

struct Inner {
    shared: Mutex<Shared>,
    /// Signalled when a job is queued for an idle worker, or on shutdown.
    work: Condvar,
    /// Wakes the monitor from its keep-alive sleep, or on shutdown.
    monitor_wake: Condvar,
    config: PoolConfig,
    completed: AtomicU64,
    failed: AtomicU64,
    cancelled: AtomicU64,
    /// Workers that published their task's outcome and have not taken the
    /// lock again yet. Raised from inside the job (without the lock), lowered
    /// with the lock held.
    returning: AtomicUsize,
    /// Bumped (with the lock held) each time a job is handed to a spinning or
    /// returning worker; spinning workers watch it.
    handoffs: AtomicUsize,
}

struct Shared {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
    /// Wake-ups sent to idle workers and not yet consumed; lets a worker tell
    /// a real notification from a spurious wake-up or a keep-alive timeout.
    notified: usize,
    running: usize,
    peak_threads: usize,
    shutdown: bool,
    /// Workers spinning for a job before they sleep.
    spinning: usize,
    /// Jobs handed to spinning or returning workers and not yet picked up by
    /// one; never more than `spinning + returning`.
    claims: usize,
    /// Jobs queued, taken and finished so far: the monitor's clock.
    pushed: u64,
    popped: u64,
    finished: u64,
    monitor_alive: bool,
    /// The monitor sleeps for a keep-alive (the queue was empty) and must be
    /// woken when a job is deferred.
    monitor_sleeping: bool,
}

impl ThreadPool {
    /// A pool with the given limits; no thread starts until the first job.
    pub fn new(config: PoolConfig) -> ThreadPool {
        fork::watch();
        ThreadPool {
            born: fork::generation(),
            inner: Arc::new(Inner {
                shared: Mutex::new(Shared {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    notified: 0,
                    running: 0,
                    peak_threads: 0,
                    shutdown: false,
                    spinning: 0,
                    claims: 0,
                    pushed: 0,
                    popped: 0,
                    finished: 0,
                    monitor_alive: false,
                    monitor_sleeping: false,
                }),
                work: Condvar::new(),
                monitor_wake: Condvar::new(),
                config,
                completed: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                cancelled: AtomicU64::new(0),
                returning: AtomicUsize::new(0),
                handoffs: AtomicUsize::new(0),
            }),
        }
    }

    /// The limits this pool was built with.
    pub fn config(&self) -> &PoolConfig {
        &self.inner.config
    }

    /// Whether the process forked since this pool was made: then this is
    /// the child, where none of its workers exist.
    #[inline]
    pub(crate) fn forked(&self) -> bool {
        self.born != fork::generation()
    }

    /// A consistent snapshot of the counters. In a child of `fork()`, a pool
    /// made before the fork reports only its finished-job counts (it has no
    /// threads there and its lock is not taken).
    pub fn stats(&self) -> PoolStats {
        if self.forked() {
            return PoolStats {
                completed: self.inner.completed.load(Ordering::Relaxed),
                failed: self.inner.failed.load(Ordering::Relaxed),
                cancelled: self.inner.cancelled.load(Ordering::Relaxed),
                ..PoolStats::default()
            };
        }
        let shared = self.inner.lock();
        PoolStats {
            threads: shared.threads as u64,
            idle: (shared.idle + shared.spinning) as u64,
            running: shared.running as u64,
            queued: shared.queue.len() as u64,
            completed: self.inner.completed.load(Ordering::Relaxed),
            failed: self.inner.failed.load(Ordering::Relaxed),
            cancelled: self.inner.cancelled.load(Ordering::Relaxed),
            peak_threads: shared.peak_threads as u64,
        }
    }

    /// Stops accepting jobs and wakes idle workers so they exit. Queued jobs
    /// are dropped (their handles report the pool shut down). Idempotent.
    /// Does nothing in a child of `fork()` for a pool made before it: no
    /// worker runs there, and its lock may be held by a vanished thread.
    pub fn shutdown(&self) {
        if self.forked() {
            return;
        }
        let dropped = {
            let mut shared = self.inner.lock();
            shared.shutdown = true;
            std::mem::take(&mut shared.queue)
        };
        self.inner.work.notify_all();
        self.inner.monitor_wake.notify_all();
        drop(dropped);
    }
}

impl Executor for ThreadPool {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        if self.forked() {
            return Err(SpawnError::NoThreads(io::Error::other(
                "the pool was created before fork(): its workers do not exist in this child \
                 process (the global pool starts afresh there; create a new pool instead)",
            )));
        }
        let inner = &self.inner;
        let mut shared = inner.lock();
        if shared.shutdown {
            return Err(SpawnError::ShuttingDown);
        }
        shared.queue.push_back(job);
        shared.pushed += 1;
        if shared.spinning + inner.returning.load(Ordering::Acquire) > shared.claims {
            // A worker on its way back takes it: no wake-up, no new thread.
            shared.claims += 1;
            inner.handoffs.fetch_add(1, Ordering::Release);
            return Ok(());
        }
        if shared.idle > shared.notified {
            shared.notified += 1;
            drop(shared);
            inner.work.notify_one();
            return Ok(());
        }
        if shared.threads >= inner.config.max_threads {
            return Ok(()); // at the limit: a busy worker takes it when free
        }
        if shared.threads >= eager_threads() && Inner::ensure_monitor(inner, &mut shared).is_ok() {
            return Ok(()); // the monitor starts a worker if the job waits
        }
        match Inner::spawn_worker(inner) {
            Ok(()) => {
                shared.threads += 1;
                shared.peak_threads = shared.peak_threads.max(shared.threads);
                Ok(())
            }
            // Other workers exist: one of them will get to the job.
            Err(_) if shared.threads > 0 => Ok(()),
            Err(e) => {
                let job = shared.queue.pop_back();
                shared.pushed -= 1;
                drop(shared);
                drop(job);
                Err(SpawnError::NoThreads(e))
            }
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }

    fn spawn_worker(this: &Arc<Self>) -> io::Result<()> {
        #[cfg(feature = "fault-injection")]
        if crate::fault::take_thread_spawn_failure() {
            return Err(io::Error::other("injected thread creation failure"));
        }
        let mut builder = thread::Builder::new().name(this.config.thread_name.clone());
        if let Some(size) = this.config.stack_size {
            // A pool made with `ThreadPool::new` is not validated: refuse
            // here too, rather than let the rounding overflow.
            if size > MAX_STACK_SIZE {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("stack size {size} is larger than half the address space"),
                ));
            }
            builder = builder.stack_size(size);
        }
        let inner = Arc::clone(this);
        builder.spawn(move || Inner::work_loop(&inner)).map(drop)
    }

    /// Makes sure the monitor runs (and is awake). Called with the lock held.
    fn ensure_monitor(this: &Arc<Self>, shared: &mut Shared) -> io::Result<()> {
        if shared.monitor_alive {
            if shared.monitor_sleeping {
                shared.monitor_sleeping = false;
                this.monitor_wake.notify_one();
            }
            return Ok(());
        }
        let inner = Arc::clone(this);
        thread::Builder::new()
            .name(format!("{}-monitor", this.config.thread_name))
            .stack_size(64 * 1024)
            .spawn(move || Inner::monitor_loop(&inner))?;
        shared.monitor_alive = true;
        Ok(())
    }

    fn record(&self, status: TaskStatus) {
        let counter = match status {
            TaskStatus::Completed => &self.completed,
            TaskStatus::Cancelled => &self.cancelled,
            TaskStatus::Failed | TaskStatus::Panicked => &self.failed,
            TaskStatus::Running | TaskStatus::Taken => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn work_loop(this: &Arc<Self>) {
        // Set by the job once it has published its outcome with nothing but
        // this loop's bookkeeping left to run (`Job::run_then`).
        let returned = Rc::new(Cell::new(false));
        let on_publish: Rc<dyn Fn()> = {
            let returned = Rc::clone(&returned);
            let inner = Arc::clone(this);
            Rc::new(move || {
                if !returned.replace(true) {
                    inner.returning.fetch_add(1, Ordering::Release);
                }
            })
        };
        this.run_jobs(&returned, &on_publish);
    }

    /// The worker's loop; `returned` is set by `on_publish`.
    fn run_jobs(&self, returned: &Cell<bool>, on_publish: &Rc<dyn Fn()>) {
        let mut spun = false;
        let mut shared = self.lock();
        'work: loop {
            while let Some(job) = shared.queue.pop_front() {
                shared.popped += 1;
                shared.running += 1;
                drop(shared);
                // `Job::run` catches panics in user code; this is a last line
                // of defence so that a worker never unwinds out of the loop
                // with the counters off.
                let status = catch(|| job.run_then(on_publish)).unwrap_or(TaskStatus::Panicked);
                self.record(status);
                shared = self.lock();
                shared.running -= 1;
                shared.finished += 1;
                if returned.replace(false) {
                    // Back: take over one job handed to a returning worker
                    // (the queue is drained next).
                    self.returning.fetch_sub(1, Ordering::Relaxed);
                    shared.claims = shared.claims.saturating_sub(1);
                }
                spun = false;
            }
            if shared.shutdown {
                break;
            }
            if !spun && shared.spinning < max_spinners() {
                spun = true;
                shared.spinning += 1;
                let seen = self.handoffs.load(Ordering::Acquire);
                drop(shared);
                spin_until(WORKER_SPIN, || {
                    self.handoffs.load(Ordering::Acquire) != seen
                });
                shared = self.lock();
                shared.spinning -= 1;
                // Take over one handed-off job, if any (the queue is drained
                // next).
                shared.claims = shared.claims.saturating_sub(1);
                continue 'work;
            }
            shared.idle += 1;
            loop {
                let (guard, timeout) = self
                    .work
                    .wait_timeout(shared, self.config.keep_alive)
                    .unwrap_or_else(|p| p.into_inner());
                shared = guard;
                if shared.notified > 0 {
                    shared.notified -= 1;
                    shared.idle -= 1;
                    continue 'work;
                }
                if shared.shutdown {
                    shared.idle -= 1;
                    break 'work;
                }
                if timeout.timed_out() {
                    shared.idle -= 1;
                    if shared.queue.is_empty() {
                        break 'work;
                    }
                    continue 'work;
                }
            }
        }
        shared.threads -= 1;
    }

    /// Starts workers when jobs wait while every worker is blocked; exits
    /// after a keep-alive with an empty queue.
    fn monitor_loop(this: &Arc<Self>) {
        let mut shared = this.lock();
        // Jobs pushed and finished when the queue was last looked at.
        let mut mark: Option<(u64, u64, Instant)> = None;
        while !shared.shutdown {
            if shared.queue.is_empty() {
                mark = None;
                shared.monitor_sleeping = true;
                let (guard, timeout) = this
                    .monitor_wake
                    .wait_timeout(shared, this.config.keep_alive)
                    .unwrap_or_else(|p| p.into_inner());
                shared = guard;
                shared.monitor_sleeping = false;
                if timeout.timed_out() && shared.queue.is_empty() {
                    break;
                }
                continue;
            }
            let wait = match mark {
                Some((_, _, at)) if at.elapsed() < STALL => STALL - at.elapsed(),
                Some((pushed, finished, _)) => {
                    // A job queued a whole period ago still waits and no job
                    // finished since: every worker is blocked.
                    if shared.popped < pushed && shared.finished == finished {
                        let waiting = (pushed - shared.popped) as usize;
                        Self::grow(this, &mut shared, waiting);
                    }
                    mark = None;
                    continue;
                }
                None => {
                    mark = Some((shared.pushed, shared.finished, Instant::now()));
                    STALL
                }
            };
            shared = this
                .monitor_wake
                .wait_timeout(shared, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        shared.monitor_alive = false;
        shared.monitor_sleeping = false;
    }

    /// Starts a worker for each of `waiting` jobs, at most doubling the pool
    /// and within `max_threads`.
    fn grow(this: &Arc<Self>, shared: &mut Shared, waiting: usize) {
        let room = this.config.max_threads.saturating_sub(shared.threads);
        for _ in 0..waiting.min(shared.threads.max(1)).min(room) {
            if Self::spawn_worker(this).is_err() {
                break;
            }
            shared.threads += 1;
            shared.peak_threads = shared.peak_threads.max(shared.threads);
        }
    }
}

#[cfg(all(test, not(ffi_tasks_loom)))]
mod tests {
    use std::{sync::atomic::AtomicUsize, thread};

    use super::*;
    use crate::task::{CancellationToken, Task, TaskHandle};

    const PATIENCE: Duration = Duration::from_secs(30);

    fn pool(max_threads: usize) -> ThreadPool {
        ThreadPool::new(PoolConfig {
            max_threads,
            keep_alive: PATIENCE,
            ..PoolConfig::default()
        })
    }

    #[derive(Clone)]
    struct Trivial;

    impl Task for Trivial {
        type Output = u64;
        fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> {
            Ok(7)
        }
    }

    /// Counts its start, then blocks until cancelled.
    #[derive(Clone)]
    struct Blocked(Arc<AtomicUsize>);

    impl Task for Blocked {
        type Output = ();
        fn run(&self, tok: &CancellationToken) -> anyhow::Result<()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            while !tok.wait_cancelled(PATIENCE) {}
            Ok(())
        }
    }

    #[test]
    fn a_stack_size_beyond_half_the_address_space_is_refused() {
        let config = |size| PoolConfig {
            stack_size: Some(size),
            ..PoolConfig::default()
        };
        assert!(config(MAX_STACK_SIZE).validate().is_ok());
        for size in [MAX_STACK_SIZE + 1, usize::MAX] {
            assert!(matches!(
                config(size).validate(),
                Err(ConfigError::Invalid(message)) if message.contains("stack_size")
            ));
            // Not validated by `new`: refused when a worker would start.
            let pool = ThreadPool::new(config(size));
            let spawned = TaskHandle::spawn_with(Trivial, CancellationToken::new(), &pool);
            let error = spawned.expect_err("no worker can start");
            assert!(
                format!("{error:#}").contains("half the address space"),
                "{error:#}"
            );
        }
    }

    #[test]
    fn back_to_back_tasks_are_handed_to_the_returning_worker() {
        // Each task is spawned as soon as the previous one's result is in,
        // before its worker is back in the idle list: the worker is counted
        // as returning, so no second thread is ever needed.
        let pool = pool(64);
        for _ in 0..2_000 {
            let h = TaskHandle::spawn_with(Trivial, CancellationToken::new(), &pool).unwrap();
            assert_eq!(h.wait().unwrap(), 7);
        }
        assert_eq!(pool.stats().peak_threads, 1);
    }

    #[test]
    fn blocked_tasks_beyond_the_eager_threads_all_start() {
        // More blocked tasks than threads started at once: the monitor must
        // start the rest, and stop at max_threads.
        let max = eager_threads() + 4;
        let n = max + 3;
        let pool = pool(max);
        let started = Arc::new(AtomicUsize::new(0));
        let group = CancellationToken::new();
        let handles: Vec<_> = (0..n)
            .map(|_| {
                TaskHandle::spawn_with(Blocked(started.clone()), group.child_token(), &pool)
                    .unwrap()
            })
            .collect();
        let deadline = Instant::now() + PATIENCE;
        while started.load(Ordering::SeqCst) < max {
            assert!(
                Instant::now() < deadline,
                "only {started:?} of {max} started"
            );
            thread::sleep(Duration::from_millis(1));
        }
        let stats = pool.stats();
        assert_eq!(stats.threads as usize, max);
        assert_eq!(stats.running as usize, max);
        assert_eq!(stats.queued as usize, n - max);
        group.cancel();
        for h in handles {
            h.wait().unwrap();
        }
        assert_eq!(started.load(Ordering::SeqCst), n);
        assert_eq!(pool.stats().peak_threads as usize, max);
    }

    #[test]
    fn the_monitor_exits_with_the_keep_alive() {
        let pool = ThreadPool::new(PoolConfig {
            max_threads: eager_threads() + 1,
            keep_alive: Duration::from_millis(20),
            ..PoolConfig::default()
        });
        let started = Arc::new(AtomicUsize::new(0));
        let group = CancellationToken::new();
        let handles: Vec<_> = (0..eager_threads() + 1)
            .map(|_| {
                TaskHandle::spawn_with(Blocked(started.clone()), group.child_token(), &pool)
                    .unwrap()
            })
            .collect();
        assert!(
            pool.inner.lock().monitor_alive,
            "the last task was deferred"
        );
        group.cancel();
        for h in handles {
            h.wait().unwrap();
        }
        let deadline = Instant::now() + PATIENCE;
        while pool.inner.lock().monitor_alive || pool.stats().threads > 0 {
            assert!(
                Instant::now() < deadline,
                "the monitor or a worker never exited"
            );
            thread::sleep(Duration::from_millis(5));
        }
    }
}

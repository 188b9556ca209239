//! The built-in [`ThreadPool`]: reuses threads, grows when every worker is
//! busy, and lets idle workers exit after a keep-alive.
//!
//! Tasks here are blocking functions that may run until cancelled, so a fixed
//! number of workers (`threadpool`, `rayon`) would let one blocked task hold up
//! everything queued behind it. The `blocking` crate has the right growth
//! policy but is tied to async (it hands back futures), can only be configured
//! through an environment variable and exposes no statistics. The design is
//! therefore tokio's blocking pool, written out in a hundred lines: one mutex
//! over a queue and counters, one condition variable, and the rule "a new
//! thread only when no worker is idle and the limit allows".

use std::{
    collections::VecDeque,
    io,
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Condvar, Mutex, MutexGuard,
    },
    thread,
    time::Duration,
};

use crate::{
    executor::{ConfigError, Executor, Job, SpawnError},
    status::TaskStatus,
};

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
    /// Worker stack size in bytes; `None` for the platform default.
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

impl PoolConfig {
    /// Checks the limits make sense (at least one thread).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_threads == 0 {
            return Err(ConfigError::Invalid(
                "max_threads must be at least 1".into(),
            ));
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
    /// Workers waiting for work.
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
}

struct Inner {
    shared: Mutex<Shared>,
    /// Signalled when a job is queued for an idle worker, or on shutdown.
    work: Condvar,
    config: PoolConfig,
    completed: AtomicU64,
    failed: AtomicU64,
    cancelled: AtomicU64,
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
}

impl ThreadPool {
    /// A pool with the given limits; no thread starts until the first job.
    pub fn new(config: PoolConfig) -> ThreadPool {
        ThreadPool {
            inner: Arc::new(Inner {
                shared: Mutex::new(Shared {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    notified: 0,
                    running: 0,
                    peak_threads: 0,
                    shutdown: false,
                }),
                work: Condvar::new(),
                config,
                completed: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                cancelled: AtomicU64::new(0),
            }),
        }
    }

    /// The limits this pool was built with.
    pub fn config(&self) -> &PoolConfig {
        &self.inner.config
    }

    /// A consistent snapshot of the counters.
    pub fn stats(&self) -> PoolStats {
        let shared = self.inner.lock();
        PoolStats {
            threads: shared.threads as u64,
            idle: shared.idle as u64,
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
    pub fn shutdown(&self) {
        let dropped = {
            let mut shared = self.inner.lock();
            shared.shutdown = true;
            std::mem::take(&mut shared.queue)
        };
        self.inner.work.notify_all();
        drop(dropped);
    }
}

impl Executor for ThreadPool {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        let mut shared = self.inner.lock();
        if shared.shutdown {
            return Err(SpawnError::ShuttingDown);
        }
        shared.queue.push_back(job);
        if shared.idle > shared.notified {
            shared.notified += 1;
            drop(shared);
            self.inner.work.notify_one();
            return Ok(());
        }
        if shared.threads >= self.inner.config.max_threads {
            return Ok(()); // at the limit: a busy worker takes it when free
        }
        match self.spawn_worker() {
            Ok(()) => {
                shared.threads += 1;
                shared.peak_threads = shared.peak_threads.max(shared.threads);
                Ok(())
            }
            // Other workers exist: one of them will get to the job.
            Err(_) if shared.threads > 0 => Ok(()),
            Err(e) => {
                let job = shared.queue.pop_back();
                drop(shared);
                drop(job);
                Err(SpawnError::NoThreads(e))
            }
        }
    }
}

impl ThreadPool {
    fn spawn_worker(&self) -> io::Result<()> {
        #[cfg(feature = "fault-injection")]
        if crate::fault::take_thread_spawn_failure() {
            return Err(io::Error::other("injected thread creation failure"));
        }
        let mut builder = thread::Builder::new().name(self.inner.config.thread_name.clone());
        if let Some(size) = self.inner.config.stack_size {
            builder = builder.stack_size(size);
        }
        let inner = self.inner.clone();
        builder.spawn(move || inner.work_loop()).map(drop)
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
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

    fn work_loop(&self) {
        let mut shared = self.lock();
        'work: loop {
            while let Some(job) = shared.queue.pop_front() {
                shared.running += 1;
                drop(shared);
                // `Job::run` catches panics in user code; this is a last line
                // of defence so that a worker never unwinds out of the loop
                // with the counters off.
                let status =
                    catch_unwind(AssertUnwindSafe(|| job.run())).unwrap_or(TaskStatus::Panicked);
                self.record(status);
                shared = self.lock();
                shared.running -= 1;
            }
            if shared.shutdown {
                break;
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
}

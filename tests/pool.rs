//! The built-in `ThreadPool` and the `Executor` hook, each test on its own
//! pool (`ThreadPool::new` + `TaskHandle::spawn_with`) so that tests do not
//! share the global pool's counters.
//!
//! Covers: thread reuse, growth when every worker is blocked, `max_threads`
//! (queued tasks run once a worker frees), idle workers exiting after the
//! keep-alive, statistics, panics not killing workers, and custom executors
//! (one that runs jobs elsewhere, one that refuses them, one that drops them,
//! one that runs them later by hand).

mod core_support;

use std::{
    collections::HashSet,
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex,
    },
    thread::{self, ThreadId},
    time::Duration,
};

use anyhow::Error;
use core_support::{eventually, Ending, Gate, PATIENCE};
use ffi_tasks::{
    error::{ErrorKind, SpawnFailed},
    executor::{Executor, Job, SpawnError},
    pool::{PoolConfig, PoolStats, ThreadPool},
    task::{CancellationToken, Task, TaskHandle, TaskStatus},
};

/// Returns the id and name of the thread it ran on.
#[derive(Clone)]
struct WhereAmI;

impl Task for WhereAmI {
    type Output = (ThreadId, Option<String>);
    fn run(&self, _: &CancellationToken) -> Result<Self::Output, Error> {
        let me = thread::current();
        Ok((me.id(), me.name().map(str::to_owned)))
    }
}

/// Panics at once.
#[derive(Clone)]
struct Boom;

impl Task for Boom {
    type Output = ();
    fn run(&self, _: &CancellationToken) -> Result<(), Error> {
        panic!("boom on a pool worker")
    }
}

fn pool(max_threads: usize, keep_alive: Duration) -> ThreadPool {
    ThreadPool::new(PoolConfig {
        max_threads,
        keep_alive,
        thread_name: "core-test-worker".into(),
        ..PoolConfig::default()
    })
}

fn spawn_on<K: Task + 'static>(pool: &ThreadPool, task: K) -> TaskHandle<K::Output>
where
    K::Output: Send + 'static,
{
    TaskHandle::spawn_with(task, CancellationToken::new(), pool).expect("the pool takes the task")
}

fn spawn_gate(pool: &ThreadPool, group: &CancellationToken, gate: &Gate) -> TaskHandle<u64> {
    TaskHandle::spawn_with(gate.clone(), group.child_token(), pool).unwrap()
}

fn is_idle(stats: PoolStats) -> bool {
    stats.running == 0 && stats.queued == 0 && stats.idle == stats.threads
}

#[test]
fn config_defaults_and_validation() {
    let config = PoolConfig::default();
    assert_eq!(config.max_threads, 512);
    assert_eq!(config.keep_alive, Duration::from_secs(10));
    assert_eq!(config.thread_name, "ffi_tasks-worker");
    assert_eq!(config.stack_size, None);
    assert!(config.validate().is_ok());
    let zero = PoolConfig {
        max_threads: 0,
        ..PoolConfig::default()
    };
    assert!(zero.validate().is_err());

    let pool = pool(3, PATIENCE);
    assert_eq!(pool.config().max_threads, 3);
    // No thread starts before the first job.
    assert_eq!(pool.stats(), PoolStats::default());
}

#[test]
fn sequential_tasks_reuse_one_thread() {
    let pool = pool(8, PATIENCE * 4);
    let mut seen = HashSet::new();
    for _ in 0..20 {
        // Start each task only once the worker is back to idle, so the pool
        // has no reason to start a second one.
        eventually("the pool is idle", || is_idle(pool.stats()));
        let (id, name) = spawn_on(&pool, WhereAmI).wait().unwrap();
        assert_eq!(name.as_deref(), Some("core-test-worker"));
        seen.insert(id);
    }
    assert_eq!(seen.len(), 1, "every task ran on the same worker");
    let stats = pool.stats();
    assert_eq!(stats.peak_threads, 1);
    assert_eq!(stats.threads, 1);
    eventually("all 20 counted", || pool.stats().completed == 20);
}

#[test]
fn the_pool_grows_when_every_worker_is_blocked() {
    let pool = pool(16, PATIENCE);
    let group = CancellationToken::new();
    let gates: Vec<_> = (0..4).map(|_| Gate::new(Ending::Cancelled)).collect();
    let handles: Vec<_> = gates.iter().map(|g| spawn_gate(&pool, &group, g)).collect();
    for gate in &gates {
        gate.started.wait_for(1);
    }

    // Four workers are blocked until `group` is cancelled; a fifth task must
    // not wait behind them.
    let quick = spawn_on(&pool, WhereAmI);
    let outcome = quick.wait_timeout(PATIENCE);
    assert!(
        matches!(outcome, Some(Ok(_))),
        "ran while the others were blocked"
    );
    assert!(pool.stats().peak_threads >= 5);

    group.cancel();
    for handle in handles {
        assert_eq!(
            ErrorKind::of(&handle.wait().unwrap_err()),
            ErrorKind::Cancelled
        );
    }
}

#[test]
fn max_threads_is_respected_and_queued_tasks_run_when_a_worker_frees() {
    let pool = pool(2, PATIENCE);
    let group = CancellationToken::new();
    let first = Gate::new(Ending::Value(1));
    let second = Gate::new(Ending::Value(2));
    let h1 = TaskHandle::spawn_with(first.clone(), CancellationToken::new(), &pool).unwrap();
    let h2 = spawn_gate(&pool, &group, &second);
    first.started.wait_for(1);
    second.started.wait_for(1);

    let queued = spawn_on(&pool, WhereAmI);
    let stats = pool.stats();
    assert_eq!(stats.threads, 2);
    assert_eq!(stats.running, 2);
    assert_eq!(stats.queued, 1, "the third task waits for a worker");
    assert!(queued.wait_timeout(Duration::ZERO).is_none());
    assert_eq!(queued.status(), TaskStatus::Running);

    // Free one worker: the queued task runs on it.
    h1.cancel();
    assert_eq!(h1.wait().unwrap(), 1);
    assert!(matches!(queued.wait_timeout(PATIENCE), Some(Ok(_))));
    assert_eq!(pool.stats().peak_threads, 2);

    group.cancel();
    assert_eq!(h2.wait().unwrap(), 2);
    assert_eq!(pool.stats().peak_threads, 2);
}

#[test]
fn idle_workers_exit_after_the_keep_alive() {
    let pool = pool(4, Duration::from_millis(5));
    let (first, _) = spawn_on(&pool, WhereAmI).wait().unwrap();
    eventually("the idle worker exits", || pool.stats().threads == 0);
    assert_eq!(pool.stats().idle, 0);

    // A new worker is started for the next task.
    let (second, _) = spawn_on(&pool, WhereAmI).wait().unwrap();
    assert_ne!(first, second, "a fresh thread");
    assert_eq!(pool.stats().peak_threads, 1);
}

#[test]
fn statistics_count_outcomes() {
    let pool = pool(8, PATIENCE);
    for (ending, _) in [
        (Ending::Value(1), "completed"),
        (Ending::Fail, "failed"),
        (Ending::Panic, "failed"),
        (Ending::Cancelled, "cancelled"),
    ] {
        let h = spawn_on(&pool, Gate::new(ending));
        h.cancel();
        let _ = h.wait();
    }
    eventually("every job is counted", || {
        let s = pool.stats();
        s.completed + s.failed + s.cancelled == 4
    });
    let stats = pool.stats();
    assert_eq!((stats.completed, stats.failed, stats.cancelled), (1, 2, 1));
}

#[test]
fn a_panicking_task_does_not_kill_its_worker() {
    let pool = pool(1, PATIENCE);
    let err = spawn_on(&pool, Boom).wait().unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::Panicked);
    assert!(spawn_on(&pool, WhereAmI).wait().is_ok());
    assert_eq!(pool.stats().peak_threads, 1);
}

#[test]
fn workers_get_the_configured_stack_size() {
    let pool = ThreadPool::new(PoolConfig {
        stack_size: Some(512 * 1024),
        ..PoolConfig::default()
    });
    assert!(spawn_on(&pool, WhereAmI).wait().is_ok());
}

// ===== custom executors =====

/// Runs each job on a new thread and counts them.
#[derive(Default)]
struct ThreadPerJob {
    jobs: AtomicUsize,
}

impl Executor for ThreadPerJob {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        self.jobs.fetch_add(1, Ordering::SeqCst);
        thread::Builder::new()
            .name("thread-per-job".into())
            .spawn(move || job.run())
            .map(drop)
            .map_err(SpawnError::NoThreads)
    }
}

#[test]
fn a_custom_executor_runs_the_task() {
    let executor = ThreadPerJob::default();
    let handle = TaskHandle::spawn_with(WhereAmI, CancellationToken::new(), &executor).unwrap();
    let (_, name) = handle.wait().unwrap();
    assert_eq!(name.as_deref(), Some("thread-per-job"));
    assert_eq!(executor.jobs.load(Ordering::SeqCst), 1);
}

/// Refuses every job.
struct Refuse;

impl Executor for Refuse {
    fn execute(&self, _job: Job) -> Result<(), SpawnError> {
        Err(SpawnError::Refused("the queue is full".into()))
    }
}

#[test]
fn a_refusing_executor_fails_the_spawn() {
    let err = TaskHandle::spawn_with(WhereAmI, CancellationToken::new(), Refuse).unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::SpawnFailed);
    let message = format!("{err:#}");
    assert!(message.contains("the queue is full"), "{message}");
}

/// Accepts every job and drops it.
struct Discard;

impl Executor for Discard {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        drop(job);
        Ok(())
    }
}

#[test]
fn a_dropped_job_fails_the_handle_instead_of_hanging() {
    let handle = TaskHandle::spawn_with(WhereAmI, CancellationToken::new(), Discard).unwrap();
    assert_eq!(handle.status(), TaskStatus::Failed);
    // `wait` would hang forever if the handle were not completed.
    let err = handle.wait().unwrap_err();
    assert!(err.is::<SpawnFailed>(), "{err:#}");
    assert!(err.to_string().contains("without running it"), "{err}");
}

/// Keeps jobs until the test runs them.
#[derive(Default)]
struct Manual {
    jobs: Mutex<Vec<Job>>,
}

impl Executor for Manual {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        self.jobs.lock().unwrap().push(job);
        Ok(())
    }
}

impl Manual {
    fn run_all(&self) -> Vec<TaskStatus> {
        let jobs = std::mem::take(&mut *self.jobs.lock().unwrap());
        jobs.into_iter().map(Job::run).collect()
    }
}

#[test]
fn a_job_runs_whenever_the_executor_decides() {
    let manual = Manual::default();
    let handle = TaskHandle::spawn_with(WhereAmI, CancellationToken::new(), &manual).unwrap();
    assert_eq!(handle.status(), TaskStatus::Running);
    assert!(handle.poll().is_none());
    assert_eq!(manual.run_all(), [TaskStatus::Completed]);
    assert_eq!(handle.poll().unwrap().unwrap().0, thread::current().id());
    assert!(format!("{:?}", manual.jobs.lock().unwrap()).contains("[]"));
}

/// An output whose `Drop` panics.
struct Loud;

impl Drop for Loud {
    fn drop(&mut self) {
        panic!("Loud dropped on the worker");
    }
}

#[derive(Clone)]
struct MakeLoud;

impl Task for MakeLoud {
    type Output = Loud;
    fn run(&self, _: &CancellationToken) -> Result<Loud, Error> {
        Ok(Loud)
    }
}

#[test]
fn job_run_never_panics_even_when_an_untaken_output_panics_on_drop() {
    // The handle is gone before the job runs, so the job drops the output
    // nobody will take; its panic must not escape `Job::run` into the
    // executor's thread.
    let manual = Manual::default();
    let handle = TaskHandle::spawn_with(MakeLoud, CancellationToken::new(), &manual).unwrap();
    drop(handle);
    let ran = catch_unwind(AssertUnwindSafe(|| manual.run_all()));
    assert!(ran.is_ok(), "Job::run unwound into the executor");
}

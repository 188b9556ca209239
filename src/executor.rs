//! Where tasks run: the [`Executor`] trait, the [`Job`] it runs, and the
//! process-wide default (the built-in [`ThreadPool`] unless a user installs
//! their own executor before the first spawn).

use std::{
    fmt,
    sync::{Arc, OnceLock},
};

use thiserror::Error;

use crate::{
    fork::PerFork,
    pool::{PoolConfig, ThreadPool},
    status::TaskStatus,
};

/// One task, packaged for an executor: run it once with [`Job::run`].
///
/// Dropping a job without running it is allowed: the task's handle then
/// reports a [`SpawnFailed`](crate::error::SpawnFailed) error instead of
/// waiting forever.
pub struct Job {
    run: JobFn,
}

/// A job's body; its argument is the `on_publish` hook of [`Job::run_then`].
type JobFn = Box<dyn FnOnce(&dyn Fn()) -> TaskStatus + Send + 'static>;

impl Job {
    /// `run` gets the `on_publish` hook of [`Job::run_then`].
    pub(crate) fn new(run: impl FnOnce(&dyn Fn()) -> TaskStatus + Send + 'static) -> Job {
        Job { run: Box::new(run) }
    }

    /// Runs the task to completion on the current thread and returns how it
    /// ended. Never panics: panics in user code are caught and delivered to
    /// the task's handle.
    pub fn run(self) -> TaskStatus {
        (self.run)(&|| {})
    }

    /// Like [`Job::run`]; `on_publish` is called at most once, just before
    /// the task's outcome becomes visible to its handle, and only when no
    /// user code (a completion callback, the `Drop` of an outcome whose
    /// handle is gone) is left to run on this thread after that. The built-in pool uses it to hand the next job to this worker
    /// without waking another one.
    pub(crate) fn run_then(self, on_publish: &dyn Fn()) -> TaskStatus {
        (self.run)(on_publish)
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Job")
    }
}

/// Something that runs [`Job`]s, usually on other threads.
///
/// A job may block for as long as its task runs (until cancelled, for
/// instance), so an executor must not let one blocked job hold up the others
/// indefinitely. Implement this to route tasks to your own threads; install it
/// process-wide with [`set_global_executor`] or pass it to
/// [`TaskHandle::spawn_with`](crate::task::TaskHandle::spawn_with).
pub trait Executor: Send + Sync {
    /// Schedules `job`. On error the job has been dropped (its handle reports
    /// the failure).
    fn execute(&self, job: Job) -> Result<(), SpawnError>;
}

impl<E: Executor + ?Sized> Executor for Arc<E> {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        (**self).execute(job)
    }
}

impl<E: Executor + ?Sized> Executor for &E {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        (**self).execute(job)
    }
}

/// Why an executor could not take a job.
#[derive(Debug, Error)]
pub enum SpawnError {
    /// The pool is shutting down.
    #[error("the thread pool is shutting down")]
    ShuttingDown,
    /// No worker exists and a new one could not be created.
    #[error("no worker thread could be started: {0}")]
    NoThreads(#[source] std::io::Error),
    /// A user executor refused the job.
    #[error("the executor refused the task: {0}")]
    Refused(String),
}

/// Why the process-wide executor could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// A task was already spawned (or the executor already set): the global
    /// executor is fixed for the life of the process.
    #[error("the global executor is already in use; configure it before the first spawn")]
    AlreadyInitialized,
    /// The configuration is not usable.
    #[error("invalid pool configuration: {0}")]
    Invalid(String),
}

enum Global {
    Pool(ThreadPool),
    Custom(Box<dyn Executor>),
}

static GLOBAL: OnceLock<Global> = OnceLock::new();

fn global() -> &'static Global {
    GLOBAL.get_or_init(|| Global::Pool(ThreadPool::new(PoolConfig::default())))
}

/// Configures the built-in pool used by [`TaskHandle::spawn`] and the
/// functions `export_task!` generates. Must be called before the first spawn.
///
/// [`TaskHandle::spawn`]: crate::task::TaskHandle::spawn
pub fn configure_global_pool(config: PoolConfig) -> Result<(), ConfigError> {
    config.validate()?;
    let mut config = Some(config);
    GLOBAL.get_or_init(|| Global::Pool(ThreadPool::new(config.take().expect("set once"))));
    if config.is_some() {
        return Err(ConfigError::AlreadyInitialized);
    }
    Ok(())
}

/// Routes every task spawned without an explicit executor to `executor`
/// instead of the built-in pool. Must be called before the first spawn.
pub fn set_global_executor(executor: Box<dyn Executor>) -> Result<(), ConfigError> {
    GLOBAL
        .set(Global::Custom(executor))
        .map_err(|_| ConfigError::AlreadyInitialized)
}

/// The built-in pool behind the global executor, or `None` when a custom
/// executor was installed with [`set_global_executor`]. In a child of
/// `fork()` it is a fresh pool with the same configuration: the parent's
/// workers do not exist there.
pub fn global_pool() -> Option<&'static ThreadPool> {
    match global() {
        Global::Pool(pool) => Some(this_process(pool)),
        Global::Custom(_) => None,
    }
}

/// The executor that tasks without an explicit one run on.
pub fn global_executor() -> &'static dyn Executor {
    match global() {
        Global::Pool(pool) => this_process(pool),
        Global::Custom(executor) => executor.as_ref(),
    }
}

/// `pool`, or, when the process forked since it was made, this process's
/// own fresh pool with its configuration (`crate::fork`).
#[inline]
fn this_process(pool: &'static ThreadPool) -> &'static ThreadPool {
    static FORKED: PerFork<ThreadPool> = PerFork::new();
    if !pool.forked() {
        return pool;
    }
    FORKED.get_or_init(|| ThreadPool::new(pool.config().clone()))
}

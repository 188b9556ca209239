//! Where tasks run: the [`Executor`] trait, the [`Job`] it runs, and the
//! errors of scheduling and configuring one. The process-wide default
//! executor lives in [`crate::global`]; the built-in one in [`crate::pool`].

use std::{cell::RefCell, fmt, rc::Rc, sync::Arc};

use thiserror::Error;

use crate::{loom::thread::thread_local, status::TaskStatus};

/// One task, packaged for an executor: run it once with [`Job::run`].
///
/// Dropping a job without running it is allowed: the task's handle then
/// reports a [`SpawnFailed`](crate::error::SpawnFailed) error instead of
/// waiting forever.
pub struct Job {
    /// `None` once run.
    body: Option<Body>,
}

/// A job's body.
enum Body {
    /// A closure in a box of its own (a blocking task).
    Once(Box<dyn FnOnce() -> TaskStatus + Send + 'static>),
    /// A body kept in an allocation that outlives the job (an async task's
    /// driver, submitted again at every wake): no box per submission.
    Shared(Arc<dyn SharedJob>),
}

/// A job body that is its own reference-counted allocation (see
/// [`Job::shared`]).
pub(crate) trait SharedJob: Send + Sync + 'static {
    /// Runs the job (its only run).
    fn run(self: Arc<Self>) -> TaskStatus;
    /// The job was dropped without running.
    fn abandon(self: Arc<Self>);
}

thread_local! {
    /// The `on_publish` hook of the job this thread is running through
    /// [`Job::run_then`], until [`publishing`] takes it. A job run inside
    /// another one ([`Job::run`] from user code) hides it for its duration,
    /// so only the job the executor itself runs can call it.
    static ON_PUBLISH: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
}

/// Puts the previous hook back when a job returns (or unwinds).
struct Restore(Option<Rc<dyn Fn()>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = ON_PUBLISH.try_with(|slot| *slot.borrow_mut() = previous);
    }
}

impl Job {
    /// Wraps a job's body. The body calls [`publishing`] just before its
    /// outcome becomes visible when nothing but its runner's bookkeeping is
    /// left to run on the thread after that.
    pub(crate) fn new(run: impl FnOnce() -> TaskStatus + Send + 'static) -> Job {
        Job {
            body: Some(Body::Once(Box::new(run))),
        }
    }

    /// A job whose body is `shared`'s [`SharedJob::run`], or, dropped
    /// unrun, its [`SharedJob::abandon`].
    pub(crate) fn shared(shared: Arc<dyn SharedJob>) -> Job {
        Job {
            body: Some(Body::Shared(shared)),
        }
    }

    /// Runs the task to completion on the current thread and returns how it
    /// ended. Never panics: panics in user code are caught and delivered to
    /// the task's handle.
    pub fn run(self) -> TaskStatus {
        self.run_with(None)
    }

    /// Like [`Job::run`]; `on_publish` is called at most once, just before
    /// the task's outcome becomes visible to its handle, and only when no
    /// user code (a completion callback, the `Drop` of an outcome whose
    /// handle is gone) is left to run on this thread after that. The
    /// built-in pool uses it to hand the next job to this worker without
    /// waking another one.
    pub(crate) fn run_then(self, on_publish: &Rc<dyn Fn()>) -> TaskStatus {
        self.run_with(Some(Rc::clone(on_publish)))
    }

    fn run_with(mut self, hook: Option<Rc<dyn Fn()>>) -> TaskStatus {
        let previous = ON_PUBLISH
            .try_with(|slot| slot.replace(hook))
            .unwrap_or(None);
        let _restore = Restore(previous);
        match self.body.take() {
            Some(Body::Once(run)) => run(),
            Some(Body::Shared(shared)) => shared.run(),
            None => TaskStatus::Running, // unreachable: `run` takes the job
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(Body::Shared(shared)) = self.body.take() {
            shared.abandon();
        }
    }
}

/// Called by a job's body (see [`Job::new`]) just before its outcome becomes
/// visible, with nothing left to run on this thread after that: calls the
/// `on_publish` hook of [`Job::run_then`], once, if this thread's executor
/// gave one.
pub(crate) fn publishing() {
    let hook = ON_PUBLISH
        .try_with(|slot| slot.borrow_mut().take())
        .unwrap_or(None);
    if let Some(hook) = hook {
        hook();
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
/// process-wide with [`set_global_executor`](crate::global::set_global_executor)
/// or pass it to
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

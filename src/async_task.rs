//! Async tasks: a task whose work is a [`Future`], driven without holding a
//! thread while it waits.
//!
//! An [`AsyncTask`] is to a future what a [`Task`](crate::Task) is to a
//! blocking function. It gets the same [`TaskHandle`] (poll, wait,
//! `wait_timeout`, cancel, status, progress, `on_complete`), and
//! [`export_task!`](crate::export_task) exports it under the same keys with
//! the same C signatures (`AsyncTask: MyTask;` in place of `Task: MyTask;`),
//! so a C or C++ caller, `TaskHandle<T>` in C++ included, cannot tell the two
//! apart.
//!
//! How it runs (the design is in `docs/async.md`):
//!
//! * on the built-in driver ([`TaskHandle::spawn_async`] and the exported
//!   `spawn`), every poll of the future is one job on the global executor
//!   (the pool), and a wake submits the next one: while the future is
//!   pending no thread is held, so thousands of pending tasks cost memory,
//!   not threads;
//! * with the `tokio` feature, `TaskHandle::spawn_async_on` hands it to a
//!   tokio runtime instead, so that tokio's timers and sockets work in it
//!   (and `TokioExecutor` runs the built-in driver's polls on one).
//!
//! Either way, cancelling the token (or dropping the handle) drops the future
//! at its next poll and the task ends `Cancelled`; the cancel wakes the
//! task, so a future that never wakes is dropped too. A panic while polling
//! (or in `run`) ends it `Panicked`. Await
//! [`CancellationToken::when_cancelled`] to stop a part of the work (in a
//! `select`) before that.
//!
//! ```rust
//! use ffi_tasks::{async_task::AsyncTask, task::{CancellationToken, TaskHandle}};
//!
//! #[derive(Clone)]
//! struct Double(u64);
//!
//! impl AsyncTask for Double {
//!     type Output = u64;
//!
//!     fn run(
//!         &self,
//!         _tok: CancellationToken,
//!     ) -> impl std::future::Future<Output = anyhow::Result<u64>> + Send + 'static {
//!         let n = self.0;
//!         async move { Ok(n * 2) }
//!     }
//! }
//!
//! let handle = TaskHandle::spawn_async(Double(21));
//! assert_eq!(handle.wait().unwrap(), 42);
//! ```

mod driver;
#[cfg(feature = "tokio")]
mod on_tokio;
mod supervised;

use std::future::Future;

use anyhow::Error;

use self::{
    driver::{Core, Exec},
    supervised::Supervised,
};
use crate::{
    completion::Completion,
    error::SpawnFailed,
    executor::{Executor, SpawnError},
    loom::sync::Arc,
    task::{CancellationToken, CompleteOnDrop, TaskHandle},
};

#[cfg(feature = "tokio")]
pub use self::on_tokio::TokioExecutor;
pub use crate::cancel::WhenCancelled;

/// A cancellable task whose work is a future.
///
/// `run` is called once, on the driver, when the task is first polled; the
/// future it returns owns what it needs (`'static`), so the task itself is
/// dropped right after. The token is the task's: report progress through it,
/// or await [`CancellationToken::when_cancelled`]. Return
/// `Err(Cancelled.into())` to end as cancelled; the task also ends
/// cancelled, at its next poll, when the token is cancelled.
pub trait AsyncTask: Send + Sync + Clone {
    /// What the task produces.
    type Output: Send + Sync;

    /// Starts the task: the future to drive to completion.
    fn run(
        &self,
        tok: CancellationToken,
    ) -> impl Future<Output = Result<Self::Output, Error>> + Send + 'static;
}

impl<T: Send + 'static> TaskHandle<T> {
    /// Spawns an [`AsyncTask`] on the global executor, polled by its
    /// workers without holding one while it waits.
    ///
    /// Never fails: if the task cannot be started, `poll`/`wait` report a
    /// [`SpawnFailed`] error. Use [`TaskHandle::try_spawn_async`] to learn
    /// at once.
    pub fn spawn_async<K>(task: K) -> TaskHandle<T>
    where
        K: AsyncTask<Output = T> + 'static,
    {
        let (handle, _) = start(task, CancellationToken::new(), Exec::Global);
        handle
    }

    /// Like [`TaskHandle::spawn_async`], but reports at once when the task
    /// cannot be started.
    pub fn try_spawn_async<K>(task: K) -> Result<TaskHandle<T>, Error>
    where
        K: AsyncTask<Output = T> + 'static,
    {
        started(start(task, CancellationToken::new(), Exec::Global))
    }

    /// Spawns `task` under `token`, its polls running as jobs on
    /// `executor` (which must outlive the task: it is kept for the wakes).
    pub fn spawn_async_with<K, E>(
        task: K,
        token: CancellationToken,
        executor: E,
    ) -> Result<TaskHandle<T>, Error>
    where
        K: AsyncTask<Output = T> + 'static,
        E: Executor + 'static,
    {
        started(start(task, token, Exec::Custom(Box::new(executor))))
    }
}

/// Spawns `task` on the global executor, under a child of `parent` if given:
/// the `spawn` and `spawn_with_token` functions that `export_task!` makes
/// for an async task.
pub(crate) fn spawn_exported<K>(
    task: &K,
    parent: Option<&CancellationToken>,
) -> Result<TaskHandle<K::Output>, Error>
where
    K: AsyncTask + 'static,
    K::Output: 'static,
{
    let token = parent.map_or_else(CancellationToken::new, CancellationToken::child_token);
    started(start(task.clone(), token, Exec::Global))
}

fn start<K>(
    task: K,
    token: CancellationToken,
    executor: Exec,
) -> (TaskHandle<K::Output>, Result<(), SpawnError>)
where
    K: AsyncTask + 'static,
    K::Output: Send + 'static,
{
    let completion = Arc::new(Completion::new());
    let core = Core::new(
        Supervised::new(task, token.clone()),
        CompleteOnDrop(Some(completion.clone())),
        executor,
    );
    let handle = TaskHandle::from_parts(completion, token);
    // On error the job was dropped, which already completed the handle
    // with the reason.
    let submitted = core.submit();
    (handle, submitted)
}

fn started<T>(
    (handle, submitted): (TaskHandle<T>, Result<(), SpawnError>),
) -> Result<TaskHandle<T>, Error> {
    match submitted {
        Ok(()) => Ok(handle),
        Err(e) => Err(Error::new(SpawnFailed(e.to_string())).context("cannot spawn the task")),
    }
}

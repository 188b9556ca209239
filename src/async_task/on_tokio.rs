//! Async tasks on a tokio runtime (feature `tokio`): tokio's scheduler polls
//! the task's future, so tokio's timers, sockets and other resources that
//! need its reactor work inside it.

use tokio::runtime::Handle;

use super::{supervised::Supervised, AsyncTask};
use crate::{
    completion::Completion,
    executor::{Executor, Job, SpawnError},
    loom::sync::Arc,
    task::{CancellationToken, CompleteOnDrop, TaskHandle},
};

impl<T: Send + 'static> TaskHandle<T> {
    /// Spawns an [`AsyncTask`] on the tokio runtime behind `runtime`, under
    /// `token`. Everything else about the handle is as for
    /// [`TaskHandle::spawn_async`]: a cancel drops the future at its next
    /// poll (and wakes it for that), a panic ends it `Panicked`.
    ///
    /// Never fails: on a runtime that is shut down (now or before the task
    /// finishes) the future is dropped and the handle reports a
    /// [`SpawnFailed`](crate::error::SpawnFailed) error.
    pub fn spawn_async_on<K>(task: K, token: CancellationToken, runtime: &Handle) -> TaskHandle<T>
    where
        K: AsyncTask<Output = T> + 'static,
    {
        let completion = Arc::new(Completion::new());
        let mut done = CompleteOnDrop(Some(completion.clone()));
        let future = Supervised::new(task, token.clone());
        // Detached: the handle is how the outcome is taken.
        drop(runtime.spawn(async move {
            let outcome = future.await;
            done.complete_quietly(outcome);
        }));
        TaskHandle::from_parts(completion, token)
    }
}

/// An [`Executor`] that runs each job on a tokio runtime's blocking threads
/// (`spawn_blocking`), inside the runtime's context.
///
/// Install it with [`set_global_executor`](crate::global::set_global_executor)
/// to run the tasks that C and C++ spawn (blocking and async alike) on
/// tokio: an async task's polls then see the runtime, so its timers and
/// sockets work, and a blocking task may block (it holds a blocking thread,
/// never a runtime worker).
#[derive(Debug, Clone)]
pub struct TokioExecutor {
    runtime: Handle,
}

impl TokioExecutor {
    /// Runs jobs on `runtime`.
    pub fn new(runtime: Handle) -> TokioExecutor {
        TokioExecutor { runtime }
    }
}

impl Executor for TokioExecutor {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        // A runtime that is shut down drops the closure, and with it the
        // job: its handle then reports `SpawnFailed`.
        drop(self.runtime.spawn_blocking(move || job.run()));
        Ok(())
    }
}

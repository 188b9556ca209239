//! [`Exported`]: what [`export_task!`](crate::export_task) needs of a task
//! type, whether it is a blocking [`Task`] or an [`AsyncTask`]: its output
//! and how to spawn it. Blocking tasks get it from a blanket impl; the
//! `AsyncTask:` form of the macro implements it for the async task type, so
//! that every other key (and the C signatures) is shared.
//!
//! [`AsyncTask`]: crate::async_task::AsyncTask

use anyhow::Error;

use crate::{
    global::global_executor,
    task::{CancellationToken, Task, TaskHandle},
};

/// Not public API: implemented by `export_task!`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Task`",
    note = "export a blocking task with `Task: {Self};` (it must implement `Task`), an async one with `AsyncTask: {Self};`"
)]
pub trait Exported: Sized + 'static {
    /// The task's output.
    type Output: Send + 'static;

    /// Clones `task` and spawns it on the global executor, under a child of
    /// `parent` if given.
    fn spawn(
        task: &Self,
        parent: Option<&CancellationToken>,
    ) -> Result<TaskHandle<Self::Output>, Error>;
}

impl<T: Task + 'static> Exported for T
where
    T::Output: 'static,
{
    type Output = T::Output;

    fn spawn(task: &T, parent: Option<&CancellationToken>) -> Result<TaskHandle<T::Output>, Error> {
        let task = task.clone();
        match parent {
            None => TaskHandle::try_spawn(task),
            Some(token) => TaskHandle::spawn_with(task, token.child_token(), global_executor()),
        }
    }
}

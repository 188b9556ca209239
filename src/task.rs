//! Management of asynchronous tasks in an FFI context.
//!
//! The *Task API* is very similar to the that exposed by Rust futures, with
//! the aim to be usable from other languages. Your C users will:
//!
//! 1. Create a `Task` struct (whose `run()` method will execute the job)
//! 2. Spawn the `Task` in the background, receiving an opaque [`TaskHandle`]
//!    through which the task can be monitored
//! 3. Periodically `poll()` the `TaskHandle` (or `wait()` for it) to see
//!    whether it is done or if there was an error
//! 4. Retrieve the result when the `Task` completes
//! 5. Destroy the `TaskHandle` when it is no longer needed
//!
//! Tasks run on a reusing thread pool ([`crate::pool`]), not a thread each.
//!
//! # Examples
//!
//! This is the seed's (`ffi_helpers::task`) own example, unchanged except for
//! the crate name: a `Spin` task counts until it is cancelled.
//!
//! ```rust
//! # use anyhow::Error;
//! # use ffi_tasks::task::CancellationToken;
//! # use ffi_tasks::Task;
//! # use ffi_tasks::error_handling::*;
//! # use std::thread;
//! # use std::time::Duration;
//! #[derive(Debug, Clone, Copy)]
//! pub struct Spin;
//!
//! impl Task for Spin {
//!     type Output = usize;
//!
//!     fn run(&self, cancel_tok: &CancellationToken) -> Result<Self::Output, Error> {
//!         let mut spins = 0;
//!
//!         while !cancel_tok.cancelled() {
//!             thread::sleep(Duration::from_millis(10));
//!             spins += 1;
//!         }
//!
//!         Ok(spins)
//!     }
//! }
//!
//! // Generate the various `extern "C"` utility functions for working with the
//! // `Spin` task. The `spawn` function will be called `spin_spawn`, and so on.
//! ffi_tasks::export_task! {
//!     Task: Spin;
//!     spawn: spin_spawn;
//!     wait: spin_wait;
//!     poll: spin_poll;
//!     cancel: spin_cancel;
//!     cancelled: spin_cancelled;
//!     handle_destroy: spin_handle_destroy;
//!     result_destroy: spin_result_destroy;
//! }
//!
//! // create our `Spin` task
//! let s = Spin;
//!
//! unsafe {
//!     // spawn the task in the background and get a handle to it
//!     let handle = spin_spawn(&s);
//!     assert_eq!(spin_cancelled(handle), 0,
//!         "The spin shouldn't have been cancelled yet");
//!
//!     // poll the task. The result can vary depending on the outcome:
//!     // - If the task completed, get a pointer to the `Output`
//!     // - If it completed with an error, return `null` and update the
//!     //   LAST_ERROR appropriately
//!     // - Return `null` and *don't* set LAST_ERROR if the task isn't done
//!     let ret = spin_poll(handle);
//!     assert_eq!(last_error_length(), 0, "There shouldn't have been any errors");
//!     assert!(ret.is_null(), "The task should still be running");
//!
//!     // tell the task to stop spinning by sending the cancel signal
//!     spin_cancel(handle);
//!
//!     // wait for the task to finish and retrieve a pointer to its result
//!     // Note: this will automatically free the handle, so we don't need
//!     //       to manually call `spin_handle_destroy()`.
//!     let got = spin_wait(handle);
//!
//!     assert_eq!(last_error_length(), 0, "There shouldn't have been any errors");
//!     assert!(!got.is_null(), "Oops!");
//!
//!     let num_spins: usize = *got;
//!
//!     // don't forget the result is heap allocated so we need to free it
//!     spin_result_destroy(got);
//! }
//! ```
//!
//! # Managing Task Output Lifetimes
//!
//! The result of a `Task` is allocated on the heap and a pointer to it is
//! returned from the `poll` and `wait` functions. The caller frees it with the
//! `result_destroy` function. Zero-sized outputs (like `()`) are not
//! allocated: the pointer is non-null, aligned and dangling (the address
//! equals the type's alignment, `1` for `()`), must not be read through, and
//! `result_destroy` on it is a no-op.

use std::{fmt, time::Duration};

use anyhow::Error;

use crate::{
    completion::{CallbackAlreadySet, Completed, Completion},
    error::{InvalidArgument, SpawnFailed},
    executor::{self, Executor, Job},
    global::global_executor,
    loom::sync::Arc,
    unwind::{catch, drop_contained, DropContained},
};

pub use crate::{
    cancel::{CancellationToken, Cancelled, Progress},
    status::TaskStatus,
};

/// A cancellable task which is meant to be run in a background thread.
///
/// `run` should check the [`CancellationToken`] now and then (or block on
/// [`CancellationToken::wait_cancelled`]) and return early once it is
/// cancelled, ideally with `Err(Cancelled.into())` so callers can tell a
/// cancelled task from a failed one. It may report progress through
/// [`CancellationToken::set_progress`].
pub trait Task: Send + Sync + Clone {
    /// What the task produces.
    type Output: Send + Sync;

    /// Run this task to completion *synchronously*, exiting early if the
    /// provided `CancellationToken` is triggered.
    ///
    /// You probably shouldn't call this function directly. Instead prefer
    /// [`TaskHandle::spawn()`] or the bindings generated by
    /// [`export_task!()`](crate::export_task).
    fn run(&self, cancel_tok: &CancellationToken) -> Result<Self::Output, Error>;
}

/// An opaque handle to some task which is running in the background.
///
/// Dropping the handle cancels the task (it keeps running until it notices).
///
/// `#[repr(C)]` with the token first, whatever `T` is: the C ABI reaches the
/// token of a handle of any task type through the handle pointer alone
/// (`ffi_tasks_handle_cancel_after`).
#[repr(C)]
pub struct TaskHandle<T> {
    token: CancellationToken,
    completion: Arc<Completion<T>>,
}

// The C ABI relies on it (`src/ffi/waitset_api.rs`).
const _: () = assert!(std::mem::offset_of!(TaskHandle<u8>, token) == 0);
const _: () = assert!(std::mem::offset_of!(TaskHandle<[u64; 3]>, token) == 0);

impl<T> TaskHandle<T> {
    /// Spawn a `Task` in the background on the global executor, returning a
    /// `TaskHandle` so you can cancel it or retrieve the result later on.
    ///
    /// Never fails: if the task cannot be started, `poll`/`wait` report a
    /// [`SpawnFailed`] error. Use [`TaskHandle::try_spawn`] to learn at once.
    pub fn spawn<K>(task: K) -> TaskHandle<T>
    where
        K: Task<Output = T> + 'static,
        T: Send + 'static,
    {
        let (handle, job) = Self::prepare(task, CancellationToken::new());
        // On error the job was dropped, which already completed the handle
        // with the reason.
        let _ = global_executor().execute(job);
        handle
    }

    /// Like [`TaskHandle::spawn`], but reports at once when the task cannot be
    /// started.
    pub fn try_spawn<K>(task: K) -> Result<TaskHandle<T>, Error>
    where
        K: Task<Output = T> + 'static,
        T: Send + 'static,
    {
        Self::spawn_with(task, CancellationToken::new(), global_executor())
    }

    /// Spawns `task` on `executor`, handing it `token`. Pass
    /// `group.child_token()` to cancel many tasks with one `group.cancel()`.
    pub fn spawn_with<K, E>(
        task: K,
        token: CancellationToken,
        executor: E,
    ) -> Result<TaskHandle<T>, Error>
    where
        K: Task<Output = T> + 'static,
        T: Send + 'static,
        E: Executor,
    {
        let (handle, job) = Self::prepare(task, token);
        match executor.execute(job) {
            Ok(()) => Ok(handle),
            Err(e) => Err(Error::new(SpawnFailed(e.to_string())).context("cannot spawn the task")),
        }
    }

    fn prepare<K>(task: K, token: CancellationToken) -> (TaskHandle<T>, Job)
    where
        K: Task<Output = T> + 'static,
        T: Send + 'static,
    {
        let completion = Arc::new(Completion::new());
        let mut guard = CompleteOnDrop(Some(completion.clone()));
        let task_token = token.clone();
        // Dropped unrun (its job dropped by an executor or a pool shutting
        // down), the task's `Drop` must not unwind into the executor.
        let task = DropContained::new(task);
        let job = Job::new(move || {
            let ran = catch(|| task.run(&task_token));
            // Dropped on its own, outside the unwind of a panicking `run`: a
            // `Drop` that panics too would otherwise abort the process.
            let dropped = drop_contained(task.into_inner());
            let outcome = match (ran, dropped) {
                (Err(panic), _) => Err(panic.into()),
                (Ok(result), Ok(())) => result,
                (Ok(result), Err(panic)) => {
                    // The output (if any) is discarded; its own `Drop` may panic.
                    let _ = drop_contained(result);
                    Err(Error::new(panic).context("dropping the task panicked"))
                }
            };
            // After this, only `task_token` is left to drop on this worker
            // (the task and its outcome are gone or with the handle): a
            // reference count, never user code.
            guard.complete(outcome)
        });
        (TaskHandle { completion, token }, job)
    }

    /// A handle over `completion`, for a task started elsewhere
    /// (`crate::async_task`).
    pub(crate) fn from_parts(completion: Arc<Completion<T>>, token: CancellationToken) -> Self {
        TaskHandle { completion, token }
    }

    /// Check if the background task has finished.
    ///
    /// `None` while it runs; `Some(result)` once, when it has finished; after
    /// that, `Some(Err(_))` with an [`AlreadyTaken`](crate::error::AlreadyTaken)
    /// error.
    pub fn poll(&self) -> Option<Result<T, Error>> {
        self.completion.try_take()
    }

    /// Block the current thread until the task has finished and returned a
    /// result.
    pub fn wait(self) -> Result<T, Error> {
        self.completion
            .take_timeout(None)
            .expect("an untimed wait only returns once the task is done")
    }

    /// Blocks for at most `timeout`: `None` if the task is still running
    /// (the handle is not consumed), otherwise what [`TaskHandle::poll`]
    /// would return.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<Result<T, Error>> {
        self.completion.take_timeout(Some(timeout))
    }

    /// [`TaskHandle::poll`] with the status the outcome was stored with.
    pub(crate) fn poll_with_status(&self) -> Option<(TaskStatus, Result<T, Error>)> {
        self.completion.try_take_with_status()
    }

    /// [`TaskHandle::wait_timeout`] (or an untimed wait for `None`) with the
    /// status the outcome was stored with.
    pub(crate) fn wait_with_status(
        &self,
        timeout: Option<Duration>,
    ) -> Option<(TaskStatus, Result<T, Error>)> {
        self.completion.take_timeout_with_status(timeout)
    }

    /// Cancel the background task.
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Cancels the task once `timeout` has passed (see
    /// [`CancellationToken::cancel_after`]: zero cancels now, one timer
    /// thread serves every deadline). A task that has finished by then is
    /// left as it ended.
    pub fn cancel_after(&self, timeout: Duration) -> Result<(), Error> {
        self.token.cancel_after(timeout)
    }

    /// Has this task been cancelled?
    pub fn cancelled(&self) -> bool {
        self.token.cancelled()
    }

    /// Where the task is: running, finished in some way, or taken.
    pub fn status(&self) -> TaskStatus {
        self.completion.status()
    }

    /// The progress the task last reported.
    pub fn progress(&self) -> Progress {
        self.token.progress()
    }

    /// The token the task was given.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Runs `callback` exactly once when the task finishes: on the worker
    /// thread, or on this thread right now if it already has. It still runs
    /// if the handle is dropped first. Only one callback per handle; a second
    /// registration is an [`InvalidArgument`] error. A panic in the callback is
    /// caught and discarded.
    pub fn on_complete<F>(&self, callback: F) -> Result<(), Error>
    where
        F: FnOnce() + Send + 'static,
    {
        register_on_complete(&self.completion, callback)
    }

    /// The completion slot, owned: what the C ABI registers a callback on,
    /// so that a callback run at once may destroy or consume the handle
    /// (nothing borrows the handle while it runs).
    pub(crate) fn completion(&self) -> Arc<Completion<T>> {
        self.completion.clone()
    }
}

/// [`TaskHandle::on_complete`] on `completion`.
pub(crate) fn register_on_complete<T, F>(
    completion: &Completion<T>,
    callback: F,
) -> Result<(), Error>
where
    F: FnOnce() + Send + 'static,
{
    // Refused, the callback is dropped unrun: its captures' `Drop` too
    // is contained, as when it runs (`run_callback`).
    let callback = DropContained::new(callback);
    match completion.set_callback(Box::new(move || (callback.into_inner())())) {
        Ok(None) => Ok(()),
        Ok(Some(now)) => {
            run_callback(now);
            Ok(())
        }
        Err(CallbackAlreadySet) => Err(InvalidArgument(
            "a completion callback is already registered for this task".into(),
        )
        .into()),
    }
}

impl<T> Drop for TaskHandle<T> {
    fn drop(&mut self) {
        // Abandoned before the cancel: a task that ends because of this
        // cancel publishes after it, so the completing thread drops its
        // outcome; only an outcome that was already there is dropped here.
        //
        // An outcome nobody took is dropped here, on the handle's thread, or
        // by the completing thread before it tells its executor that nothing
        // is left to run (`Completion::abandon`): never by a thread the
        // executor may already hand a new job to. Its
        // `Drop` is user code: a panic there reaches the caller (the C ABI's
        // `handle_destroy` reports it as PANICKED), except while this thread
        // already unwinds, where a second panic would abort the process.
        let outcome = self.completion.abandon();
        self.token.cancel();
        if std::thread::panicking() {
            let _ = drop_contained(outcome);
        } else {
            drop(outcome);
        }
    }
}

impl<T> fmt::Debug for TaskHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("status", &self.status())
            .field("cancelled", &self.cancelled())
            .finish()
    }
}

fn run_callback(callback: Box<dyn FnOnce() + Send>) {
    // A panicking callback is contained (and reported by the panic hook).
    let _ = catch(callback);
}

/// Completes the handle when the job runs, or with a [`SpawnFailed`] error
/// when the job is dropped unrun (refused or discarded by an executor).
pub(crate) struct CompleteOnDrop<T>(pub(crate) Option<Arc<Completion<T>>>);

impl<T> CompleteOnDrop<T> {
    /// Completes the handle from the job's body: the executor's
    /// `publishing` hook (see [`Job::new`]) runs as the outcome is published,
    /// if nothing is left to run here after that.
    pub(crate) fn complete(&mut self, outcome: Result<T, Error>) -> TaskStatus {
        let completion = self.0.take().expect("a job runs once");
        let status = finish(&completion, outcome, &executor::publishing);
        // Possibly the last reference, but never the last owner of an
        // outcome: a handle that lets go takes it or has it handed back
        // above (`Completion::abandon`). So no user code runs here, after
        // `publishing` told the executor nothing is left to run.
        drop(completion);
        status
    }

    /// Like [`complete`](Self::complete), but never tells the executor that
    /// nothing is left to run: for a job whose runner still has user code to
    /// run after the outcome is published (an async task's job dropping its
    /// reference to a custom executor).
    pub(crate) fn complete_quietly(&mut self, outcome: Result<T, Error>) -> TaskStatus {
        let completion = self.0.take().expect("a job runs once");
        finish(&completion, outcome, &|| {})
    }
}

impl<T> Drop for CompleteOnDrop<T> {
    fn drop(&mut self) {
        if let Some(completion) = self.0.take() {
            let error = SpawnFailed("the executor dropped the task without running it".into());
            finish(&completion, Err(error.into()), &|| {});
        }
    }
}

fn finish<T>(
    completion: &Completion<T>,
    outcome: Result<T, Error>,
    on_publish: &dyn Fn(),
) -> TaskStatus {
    match completion.complete_then(outcome, on_publish) {
        Some(Completed {
            status,
            callback,
            abandoned,
        }) => {
            if let Some(callback) = callback {
                run_callback(callback);
            }
            // The handle is gone: this thread drops the outcome (user code
            // that must not unwind out of `Job::run`), not yet counted free.
            if let Some(outcome) = abandoned {
                let _ = drop_contained(outcome);
            }
            status
        }
        None => TaskStatus::Taken,
    }
}

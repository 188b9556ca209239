//! Streaming tasks: a task that emits items while it runs, read one by one
//! through its [`StreamHandle`], with back-pressure.
//!
//! A [`StreamTask`] (blocking) or [`AsyncStreamTask`] (a future) gets an
//! emitter along with its token. Items go through a bounded buffer of
//! [`capacity`](StreamTask::capacity) items: when it is full,
//! [`Emitter::emit`] blocks (and [`AsyncEmitter::emit`] stays pending) until
//! the reader takes one, so a fast producer never runs ahead of a slow
//! reader by more than the capacity. Cancelling the stream (or dropping its
//! handle) unblocks a waiting producer: its `emit` returns a
//! [`Cancelled`](crate::task::Cancelled) error, which the task returns with
//! `?`.
//!
//! The reader gets every emitted item, in order, then the end: `Ok(None)`
//! when the task returned `Ok(())`, `Err(e)` when it failed, was cancelled
//! or panicked (the end comes after the items buffered before it). The end
//! repeats: reading past it gives it again.
//!
//! ```rust
//! use ffi_tasks::{stream::{Emitter, StreamHandle, StreamTask}, task::CancellationToken};
//!
//! #[derive(Clone)]
//! struct Count(u64);
//!
//! impl StreamTask for Count {
//!     type Item = u64;
//!     fn run(&self, tok: &CancellationToken, out: &Emitter<u64>) -> anyhow::Result<()> {
//!         for i in 0..self.0 {
//!             out.emit(i)?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let stream = StreamHandle::spawn(Count(5)).unwrap();
//! let items: Vec<u64> = stream.iter().map(Result::unwrap).collect();
//! assert_eq!(items, [0, 1, 2, 3, 4]);
//! ```
//!
//! [`export_task!`](crate::export_task) exports one to C with
//! `StreamTask: MyTask;` (or `AsyncStreamTask: MyTask;`); see
//! `docs/streams.md`.

mod channel;

use std::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use anyhow::Error;

#[cfg(all(test, ffi_tasks_loom))]
pub(crate) use self::channel::SendError;
pub(crate) use self::channel::{Channel, Recv};
use crate::{
    async_task::AsyncTask,
    error::{ErrorKind, TimedOut},
    executor::Executor,
    global::global_executor,
    loom::{
        lock,
        sync::{Arc, Mutex},
    },
    status::classify,
    task::{CancellationToken, Progress, Task, TaskHandle, TaskStatus},
    unwind::{catch, drop_contained},
};

/// The capacity of a stream whose task does not choose one.
pub const DEFAULT_CAPACITY: usize = 64;

/// A cancellable task that emits items while it runs.
pub trait StreamTask: Send + Sync + Clone {
    /// What the task emits.
    type Item: Send + 'static;

    /// How many items may wait in the buffer before `emit` blocks. `0`
    /// counts as `1`; a huge capacity allocates only as items arrive.
    fn capacity(&self) -> usize {
        DEFAULT_CAPACITY
    }

    /// Runs the task, emitting items through `out`. Return `Ok(())` to end
    /// the stream, an error to end it failed (the reader gets the error after
    /// the items).
    fn run(&self, tok: &CancellationToken, out: &Emitter<Self::Item>) -> Result<(), Error>;
}

/// A cancellable task whose work is a future that emits items.
pub trait AsyncStreamTask: Send + Sync + Clone {
    /// What the task emits.
    type Item: Send + 'static;

    /// As [`StreamTask::capacity`].
    fn capacity(&self) -> usize {
        DEFAULT_CAPACITY
    }

    /// Starts the task: the future to drive to completion, which emits
    /// through `out` (`out.emit(item).await?`).
    fn run(
        &self,
        tok: CancellationToken,
        out: AsyncEmitter<Self::Item>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static;
}

/// What a [`StreamTask`] emits its items with.
pub struct Emitter<I> {
    chan: Arc<Channel<I>>,
    tok: CancellationToken,
}

impl<I: Send + 'static> Emitter<I> {
    /// Hands `item` to the reader, blocking while the buffer is full.
    ///
    /// Fails with [`Cancelled`](crate::task::Cancelled), dropping `item`,
    /// when the task is cancelled (also while it waits), when the stream's
    /// handle is gone, or after the task has finished.
    pub fn emit(&self, item: I) -> Result<(), Error> {
        Channel::send_blocking(&self.chan, item, &self.tok).map_err(|e| e.into_error())
    }
}

impl<I> fmt::Debug for Emitter<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emitter").finish_non_exhaustive()
    }
}

/// What an [`AsyncStreamTask`] emits its items with. Cloning it gives
/// another sender into the same stream.
pub struct AsyncEmitter<I> {
    chan: Arc<Channel<I>>,
    tok: CancellationToken,
}

impl<I> Clone for AsyncEmitter<I> {
    fn clone(&self) -> Self {
        AsyncEmitter {
            chan: self.chan.clone(),
            tok: self.tok.clone(),
        }
    }
}

impl<I> fmt::Debug for AsyncEmitter<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncEmitter").finish_non_exhaustive()
    }
}

impl<I: Send + 'static> AsyncEmitter<I> {
    /// Hands `item` to the reader: a future that is pending while the buffer
    /// is full. Fails as [`Emitter::emit`] does; dropping the future drops
    /// the item if it was not buffered yet.
    pub fn emit(&self, item: I) -> Emit<'_, I> {
        Emit {
            emitter: self,
            item: Some(item),
        }
    }
}

/// The future of [`AsyncEmitter::emit`].
#[must_use = "an item is emitted only when the future is awaited"]
pub struct Emit<'a, I> {
    emitter: &'a AsyncEmitter<I>,
    item: Option<I>,
}

impl<I> fmt::Debug for Emit<'_, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emit").finish_non_exhaustive()
    }
}

impl<I> Unpin for Emit<'_, I> {}

impl<I: Send + 'static> Future for Emit<'_, I> {
    type Output = Result<(), Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.emitter
            .chan
            .poll_send(&mut this.item, &this.emitter.tok, cx)
            .map_err(|e| e.into_error())
    }
}

/// How a stream ended, kept to report it again.
struct Ended {
    status: TaskStatus,
    failure: Option<(ErrorKind, String)>,
}

/// What a read of the stream gave (for the C ABI, which needs the kind).
pub(crate) enum Next<I> {
    Item(I),
    /// The end: how the task ended, and its error with its kind if it failed.
    End(Option<(ErrorKind, Error)>),
    TimedOut,
}

/// The reading end of a running stream task.
///
/// Dropping it cancels the task and drops the items still buffered (each
/// exactly once); items emitted afterwards are dropped by the failing
/// `emit`.
///
/// `#[repr(C)]` with its task's handle first, so with the task's token at
/// offset 0: `ffi_tasks_handle_cancel_after` takes a handle of any task
/// type, streams included, and reaches the token through that.
#[repr(C)]
pub struct StreamHandle<I> {
    task: TaskHandle<()>,
    chan: Arc<Channel<I>>,
    ended: Mutex<Option<Ended>>,
}

const _: () = assert!(std::mem::offset_of!(StreamHandle<u8>, task) == 0);
const _: () = assert!(std::mem::offset_of!(StreamHandle<[u64; 3]>, task) == 0);

impl<I> fmt::Debug for StreamHandle<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamHandle")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// A [`StreamTask`] as the [`Task`] that runs it.
struct Producer<K: StreamTask> {
    task: K,
    chan: Arc<Channel<K::Item>>,
}

impl<K: StreamTask> Clone for Producer<K> {
    fn clone(&self) -> Self {
        Producer {
            task: self.task.clone(),
            chan: self.chan.clone(),
        }
    }
}

impl<K: StreamTask> Task for Producer<K> {
    type Output = ();

    fn run(&self, tok: &CancellationToken) -> Result<(), Error> {
        let out = Emitter {
            chan: self.chan.clone(),
            tok: tok.clone(),
        };
        self.task.run(tok, &out)
    }
}

/// An [`AsyncStreamTask`] as the [`AsyncTask`] that runs it.
struct AsyncProducer<K: AsyncStreamTask> {
    task: K,
    chan: Arc<Channel<K::Item>>,
}

impl<K: AsyncStreamTask> Clone for AsyncProducer<K> {
    fn clone(&self) -> Self {
        AsyncProducer {
            task: self.task.clone(),
            chan: self.chan.clone(),
        }
    }
}

impl<K: AsyncStreamTask> AsyncTask for AsyncProducer<K> {
    type Output = ();

    fn run(
        &self,
        tok: CancellationToken,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static {
        let out = AsyncEmitter {
            chan: self.chan.clone(),
            tok: tok.clone(),
        };
        self.task.run(tok, out)
    }
}

impl<I: Send + 'static> StreamHandle<I> {
    /// Spawns `task` on the global executor.
    pub fn spawn<K>(task: K) -> Result<StreamHandle<I>, Error>
    where
        K: StreamTask<Item = I> + 'static,
    {
        Self::spawn_with(task, CancellationToken::new(), global_executor())
    }

    /// Spawns `task` under `token` on `executor`.
    pub fn spawn_with<K, E>(
        task: K,
        token: CancellationToken,
        executor: E,
    ) -> Result<StreamHandle<I>, Error>
    where
        K: StreamTask<Item = I> + 'static,
        E: Executor,
    {
        let chan = Arc::new(Channel::new(task.capacity()));
        let producer = Producer {
            task,
            chan: chan.clone(),
        };
        Self::adopt(TaskHandle::spawn_with(producer, token, executor)?, chan)
    }

    /// Spawns the async `task` on the global executor (see
    /// [`async_task`](crate::async_task)).
    pub fn spawn_async<K>(task: K) -> Result<StreamHandle<I>, Error>
    where
        K: AsyncStreamTask<Item = I> + 'static,
    {
        Self::spawn_async_under(task, None)
    }

    /// As [`spawn_async`](Self::spawn_async), under a child of `parent`.
    pub(crate) fn spawn_async_under<K>(
        task: K,
        parent: Option<&CancellationToken>,
    ) -> Result<StreamHandle<I>, Error>
    where
        K: AsyncStreamTask<Item = I> + 'static,
    {
        let chan = Arc::new(Channel::new(task.capacity()));
        let producer = AsyncProducer {
            task,
            chan: chan.clone(),
        };
        let handle = crate::async_task::spawn_exported(&producer, parent)?;
        Self::adopt(handle, chan)
    }

    /// The handle over a started task: closes the channel when it ends.
    fn adopt(task: TaskHandle<()>, chan: Arc<Channel<I>>) -> Result<StreamHandle<I>, Error> {
        let closer = chan.clone();
        task.on_complete(move || closer.close())?;
        Ok(StreamHandle {
            task,
            chan,
            ended: Mutex::new(None),
        })
    }

    /// The next item, blocking until one comes: `Ok(Some(item))`, then
    /// `Ok(None)` at the end if the task succeeded, or its error if it
    /// failed (again on every later call).
    pub fn next(&self) -> Result<Option<I>, Error> {
        Self::as_result(self.read(None))
    }

    /// As [`next`](Self::next), waiting at most `timeout`: a
    /// [`TimedOut`] error if nothing came.
    pub fn next_timeout(&self, timeout: Duration) -> Result<Option<I>, Error> {
        Self::as_result(self.read(Some(timeout)))
    }

    fn as_result(next: Next<I>) -> Result<Option<I>, Error> {
        match next {
            Next::Item(item) => Ok(Some(item)),
            Next::End(None) => Ok(None),
            Next::End(Some((_, error))) => Err(error),
            Next::TimedOut => Err(TimedOut.into()),
        }
    }

    /// Reads one item or the end, waiting at most `timeout`.
    pub(crate) fn read(&self, timeout: Option<Duration>) -> Next<I> {
        match self.chan.recv(timeout) {
            Recv::Item(item) => Next::Item(item),
            Recv::TimedOut => Next::TimedOut,
            Recv::Closed => Next::End(self.end()),
        }
    }

    /// How the task ended (it has: the channel closes from its completion).
    fn end(&self) -> Option<(ErrorKind, Error)> {
        let mut ended = lock(&self.ended);
        if let Some(ended) = &*ended {
            return ended
                .failure
                .as_ref()
                .map(|(kind, message)| (*kind, anyhow::anyhow!("{message}")));
        }
        let (_, outcome) = self
            .task
            .wait_with_status(None)
            .expect("an untimed wait only returns once the task is done");
        let (status, kind) = classify(&outcome);
        // Kept as text to give again; the error's `Display` is user code: if
        // it panics, that panic is the stream's end from the first read on
        // (as LAST_ERROR reports it for a task), not a panic out of `next`
        // that leaves later reads nothing to give.
        let failure = outcome
            .err()
            .map(|error| match catch(|| format!("{error:#}")) {
                Ok(message) => ((kind, message), (kind, error)),
                Err(panic) => {
                    let _ = drop_contained(error);
                    let error = Error::new(panic).context("formatting an error panicked");
                    let message = format!("{error:#}");
                    ((ErrorKind::Panicked, message), (ErrorKind::Panicked, error))
                }
            });
        let (kept, failure) = failure.unzip();
        *ended = Some(Ended {
            status,
            failure: kept,
        });
        failure
    }

    /// An iterator over the items, ending with the task's error if it
    /// failed (then nothing more).
    pub fn iter(&self) -> Iter<'_, I> {
        Iter {
            stream: self,
            done: false,
        }
    }

    /// Calls `callback` once, as soon as a read would not block (an item is
    /// buffered, or the stream has ended): now, on this thread, if it
    /// already would not; otherwise on the producer's thread, or when the
    /// handle is dropped, whichever comes first. One at a time:
    /// an [`InvalidArgument`](crate::error::InvalidArgument) error while one
    /// is registered. It must not block. A panic in it is caught and
    /// discarded, wherever it runs.
    pub fn on_ready<F>(&self, callback: F) -> Result<(), Error>
    where
        F: FnOnce() + Send + 'static,
    {
        register_ready(&self.chan, Box::new(callback))
    }

    /// The buffer, owned: what the C ABI registers a ready callback on, so
    /// that a callback run at once may destroy the handle (nothing borrows
    /// the handle while it runs).
    pub(crate) fn channel(&self) -> Arc<Channel<I>> {
        self.chan.clone()
    }

    /// How many items are buffered now.
    pub fn buffered(&self) -> usize {
        self.chan.len()
    }
}

/// [`StreamHandle::on_ready`] on `chan`.
pub(crate) fn register_ready<I>(
    chan: &Channel<I>,
    callback: Box<dyn FnOnce() + Send>,
) -> Result<(), Error> {
    if chan.on_ready(callback) {
        Ok(())
    } else {
        Err(crate::error::InvalidArgument(
            "a ready callback is already registered for this stream".into(),
        )
        .into())
    }
}

impl<I> StreamHandle<I> {
    /// Asks the task to stop; a producer blocked in `emit` wakes up.
    pub fn cancel(&self) {
        self.task.cancel();
    }

    /// Whether the task was cancelled.
    pub fn cancelled(&self) -> bool {
        self.task.cancelled()
    }

    /// The task's status: `Running`, then how it ended (`Completed`,
    /// `Failed`, `Cancelled`, `Panicked`), also after the end was read.
    pub fn status(&self) -> TaskStatus {
        match &*lock(&self.ended) {
            Some(ended) => ended.status,
            None => self.task.status(),
        }
    }

    /// The progress the task last reported.
    pub fn progress(&self) -> Progress {
        self.task.progress()
    }

    /// The task's token.
    pub fn token(&self) -> &CancellationToken {
        self.task.token()
    }
}

impl<I> Drop for StreamHandle<I> {
    fn drop(&mut self) {
        self.task.cancel();
        // A buffered item's `Drop` is user code: its panic reaches the
        // caller (the C ABI's `handle_destroy` reports it as PANICKED) once
        // every item is dropped, except while this thread already unwinds,
        // where a second panic would abort the process.
        if let Some(panic) = self.chan.detach() {
            if !std::thread::panicking() {
                // Already reported by the panic hook: resumed, not raised.
                std::panic::resume_unwind(Box::new(panic.message));
            }
        }
    }
}

/// The iterator of [`StreamHandle::iter`].
#[derive(Debug)]
pub struct Iter<'a, I> {
    stream: &'a StreamHandle<I>,
    done: bool,
}

impl<I: Send + 'static> Iterator for Iter<'_, I> {
    type Item = Result<I, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.stream.next() {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

//! [`CancellationToken`]: the seed's shareable "please stop" flag, extended
//! with blocking waits, child tokens and progress reporting.
//!
//! A task receives its token in [`Task::run`](crate::Task::run); the seed's
//! signature is unchanged, so everything a task can tell its caller besides
//! its result (progress, for now) travels through the token.
//!
//! Written by hand rather than taken from `tokio-util`: that token is built for
//! async code (its waits are futures) and would pull in tokio; here a task is
//! a plain blocking function, so waiting is a mutex and a condition variable.

mod wakers;
mod when_cancelled;

pub use self::when_cancelled::WhenCancelled;

use std::{
    fmt,
    panic::AssertUnwindSafe,
    // The tree's links are `std`'s in every build: loom's `Arc` has no
    // `Weak`, and reference counts are not what the models check; everything
    // a cancel or a wait synchronises on comes from the facade.
    sync::{Arc, Weak},
    task::Waker,
    time::Duration,
};

use thiserror::Error;

use self::wakers::Wakers;
use crate::loom::{
    lock,
    sync::{
        atomic::{AtomicBool, Ordering},
        Condvar, Mutex,
    },
    time::Instant,
};
use crate::panic::catch_unwind;

/// An error to indicate a task was cancelled.
///
/// Return it (or any error whose cause chain contains it) from
/// [`Task::run`](crate::Task::run) to report the task as cancelled rather than
/// failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("The task was cancelled")]
pub struct Cancelled;

/// A shareable token to let you notify other tasks they should stop what they
/// are doing and exit early.
///
/// Clones share one flag. [`child_token`](Self::child_token) makes a token that
/// is cancelled together with its parent (but not the other way round), so one
/// `cancel` can stop a whole group of tasks.
#[derive(Clone)]
pub struct CancellationToken {
    inner: Arc<Inner>,
}

struct Inner {
    /// Set once, never cleared.
    cancelled: AtomicBool,
    /// Threads asleep in [`CancellationToken::wait_cancelled`], so that
    /// `cancel` signals `wake` (a syscall) only when someone sleeps.
    sleep: Mutex<usize>,
    wake: Condvar,
    /// Children to cancel with this token; dead ones are pruned as it grows.
    children: Mutex<Vec<Weak<Inner>>>,
    /// Keeps the parent alive as long as this token is: a parent only holds
    /// weak links to its children, so without this a dropped middle token
    /// would cut its descendants off from the root's `cancel`.
    parent: Option<Arc<Inner>>,
    /// Progress reported by the task holding this token. One lock around
    /// the pair, so a reader always gets a pair some `set_progress` wrote
    /// (two separate atomics could mix the `done` of one report with the
    /// `total` of another).
    progress: Mutex<Progress>,
    /// Wakers to wake on cancel: [`WhenCancelled`] futures and async tasks.
    wakers: Mutex<Wakers>,
}

/// How far a task got, as reported through
/// [`CancellationToken::set_progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C)]
pub struct Progress {
    /// Units of work done.
    pub done: u64,
    /// Units of work in all; `0` when the task has not said.
    pub total: u64,
}

impl Progress {
    /// `done / total` clamped to `0.0..=1.0`, or `None` when `total` is 0.
    pub fn fraction(&self) -> Option<f64> {
        if self.total == 0 {
            None
        } else {
            Some((self.done as f64 / self.total as f64).clamp(0.0, 1.0))
        }
    }
}

impl CancellationToken {
    /// Create a new `CancellationToken`.
    pub fn new() -> CancellationToken {
        CancellationToken::with_parent(None)
    }

    fn with_parent(parent: Option<Arc<Inner>>) -> CancellationToken {
        CancellationToken {
            inner: Arc::new(Inner {
                cancelled: AtomicBool::new(false),
                sleep: Mutex::new(0),
                wake: Condvar::new(),
                children: Mutex::new(Vec::new()),
                progress: Mutex::new(Progress::default()),
                wakers: Mutex::new(Wakers::default()),
                parent,
            }),
        }
    }

    /// Has this token already been cancelled?
    #[inline]
    pub fn cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Acquire)
    }

    /// Cancel the token, notifying anyone else listening that they should halt
    /// what they are doing. Cancels every child token too. Idempotent.
    pub fn cancel(&self) {
        // The common case (no children) allocates nothing.
        let Some(children) = self.inner.cancel_one() else {
            return;
        };
        let mut pending: Vec<Arc<Inner>> = children.iter().filter_map(Weak::upgrade).collect();
        while let Some(node) = pending.pop() {
            if let Some(children) = node.cancel_one() {
                pending.extend(children.iter().filter_map(Weak::upgrade));
            }
        }
    }

    /// `Err(Cancelled)` once the token is cancelled, so a task can write
    /// `tok.is_done()?;` in its loop.
    pub fn is_done(&self) -> Result<(), Cancelled> {
        if self.cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Blocks until the token is cancelled or `timeout` passes; returns
    /// whether it was cancelled. Lets a task wait for cancellation without
    /// sleep-polling.
    pub fn wait_cancelled(&self, timeout: Duration) -> bool {
        if self.cancelled() {
            return true;
        }
        let deadline = Instant::now().checked_add(timeout);
        let mut guard = lock(&self.inner.sleep);
        let cancelled = loop {
            if self.cancelled() {
                break true;
            }
            let left = match deadline {
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left,
                    _ => break false,
                },
                // A timeout too large to represent: wait in long slices.
                None => Duration::from_secs(3600),
            };
            *guard += 1;
            guard = self
                .inner
                .wake
                .wait_timeout(guard, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            *guard -= 1;
        };
        cancelled
    }

    /// A future that completes once the token is cancelled (at once if it
    /// already is): the async counterpart of
    /// [`wait_cancelled`](Self::wait_cancelled), for an
    /// [`AsyncTask`](crate::async_task::AsyncTask) or any other async code,
    /// on any executor. It holds a clone of the token.
    pub fn when_cancelled(&self) -> WhenCancelled {
        WhenCancelled::new(self.clone())
    }

    /// Registers `waker` to be woken by `cancel` (replacing the one at `key`
    /// if given) and returns its key; `None`, registering nothing, once the
    /// token is cancelled.
    pub(crate) fn register_waker(&self, key: Option<usize>, waker: &Waker) -> Option<usize> {
        let mut wakers = lock(&self.inner.wakers);
        // Checked under the lock that `cancel` takes the list with after
        // setting the flag: a waker stored here is woken by that cancel.
        if self.cancelled() {
            return None;
        }
        Some(wakers.set(key, waker))
    }

    /// Forgets the waker registered under `key` (nothing if `cancel` took
    /// it already).
    pub(crate) fn unregister_waker(&self, key: usize) {
        let removed = lock(&self.inner.wakers).remove(key);
        // A waker's `Drop` may be another executor's code: not under the lock.
        drop(removed);
    }

    /// A new token that is cancelled when this one is (immediately, if this
    /// one already is). Cancelling the child does not cancel the parent.
    pub fn child_token(&self) -> CancellationToken {
        let child = CancellationToken::with_parent(Some(self.inner.clone()));
        {
            let mut children = lock(&self.inner.children);
            if !self.cancelled() {
                if children.len() >= 16 && children.len().is_power_of_two() {
                    children.retain(|c| c.strong_count() > 0);
                }
                children.push(Arc::downgrade(&child.inner));
                return child;
            }
        }
        // `cancel` takes the children list before it is read here, so a
        // parent cancelled concurrently is seen as cancelled above or below.
        child.cancel();
        child
    }

    /// Reports progress: `done` units out of `total` (use `total = 0` when
    /// unknown). Cheap enough to call in a tight loop (an uncontended lock).
    pub fn set_progress(&self, done: u64, total: u64) {
        *lock(&self.inner.progress) = Progress { done, total };
    }

    /// The progress last reported through this token (or a clone of it):
    /// always a pair that one `set_progress` call wrote.
    pub fn progress(&self) -> Progress {
        *lock(&self.inner.progress)
    }

    /// Whether `self` and `other` are clones of one token.
    pub fn same_as(&self, other: &CancellationToken) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// A link to a token that does not keep it alive: what a pending deadline
/// holds (`deadline.rs`), so that an armed deadline never keeps a dropped
/// token's memory.
pub(crate) struct WeakToken(Weak<Inner>);

impl WeakToken {
    /// The token, if some clone of it is still alive.
    pub(crate) fn upgrade(&self) -> Option<CancellationToken> {
        self.0.upgrade().map(|inner| CancellationToken { inner })
    }

    /// Whether some clone of the token is still alive.
    pub(crate) fn alive(&self) -> bool {
        self.0.strong_count() > 0
    }
}

impl CancellationToken {
    /// A link to this token that does not keep it alive.
    pub(crate) fn downgrade(&self) -> WeakToken {
        WeakToken(Arc::downgrade(&self.inner))
    }
}

impl Inner {
    /// Cancels this node alone and hands back its children, or `None` if it
    /// was already cancelled.
    fn cancel_one(&self) -> Option<Vec<Weak<Inner>>> {
        if self.cancelled.swap(true, Ordering::AcqRel) {
            return None;
        }
        // Reading the count under the lock orders the store above before any
        // sleeper's re-check: a waiter that saw `false` is counted and asleep,
        // and gets the notification.
        if *lock(&self.sleep) > 0 {
            self.wake.notify_all();
        }
        // Woken outside the lock: a waker may run an executor's code, which
        // may register again (and is refused: the flag is set).
        let wakers = lock(&self.wakers).take_all();
        for waker in wakers {
            // Another executor's `wake` may panic; the cancel goes on.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(move || waker.wake())) {
                // The payload's own `Drop` may panic too: then it is leaked.
                if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
                    std::mem::forget(again);
                }
            }
        }
        Some(std::mem::take(&mut *lock(&self.children)))
    }
}

impl Drop for Inner {
    /// Frees the chain of parents this token kept alive in a loop: dropping
    /// them recursively would use one stack frame per level.
    fn drop(&mut self) {
        let mut parent = self.parent.take();
        while let Some(node) = parent {
            // `None`: still in use, someone else frees it later.
            parent = Arc::into_inner(node).and_then(|mut inner| inner.parent.take());
        }
    }
}

impl Default for CancellationToken {
    fn default() -> CancellationToken {
        CancellationToken::new()
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("cancelled", &self.cancelled())
            .field("progress", &self.progress())
            .finish()
    }
}

//! [`WaitSet`]: wait for whichever of many tasks finishes first, from a
//! blocking call or from an event loop through a file descriptor.
//!
//! A member is a task handle added with a caller-chosen `u64` tag. The set
//! registers itself as the handle's completion callback
//! ([`TaskHandle::on_complete`]), so it takes the handle's one callback slot;
//! when the task finishes, the callback moves the tag from "pending" to the
//! set's queue of completed tags (O(1), one short lock). [`WaitSet::wait`]
//! takes tags off that queue; the task's result stays in its handle, to be
//! taken from there as usual.
//!
//! The set's state lives behind an `Arc` shared with every registered
//! callback, so a task may finish after the set is gone: its callback finds
//! the set closed and does nothing. Dropping a handle that is in a set is
//! fine too: the handle cancels its task, and the tag arrives when the task
//! has stopped.
//!
//! The descriptor ([`WaitSet::fd`]) is level-triggered on the queue: it is
//! readable exactly while the queue holds a tag. The set raises it when the
//! queue stops being empty and clears it when a `wait` empties the queue, so
//! an event loop drains it by calling `wait` with a zero timeout until it
//! returns [`WaitOutcome::TimedOut`] or [`WaitOutcome::Empty`]; nobody reads
//! the descriptor itself.
//!
//! ```rust
//! use ffi_tasks::{task::{CancellationToken, Task, TaskHandle}, waitset::{WaitOutcome, WaitSet}};
//!
//! #[derive(Clone)]
//! struct Square(u64);
//! impl Task for Square {
//!     type Output = u64;
//!     fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> { Ok(self.0 * self.0) }
//! }
//!
//! let set = WaitSet::new();
//! let handles: Vec<_> = (0..3).map(|i| TaskHandle::spawn(Square(i))).collect();
//! for (i, h) in handles.iter().enumerate() {
//!     set.add(h, i as u64)?;
//! }
//! let mut total = 0;
//! while let WaitOutcome::Completed(tag) = set.wait(None) {
//!     total += handles[tag as usize].poll().unwrap()?;
//! }
//! assert_eq!(total, 0 + 1 + 4);
//! # Ok::<(), anyhow::Error>(())
//! ```

use std::{collections::VecDeque, io, time::Duration};

use anyhow::Error;

use crate::{
    loom::{
        lock,
        sync::{Arc, Condvar, Mutex},
        time::Instant,
    },
    task::TaskHandle,
    wake_fd::WakeFd,
};

/// A set of tasks to wait on together. Cheap to share between threads
/// (`&WaitSet` is enough for every operation, from any thread).
pub struct WaitSet {
    shared: Arc<Shared>,
}

/// What [`WaitSet::wait`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitOutcome {
    /// A member finished; its tag. It has left the set.
    Completed(u64),
    /// The timeout passed while members were still running.
    TimedOut,
    /// Nothing to wait for: no member is running and no tag is queued.
    Empty,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when a tag is queued or the last pending member finishes.
    changed: Condvar,
}

struct State {
    /// Members added whose task has not finished yet.
    pending: usize,
    /// Tags of finished members, oldest first, not yet returned by `wait`.
    ready: VecDeque<u64>,
    /// Threads sleeping on `changed`.
    sleepers: usize,
    /// Made on the first [`WaitSet::fd`] call; dropped (closed) with the set.
    fd: Option<WakeFd>,
    /// The set was dropped: callbacks arriving later do nothing.
    closed: bool,
}

/// A member's registration: finishes it once, or, dropped unfired (its
/// callback refused or discarded), takes it out of the pending count.
pub(crate) struct Ticket {
    shared: Arc<Shared>,
    tag: u64,
    fired: bool,
}

impl WaitSet {
    /// An empty set.
    pub fn new() -> WaitSet {
        WaitSet {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    pending: 0,
                    ready: VecDeque::new(),
                    sleepers: 0,
                    fd: None,
                    closed: false,
                }),
                changed: Condvar::new(),
            }),
        }
    }

    /// Adds `handle` with `tag` (tags need not be unique). Uses the handle's
    /// completion callback, so it fails with an
    /// [`InvalidArgument`](crate::error::InvalidArgument) error when the
    /// handle already has one (from `on_complete` or an earlier `add`, to
    /// this set or another). A task that has already finished is queued at
    /// once.
    pub fn add<T>(&self, handle: &TaskHandle<T>, tag: u64) -> Result<(), Error> {
        let ticket = self.ticket(tag);
        handle.on_complete(move || ticket.fire())
    }

    /// Registers a member that will finish when the returned ticket fires
    /// (for callers that register the callback themselves: the C ABI).
    pub(crate) fn ticket(&self, tag: u64) -> Ticket {
        lock(&self.shared.state).pending += 1;
        Ticket {
            shared: self.shared.clone(),
            tag,
            fired: false,
        }
    }

    /// Takes the tag of a finished member, waiting up to `timeout` (`None`:
    /// no limit; zero: do not block) for one to finish.
    pub fn wait(&self, timeout: Option<Duration>) -> WaitOutcome {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut state = lock(&self.shared.state);
        loop {
            if let Some(tag) = state.ready.pop_front() {
                if state.ready.is_empty() {
                    if let Some(fd) = &state.fd {
                        fd.clear();
                    }
                }
                return WaitOutcome::Completed(tag);
            }
            if state.pending == 0 {
                return WaitOutcome::Empty;
            }
            match self.sleep(state, timeout, deadline) {
                Some(woken) => state = woken,
                None => return WaitOutcome::TimedOut,
            }
        }
    }

    /// Waits up to `timeout` (`None`: no limit) until no member is running.
    /// Returns whether that happened (`false`: timed out). The finished
    /// members' tags stay queued for [`WaitSet::wait`].
    pub fn wait_all(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut state = lock(&self.shared.state);
        loop {
            if state.pending == 0 {
                return true;
            }
            match self.sleep(state, timeout, deadline) {
                Some(woken) => state = woken,
                None => return false,
            }
        }
    }

    /// Sleeps once on `changed`; `None` once the deadline has passed.
    /// `timeout` without `deadline` is a timeout too large to represent: no
    /// limit.
    fn sleep<'a>(
        &'a self,
        mut state: crate::loom::sync::MutexGuard<'a, State>,
        timeout: Option<Duration>,
        deadline: Option<Instant>,
    ) -> Option<crate::loom::sync::MutexGuard<'a, State>> {
        let left = match (timeout, deadline) {
            (Some(_), Some(deadline)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                Some(left)
            }
            _ => None,
        };
        state.sleepers += 1;
        state = match left {
            None => self
                .shared
                .changed
                .wait(state)
                .unwrap_or_else(|p| p.into_inner()),
            Some(left) => {
                self.shared
                    .changed
                    .wait_timeout(state, left)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
        state.sleepers -= 1;
        Some(state)
    }

    /// Members added whose tag has not been returned by [`WaitSet::wait`]
    /// yet (running, or finished and queued).
    pub fn len(&self) -> usize {
        let state = lock(&self.shared.state);
        state.pending + state.ready.len()
    }

    /// Whether [`WaitSet::len`] is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A new descriptor, owned by the caller (close it when done, before or
    /// after dropping the set), that is readable exactly while a finished
    /// member's tag is queued (level-triggered). Do not read from it: drain
    /// the set with `wait(Some(Duration::ZERO))` instead. After the set is
    /// dropped it is never readable again on Linux (an eventfd); on other
    /// Unix systems (a pipe, whose write end closes with the set) it reports
    /// end-of-file, so stop watching it first. Each call returns a new
    /// descriptor sharing the same readiness.
    ///
    /// Unix only: on Windows, which has no such descriptor, it fails with an
    /// error of kind [`io::ErrorKind::Unsupported`]; the rest of the set
    /// works the same (docs/platforms.md).
    pub fn fd(&self) -> io::Result<i32> {
        let mut state = lock(&self.shared.state);
        if state.fd.is_none() {
            let fd = WakeFd::new()?;
            if !state.ready.is_empty() {
                fd.raise();
            }
            state.fd = Some(fd);
        }
        state.fd.as_ref().expect("made above").share()
    }
}

impl Default for WaitSet {
    fn default() -> WaitSet {
        WaitSet::new()
    }
}

impl Drop for WaitSet {
    fn drop(&mut self) {
        let mut state = lock(&self.shared.state);
        state.closed = true;
        state.ready = VecDeque::new();
        if let Some(fd) = state.fd.take() {
            // Descriptors handed out stay open (their owners close them):
            // leave them unreadable, so a loop still watching does not spin.
            fd.clear();
        }
    }
}

impl std::fmt::Debug for WaitSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.shared.state);
        f.debug_struct("WaitSet")
            .field("pending", &state.pending)
            .field("ready", &state.ready.len())
            .finish()
    }
}

impl Ticket {
    /// The member finished: queue its tag (unless the set is gone).
    pub(crate) fn fire(mut self) {
        self.fired = true;
        let mut state = lock(&self.shared.state);
        state.pending -= 1;
        if state.closed {
            return;
        }
        state.ready.push_back(self.tag);
        if state.ready.len() == 1 {
            if let Some(fd) = &state.fd {
                fd.raise();
            }
        }
        if state.sleepers > 0 {
            self.shared.changed.notify_all();
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.fired {
            return;
        }
        let mut state = lock(&self.shared.state);
        state.pending -= 1;
        if state.pending == 0 && state.sleepers > 0 {
            self.shared.changed.notify_all();
        }
    }
}

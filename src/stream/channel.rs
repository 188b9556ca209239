//! The bounded channel between a stream task (the producer) and its handle
//! (the consumer): a `VecDeque` under a mutex, two condition variables for
//! blocking callers, and wakers for async producers. Back-pressure: a send
//! blocks (or stays pending) while `capacity` items are buffered.
//!
//! Ends:
//!
//! * `close` (the task has finished, however): sends fail from then on; the
//!   consumer drains what is buffered, then sees `Closed`;
//! * `detach` (the handle is gone): sends fail, the buffered items are
//!   dropped at once, exactly once, and blocked producers wake up.
//!
//! A blocked `send_blocking` is also woken by the cancellation of its token
//! (a waker registered with the token takes this channel's lock, then
//! notifies), so cancelling a stream unblocks a producer waiting for room.

use std::{
    collections::VecDeque,
    sync::Arc as StdArc,
    task::{Context, Poll, Wake, Waker},
    time::Duration,
};

use crate::{
    cancel::{CancellationToken, Cancelled},
    error::Panic,
    loom::{
        lock,
        sync::{Arc, Condvar, Mutex},
        time::Instant,
    },
    unwind::{catch, drop_contained},
};

/// Most items allocated up front, whatever the capacity.
const PREALLOCATED: usize = 1024;

/// Why a send did not buffer its item (the item is dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendError {
    /// The task's token is cancelled.
    Cancelled,
    /// The task has finished or the handle is gone: nobody will read it.
    Closed,
}

/// What a receive found.
#[derive(Debug)]
pub(crate) enum Recv<T> {
    /// The oldest buffered item.
    Item(T),
    /// Nothing buffered, and nothing will be: the producer has finished.
    Closed,
    /// Nothing within the timeout.
    TimedOut,
}

type ReadyCallback = Box<dyn FnOnce() + Send>;

struct State<T> {
    items: VecDeque<T>,
    capacity: usize,
    closed: bool,
    detached: bool,
    /// Async producers waiting for room.
    producers: Vec<Waker>,
    /// Called once when a receive would not block.
    on_ready: Option<ReadyCallback>,
    /// Blocking readers and writers asleep on the condition variables
    /// (counted under the lock before they wait): a send or a receive
    /// notifies only when someone waits, sparing a system call per item.
    readers_waiting: usize,
    writers_waiting: usize,
}

pub(crate) struct Channel<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
    not_full: Condvar,
}

impl<T> Channel<T> {
    /// A channel buffering up to `capacity` items (0 counts as 1).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Channel {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity.min(PREALLOCATED)),
                capacity,
                closed: false,
                detached: false,
                producers: Vec::new(),
                on_ready: None,
                readers_waiting: 0,
                writers_waiting: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
        }
    }

    /// How many items are buffered now.
    pub(crate) fn len(&self) -> usize {
        lock(&self.state).items.len()
    }

    /// Buffers `item` if there is room: `Ok(Ok(()))`; `Ok(Err(item))` when
    /// full; `Err` when the channel no longer takes items. Runs the ready
    /// callback (outside the lock) when one was waiting.
    fn try_push(&self, item: T, tok: &CancellationToken) -> Result<Result<(), T>, SendError> {
        let mut state = lock(&self.state);
        if state.closed || state.detached {
            return Err(SendError::Closed);
        }
        if tok.cancelled() {
            return Err(SendError::Cancelled);
        }
        if state.items.len() >= state.capacity {
            return Ok(Err(item));
        }
        state.items.push_back(item);
        let ready = state.on_ready.take();
        let wake_reader = state.readers_waiting > 0;
        drop(state);
        if wake_reader {
            self.not_empty.notify_one();
        }
        if let Some(ready) = ready {
            run_ready(ready);
        }
        Ok(Ok(()))
    }

    /// Takes the oldest item, or `None` (with whether the channel is
    /// closed), waking a producer waiting for room.
    fn try_pop(&self) -> Result<T, bool> {
        let mut state = lock(&self.state);
        match state.items.pop_front() {
            Some(item) => {
                let producers = std::mem::take(&mut state.producers);
                let wake_writer = state.writers_waiting > 0;
                drop(state);
                if wake_writer {
                    self.not_full.notify_one();
                }
                wake_all(producers);
                Ok(item)
            }
            None => Err(state.closed),
        }
    }

    /// Receives an item, waiting at most `timeout` (forever for `None`).
    pub(crate) fn recv(&self, timeout: Option<Duration>) -> Recv<T> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            match self.try_pop() {
                Ok(item) => return Recv::Item(item),
                Err(true) => return Recv::Closed,
                Err(false) => {}
            }
            let mut state = lock(&self.state);
            if !state.items.is_empty() || state.closed {
                continue;
            }
            state.readers_waiting += 1;
            let mut state = match (timeout, deadline) {
                (Some(_), Some(deadline)) => {
                    let Some(left) = deadline
                        .checked_duration_since(Instant::now())
                        .filter(|d| !d.is_zero())
                    else {
                        state.readers_waiting -= 1;
                        return Recv::TimedOut;
                    };
                    self.not_empty
                        .wait_timeout(state, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                // An untimed wait, or a timeout too large to represent.
                _ => self
                    .not_empty
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner()),
            };
            state.readers_waiting -= 1;
        }
    }

    /// Calls `callback` once a receive would not block: now (on this thread,
    /// outside the lock) if an item is buffered or the channel is closed.
    /// `false`, dropping `callback`, if one is already registered.
    pub(crate) fn on_ready(&self, callback: ReadyCallback) -> bool {
        let mut state = lock(&self.state);
        if state.on_ready.is_some() {
            return false;
        }
        if state.items.is_empty() && !state.closed {
            state.on_ready = Some(callback);
            return true;
        }
        drop(state);
        run_ready(callback);
        true
    }

    /// The producer has finished: no more sends; wakes every waiter.
    pub(crate) fn close(&self) {
        let mut state = lock(&self.state);
        state.closed = true;
        let ready = state.on_ready.take();
        let producers = std::mem::take(&mut state.producers);
        drop(state);
        self.not_empty.notify_all();
        self.not_full.notify_all();
        wake_all(producers);
        if let Some(ready) = ready {
            run_ready(ready);
        }
    }

    /// The consumer is gone: no more sends; the buffered items are dropped
    /// here, outside the lock, and a registered ready callback runs (so
    /// that whatever it owns is released; a read would not block now).
    /// Every item is dropped even when some `Drop`s panic: the first such
    /// panic is returned, the others discarded.
    pub(crate) fn detach(&self) -> Option<Panic> {
        let mut state = lock(&self.state);
        state.detached = true;
        let items = std::mem::take(&mut state.items);
        let ready = state.on_ready.take();
        let producers = std::mem::take(&mut state.producers);
        drop(state);
        self.not_full.notify_all();
        wake_all(producers);
        // One at a time: a second panicking `Drop` inside the unwind of a
        // first (dropping the whole buffer at once) aborts the process.
        let mut first = None;
        for item in items {
            if let Err(panic) = drop_contained(item) {
                first.get_or_insert(panic);
            }
        }
        if let Some(ready) = ready {
            run_ready(ready);
        }
        first
    }
}

impl<T: Send + 'static> Channel<T> {
    /// Buffers `item`, blocking while the channel is full. Fails (dropping
    /// the item) once `tok` is cancelled or the channel is closed or
    /// detached, including while it waits.
    pub(crate) fn send_blocking(
        chan: &Arc<Self>,
        item: T,
        tok: &CancellationToken,
    ) -> Result<(), SendError> {
        let this: &Self = chan;
        let mut item = match this.try_push(item, tok)? {
            Ok(()) => return Ok(()),
            Err(item) => item,
        };
        // Full: let a cancel of the token wake the wait below.
        let waker = Waker::from(StdArc::new(CancelWake(chan.clone())));
        let key = tok.register_waker(None, &waker);
        let result = loop {
            item = match this.try_push(item, tok) {
                Ok(Ok(())) => break Ok(()),
                Ok(Err(item)) => item,
                Err(e) => break Err(e),
            };
            let mut state = lock(&this.state);
            if state.items.len() < state.capacity
                || state.closed
                || state.detached
                || tok.cancelled()
            {
                continue;
            }
            state.writers_waiting += 1;
            let mut state = this.not_full.wait(state).unwrap_or_else(|p| p.into_inner());
            state.writers_waiting -= 1;
        };
        if let Some(key) = key {
            tok.unregister_waker(key);
        }
        result
    }

    /// The async twin of [`send_blocking`](Self::send_blocking): `Pending`
    /// (keeping the item in `*slot`) while full.
    pub(crate) fn poll_send(
        &self,
        slot: &mut Option<T>,
        tok: &CancellationToken,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError>> {
        let Some(item) = slot.take() else {
            return Poll::Ready(Ok(()));
        };
        match self.try_push(item, tok) {
            Err(e) => Poll::Ready(Err(e)),
            Ok(Ok(())) => Poll::Ready(Ok(())),
            Ok(Err(item)) => {
                let mut state = lock(&self.state);
                if state.items.len() < state.capacity || state.closed || state.detached {
                    // Room was made (or the end came) since the push: retry.
                    drop(state);
                    *slot = Some(item);
                    return self.poll_send(slot, tok, cx);
                }
                if !state.producers.iter().any(|w| w.will_wake(cx.waker())) {
                    state.producers.push(cx.waker().clone());
                }
                *slot = Some(item);
                Poll::Pending
            }
        }
    }
}

impl SendError {
    /// Both are `Cancelled` to the task: nobody wants its items any more.
    pub(crate) fn into_error(self) -> anyhow::Error {
        match self {
            SendError::Cancelled | SendError::Closed => Cancelled.into(),
        }
    }
}

/// Wakes waiting async producers. A waker is another executor's code: its
/// panic is contained (reported by the panic hook), so that it can neither
/// take a popped item down with it nor stop the other wakes.
fn wake_all(producers: Vec<Waker>) {
    for waker in producers {
        let _ = catch(move || waker.wake());
    }
}

/// Runs a ready callback, wherever it runs (a producer's `emit`, the
/// task's completion, the handle's drop, or at once for its registering
/// caller): its panic is contained (the panic hook has reported it), as a
/// completion callback's is.
fn run_ready(ready: ReadyCallback) {
    let _ = catch(ready);
}

/// Registered with the token while a producer blocks: wakes it on cancel.
struct CancelWake<T>(Arc<Channel<T>>);

impl<T: Send + 'static> Wake for CancelWake<T> {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        // Taking the lock orders this notify after the producer's check of
        // the token, or before its wait starts.
        drop(lock(&self.0.state));
        self.0.not_full.notify_all();
    }
}

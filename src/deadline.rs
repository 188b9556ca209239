//! Deadlines: [`CancellationToken::cancel_after`] cancels a token once a
//! duration has passed, and [`TaskHandle::cancel_after`] a task.
//!
//! One timer thread serves every deadline of the process: a binary heap of
//! `(when, token)` ordered by `when`, and a condition variable the thread
//! sleeps on until the earliest one (or until an earlier one is armed). It is
//! started by the first deadline, never before. A deadline holds its token
//! weakly: a token (and the task it belongs to) dropped before its deadline
//! is freed at once, and the deadline later finds nothing to cancel.
//!
//! Fork: the timer lives in a [`PerFork`], so a forked child that arms a
//! deadline gets its own timer and thread (the parent's thread does not
//! exist there). Deadlines armed before the fork do not fire in the child
//! (nor do the parent's tasks run there). Shutdown: the thread holds no
//! token alive, so a process may exit while it sleeps. User code it runs:
//! the wakers that a cancel wakes (futures awaiting `when_cancelled`, async
//! tasks and their executors), as any `cancel` does on its caller's thread;
//! their panics are contained by the cancel.
//!
//! [`TaskHandle::cancel_after`]: crate::task::TaskHandle::cancel_after

use std::{cmp::Ordering, collections::BinaryHeap, time::Duration};

use anyhow::Error;

use crate::{
    cancel::{CancellationToken, WeakToken},
    error::SpawnFailed,
    fork::PerFork,
    loom::{
        lock,
        sync::{Condvar, Mutex},
        thread::Builder,
        time::Instant,
    },
};

struct Timer {
    state: Mutex<State>,
    /// Signalled when a deadline earlier than every other one is armed.
    earlier: Condvar,
}

struct State {
    heap: BinaryHeap<Entry>,
    /// Breaks ties between equal instants (first armed, first fired).
    next_seq: u64,
    started: bool,
}

struct Entry {
    at: Instant,
    seq: u64,
    token: WeakToken,
}

// `BinaryHeap` is a max-heap: the earliest deadline compares greatest.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

fn timer() -> &'static Timer {
    static TIMER: PerFork<Timer> = PerFork::new();
    crate::fork::watch();
    TIMER.get_or_init(|| Timer {
        state: Mutex::new(State {
            heap: BinaryHeap::new(),
            next_seq: 0,
            started: false,
        }),
        earlier: Condvar::new(),
    })
}

impl CancellationToken {
    /// Cancels this token (and so its children and the tasks holding it)
    /// once `timeout` has passed, on the process's one timer thread. A zero
    /// `timeout` cancels it now, on this thread; one too large to represent
    /// as an instant never fires (nor, in practice, does `u64::MAX`
    /// milliseconds). Several deadlines on one token are fine:
    /// the earliest wins. Cannot be disarmed (cancellation is final anyway).
    ///
    /// Fails only when the timer thread cannot be started (a
    /// [`SpawnFailed`] error); the token is then left alone.
    pub fn cancel_after(&self, timeout: Duration) -> Result<(), Error> {
        if timeout.is_zero() {
            self.cancel();
            return Ok(());
        }
        let Some(at) = Instant::now().checked_add(timeout) else {
            return Ok(()); // beyond the clock's range: never
        };
        let timer = timer();
        let mut state = lock(&timer.state);
        if !state.started {
            Builder::new()
                .name("ffi_tasks-timer".into())
                .spawn(move || run(timer))
                .map_err(|e| SpawnFailed(format!("cannot start the timer thread: {e}")))?;
            state.started = true;
        }
        let seq = state.next_seq;
        state.next_seq += 1;
        let earliest = state.heap.peek().is_none_or(|top| at < top.at);
        state.heap.push(Entry {
            at,
            seq,
            token: self.downgrade(),
        });
        // Deadlines of dropped tokens would wait in the heap until they are
        // due: drop them each time the heap doubles (amortised O(1)).
        let len = state.heap.len();
        if len >= 64 && len.is_power_of_two() {
            state.heap.retain(|entry| entry.token.alive());
        }
        if earliest {
            timer.earlier.notify_one();
        }
        Ok(())
    }
}

/// The timer thread: fires due deadlines, then sleeps until the next one.
fn run(timer: &'static Timer) {
    let mut due = Vec::new();
    let mut state = lock(&timer.state);
    loop {
        let now = Instant::now();
        while state.heap.peek().is_some_and(|top| top.at <= now) {
            due.push(state.heap.pop().expect("peeked").token);
        }
        if !due.is_empty() {
            drop(state);
            // Outside the lock: `cancel` takes the tokens' own locks.
            for token in due.drain(..) {
                if let Some(token) = token.upgrade() {
                    token.cancel();
                }
            }
            state = lock(&timer.state);
            continue;
        }
        let next = state.heap.peek().map(|top| top.at);
        state = match next {
            None => timer.earlier.wait(state).unwrap_or_else(|p| p.into_inner()),
            Some(at) => {
                timer
                    .earlier
                    .wait_timeout(state, at.saturating_duration_since(now))
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
    }
}

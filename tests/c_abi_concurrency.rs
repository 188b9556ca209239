//! The C ABI under concurrent use: many threads spawning, polling,
//! cancelling and destroying at once; several threads racing on one handle.
//! Checks that every result is delivered exactly once, every output produced
//! is dropped exactly once, and every callback runs exactly once. Sizes are
//! small so the file runs in well under a second; the reliability suite
//! (`tests/stress*.rs`) goes bigger.

mod core_support;

use std::{
    ffi::c_void,
    os::raw::c_int,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Barrier,
    },
    thread,
};

use anyhow::Error;
use core_support::{
    as_user_data, assert_error, assert_no_error, bump, eventually, last_error, leaked_counter,
    PATIENCE,
};
use ffi_tasks::{
    error::ErrorKind,
    task::{CancellationToken, Cancelled, Task, TaskHandle, TaskStatus},
};

const PATIENCE_MS: u64 = PATIENCE.as_millis() as u64;

/// Per-test counters (tests in this binary run in parallel).
#[derive(Default)]
pub struct Tally {
    made: AtomicUsize,
    dropped: AtomicUsize,
    saw_cancel: AtomicUsize,
}

/// An output that counts its drops.
pub struct Tracked {
    value: u64,
    tally: Arc<Tally>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.tally.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// Doubles `id`, at once or (with `block`) after being cancelled.
#[derive(Clone)]
pub struct Work {
    id: u64,
    block: bool,
    tally: Arc<Tally>,
}

impl Task for Work {
    type Output = Tracked;
    fn run(&self, tok: &CancellationToken) -> Result<Tracked, Error> {
        if self.block {
            if !tok.wait_cancelled(PATIENCE) {
                anyhow::bail!("never cancelled");
            }
            self.tally.saw_cancel.fetch_add(1, Ordering::SeqCst);
            return Err(Cancelled.into());
        }
        self.tally.made.fetch_add(1, Ordering::SeqCst);
        Ok(Tracked {
            value: self.id * 2,
            tally: self.tally.clone(),
        })
    }
}

ffi_tasks::export_task! {
    Task: Work;
    spawn: work_spawn;
    poll: work_poll;
    wait: work_wait;
    wait_timeout: work_wait_timeout;
    cancel: work_cancel;
    cancelled: work_cancelled;
    status: work_status;
    on_complete: work_on_complete;
    handle_destroy: work_handle_destroy;
    result_destroy: work_result_destroy;
}

/// A handle pointer that may be handed to another thread (handles are
/// `Send + Sync`; see `tests/auto_traits.rs`).
#[derive(Clone, Copy)]
struct Shared(*mut TaskHandle<Tracked>);
// SAFETY: the handle behind it is Send + Sync, and every test keeps it alive
// until all threads using it are joined.
unsafe impl Send for Shared {}

/// One C caller's life: spawns `per_thread` tasks and does something
/// different with each. Returns the values it took.
fn caller(thread_no: u64, per_thread: u64, tally: &Arc<Tally>) -> Vec<u64> {
    let mut taken = Vec::new();
    for i in 0..per_thread {
        let id = thread_no * 1000 + i;
        let action = i % 5;
        let task = Work {
            id,
            block: matches!(action, 2 | 3),
            tally: tally.clone(),
        };
        unsafe {
            let h = work_spawn(&task);
            assert!(!h.is_null());
            match action {
                // Block in wait.
                0 => {
                    let r = work_wait(h);
                    assert_no_error();
                    taken.push((*r).value);
                    work_result_destroy(r);
                }
                // Poll, then wait with a timeout, then poll again.
                1 => {
                    let mut r = work_poll(h);
                    if r.is_null() {
                        assert_no_error(); // still running is not an error
                        r = work_wait_timeout(h, PATIENCE_MS);
                    }
                    assert_no_error();
                    taken.push((*r).value);
                    work_result_destroy(r);
                    assert!(work_poll(h).is_null());
                    assert_error(ErrorKind::AlreadyTaken, "already taken");
                    work_handle_destroy(h);
                }
                // Cancel a blocked task and wait for it.
                2 => {
                    work_cancel(h);
                    assert_eq!(work_cancelled(h), 1);
                    assert!(work_wait(h).is_null());
                    assert_error(ErrorKind::Cancelled, "cancelled");
                }
                // Destroy a blocked task (cancels it).
                3 => {
                    work_handle_destroy(h);
                    assert_no_error();
                }
                // Destroy without ever taking the result.
                _ => {
                    work_handle_destroy(h);
                    assert_no_error();
                }
            }
        }
    }
    taken
}

#[test]
fn many_threads_spawn_poll_cancel_and_destroy() {
    const THREADS: u64 = 8;
    const PER_THREAD: u64 = 40;
    let tally = Arc::new(Tally::default());
    let start = Arc::new(Barrier::new(THREADS as usize));
    let callers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (start, tally) = (start.clone(), tally.clone());
            thread::spawn(move || {
                start.wait();
                (t, caller(t, PER_THREAD, &tally))
            })
        })
        .collect();

    let mut delivered = 0;
    for c in callers {
        let (t, taken) = c.join().expect("a caller thread failed");
        let expected: Vec<u64> = (0..PER_THREAD)
            .filter(|i| i % 5 < 2)
            .map(|i| (t * 1000 + i) * 2)
            .collect();
        assert_eq!(taken, expected, "thread {t} got each of its results once");
        delivered += taken.len();
    }
    assert_eq!(delivered as u64, THREADS * PER_THREAD * 2 / 5);

    // Outputs of destroyed handles are dropped by whichever side lets go
    // last; wait for the workers to finish with them.
    let blocking = (THREADS * PER_THREAD * 2 / 5) as usize;
    eventually("every blocked task saw its cancel", || {
        tally.saw_cancel.load(Ordering::SeqCst) == blocking
    });
    let made = (THREADS * PER_THREAD * 3 / 5) as usize;
    eventually("every output made is dropped", || {
        tally.dropped.load(Ordering::SeqCst) == made
    });
    assert_eq!(
        tally.made.load(Ordering::SeqCst),
        made,
        "no output made twice"
    );
}

/// Counts `bump` calls for the race test below.
unsafe extern "C" fn count_call(user_data: *mut c_void) {
    unsafe { bump(user_data) }
}

#[test]
fn threads_racing_on_one_handle_see_one_result_and_one_callback() {
    for round in 0..20_u64 {
        let work = Work {
            id: round,
            block: false,
            tally: Arc::default(),
        };
        let h = Shared(unsafe { work_spawn(&work) });
        let callback_calls = leaked_counter();
        let start = Arc::new(Barrier::new(6));
        let racers: Vec<_> = (0..6)
            .map(|n| {
                let start = start.clone();
                thread::spawn(move || {
                    let h = h;
                    start.wait();
                    unsafe {
                        match n {
                            // Two threads register callbacks: one must lose.
                            0 | 1 => {
                                let ok = work_on_complete(
                                    h.0,
                                    Some(count_call),
                                    as_user_data(callback_calls),
                                );
                                if ok != 0 {
                                    assert_error(ErrorKind::InvalidArgument, "already");
                                }
                                (ok == 0, None)
                            }
                            // Four threads try to take the result.
                            _ => {
                                let _ = work_status(h.0);
                                let _ = work_cancelled(h.0);
                                let r = work_wait_timeout(h.0, PATIENCE_MS);
                                if r.is_null() {
                                    let (kind, _) = last_error();
                                    assert_eq!(kind, ErrorKind::AlreadyTaken);
                                    (false, None)
                                } else {
                                    let v = (*r).value;
                                    work_result_destroy(r);
                                    (false, Some(v))
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        let outcomes: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        let registered = outcomes.iter().filter(|(ok, _)| *ok).count();
        let values: Vec<u64> = outcomes.iter().filter_map(|(_, v)| *v).collect();
        assert_eq!(registered, 1, "exactly one registration wins");
        assert_eq!(values, [round * 2], "exactly one taker");
        callback_calls.wait_for(1);
        unsafe {
            assert_eq!(work_status(h.0), TaskStatus::Taken as c_int);
            work_handle_destroy(h.0);
        }
        assert_eq!(callback_calls.get(), 1);
    }
}

#[test]
fn destroy_racing_with_completion_runs_the_callback_once() {
    for round in 0..50_u64 {
        let done = leaked_counter();
        let task = Work {
            id: round,
            block: round % 2 == 0,
            tally: Arc::default(),
        };
        unsafe {
            let h = work_spawn(&task);
            assert_eq!(work_on_complete(h, Some(bump), as_user_data(done)), 0);
            // The task may or may not have finished yet.
            work_handle_destroy(h);
        }
        done.wait_for(1);
        assert_eq!(done.get(), 1);
    }
}

//! Deadlines (`CancellationToken::cancel_after`, `TaskHandle::cancel_after`,
//! `ffi_tasks_token_cancel_after`, `ffi_tasks_handle_cancel_after`): a
//! deadline fires; a later (or unrepresentable) one has not fired when an
//! earlier one has; zero cancels at once; a finished task is left as it
//! ended; a dropped token is fine; one timer thread serves them all; a
//! forked child gets a timer of its own; null pointers are errors.
//!
//! "Not fired yet" is always observed relative to another deadline that
//! did fire (the timer fires in order), never by sleeping.

mod core_support;

use std::{ptr, time::Duration};

use anyhow::Error;
use core_support::{assert_error, PATIENCE};
use ffi_tasks::{
    c,
    error::ErrorKind,
    task::{CancellationToken, Cancelled, Task, TaskHandle, TaskStatus},
};

/// Runs until cancelled.
#[derive(Clone)]
struct Forever;

impl Task for Forever {
    type Output = u64;
    fn run(&self, tok: &CancellationToken) -> Result<u64, Error> {
        while !tok.wait_cancelled(PATIENCE) {}
        Err(Cancelled.into())
    }
}

/// Finishes at once.
#[derive(Clone)]
struct Seven;

impl Task for Seven {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        Ok(7)
    }
}

ffi_tasks::export_task! {
    Task: Forever;
    spawn: forever_spawn;
    wait: forever_wait;
    handle_destroy: forever_handle_destroy;
}

const MS: Duration = Duration::from_millis(1);

/// Arms a deadline `after` from now on a fresh token and waits for it.
fn probe(after: Duration) {
    let probe = CancellationToken::new();
    probe.cancel_after(after).unwrap();
    assert!(
        probe.wait_cancelled(PATIENCE),
        "the probe deadline never fired"
    );
}

#[test]
fn a_deadline_fires_and_a_later_one_has_not_yet() {
    let (soon, late) = (CancellationToken::new(), CancellationToken::new());
    late.cancel_after(Duration::from_secs(3600)).unwrap();
    soon.cancel_after(20 * MS).unwrap();
    assert!(soon.wait_cancelled(PATIENCE));
    assert!(!late.cancelled());
}

#[test]
fn zero_cancels_now_and_an_unrepresentable_deadline_never_fires() {
    let now = CancellationToken::new();
    now.cancel_after(Duration::ZERO).unwrap();
    assert!(now.cancelled(), "zero cancels before returning");
    let never = CancellationToken::new();
    never.cancel_after(Duration::MAX).unwrap();
    probe(5 * MS);
    assert!(!never.cancelled());
}

#[test]
fn a_deadline_cancels_children_and_the_earliest_of_several_wins() {
    let parent = CancellationToken::new();
    let child = parent.child_token();
    parent.cancel_after(Duration::from_secs(3600)).unwrap();
    parent.cancel_after(10 * MS).unwrap();
    assert!(child.wait_cancelled(PATIENCE));
}

#[test]
fn a_task_deadline_cancels_the_running_task() {
    let h = TaskHandle::spawn(Forever);
    h.cancel_after(10 * MS).unwrap();
    let err = h.wait().unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::Cancelled);
}

#[test]
fn a_deadline_on_a_finished_task_leaves_it_as_it_ended() {
    let h = TaskHandle::spawn(Seven);
    while h.status() == TaskStatus::Running {
        std::thread::sleep(MS);
    }
    h.cancel_after(MS).unwrap();
    h.cancel_after(Duration::ZERO).unwrap();
    probe(5 * MS);
    assert_eq!(h.status(), TaskStatus::Completed);
    assert_eq!(h.poll().unwrap().unwrap(), 7);
}

#[test]
fn a_token_dropped_before_its_deadline_is_fine() {
    for _ in 0..100 {
        CancellationToken::new().cancel_after(MS).unwrap();
    }
    drop(TaskHandle::spawn(Forever).cancel_after(MS));
    probe(10 * MS);
}

#[cfg(target_os = "linux")]
fn timer_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.unwrap().path().join("comm")).ok())
        .filter(|name| name.trim_end() == "ffi_tasks-timer")
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn one_timer_thread_serves_every_deadline() {
    let tokens: Vec<_> = (0..1000).map(|_| CancellationToken::new()).collect();
    for (i, t) in tokens.iter().enumerate() {
        t.cancel_after(Duration::from_millis(1 + (i % 50) as u64))
            .unwrap();
    }
    assert_eq!(timer_threads(), 1);
    for t in &tokens {
        assert!(t.wait_cancelled(PATIENCE));
    }
    assert_eq!(timer_threads(), 1);
}

/// Not for ThreadSanitizer, which refuses to start threads in the child of
/// a multi-threaded `fork` (as for `tests/fork.rs`).
#[cfg(unix)]
#[test]
fn a_forked_child_gets_a_timer_of_its_own() {
    // The parent's timer thread runs.
    probe(MS);
    // SAFETY: the child only arms a deadline, waits for it and leaves with
    // `_exit`, never returning into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let t = CancellationToken::new();
        let ok = t.cancel_after(5 * MS).is_ok() && t.wait_cancelled(PATIENCE);
        // SAFETY: ends the child at once.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status: libc::c_int = 0;
    // SAFETY: our own child; a valid out pointer. The child's wait is bounded
    // by PATIENCE, so this returns.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "status {status}"
    );
    probe(MS); // and the parent's still does
}

#[test]
fn c_functions_arm_deadlines_on_tokens_and_on_handles_of_any_type() {
    unsafe {
        let token = c::ffi_tasks_token_new();
        assert_eq!(c::ffi_tasks_token_cancel_after(token, 5), 0);
        assert_eq!(
            c::ffi_tasks_token_wait_cancelled(token, PATIENCE.as_millis() as u64),
            1
        );
        let never = c::ffi_tasks_token_new();
        assert_eq!(c::ffi_tasks_token_cancel_after(never, u64::MAX), 0);
        assert_eq!(c::ffi_tasks_token_cancelled(never), 0);
        c::ffi_tasks_token_destroy(never);

        let h = forever_spawn(&Forever);
        assert_eq!(c::ffi_tasks_handle_cancel_after(h.cast(), 5), 0);
        let r = forever_wait(h);
        assert!(r.is_null());
        assert_error(ErrorKind::Cancelled, "cancelled");

        // A deadline outliving its handle.
        let h = forever_spawn(&Forever);
        assert_eq!(c::ffi_tasks_handle_cancel_after(h.cast(), 2), 0);
        forever_handle_destroy(h);
        c::ffi_tasks_token_destroy(token);
        probe(5 * MS);

        assert_eq!(c::ffi_tasks_token_cancel_after(ptr::null(), 1), -1);
        assert_error(ErrorKind::NullPointer, "token");
        assert_eq!(c::ffi_tasks_handle_cancel_after(ptr::null_mut(), 1), -1);
        assert_error(ErrorKind::NullPointer, "handle");
    }
}

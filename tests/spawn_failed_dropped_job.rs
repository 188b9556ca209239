//! A task that never ran because the executor dropped its job: every layer
//! reports it as `SpawnFailed` (status `FAILED`, kind `SPAWN_FAILED`), the C
//! ABI as the Rust API. Its own test binary with a single test: it installs
//! a process-wide executor that drops every job it is given.

mod core_support;

use std::{
    os::raw::c_int,
    sync::atomic::{AtomicUsize, Ordering},
};

use anyhow::Error;
use core_support::{assert_error, assert_no_error};
use ffi_tasks::{
    error::ErrorKind,
    executor::{Executor, Job, SpawnError},
    global::set_global_executor,
    task::{CancellationToken, Task, TaskHandle, TaskStatus},
};

static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Accepts every job and drops it without running it.
struct Discard;

impl Executor for Discard {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        DROPPED.fetch_add(1, Ordering::SeqCst);
        drop(job);
        Ok(())
    }
}

/// Would return 1 if it ever ran.
#[derive(Clone)]
pub struct One;

impl Task for One {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        Ok(1)
    }
}

ffi_tasks::export_task! {
    Task: One;
    spawn: one_spawn;
    spawn_with_token: one_spawn_with_token;
    poll: one_poll;
    wait: one_wait;
    wait_timeout: one_wait_timeout;
    status: one_status;
    handle_destroy: one_handle_destroy;
}

#[test]
fn a_job_the_executor_drops_is_spawn_failed_everywhere() {
    set_global_executor(Box::new(Discard)).expect("installed before any spawn");
    let needle = "without running it";

    // SAFETY: valid tasks and tokens; each handle is consumed once.
    unsafe {
        // wait
        let h = one_spawn(&One);
        assert!(!h.is_null(), "the executor accepted the job");
        assert_no_error();
        assert_eq!(one_status(h), TaskStatus::Failed as c_int);
        assert!(one_wait(h).is_null());
        assert_error(ErrorKind::SpawnFailed, needle);

        // poll, then a second poll: already taken
        let h = one_spawn(&One);
        assert!(one_poll(h).is_null());
        assert_error(ErrorKind::SpawnFailed, needle);
        assert!(one_poll(h).is_null());
        assert_error(ErrorKind::AlreadyTaken, "already taken");
        one_handle_destroy(h);
        assert_no_error();

        // wait_timeout, through spawn_with_token
        let token = ffi_tasks::c::ffi_tasks_token_new();
        let h = one_spawn_with_token(&One, token);
        assert!(one_wait_timeout(h, 0).is_null());
        assert_error(ErrorKind::SpawnFailed, needle);
        one_handle_destroy(h);
        ffi_tasks::c::ffi_tasks_token_destroy(token);
        assert_no_error();
    }
    assert_eq!(DROPPED.load(Ordering::SeqCst), 3);

    // The Rust API agrees: status FAILED, kind SpawnFailed.
    let handle = TaskHandle::spawn(One);
    assert_eq!(handle.status(), TaskStatus::Failed);
    let err = handle.wait().unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::SpawnFailed, "{err:#}");
    assert_eq!(DROPPED.load(Ordering::SeqCst), 4);
}

//! `export_task!`'s prefix form: `prefix: gate;` exports every key as
//! `gate_<key>`, the names `FFI_TASKS_DECLARE_TASK(gate, ...)` declares in
//! C. The functions are declared here in an `extern "C"` block, exactly as
//! the C header declares them, and each one is called and checked: a missing
//! or misnamed symbol fails to link, a wrong signature gives wrong results.

mod core_support;

use std::{ffi::c_void, os::raw::c_int, ptr};

use core_support::{
    as_user_data, assert_error, assert_no_error, bump, leaked_counter, Ending, Gate, PATIENCE,
};
use ffi_tasks::{
    c::{self, CompletionCallback, Progress},
    error::ErrorKind,
    task::{CancellationToken, TaskStatus},
};

const PATIENCE_MS: u64 = PATIENCE.as_millis() as u64;

ffi_tasks::export_task! {
    Task: Gate;
    prefix: gate;
}

/// A second prefixed task in the same module: the inner functions of both
/// expansions share their names and must not clash.
#[derive(Clone)]
pub struct Twice(u64);

impl ffi_tasks::Task for Twice {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> {
        Ok(2 * self.0)
    }
}

ffi_tasks::export_task! {
    // Attributes still apply to every function.
    #[allow(clippy::missing_safety_doc)]
    Task: Twice;
    prefix: twice;
}

/// An opaque handle, as `typedef struct gate_handle gate_handle;` in C.
#[repr(C)]
struct GateHandle {
    _opaque: [u8; 0],
}

// What FFI_TASKS_DECLARE_TASK(gate, Gate, uint64_t) declares. The task and
// token types are opaque to C, as they are to this block.
#[allow(improper_ctypes)]
extern "C" {
    fn gate_spawn(task: *const Gate) -> *mut GateHandle;
    fn gate_spawn_with_token(task: *const Gate, token: *const CancellationToken)
        -> *mut GateHandle;
    fn gate_poll(handle: *mut GateHandle) -> *mut u64;
    fn gate_wait(handle: *mut GateHandle) -> *mut u64;
    fn gate_wait_timeout(handle: *mut GateHandle, timeout_ms: u64) -> *mut u64;
    fn gate_cancel(handle: *mut GateHandle);
    fn gate_cancelled(handle: *mut GateHandle) -> c_int;
    fn gate_status(handle: *mut GateHandle) -> c_int;
    fn gate_progress(handle: *mut GateHandle, out: *mut Progress) -> c_int;
    fn gate_on_complete(
        handle: *mut GateHandle,
        callback: CompletionCallback,
        user_data: *mut c_void,
    ) -> c_int;
    fn gate_handle_destroy(handle: *mut GateHandle);
    fn gate_result_destroy(result: *mut u64);

    fn twice_spawn(task: *const Twice) -> *mut GateHandle;
    fn twice_wait(handle: *mut GateHandle) -> *mut u64;
    fn twice_result_destroy(result: *mut u64);
}

#[test]
fn every_prefixed_function_is_exported_and_works() {
    let gate = Gate::new(Ending::Value(42));
    let done = leaked_counter();
    unsafe {
        let h = gate_spawn(&gate);
        assert!(!h.is_null());
        assert_no_error();
        gate.started.wait_for(1);

        assert!(gate_poll(h).is_null(), "still running");
        assert_no_error();
        assert!(gate_wait_timeout(h, 0).is_null());
        assert_error(ErrorKind::TimedOut, "");
        assert_eq!(gate_status(h), TaskStatus::Running as c_int);
        assert_eq!(gate_cancelled(h), 0);
        let mut progress = Progress { done: 0, total: 0 };
        assert_eq!(gate_progress(h, &mut progress), 0);
        assert_eq!((progress.done, progress.total), (3, 10));
        assert_eq!(gate_on_complete(h, Some(bump), as_user_data(done)), 0);
        assert_eq!(done.get(), 0, "not called before the task ends");

        gate_cancel(h);
        assert_eq!(gate_cancelled(h), 1);
        done.wait_for(1);
        assert_eq!(gate_status(h), TaskStatus::Completed as c_int);
        let r = gate_wait_timeout(h, PATIENCE_MS);
        assert!(!r.is_null());
        assert_eq!(*r, 42);
        gate_result_destroy(r);
        assert_no_error();
        assert!(gate_poll(h).is_null());
        assert_error(ErrorKind::AlreadyTaken, "");
        gate_handle_destroy(h);
        assert_no_error();
    }
}

#[test]
fn prefixed_spawn_with_token_and_wait() {
    let gate = Gate::new(Ending::Value(7));
    let token = c::ffi_tasks_token_new();
    unsafe {
        let h = gate_spawn_with_token(&gate, token);
        assert!(!h.is_null());
        gate.started.wait_for(1);
        c::ffi_tasks_token_cancel(token);
        let r = gate_wait(h);
        assert!(!r.is_null());
        assert_eq!(*r, 7);
        gate_result_destroy(r);
        c::ffi_tasks_token_destroy(token);

        // Errors still reach LAST_ERROR through the prefixed names.
        gate_result_destroy(ptr::null_mut());
        assert_error(ErrorKind::NullPointer, "result");
        assert!(gate_spawn(ptr::null()).is_null());
        assert_error(ErrorKind::NullPointer, "task");
    }
}

#[test]
fn two_prefixed_tasks_live_side_by_side() {
    unsafe {
        let h = twice_spawn(&Twice(21));
        let r = twice_wait(h);
        assert_eq!(*r, 42);
        twice_result_destroy(r);
        assert_no_error();
    }
}

//! `ffi_tasks_job_*`: the C functions C++ drives the handle of a C++ job with
//! (`cpp/include/ffi_tasks/spawn.hpp`). A job's handle is a
//! `TaskHandle<()>` (the bridge's `spawn_job` makes it), so each function is
//! the `handle_api` (or `shared_api`) shim that
//! [`export_task!`](crate::export_task) would emit, written out here so that
//! cbindgen sees it and declares it in `ffi_tasks.h`. `poll`, `wait` and
//! `wait_timeout` return a dangling non-null pointer on success (the output
//! is `()`); the C++ value stays in the job's shared state.

// `pub` so that cbindgen declares them; reached from C and C++ only.
#![allow(unreachable_pub)]

use std::{ffi::c_void, os::raw::c_int};

use crate::{
    ffi::{
        handle_api::{self, CompletionCallback},
        shared_api,
    },
    task::{Progress, TaskHandle},
};

/// The handle of a C++ job (opaque in C: `ffi_tasks_job_handle`).
pub type JobHandle = TaskHandle<()>;

/// Non-null once the job is done (never read or freed: the value is on the
/// C++ side); null with no error while it runs; null with LAST_ERROR set if
/// it failed or the outcome was already taken.
///
/// # Safety
///
/// `handle` is null or a live job handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_poll(handle: *mut JobHandle) -> *mut c_void {
    // SAFETY: forwarded from this function's contract.
    unsafe { handle_api::poll(handle) }.cast()
}

/// Blocks until the job is done: non-null on success, null with LAST_ERROR
/// set otherwise. Always consumes the handle.
///
/// # Safety
///
/// `handle` is null or a live job handle; it must not be used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_wait(handle: *mut JobHandle) -> *mut c_void {
    // SAFETY: forwarded from this function's contract.
    unsafe { handle_api::wait(handle) }.cast()
}

/// Waits up to `timeout_ms`: as `ffi_tasks_job_poll`, or null with a
/// `TimedOut` error. Never consumes the handle.
///
/// # Safety
///
/// `handle` is null or a live job handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_wait_timeout(
    handle: *mut JobHandle,
    timeout_ms: u64,
) -> *mut c_void {
    // SAFETY: forwarded from this function's contract.
    unsafe { handle_api::wait_timeout(handle, timeout_ms) }.cast()
}

/// Asks the job to stop.
///
/// # Safety
///
/// `handle` is null or a live job handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_cancel(handle: *mut JobHandle) {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::cancel(handle) }
}

/// `1` if the job was cancelled, `0` if not, `-1` on error.
///
/// # Safety
///
/// `handle` is null or a live job handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_cancelled(handle: *mut JobHandle) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::cancelled(handle) }
}

/// The job's status (`enum ffi_tasks_status`), `-1` on error.
///
/// # Safety
///
/// `handle` is null or a live job handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_status(handle: *mut JobHandle) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::status(handle) }
}

/// Writes the job's last reported progress to `*out`; `0` or `-1`.
///
/// # Safety
///
/// `handle` is null or a live job handle; `out` is null or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_progress(
    handle: *mut JobHandle,
    out: *mut Progress,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::progress(handle, out) }
}

/// Calls `callback(user_data)` exactly once when the job finishes (now, if
/// it already has); `0` or `-1`.
///
/// # Safety
///
/// `handle` is null or a live job handle; `callback` must be callable from
/// any thread with `user_data`, and must not unwind.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_on_complete(
    handle: *mut JobHandle,
    callback: CompletionCallback,
    user_data: *mut c_void,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { handle_api::on_complete(handle, callback, user_data) }
}

/// Destroys the handle, cancelling the job if it is still running.
///
/// # Safety
///
/// `handle` is null or a live job handle; it must not be used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_handle_destroy(handle: *mut JobHandle) {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::handle_destroy(handle) }
}

/// Accepts what `ffi_tasks_job_poll`/`wait`/`wait_timeout` returned on
/// success (nothing is allocated for a job's `()` output); null is a
/// `NullPointer` error.
///
/// # Safety
///
/// `result` is null or such a pointer, not yet passed here.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_job_result_destroy(result: *mut c_void) {
    // SAFETY: forwarded from this function's contract: a non-null result is
    // the `*mut ()` that `poll`/`wait`/`wait_timeout` returned.
    unsafe { handle_api::result_destroy(result.cast::<()>()) }
}

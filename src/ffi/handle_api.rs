//! Generic bodies of the functions [`export_task!`](crate::export_task)
//! generates. Each one is a thin shim: check pointers, call the safe
//! [`TaskHandle`] method, convert the result. The macro instantiates them for
//! one task type and gives them C names. The shims a stream's handle uses
//! too (`cancel`, `cancelled`, `status`, `progress`, `handle_destroy`, and
//! the bodies of `spawn` and `on_complete`) are in `shared_api`.
//!
//! Contract shared by all of them (the README's "C ABI contract"):
//!
//! * `LAST_ERROR` is cleared on entry and set only when the call fails.
//! * A handle is a pointer returned by `spawn` and not yet passed to
//!   `handle_destroy` or `wait` (both consume it, even when they fail).
//! * Results are `Box`ed outputs freed with `result_destroy`; zero-sized
//!   outputs are not allocated (a dangling, aligned, non-null pointer).

use std::{ffi::c_void, os::raw::c_int, ptr, time::Duration};

use anyhow::Error;

use crate::{
    error::{ErrorKind, NullPointer, TimedOut},
    ffi::{
        exported::Exported,
        guard,
        shared_api::{self, handle_ref, handle_take},
    },
    status::classify,
    task::{CancellationToken, TaskHandle, TaskStatus},
};

/// A C completion callback: called once with the `user_data` it was
/// registered with.
pub type CompletionCallback = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

fn into_result_ptr<O>(value: O) -> *mut O {
    // Zero-sized outputs are not allocated: `Box` hands out a dangling,
    // aligned pointer that `result_destroy` accepts.
    Box::into_raw(Box::new(value))
}

/// Turns a taken outcome into the C return value. A task's error is stored
/// with the kind [`classify`] gives its outcome (the one mapping the handle's
/// status comes from too), so an error that merely *contains* one of the
/// library's call-level markers (say `TimedOut`) cannot be mistaken for that
/// library error; `ended == Taken` is the handle's own `AlreadyTaken`.
fn deliver<O>(ended: TaskStatus, result: Result<O, Error>) -> Result<*mut O, Error> {
    let kind = match ended {
        TaskStatus::Taken => ErrorKind::AlreadyTaken,
        _ => classify(&result).1,
    };
    match result {
        Ok(value) => Ok(into_result_ptr(value)),
        Err(error) => {
            super::store_error_as(Some(kind), error);
            Ok(ptr::null_mut())
        }
    }
}

/// Clones `*task` and spawns it on the global executor.
///
/// Returns the new handle, or null with `LAST_ERROR` set (null `task`, a
/// panicking `clone`, or a task that cannot be started: `SpawnFailed`).
///
/// # Safety
///
/// `task` is null or points to a valid `T`.
pub unsafe fn spawn<T: Exported>(task: *const T) -> *mut TaskHandle<T::Output> {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::spawn_from(task, None, T::spawn) }
}

/// Like [`spawn`], but the task gets a child of `token`: cancelling `token`
/// cancels the task (and every other task spawned under it).
///
/// # Safety
///
/// `task` is null or points to a valid `T`; `token` is null or points to a
/// live [`CancellationToken`] (from `ffi_tasks_token_new` or the cxx bridge).
pub unsafe fn spawn_with_token<T: Exported>(
    task: *const T,
    token: *const CancellationToken,
) -> *mut TaskHandle<T::Output> {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::spawn_from(task, Some(token), T::spawn) }
}

/// The result if the task is done: a pointer to free with `result_destroy`.
/// Null with no error while it runs; null with `LAST_ERROR` set when it
/// failed, was cancelled or panicked, or when the result was already taken.
///
/// # Safety
///
/// `handle` is null or a live handle.
pub unsafe fn poll<O>(handle: *mut TaskHandle<O>) -> *mut O {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        match unsafe { handle_ref(handle) }?.poll_with_status() {
            None => Ok(ptr::null_mut()),
            Some((ended, result)) => deliver(ended, result),
        }
    })
}

/// Blocks until the task is done and returns its result; always consumes the
/// handle (even on error), so do not destroy it afterwards.
///
/// # Safety
///
/// `handle` is null or a live handle; it is dead after the call.
pub unsafe fn wait<O>(handle: *mut TaskHandle<O>) -> *mut O {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let handle = unsafe { handle_take(handle) }?;
        let (ended, result) = handle
            .wait_with_status(None)
            .expect("an untimed wait only returns once the task is done");
        deliver(ended, result)
    })
}

/// Waits at most `timeout_ms` milliseconds. Done: the result, as [`poll`].
/// Still running: null with a `TimedOut` error. Never consumes the handle.
///
/// # Safety
///
/// `handle` is null or a live handle.
pub unsafe fn wait_timeout<O>(handle: *mut TaskHandle<O>, timeout_ms: u64) -> *mut O {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let handle = unsafe { handle_ref(handle) }?;
        match handle.wait_with_status(Some(Duration::from_millis(timeout_ms))) {
            None => Err(TimedOut.into()),
            Some((ended, result)) => deliver(ended, result),
        }
    })
}

/// Registers `callback(user_data)` to be called exactly once when the task
/// finishes: on the worker thread, or before this call returns if it already
/// has. It is called even if the handle is destroyed first, so `user_data`
/// must stay valid until then. `0` on success; `-1` on error (null handle or
/// callback, or a callback already registered: `InvalidArgument`).
///
/// The callback must not unwind (a C++ exception escaping it aborts).
///
/// # Safety
///
/// `handle` is null or a live handle; `callback` is safe to call from any
/// thread with `user_data`.
pub unsafe fn on_complete<O: 'static>(
    handle: *mut TaskHandle<O>,
    callback: CompletionCallback,
    user_data: *mut c_void,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::register(handle, callback, user_data) }
}

/// Frees a result returned by `poll`, `wait` or `wait_timeout`. A null
/// `result` is a `NullPointer` error.
///
/// # Safety
///
/// `result` is null or a pointer those functions returned for this task type,
/// not freed yet.
pub unsafe fn result_destroy<O>(result: *mut O) {
    guard(|| {
        if result.is_null() {
            return Err(NullPointer("result").into());
        }
        // SAFETY: it came from `Box::into_raw` in `into_result_ptr` and is
        // freed once, by the caller's contract.
        drop(unsafe { Box::from_raw(result) });
        Ok(())
    })
}

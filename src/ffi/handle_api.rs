//! Generic bodies of the functions [`export_task!`](crate::export_task)
//! generates. Each one is a thin shim: check pointers, call the safe
//! [`TaskHandle`] method, convert the result. The macro instantiates them for
//! one task type and gives them C names.
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
    ffi::{exported::Exported, guard, registry},
    status::classify,
    task::{CancellationToken, Progress, TaskHandle, TaskStatus},
};

/// A C completion callback: called once with the `user_data` it was
/// registered with.
pub type CompletionCallback = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// Borrows the handle behind `handle` after checking it.
///
/// # Safety
///
/// `handle` is null (an error) or a live pointer returned by `spawn`; the
/// reference does not outlive the current exported call.
unsafe fn handle_ref<'a, O>(handle: *mut TaskHandle<O>) -> Result<&'a TaskHandle<O>, Error> {
    if handle.is_null() {
        return Err(NullPointer("handle").into());
    }
    registry::check::<TaskHandle<O>>(handle as usize)?;
    // SAFETY: non-null, and the caller promises it is a live handle from
    // `spawn` (a `Box::into_raw`), so it points to a valid `TaskHandle`.
    Ok(unsafe { &*handle })
}

/// Takes ownership of the handle behind `handle`.
///
/// # Safety
///
/// As [`handle_ref`]; the pointer is dead afterwards.
unsafe fn handle_take<O>(handle: *mut TaskHandle<O>) -> Result<Box<TaskHandle<O>>, Error> {
    if handle.is_null() {
        return Err(NullPointer("handle").into());
    }
    registry::remove::<TaskHandle<O>>(handle as usize)?;
    // SAFETY: a live pointer from `Box::into_raw` in `spawn`, given up by the
    // caller; the registry (when enabled) guarantees it is taken once.
    Ok(unsafe { Box::from_raw(handle) })
}

fn into_handle_ptr<O>(handle: TaskHandle<O>) -> *mut TaskHandle<O> {
    let ptr = Box::into_raw(Box::new(handle));
    registry::insert::<TaskHandle<O>>(ptr as usize);
    ptr
}

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
    guard(|| {
        if task.is_null() {
            return Err(NullPointer("task").into());
        }
        // SAFETY: non-null and valid by the caller's contract.
        T::spawn(unsafe { &*task }, None).map(into_handle_ptr)
    })
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
    guard(|| {
        if task.is_null() {
            return Err(NullPointer("task").into());
        }
        if token.is_null() {
            return Err(NullPointer("token").into());
        }
        // SAFETY: both non-null and valid by the caller's contract.
        let (task, token) = unsafe { (&*task, &*token) };
        T::spawn(task, Some(token)).map(into_handle_ptr)
    })
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

/// Asks the task to stop. Idempotent; a no-op once it has finished.
///
/// # Safety
///
/// `handle` is null or a live handle.
pub unsafe fn cancel<O>(handle: *mut TaskHandle<O>) {
    guard(|| {
        // SAFETY: forwarded from this function's contract. A clone of the
        // token: on an executor that runs jobs inline the cancel may run the
        // task's completion callback, which may consume or destroy the
        // handle (and set LAST_ERROR: this call succeeded).
        let token = unsafe { handle_ref(handle) }?.token().clone();
        token.cancel();
        crate::last_error::clear_last_error();
        Ok(())
    })
}

/// `1` if the task was cancelled, `0` if not, `-1` on error (null handle).
///
/// # Safety
///
/// `handle` is null or a live handle.
pub unsafe fn cancelled<O>(handle: *mut TaskHandle<O>) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        Ok(c_int::from(unsafe { handle_ref(handle) }?.cancelled()))
    })
}

/// The task's [`TaskStatus`](crate::task::TaskStatus) as an integer, `-1` on
/// error.
///
/// # Safety
///
/// `handle` is null or a live handle.
pub unsafe fn status<O>(handle: *mut TaskHandle<O>) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        Ok(unsafe { handle_ref(handle) }?.status() as c_int)
    })
}

/// Writes the task's last reported progress to `*out`; `0` on success, `-1`
/// on error (null handle or `out`; `*out` is then untouched).
///
/// # Safety
///
/// `handle` is null or a live handle; `out` is null or valid for writes.
pub unsafe fn progress<O>(handle: *mut TaskHandle<O>, out: *mut Progress) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let progress = unsafe { handle_ref(handle) }?.progress();
        if out.is_null() {
            return Err(NullPointer("out").into());
        }
        // SAFETY: non-null and writable by the caller's contract.
        unsafe { out.write(progress) };
        Ok(0)
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
pub unsafe fn on_complete<O>(
    handle: *mut TaskHandle<O>,
    callback: CompletionCallback,
    user_data: *mut c_void,
) -> c_int {
    struct UserData(*mut c_void);
    // SAFETY: the caller promises the callback may be called with `user_data`
    // from any thread.
    unsafe impl Send for UserData {}

    guard(|| {
        // SAFETY: forwarded from this function's contract. Only the
        // completion slot is kept: a callback run at once may destroy or
        // consume the handle.
        let completion = unsafe { handle_ref(handle) }?.completion();
        let Some(callback) = callback else {
            return Err(NullPointer("callback").into());
        };
        let data = UserData(user_data);
        crate::task::register_on_complete(&completion, move || {
            let data = data;
            // SAFETY: the caller promised `callback` is callable with
            // `user_data` from any thread, exactly once.
            unsafe { callback(data.0) }
        })?;
        // The callback may have run right now, on this thread, and called
        // functions that set LAST_ERROR; this call succeeded, so clear it.
        crate::last_error::clear_last_error();
        Ok(0)
    })
}

/// Destroys the handle, cancelling the task if it still runs. The task's
/// result, if never taken, is freed when the task finishes.
///
/// # Safety
///
/// `handle` is null or a live handle; it is dead after the call.
pub unsafe fn handle_destroy<O>(handle: *mut TaskHandle<O>) {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        drop(unsafe { handle_take(handle) }?);
        // The cancel may have run a completion callback that set LAST_ERROR
        // (an executor running jobs inline); this call succeeded.
        crate::last_error::clear_last_error();
        Ok(())
    })
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

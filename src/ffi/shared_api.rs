//! The shims that a task's handle ([`TaskHandle`]) and a stream's handle
//! ([`StreamHandle`]) share: checking, boxing and freeing the handle pointer,
//! spawning from a task pointer, `cancel`, `cancelled`, `status`, `progress`,
//! `handle_destroy` and the registration of a C callback (`on_complete` for
//! a task, `on_ready` for a stream). `handle_api` and `stream_api` hold the
//! rest; [`export_task!`](crate::export_task) names these for either kind.

use std::{ffi::c_void, os::raw::c_int};

use anyhow::Error;

use crate::{
    error::NullPointer,
    ffi::{guard, handle_api::CompletionCallback, registry},
    stream::StreamHandle,
    task::{CancellationToken, Progress, TaskHandle, TaskStatus},
};

/// What the shared shims need of a handle exported to C.
pub trait CHandle: Sized {
    /// The task's token.
    fn token(&self) -> &CancellationToken;
    /// Whether the task was cancelled.
    fn cancelled(&self) -> bool;
    /// The task's status.
    fn status(&self) -> TaskStatus;
    /// The task's last reported progress.
    fn progress(&self) -> Progress;
    /// What registers the handle's one callback (`on_complete` for a task,
    /// `on_ready` for a stream). It owns what the callback goes on, apart
    /// from the handle: a callback run at once may destroy or consume the
    /// handle, so nothing may borrow the handle while it runs.
    fn registrar(&self) -> Registrar;
}

/// See [`CHandle::registrar`].
pub(crate) type Registrar = Box<dyn FnOnce(Box<dyn FnOnce() + Send>) -> Result<(), Error>>;

impl<O: 'static> CHandle for TaskHandle<O> {
    fn token(&self) -> &CancellationToken {
        TaskHandle::token(self)
    }
    fn cancelled(&self) -> bool {
        TaskHandle::cancelled(self)
    }
    fn status(&self) -> TaskStatus {
        TaskHandle::status(self)
    }
    fn progress(&self) -> Progress {
        TaskHandle::progress(self)
    }
    fn registrar(&self) -> Registrar {
        let completion = self.completion();
        Box::new(move |callback| crate::task::register_on_complete(&completion, callback))
    }
}

impl<I: Send + 'static> CHandle for StreamHandle<I> {
    fn token(&self) -> &CancellationToken {
        StreamHandle::token(self)
    }
    fn cancelled(&self) -> bool {
        StreamHandle::cancelled(self)
    }
    fn status(&self) -> TaskStatus {
        StreamHandle::status(self)
    }
    fn progress(&self) -> Progress {
        StreamHandle::progress(self)
    }
    fn registrar(&self) -> Registrar {
        let chan = self.channel();
        Box::new(move |callback| crate::stream::register_ready(&chan, callback))
    }
}

/// Borrows the handle behind `handle` after checking it.
///
/// # Safety
///
/// `handle` is null (an error) or a live pointer returned by `spawn`; the
/// reference does not outlive the current exported call.
pub(super) unsafe fn handle_ref<'a, H>(handle: *mut H) -> Result<&'a H, Error> {
    if handle.is_null() {
        return Err(NullPointer("handle").into());
    }
    registry::check::<H>(handle as usize)?;
    // SAFETY: non-null, and the caller promises it is a live handle from
    // `spawn` (a `Box::into_raw`), so it points to a valid `H`.
    Ok(unsafe { &*handle })
}

/// Takes ownership of the handle behind `handle`.
///
/// # Safety
///
/// As [`handle_ref`]; the pointer is dead afterwards.
pub(super) unsafe fn handle_take<H>(handle: *mut H) -> Result<Box<H>, Error> {
    if handle.is_null() {
        return Err(NullPointer("handle").into());
    }
    registry::remove::<H>(handle as usize)?;
    // SAFETY: a live pointer from `Box::into_raw` in `spawn`, given up by the
    // caller; the registry (when enabled) guarantees it is taken once.
    Ok(unsafe { Box::from_raw(handle) })
}

fn into_handle_ptr<H>(handle: H) -> *mut H {
    let ptr = Box::into_raw(Box::new(handle));
    registry::insert::<H>(ptr as usize);
    ptr
}

/// The body of `spawn` (`token` is `None`) and `spawn_with_token`: checks
/// the pointers, calls `spawn` (the task type's, which clones the task) and
/// boxes the handle. Null with `LAST_ERROR` set on failure.
///
/// # Safety
///
/// `task` is null or points to a valid `T`; `token`, if given, is null or
/// points to a live [`CancellationToken`].
pub(super) unsafe fn spawn_from<T, H>(
    task: *const T,
    token: Option<*const CancellationToken>,
    spawn: impl FnOnce(&T, Option<&CancellationToken>) -> Result<H, Error>,
) -> *mut H {
    guard(|| {
        if task.is_null() {
            return Err(NullPointer("task").into());
        }
        let token = match token {
            None => None,
            Some(token) if token.is_null() => return Err(NullPointer("token").into()),
            // SAFETY: non-null and live by the caller's contract.
            Some(token) => Some(unsafe { &*token }),
        };
        // SAFETY: non-null and valid by the caller's contract.
        spawn(unsafe { &*task }, token).map(into_handle_ptr)
    })
}

/// Asks the task to stop (a stream's producer blocked on a full buffer
/// wakes). Idempotent; a no-op once it has finished.
///
/// # Safety
///
/// `handle` is null or a live handle.
pub unsafe fn cancel<H: CHandle>(handle: *mut H) {
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
pub unsafe fn cancelled<H: CHandle>(handle: *mut H) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        Ok(c_int::from(unsafe { handle_ref(handle) }?.cancelled()))
    })
}

/// The task's [`TaskStatus`] as an integer (`Running`, then how it ended),
/// `-1` on error.
///
/// # Safety
///
/// `handle` is null or a live handle.
pub unsafe fn status<H: CHandle>(handle: *mut H) -> c_int {
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
pub unsafe fn progress<H: CHandle>(handle: *mut H, out: *mut Progress) -> c_int {
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

/// The body of `on_complete` and `on_ready`: registers `callback(user_data)`
/// as the handle's one callback. `0` on success; `-1` on error (null handle
/// or callback, or a callback already registered: `InvalidArgument`).
///
/// # Safety
///
/// `handle` is null or a live handle; `callback` is safe to call from any
/// thread with `user_data`, once, and does not unwind.
pub(super) unsafe fn register<H: CHandle>(
    handle: *mut H,
    callback: CompletionCallback,
    user_data: *mut c_void,
) -> c_int {
    struct UserData(*mut c_void);
    // SAFETY: the caller promises the callback may be called with `user_data`
    // from any thread.
    unsafe impl Send for UserData {}

    guard(|| {
        // SAFETY: forwarded from this function's contract. Only the slot is
        // kept: a callback run at once may destroy or consume the handle.
        let register = unsafe { handle_ref(handle) }?.registrar();
        let Some(callback) = callback else {
            return Err(NullPointer("callback").into());
        };
        let data = UserData(user_data);
        register(Box::new(move || {
            let data = data;
            // SAFETY: the caller promised `callback` is callable with
            // `user_data` from any thread, exactly once.
            unsafe { callback(data.0) }
        }))?;
        // The callback may have run right now, on this thread, and called
        // functions that set LAST_ERROR; this call succeeded, so clear it.
        crate::last_error::clear_last_error();
        Ok(0)
    })
}

/// Destroys the handle, cancelling the task if it still runs. A task's
/// result, if never taken, is freed when the task finishes; a stream's
/// buffered items are freed now.
///
/// # Safety
///
/// `handle` is null or a live handle; it is dead after the call.
pub unsafe fn handle_destroy<H>(handle: *mut H) {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        drop(unsafe { handle_take(handle) }?);
        // The cancel may have run a callback that set LAST_ERROR (an
        // executor running jobs inline; a stream's ready callback); this
        // call succeeded.
        crate::last_error::clear_last_error();
        Ok(())
    })
}

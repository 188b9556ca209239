//! `ffi_tasks_waitset_*` and the `cancel_after` functions: the C face of
//! [`WaitSet`] and of deadlines (`deadline.rs`). The contract, in full, is
//! in `docs/event-loops.md`.
//!
//! A wait set takes handles of any task type: the C caller passes the
//! handle together with its task type's `on_complete` function
//! (`ffi_tasks_waitset_add`, or the typed wrapper that
//! `FFI_TASKS_DECLARE_WAITSET_ADD(prefix)` defines), and the set registers
//! its own callback through it. C++ jobs have `ffi_tasks_waitset_add_job`.
//! `ffi_tasks_handle_cancel_after` takes a handle of any task type as
//! `void *`: every `TaskHandle<T>` is `#[repr(C)]` with its token first
//! (asserted in `task.rs`), so the token is reachable without knowing `T`.

// `pub` so that cbindgen declares them; reached from C and C++ only.
#![allow(unreachable_pub)]

use std::{ffi::c_void, os::raw::c_int, time::Duration};

use anyhow::Error;

use crate::{
    cancel::CancellationToken,
    error::{ErrorKind, NullPointer},
    ffi::{guard, handle_api::CompletionCallback, job_api::JobHandle},
    last_error,
    waitset::{Ticket, WaitOutcome, WaitSet},
};

/// `ffi_tasks_waitset_wait`: a member finished and its tag was written.
pub const FFI_TASKS_WAITSET_COMPLETED: c_int = 0;
/// `ffi_tasks_waitset_wait`, `ffi_tasks_waitset_wait_all`: the timeout passed
/// while members were still running.
pub const FFI_TASKS_WAITSET_TIMED_OUT: c_int = 1;
/// `ffi_tasks_waitset_wait`: nothing to wait for (no member running, no tag
/// queued). Returned at once, whatever the timeout.
pub const FFI_TASKS_WAITSET_EMPTY: c_int = 2;

/// A task type's `on_complete` function, taking its handle as `void *`
/// (`<prefix>_on_complete` through the adapter that
/// `FFI_TASKS_DECLARE_WAITSET_ADD` defines). It must keep the `on_complete`
/// contract: return 0 and call `callback(user_data)` exactly once, or return
/// -1 and never call it.
pub type OnCompleteFn = Option<
    unsafe extern "C" fn(
        handle: *mut c_void,
        callback: CompletionCallback,
        user_data: *mut c_void,
    ) -> c_int,
>;

/// # Safety
///
/// `ws` is null or a live wait set from `ffi_tasks_waitset_new`.
unsafe fn set_ref<'a>(ws: *const WaitSet) -> Result<&'a WaitSet, Error> {
    if ws.is_null() {
        return Err(NullPointer("ws").into());
    }
    super::registry::check::<WaitSet>(ws as usize)?;
    // SAFETY: non-null and live by the caller's contract.
    Ok(unsafe { &*ws })
}

/// `timeout_ms` as the wait functions read it: negative waits without limit.
fn timeout_of(timeout_ms: i64) -> Option<Duration> {
    u64::try_from(timeout_ms).ok().map(Duration::from_millis)
}

/// A new, empty wait set. Free it with `ffi_tasks_waitset_destroy`.
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_waitset_new() -> *mut WaitSet {
    guard(|| {
        let ws = Box::into_raw(Box::new(WaitSet::new()));
        super::registry::insert_other::<WaitSet>(ws as usize);
        Ok(ws)
    })
}

/// Destroys the set. Members still running stay running (their handles are
/// untouched); when they finish, nothing happens. Descriptors from
/// `ffi_tasks_waitset_fd` stay open, owned by the caller; on Linux they are
/// never readable again, elsewhere (a pipe whose write end closes) they
/// report end-of-file: stop watching them first. No other call on `ws` may
/// run concurrently or follow.
/// A null `ws` is a `NullPointer` error.
///
/// # Safety
///
/// `ws` is null or a live wait set; it is dead afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_waitset_destroy(ws: *mut WaitSet) {
    guard(|| {
        if ws.is_null() {
            return Err(NullPointer("ws").into());
        }
        super::registry::remove::<WaitSet>(ws as usize)?;
        // SAFETY: from `Box::into_raw` in `ffi_tasks_waitset_new`, freed once
        // by the caller's contract (checked by the registry when enabled).
        drop(unsafe { Box::from_raw(ws) });
        Ok(())
    })
}

/// The callback the set registers on each member: fires its ticket.
extern "C" fn waitset_notify(user_data: *mut c_void) {
    // SAFETY: `user_data` is the `Box<Ticket>` that `add_with` leaked for
    // exactly this call, and `on_complete` calls the callback at most once.
    let ticket = unsafe { Box::from_raw(user_data.cast::<Ticket>()) };
    // `fire` takes a lock and pushes on a queue: it does not panic, and
    // this function (called from Rust's completion path) must not unwind.
    ticket.fire();
}

/// Registers a ticket for `tag` through `register`, which hands the set's
/// callback to the handle's `on_complete`.
fn add_with(
    ws: &WaitSet,
    tag: u64,
    register: impl FnOnce(CompletionCallback, *mut c_void) -> c_int,
) -> Result<c_int, Error> {
    let ticket = Box::into_raw(Box::new(ws.ticket(tag)));
    if register(Some(waitset_notify), ticket.cast()) == 0 {
        // The callback may have run already (a finished task) and left
        // LAST_ERROR as it found it; this call succeeded.
        last_error::clear_last_error();
        return Ok(0);
    }
    // Refused: the callback was not and will not be called, so the ticket
    // is still ours; dropping it takes the member back out.
    // SAFETY: from `Box::into_raw` above, not handed to anyone who kept it.
    drop(unsafe { Box::from_raw(ticket) });
    let kind = last_error::last_error_kind();
    let why = last_error::error_message().unwrap_or_else(|| "unknown error".into());
    let kind = if kind == ErrorKind::None {
        ErrorKind::InvalidArgument
    } else {
        kind
    };
    let error = Error::msg(why).context("cannot add the handle to the wait set");
    super::store_error_as(Some(kind), error);
    Ok(-1)
}

/// Adds `handle` to the set with `tag`, by registering the set's callback
/// through `on_complete` (the handle's task type's `on_complete`, taking the
/// handle as `void *`). Uses up the handle's one completion callback. A
/// task already finished is queued at once. `0` on success; `-1` with
/// LAST_ERROR set: null `ws`, `handle` or `on_complete` (`NullPointer`), or
/// whatever `on_complete` reported (`InvalidArgument` for a handle that
/// already has a callback, e.g. one added twice).
///
/// Destroying the handle afterwards is fine: the task is cancelled and its
/// tag arrives when it has stopped.
///
/// # Safety
///
/// `ws` is null or a live wait set; `handle` is null or a live handle of the
/// task type `on_complete` belongs to; `on_complete` keeps the
/// [`OnCompleteFn`] contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_waitset_add(
    ws: *mut WaitSet,
    handle: *mut c_void,
    on_complete: OnCompleteFn,
    tag: u64,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let ws = unsafe { set_ref(ws) }?;
        if handle.is_null() {
            return Err(NullPointer("handle").into());
        }
        let Some(on_complete) = on_complete else {
            return Err(NullPointer("on_complete").into());
        };
        add_with(ws, tag, |callback, user_data| {
            // SAFETY: `handle` is a live handle of `on_complete`'s task type
            // by this function's contract; the callback and its user data
            // are ours, callable once from any thread.
            unsafe { on_complete(handle, callback, user_data) }
        })
    })
}

/// `ffi_tasks_waitset_add` for a C++ job's handle.
///
/// # Safety
///
/// `ws` is null or a live wait set; `handle` is null or a live job handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_waitset_add_job(
    ws: *mut WaitSet,
    handle: *mut JobHandle,
    tag: u64,
) -> c_int {
    // SAFETY: forwarded from this function's contract: `handle` is a job
    // handle, the task type `job_on_complete` belongs to.
    unsafe { ffi_tasks_waitset_add(ws, handle.cast(), Some(job_on_complete), tag) }
}

/// A job handle's `on_complete` as an [`OnCompleteFn`].
///
/// # Safety
///
/// `handle` is null or a live job handle; `callback` is callable from any
/// thread with `user_data`.
unsafe extern "C" fn job_on_complete(
    handle: *mut c_void,
    callback: CompletionCallback,
    user_data: *mut c_void,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { super::handle_api::on_complete(handle.cast::<JobHandle>(), callback, user_data) }
}

/// Takes the tag of a finished member into `*tag`, waiting up to
/// `timeout_ms` milliseconds for one (`0`: do not block; negative: no
/// limit). Returns `FFI_TASKS_WAITSET_COMPLETED` (`*tag` written; the member
/// left the set), `FFI_TASKS_WAITSET_TIMED_OUT`, `FFI_TASKS_WAITSET_EMPTY`
/// (no member running and none queued: returned at once), or `-1` with
/// LAST_ERROR set (null `ws` or `tag`; `*tag` untouched). Any number of
/// threads may wait on one set; each finished member is returned once.
///
/// # Safety
///
/// `ws` is null or a live wait set; `tag` is null or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_waitset_wait(
    ws: *mut WaitSet,
    timeout_ms: i64,
    tag: *mut u64,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let ws = unsafe { set_ref(ws) }?;
        if tag.is_null() {
            return Err(NullPointer("tag").into());
        }
        Ok(match ws.wait(timeout_of(timeout_ms)) {
            WaitOutcome::Completed(done) => {
                // SAFETY: non-null and writable by the caller's contract.
                unsafe { tag.write(done) };
                FFI_TASKS_WAITSET_COMPLETED
            }
            WaitOutcome::TimedOut => FFI_TASKS_WAITSET_TIMED_OUT,
            WaitOutcome::Empty => FFI_TASKS_WAITSET_EMPTY,
        })
    })
}

/// Waits up to `timeout_ms` (`0`: do not block; negative: no limit) until no
/// member is running. `FFI_TASKS_WAITSET_COMPLETED` when none is (at once
/// for an empty set): the finished members' tags stay queued for
/// `ffi_tasks_waitset_wait`. `FFI_TASKS_WAITSET_TIMED_OUT` otherwise; `-1`
/// with LAST_ERROR for a null `ws`.
///
/// # Safety
///
/// `ws` is null or a live wait set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_waitset_wait_all(ws: *mut WaitSet, timeout_ms: i64) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let ws = unsafe { set_ref(ws) }?;
        Ok(if ws.wait_all(timeout_of(timeout_ms)) {
            FFI_TASKS_WAITSET_COMPLETED
        } else {
            FFI_TASKS_WAITSET_TIMED_OUT
        })
    })
}

/// Members whose tag `ffi_tasks_waitset_wait` has not returned yet (running,
/// or finished and queued); `-1` with LAST_ERROR for a null `ws`.
///
/// # Safety
///
/// `ws` is null or a live wait set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_waitset_len(ws: *mut WaitSet) -> i64 {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let ws = unsafe { set_ref(ws) }?;
        Ok(i64::try_from(ws.len()).unwrap_or(i64::MAX))
    })
}

/// A new file descriptor, owned by the caller (close it with `close(2)`
/// when done, before or after destroying the set), readable exactly while a
/// finished member's tag is queued: level-triggered, for epoll, poll(2),
/// select(2) or libuv's `uv_poll`. Never read from it: drain the set with
/// `ffi_tasks_waitset_wait(ws, 0, &tag)` until it stops returning
/// `FFI_TASKS_WAITSET_COMPLETED`, which clears it. Each call returns a new
/// descriptor with the same readiness. `-1` with LAST_ERROR for a null `ws`
/// or a system error (`Failed`). Unix only: on Windows, which has no such
/// descriptor, always `-1` with LAST_ERROR `Failed` ("wait set descriptors
/// need a Unix system"); the set's other functions work the same there.
///
/// # Safety
///
/// `ws` is null or a live wait set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_waitset_fd(ws: *mut WaitSet) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let ws = unsafe { set_ref(ws) }?;
        ws.fd()
            .map_err(|e| Error::new(e).context("cannot make the wait set's descriptor"))
    })
}

// ===== deadlines =====

/// Cancels `token` once `timeout_ms` milliseconds have passed (`0`: now, on
/// this thread; `UINT64_MAX`, which a negative number converts to, never in
/// practice: 584 million years).
/// One timer thread serves every deadline of the process; the token may be
/// destroyed before its deadline. `0` on success; `-1` with LAST_ERROR for a
/// null `token` or when the timer thread cannot start (`SpawnFailed`).
///
/// # Safety
///
/// `token` is null or a live token from this API.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_token_cancel_after(
    token: *const CancellationToken,
    timeout_ms: u64,
) -> c_int {
    guard(|| {
        if token.is_null() {
            return Err(NullPointer("token").into());
        }
        // SAFETY: non-null and live by the caller's contract. A clone, as
        // for `ffi_tasks_token_cancel`: a zero deadline cancels now.
        let token = unsafe { &*token }.clone();
        token.cancel_after(Duration::from_millis(timeout_ms))?;
        crate::last_error::clear_last_error();
        Ok(0)
    })
}

/// `ffi_tasks_token_cancel_after` for the task behind `handle`: a handle of
/// any task type (`<prefix>_spawn`, or a C++ job's `ffi_tasks_job_handle`).
/// A task that has finished by then is left as it ended. The handle may be
/// destroyed (or waited on) before the deadline.
///
/// # Safety
///
/// `handle` is null or a live task handle of any task type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_handle_cancel_after(
    handle: *mut c_void,
    timeout_ms: u64,
) -> c_int {
    guard(|| {
        if handle.is_null() {
            return Err(NullPointer("handle").into());
        }
        super::registry::check_any(handle as usize)?;
        // SAFETY: a live `TaskHandle<T>` for some `T` by the caller's
        // contract; it is `#[repr(C)]` with a `CancellationToken` as its
        // first field whatever `T` is (asserted in `task.rs`), so the
        // pointer is also a valid pointer to that token.
        // A clone, as for `ffi_tasks_token_cancel`: a zero deadline cancels
        // now, which may run a callback that consumes the handle.
        let token = unsafe { &*handle.cast::<CancellationToken>() }.clone();
        token.cancel_after(Duration::from_millis(timeout_ms))?;
        crate::last_error::clear_last_error();
        Ok(0)
    })
}

//! Generic bodies of the functions [`export_task!`](crate::export_task)
//! generates for a stream task (`StreamTask:` / `AsyncStreamTask:` forms),
//! and [`ExportedStream`], what the macro needs of such a task type.
//!
//! Items are `Box`ed and freed with `item_destroy`. `next` tells the end of
//! the stream from a failure by `LAST_ERROR`: null with no error is the end
//! of a task that succeeded; null with an error is a failed, cancelled or
//! panicked task (its kind) or a failed call (null handle: `NullPointer`;
//! `next_timeout` with nothing in time: `TimedOut`). The shims a task's
//! handle uses too (`cancel`, `cancelled`, `status`, `progress`,
//! `handle_destroy`, and the bodies of `spawn` and `on_ready`) are in
//! `shared_api`.

use std::{ffi::c_void, mem::size_of, os::raw::c_int, ptr, time::Duration};

use anyhow::Error;

use crate::{
    error::{NullPointer, TimedOut},
    ffi::{
        guard,
        handle_api::CompletionCallback,
        registry,
        shared_api::{self, handle_ref},
    },
    global::global_executor,
    stream::{AsyncStreamTask, Next, StreamHandle, StreamTask},
    task::CancellationToken,
};

/// Not public API: implemented by `export_task!` for a stream task.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `StreamTask`",
    note = "export a blocking stream task with `StreamTask: {Self};`, an async one with `AsyncStreamTask: {Self};`"
)]
pub trait ExportedStream: Sized + 'static {
    /// What the task emits.
    type Item: Send + 'static;

    /// Clones `task` and spawns it on the global executor, under a child of
    /// `parent` if given.
    fn spawn(
        task: &Self,
        parent: Option<&CancellationToken>,
    ) -> Result<StreamHandle<Self::Item>, Error>;
}

impl<T: StreamTask + 'static> ExportedStream for T {
    type Item = T::Item;

    fn spawn(task: &T, parent: Option<&CancellationToken>) -> Result<StreamHandle<T::Item>, Error> {
        let token = parent.map_or_else(CancellationToken::new, CancellationToken::child_token);
        StreamHandle::spawn_with(task.clone(), token, global_executor())
    }
}

/// What `ExportedStream::spawn` does for an `AsyncStreamTask`.
pub fn spawn_async<K>(
    task: &K,
    parent: Option<&CancellationToken>,
) -> Result<StreamHandle<K::Item>, Error>
where
    K: AsyncStreamTask + 'static,
{
    StreamHandle::spawn_async_under(task.clone(), parent)
}

/// The registry's record type of an item (distinct from any handle's).
struct Item<I>(I);

/// Clones `*task` and starts it; its handle, or null with `LAST_ERROR` set.
///
/// # Safety
///
/// `task` is null or points to a valid `T`.
pub unsafe fn spawn<T: ExportedStream>(task: *const T) -> *mut StreamHandle<T::Item> {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::spawn_from(task, None, T::spawn) }
}

/// As [`spawn`], under a child of `token`.
///
/// # Safety
///
/// `task` is null or points to a valid `T`; `token` is null or a live token.
pub unsafe fn spawn_with_token<T: ExportedStream>(
    task: *const T,
    token: *const CancellationToken,
) -> *mut StreamHandle<T::Item> {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::spawn_from(task, Some(token), T::spawn) }
}

fn deliver<I>(next: Next<I>) -> Result<*mut I, Error> {
    match next {
        Next::Item(item) => {
            let ptr = Box::into_raw(Box::new(item));
            // Zero-sized items all share one dangling address, and freeing
            // one twice frees nothing: only real allocations are recorded.
            if size_of::<I>() != 0 {
                registry::insert_other::<Item<I>>(ptr as usize);
            }
            Ok(ptr)
        }
        Next::End(None) => Ok(ptr::null_mut()),
        Next::End(Some((kind, error))) => {
            super::store_error_as(Some(kind), error);
            Ok(ptr::null_mut())
        }
        Next::TimedOut => Err(TimedOut.into()),
    }
}

/// The next item (free it with `item_destroy`), blocking until one comes;
/// null at the end: with no error if the task succeeded, with its error if
/// not. Never consumes the handle.
///
/// # Safety
///
/// `handle` is null or a live handle.
pub unsafe fn next<I: Send + 'static>(handle: *mut StreamHandle<I>) -> *mut I {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        deliver(unsafe { handle_ref(handle) }?.read(None))
    })
}

/// As [`next`], waiting at most `timeout_ms`: null with `TimedOut` if
/// nothing came.
///
/// # Safety
///
/// `handle` is null or a live handle.
pub unsafe fn next_timeout<I: Send + 'static>(
    handle: *mut StreamHandle<I>,
    timeout_ms: u64,
) -> *mut I {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let stream = unsafe { handle_ref(handle) }?;
        deliver(stream.read(Some(Duration::from_millis(timeout_ms))))
    })
}

/// Calls `callback(user_data)` once, when `next` would not block (an item
/// is buffered or the stream has ended): before returning if it already
/// would not, else on the producer's thread, or (at the latest) inside
/// `handle_destroy`: exactly once, so `user_data` can be freed by it. `0`;
/// `-1` on error (null handle or callback, one already registered:
/// `InvalidArgument`).
///
/// # Safety
///
/// `handle` is null or a live handle; `callback` is safe to call from any
/// thread with `user_data` and does not unwind.
pub unsafe fn on_ready<I: Send + 'static>(
    handle: *mut StreamHandle<I>,
    callback: CompletionCallback,
    user_data: *mut c_void,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { shared_api::register(handle, callback, user_data) }
}

/// Frees an item returned by `next` or `next_timeout`. Null is a
/// `NullPointer` error.
///
/// # Safety
///
/// `item` is null or such an item, not freed yet.
pub unsafe fn item_destroy<I>(item: *mut I) {
    guard(|| {
        if item.is_null() {
            return Err(NullPointer("item").into());
        }
        if size_of::<I>() != 0 {
            registry::remove::<Item<I>>(item as usize)?;
        }
        // SAFETY: from `Box::into_raw` in `deliver`, freed once by the
        // caller's contract (checked by the registry when enabled).
        drop(unsafe { Box::from_raw(item) });
        Ok(())
    })
}

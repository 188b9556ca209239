//! The C ABI used by a hostile caller, beyond `c_abi.rs`: functions that
//! take "a handle of any task type" given a stream's handle, and (with the
//! misuse guard, `--features handle-registry`) given a pointer the registry
//! knows but that is no task handle (a stream item).

mod core_support;

use std::{ffi::c_void, os::raw::c_int};

use anyhow::Error;
use core_support::{assert_error, assert_no_error, PATIENCE};
use ffi_tasks::{
    c,
    error::ErrorKind,
    stream::{Emitter, StreamTask},
    task::{CancellationToken, TaskStatus},
};

/// Emits `first`, then waits for the cancel and ends cancelled.
#[derive(Clone)]
#[repr(C)]
pub struct Idle {
    /// The one item.
    pub first: u64,
}

impl StreamTask for Idle {
    type Item = u64;

    fn run(&self, tok: &CancellationToken, out: &Emitter<u64>) -> Result<(), Error> {
        out.emit(self.first)?;
        if !tok.wait_cancelled(PATIENCE) {
            anyhow::bail!("the test never cancelled the stream");
        }
        tok.is_done()?;
        Ok(())
    }
}

ffi_tasks::export_task! {
    StreamTask: Idle;
    prefix: idle;
}

/// The opaque handle type C sees.
#[repr(C)]
pub struct IdleHandle {
    _private: [u8; 0],
}

extern "C" {
    fn idle_spawn(task: *const Idle) -> *mut IdleHandle;
    fn idle_next(h: *mut IdleHandle) -> *mut u64;
    fn idle_cancelled(h: *mut IdleHandle) -> c_int;
    fn idle_status(h: *mut IdleHandle) -> c_int;
    fn idle_handle_destroy(h: *mut IdleHandle);
    fn idle_item_destroy(item: *mut u64);
}

#[test]
fn handle_cancel_after_zero_cancels_a_stream_given_as_any_handle() {
    // SAFETY: live handles and items, each destroyed once.
    unsafe {
        let h = idle_spawn(&Idle { first: 0x5eed });
        assert!(!h.is_null());
        assert_eq!(c::ffi_tasks_handle_cancel_after(h.cast::<c_void>(), 0), 0);
        assert_no_error();
        assert_eq!(idle_cancelled(h), 1, "the stream's own token is cancelled");
        // The item emitted before (if any) and then the cancelled end.
        let mut item = idle_next(h);
        if !item.is_null() {
            assert_eq!(*item, 0x5eed);
            idle_item_destroy(item);
            item = idle_next(h);
        }
        assert!(item.is_null());
        assert_error(ErrorKind::Cancelled, "cancelled");
        assert_eq!(idle_status(h), TaskStatus::Cancelled as c_int);
        idle_handle_destroy(h);
        assert_no_error();
    }
}

#[cfg(feature = "handle-registry")]
#[test]
fn handle_cancel_after_refuses_a_stream_item() {
    // SAFETY: live handles and items, each destroyed once; the item is
    // passed where a handle belongs, which the misuse guard must refuse.
    unsafe {
        let h = idle_spawn(&Idle { first: 0 });
        let item = idle_next(h);
        assert!(!item.is_null());
        assert_eq!(
            c::ffi_tasks_handle_cancel_after(item.cast::<c_void>(), 0),
            -1
        );
        assert_error(ErrorKind::InvalidHandle, "");
        assert_eq!(idle_cancelled(h), 0);
        idle_item_destroy(item);
        idle_handle_destroy(h);
        assert_no_error();
    }
}

#[cfg(feature = "handle-registry")]
#[test]
fn a_destroyed_wait_set_is_an_invalid_handle() {
    let ws = c::ffi_tasks_waitset_new();
    assert!(!ws.is_null());
    // SAFETY: `ws` is live until the first destroy; every later call is
    // the misuse the guard must catch without touching the freed set.
    unsafe {
        // A live wait set is no task handle either.
        assert_eq!(c::ffi_tasks_handle_cancel_after(ws.cast::<c_void>(), 0), -1);
        assert_error(ErrorKind::InvalidHandle, "");
        assert_eq!(c::ffi_tasks_waitset_len(ws), 0);
        assert_no_error();
        c::ffi_tasks_waitset_destroy(ws);
        assert_no_error();

        c::ffi_tasks_waitset_destroy(ws);
        assert_error(ErrorKind::InvalidHandle, "");
        let mut tag = 7u64;
        assert_eq!(c::ffi_tasks_waitset_wait(ws, 0, &mut tag), -1);
        assert_error(ErrorKind::InvalidHandle, "");
        assert_eq!(tag, 7, "untouched");
        assert_eq!(c::ffi_tasks_waitset_wait_all(ws, 0), -1);
        assert_error(ErrorKind::InvalidHandle, "");
        assert_eq!(c::ffi_tasks_waitset_len(ws), -1);
        assert_error(ErrorKind::InvalidHandle, "");
        assert_eq!(c::ffi_tasks_waitset_fd(ws), -1);
        assert_error(ErrorKind::InvalidHandle, "");
        let h = idle_spawn(&Idle { first: 0 });
        assert_eq!(
            c::ffi_tasks_waitset_add(ws, h.cast::<c_void>(), None, 1),
            -1
        );
        assert_error(ErrorKind::InvalidHandle, "");
        idle_handle_destroy(h);
    }
}

/// Returns its number at once.
#[derive(Clone)]
#[repr(C)]
pub struct Quick {
    /// The value.
    pub value: u64,
}

impl ffi_tasks::Task for Quick {
    type Output = u64;

    fn run(&self, _tok: &CancellationToken) -> Result<u64, Error> {
        Ok(self.value)
    }
}

ffi_tasks::export_task! {
    Task: Quick;
    prefix: quick;
}

/// The opaque handle type C sees.
#[repr(C)]
pub struct QuickHandle {
    _private: [u8; 0],
}

extern "C" {
    fn quick_spawn(task: *const Quick) -> *mut QuickHandle;
    fn quick_status(h: *mut QuickHandle) -> c_int;
    fn quick_wait(h: *mut QuickHandle) -> *mut u64;
    fn quick_on_complete(
        h: *mut QuickHandle,
        callback: Option<unsafe extern "C" fn(*mut c_void)>,
        user_data: *mut c_void,
    ) -> c_int;
    fn quick_result_destroy(result: *mut u64);
}

static TAKEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A completion callback that takes the result with `wait`, which consumes
/// (frees) the handle it was registered on.
unsafe extern "C" fn take_with_wait(user_data: *mut c_void) {
    // SAFETY: `user_data` is the live handle, consumed once, here.
    unsafe {
        let result = quick_wait(user_data.cast::<QuickHandle>());
        assert!(!result.is_null());
        TAKEN.store(*result, std::sync::atomic::Ordering::SeqCst);
        quick_result_destroy(result);
    }
}

#[test]
fn a_completion_callback_run_at_once_may_consume_its_handle() {
    // SAFETY: a live handle, consumed once (by the callback's `wait`).
    unsafe {
        let h = quick_spawn(&Quick { value: 41 });
        assert!(!h.is_null());
        core_support::eventually("the task finishes", || {
            quick_status(h) != TaskStatus::Running as c_int
        });
        // Finished: the callback runs before `on_complete` returns, and
        // frees the handle under it.
        assert_eq!(quick_on_complete(h, Some(take_with_wait), h.cast()), 0);
        assert_no_error();
    }
    assert_eq!(TAKEN.load(std::sync::atomic::Ordering::SeqCst), 41);
}

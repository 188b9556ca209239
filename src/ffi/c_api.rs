//! `ffi_tasks_*`: the C functions that do not depend on a task type, always
//! exported by the crate (and by any staticlib or cdylib that links it).
//! Declared in `cpp/include/ffi_tasks/ffi_tasks.h`.

use std::{
    ffi::CStr,
    os::raw::{c_char, c_int},
    time::Duration,
};

use crate::{
    cancel::CancellationToken,
    error::{ErrorKind, InvalidArgument, NullPointer},
    ffi::{guard, guard_infallible, last_error::error_message_utf8},
    global::{configure_global_pool, global_pool},
    last_error,
    pool::{PoolConfig, PoolStats},
    status::TaskStatus,
};

/// Length in bytes of the calling thread's last error message, including the
/// trailing NUL; 0 when there is none.
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_last_error_length() -> c_int {
    guard_infallible(last_error::last_error_length)
}

/// Kind of the calling thread's last error (`FFI_TASKS_ERROR_*`); 0 when none.
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_last_error_kind() -> c_int {
    guard_infallible(|| last_error::last_error_kind() as c_int)
}

/// Copies the last error message, NUL-terminated, into `buf` (`length`
/// bytes). Returns the bytes written including the NUL, 0 when there is no
/// error, -1 when the buffer is too small, -2 for a null `buf` or negative
/// `length`. Never changes the last error.
///
/// # Safety
///
/// Unless it is null, `buf` must be valid for writes of `length` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_last_error_message(buf: *mut c_char, length: c_int) -> c_int {
    // SAFETY: forwarded from this function's contract.
    guard_infallible(|| unsafe { error_message_utf8(buf, length) })
}

/// Clears the calling thread's last error.
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_clear_last_error() {
    guard_infallible(last_error::clear_last_error)
}

/// Static name of an error kind (`"cancelled"`, ...), `"unknown"` for a value
/// that is not a kind. Never null; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_error_kind_name(kind: c_int) -> *const c_char {
    ErrorKind::from_c_int(kind)
        .map_or(c"unknown", ErrorKind::c_name)
        .as_ptr()
}

/// Static name of a task status (`"running"`, ...), `"unknown"` otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_status_name(status: c_int) -> *const c_char {
    TaskStatus::from_c_int(status)
        .map_or(c"unknown", TaskStatus::c_name)
        .as_ptr()
}

/// The crate version (`"0.1.0"`). Static; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("the version has no NUL"),
        };
    VERSION.as_ptr()
}

/// Whether this build detects invalid handle pointers (`handle-registry`).
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_handle_registry_enabled() -> c_int {
    c_int::from(crate::ffi::registry::ENABLED)
}

/// Makes the panics that the library catches (in tasks, callbacks, `Drop`s)
/// silent from now on, for the whole process; other panics still reach the
/// previous panic hook. Idempotent. See `ffi_tasks::panic::quiet_task_panics`.
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_quiet_task_panics() {
    guard(|| {
        crate::panic::quiet_task_panics();
        Ok(())
    })
}

// ===== cancellation tokens =====

/// A new, uncancelled token. Free it with `ffi_tasks_token_destroy`.
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_token_new() -> *mut CancellationToken {
    guard(|| Ok(Box::into_raw(Box::new(CancellationToken::new()))))
}

/// A child of `token`: cancelled when `token` is. Free it with
/// `ffi_tasks_token_destroy`. Null on error (null `token`).
///
/// # Safety
///
/// `token` is null or a live token from this API.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_token_child(
    token: *const CancellationToken,
) -> *mut CancellationToken {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let token = unsafe { token_ref(token) }?;
        Ok(Box::into_raw(Box::new(token.child_token())))
    })
}

/// Cancels `token` and all its children.
///
/// # Safety
///
/// `token` is null or a live token from this API.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_token_cancel(token: *const CancellationToken) {
    guard(|| {
        // SAFETY: forwarded from this function's contract. A clone: a
        // completion callback the cancel runs (on an executor that runs jobs
        // inline) may destroy `token`, or set LAST_ERROR (this call
        // succeeded).
        let token = unsafe { token_ref(token) }?.clone();
        token.cancel();
        crate::last_error::clear_last_error();
        Ok(())
    })
}

/// `1` if cancelled, `0` if not, `-1` on error.
///
/// # Safety
///
/// `token` is null or a live token from this API.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_token_cancelled(token: *const CancellationToken) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        Ok(c_int::from(unsafe { token_ref(token) }?.cancelled()))
    })
}

/// Blocks until `token` is cancelled (`1`) or `timeout_ms` passes (`0`);
/// `-1` on error.
///
/// # Safety
///
/// `token` is null or a live token from this API.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_token_wait_cancelled(
    token: *const CancellationToken,
    timeout_ms: u64,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let token = unsafe { token_ref(token) }?;
        Ok(c_int::from(
            token.wait_cancelled(Duration::from_millis(timeout_ms)),
        ))
    })
}

/// Frees a token (tasks spawned under it keep their own reference). Does not
/// cancel it. A null `token` is a `NullPointer` error.
///
/// # Safety
///
/// `token` is null or a live token from this API; it is dead afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_token_destroy(token: *mut CancellationToken) {
    guard(|| {
        if token.is_null() {
            return Err(NullPointer("token").into());
        }
        // SAFETY: from `Box::into_raw` in this module, freed once by contract.
        drop(unsafe { Box::from_raw(token) });
        Ok(())
    })
}

/// # Safety
///
/// `token` is null or a live token.
unsafe fn token_ref<'a>(token: *const CancellationToken) -> anyhow::Result<&'a CancellationToken> {
    if token.is_null() {
        return Err(NullPointer("token").into());
    }
    // SAFETY: non-null and live by the caller's contract.
    Ok(unsafe { &*token })
}

// ===== the global pool =====

/// Configures the global pool before the first spawn: at most `max_threads`
/// workers (>= 1), idle workers exit after `keep_alive_ms`. `0` on success,
/// `-1` on error (`InvalidArgument`: zero threads, or a task was already
/// spawned).
#[unsafe(no_mangle)]
pub extern "C" fn ffi_tasks_pool_configure(max_threads: u64, keep_alive_ms: u64) -> c_int {
    guard(|| {
        let config = PoolConfig {
            max_threads: usize::try_from(max_threads).unwrap_or(usize::MAX),
            keep_alive: Duration::from_millis(keep_alive_ms),
            ..PoolConfig::default()
        };
        configure_global_pool(config).map_err(|e| InvalidArgument(e.to_string()))?;
        Ok(0)
    })
}

/// Writes the global pool's counters to `*out`. `0` on success, `-1` on error
/// (null `out`, or a custom global executor is installed).
///
/// # Safety
///
/// `out` is null or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffi_tasks_pool_stats(out: *mut PoolStats) -> c_int {
    guard(|| {
        if out.is_null() {
            return Err(NullPointer("out").into());
        }
        let pool = global_pool()
            .ok_or_else(|| InvalidArgument("a custom global executor is installed".into()))?;
        // SAFETY: non-null and writable by the caller's contract.
        unsafe { out.write(pool.stats()) };
        Ok(0)
    })
}

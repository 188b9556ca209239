//! The C ABI. This module and its children hold every `extern "C"` function
//! written by hand and every raw-pointer dereference of the crate; the rest
//! is safe Rust. Two kinds of `extern "C"` function are defined elsewhere,
//! but only by macros of this module or by cxx: the expansions of
//! [`export_task!`](crate::export_task) and of
//! [`export_error_handling_functions!`](crate::export_error_handling_functions),
//! whose bodies call the shims here, and the glue that `#[cxx::bridge]`
//! generates from the declarations in `bridge.rs`.
//!
//! * [`guard`] wraps each exported call: it clears `LAST_ERROR`, catches any
//!   panic (a panicking `Task::clone`, an output's `Drop`, ...) and turns an
//!   error into `LAST_ERROR` plus the call's documented error value.
//! * `handle_api` holds the generic bodies of the functions that
//!   [`export_task!`](crate::export_task) generates, so the macro itself only
//!   names them; `export_task` is the macro.
//! * `job_api` exports the `ffi_tasks_job_*` functions that drive a C++
//!   job's handle (the `handle_api` shims, written out for cbindgen).
//! * `c_api` exports the `ffi_tasks_*` functions that do not depend on a task
//!   type (last error, names, version, tokens, the pool, quiet panics).
//! * `last_error` copies `LAST_ERROR`'s message into C buffers and holds
//!   `export_error_handling_functions!`.
//! * `rich` frees the slot of a `Box<T>` result that C++ took in place (for
//!   the bridge) and asserts the layouts C++ relies on for that.
//! * `layout` gives the layout of each C struct as constants of the
//!   generated header, asserted against the Rust types.
//! * `cxx_types` lets the cxx bridge use the C ABI's enum and structs.
//! * `registry` is the opt-in misuse guard (`handle-registry` feature).
//! * `waitset_api` exports the `ffi_tasks_waitset_*` functions (wait sets
//!   for event loops) and the `cancel_after` deadlines.
//! * `stream_api` holds the bodies of the functions `export_task!`
//!   generates for a stream task, and what it needs of such a task type.
//! * `shared_api` holds the shims a task's and a stream's handle share
//!   (`cancel`, `cancelled`, `status`, `progress`, `handle_destroy`, and the
//!   bodies of `spawn` and the callback registration).
//! * `exported` is what `export_task!` needs of a task type, blocking or
//!   async (its output and how to spawn it).

pub(crate) mod c_api;
mod cxx_types;
mod export_task;
pub(crate) mod exported;
pub(crate) mod handle_api;
pub(crate) mod job_api;
pub(crate) mod last_error;
mod layout;
pub(crate) mod registry;
pub(crate) mod rich;
pub(crate) mod shared_api;
pub(crate) mod stream_api;
pub(crate) mod waitset_api;

use std::{os::raw::c_int, ptr};

use anyhow::Error;

use crate::{
    error::ErrorKind,
    last_error::{clear_last_error, update_last_error, update_last_error_with_kind},
};

/// The value an exported function returns when it fails.
pub trait FfiReturn {
    /// Null for pointers, `-1` for `c_int`, nothing for `()`.
    fn error_value() -> Self;
}

impl<T> FfiReturn for *mut T {
    fn error_value() -> Self {
        ptr::null_mut()
    }
}

impl FfiReturn for c_int {
    fn error_value() -> Self {
        -1
    }
}

impl FfiReturn for i64 {
    fn error_value() -> Self {
        -1
    }
}

impl FfiReturn for () {
    fn error_value() -> Self {}
}

/// Runs the body of an exported function: clears `LAST_ERROR`, runs `body`
/// catching panics, and on failure stores the error in `LAST_ERROR` and
/// returns [`FfiReturn::error_value`].
#[inline]
pub fn guard<R: FfiReturn>(body: impl FnOnce() -> Result<R, Error>) -> R {
    clear_last_error();
    match crate::unwind::catch(body) {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => {
            store_error(error);
            R::error_value()
        }
        Err(panic) => {
            store_error(panic.into());
            R::error_value()
        }
    }
}

fn store_error(error: Error) {
    store_error_as(None, error);
}

/// Stores `error` in `LAST_ERROR` with `kind` (or the kind its cause chain
/// gives). It never unwinds: a panic in the error's `Display` is stored
/// instead, one in its `Drop` contained (see
/// [`update_last_error`](crate::error_handling::update_last_error)).
fn store_error_as(kind: Option<ErrorKind>, error: Error) {
    match kind {
        Some(kind) => update_last_error_with_kind(kind, error),
        None => update_last_error(error),
    }
}

/// For the accessors of `LAST_ERROR` itself, which must not clear it: catches
/// panics and returns `R::default()` instead.
#[inline]
pub fn guard_infallible<R: Default>(body: impl FnOnce() -> R) -> R {
    crate::unwind::catch(body).unwrap_or_default()
}

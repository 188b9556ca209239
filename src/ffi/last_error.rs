//! `LAST_ERROR` as C reads it: the copies of its message into caller-owned
//! buffers (the raw-pointer half of [`error_handling`](crate::error_handling),
//! which re-exports them), and
//! [`export_error_handling_functions!`](crate::export_error_handling_functions),
//! which exports them under the seed's C names from a downstream crate.

use std::{
    os::raw::{c_char, c_int},
    slice,
};

use crate::last_error::{clamp, error_message, with_last_message};

/// Returned by the buffer-copying functions when the buffer is too small.
pub const BUFFER_TOO_SMALL: c_int = -1;
/// Returned by the buffer-copying functions for a null buffer or a negative
/// length. `LAST_ERROR` is left as it was, so the real error is not lost.
pub const INVALID_BUFFER: c_int = -2;

/// Peek at the most recent error and write its message into `buf` as a
/// NUL-terminated UTF-8 string.
///
/// Returns the number of bytes written including the NUL, `0` when there is
/// no error (an empty string is written if `length >= 1`),
/// [`BUFFER_TOO_SMALL`] (`-1`) when `length` is less than
/// [`last_error_length`](crate::error_handling::last_error_length), or [`INVALID_BUFFER`] (`-2`) for a null `buf` or a
/// negative `length`. It never changes `LAST_ERROR`.
///
/// # Safety
///
/// Unless it is null, `buf` must be valid for writes of `length` bytes.
pub unsafe fn error_message_utf8(buf: *mut c_char, length: c_int) -> c_int {
    if buf.is_null() || length < 0 {
        return INVALID_BUFFER;
    }
    // SAFETY: `buf` is non-null and the caller promises `length` writable
    // bytes; `c_char` and `u8` have the same size and alignment.
    let buffer = unsafe { slice::from_raw_parts_mut(buf.cast::<u8>(), length as usize) };
    with_last_message(|m| copy_nul_terminated(buffer, m.map(str::as_bytes)))
}

/// Like [`error_message_utf8`], as UTF-16. Returns the number of *bytes*
/// written including the NUL (as the seed did), `0`, `-1` or `-2`.
///
/// # Safety
///
/// Unless it is null, `buf` must be valid for writes of `length` `u16`s.
pub unsafe fn error_message_utf16(buf: *mut u16, length: c_int) -> c_int {
    if buf.is_null() || length < 0 {
        return INVALID_BUFFER;
    }
    // SAFETY: `buf` is non-null and the caller promises `length` writable
    // `u16`s.
    let buffer = unsafe { slice::from_raw_parts_mut(buf, length as usize) };
    let units: Option<Vec<u16>> = error_message().map(|m| m.encode_utf16().collect());
    match copy_nul_terminated(buffer, units.as_deref()) {
        n if n > 0 => n.saturating_mul(2),
        n => n,
    }
}

fn copy_nul_terminated<B: Copy + Default>(buffer: &mut [B], message: Option<&[B]>) -> c_int {
    let Some(message) = message else {
        if let Some(first) = buffer.first_mut() {
            *first = B::default();
        }
        return 0;
    };
    if message.len() + 1 > buffer.len() {
        return BUFFER_TOO_SMALL;
    }
    buffer[..message.len()].copy_from_slice(message);
    buffer[message.len()] = B::default();
    clamp(message.len() + 1)
}

/// Exports the error-handling functions under the seed's C names from the
/// crate that invokes it (`clear_last_error`, `last_error_length`,
/// `last_error_length_utf16`, `last_error_kind`, `error_message_utf8`,
/// `error_message_utf16`). The same functions are always available as
/// `ffi_tasks_*` symbols; use this when your C callers expect the seed's names.
///
/// ```rust
/// ffi_tasks::export_error_handling_functions!();
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! export_error_handling_functions {
    () => {
        #[doc(hidden)]
        #[allow(missing_docs, unreachable_pub)]
        pub mod __ffi_tasks_errors {
            /// Clears the calling thread's last error.
            #[unsafe(no_mangle)]
            pub extern "C" fn clear_last_error() {
                $crate::__private::ffi::guard_infallible(|| {
                    $crate::error_handling::clear_last_error()
                })
            }

            /// Length in bytes (with the NUL) of the last error message, 0 if none.
            #[unsafe(no_mangle)]
            pub extern "C" fn last_error_length() -> $crate::__private::c_int {
                $crate::__private::ffi::guard_infallible($crate::error_handling::last_error_length)
            }

            /// Length in UTF-16 units (with the NUL) of the last error message.
            #[unsafe(no_mangle)]
            pub extern "C" fn last_error_length_utf16() -> $crate::__private::c_int {
                $crate::__private::ffi::guard_infallible(
                    $crate::error_handling::last_error_length_utf16,
                )
            }

            /// Kind of the last error (0 = none).
            #[unsafe(no_mangle)]
            pub extern "C" fn last_error_kind() -> $crate::__private::c_int {
                $crate::__private::ffi::guard_infallible(|| {
                    $crate::error_handling::last_error_kind() as $crate::__private::c_int
                })
            }

            /// Copies the last error message into `buf`.
            ///
            /// # Safety
            ///
            /// Unless null, `buf` must be valid for writes of `length` bytes.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn error_message_utf8(
                buf: *mut $crate::__private::c_char,
                length: $crate::__private::c_int,
            ) -> $crate::__private::c_int {
                // SAFETY: forwarded from this function's contract.
                $crate::__private::ffi::guard_infallible(|| unsafe {
                    $crate::__private::ffi::error_message_utf8(buf, length)
                })
            }

            /// Copies the last error message into `buf` as UTF-16.
            ///
            /// # Safety
            ///
            /// Unless null, `buf` must be valid for writes of `length` `u16`s.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn error_message_utf16(
                buf: *mut u16,
                length: $crate::__private::c_int,
            ) -> $crate::__private::c_int {
                // SAFETY: forwarded from this function's contract.
                $crate::__private::ffi::guard_infallible(|| unsafe {
                    $crate::__private::ffi::error_message_utf16(buf, length)
                })
            }
        }
    };
}

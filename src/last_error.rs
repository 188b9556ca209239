//! The thread-local `LAST_ERROR` itself: storing, clearing, taking and
//! reading it, all safe code. The public paths are those of
//! [`error_handling`](crate::error_handling), which re-exports this module
//! together with the C buffer copies of `ffi::last_error`.

use std::{cell::RefCell, os::raw::c_int};

use anyhow::Error;

use crate::{
    error::{ErrorKind, RecordedError},
    unwind::{catch, drop_contained},
};

/// What `LAST_ERROR` keeps: text only. The error itself (a user value whose
/// `Drop` or `Display` may panic) is formatted and dropped when it is stored,
/// with any panic contained, so clearing `LAST_ERROR` on entry to a C call or
/// destroying it when the thread exits never runs user code.
struct LastError {
    kind: ErrorKind,
    /// `{:#}` of the error, as C reads it.
    message: String,
    /// The text of each link of the cause chain, outermost first (for
    /// [`take_last_error`]).
    chain: Vec<String>,
}

impl LastError {
    /// Runs user code (`Display`, `source`): call it under [`catch`].
    fn of(kind: Option<ErrorKind>, error: &Error) -> LastError {
        LastError {
            kind: kind.unwrap_or_else(|| ErrorKind::of(error)),
            // C reads the message up to the first NUL, so an interior NUL would
            // make it disagree with `last_error_length`.
            message: format!("{error:#}").replace('\0', "\\0"),
            chain: error.chain().map(|cause| cause.to_string()).collect(),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// Clear the `LAST_ERROR`.
#[inline]
pub fn clear_last_error() {
    // Every C call starts here and almost always finds no error: only read.
    let _ = LAST_ERROR.try_with(|prev| {
        if prev.borrow().is_none() {
            None
        } else {
            prev.borrow_mut().take()
        }
    });
}

/// Take the most recent error, clearing `LAST_ERROR` in the process.
///
/// `LAST_ERROR` keeps an error as text, so this is not the value that was
/// stored but its record: the same message and chain of messages (`{:#}`
/// gives `"outer: inner: root"`), and [`ErrorKind::of`] gives the kind it
/// was reported with. Downcasting it to the original type does not work.
pub fn take_last_error() -> Option<Error> {
    let last = LAST_ERROR
        .try_with(|prev| prev.borrow_mut().take())
        .ok()
        .flatten()?;
    RecordedError::new(last.kind, last.chain).map(Error::new)
}

/// Update the `thread_local` error, taking ownership of the `Error`. Its kind
/// is read from its cause chain ([`ErrorKind::of`]).
///
/// Never panics: the error is formatted and then dropped here, and a panic
/// in its `Display` is stored instead (kind `Panicked`, "formatting an error
/// panicked: ..."), one in its `Drop` is contained and discarded.
pub fn update_last_error<E: Into<Error>>(err: E) {
    record(None, err.into());
}

/// Stores `error` with an explicit kind (used for a task's own error, whose
/// kind follows how the task ended, not what its cause chain contains).
pub(crate) fn update_last_error_with_kind(kind: ErrorKind, error: Error) {
    record(Some(kind), error);
}

fn record(kind: Option<ErrorKind>, error: Error) {
    let last = catch(|| LastError::of(kind, &error));
    let _ = drop_contained(error);
    let last = last.unwrap_or_else(|panic| {
        // Only the library's own types from here on: no user code.
        LastError::of(
            None,
            &Error::new(panic).context("formatting an error panicked"),
        )
    });
    // The old record is dropped outside the borrow.
    let old = LAST_ERROR.try_with(|prev| prev.borrow_mut().replace(last));
    drop(old);
}

/// Get the length of the last error message in bytes when encoded as UTF-8,
/// including the trailing null; 0 when there is no error.
pub fn last_error_length() -> c_int {
    with_last(|e| e.map_or(0, |e| clamp(e.message.len() + 1)))
}

/// Get the length of the last error message in UTF-16 code units, including
/// the trailing null; 0 when there is no error.
pub fn last_error_length_utf16() -> c_int {
    with_last(|e| e.map_or(0, |e| clamp(e.message.encode_utf16().count() + 1)))
}

/// The kind of the last error ([`ErrorKind::None`] when there is none).
pub fn last_error_kind() -> ErrorKind {
    with_last(|e| e.map_or(ErrorKind::None, |e| e.kind))
}

/// Peek at the most recent error and get its message (with its cause chain).
pub fn error_message() -> Option<String> {
    with_last(|e| e.map(|e| e.message.clone()))
}

/// Runs `f` on the last error message (`None` when there is none), without
/// copying it.
pub(crate) fn with_last_message<R>(f: impl FnOnce(Option<&str>) -> R) -> R {
    with_last(|e| f(e.map(|e| e.message.as_str())))
}

fn with_last<R>(f: impl FnOnce(Option<&LastError>) -> R) -> R {
    let mut f = Some(f);
    let result =
        LAST_ERROR.try_with(|prev| (f.take().expect("called once"))(prev.borrow().as_ref()));
    match result {
        Ok(r) => r,
        // The thread-local is gone (thread exit): there is no error to read.
        Err(_) => (f.take().expect("not called yet"))(None),
    }
}

pub(crate) fn clamp(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

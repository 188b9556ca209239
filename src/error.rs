//! Typed error kinds.
//!
//! Errors travel as [`anyhow::Error`] (the seed's choice, so a task's cause
//! chain survives), and their *kind* is recovered by looking for one of the
//! marker types below anywhere in that chain. A task that wraps [`Cancelled`]
//! in context (`Err(Cancelled).context("while hashing")`) is still reported as
//! [`ErrorKind::Cancelled`].

use std::{any::Any, fmt, os::raw::c_int};

use thiserror::Error;

pub use crate::cancel::Cancelled;

/// What kind of failure an error is. The discriminants are part of the C ABI
/// (`ffi_tasks_last_error_kind`) and never change.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// No error.
    None = 0,
    /// The task returned an error of its own.
    Failed = 1,
    /// The task stopped because it was cancelled (it returned [`Cancelled`]).
    Cancelled = 2,
    /// The task, or a user hook such as `Clone` or `Drop`, panicked.
    Panicked = 3,
    /// A required pointer argument was null.
    NullPointer = 4,
    /// The task's result was already taken by an earlier `poll` or `wait`.
    AlreadyTaken = 5,
    /// An argument was out of range or the call was not allowed in this state.
    InvalidArgument = 6,
    /// A wait with a timeout returned before the task finished.
    TimedOut = 7,
    /// The task could not be started (no worker thread could be created, or
    /// the executor refused or dropped it).
    SpawnFailed = 8,
    /// A handle pointer that was destroyed, consumed or never returned by
    /// this task's `spawn` (only detected with the `handle-registry`
    /// feature).
    InvalidHandle = 9,
}

impl ErrorKind {
    /// Every kind, in discriminant order.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::None,
        ErrorKind::Failed,
        ErrorKind::Cancelled,
        ErrorKind::Panicked,
        ErrorKind::NullPointer,
        ErrorKind::AlreadyTaken,
        ErrorKind::InvalidArgument,
        ErrorKind::TimedOut,
        ErrorKind::SpawnFailed,
        ErrorKind::InvalidHandle,
    ];

    /// The kind of `error`: the first marker type found in its cause chain,
    /// or [`ErrorKind::Failed`] when there is none.
    pub fn of(error: &anyhow::Error) -> ErrorKind {
        for cause in error.chain() {
            if let Some(recorded) = cause.downcast_ref::<RecordedError>() {
                return recorded.kind;
            } else if cause.is::<Panic>() {
                return ErrorKind::Panicked;
            } else if cause.is::<Cancelled>() {
                return ErrorKind::Cancelled;
            } else if cause.is::<NullPointer>() {
                return ErrorKind::NullPointer;
            } else if cause.is::<AlreadyTaken>() {
                return ErrorKind::AlreadyTaken;
            } else if cause.is::<InvalidArgument>() {
                return ErrorKind::InvalidArgument;
            } else if cause.is::<TimedOut>() {
                return ErrorKind::TimedOut;
            } else if cause.is::<SpawnFailed>() {
                return ErrorKind::SpawnFailed;
            } else if cause.is::<InvalidHandle>() {
                return ErrorKind::InvalidHandle;
            }
        }
        ErrorKind::Failed
    }

    /// The kind with discriminant `value`, if there is one.
    pub fn from_c_int(value: c_int) -> Option<ErrorKind> {
        usize::try_from(value)
            .ok()
            .and_then(|i| ErrorKind::ALL.get(i).copied())
    }

    /// A stable, lower-case name (`"cancelled"`, `"null_pointer"`, ...):
    /// [`c_name`](Self::c_name) without its NUL.
    pub const fn name(self) -> &'static str {
        match self.c_name().to_str() {
            Ok(name) => name,
            Err(_) => panic!("the names are ASCII"),
        }
    }

    /// The name as a NUL-terminated C string with static lifetime (what
    /// `ffi_tasks_error_kind_name` returns): the one table of names.
    pub const fn c_name(self) -> &'static std::ffi::CStr {
        match self {
            ErrorKind::None => c"none",
            ErrorKind::Failed => c"failed",
            ErrorKind::Cancelled => c"cancelled",
            ErrorKind::Panicked => c"panicked",
            ErrorKind::NullPointer => c"null_pointer",
            ErrorKind::AlreadyTaken => c"already_taken",
            ErrorKind::InvalidArgument => c"invalid_argument",
            ErrorKind::TimedOut => c"timed_out",
            ErrorKind::SpawnFailed => c"spawn_failed",
            ErrorKind::InvalidHandle => c"invalid_handle",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A panic caught at a boundary (a task's `run`, a user hook, a callback),
/// carrying the panic message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("panicked: {message}")]
pub struct Panic {
    /// The panic payload as text (`"Box<dyn Any>"` when it was not a string).
    pub message: String,
}

impl Panic {
    /// Builds a `Panic` from the payload `catch_unwind` returned.
    pub fn from_payload(payload: Box<dyn Any + Send + 'static>) -> Panic {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_owned()
        };
        // Dropping the payload can panic in turn; never let that escape (the
        // payload of that second panic is leaked rather than dropped).
        if let Err(again) =
            crate::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(payload)))
        {
            std::mem::forget(again);
        }
        Panic { message }
    }
}

/// A required pointer argument was null.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("null pointer passed as `{0}`")]
pub struct NullPointer(pub &'static str);

/// The task's result was already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("result already taken: an earlier poll or wait returned it")]
pub struct AlreadyTaken;

/// An argument was out of range, or the call is not allowed in this state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid argument: {0}")]
pub struct InvalidArgument(pub String);

/// A wait with a timeout returned before the task finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("timed out: the task is still running")]
pub struct TimedOut;

/// The task could not be started.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("spawn failed: {0}")]
pub struct SpawnFailed(pub String);

/// A handle pointer that is not live (destroyed, consumed by `wait`, or never
/// returned by `spawn`). Only detected with the `handle-registry` feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error(
    "invalid handle {0:#x}: it was destroyed, consumed by wait, or never returned by this task's spawn"
)]
pub struct InvalidHandle(pub usize);

/// An error as `LAST_ERROR` recorded it: the kind it was reported with and
/// the text of each link of its cause chain. `LAST_ERROR` keeps only this
/// (the original error, a user value whose `Drop` may panic, is dropped when
/// it is stored), and [`take_last_error`](crate::error_handling::take_last_error)
/// hands it back: same `{:#}` message, same chain of messages, and
/// [`ErrorKind::of`] gives the recorded kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedError {
    kind: ErrorKind,
    message: String,
    source: Option<Box<RecordedError>>,
}

impl RecordedError {
    /// `chain` is outermost first; `None` when it is empty.
    pub(crate) fn new(kind: ErrorKind, chain: Vec<String>) -> Option<RecordedError> {
        chain.into_iter().rev().fold(None, |source, message| {
            Some(RecordedError {
                kind,
                message,
                source: source.map(Box::new),
            })
        })
    }
}

impl fmt::Display for RecordedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RecordedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as _)
    }
}

//! [`TaskStatus`]: where a task is in its life, as the status query reports
//! it, and [`classify`]: the one mapping from a task's outcome to its status
//! and error kind, used by the handle (Rust API), the C ABI and the bridge.

use std::{ffi::CStr, fmt, os::raw::c_int};

use crate::{error::ErrorKind, unwind::catch};

/// The state of a task as seen through its handle. The discriminants are part
/// of the C ABI (the `status` function of [`export_task!`](crate::export_task))
/// and never change.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Queued or running.
    Running = 0,
    /// Finished with a value that has not been taken yet.
    Completed = 1,
    /// Finished with an error that has not been taken yet.
    Failed = 2,
    /// Finished by returning [`Cancelled`](crate::task::Cancelled); not taken yet.
    Cancelled = 3,
    /// The task panicked; the panic has not been taken yet.
    Panicked = 4,
    /// A `poll`/`wait` already took the outcome.
    Taken = 5,
}

impl TaskStatus {
    /// Every status, in discriminant order.
    pub const ALL: [TaskStatus; 6] = [
        TaskStatus::Running,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
        TaskStatus::Panicked,
        TaskStatus::Taken,
    ];

    pub(crate) fn from_u8(value: u8) -> TaskStatus {
        TaskStatus::ALL
            .get(usize::from(value))
            .copied()
            .unwrap_or(TaskStatus::Taken)
    }

    /// The status with discriminant `value`, if there is one.
    pub fn from_c_int(value: c_int) -> Option<TaskStatus> {
        usize::try_from(value)
            .ok()
            .and_then(|i| TaskStatus::ALL.get(i).copied())
    }

    /// Whether the task has finished (in any way).
    pub fn is_finished(self) -> bool {
        self != TaskStatus::Running
    }

    /// A stable, lower-case name (`"running"`, `"completed"`, ...):
    /// [`c_name`](Self::c_name) without its NUL.
    pub const fn name(self) -> &'static str {
        match self.c_name().to_str() {
            Ok(name) => name,
            Err(_) => panic!("the names are ASCII"),
        }
    }

    /// The name as a NUL-terminated C string with static lifetime (what
    /// `ffi_tasks_status_name` returns): the one table of names.
    pub const fn c_name(self) -> &'static CStr {
        match self {
            TaskStatus::Running => c"running",
            TaskStatus::Completed => c"completed",
            TaskStatus::Failed => c"failed",
            TaskStatus::Cancelled => c"cancelled",
            TaskStatus::Panicked => c"panicked",
            TaskStatus::Taken => c"taken",
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a task's outcome is reported: the status its handle shows and the
/// error kind the C ABI (and through it the C++ layer) gives.
///
/// * a value: [`TaskStatus::Completed`], [`ErrorKind::None`];
/// * an error with [`Cancelled`](crate::task::Cancelled) in its cause chain:
///   `Cancelled`, `Cancelled`;
/// * a caught panic ([`Panic`](crate::error::Panic) in the chain): `Panicked`,
///   `Panicked`;
/// * [`SpawnFailed`](crate::error::SpawnFailed) in the chain, which is how a
///   task that never ran ends (its executor dropped the job, or the pool shut
///   down with it still queued): `Failed`, `SpawnFailed`;
/// * any other error: `Failed`, `Failed`, even when the chain holds one of the
///   kinds that only describe a call (`TimedOut`, `AlreadyTaken`,
///   `NullPointer`, ...): a task's own error says how the task ended.
///
/// The order is [`ErrorKind::of`]'s: the first of these marker types found
/// from the outermost error inwards decides. Walking the chain runs user code
/// (`source`); if that panics, the outcome counts as `Panicked`, so this
/// never unwinds (the caller still owns the outcome, whose `Drop` must not
/// run during an unwind, and a handle must always be completed).
pub(crate) fn classify<T>(outcome: &Result<T, anyhow::Error>) -> (TaskStatus, ErrorKind) {
    match outcome {
        Ok(_) => (TaskStatus::Completed, ErrorKind::None),
        Err(error) => match catch(|| ErrorKind::of(error)).unwrap_or(ErrorKind::Panicked) {
            ErrorKind::Cancelled => (TaskStatus::Cancelled, ErrorKind::Cancelled),
            ErrorKind::Panicked => (TaskStatus::Panicked, ErrorKind::Panicked),
            ErrorKind::SpawnFailed => (TaskStatus::Failed, ErrorKind::SpawnFailed),
            _ => (TaskStatus::Failed, ErrorKind::Failed),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{AlreadyTaken, Panic, SpawnFailed, TimedOut};
    use crate::task::Cancelled;
    use anyhow::{anyhow, Error};

    #[test]
    fn all_lists_each_status_at_its_discriminant() {
        for (i, status) in TaskStatus::ALL.into_iter().enumerate() {
            assert_eq!(status as usize, i);
            assert_eq!(TaskStatus::from_c_int(i as c_int), Some(status));
            assert_eq!(status.c_name().to_str(), Ok(status.name()));
        }
        assert_eq!(TaskStatus::from_c_int(6), None);
        assert_eq!(TaskStatus::from_c_int(-1), None);
    }

    #[test]
    fn every_outcome_maps_to_one_status_and_kind() {
        let cases: Vec<(Result<u8, Error>, TaskStatus, ErrorKind)> = vec![
            (Ok(1), TaskStatus::Completed, ErrorKind::None),
            (Err(anyhow!("x")), TaskStatus::Failed, ErrorKind::Failed),
            (
                Err(Error::new(Cancelled).context("c")),
                TaskStatus::Cancelled,
                ErrorKind::Cancelled,
            ),
            (
                Err(Error::new(Panic {
                    message: "p".into(),
                })),
                TaskStatus::Panicked,
                ErrorKind::Panicked,
            ),
            (
                Err(Error::new(SpawnFailed("s".into()))),
                TaskStatus::Failed,
                ErrorKind::SpawnFailed,
            ),
            (
                Err(Error::new(TimedOut).context("t")),
                TaskStatus::Failed,
                ErrorKind::Failed,
            ),
            (
                Err(Error::new(AlreadyTaken)),
                TaskStatus::Failed,
                ErrorKind::Failed,
            ),
        ];
        for (outcome, status, kind) in cases {
            assert_eq!(classify(&outcome), (status, kind), "{outcome:?}");
        }
    }
}

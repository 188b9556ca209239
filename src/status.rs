//! [`TaskStatus`]: where a task is in its life, as the status query reports it.

use std::fmt;

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
    pub(crate) fn from_u8(value: u8) -> TaskStatus {
        match value {
            0 => TaskStatus::Running,
            1 => TaskStatus::Completed,
            2 => TaskStatus::Failed,
            3 => TaskStatus::Cancelled,
            4 => TaskStatus::Panicked,
            _ => TaskStatus::Taken,
        }
    }

    /// Whether the task has finished (in any way).
    pub fn is_finished(self) -> bool {
        self != TaskStatus::Running
    }

    /// A stable, lower-case name (`"running"`, `"completed"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            TaskStatus::Running => "running",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Panicked => "panicked",
            TaskStatus::Taken => "taken",
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

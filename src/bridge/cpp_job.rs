//! C++ jobs on the Rust pool.
//!
//! `ffi_tasks::spawn(callable)` (cpp/include/ffi_tasks/spawn.hpp) packages
//! the callable as a [`CppJob`] (a C++ object behind a `UniquePtr`) and hands
//! it to [`spawn_job`]. Here it becomes an ordinary [`Task`] ([`CppTask`])
//! spawned through the normal [`TaskHandle`] machinery, so cancellation,
//! progress, completion callbacks, statistics and every C ABI rule behave
//! exactly as for a Rust task: the handle is a `TaskHandle<()>` and C++
//! drives it with the `ffi_tasks_job_*` functions (`ffi/job_api.rs`), the
//! same shims `export_task!` generates for any task.
//!
//! The job's value (a `T` of C++'s choosing) and a thrown exception (as a
//! `std::exception_ptr`, so it can be rethrown as itself) stay on the C++ side
//! in state shared by the job and its C++ handle; Rust only learns how the job
//! ended and, on failure, a description `"C++ exception <type>: <what>"` that
//! becomes the task's error.

use crate::loom::{
    lock,
    sync::{Arc, Mutex},
};

use anyhow::{anyhow, Error};
use cxx::UniquePtr;

use super::{
    error::{fallible, BridgeError},
    ffi::CppJob,
};
use crate::{
    cancel::{CancellationToken, Cancelled},
    error::NullPointer,
    ffi::registry,
    global::global_executor,
    status::TaskStatus,
    task::{Task, TaskHandle},
};

// SAFETY: a `CppJob` is only ever used by one thread at a time: C++ builds it,
// gives up its `UniquePtr` to `spawn_job`, and from then on Rust moves it to a
// worker that calls `run` once and destroys it. `ffi_tasks::spawn` documents
// (and `spawn.hpp` states next to the callable's requirements) that the
// callable and its result type must be safe to use and destroy on another
// thread, as for `std::thread`. `Sync` is not claimed: `run` needs `&mut`.
unsafe impl Send for CppJob {}

pub(super) use crate::ffi::job_api::JobHandle;

/// A C++ job as a [`Task`]: cloning shares the one job, which runs once.
#[derive(Clone)]
pub(crate) struct CppTask {
    job: Arc<Mutex<Option<UniquePtr<CppJob>>>>,
}

/// What `CppJob::run` returns (the `TaskStatus` numbering).
const COMPLETED: u8 = TaskStatus::Completed as u8;
const CANCELLED: u8 = TaskStatus::Cancelled as u8;

impl Task for CppTask {
    type Output = ();

    fn run(&self, token: &CancellationToken) -> Result<(), Error> {
        let taken = lock(&self.job).take();
        let Some(mut job) = taken else {
            return Err(anyhow!("internal error: a C++ job was run twice"));
        };
        let mut message = String::new();
        let code = match job.as_mut() {
            Some(job) => job.run(token, &mut message),
            None => return Err(NullPointer("job").into()),
        };
        // Destroy the callable here, on the worker, before the handle learns
        // the job is done: whatever it captured is released by then.
        drop(job);
        match code {
            COMPLETED => Ok(()),
            CANCELLED if message.is_empty() => Err(Cancelled.into()),
            CANCELLED => Err(Error::new(Cancelled).context(message)),
            _ => Err(anyhow!(message)),
        }
    }
}

fn task_of(job: UniquePtr<CppJob>) -> Result<CppTask, Error> {
    if job.is_null() {
        return Err(NullPointer("job").into());
    }
    Ok(CppTask {
        job: Arc::new(Mutex::new(Some(job))),
    })
}

pub(super) fn spawn_job(job: UniquePtr<CppJob>) -> Result<*mut JobHandle, BridgeError> {
    fallible(|| TaskHandle::try_spawn(task_of(job)?).map(into_raw))
}

pub(super) fn spawn_job_with_token(
    job: UniquePtr<CppJob>,
    token: &CancellationToken,
) -> Result<*mut JobHandle, BridgeError> {
    fallible(|| {
        TaskHandle::spawn_with(task_of(job)?, token.child_token(), global_executor()).map(into_raw)
    })
}

/// The handle as the C functions expect it: boxed, and recorded by the
/// `handle-registry` feature like the handles `export_task!`'s `spawn` returns.
fn into_raw(handle: JobHandle) -> *mut JobHandle {
    let raw = Box::into_raw(Box::new(handle));
    registry::insert::<JobHandle>(raw as usize);
    raw
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{error::ErrorKind, error_handling::last_error_kind};

    // Reaches `extern "C++"` items (the `UniquePtr<CppJob>` drop glue), so it
    // also checks that build.rs linked the bridge's C++ half into plain cargo
    // builds. The C++ side of real jobs is tested by GoogleTest.
    #[test]
    #[cfg_attr(miri, ignore = "calls into C++ (the UniquePtr drop glue)")]
    fn a_null_job_is_a_null_pointer_error() {
        let err = spawn_job(UniquePtr::null()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "null_pointer: null pointer passed as `job`"
        );
        let token = CancellationToken::new();
        let err = spawn_job_with_token(UniquePtr::null(), &token).unwrap_err();
        assert_eq!(
            err.to_string(),
            "null_pointer: null pointer passed as `job`"
        );
        // The error came back once, not through LAST_ERROR.
        assert_eq!(last_error_kind(), ErrorKind::None);
    }
}

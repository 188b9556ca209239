//! Long-running, cancellable Rust tasks for C and C++ callers.
//!
//! `ffi_tasks` keeps the *Task API* of `ffi_helpers::task` (see [`task`]) and
//! fixes what it left rough:
//!
//! * tasks run on a reusing, growing [thread pool](pool) (or your own
//!   [`Executor`](executor::Executor)) instead of a thread each;
//! * every C function clears `LAST_ERROR` on entry, never lets a panic cross
//!   into C, reports a typed [`ErrorKind`](error::ErrorKind), and treats null
//!   pointers and taken results as errors, not undefined behaviour;
//! * handles add `wait_timeout`, a status query, completion callbacks and
//!   progress; tokens add blocking waits and child tokens;
//! * [wait sets](waitset) wait for many tasks at once, from a thread or an
//!   event loop's file descriptor, and `cancel_after` gives tokens and
//!   handles deadlines;
//! * a cxx bridge (`src/bridge.rs`) lets C++ share tokens, read pool statistics and
//!   run its own jobs on the same pool.
//!
//! # Safety
//!
//! All `unsafe` code lives in `src/ffi/`: the C ABI (`c_api`), the shims
//! behind [`export_task!`] (`handle_api`), the copies of error messages into C
//! buffers (`last_error`) and the release of a result C++ took in place
//! (`rich`). Outside it there are only the `extern "C"` functions that
//! [`export_task!`] and [`export_error_handling_functions!`] expand to (their
//! bodies call those shims), the cxx bridge's declarations and generated glue
//! (`src/bridge.rs`), one `unsafe impl Send` for a C++ job
//! (`src/bridge/cpp_job.rs`) and the `pthread_atfork` handler with the
//! child's pool (`src/fork.rs`), and the system calls on the wait set's
//! descriptor (`src/wake_fd.rs`). Each `unsafe` block has a `// SAFETY:`
//! comment, and each exported function documents its pointer preconditions in a
//! `# Safety` section; the C ABI contract in the README sums them up.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]

mod cancel;
mod completion;
mod deadline;
mod ffi;
mod fork;
mod last_error;
mod loom;
mod spin;
mod status;

pub mod async_task;
mod bridge;
pub mod error;
pub mod error_handling;
pub mod executor;
#[cfg(feature = "fault-injection")]
pub mod fault;
pub mod global;
pub mod panic;
pub mod pool;
pub mod stream;
pub mod task;
mod unwind;
pub mod waitset;
mod wake_fd;

pub use crate::task::Task;

/// The C ABI's opaque types and constants, for use from Rust tests and
/// benchmarks that drive the exported functions as a C caller would.
pub mod c {
    pub use crate::ffi::c_api::*;
    pub use crate::ffi::job_api::*;
    pub use crate::ffi::waitset_api::*;
    pub use crate::ffi::{handle_api::CompletionCallback, FfiReturn};
    pub use crate::{pool::PoolStats, task::Progress};
}

#[doc(hidden)]
pub mod __private {
    //! Not public API: what `export_task!` and
    //! `export_error_handling_functions!` expansions refer to.
    pub use std::{
        ffi::c_void,
        os::raw::{c_char, c_int},
    };

    pub use crate::ffi::exported::Exported;

    /// What `Exported::spawn` returns.
    pub type SpawnResult<T> = Result<crate::task::TaskHandle<T>, anyhow::Error>;

    /// The handle type of task `T`.
    pub type Handle<T> = crate::task::TaskHandle<<T as Exported>::Output>;
    /// The output type of task `T`.
    pub type Output<T> = <T as Exported>::Output;

    /// What `Exported::spawn` does for an async task (`AsyncTask:` form).
    pub fn spawn_async<K>(
        task: &K,
        parent: Option<&crate::task::CancellationToken>,
    ) -> SpawnResult<K::Output>
    where
        K: crate::async_task::AsyncTask + 'static,
        K::Output: 'static,
    {
        crate::async_task::spawn_exported(task, parent)
    }

    pub use crate::ffi::stream_api::{spawn_async as spawn_async_stream, ExportedStream};
    pub use anyhow;

    /// The handle type of stream task `T`.
    pub type StreamHandle<T> = crate::stream::StreamHandle<<T as ExportedStream>::Item>;
    /// The item type of stream task `T`.
    pub type Item<T> = <T as ExportedStream>::Item;

    pub mod ffi {
        /// The shims of the stream keys.
        pub mod stream {
            pub use crate::ffi::{
                shared_api::{cancel, cancelled, handle_destroy, progress, status},
                stream_api::{item_destroy, next, next_timeout, on_ready, spawn, spawn_with_token},
            };
        }
        pub use crate::ffi::{
            guard, guard_infallible,
            handle_api::{
                on_complete, poll, result_destroy, spawn, spawn_with_token, wait, wait_timeout,
                CompletionCallback,
            },
            last_error::{error_message_utf16, error_message_utf8},
            shared_api::{cancel, cancelled, handle_destroy, progress, status},
        };
    }
}

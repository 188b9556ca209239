//! The cxx bridge: what C++ gets beyond the plain C functions.
//!
//! Generated on the C++ side by `corrosion_add_cxxbridge` (CMake), or by
//! `build.rs` for plain cargo builds, so this file must stay a plain
//! `#[cxx::bridge]` module that `cxxbridge` can parse. The logic lives in the
//! submodules; the C++ API built on it is in `cpp/include/ffi_tasks/`
//! (`bridge.hpp` and the headers it includes) and `docs/bridge.md`.
//!
//! Conventions shared by every item:
//!
//! * Each fallible function reports a failure once, as its `Err`
//!   (`rust::Error` in C++), whose message is `"<kind name>: <message with
//!   its cause chain>"` (`error::BridgeError`), so a C++ wrapper throws the
//!   typed exception from the error it caught. Bridge functions never touch
//!   `LAST_ERROR`: [`last_error`](ffi::last_error) is for the errors of C
//!   calls.
//! * `CancellationToken` is the crate's own type, so a `&CancellationToken`
//!   from C++ is also a valid `const ffi_tasks_token *` for the C ABI.
//! * C++ jobs run through the normal `TaskHandle` machinery (`cpp_job`); their
//!   handles are `TaskHandle<()>`s driven by the `ffi_tasks_job_*` C functions.

mod cpp_job;
mod error;
mod pool;
mod token;
mod version;

#[allow(unreachable_pub, missing_docs, clippy::needless_lifetimes)]
#[cxx::bridge(namespace = "ffi_tasks::bridge")]
mod ffi {
    /// The calling thread's last error: kind (`FFI_TASKS_ERROR_NONE` when
    /// there is none) and message with its cause chain.
    struct LastError {
        kind: ErrorKind,
        message: String,
    }

    /// Settings of the global pool, applied by [`configure_pool`] before the
    /// first task is spawned.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct PoolOptions {
        /// Most worker threads alive at once (at least 1).
        max_threads: u64,
        /// How long an idle worker waits for work before it exits.
        keep_alive_ms: u64,
        /// Worker thread name (empty: the default, `ffi_tasks-worker`).
        thread_name: String,
        /// Worker stack size in bytes (0: the platform default); more than
        /// half the address space is an `InvalidArgument` error.
        stack_size: u64,
    }

    extern "Rust" {
        /// Reads the calling thread's last error (that of the last failed C
        /// call) without clearing it.
        fn last_error() -> LastError;
        /// Clears the calling thread's last error.
        fn clear_last_error();
        /// The crate version.
        fn version() -> &'static str;

        /// A shareable cancellation flag (the crate's `CancellationToken`).
        type CancellationToken;

        /// A new, uncancelled token.
        fn new_token() -> Box<CancellationToken>;
        /// Another reference to the same token (cancelling one cancels both).
        #[cxx_name = "clone"]
        fn clone_boxed(self: &CancellationToken) -> Box<CancellationToken>;
        /// A token cancelled together with this one (not the other way round).
        #[cxx_name = "child"]
        fn child_boxed(self: &CancellationToken) -> Box<CancellationToken>;
        /// Cancels the token and all its children. Idempotent.
        fn cancel(self: &CancellationToken);
        /// Whether the token is cancelled.
        fn cancelled(self: &CancellationToken) -> bool;
        /// Blocks until the token is cancelled (`true`) or `timeout_ms`
        /// passes (`false`).
        #[cxx_name = "wait_cancelled"]
        fn wait_cancelled_ms(self: &CancellationToken, timeout_ms: u64) -> bool;
        /// Reports progress of the task holding this token.
        fn set_progress(self: &CancellationToken, done: u64, total: u64);
        /// The progress last reported through this token.
        #[cxx_name = "progress"]
        fn progress_shared(self: &CancellationToken) -> TaskProgress;
        /// Whether both are references to one token.
        #[cxx_name = "same_as"]
        fn same_token(self: &CancellationToken, other: &CancellationToken) -> bool;

        /// The settings an unconfigured global pool uses (512 threads, 10 s
        /// keep-alive, default name and stack size).
        fn default_pool_options() -> PoolOptions;
        /// Configures the global pool. Fails (`InvalidArgument`) once a task
        /// was spawned or the pool was otherwise used, or for zero threads.
        fn configure_pool(options: &PoolOptions) -> Result<()>;
        /// The settings the global pool was built with (default ones if it
        /// was not configured). Counts as a use of the pool.
        fn pool_options() -> Result<PoolOptions>;
        /// The global pool's counters. Counts as a use of the pool.
        fn pool_stats() -> Result<PoolStats>;

        /// The handle of a C++ job: a `TaskHandle<()>`, driven from C++ by
        /// the `ffi_tasks_job_*` C functions (`wait` or `handle_destroy`
        /// frees it), exactly like the handle of an exported task.
        type JobHandle;

        /// Starts `job` on the global pool with a fresh token; returns its
        /// handle (never null).
        fn spawn_job(job: UniquePtr<CppJob>) -> Result<*mut JobHandle>;
        /// Starts `job` on the global pool under a child of `token`, so that
        /// cancelling `token` cancels it.
        fn spawn_job_with_token(
            job: UniquePtr<CppJob>,
            token: &CancellationToken,
        ) -> Result<*mut JobHandle>;

        /// Frees the allocation of a `Box<Box<T>>` result (what `poll`/`wait`
        /// return for a task whose output is a `Box<T>`) *without* dropping
        /// the inner box, whose pointer C++ has taken with
        /// `rust::Box<T>::into_raw`.
        ///
        /// # Safety
        ///
        /// `slot` is such a result, not yet freed, and its inner box has been
        /// moved out.
        unsafe fn release_box_slot(slot: *mut u8);
    }

    // The C ABI's own types, one definition each: the Rust types behind
    // them are what cbindgen writes into ffi_tasks.h.
    #[namespace = ""]
    unsafe extern "C++" {
        include!("ffi_tasks/ffi_tasks.h");

        /// `enum ffi_tasks_error_kind`: the crate's `ErrorKind`.
        #[cxx_name = "ffi_tasks_error_kind"]
        type ErrorKind = crate::error::ErrorKind;
        /// `ffi_tasks_progress`: the crate's `Progress`.
        #[cxx_name = "ffi_tasks_progress"]
        type TaskProgress = crate::task::Progress;
        /// `ffi_tasks_stats`: the crate's `PoolStats`.
        #[cxx_name = "ffi_tasks_stats"]
        type PoolStats = crate::pool::PoolStats;
    }

    unsafe extern "C++" {
        include!("ffi_tasks/cpp_job.hpp");

        /// A C++ callable packaged by `ffi_tasks::spawn` (see `cpp_job.hpp`).
        type CppJob;

        /// Runs the job once. Never throws: returns 1 (completed), 2 (failed,
        /// `error` holds `"C++ exception <type>: <what>"`) or 3 (cancelled).
        fn run(self: Pin<&mut CppJob>, token: &CancellationToken, error: &mut String) -> u8;
    }
}

use self::{
    cpp_job::{spawn_job, spawn_job_with_token, JobHandle},
    error::{clear_last_error, last_error},
    pool::{configure_pool, default_pool_options, pool_options, pool_stats},
    token::new_token,
    version::version,
};
use crate::{cancel::CancellationToken, ffi::rich::release_box_slot};

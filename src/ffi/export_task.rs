//! The [`export_task!`](crate::export_task) macro.
//!
//! An incremental TT muncher over `key: function_name;` pairs, as in the
//! seed, whose arms only give C names to the generic shims in
//! `ffi::handle_api`. Every path goes through `$crate::` so the expansion works
//! in any downstream crate, whatever it has in scope.

/// Generate the `extern "C"` functions for working with a [`Task`] from C.
///
/// ```text
/// export_task! {
///     #[optional attributes, applied to every function]
///     Task: MyTask;            // required, first
///     spawn: my_spawn;         // any subset of the keys below, any order
///     ...
/// }
/// ```
///
/// | key | C signature (`H` = the handle, `O` = `MyTask::Output`) | on error |
/// |---|---|---|
/// | `spawn` | `H *spawn(const MyTask *task)` — clones the task and starts it | null |
/// | `spawn_with_token` | `H *f(const MyTask *task, const CancellationToken *token)` — the task gets a child of `token` | null |
/// | `poll` | `O *poll(H *h)` — the result if done, else null with no error | null |
/// | `wait` | `O *wait(H *h)` — blocks; **consumes `h`** even on error | null |
/// | `wait_timeout` | `O *f(H *h, uint64_t timeout_ms)` — as `poll` after waiting; `TimedOut` if still running; never consumes `h` | null |
/// | `cancel` | `void cancel(H *h)` | (error in LAST_ERROR) |
/// | `cancelled` | `int cancelled(H *h)` — 1 or 0 | -1 |
/// | `status` | `int status(H *h)` — a [`TaskStatus`] | -1 |
/// | `progress` | `int progress(H *h, Progress *out)` | -1 |
/// | `on_complete` | `int f(H *h, void (*cb)(void *), void *user_data)` — `cb` runs once, when done | -1 |
/// | `handle_destroy` | `void handle_destroy(H *h)` — cancels if running; **consumes `h`** | (error in LAST_ERROR) |
/// | `result_destroy` | `void result_destroy(O *result)` | (error in LAST_ERROR) |
///
/// Every function clears the thread's LAST_ERROR on entry and sets it only
/// on failure (null pointers, results already taken, task errors, panics:
/// see [`ErrorKind`]); no panic ever crosses into C.
///
/// ```rust
/// use ffi_tasks::{task::CancellationToken, Task};
///
/// #[derive(Clone)]
/// #[repr(C)]
/// pub struct Add { pub a: u64, pub b: u64 }
///
/// impl Task for Add {
///     type Output = u64;
///     fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> { Ok(self.a + self.b) }
/// }
///
/// ffi_tasks::export_task! {
///     Task: Add;
///     spawn: add_spawn;
///     wait: add_wait;
///     result_destroy: add_result_destroy;
/// }
///
/// unsafe {
///     let h = add_spawn(&Add { a: 2, b: 3 });
///     let r = add_wait(h);
///     assert_eq!(*r, 5);
///     add_result_destroy(r);
/// }
/// ```
///
/// [`Task`]: crate::Task
/// [`TaskStatus`]: crate::task::TaskStatus
/// [`ErrorKind`]: crate::error::ErrorKind
#[macro_export]
macro_rules! export_task {
    ($( #[$attr:meta] )* Task: $Task:ty; $( $rest:tt )*) => {
        $crate::__export_task_fns! { [$( #[$attr] )*] $Task; $( $rest )* }
    };
    ($( $other:tt )*) => {
        ::core::compile_error! {
            "export_task!: expected `Task: YourTaskType;` first (after optional #[attributes]), then `key: function_name;` pairs"
        }
    };
}

/// Implementation detail of [`export_task!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __export_task_fns {
    ([$( $attr:tt )*] $Task:ty;) => {};

    ([$( $attr:tt )*] $Task:ty; spawn: $name:ident; $( $rest:tt )*) => {
        /// Clones `*task` and starts it in the background; returns its handle,
        /// or null with LAST_ERROR set.
        ///
        /// # Safety
        ///
        /// `task` is null or points to a valid task.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(task: *const $Task) -> *mut $crate::__private::Handle<$Task> {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::spawn::<$Task>(task) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; spawn_with_token: $name:ident; $( $rest:tt )*) => {
        /// Clones `*task` and starts it under a child of `token`; returns its
        /// handle, or null with LAST_ERROR set.
        ///
        /// # Safety
        ///
        /// `task` is null or points to a valid task; `token` is null or a live
        /// cancellation token.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(
            task: *const $Task,
            token: *const $crate::task::CancellationToken,
        ) -> *mut $crate::__private::Handle<$Task> {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::spawn_with_token::<$Task>(task, token) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; poll: $name:ident; $( $rest:tt )*) => {
        /// The result if the task is done (free it with `result_destroy`);
        /// null with no error while it runs; null with LAST_ERROR set if it
        /// failed or the result was already taken.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(
            handle: *mut $crate::__private::Handle<$Task>,
        ) -> *mut $crate::__private::Output<$Task> {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::poll(handle) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; wait: $name:ident; $( $rest:tt )*) => {
        /// Blocks until the task is done and returns its result, or null with
        /// LAST_ERROR set. Always consumes the handle.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`; it must not
        /// be used again.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(
            handle: *mut $crate::__private::Handle<$Task>,
        ) -> *mut $crate::__private::Output<$Task> {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::wait(handle) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; wait_timeout: $name:ident; $( $rest:tt )*) => {
        /// Waits up to `timeout_ms`: the result as `poll` gives it, or null
        /// with a `TimedOut` error. Never consumes the handle.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(
            handle: *mut $crate::__private::Handle<$Task>,
            timeout_ms: u64,
        ) -> *mut $crate::__private::Output<$Task> {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::wait_timeout(handle, timeout_ms) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; cancel: $name:ident; $( $rest:tt )*) => {
        /// Asks the task to stop.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(handle: *mut $crate::__private::Handle<$Task>) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::cancel(handle) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; cancelled: $name:ident; $( $rest:tt )*) => {
        /// `1` if the task was cancelled, `0` if not, `-1` on error.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(
            handle: *mut $crate::__private::Handle<$Task>,
        ) -> $crate::__private::c_int {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::cancelled(handle) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; status: $name:ident; $( $rest:tt )*) => {
        /// The task's status (`TaskStatus` as an integer), `-1` on error.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(
            handle: *mut $crate::__private::Handle<$Task>,
        ) -> $crate::__private::c_int {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::status(handle) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; progress: $name:ident; $( $rest:tt )*) => {
        /// Writes the task's last reported progress to `*out`; `0` or `-1`.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`; `out` is
        /// null or valid for writes.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(
            handle: *mut $crate::__private::Handle<$Task>,
            out: *mut $crate::task::Progress,
        ) -> $crate::__private::c_int {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::progress(handle, out) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; on_complete: $name:ident; $( $rest:tt )*) => {
        /// Calls `callback(user_data)` exactly once when the task finishes
        /// (now, if it already has); `0` or `-1`.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`; `callback`
        /// must be callable from any thread with `user_data`, and must not
        /// unwind.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(
            handle: *mut $crate::__private::Handle<$Task>,
            callback: $crate::__private::ffi::CompletionCallback,
            user_data: *mut $crate::__private::c_void,
        ) -> $crate::__private::c_int {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::on_complete(handle, callback, user_data) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; handle_destroy: $name:ident; $( $rest:tt )*) => {
        /// Destroys the handle, cancelling the task if it is still running.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`; it must not
        /// be used again.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(handle: *mut $crate::__private::Handle<$Task>) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::handle_destroy(handle) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; result_destroy: $name:ident; $( $rest:tt )*) => {
        /// Frees a result returned by `poll`, `wait` or `wait_timeout`.
        ///
        /// # Safety
        ///
        /// `result` is null or such a result, not yet freed.
        #[allow(dead_code)]
        #[unsafe(no_mangle)]
        $( $attr )*
        pub unsafe extern "C" fn $name(result: *mut $crate::__private::Output<$Task>) {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::ffi::result_destroy(result) }
        }
        $crate::__export_task_fns! { [$( $attr )*] $Task; $( $rest )* }
    };

    ([$( $attr:tt )*] $Task:ty; $key:ident : $name:ident; $( $rest:tt )*) => {
        ::core::compile_error! { ::core::concat!(
            "export_task!: unknown key `", ::core::stringify!($key),
            "`; expected spawn, spawn_with_token, poll, wait, wait_timeout, cancel, cancelled, status, progress, on_complete, handle_destroy or result_destroy"
        ) }
    };

    ([$( $attr:tt )*] $Task:ty; $( $rest:tt )+) => {
        ::core::compile_error! {
            "export_task!: expected `key: function_name;` (did you forget a `;`?)"
        }
    };
}

//! The [`export_task!`](crate::export_task) macro.
//!
//! Four small internal macros do the work, so that each C function is
//! written once:
//!
//! * `__export_task!` turns either form (explicit `key: name;` pairs, or
//!   `prefix: p;`) into one `(key, C name)` pair per function, for a task
//!   and for a stream task alike;
//! * `__export_task_key!` (a task) and `__export_stream_key!` (a stream
//!   task) are the signature tables: for a key they give the documented C
//!   signature of that function, or a compile error naming the unknown key;
//! * `__export_task_fn!` is the only arm that emits a function: an
//!   `extern "C"` wrapper whose body calls the shim of the same name
//!   (`ffi::handle_api`, `ffi::stream_api` or `ffi::shared_api`, through
//!   `__private`).
//!
//! Every path goes through `$crate::` so the expansion works in any
//! downstream crate, whatever it has in scope.

/// Generate the `extern "C"` functions for working with a [`Task`] from C.
///
/// Two forms. Name each function yourself:
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
/// or export every key under one prefix, as `<prefix>_<key>`:
///
/// ```text
/// export_task! {
///     #[optional attributes, applied to every function]
///     Task: MyTask;
///     prefix: my;              // my_spawn, my_spawn_with_token, ..., my_result_destroy
/// }
/// ```
///
/// An [`AsyncTask`] is exported the same way, with `AsyncTask: MyTask;` in
/// place of `Task: MyTask;` (either form): the same keys, the same C
/// signatures and the same handle, so C and C++ callers (`TaskHandle<T>`,
/// `FFI_TASKS_DECLARE_TASK`) use it exactly as a blocking task. Its future
/// is polled on the global executor without holding a thread while it waits
/// (see [`async_task`](crate::async_task)).
///
/// A stream task ([`StreamTask`], or [`AsyncStreamTask`] with
/// `AsyncStreamTask: MyTask;`) is exported with `StreamTask: MyTask;` and
/// its own keys: `spawn`, `spawn_with_token`, `next`, `next_timeout`,
/// `cancel`, `cancelled`, `status`, `progress`, `on_ready`, `handle_destroy`
/// and `item_destroy` (either form; the prefix form matches
/// `FFI_TASKS_DECLARE_STREAM` in C and `FFI_TASKS_CPP_STREAM` in C++). `next`
/// returns null at the end: with LAST_ERROR empty when the task succeeded,
/// set to its error when not (see `docs/streams.md`).
///
/// The prefix form gives exactly the names that `FFI_TASKS_DECLARE_TASK(my,
/// ...)` declares in C (`ffi_tasks/ffi_tasks.h`) and `FFI_TASKS_CPP_TASK(my,
/// ...)` in C++ (`ffi_tasks/task_traits.hpp`), so one line on each side is
/// enough. It cannot be mixed with `key: name;` pairs. Its functions are
/// exported under those symbol names only: Rust code that wants to call them
/// declares them in an `extern "C"` block, as C does (or uses the first form,
/// whose functions are ordinary Rust items too).
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
/// The same task with every function, called as C would call it:
///
/// ```rust
/// # use ffi_tasks::{task::CancellationToken, Task};
/// # #[derive(Clone)]
/// # #[repr(C)]
/// # pub struct Add { pub a: u64, pub b: u64 }
/// # impl Task for Add {
/// #     type Output = u64;
/// #     fn run(&self, _: &CancellationToken) -> anyhow::Result<u64> { Ok(self.a + self.b) }
/// # }
/// ffi_tasks::export_task! {
///     Task: Add;
///     prefix: adder;
/// }
///
/// // What FFI_TASKS_DECLARE_TASK(adder, Add, uint64_t) declares, in Rust.
/// extern "C" {
///     fn adder_spawn(task: *const Add) -> *mut std::ffi::c_void;
///     fn adder_wait(handle: *mut std::ffi::c_void) -> *mut u64;
///     fn adder_result_destroy(result: *mut u64);
/// }
///
/// unsafe {
///     let h = adder_spawn(&Add { a: 2, b: 3 });
///     let r = adder_wait(h);
///     assert_eq!(*r, 5);
///     adder_result_destroy(r);
/// }
/// ```
///
/// [`Task`]: crate::Task
/// [`AsyncTask`]: crate::async_task::AsyncTask
/// [`StreamTask`]: crate::stream::StreamTask
/// [`AsyncStreamTask`]: crate::stream::AsyncStreamTask
/// [`TaskStatus`]: crate::task::TaskStatus
/// [`ErrorKind`]: crate::error::ErrorKind
#[macro_export]
macro_rules! export_task {
    ($( #[$attr:meta] )* AsyncStreamTask: $Task:ty; $( $rest:tt )*) => {
        const _: () = {
            impl $crate::__private::ExportedStream for $Task {
                type Item = <$Task as $crate::stream::AsyncStreamTask>::Item;

                fn spawn(
                    task: &Self,
                    parent: ::core::option::Option<&$crate::task::CancellationToken>,
                ) -> ::core::result::Result<
                    $crate::__private::StreamHandle<Self>,
                    $crate::__private::anyhow::Error,
                > {
                    $crate::__private::spawn_async_stream(task, parent)
                }
            }
        };
        $crate::export_task! { $( #[$attr] )* StreamTask: $Task; $( $rest )* }
    };
    ($( #[$attr:meta] )* StreamTask: $Task:ty; prefix: $prefix:ident;) => {
        $crate::__export_task! {
            @each [__export_stream_key [ffi::stream]] [@stream] [$( #[$attr] )*] $Task; $prefix;
            spawn spawn_with_token next next_timeout cancel cancelled status progress
            on_ready handle_destroy item_destroy
        }
    };
    ($( #[$attr:meta] )* StreamTask: $Task:ty; $( $key:ident : $name:ident; )*) => {
        $crate::__export_task! {
            @named [__export_stream_key [ffi::stream]] [$( #[$attr] )*] $Task; $( $key: $name; )*
        }
    };
    ($( #[$attr:meta] )* StreamTask: $Task:ty; $( $rest:tt )*) => {
        ::core::compile_error! {
            "export_task!: expected `key: function_name;` pairs or `prefix: name;` alone after `StreamTask: ...;`"
        }
    };
    ($( #[$attr:meta] )* AsyncTask: $Task:ty; $( $rest:tt )*) => {
        const _: () = {
            impl $crate::__private::Exported for $Task {
                type Output = <$Task as $crate::async_task::AsyncTask>::Output;

                fn spawn(
                    task: &Self,
                    parent: ::core::option::Option<&$crate::task::CancellationToken>,
                ) -> $crate::__private::SpawnResult<Self::Output> {
                    $crate::__private::spawn_async(task, parent)
                }
            }
        };
        $crate::export_task! { $( #[$attr] )* Task: $Task; $( $rest )* }
    };
    ($( #[$attr:meta] )* Task: $Task:ty; prefix: $prefix:ident; $( $rest:tt )*) => {
        $crate::__export_task! { @prefix [$( #[$attr] )*] $Task; $prefix; $( $rest )* }
    };
    ($( #[$attr:meta] )* Task: $Task:ty; $( $key:ident : $name:ident; )*) => {
        $crate::__export_task! {
            @named [__export_task_key [ffi]] [$( #[$attr] )*] $Task; $( $key: $name; )*
        }
    };
    ($( #[$attr:meta] )* Task: $Task:ty; $( $rest:tt )*) => {
        ::core::compile_error! {
            "export_task!: expected `key: function_name;` pairs or `prefix: name;` after `Task: ...;` (did you forget a `;`?)"
        }
    };
    ($( $other:tt )*) => {
        ::core::compile_error! {
            "export_task!: expected `Task: YourTaskType;` first (after optional #[attributes]), then `key: function_name;` pairs or `prefix: name;`"
        }
    };
}

/// Implementation detail of [`export_task!`]: one `(key, C name)` pair per
/// function, handed to the signature table of the task's kind. Both kinds
/// come through here with `[table [shims]]`: the table macro
/// (`__export_task_key` or `__export_stream_key`) and the module of
/// `__private` that holds the shims the generated functions call.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_task {
    (@named [$table:ident $shims:tt] $attrs:tt $Task:ty; $( $key:ident : $name:ident; )*) => {
        $(
            $crate::$table! { $key; $Task; $shims $attrs [no_mangle] $name; }
        )*
    };

    (@prefix $attrs:tt $Task:ty; $prefix:ident;) => {
        $crate::__export_task! {
            @each [__export_task_key [ffi]] [] $attrs $Task; $prefix;
            spawn spawn_with_token poll wait wait_timeout cancel cancelled status progress
            on_complete handle_destroy result_destroy
        }
    };
    (@prefix $attrs:tt $Task:ty; $prefix:ident; $( $rest:tt )+) => {
        ::core::compile_error! {
            "export_task!: `prefix: name;` exports every key and cannot be combined with `key: function_name;` pairs; use one form or the other"
        }
    };

    // The functions are named after their keys inside an anonymous `const`,
    // so that several prefixed tasks can live in one module; the symbol is
    // `<prefix>_<key>`. `[$layout]` selects the record (`[@stream]` for a
    // stream task).
    (
        @each [$table:ident $shims:tt] [$( $layout:tt )*] $attrs:tt $Task:ty; $prefix:ident;
        $( $key:ident )*
    ) => {
        const _: () = {
            $crate::__export_task_layout! { $( $layout )* $Task; $prefix; }
            $(
                $crate::$table! {
                    $key; $Task; $shims $attrs
                    [export_name = ::core::concat!(
                        ::core::stringify!($prefix), "_", ::core::stringify!($key)
                    )]
                    $key;
                }
            )*
        };
    };
}

/// Implementation detail of [`export_task!`]: the signature table. For a key,
/// calls `__export_task_fn!` with the context it was given followed by the
/// documented C signature of that function.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_task_key {
    (spawn; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Clones `*task` and starts it in the background; returns its handle,
        /// or null with LAST_ERROR set.
        ///
        /// # Safety
        ///
        /// `task` is null or points to a valid task.
        fn spawn(task: *const $Task) -> *mut $crate::__private::Handle<$Task>;
    } };

    (spawn_with_token; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Clones `*task` and starts it under a child of `token`; returns its
        /// handle, or null with LAST_ERROR set.
        ///
        /// # Safety
        ///
        /// `task` is null or points to a valid task; `token` is null or a live
        /// cancellation token.
        fn spawn_with_token(
            task: *const $Task,
            token: *const $crate::task::CancellationToken
        ) -> *mut $crate::__private::Handle<$Task>;
    } };

    (poll; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// The result if the task is done (free it with `result_destroy`);
        /// null with no error while it runs; null with LAST_ERROR set if it
        /// failed or the result was already taken.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        fn poll(handle: *mut $crate::__private::Handle<$Task>) -> *mut $crate::__private::Output<$Task>;
    } };

    (wait; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Blocks until the task is done and returns its result, or null with
        /// LAST_ERROR set. Always consumes the handle.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`; it must not
        /// be used again.
        fn wait(handle: *mut $crate::__private::Handle<$Task>) -> *mut $crate::__private::Output<$Task>;
    } };

    (wait_timeout; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Waits up to `timeout_ms`: the result as `poll` gives it, or null
        /// with a `TimedOut` error. Never consumes the handle.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        fn wait_timeout(
            handle: *mut $crate::__private::Handle<$Task>,
            timeout_ms: u64
        ) -> *mut $crate::__private::Output<$Task>;
    } };

    (cancel; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Asks the task to stop.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        fn cancel(handle: *mut $crate::__private::Handle<$Task>);
    } };

    (cancelled; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// `1` if the task was cancelled, `0` if not, `-1` on error.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        fn cancelled(handle: *mut $crate::__private::Handle<$Task>) -> $crate::__private::c_int;
    } };

    (status; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// The task's status (`TaskStatus` as an integer), `-1` on error.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`.
        fn status(handle: *mut $crate::__private::Handle<$Task>) -> $crate::__private::c_int;
    } };

    (progress; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Writes the task's last reported progress to `*out`; `0` or `-1`.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`; `out` is
        /// null or valid for writes.
        fn progress(
            handle: *mut $crate::__private::Handle<$Task>,
            out: *mut $crate::task::Progress
        ) -> $crate::__private::c_int;
    } };

    (on_complete; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Calls `callback(user_data)` exactly once when the task finishes
        /// (now, if it already has); `0` or `-1`.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`; `callback`
        /// must be callable from any thread with `user_data`, and must not
        /// unwind.
        fn on_complete(
            handle: *mut $crate::__private::Handle<$Task>,
            callback: $crate::__private::ffi::CompletionCallback,
            user_data: *mut $crate::__private::c_void
        ) -> $crate::__private::c_int;
    } };

    (handle_destroy; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Destroys the handle, cancelling the task if it is still running.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live handle returned by `spawn`; it must not
        /// be used again.
        fn handle_destroy(handle: *mut $crate::__private::Handle<$Task>);
    } };

    (result_destroy; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Frees a result returned by `poll`, `wait` or `wait_timeout`.
        ///
        /// # Safety
        ///
        /// `result` is null or such a result, not yet freed.
        fn result_destroy(result: *mut $crate::__private::Output<$Task>);
    } };

    (prefix; $( $rest:tt )*) => {
        ::core::compile_error! {
            "export_task!: `prefix: name;` exports every key and cannot be combined with `key: function_name;` pairs; use one form or the other"
        }
    };

    ($key:ident; $( $rest:tt )*) => {
        ::core::compile_error! { ::core::concat!(
            "export_task!: unknown key `", ::core::stringify!($key),
            "`; expected spawn, spawn_with_token, poll, wait, wait_timeout, cancel, cancelled, status, progress, on_complete, handle_destroy or result_destroy (or `prefix: name;` alone, for all of them)"
        ) }
    };
}

/// Implementation detail of [`export_task!`]: emits one function, of either
/// kind of task. Its body calls the shim that has the key's name in the
/// module of `__private` given first (`[ffi]` for a task, `[ffi::stream]`
/// for a stream task).
#[doc(hidden)]
#[macro_export]
macro_rules! __export_task_fn {
    (
        [$( $shims:ident )::+] [$( $attr:tt )*] [$( $link:tt )*] $name:ident;
        $( #[doc = $doc:literal] )*
        fn $key:ident($( $arg:ident: $arg_ty:ty ),*) $( -> $ret:ty )?;
    ) => {
        $( #[doc = $doc] )*
        #[allow(dead_code, unreachable_pub)]
        #[unsafe($( $link )*)]
        $( $attr )*
        pub unsafe extern "C" fn $name($( $arg: $arg_ty ),*) $( -> $ret )? {
            // SAFETY: forwarded from this function's contract.
            unsafe { $crate::__private::$( $shims:: )+$key($( $arg ),*) }
        }
    };
}

/// Implementation detail of [`export_task!`] (prefix form): a record of the
/// task for the header generator of the CMake package
/// (`ffi_tasks_add_crate(... HEADER <name>.h)`, `cmake/FfiTasksCrateHeader.cmake`).
///
/// The record is a `#[used]` static of printable ASCII, kept in the crate's
/// object code, so the generator reads it from the built staticlib as text
/// (`file(STRINGS)`) without running anything built for the target (cross
/// builds need no emulator). It carries the sizes and alignments the Rust
/// compiler chose for the task and its output, which the generated header
/// asserts against the C compiler's:
///
/// ```text
/// ffi_tasks-task-record|1|<module path>|<prefix>|<task type>|<task size>|<task align>|<output size>|<output align>;
/// ```
///
/// A stream task (`StreamTask:` / `AsyncStreamTask:`) leaves the same record
/// tagged `ffi_tasks-stream-record`, with its item in place of the output.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_task_layout {
    ($Task:ty; $prefix:ident;) => {
        $crate::__export_task_layout! {
            @record "ffi_tasks-task-record|1|"; $Task; $crate::__private::Output<$Task>; $prefix;
        }
    };
    // A stream task: the same record under another tag, with its item in
    // place of the output.
    (@stream $Task:ty; $prefix:ident;) => {
        $crate::__export_task_layout! {
            @record "ffi_tasks-stream-record|1|"; $Task; $crate::__private::Item<$Task>; $prefix;
        }
    };
    (@record $tag:literal; $Task:ty; $Output:ty; $prefix:ident;) => {
        const _: () = {
            const HEAD: &str = ::core::concat!(
                $tag,
                ::core::module_path!(),
                "|",
                ::core::stringify!($prefix),
                "|",
                ::core::stringify!($Task),
                "|"
            );
            const NUMBERS: [usize; 4] = [
                ::core::mem::size_of::<$Task>(),
                ::core::mem::align_of::<$Task>(),
                ::core::mem::size_of::<$Output>(),
                ::core::mem::align_of::<$Output>(),
            ];
            // Room for the head, four numbers of up to 20 digits, their
            // separators and the final `;`.
            const LEN: usize = HEAD.len() + 4 * 21 + 1;
            const fn record() -> [u8; LEN] {
                let mut out = [0u8; LEN];
                let head = HEAD.as_bytes();
                let mut at = 0;
                while at < head.len() {
                    out[at] = head[at];
                    at += 1;
                }
                let mut n = 0;
                while n < NUMBERS.len() {
                    let value = NUMBERS[n];
                    let mut digits = 1;
                    let mut rest = value / 10;
                    while rest > 0 {
                        digits += 1;
                        rest /= 10;
                    }
                    let mut i = digits;
                    let mut rest = value;
                    while i > 0 {
                        i -= 1;
                        out[at + i] = b'0' + (rest % 10) as u8;
                        rest /= 10;
                    }
                    at += digits;
                    out[at] = if n + 1 == NUMBERS.len() { b';' } else { b'|' };
                    at += 1;
                    n += 1;
                }
                out
            }
            #[used]
            static RECORD: [u8; LEN] = record();
        };
    };
}

/// Implementation detail of [`export_task!`] (stream forms): the stream
/// keys and their C signatures (`H` = the stream handle, `I` = the item):
///
/// | key | C signature | on error |
/// |---|---|---|
/// | `spawn`, `spawn_with_token` | as for a task | null |
/// | `next` | `I *next(H *h)` — blocks; the next item, or null at the end (no error: the task succeeded; an error: how it failed) | null |
/// | `next_timeout` | `I *f(H *h, uint64_t timeout_ms)` — as `next`; null with `TimedOut` if nothing came in time | null |
/// | `cancel`, `cancelled`, `status`, `progress` | as for a task | |
/// | `on_ready` | `int f(H *h, void (*cb)(void *), void *user_data)` — `cb` runs once, when `next` would not block | -1 |
/// | `handle_destroy` | `void f(H *h)` — cancels, frees buffered items; **consumes `h`** | |
/// | `item_destroy` | `void f(I *item)` | |
#[doc(hidden)]
#[macro_export]
macro_rules! __export_stream_key {
    (spawn; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Clones `*task` and starts the stream; its handle, or null with
        /// LAST_ERROR set.
        ///
        /// # Safety
        ///
        /// `task` is null or points to a valid task.
        fn spawn(task: *const $Task) -> *mut $crate::__private::StreamHandle<$Task>;
    } };
    (spawn_with_token; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Clones `*task` and starts the stream under a child of `token`.
        ///
        /// # Safety
        ///
        /// `task` is null or points to a valid task; `token` is null or live.
        fn spawn_with_token(
            task: *const $Task,
            token: *const $crate::task::CancellationToken
        ) -> *mut $crate::__private::StreamHandle<$Task>;
    } };
    (next; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Blocks for the next item (free it with `item_destroy`); null at
        /// the end, with no error if the task succeeded and its error if not.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live stream handle.
        fn next(handle: *mut $crate::__private::StreamHandle<$Task>) -> *mut $crate::__private::Item<$Task>;
    } };
    (next_timeout; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// As `next`, waiting at most `timeout_ms`: null with `TimedOut` if
        /// nothing came.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live stream handle.
        fn next_timeout(
            handle: *mut $crate::__private::StreamHandle<$Task>,
            timeout_ms: u64
        ) -> *mut $crate::__private::Item<$Task>;
    } };
    (cancel; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Asks the task to stop.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live stream handle.
        fn cancel(handle: *mut $crate::__private::StreamHandle<$Task>);
    } };
    (cancelled; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// `1` if cancelled, `0` if not, `-1` on error.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live stream handle.
        fn cancelled(handle: *mut $crate::__private::StreamHandle<$Task>) -> $crate::__private::c_int;
    } };
    (status; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// The task's status, `-1` on error.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live stream handle.
        fn status(handle: *mut $crate::__private::StreamHandle<$Task>) -> $crate::__private::c_int;
    } };
    (progress; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Writes the task's last reported progress to `*out`; `0` or `-1`.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live stream handle; `out` is null or valid
        /// for writes.
        fn progress(
            handle: *mut $crate::__private::StreamHandle<$Task>,
            out: *mut $crate::task::Progress
        ) -> $crate::__private::c_int;
    } };
    (on_ready; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Calls `callback(user_data)` once, when `next` would not block;
        /// `0` or `-1`.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live stream handle; `callback` is callable
        /// from any thread with `user_data` and does not unwind.
        fn on_ready(
            handle: *mut $crate::__private::StreamHandle<$Task>,
            callback: $crate::__private::ffi::CompletionCallback,
            user_data: *mut $crate::__private::c_void
        ) -> $crate::__private::c_int;
    } };
    (handle_destroy; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Destroys the handle: cancels the task, frees the buffered items.
        ///
        /// # Safety
        ///
        /// `handle` is null or a live stream handle; dead afterwards.
        fn handle_destroy(handle: *mut $crate::__private::StreamHandle<$Task>);
    } };
    (item_destroy; $Task:ty; $( $ctx:tt )*) => { $crate::__export_task_fn! { $( $ctx )*
        /// Frees an item returned by `next` or `next_timeout`.
        ///
        /// # Safety
        ///
        /// `item` is null or such an item, not yet freed.
        fn item_destroy(item: *mut $crate::__private::Item<$Task>);
    } };
    ($key:ident; $( $rest:tt )*) => {
        ::core::compile_error! { ::core::concat!(
            "export_task!: unknown stream key `", ::core::stringify!($key),
            "`; expected spawn, spawn_with_token, next, next_timeout, cancel, cancelled, status, progress, on_ready, handle_destroy or item_destroy (or `prefix: name;` alone)"
        ) }
    };
}

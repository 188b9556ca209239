//! Compile-time facts about the public types: which are `Send`/`Sync`/
//! unwind-safe (a C caller may use a handle or a token from any thread), and
//! the layout of the `#[repr(C)]` types the C header mirrors. A regression
//! fails the build of this file, not a run.

use std::{
    cell::Cell,
    fmt::Debug,
    hash::Hash,
    mem::{align_of, size_of},
    os::raw::c_int,
    panic::{RefUnwindSafe, UnwindSafe},
    rc::Rc,
};

use ffi_tasks::{
    async_task::WhenCancelled,
    c::CompletionCallback,
    error::{
        AlreadyTaken, ErrorKind, InvalidArgument, InvalidHandle, NullPointer, Panic, SpawnFailed,
        TimedOut,
    },
    executor::{ConfigError, Executor, Job, SpawnError},
    pool::{PoolConfig, PoolStats, ThreadPool},
    task::{CancellationToken, Cancelled, Progress, TaskHandle, TaskStatus},
};
use static_assertions::{assert_impl_all, assert_not_impl_any, const_assert_eq};

// Handles: shareable between threads whenever the output may move between
// them (the output sits behind a lock, as in `Mutex<T>`).
assert_impl_all!(TaskHandle<u64>: Send, Sync, Debug, UnwindSafe, RefUnwindSafe);
assert_impl_all!(TaskHandle<()>: Send, Sync);
assert_impl_all!(TaskHandle<Cell<u8>>: Send, Sync);
assert_not_impl_any!(TaskHandle<Rc<u8>>: Send, Sync);
assert_not_impl_any!(TaskHandle<u64>: Clone);
assert_impl_all!(ffi_tasks::waitset::WaitSet: Send, Sync, Debug, Default);
assert_not_impl_any!(ffi_tasks::waitset::WaitSet: Clone);

// Tokens and what they report.
assert_impl_all!(
    CancellationToken: Send,
    Sync,
    Clone,
    Default,
    Debug,
    UnwindSafe,
    RefUnwindSafe
);
assert_impl_all!(Progress: Send, Sync, Copy, Default, Debug, Eq);
assert_impl_all!(TaskStatus: Send, Sync, Copy, Eq, Hash, Debug, std::fmt::Display);

// The pool and the executor hook.
assert_impl_all!(ThreadPool: Send, Sync, Executor);
assert_impl_all!(PoolConfig: Send, Sync, Clone, Default, Debug, Eq);
assert_impl_all!(PoolStats: Send, Sync, Copy, Default, Debug, Eq);
assert_impl_all!(Job: Send, Debug);
assert_impl_all!(Box<dyn Executor>: Send, Sync);
assert_impl_all!(std::sync::Arc<ThreadPool>: Executor);
assert_impl_all!(&'static ThreadPool: Executor);

// Errors: all of them can travel inside `anyhow::Error` and across threads.
assert_impl_all!(ErrorKind: Send, Sync, Copy, Eq, Hash, Debug, std::fmt::Display);
assert_impl_all!(
    Cancelled: Send,
    Sync,
    Copy,
    Eq,
    std::error::Error,
    Into<anyhow::Error>
);
assert_impl_all!(Panic: Send, Sync, Clone, std::error::Error, Into<anyhow::Error>);
assert_impl_all!(NullPointer: Send, Sync, Copy, std::error::Error, Into<anyhow::Error>);
assert_impl_all!(AlreadyTaken: Send, Sync, Copy, std::error::Error, Into<anyhow::Error>);
assert_impl_all!(InvalidArgument: Send, Sync, Clone, std::error::Error, Into<anyhow::Error>);
assert_impl_all!(TimedOut: Send, Sync, Copy, std::error::Error, Into<anyhow::Error>);
assert_impl_all!(SpawnFailed: Send, Sync, Clone, std::error::Error, Into<anyhow::Error>);
assert_impl_all!(InvalidHandle: Send, Sync, Copy, std::error::Error, Into<anyhow::Error>);
assert_impl_all!(SpawnError: Send, Sync, std::error::Error, Into<anyhow::Error>);
assert_impl_all!(ConfigError: Send, Sync, Clone, Eq, std::error::Error, Into<anyhow::Error>);

// The future of `CancellationToken::when_cancelled`: movable into a task.
assert_impl_all!(WhenCancelled: Send, Sync, Unpin, Debug);

// Layout of what C reads and writes (mirrored by the C header).
const_assert_eq!(size_of::<Progress>(), 16);
const_assert_eq!(align_of::<Progress>(), 8);
const_assert_eq!(size_of::<PoolStats>(), 8 * 8);
const_assert_eq!(size_of::<ErrorKind>(), size_of::<c_int>());
const_assert_eq!(size_of::<TaskStatus>(), size_of::<c_int>());
// `Option<extern "C" fn>` is a nullable function pointer.
const_assert_eq!(size_of::<CompletionCallback>(), size_of::<*const ()>());

#[test]
fn field_order_of_repr_c_structs() {
    let progress = Progress { done: 1, total: 2 };
    let words: [u64; 2] = unsafe { std::mem::transmute(progress) };
    assert_eq!(words, [1, 2], "done, then total");

    let stats = PoolStats {
        threads: 1,
        idle: 2,
        running: 3,
        queued: 4,
        completed: 5,
        failed: 6,
        cancelled: 7,
        peak_threads: 8,
    };
    let words: [u64; 8] = unsafe { std::mem::transmute(stats) };
    assert_eq!(words, [1, 2, 3, 4, 5, 6, 7, 8]);
}

//! The synchronisation primitives of the handle state machine
//! (`completion.rs`): the crate's own (`crate::sync`) in normal builds, [loom]'s when the crate is
//! compiled with `--cfg ffi_tasks_loom` (`scripts/loom.sh`), so that the model
//! tests explore every interleaving of completion, cancel, callback
//! registration and take. The cfg has the crate's name in it because a plain
//! `--cfg loom` reaches every dependency, and some (`event-listener`, via the
//! benchmarks' `blocking`) do not build with it unless their own `loom`
//! feature is on.
//!
//! [loom]: https://docs.rs/loom

#[cfg(ffi_tasks_loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering},
    Condvar, Mutex, MutexGuard,
};

#[cfg(not(ffi_tasks_loom))]
pub(crate) use crate::sync::{lock, AtomicBool, AtomicU8, AtomicUsize, Condvar, Mutex, Ordering};

/// Locks `mutex`, ignoring poisoning: no critical section in this crate runs
/// user code, so a poisoned lock still guards consistent state.
#[cfg(ffi_tasks_loom)]
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

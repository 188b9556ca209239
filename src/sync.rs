//! The synchronisation primitives every module of the crate uses: `std`'s,
//! or, with the `helgrind` cargo feature, the same types annotated for
//! Valgrind's Helgrind ([`helgrind`](self::helgrind)).
//!
//! Helgrind understands pthread calls only. `std`'s `Mutex`, `Condvar` and
//! `OnceLock` are futex-based and its atomics are plain instructions to it, so
//! without annotations it reports every hand-off between a worker and a
//! handle as a possible data race. The annotated flavour tells it what each
//! primitive guarantees (a mutex or an acquire/release atomic orders what
//! came before it), so that the races it still reports are real ones. The
//! state machine's own model checking uses `crate::loom` instead.
//!
//! Call sites are the same for both flavours: the annotated types mirror the
//! `std` signatures the crate uses.

#[cfg(feature = "helgrind")]
pub(crate) mod helgrind;

#[cfg(feature = "helgrind")]
pub(crate) use self::helgrind::{
    Arc, AtomicBool, AtomicU64, AtomicU8, AtomicUsize, OnceLock, Weak,
};
// Mutex and Condvar are also public through `__private::sync`, for the
// example tasks crate that the C++ tests run under Helgrind.
#[cfg(feature = "helgrind")]
pub use self::helgrind::{Condvar, Mutex, MutexGuard};

#[cfg(not(feature = "helgrind"))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize},
    Arc, OnceLock, Weak,
};
#[cfg(not(feature = "helgrind"))]
pub use std::sync::{Condvar, Mutex, MutexGuard};

pub(crate) use std::sync::atomic::Ordering;

/// Locks `mutex`, ignoring poisoning: no critical section in this crate runs
/// user code, so a poisoned lock still guards consistent state.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

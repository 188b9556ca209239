//! The one facade over the crate's synchronisation, threads and clock:
//! `std`'s in every build, [loom]'s when the crate is compiled with
//! `--cfg ffi_tasks_loom` (`scripts/loom.sh`), so that the loom models run
//! the real pool, token and handle code and explore its interleavings. The
//! shape is tokio's `src/loom/` (`std` or `mocked`, re-exported here).
//!
//! Under loom, time is the facade's too ([`time::Instant`] and
//! `Condvar::wait_timeout` in `mocked.rs`), since loom cannot model it: a
//! timed wait either times out or waits for a notification, as a model
//! chooses, and the clock moves only when one times out. Normal builds use
//! `std` directly: no wrapper sits on the hot paths.
//!
//! The cfg has the crate's name in it because a plain `--cfg loom` reaches
//! every dependency, and some (`event-listener`, via the benchmarks'
//! `blocking`) do not build with it unless their own `loom` feature is on.
//!
//! [loom]: https://docs.rs/loom

#[cfg(not(ffi_tasks_loom))]
mod std;
#[cfg(not(ffi_tasks_loom))]
pub(crate) use self::std::*;

#[cfg(ffi_tasks_loom)]
mod mocked;
#[cfg(ffi_tasks_loom)]
pub(crate) use self::mocked::*;

#[cfg(all(test, ffi_tasks_loom))]
mod models;

/// Locks `mutex`, ignoring poisoning: no critical section in this crate runs
/// user code, so a poisoned lock still guards consistent state.
pub(crate) fn lock<T>(mutex: &sync::Mutex<T>) -> sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(::std::sync::PoisonError::into_inner)
}

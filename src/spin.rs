//! Bounded spinning before blocking: a task that finishes within a few
//! microseconds is handed over without a futex sleep and wake-up (each costs
//! 2–6 µs here), which is most of a trivial task's round trip. Spinning is
//! skipped on a single core (the awaited thread could not run meanwhile) and
//! under loom (whose model cannot express time).

use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

/// The number of cores, read once (`available_parallelism` makes syscalls).
pub(crate) fn cores() -> usize {
    static CORES: AtomicUsize = AtomicUsize::new(0);
    match CORES.load(Ordering::Relaxed) {
        0 => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            CORES.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Spins until `done()` or until `limit` has passed; returns `done()`.
///
/// After a short busy spin it yields the processor between checks: when the
/// thread it waits for shares this core (the other one being busy, common on
/// a loaded 2-core machine), a pure busy spin would only delay it.
#[inline]
pub(crate) fn spin_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    if done() {
        return true;
    }
    if cfg!(ffi_tasks_loom) || limit.is_zero() || cores() < 2 {
        return false;
    }
    for _ in 0..64 {
        std::hint::spin_loop();
        if done() {
            return true;
        }
    }
    let start = Instant::now();
    loop {
        std::thread::yield_now();
        for _ in 0..8 {
            std::hint::spin_loop();
            if done() {
                return true;
            }
        }
        if start.elapsed() >= limit {
            return done();
        }
    }
}

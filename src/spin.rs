//! Bounded spinning before blocking: a task that finishes within a few
//! microseconds is handed over without a futex sleep and wake-up (each costs
//! 2–6 µs here), which is most of a trivial task's round trip. Spinning is
//! skipped on a single core (the awaited thread could not run meanwhile) and
//! under loom (whose model cannot express time).

use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use crate::loom::thread::available_parallelism;

/// The number of cores, read once (`available_parallelism` makes syscalls);
/// under loom, the model's.
pub(crate) fn cores() -> usize {
    if cfg!(ffi_tasks_loom) {
        return available_parallelism();
    }
    static CORES: AtomicUsize = AtomicUsize::new(0);
    match CORES.load(Ordering::Relaxed) {
        0 => {
            let n = available_parallelism();
            CORES.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Spins until `done()` or until `limit` has passed; returns `done()`.
///
/// It yields the processor before each short round of checks: when the
/// thread it waits for shares this core (the other one being busy, common on
/// a loaded 2-core machine), a busy spin would only delay it. Measured on 2
/// loaded cores (benches/compare.rs round trip): a pure busy spin gave 26 µs
/// when the two threads shared a core, 64 busy checks before the first yield
/// 6 µs, yielding first 0.8–3 µs; sleeping at once (no spin) 4.3 µs.
#[inline]
pub(crate) fn spin_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    if done() {
        return true;
    }
    if cfg!(ffi_tasks_loom) || limit.is_zero() || cores() < 2 {
        return false;
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

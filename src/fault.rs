//! Test hooks that make infrastructure fail on purpose (`fault-injection`
//! feature only; never enable it in production builds).

use std::sync::atomic::{AtomicUsize, Ordering};

static FAIL_THREAD_SPAWNS: AtomicUsize = AtomicUsize::new(0);

/// Makes the next `count` attempts of the built-in pool to start a worker
/// thread fail as if the OS refused to create a thread.
pub fn fail_next_thread_spawns(count: usize) {
    FAIL_THREAD_SPAWNS.store(count, Ordering::SeqCst);
}

pub(crate) fn take_thread_spawn_failure() -> bool {
    FAIL_THREAD_SPAWNS
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

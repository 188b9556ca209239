//! The facade under `--cfg ffi_tasks_loom`: loom's primitives and threads,
//! plus what loom does not model, time, as a per-execution virtual clock.
//!
//! * A timed wait (`Condvar::wait_timeout`) times out only while the model's
//!   timeout budget ([`model::allow_timeouts`]) lasts: the first timed waits
//!   reached, in whatever order the explored interleaving reaches them, time
//!   out (after yielding, as a real wait would let others run); every later
//!   one waits for a notification like `Condvar::wait`. Budget 0 (the
//!   default) is "no timeout ever fires"; a model run with budgets 0, 1, 2...
//!   covers "may time out or not" at every timed wait.
//! * The state is per model execution ([`model::reset`]).
//! * The clock ([`time::Instant`]) stands still except when a wait times out:
//!   then it jumps by that wait's duration, so the code that measures elapsed
//!   time (the pool monitor's stall period, deadlines) sees the time it
//!   waited for.
//! * Spinning (`crate::spin`) is a single check: loom schedules the awaited
//!   thread before or after it, which covers "the spin saw it" and "the spin
//!   timed out".
//! * The number of cores is a model parameter ([`model::set_cores`], 2 by
//!   default), so that the pool's thresholds do not depend on the machine.

use std::{cell::RefCell, time::Duration};

/// The state of the mocked clock and parameters.
struct ModelState {
    now: Duration,
    timeouts_left: usize,
    cores: usize,
}

const INITIAL: ModelState = ModelState {
    now: Duration::ZERO,
    timeouts_left: 0,
    cores: 2,
};

std::thread_local! {
    /// A `std` thread-local, not loom's: loom runs all the threads of a
    /// model on the test's one OS thread, so they share it, while models
    /// running in parallel on other test threads do not. (A loom
    /// `lazy_static` would be per execution, but is gone while the pool's
    /// workers wind down after the model's main thread returned.) Reset at
    /// the start of every execution by [`model::reset`].
    static STATE: RefCell<ModelState> = const { RefCell::new(INITIAL) };
}

fn with_state<R>(f: impl FnOnce(&mut ModelState) -> R) -> R {
    STATE.with(|state| f(&mut state.borrow_mut()))
}

/// What a loom model sets before it runs the code under test.
#[cfg(test)]
pub(crate) mod model {
    /// Back to the initial state: time zero, no timeouts, 2 cores.
    pub(crate) fn reset() {
        super::with_state(|s| *s = super::INITIAL);
    }

    /// Lets the first `n` timed waits of this execution time out.
    pub(crate) fn allow_timeouts(n: usize) {
        super::with_state(|s| s.timeouts_left = n);
    }

    /// The number of cores the pool sees in this execution.
    pub(crate) fn set_cores(n: usize) {
        super::with_state(|s| s.cores = n);
    }
}

pub(crate) mod sync {
    pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};

    pub(crate) use self::condvar::Condvar;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{
            AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
    }

    mod condvar {
        use std::{
            sync::{LockResult, PoisonError},
            time::Duration,
        };

        use loom::sync::MutexGuard;

        /// loom's condition variable, whose `wait_timeout` never times out,
        /// with timeouts from the model's budget.
        #[derive(Debug)]
        pub(crate) struct Condvar(loom::sync::Condvar);

        /// Whether a `wait_timeout` timed out.
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct WaitTimeoutResult(bool);

        impl WaitTimeoutResult {
            pub(crate) fn timed_out(&self) -> bool {
                self.0
            }
        }

        impl Condvar {
            pub(crate) fn new() -> Condvar {
                Condvar(loom::sync::Condvar::new())
            }

            pub(crate) fn wait<'a, T>(
                &self,
                guard: MutexGuard<'a, T>,
            ) -> LockResult<MutexGuard<'a, T>> {
                self.0.wait(guard)
            }

            pub(crate) fn wait_timeout<'a, T>(
                &self,
                guard: MutexGuard<'a, T>,
                timeout: Duration,
            ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
                if super::super::time::try_time_out(timeout) {
                    loom::thread::yield_now();
                    return Ok((guard, WaitTimeoutResult(true)));
                }
                match self.0.wait(guard) {
                    Ok(guard) => Ok((guard, WaitTimeoutResult(false))),
                    Err(poisoned) => Err(PoisonError::new((
                        poisoned.into_inner(),
                        WaitTimeoutResult(false),
                    ))),
                }
            }

            pub(crate) fn notify_one(&self) {
                self.0.notify_one();
            }

            pub(crate) fn notify_all(&self) {
                self.0.notify_all();
            }
        }
    }
}

pub(crate) mod thread {
    // Loom's: each of a model's threads has its own (they all run on one OS
    // thread).
    pub(crate) use loom::{thread::Builder, thread_local};

    /// The model's number of cores.
    pub(crate) fn available_parallelism() -> usize {
        super::with_state(|s| s.cores)
    }
}

pub(crate) mod time {
    use std::time::Duration;

    /// A point on the model's virtual clock.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub(crate) struct Instant(Duration);

    impl Instant {
        pub(crate) fn now() -> Instant {
            Instant(super::with_state(|s| s.now))
        }

        pub(crate) fn elapsed(&self) -> Duration {
            Instant::now().0.saturating_sub(self.0)
        }

        pub(crate) fn checked_add(&self, d: Duration) -> Option<Instant> {
            self.0.checked_add(d).map(Instant)
        }

        pub(crate) fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
            self.0.checked_sub(earlier.0)
        }

        pub(crate) fn saturating_duration_since(&self, earlier: Instant) -> Duration {
            self.0.saturating_sub(earlier.0)
        }
    }

    /// Whether a wait for `timeout` starting now times out; if it does, the
    /// clock moves past its deadline.
    pub(super) fn try_time_out(timeout: Duration) -> bool {
        super::with_state(|s| {
            if s.timeouts_left == 0 {
                return false;
            }
            s.timeouts_left -= 1;
            s.now = s.now.saturating_add(timeout);
            true
        })
    }
}

//! Loom models of the pool (`pool.rs`), the cancellation token
//! (`cancel.rs`), the async driver (`async_task.rs`) and the stream channel
//! (`stream.rs`), run by `scripts/loom.sh`. They drive the real code through
//! the facade; the handle's state machine has its own models next to it
//! (`completion.rs`).
//!
//! Each model runs under a preemption bound (`LOOM_MAX_PREEMPTIONS`, 2 when
//! unset) so that the whole set finishes in seconds on two cores; the pool
//! models start at most three threads besides the model's own (loom allows
//! four).

mod async_task;
mod cancel;
mod pool;
mod stream;

use std::sync::Arc as StdArc;

use anyhow::Error;

use crate::task::{CancellationToken, Task};

/// Runs `f` as a loom model with the default preemption bound, once per
/// timeout budget in `budgets` (see `crate::loom::mocked`).
fn model(budgets: &[usize], f: impl Fn() + Sync + Send + 'static) {
    let f = StdArc::new(f);
    for &budget in budgets {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(2);
        }
        let f = f.clone();
        builder.check(move || {
            crate::loom::model::reset();
            crate::loom::model::allow_timeouts(budget);
            f();
        });
    }
}

/// A task made of a closure.
struct FnTask<F>(StdArc<F>);

impl<F> Clone for FnTask<F> {
    fn clone(&self) -> Self {
        FnTask(self.0.clone())
    }
}

fn task<T, F>(f: F) -> FnTask<F>
where
    F: Fn(&CancellationToken) -> Result<T, Error> + Send + Sync,
{
    FnTask(StdArc::new(f))
}

impl<T, F> Task for FnTask<F>
where
    T: Send + Sync,
    F: Fn(&CancellationToken) -> Result<T, Error> + Send + Sync,
{
    type Output = T;

    fn run(&self, token: &CancellationToken) -> Result<T, Error> {
        (self.0)(token)
    }
}

//! [`AsyncProbe`]: an async task (`export_task!`'s `AsyncTask:` form) that
//! C++ drives through the same `TaskHandle<T>` as the blocking tasks. Its
//! future waits, holding no thread, until `example_probe_release(id)` wakes
//! it; it shares the probe counters of [`Probe`](super::Probe).

use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    task::{Context, Poll, Waker},
};

use anyhow::Error;
use ffi_tasks::{async_task::AsyncTask, task::CancellationToken};

use super::{probe_counters, ProbeOutput};

/// Reports progress `3/10` and counts a start, then returns
/// `ProbeOutput { id, value }` once released. A future dropped before that
/// (cancelled, or its handle destroyed) counts as a seen cancellation.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct AsyncProbe {
    pub id: u64,
    pub value: u64,
}

/// Wakers of the pending [`AsyncProbe`] futures: (probe id, future, waker).
static WAKERS: Mutex<Vec<(u64, u64, Waker)>> = Mutex::new(Vec::new());

/// Numbers the futures, so that each removes only its own waker.
static NEXT_FUTURE: AtomicU64 = AtomicU64::new(0);

/// Takes the registered wakers that `pick` selects out of the list.
fn take_wakers(pick: impl Fn(u64, u64) -> bool) -> Vec<Waker> {
    let mut wakers = WAKERS.lock().unwrap_or_else(|p| p.into_inner());
    let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut *wakers)
        .into_iter()
        .partition(|(id, future, _)| pick(*id, *future));
    *wakers = kept;
    taken.into_iter().map(|(_, _, waker)| waker).collect()
}

/// Wakes the pending futures of `id` (after a release).
pub(crate) fn wake(id: u64) {
    take_wakers(|of, _| of == id)
        .into_iter()
        .for_each(Waker::wake);
}

struct Released {
    id: u64,
    future: u64,
    value: u64,
    done: bool,
}

impl Future for Released {
    type Output = Result<ProbeOutput, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Registered (once) before the check: a release after it wakes
        // this waker.
        let me = self.future;
        drop(take_wakers(|_, future| future == me));
        WAKERS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((self.id, me, cx.waker().clone()));
        if probe_counters::get(self.id).released == 0 {
            return Poll::Pending;
        }
        // Nothing left behind in the list.
        drop(take_wakers(|_, future| future == me));
        self.done = true;
        Poll::Ready(Ok(ProbeOutput {
            id: self.id,
            value: self.value,
        }))
    }
}

impl Drop for Released {
    fn drop(&mut self) {
        if !self.done {
            // Its waker is not left behind for a release that never comes.
            let me = self.future;
            drop(take_wakers(|_, future| future == me));
            probe_counters::update(self.id, |c| c.saw_cancel += 1);
        }
    }
}

impl AsyncTask for AsyncProbe {
    type Output = ProbeOutput;

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        tok: CancellationToken,
    ) -> impl Future<Output = Result<ProbeOutput, Error>> + Send + 'static {
        tok.set_progress(3, 10);
        probe_counters::update(self.id, |c| c.started += 1);
        Released {
            id: self.id,
            future: NEXT_FUTURE.fetch_add(1, Ordering::Relaxed),
            value: self.value,
            done: false,
        }
    }
}

ffi_tasks::export_task! {
    AsyncTask: AsyncProbe;
    prefix: async_probe;
}

/// Blocks until `count` [`AsyncProbe`] futures with this `id` were dropped
/// unfinished: `1`, or `0` after `timeout_ms`.
#[unsafe(no_mangle)]
pub extern "C" fn example_probe_wait_saw_cancel(id: u64, count: u64, timeout_ms: u64) -> i32 {
    let timeout = std::time::Duration::from_millis(timeout_ms);
    i32::from(probe_counters::wait_for(id, timeout, |c| {
        c.saw_cancel >= count
    }))
}

//! Stream tasks (`ffi_tasks::stream`) for the C++ tests, the benchmark and
//! the demo.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{anyhow, Error};
use ffi_tasks::{
    stream::{AsyncEmitter, AsyncStreamTask, Emitter, StreamTask},
    task::CancellationToken,
};

/// Emits `0..count` through a buffer of `capacity` items; then fails with
/// "counter failed after <count> items" if `fail != 0`. With `linger != 0`
/// it then waits for its cancellation instead of ending.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Counter {
    pub count: u64,
    pub capacity: u64,
    pub fail: u32,
    pub linger: u32,
}

impl StreamTask for Counter {
    type Item = u64;

    fn capacity(&self) -> usize {
        usize::try_from(self.capacity).unwrap_or(usize::MAX)
    }

    fn run(&self, tok: &CancellationToken, out: &Emitter<u64>) -> Result<(), Error> {
        for i in 0..self.count {
            out.emit(i)?;
        }
        if self.fail != 0 {
            return Err(anyhow!("counter failed after {} items", self.count));
        }
        if self.linger != 0 {
            while !tok.wait_cancelled(std::time::Duration::from_secs(60)) {}
            tok.is_done()?;
        }
        Ok(())
    }
}

ffi_tasks::export_task! {
    StreamTask: Counter;
    prefix: counter;
}

/// The primes below `limit`, emitted as they are found (trial division, so
/// that a large limit takes a while), with progress.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PrimeStream {
    pub limit: u64,
}

impl StreamTask for PrimeStream {
    type Item = u64;

    fn capacity(&self) -> usize {
        16
    }

    fn run(&self, tok: &CancellationToken, out: &Emitter<u64>) -> Result<(), Error> {
        for n in 2..self.limit {
            if n % 1024 == 0 {
                tok.is_done()?;
                tok.set_progress(n, self.limit);
            }
            if (2..).take_while(|d| d * d <= n).all(|d| n % d != 0) {
                out.emit(n)?;
            }
        }
        tok.set_progress(self.limit, self.limit);
        Ok(())
    }
}

ffi_tasks::export_task! {
    StreamTask: PrimeStream;
    prefix: prime_stream;
}

/// Items that count themselves: `example_stream_live_items()` is how many
/// exist (made by `Tracked` streams, freed by `item_destroy` or the stream).
#[repr(C)]
#[derive(Debug)]
pub struct TrackedItem {
    pub value: u64,
}

static LIVE_ITEMS: AtomicU64 = AtomicU64::new(0);

impl TrackedItem {
    fn new(value: u64) -> TrackedItem {
        LIVE_ITEMS.fetch_add(1, Ordering::SeqCst);
        TrackedItem { value }
    }
}

impl Drop for TrackedItem {
    fn drop(&mut self) {
        LIVE_ITEMS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How many `TrackedItem`s exist now.
#[no_mangle]
pub extern "C" fn example_stream_live_items() -> u64 {
    LIVE_ITEMS.load(Ordering::SeqCst)
}

/// Emits `count` `TrackedItem`s (values `0..count`) from a future, through
/// a buffer of `capacity`, then waits for its cancellation if `linger != 0`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Tracked {
    pub count: u64,
    pub capacity: u64,
    pub linger: u32,
}

impl AsyncStreamTask for Tracked {
    type Item = TrackedItem;

    fn capacity(&self) -> usize {
        usize::try_from(self.capacity).unwrap_or(usize::MAX)
    }

    fn run(
        &self,
        tok: CancellationToken,
        out: AsyncEmitter<TrackedItem>,
    ) -> impl std::future::Future<Output = Result<(), Error>> + Send + 'static {
        let this = *self;
        async move {
            for i in 0..this.count {
                out.emit(TrackedItem::new(i)).await?;
            }
            if this.linger != 0 {
                tok.when_cancelled().await;
                tok.is_done()?;
            }
            Ok(())
        }
    }
}

ffi_tasks::export_task! {
    AsyncStreamTask: Tracked;
    prefix: tracked;
}

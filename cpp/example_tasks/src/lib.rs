//! Example tasks exported through the C ABI with `export_task!`. The C and
//! C++ test suites, the benchmarks and the demo link this staticlib; a real
//! project writes a crate like this one for its own tasks.
//!
//! Every task is exported with `export_task!`'s prefix form (every key as
//! `<prefix>_<key>`), so the CMake build generates the C declarations of its
//! types and functions (`ffi_tasks_add_crate(... HEADER
//! ffi_tasks_example_tasks.h)`): C and C++ include that header instead of
//! mirroring the `#[repr(C)]` structs by hand.

use std::os::raw::c_int;

use anyhow::{anyhow, Context, Error};
use ffi_tasks::task::{CancellationToken, Cancelled, Task};

/// Adds two numbers at once.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Add {
    pub a: u64,
    pub b: u64,
}

impl Task for Add {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        self.a
            .checked_add(self.b)
            .ok_or_else(|| anyhow!("overflow adding {} and {}", self.a, self.b))
    }
}

ffi_tasks::export_task! {
    Task: Add;
    prefix: add;
}

/// Blocks until cancelled, then returns `Err(Cancelled)` (or, with
/// `return_count != 0`, `Ok(number of wake-ups)`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Spin {
    pub return_count: c_int,
}

impl Task for Spin {
    type Output = u64;
    fn run(&self, tok: &CancellationToken) -> Result<u64, Error> {
        let mut spins = 0u64;
        while !tok.wait_cancelled(std::time::Duration::from_millis(50)) {
            spins += 1;
            tok.set_progress(spins, 0);
        }
        if self.return_count != 0 {
            Ok(spins)
        } else {
            Err(Cancelled.into())
        }
    }
}

ffi_tasks::export_task! {
    Task: Spin;
    prefix: spin;
}

/// Counts the primes below `limit`, reporting progress and honouring
/// cancellation.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CountPrimes {
    pub limit: u64,
}

impl Task for CountPrimes {
    type Output = u64;
    fn run(&self, tok: &CancellationToken) -> Result<u64, Error> {
        let mut count = 0u64;
        for n in 2..self.limit {
            if n.is_multiple_of(4096) {
                tok.is_done()?;
                tok.set_progress(n, self.limit);
            }
            if is_prime(n) {
                count += 1;
            }
        }
        tok.set_progress(self.limit, self.limit);
        Ok(count)
    }
}

fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

ffi_tasks::export_task! {
    Task: CountPrimes;
    prefix: primes;
}

/// Fails with a three-level cause chain:
/// `"task failed with code <code>: while reading input: root cause"`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Fail {
    pub code: c_int,
}

impl Task for Fail {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        Err(anyhow!("root cause"))
            .context("while reading input")
            .with_context(|| format!("task failed with code {}", self.code))
    }
}

ffi_tasks::export_task! {
    Task: Fail;
    prefix: fail;
}

/// Panics with the message `"boom"`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Boom {
    pub unused: c_int,
}

impl Task for Boom {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        panic!("boom")
    }
}

ffi_tasks::export_task! {
    Task: Boom;
    prefix: boom;
}

// ===== tasks for the C++ test suite and the demo =====

/// What a [`Probe`] task does once it has started (set its progress to
/// `3/10` and signalled `example_probe_wait_started`).
pub mod probe_mode {
    /// Return `Ok(ProbeOutput)` at once.
    pub const RETURN: u32 = 0;
    /// Block until cancelled, then return `Ok(ProbeOutput)` anyway.
    pub const RETURN_WHEN_CANCELLED: u32 = 1;
    /// Block until cancelled, then return `Err(Cancelled)`.
    pub const CANCEL_WHEN_CANCELLED: u32 = 2;
    /// Block until `example_probe_release(id)` (or cancelled: `Err(Cancelled)`),
    /// then return `Ok(ProbeOutput)`.
    pub const RETURN_WHEN_RELEASED: u32 = 3;
}

/// A task whose whole life is observable per `id`: when it started, whether
/// it saw its cancellation, and how many of its outputs were dropped. Lets
/// the C++ tests check "freed exactly once" and "destroying a running handle
/// cancels it and frees everything" without timing assumptions.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// Key of the counters (pick a fresh one per test).
    pub id: u64,
    /// Copied into the output.
    pub value: u64,
    /// One of [`probe_mode`].
    pub mode: u32,
}

/// The output of [`Probe`]: a `#[repr(C)]` struct whose `Drop` is counted.
#[repr(C)]
#[derive(Debug)]
pub struct ProbeOutput {
    /// The task's `id`.
    pub id: u64,
    /// The task's `value`.
    pub value: u64,
}

impl Drop for ProbeOutput {
    fn drop(&mut self) {
        probe_counters::update(self.id, |c| c.drops += 1);
    }
}

mod probe_counters {
    //! Per-id counters behind one mutex and condition variable. A plain
    //! `Vec` rather than a `HashMap`: a static hash table's interior pointer
    //! reads as "possibly lost" to valgrind, and there are only a few hundred
    //! ids per test process.
    use std::time::{Duration, Instant};

    use std::sync::{Condvar, Mutex, MutexGuard};

    #[derive(Default, Clone, Copy)]
    pub(crate) struct Counters {
        pub(crate) started: u64,
        pub(crate) saw_cancel: u64,
        pub(crate) released: u64,
        pub(crate) drops: u64,
    }

    static STATE: Mutex<Vec<(u64, Counters)>> = Mutex::new(Vec::new());
    static CHANGED: Condvar = Condvar::new();

    fn lock() -> MutexGuard<'static, Vec<(u64, Counters)>> {
        STATE.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn find(state: &[(u64, Counters)], id: u64) -> Counters {
        state
            .iter()
            .find(|(key, _)| *key == id)
            .map(|(_, c)| *c)
            .unwrap_or_default()
    }

    pub(crate) fn get(id: u64) -> Counters {
        find(&lock(), id)
    }

    pub(crate) fn update(id: u64, f: impl FnOnce(&mut Counters)) {
        let mut state = lock();
        match state.iter_mut().find(|(key, _)| *key == id) {
            Some((_, counters)) => f(counters),
            None => {
                let mut counters = Counters::default();
                f(&mut counters);
                state.push((id, counters));
            }
        }
        drop(state);
        CHANGED.notify_all();
    }

    /// Waits until `pred(counters of id)` holds or `timeout` passes.
    pub(crate) fn wait_for(id: u64, timeout: Duration, pred: impl Fn(&Counters) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = lock();
        loop {
            if pred(&find(&state, id)) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = CHANGED
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

impl Task for Probe {
    type Output = ProbeOutput;
    fn run(&self, tok: &CancellationToken) -> Result<ProbeOutput, Error> {
        let output = || ProbeOutput {
            id: self.id,
            value: self.value,
        };
        tok.set_progress(3, 10);
        probe_counters::update(self.id, |c| c.started += 1);
        let wait_cancel = || {
            while !tok.wait_cancelled(std::time::Duration::from_secs(1)) {}
            probe_counters::update(self.id, |c| c.saw_cancel += 1);
        };
        match self.mode {
            probe_mode::RETURN => Ok(output()),
            probe_mode::RETURN_WHEN_CANCELLED => {
                wait_cancel();
                Ok(output())
            }
            probe_mode::CANCEL_WHEN_CANCELLED => {
                wait_cancel();
                Err(Cancelled.into())
            }
            probe_mode::RETURN_WHEN_RELEASED => loop {
                if probe_counters::get(self.id).released > 0 {
                    break Ok(output());
                }
                if tok.cancelled() {
                    probe_counters::update(self.id, |c| c.saw_cancel += 1);
                    break Err(Cancelled.into());
                }
                probe_counters::wait_for(self.id, std::time::Duration::from_millis(20), |c| {
                    c.released > 0
                });
            },
            other => Err(anyhow!("unknown probe mode {other}")),
        }
    }
}

ffi_tasks::export_task! {
    Task: Probe;
    prefix: probe;
}

/// How many [`ProbeOutput`]s with this `id` were dropped.
#[unsafe(no_mangle)]
pub extern "C" fn example_probe_drops(id: u64) -> u64 {
    probe_counters::get(id).drops
}

/// How many [`Probe`] runs with this `id` saw their cancellation.
#[unsafe(no_mangle)]
pub extern "C" fn example_probe_saw_cancel(id: u64) -> u64 {
    probe_counters::get(id).saw_cancel
}

/// Lets [`Probe`] tasks with this `id` in mode `RETURN_WHEN_RELEASED` finish.
#[unsafe(no_mangle)]
pub extern "C" fn example_probe_release(id: u64) {
    probe_counters::update(id, |c| c.released += 1);
    async_probe::wake(id);
}

/// Blocks until `count` [`Probe`] runs with this `id` have started (their
/// progress is set): `1`, or `0` after `timeout_ms`.
#[unsafe(no_mangle)]
pub extern "C" fn example_probe_wait_started(id: u64, count: u64, timeout_ms: u64) -> c_int {
    let timeout = std::time::Duration::from_millis(timeout_ms);
    c_int::from(probe_counters::wait_for(id, timeout, |c| {
        c.started >= count
    }))
}

/// Blocks until `count` [`ProbeOutput`]s with this `id` have been dropped:
/// `1`, or `0` after `timeout_ms`.
#[unsafe(no_mangle)]
pub extern "C" fn example_probe_wait_drops(id: u64, count: u64, timeout_ms: u64) -> c_int {
    let timeout = std::time::Duration::from_millis(timeout_ms);
    c_int::from(probe_counters::wait_for(id, timeout, |c| c.drops >= count))
}

/// The same Rust task exported twice more, so that C++ can bind it again:
/// with an output type whose move constructor throws (`probe2`: the result
/// must still be freed) and as an owned result (`probe3`). Distinct task
/// types, so that each prefix has a C type of its own to bind.
mod probe_again {
    use anyhow::Error;
    use ffi_tasks::task::{CancellationToken, Task};

    use super::{Probe, ProbeOutput};

    /// [`Probe`], exported as `probe2_*`.
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    pub struct Probe2 {
        /// As [`Probe::id`].
        pub id: u64,
        /// As [`Probe::value`].
        pub value: u64,
        /// As [`Probe::mode`].
        pub mode: u32,
    }

    impl Task for Probe2 {
        type Output = ProbeOutput;
        fn run(&self, tok: &CancellationToken) -> Result<ProbeOutput, Error> {
            Probe {
                id: self.id,
                value: self.value,
                mode: self.mode,
            }
            .run(tok)
        }
    }

    /// [`Probe`], exported as `probe3_*`.
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    pub struct Probe3 {
        /// As [`Probe::id`].
        pub id: u64,
        /// As [`Probe::value`].
        pub value: u64,
        /// As [`Probe::mode`].
        pub mode: u32,
    }

    impl Task for Probe3 {
        type Output = ProbeOutput;
        fn run(&self, tok: &CancellationToken) -> Result<ProbeOutput, Error> {
            Probe {
                id: self.id,
                value: self.value,
                mode: self.mode,
            }
            .run(tok)
        }
    }

    ffi_tasks::export_task! {
        Task: Probe2;
        prefix: probe2;
    }

    ffi_tasks::export_task! {
        Task: Probe3;
        prefix: probe3;
    }
}
pub use probe_again::{Probe2, Probe3};

/// A task with a zero-sized output (`()`): fails with `"unit task failed"`
/// when `fail != 0`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct UnitTask {
    pub fail: c_int,
}

impl Task for UnitTask {
    type Output = ();
    fn run(&self, _: &CancellationToken) -> Result<(), Error> {
        if self.fail != 0 {
            Err(anyhow!("unit task failed"))
        } else {
            Ok(())
        }
    }
}

ffi_tasks::export_task! {
    Task: UnitTask;
    prefix: unit;
}

/// Hashes `megabytes` MiB of data generated from `seed` (an xorshift stream,
/// made one MiB at a time), with FNV-1a over 64-bit words; reports progress
/// in MiB and honours cancellation between chunks.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct HashBuffer {
    pub megabytes: u64,
    pub seed: u64,
}

impl Task for HashBuffer {
    type Output = u64;
    fn run(&self, tok: &CancellationToken) -> Result<u64, Error> {
        const WORDS: usize = (1 << 20) / 8;
        let mut chunk = vec![0u64; WORDS];
        let mut state = self.seed | 1;
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        tok.set_progress(0, self.megabytes);
        for done in 0..self.megabytes {
            tok.is_done()?;
            for word in chunk.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *word = state;
            }
            for word in &chunk {
                hash = (hash ^ word).wrapping_mul(0x0000_0100_0000_01b3);
            }
            tok.set_progress(done + 1, self.megabytes);
        }
        Ok(hash)
    }
}

ffi_tasks::export_task! {
    Task: HashBuffer;
    prefix: hash;
}

/// An async task, exported as `async_probe_*`.
pub mod async_probe;

/// Tasks whose outputs are `String`, `Vec<u8>`, `Vec<u64>` and `Box<Blob>`,
/// for C++'s `rust::String`, `rust::Vec<T>` and `rust::Box<T>` (cxx bridge).
pub mod rich;
pub mod streams;

//! Example tasks exported through the C ABI with `export_task!`. The C and
//! C++ test suites, the benchmarks and the demo link this staticlib; a real
//! project writes a crate like this one for its own tasks.
//!
//! Naming convention (what `FFI_TASKS_DECLARE_TASK(prefix, ...)` in the C and
//! C++ headers expects): every key is exported as `<prefix>_<key>`.

use std::os::raw::c_int;

use anyhow::{anyhow, Context, Error};
use ffi_tasks::task::{CancellationToken, Cancelled, Task};

/// Exports every key of `export_task!` for `$task` as `<$prefix>_<key>`.
macro_rules! export_all {
    ($task:ty, $spawn:ident, $spawn_with_token:ident, $poll:ident, $wait:ident, $wait_timeout:ident,
     $cancel:ident, $cancelled:ident, $status:ident, $progress:ident, $on_complete:ident,
     $handle_destroy:ident, $result_destroy:ident) => {
        ffi_tasks::export_task! {
            Task: $task;
            spawn: $spawn;
            spawn_with_token: $spawn_with_token;
            poll: $poll;
            wait: $wait;
            wait_timeout: $wait_timeout;
            cancel: $cancel;
            cancelled: $cancelled;
            status: $status;
            progress: $progress;
            on_complete: $on_complete;
            handle_destroy: $handle_destroy;
            result_destroy: $result_destroy;
        }
    };
}

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

export_all!(
    Add,
    add_spawn,
    add_spawn_with_token,
    add_poll,
    add_wait,
    add_wait_timeout,
    add_cancel,
    add_cancelled,
    add_status,
    add_progress,
    add_on_complete,
    add_handle_destroy,
    add_result_destroy
);

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

export_all!(
    Spin,
    spin_spawn,
    spin_spawn_with_token,
    spin_poll,
    spin_wait,
    spin_wait_timeout,
    spin_cancel,
    spin_cancelled,
    spin_status,
    spin_progress,
    spin_on_complete,
    spin_handle_destroy,
    spin_result_destroy
);

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

export_all!(
    CountPrimes,
    primes_spawn,
    primes_spawn_with_token,
    primes_poll,
    primes_wait,
    primes_wait_timeout,
    primes_cancel,
    primes_cancelled,
    primes_status,
    primes_progress,
    primes_on_complete,
    primes_handle_destroy,
    primes_result_destroy
);

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

export_all!(
    Fail,
    fail_spawn,
    fail_spawn_with_token,
    fail_poll,
    fail_wait,
    fail_wait_timeout,
    fail_cancel,
    fail_cancelled,
    fail_status,
    fail_progress,
    fail_on_complete,
    fail_handle_destroy,
    fail_result_destroy
);

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

export_all!(
    Boom,
    boom_spawn,
    boom_spawn_with_token,
    boom_poll,
    boom_wait,
    boom_wait_timeout,
    boom_cancel,
    boom_cancelled,
    boom_status,
    boom_progress,
    boom_on_complete,
    boom_handle_destroy,
    boom_result_destroy
);

//! Helpers shared by the core test binaries (each `tests/*.rs` file that
//! says `mod core_support;`). Only what a C caller could do too: read
//! LAST_ERROR through the exported `ffi_tasks_*` functions, plus
//! synchronisation primitives so that no test sleeps to synchronise.

#![allow(dead_code)]

use std::{
    os::raw::c_char,
    sync::{Arc, Condvar, Mutex},
    thread,
    time::{Duration, Instant},
};

use ffi_tasks::{c, error::ErrorKind, error_handling};

/// Generous upper bound for anything that should happen "soon". Tests never
/// assert that something took less than this; they only give up (and fail)
/// instead of hanging forever.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The calling thread's LAST_ERROR as a C caller sees it: kind and message,
/// read through `ffi_tasks_last_error_kind/length/message`.
pub fn last_error() -> (ErrorKind, Option<String>) {
    let kind = ErrorKind::from_c_int(c::ffi_tasks_last_error_kind()).expect("a valid kind");
    let length = c::ffi_tasks_last_error_length();
    if length == 0 {
        return (kind, None);
    }
    let mut buf = vec![0u8; length as usize];
    // SAFETY: `buf` has `length` writable bytes.
    let written =
        unsafe { c::ffi_tasks_last_error_message(buf.as_mut_ptr().cast::<c_char>(), length) };
    assert_eq!(written, length, "the message fills exactly its length");
    assert_eq!(buf.pop(), Some(0), "NUL-terminated");
    (kind, Some(String::from_utf8(buf).expect("UTF-8 message")))
}

/// Asserts that LAST_ERROR is empty.
#[track_caller]
pub fn assert_no_error() {
    let (kind, message) = last_error();
    assert_eq!(
        (kind, message.as_deref()),
        (ErrorKind::None, None),
        "expected no error"
    );
}

/// Asserts LAST_ERROR has `kind` and a message containing `needle`; returns
/// the message.
#[track_caller]
pub fn assert_error(kind: ErrorKind, needle: &str) -> String {
    let (got, message) = last_error();
    let message = message.unwrap_or_else(|| panic!("expected a {kind} error, got none"));
    assert_eq!(got, kind, "unexpected kind; message: {message}");
    assert!(
        message.contains(needle),
        "message {message:?} should contain {needle:?}"
    );
    message
}

/// Stores an error that no exported function would produce, so a test can
/// check that the next call clears it (or that an accessor leaves it alone).
pub fn set_stale_error() {
    error_handling::update_last_error(anyhow::anyhow!("stale error from an earlier call"));
    assert_eq!(c::ffi_tasks_last_error_kind(), ErrorKind::Failed as i32);
}

/// A counter that threads bump and others wait on (condition variable, no
/// sleeping).
#[derive(Clone, Default)]
pub struct Counter(Arc<(Mutex<usize>, Condvar)>);

impl Counter {
    pub fn new() -> Counter {
        Counter::default()
    }

    pub fn bump(&self) {
        let (count, changed) = &*self.0;
        *count.lock().unwrap() += 1;
        changed.notify_all();
    }

    pub fn get(&self) -> usize {
        *self.0 .0.lock().unwrap()
    }

    /// Blocks until the count reaches `n`; panics after [`PATIENCE`].
    #[track_caller]
    pub fn wait_for(&self, n: usize) {
        let (count, changed) = &*self.0;
        let (guard, timeout) = changed
            .wait_timeout_while(count.lock().unwrap(), PATIENCE, |c| *c < n)
            .unwrap();
        assert!(
            !timeout.timed_out(),
            "gave up waiting for count {n} (got {})",
            *guard
        );
    }
}

/// Re-checks `condition` until it holds; panics after [`PATIENCE`]. Only for
/// state that offers nothing to block on (pool counters).
#[track_caller]
pub fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < PATIENCE, "gave up waiting until {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// A counter that lives for the rest of the test binary, so that a C
/// callback registered with it can never outlive it, even if a test fails
/// early.
pub fn leaked_counter() -> &'static Counter {
    Box::leak(Box::new(Counter::new()))
}

/// A C completion callback: bumps the [`Counter`] `user_data` points to.
///
/// # Safety
///
/// `user_data` comes from [`as_user_data`].
pub unsafe extern "C" fn bump(user_data: *mut std::ffi::c_void) {
    // SAFETY: every registration passes a `&'static Counter`.
    unsafe { &*user_data.cast::<Counter>() }.bump();
}

/// `counter` as the `user_data` of [`bump`].
pub fn as_user_data(counter: &'static Counter) -> *mut std::ffi::c_void {
    std::ptr::from_ref(counter).cast_mut().cast()
}

/// How a [`Gate`] ends once it is cancelled.
#[derive(Debug, Clone, Copy)]
pub enum Ending {
    /// `Ok(value)`.
    Value(u64),
    /// `Err(Cancelled)`.
    Cancelled,
    /// A plain error.
    Fail,
    /// A panic.
    Panic,
}

/// Reports progress `3/10`, says it started, blocks until cancelled, then
/// ends as told. Lets a test hold a task in the running state for as long
/// as it likes without sleeping. Clones share the counters.
#[derive(Clone)]
pub struct Gate {
    /// Bumped when `run` starts (after the progress report).
    pub started: Counter,
    /// Bumped when `run` sees the cancellation.
    pub saw_cancel: Counter,
    /// What `run` returns after the cancellation.
    pub ending: Ending,
}

impl Gate {
    pub fn new(ending: Ending) -> Gate {
        Gate {
            started: Counter::new(),
            saw_cancel: Counter::new(),
            ending,
        }
    }
}

impl ffi_tasks::Task for Gate {
    type Output = u64;
    fn run(&self, tok: &ffi_tasks::task::CancellationToken) -> anyhow::Result<u64> {
        tok.set_progress(3, 10);
        self.started.bump();
        if !tok.wait_cancelled(PATIENCE) {
            anyhow::bail!("the test never cancelled the gate");
        }
        self.saw_cancel.bump();
        match self.ending {
            Ending::Value(v) => Ok(v),
            Ending::Cancelled => Err(ffi_tasks::task::Cancelled.into()),
            Ending::Fail => Err(anyhow::anyhow!("gate failed on purpose")),
            Ending::Panic => panic!("gate panicked on purpose"),
        }
    }
}

//! Shared by the reliability tests (`stress.rs`, `proptest_c_abi.rs`,
//! `fault_injection.rs`, `misuse.rs`, `shutdown.rs`): reading `LAST_ERROR`
//! through the C ABI, a hang guard, a bounded wait for the global pool to
//! drain, a panic hook that keeps deliberate panics quiet, and a runner that
//! re-executes the test binary as a bounded child process. The fuzzer
//! (`fuzz/fuzz_targets/c_abi_ops.rs`) includes it too, through `#[path]`.
//!
//! Every bound here is a hang guard only: no test asserts how long anything
//! took.

#![allow(dead_code, unreachable_pub)]

use std::{
    io::Read,
    os::raw::c_char,
    process::{Command, ExitStatus, Stdio},
    sync::{mpsc, Once},
    thread,
    time::{Duration, Instant},
};

use ffi_tasks::{c, error::ErrorKind, pool::PoolStats};

/// Every deliberate panic message starts with this, so that the panic hook
/// can keep it out of the test output.
pub const EXPECTED_PANIC: &str = "[expected panic]";

/// Installs (once) a panic hook that prints nothing for panics whose message
/// starts with [`EXPECTED_PANIC`] and defers to the default hook otherwise.
pub fn quiet_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            // `starts_with`: a failed assertion quoting such a message must
            // still be shown.
            if !message.is_some_and(|m| m.starts_with(EXPECTED_PANIC)) {
                default(info);
            }
        }));
    });
}

/// The calling thread's `LAST_ERROR` kind, read through the C ABI.
pub fn last_kind() -> ErrorKind {
    let raw = c::ffi_tasks_last_error_kind();
    ErrorKind::from_c_int(raw).unwrap_or_else(|| panic!("unknown error kind {raw}"))
}

/// The calling thread's `LAST_ERROR` message, read through the C ABI
/// (`None` when there is no error). Checks the length/NUL contract on the way.
pub fn last_message() -> Option<String> {
    let len = c::ffi_tasks_last_error_length();
    assert!(len >= 0, "negative error length {len}");
    if len == 0 {
        return None;
    }
    let mut buf = vec![0u8; len as usize];
    // SAFETY: `buf` has `len` writable bytes.
    let written =
        unsafe { c::ffi_tasks_last_error_message(buf.as_mut_ptr().cast::<c_char>(), len) };
    assert_eq!(written, len, "message length and bytes written differ");
    assert_eq!(buf.pop(), Some(0), "message is not NUL-terminated");
    Some(String::from_utf8(buf).expect("message is UTF-8"))
}

/// `(kind, message)` of the calling thread's `LAST_ERROR`.
pub fn last_error() -> (ErrorKind, Option<String>) {
    let kind = last_kind();
    let message = last_message();
    assert_eq!(
        kind == ErrorKind::None,
        message.is_none(),
        "kind {kind} and message {message:?} disagree"
    );
    (kind, message)
}

/// Aborts the whole process (after printing `context`) unless dropped within
/// `limit`. A hang guard for tests that could otherwise block CI forever.
pub struct Watchdog {
    done: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    pub fn start(limit: Duration, context: String) -> Watchdog {
        let (done, rx) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                    eprintln!("HANG GUARD: still running after {limit:?}: {context}");
                    std::process::abort();
                }
            })
            .expect("start the watchdog thread");
        Watchdog {
            done: Some(done),
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The global pool's counters, through the C ABI.
pub fn pool_stats() -> PoolStats {
    let mut stats = PoolStats::default();
    // SAFETY: `stats` is a valid, writable `PoolStats`.
    let rc = unsafe { c::ffi_tasks_pool_stats(&mut stats) };
    assert_eq!(rc, 0, "ffi_tasks_pool_stats failed: {:?}", last_error());
    stats
}

/// Waits (at most `bound`, a hang guard) until the global pool runs and
/// queues nothing and every worker is idle; returns the final snapshot.
pub fn wait_pool_quiet(bound: Duration) -> PoolStats {
    let start = Instant::now();
    loop {
        let s = pool_stats();
        if s.running == 0 && s.queued == 0 && s.idle == s.threads {
            return s;
        }
        assert!(
            start.elapsed() < bound,
            "the pool did not drain within {bound:?} (hang guard): {s:?}"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

/// What a child run of the test binary did.
#[derive(Debug)]
pub struct ChildRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Re-runs this test binary with only the test `test_name` and the extra
/// environment `env`, waits at most `bound` (then kills it and panics).
pub fn run_child(test_name: &str, env: &[(&str, &str)], bound: Duration) -> ChildRun {
    let exe = std::env::current_exe().expect("current test binary");
    let mut cmd = Command::new(exe);
    cmd.args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start the child process");
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            break status;
        }
        if start.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            let stdout = out_reader.join().unwrap_or_default();
            let stderr = err_reader.join().unwrap_or_default();
            panic!(
                "child `{test_name}` {env:?} did not exit within {bound:?} (hang guard); \
                 killed it.\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    ChildRun {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

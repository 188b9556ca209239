//! LAST_ERROR and the typed error kinds: the Rust accessors, the C buffer
//! functions (`ffi_tasks_last_error_*` and the seed-named symbols exported by
//! `export_error_handling_functions!`), cause chains, and panics caught at
//! every boundary (a task's `run`, its `Clone`, its output's `Drop`, an
//! error's `Display`).

mod core_support;

use std::{
    fmt,
    os::raw::{c_char, c_int},
    ptr,
    sync::atomic::{AtomicUsize, Ordering},
};

use anyhow::{anyhow, Context, Error};
use core_support::{as_user_data, assert_error, assert_no_error, bump, last_error, leaked_counter};
use ffi_tasks::{
    c,
    error::{
        AlreadyTaken, ErrorKind, InvalidArgument, InvalidHandle, NullPointer, Panic, SpawnFailed,
        TimedOut,
    },
    error_handling::{self, *},
    task::{CancellationToken, Cancelled, Task, TaskHandle, TaskStatus},
};

// The seed's C names, exported from this (downstream) crate.
ffi_tasks::export_error_handling_functions!();

use __ffi_tasks_errors as seed;

// ===== tasks =====

/// Fails with the error its `make` function builds.
#[derive(Clone)]
pub struct FailWith {
    make: fn() -> Error,
}

impl Task for FailWith {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        Err((self.make)())
    }
}

ffi_tasks::export_task! {
    Task: FailWith;
    spawn: fail_spawn;
    wait: fail_wait;
    status: fail_status;
    on_complete: fail_on_complete;
    wait_timeout: fail_wait_timeout;
    handle_destroy: fail_handle_destroy;
}

/// Panics with a `&str`, a `String` or a non-string payload.
#[derive(Clone)]
pub struct Boom {
    payload: u8,
}

impl Task for Boom {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        match self.payload {
            0 => panic!("boom"),
            1 => panic!("boom number {}", 42),
            _ => std::panic::panic_any(7_u32),
        }
    }
}

ffi_tasks::export_task! {
    Task: Boom;
    spawn: boom_spawn;
    wait: boom_wait;
}

/// A task whose `Clone` panics: `spawn` clones the caller's task.
pub struct BadClone;

impl Clone for BadClone {
    fn clone(&self) -> Self {
        panic!("clone exploded")
    }
}

impl Task for BadClone {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        Ok(1)
    }
}

ffi_tasks::export_task! {
    Task: BadClone;
    spawn: bad_clone_spawn;
    spawn_with_token: bad_clone_spawn_with_token;
}

static LOUD_DROPS: AtomicUsize = AtomicUsize::new(0);

/// An output whose `Drop` panics.
pub struct Loud(pub u64);

impl Drop for Loud {
    fn drop(&mut self) {
        LOUD_DROPS.fetch_add(1, Ordering::SeqCst);
        panic!("drop of Loud({}) exploded", self.0);
    }
}

/// Returns a [`Loud`].
#[derive(Clone)]
pub struct MakeLoud;

impl Task for MakeLoud {
    type Output = Loud;
    fn run(&self, _: &CancellationToken) -> Result<Loud, Error> {
        Ok(Loud(9))
    }
}

ffi_tasks::export_task! {
    Task: MakeLoud;
    spawn: loud_spawn;
    wait: loud_wait;
    result_destroy: loud_result_destroy;
}

/// An error whose `Display` panics.
#[derive(Debug)]
struct Unprintable;

impl fmt::Display for Unprintable {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("display exploded")
    }
}

impl std::error::Error for Unprintable {}

// ===== the Rust accessors =====

#[test]
fn update_take_and_clear() {
    clear_last_error();
    assert_eq!(last_error_length(), 0);
    assert_eq!(last_error_length_utf16(), 0);
    assert_eq!(last_error_kind(), ErrorKind::None);
    assert!(error_message().is_none());
    assert!(take_last_error().is_none());

    update_last_error(anyhow!("héllo"));
    assert_eq!(last_error_length(), "héllo".len() as c_int + 1);
    assert_eq!(last_error_length_utf16(), 6);
    assert_eq!(error_message().as_deref(), Some("héllo"));
    assert_eq!(last_error_kind(), ErrorKind::Failed);
    // Peeking does not clear.
    assert_eq!(error_message().as_deref(), Some("héllo"));

    let taken = take_last_error().expect("an error");
    assert_eq!(taken.to_string(), "héllo");
    assert_eq!(last_error_length(), 0);

    update_last_error(NullPointer("x"));
    clear_last_error();
    assert_no_error();
}

#[test]
fn last_error_is_per_thread() {
    update_last_error(anyhow!("main thread error"));
    std::thread::spawn(|| {
        assert_eq!(last_error_length(), 0);
        update_last_error(anyhow!("other"));
    })
    .join()
    .unwrap();
    assert_eq!(error_message().as_deref(), Some("main thread error"));
}

// ===== the C buffer functions =====

fn c_message(len: c_int) -> (c_int, Vec<u8>) {
    let mut buf = vec![0xAA_u8; len.max(0) as usize];
    let n = unsafe { c::ffi_tasks_last_error_message(buf.as_mut_ptr().cast(), len) };
    (n, buf)
}

#[test]
fn message_buffer_sizes() {
    update_last_error(anyhow!("abc"));
    assert_eq!(c::ffi_tasks_last_error_length(), 4);

    // Exactly the reported length: written with its NUL.
    let (n, buf) = c_message(4);
    assert_eq!(n, 4);
    assert_eq!(buf, b"abc\0");

    // Larger: the same, the rest untouched.
    let (n, buf) = c_message(8);
    assert_eq!(n, 4);
    assert_eq!(&buf[..4], b"abc\0");
    assert_eq!(&buf[4..], &[0xAA; 4]);

    // One short (no room for the NUL), and zero: too small, untouched.
    for len in [3, 0] {
        let (n, buf) = c_message(len);
        assert_eq!(n, BUFFER_TOO_SMALL);
        assert_eq!(n, -1);
        assert!(buf.iter().all(|&b| b == 0xAA));
    }
    // None of that changed the error.
    assert_eq!(error_message().as_deref(), Some("abc"));
}

#[test]
fn bad_buffers_return_minus_two_and_keep_the_real_error() {
    update_last_error(Error::new(TimedOut));
    let before = last_error();

    let mut buf = [0 as c_char; 64];
    unsafe {
        assert_eq!(c::ffi_tasks_last_error_message(ptr::null_mut(), 64), -2);
        assert_eq!(c::ffi_tasks_last_error_message(ptr::null_mut(), -1), -2);
        assert_eq!(c::ffi_tasks_last_error_message(buf.as_mut_ptr(), -1), -2);
        assert_eq!(
            c::ffi_tasks_last_error_message(buf.as_mut_ptr(), c_int::MIN),
            -2
        );
    }
    assert_eq!(INVALID_BUFFER, -2);
    assert_eq!(last_error(), before, "the real error is not overwritten");
    assert_eq!(before.0, ErrorKind::TimedOut);
}

#[test]
fn no_error_writes_an_empty_string_and_returns_zero() {
    clear_last_error();
    let (n, buf) = c_message(4);
    assert_eq!(n, 0);
    assert_eq!(buf[0], 0);
    // A zero-length buffer is fine too (nothing written).
    let (n, _) = c_message(0);
    assert_eq!(n, 0);
    assert_eq!(c::ffi_tasks_last_error_kind(), 0);
}

#[test]
fn seed_named_functions_from_export_error_handling_functions() {
    let message = "ab€"; // 5 UTF-8 bytes, 3 UTF-16 units
    update_last_error(anyhow!(message).context("ctx"));
    let full = "ctx: ab€";

    assert_eq!(seed::last_error_length(), full.len() as c_int + 1);
    assert_eq!(seed::last_error_length_utf16(), 9);
    assert_eq!(seed::last_error_kind(), ErrorKind::Failed as c_int);

    let mut utf8 = vec![0 as c_char; full.len() + 1];
    let n = unsafe { seed::error_message_utf8(utf8.as_mut_ptr(), utf8.len() as c_int) };
    assert_eq!(n, full.len() as c_int + 1);
    let bytes: Vec<u8> = utf8.iter().map(|&b| b as u8).collect();
    assert_eq!(&bytes[..full.len()], full.as_bytes());
    assert_eq!(bytes[full.len()], 0);

    // UTF-16: `length` counts u16 units; the return value counts bytes.
    let mut utf16 = vec![0xFFFF_u16; 9];
    let n = unsafe { seed::error_message_utf16(utf16.as_mut_ptr(), 9) };
    assert_eq!(n, 18);
    let expected: Vec<u16> = full.encode_utf16().chain([0]).collect();
    assert_eq!(utf16, expected);

    let mut short = vec![0xFFFF_u16; 8];
    assert_eq!(
        unsafe { seed::error_message_utf16(short.as_mut_ptr(), 8) },
        -1
    );
    assert!(short.iter().all(|&u| u == 0xFFFF));
    unsafe {
        assert_eq!(seed::error_message_utf16(ptr::null_mut(), 9), -2);
        assert_eq!(seed::error_message_utf16(short.as_mut_ptr(), -3), -2);
        assert_eq!(seed::error_message_utf8(ptr::null_mut(), 9), -2);
        assert_eq!(seed::error_message_utf8(utf8.as_mut_ptr(), -3), -2);
    }
    // Reading never cleared it.
    assert_eq!(error_message().as_deref(), Some(full));

    seed::clear_last_error();
    assert_eq!(seed::last_error_length(), 0);
    assert_eq!(seed::last_error_length_utf16(), 0);
    assert_eq!(seed::last_error_kind(), 0);
    let mut empty = [0xFFFF_u16; 2];
    assert_eq!(
        unsafe { seed::error_message_utf16(empty.as_mut_ptr(), 2) },
        0
    );
    assert_eq!(empty[0], 0);
}

// ===== kinds and cause chains =====

#[test]
fn kind_codes_are_stable() {
    let expected = [
        (ErrorKind::None, 0, "none"),
        (ErrorKind::Failed, 1, "failed"),
        (ErrorKind::Cancelled, 2, "cancelled"),
        (ErrorKind::Panicked, 3, "panicked"),
        (ErrorKind::NullPointer, 4, "null_pointer"),
        (ErrorKind::AlreadyTaken, 5, "already_taken"),
        (ErrorKind::InvalidArgument, 6, "invalid_argument"),
        (ErrorKind::TimedOut, 7, "timed_out"),
        (ErrorKind::SpawnFailed, 8, "spawn_failed"),
        (ErrorKind::InvalidHandle, 9, "invalid_handle"),
    ];
    assert_eq!(ErrorKind::ALL.len(), expected.len());
    for (kind, code, name) in expected {
        assert_eq!(kind as c_int, code);
        assert_eq!(ErrorKind::from_c_int(code), Some(kind));
        assert_eq!(kind.name(), name);
        assert_eq!(kind.to_string(), name);
        assert_eq!(kind.c_name().to_str().unwrap(), name);
    }
    assert_eq!(ErrorKind::from_c_int(-1), None);
    assert_eq!(ErrorKind::from_c_int(10), None);

    let statuses = [
        (TaskStatus::Running, 0),
        (TaskStatus::Completed, 1),
        (TaskStatus::Failed, 2),
        (TaskStatus::Cancelled, 3),
        (TaskStatus::Panicked, 4),
        (TaskStatus::Taken, 5),
    ];
    for (status, code) in statuses {
        assert_eq!(status as c_int, code);
        assert_eq!(status.is_finished(), status != TaskStatus::Running);
    }
}

#[test]
fn the_kind_is_found_anywhere_in_the_cause_chain() {
    let cases: Vec<(Error, ErrorKind)> = vec![
        (anyhow!("plain"), ErrorKind::Failed),
        (Error::new(Cancelled), ErrorKind::Cancelled),
        (
            Err::<(), _>(Cancelled).context("x").unwrap_err(),
            ErrorKind::Cancelled,
        ),
        (
            Error::new(Cancelled).context("inner").context("outer"),
            ErrorKind::Cancelled,
        ),
        (
            Error::new(Panic {
                message: "p".into(),
            }),
            ErrorKind::Panicked,
        ),
        (
            Error::new(NullPointer("p")).context("c"),
            ErrorKind::NullPointer,
        ),
        (Error::new(AlreadyTaken), ErrorKind::AlreadyTaken),
        (
            Error::new(InvalidArgument("a".into())),
            ErrorKind::InvalidArgument,
        ),
        (Error::new(TimedOut), ErrorKind::TimedOut),
        (Error::new(SpawnFailed("s".into())), ErrorKind::SpawnFailed),
        (Error::new(InvalidHandle(8)), ErrorKind::InvalidHandle),
    ];
    for (error, kind) in cases {
        assert_eq!(ErrorKind::of(&error), kind, "{error:#}");
        update_last_error(error);
        assert_eq!(last_error_kind(), kind);
        assert_eq!(c::ffi_tasks_last_error_kind(), kind as c_int);
    }
}

#[test]
fn a_failed_task_reports_its_whole_cause_chain() {
    let task = FailWith {
        make: || anyhow!("root").context("inner").context("outer"),
    };
    unsafe {
        assert!(fail_wait(fail_spawn(&task)).is_null());
    }
    let (kind, message) = last_error();
    assert_eq!(kind, ErrorKind::Failed);
    assert_eq!(message.as_deref(), Some("outer: inner: root"));
}

#[test]
fn a_task_returning_cancelled_in_context_is_cancelled() {
    let task = FailWith {
        make: || {
            Err::<(), _>(Cancelled)
                .context("while hashing")
                .unwrap_err()
        },
    };
    unsafe {
        let h = fail_spawn(&task);
        // Wait for the outcome without taking it, to check the status too.
        let done = leaked_counter();
        assert_eq!(fail_on_complete(h, Some(bump), as_user_data(done)), 0);
        done.wait_for(1);
        assert_eq!(fail_status(h), TaskStatus::Cancelled as c_int);
        assert!(fail_wait(h).is_null());
    }
    let message = assert_error(ErrorKind::Cancelled, "while hashing");
    assert_eq!(message, "while hashing: The task was cancelled");
}

#[test]
fn an_error_whose_display_panics_is_still_reported() {
    let task = FailWith {
        make: || Error::new(Unprintable),
    };
    unsafe {
        let h = fail_spawn(&task);
        assert!(fail_wait_timeout(h, core_support::PATIENCE.as_millis() as u64).is_null());
        assert_error(ErrorKind::Panicked, "display exploded");
        fail_handle_destroy(h);
        assert_no_error();
    }
}

// ===== panics =====

#[test]
fn a_panicking_task_reports_its_message() {
    for (payload, needle) in [(0, "boom"), (1, "boom number 42"), (2, "Box<dyn Any>")] {
        unsafe {
            assert!(boom_wait(boom_spawn(&Boom { payload })).is_null());
        }
        let message = assert_error(ErrorKind::Panicked, needle);
        assert!(message.starts_with("panicked: "), "{message}");
    }
    // The same through the Rust API.
    let err = TaskHandle::spawn(Boom { payload: 1 }).wait().unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::Panicked);
    assert_eq!(
        err.downcast_ref::<Panic>().unwrap().message,
        "boom number 42"
    );
}

#[test]
fn a_panicking_clone_fails_the_spawn() {
    unsafe {
        assert!(bad_clone_spawn(&BadClone).is_null());
        assert_error(ErrorKind::Panicked, "clone exploded");

        let token = c::ffi_tasks_token_new();
        assert!(bad_clone_spawn_with_token(&BadClone, token).is_null());
        assert_error(ErrorKind::Panicked, "clone exploded");
        c::ffi_tasks_token_destroy(token);
        assert_no_error();
    }
}

#[test]
fn a_panicking_output_drop_is_reported_by_result_destroy() {
    unsafe {
        let r = loud_wait(loud_spawn(&MakeLoud));
        assert_no_error();
        assert_eq!((*r).0, 9);
        let before = LOUD_DROPS.load(Ordering::SeqCst);
        loud_result_destroy(r);
        assert_error(ErrorKind::Panicked, "drop of Loud(9) exploded");
        assert!(LOUD_DROPS.load(Ordering::SeqCst) > before);
    }
    // Still alive and well: the next call clears the error.
    unsafe { loud_result_destroy(ptr::null_mut()) };
    assert_error(ErrorKind::NullPointer, "`result`");
}

#[test]
fn error_handling_module_docs_name_the_constants() {
    // The constants are part of the C contract.
    assert_eq!(error_handling::BUFFER_TOO_SMALL, -1);
    assert_eq!(error_handling::INVALID_BUFFER, -2);
}

/// Panics in `run`, and again in `Drop` once it has been cloned for a spawn.
pub struct PanicTwice {
    armed: bool,
}

impl Clone for PanicTwice {
    fn clone(&self) -> Self {
        PanicTwice { armed: true }
    }
}

impl Drop for PanicTwice {
    fn drop(&mut self) {
        if self.armed {
            panic!("drop panicked too");
        }
    }
}

impl Task for PanicTwice {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        panic!("run panicked")
    }
}

ffi_tasks::export_task! {
    Task: PanicTwice;
    spawn: twice_spawn;
    wait: twice_wait;
}

#[test]
fn a_task_panicking_in_run_and_in_drop_does_not_abort() {
    // SAFETY: a valid task; the handle is consumed by wait.
    let result = unsafe { twice_wait(twice_spawn(&PanicTwice { armed: false })) };
    assert!(result.is_null());
    assert_error(ErrorKind::Panicked, "run panicked");
}

#[test]
fn an_interior_nul_in_a_message_is_escaped_so_c_sees_all_of_it() {
    let task = FailWith {
        make: || anyhow!("before\0after"),
    };
    // SAFETY: a valid task; the handle is consumed by wait.
    let result = unsafe { fail_wait(fail_spawn(&task)) };
    assert!(result.is_null());
    let (len, bytes) = c_message(c::ffi_tasks_last_error_length());
    assert_eq!(len, c::ffi_tasks_last_error_length());
    let text = std::ffi::CStr::from_bytes_until_nul(&bytes)
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(text, "before\\0after");
    assert_eq!(text.len() + 1, len as usize);
}

#[test]
fn a_task_error_containing_a_library_marker_is_still_failed() {
    // The task's own error mentions TimedOut / AlreadyTaken; the C layer must
    // report how the task ended (failed), not what the chain contains.
    for make in [
        (|| Error::new(TimedOut).context("upstream call")) as fn() -> Error,
        || Error::new(AlreadyTaken),
        || Error::new(NullPointer("inner")),
    ] {
        let task = FailWith { make };
        // SAFETY: a valid task; the handle is destroyed below.
        unsafe {
            let handle = fail_spawn(&task);
            let result = fail_wait_timeout(handle, u64::MAX);
            assert!(result.is_null());
            assert_eq!(last_error().0, ErrorKind::Failed, "{:?}", last_error().1);
            assert_eq!(fail_status(handle), TaskStatus::Taken as c_int);
            // Now it really is taken.
            assert!(fail_wait_timeout(handle, 0).is_null());
            assert_eq!(last_error().0, ErrorKind::AlreadyTaken);
            fail_handle_destroy(handle);
        }
    }
}

//! Wait sets (`ffi_tasks::waitset`, `ffi_tasks_waitset_*`): wait-any in
//! completion order, wait-all, the empty and timed-out outcomes, the
//! descriptor's level-triggered readiness under poll(2) and epoll, a set
//! destroyed while members run, a descriptor closed early, a handle added
//! twice or destroyed while in the set, 10,000 members, several waiting
//! threads, and the C functions' null-pointer errors.
//!
//! Tasks finish when the test releases them (a latch token), never after a
//! sleep, so the order of completions is the test's.
#![cfg(unix)]

mod core_support;

use std::{
    collections::BTreeSet, ffi::c_void, os::raw::c_int, ptr, sync::Arc, thread, time::Duration,
};

use anyhow::Error;
use core_support::{assert_error, PATIENCE};
use ffi_tasks::{
    c,
    error::ErrorKind,
    task::{CancellationToken, Cancelled, Task, TaskHandle, TaskStatus},
    waitset::{WaitOutcome, WaitSet},
};

/// Returns `id` once `latch` is cancelled; `Cancelled` if its own token is.
#[derive(Clone)]
struct Latched {
    id: u64,
    latch: CancellationToken,
}

impl Task for Latched {
    type Output = u64;
    fn run(&self, tok: &CancellationToken) -> Result<u64, Error> {
        let both = self.latch.child_token();
        // Wakes on either: the latch (through `both`) or our own token.
        let watch = tok.clone();
        while !both.wait_cancelled(Duration::from_millis(5)) {
            if watch.cancelled() {
                return Err(Cancelled.into());
            }
        }
        Ok(self.id)
    }
}

fn latched(id: u64, latch: &CancellationToken) -> TaskHandle<u64> {
    TaskHandle::spawn(Latched {
        id,
        latch: latch.clone(),
    })
}

ffi_tasks::export_task! {
    Task: Latched;
    spawn: latched_spawn;
    on_complete: latched_on_complete;
    wait: latched_wait;
    handle_destroy: latched_handle_destroy;
    result_destroy: latched_result_destroy;
}

/// The adapter `FFI_TASKS_DECLARE_WAITSET_ADD(latched)` defines in C.
unsafe extern "C" fn latched_on_complete_erased(
    handle: *mut c_void,
    callback: c::CompletionCallback,
    user_data: *mut c_void,
) -> c_int {
    // SAFETY: the wait set passes the handle it was given, a latched handle.
    unsafe { latched_on_complete(handle.cast(), callback, user_data) }
}

fn readable(fd: c_int, timeout_ms: c_int) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
    assert!(n >= 0, "poll failed");
    n == 1 && pfd.revents & libc::POLLIN != 0
}

fn close(fd: c_int) {
    // SAFETY: a descriptor the test owns (from `WaitSet::fd`).
    assert_eq!(unsafe { libc::close(fd) }, 0);
}

const PATIENT: Option<Duration> = Some(PATIENCE);
const NOW: Option<Duration> = Some(Duration::ZERO);

#[test]
fn wait_any_returns_tags_in_completion_order() {
    let set = WaitSet::new();
    let latches: Vec<_> = (0..3).map(|_| CancellationToken::new()).collect();
    let handles: Vec<_> = (0..3).map(|i| latched(i, &latches[i as usize])).collect();
    for (i, h) in handles.iter().enumerate() {
        set.add(h, 100 + i as u64).unwrap();
    }
    assert_eq!(set.len(), 3);
    assert_eq!(set.wait(NOW), WaitOutcome::TimedOut);
    for i in [2usize, 0, 1] {
        latches[i].cancel();
        assert_eq!(set.wait(PATIENT), WaitOutcome::Completed(100 + i as u64));
        assert_eq!(
            handles[i].poll().unwrap().unwrap(),
            i as u64,
            "result stays in the handle"
        );
    }
    assert_eq!(set.wait(PATIENT), WaitOutcome::Empty);
    assert!(set.is_empty());
}

#[test]
fn empty_set_and_timeouts() {
    let set = WaitSet::new();
    assert_eq!(
        set.wait(None),
        WaitOutcome::Empty,
        "never blocks when empty"
    );
    assert!(set.wait_all(None));
    let latch = CancellationToken::new();
    let h = latched(1, &latch);
    set.add(&h, 1).unwrap();
    assert_eq!(
        set.wait(Some(Duration::from_millis(10))),
        WaitOutcome::TimedOut
    );
    assert!(!set.wait_all(Some(Duration::from_millis(10))));
    latch.cancel();
    assert_eq!(set.wait(None), WaitOutcome::Completed(1));
}

#[test]
fn wait_all_waits_for_every_member_and_keeps_their_tags() {
    let set = WaitSet::new();
    let latch = CancellationToken::new();
    let handles: Vec<_> = (0..5).map(|i| latched(i, &latch)).collect();
    for (i, h) in handles.iter().enumerate() {
        set.add(h, i as u64).unwrap();
    }
    assert!(!set.wait_all(NOW));
    latch.cancel();
    assert!(set.wait_all(PATIENT));
    assert_eq!(set.len(), 5, "tags stay queued");
    let mut tags = BTreeSet::new();
    while let WaitOutcome::Completed(tag) = set.wait(NOW) {
        tags.insert(tag);
    }
    assert_eq!(tags, (0..5).collect());
}

#[test]
fn an_unbounded_wait_returns_once_a_member_finishes() {
    let set = Arc::new(WaitSet::new());
    let latch = CancellationToken::new();
    let h = latched(9, &latch);
    set.add(&h, 9).unwrap();
    let waiter = {
        let set = set.clone();
        thread::spawn(move || set.wait(Some(Duration::MAX)))
    };
    latch.cancel();
    assert_eq!(waiter.join().unwrap(), WaitOutcome::Completed(9));
}

#[test]
fn fd_is_readable_exactly_while_a_tag_is_queued() {
    let set = WaitSet::new();
    let fd = set.fd().unwrap();
    let latches: Vec<_> = (0..2).map(|_| CancellationToken::new()).collect();
    let handles: Vec<_> = (0..2).map(|i| latched(i, &latches[i as usize])).collect();
    for (i, h) in handles.iter().enumerate() {
        set.add(h, i as u64).unwrap();
    }
    assert!(!readable(fd, 0), "nothing finished yet");
    latches[0].cancel();
    latches[1].cancel();
    assert!(set.wait_all(PATIENT));
    assert!(readable(fd, 0));
    assert!(
        readable(fd, 0),
        "level-triggered: still readable until drained"
    );
    assert!(matches!(set.wait(NOW), WaitOutcome::Completed(_)));
    assert!(readable(fd, 0), "one tag left");
    assert!(matches!(set.wait(NOW), WaitOutcome::Completed(_)));
    assert!(!readable(fd, 0), "drained");
    close(fd);
}

#[test]
fn fd_made_after_completion_starts_readable_and_every_fd_shares_readiness() {
    let set = WaitSet::new();
    let latch = CancellationToken::new();
    latch.cancel();
    let h = latched(1, &latch);
    set.add(&h, 1).unwrap();
    assert!(set.wait_all(PATIENT));
    let (a, b) = (set.fd().unwrap(), set.fd().unwrap());
    assert_ne!(a, b, "each call gives a new descriptor");
    assert!(readable(a, 0) && readable(b, 0));
    assert_eq!(set.wait(NOW), WaitOutcome::Completed(1));
    assert!(!readable(a, 0) && !readable(b, 0));
    close(a);
    close(b);
}

#[cfg(target_os = "linux")]
#[test]
fn fd_works_with_a_level_triggered_epoll_loop() {
    let set = WaitSet::new();
    let fd = set.fd().unwrap();
    // SAFETY: plain system calls on descriptors the test owns.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(ep >= 0);
    let mut ev = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: 7,
    };
    // SAFETY: valid epoll descriptor, descriptor and event.
    assert_eq!(
        unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev) },
        0
    );
    let latches: Vec<_> = (0..4).map(|_| CancellationToken::new()).collect();
    let handles: Vec<_> = (0..4).map(|i| latched(i, &latches[i as usize])).collect();
    for (i, h) in handles.iter().enumerate() {
        set.add(h, i as u64).unwrap();
    }
    let mut seen = BTreeSet::new();
    let mut released = 0;
    while seen.len() < 4 {
        if released < 4 {
            latches[released].cancel();
            released += 1;
        }
        let mut out = [libc::epoll_event { events: 0, u64: 0 }; 4];
        // SAFETY: `out` has room for 4 events.
        let n = unsafe { libc::epoll_wait(ep, out.as_mut_ptr(), 4, PATIENCE.as_millis() as c_int) };
        assert_eq!(n, 1, "the set's descriptor became readable");
        assert_eq!({ out[0].u64 }, 7);
        while let WaitOutcome::Completed(tag) = set.wait(NOW) {
            assert!(seen.insert(tag), "tag {tag} returned twice");
        }
    }
    let mut out = [libc::epoll_event { events: 0, u64: 0 }; 1];
    // SAFETY: as above.
    assert_eq!(
        unsafe { libc::epoll_wait(ep, out.as_mut_ptr(), 1, 0) },
        0,
        "drained"
    );
    close(ep);
    close(fd);
}

#[test]
fn a_set_destroyed_while_members_run_is_never_touched_again() {
    let latch = CancellationToken::new();
    let handles: Vec<_> = (0..3).map(|i| latched(i, &latch)).collect();
    let fd;
    {
        let set = WaitSet::new();
        fd = set.fd().unwrap();
        for (i, h) in handles.iter().enumerate() {
            set.add(h, i as u64).unwrap();
        }
    }
    latch.cancel();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.wait().unwrap(), i as u64);
    }
    assert!(
        !readable(fd, 0),
        "a destroyed set's descriptor stays unreadable"
    );
    close(fd);
}

#[test]
fn closing_the_fd_early_leaves_the_set_working() {
    let set = WaitSet::new();
    close(set.fd().unwrap());
    let latch = CancellationToken::new();
    let h = latched(3, &latch);
    set.add(&h, 3).unwrap();
    latch.cancel();
    assert!(set.wait_all(PATIENT));
    let fd = set.fd().unwrap();
    assert!(readable(fd, 0));
    assert_eq!(set.wait(NOW), WaitOutcome::Completed(3));
    close(fd);
}

#[test]
fn a_handle_added_twice_is_refused_the_second_time() {
    let (one, two) = (WaitSet::new(), WaitSet::new());
    let latch = CancellationToken::new();
    let h = latched(1, &latch);
    one.add(&h, 1).unwrap();
    let err = one.add(&h, 2).unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::InvalidArgument);
    assert_eq!(
        ErrorKind::of(&two.add(&h, 3).unwrap_err()),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        (one.len(), two.len()),
        (1, 0),
        "a refused add leaves no member"
    );
    assert_eq!(two.wait(None), WaitOutcome::Empty);
    latch.cancel();
    assert_eq!(one.wait(PATIENT), WaitOutcome::Completed(1));
}

#[test]
fn a_handle_destroyed_while_in_the_set_still_reports_its_tag() {
    let set = WaitSet::new();
    let latch = CancellationToken::new();
    let h = latched(1, &latch);
    set.add(&h, 42).unwrap();
    drop(h); // cancels the task
    assert_eq!(set.wait(PATIENT), WaitOutcome::Completed(42));
}

#[test]
fn ten_thousand_members() {
    const N: u64 = 10_000;
    let set = WaitSet::new();
    let fd = set.fd().unwrap();
    let latch = CancellationToken::new();
    let handles: Vec<_> = (0..N).map(|i| latched(i, &latch)).collect();
    for (i, h) in handles.iter().enumerate() {
        set.add(h, i as u64).unwrap();
    }
    latch.cancel();
    assert!(set.wait_all(PATIENT));
    assert!(readable(fd, 0));
    let mut seen = vec![false; N as usize];
    for _ in 0..N {
        match set.wait(NOW) {
            WaitOutcome::Completed(tag) => {
                assert!(!std::mem::replace(&mut seen[tag as usize], true));
            }
            other => panic!("expected a tag, got {other:?}"),
        }
    }
    assert_eq!(set.wait(NOW), WaitOutcome::Empty);
    assert!(!readable(fd, 0));
    close(fd);
}

#[test]
fn several_threads_waiting_get_each_tag_once() {
    const N: u64 = 200;
    let set = Arc::new(WaitSet::new());
    let latch = CancellationToken::new();
    let handles: Vec<_> = (0..N).map(|i| latched(i, &latch)).collect();
    for (i, h) in handles.iter().enumerate() {
        set.add(h, i as u64).unwrap();
    }
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let set = set.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    match set.wait(PATIENT) {
                        WaitOutcome::Completed(tag) => got.push(tag),
                        WaitOutcome::Empty => return got,
                        WaitOutcome::TimedOut => panic!("a member never finished"),
                    }
                }
            })
        })
        .collect();
    let all_waiter = {
        let set = set.clone();
        thread::spawn(move || set.wait_all(PATIENT))
    };
    latch.cancel();
    let mut all: Vec<u64> = waiters
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(all_waiter.join().unwrap());
    all.sort_unstable();
    assert_eq!(all, (0..N).collect::<Vec<_>>());
}

// ===== the C functions =====

#[test]
fn c_functions_drive_a_set_of_exported_tasks() {
    unsafe {
        let ws = c::ffi_tasks_waitset_new();
        assert!(!ws.is_null());
        let latch = CancellationToken::new();
        let task = Latched {
            id: 5,
            latch: latch.clone(),
        };
        let h = latched_spawn(&task);
        assert_eq!(
            c::ffi_tasks_waitset_add(ws, h.cast(), Some(latched_on_complete_erased), 55),
            0
        );
        assert_eq!(
            c::ffi_tasks_waitset_add(ws, h.cast(), Some(latched_on_complete_erased), 56),
            -1
        );
        assert_error(ErrorKind::InvalidArgument, "already registered");
        assert_eq!(c::ffi_tasks_waitset_len(ws), 1);
        let fd = c::ffi_tasks_waitset_fd(ws);
        assert!(fd >= 0);
        let mut tag = 0u64;
        assert_eq!(
            c::ffi_tasks_waitset_wait(ws, 0, &mut tag),
            c::FFI_TASKS_WAITSET_TIMED_OUT
        );
        assert_eq!(
            c::ffi_tasks_waitset_wait_all(ws, 0),
            c::FFI_TASKS_WAITSET_TIMED_OUT
        );
        latch.cancel();
        assert_eq!(
            c::ffi_tasks_waitset_wait_all(ws, -1),
            c::FFI_TASKS_WAITSET_COMPLETED
        );
        assert!(readable(fd, 0));
        assert_eq!(
            c::ffi_tasks_waitset_wait(ws, -1, &mut tag),
            c::FFI_TASKS_WAITSET_COMPLETED
        );
        assert_eq!(tag, 55);
        assert_eq!(
            c::ffi_tasks_waitset_wait(ws, -1, &mut tag),
            c::FFI_TASKS_WAITSET_EMPTY
        );
        assert!(!readable(fd, 0));
        let r = latched_wait(h);
        assert_eq!(*r, 5);
        latched_result_destroy(r);
        c::ffi_tasks_waitset_destroy(ws);
        close(fd);
    }
}

#[test]
fn c_functions_report_null_pointers() {
    unsafe {
        let mut tag = 0u64;
        assert_eq!(c::ffi_tasks_waitset_wait(ptr::null_mut(), 0, &mut tag), -1);
        assert_error(ErrorKind::NullPointer, "ws");
        assert_eq!(c::ffi_tasks_waitset_wait_all(ptr::null_mut(), 0), -1);
        assert_error(ErrorKind::NullPointer, "ws");
        assert_eq!(c::ffi_tasks_waitset_fd(ptr::null_mut()), -1);
        assert_error(ErrorKind::NullPointer, "ws");
        assert_eq!(c::ffi_tasks_waitset_len(ptr::null_mut()), -1);
        assert_error(ErrorKind::NullPointer, "ws");
        c::ffi_tasks_waitset_destroy(ptr::null_mut());
        assert_error(ErrorKind::NullPointer, "ws");
        assert_eq!(
            c::ffi_tasks_waitset_add(ptr::null_mut(), ptr::null_mut(), None, 0),
            -1
        );
        assert_error(ErrorKind::NullPointer, "ws");
        assert_eq!(
            c::ffi_tasks_waitset_add_job(ptr::null_mut(), ptr::null_mut(), 0),
            -1
        );
        assert_error(ErrorKind::NullPointer, "ws");

        let ws = c::ffi_tasks_waitset_new();
        assert_eq!(c::ffi_tasks_waitset_wait(ws, 0, ptr::null_mut()), -1);
        assert_error(ErrorKind::NullPointer, "tag");
        assert_eq!(
            c::ffi_tasks_waitset_add(ws, ptr::null_mut(), Some(latched_on_complete_erased), 0),
            -1
        );
        assert_error(ErrorKind::NullPointer, "handle");
        assert_eq!(c::ffi_tasks_waitset_add_job(ws, ptr::null_mut(), 0), -1);
        assert_error(ErrorKind::NullPointer, "handle");
        let latch = CancellationToken::new();
        latch.cancel();
        let h = latched_spawn(&Latched { id: 1, latch });
        assert_eq!(c::ffi_tasks_waitset_add(ws, h.cast(), None, 0), -1);
        assert_error(ErrorKind::NullPointer, "on_complete");
        assert_eq!(
            c::ffi_tasks_waitset_len(ws),
            0,
            "failed adds leave no member"
        );
        assert_eq!(
            c::ffi_tasks_waitset_wait(ws, -1, &mut tag),
            c::FFI_TASKS_WAITSET_EMPTY
        );
        latched_handle_destroy(h);
        c::ffi_tasks_waitset_destroy(ws);
    }
}

#[test]
fn a_finished_task_is_queued_when_added() {
    let set = WaitSet::new();
    let latch = CancellationToken::new();
    latch.cancel();
    let h = latched(1, &latch);
    while h.status() == TaskStatus::Running {
        thread::sleep(Duration::from_millis(1));
    }
    set.add(&h, 8).unwrap();
    assert_eq!(set.wait(NOW), WaitOutcome::Completed(8));
}

/// A C++ job's handle is a `TaskHandle<()>`: built here from Rust, it is
/// added through `ffi_tasks_waitset_add_job`. With the misuse guard
/// (`handle-registry`) a handle that `spawn` did not register is refused.
#[test]
fn a_job_handle_is_added_with_add_job() {
    #[derive(Clone)]
    struct Unit(CancellationToken);
    impl Task for Unit {
        type Output = ();
        fn run(&self, _: &CancellationToken) -> Result<(), Error> {
            self.0.wait_cancelled(PATIENCE);
            Ok(())
        }
    }
    let latch = CancellationToken::new();
    let job: *mut c::JobHandle = Box::into_raw(Box::new(TaskHandle::spawn(Unit(latch.clone()))));
    unsafe {
        let ws = c::ffi_tasks_waitset_new();
        let rc = c::ffi_tasks_waitset_add_job(ws, job, 77);
        latch.cancel();
        let mut tag = 0;
        if c::ffi_tasks_handle_registry_enabled() == 1 {
            assert_eq!(rc, -1);
            assert_error(ErrorKind::InvalidHandle, "");
            assert_eq!(
                c::ffi_tasks_waitset_wait(ws, -1, &mut tag),
                c::FFI_TASKS_WAITSET_EMPTY
            );
        } else {
            assert_eq!(rc, 0);
            assert_eq!(
                c::ffi_tasks_waitset_wait(ws, -1, &mut tag),
                c::FFI_TASKS_WAITSET_COMPLETED
            );
            assert_eq!(tag, 77);
        }
        c::ffi_tasks_waitset_destroy(ws);
        drop(Box::from_raw(job));
    }
}

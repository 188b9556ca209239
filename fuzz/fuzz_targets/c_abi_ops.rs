//! libFuzzer target: random sequences of C ABI calls, with the misuse guard
//! on (`handle-registry`) and under AddressSanitizer.
//!
//! The input bytes decode into a list of operations (one opcode byte, then
//! its argument bytes; missing bytes read as 0) over a small table of handles
//! (live, destroyed, consumed by `wait`), NULL and forged pointers, and of
//! cancellation tokens. Each call's return value and LAST_ERROR kind are
//! checked against the documented contract, as C would see them:
//!
//! * a dead, forged or NULL handle gives the error value and
//!   `INVALID_HANDLE` / `NULL_POINTER`, never a crash;
//! * an outcome is taken exactly once (then `ALREADY_TAKEN`), and is the one
//!   the task produced (value, failure, panic, cancellation);
//! * a status never goes back to running, and agrees with the outcome;
//! * a completion callback runs exactly once (a second run aborts);
//! * `ffi_tasks_last_error_message` honours its buffer size (0, too small,
//!   exact, larger, negative, NULL) and never writes past it (ASan).
//!
//! Tokens are not covered by the registry, so only live tokens (and NULL)
//! are passed to the token functions. Any failed check panics, which
//! libFuzzer reports as a crash with the input that caused it.
//!
//!   bash scripts/fuzz.sh      # bounded run from the seed corpus

#![no_main]

use std::{
    ffi::c_void,
    os::raw::{c_char, c_int},
    ptr,
    sync::{
        atomic::{AtomicU32, Ordering::SeqCst},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use anyhow::{anyhow, Error};
use ffi_tasks::{
    c,
    error::ErrorKind,
    task::{CancellationToken, Cancelled, Progress, Task, TaskStatus},
};
use libfuzzer_sys::fuzz_target;

// Shared with the reliability tests: `EXPECTED_PANIC` (every deliberate
// panic message starts with it), `last_error`/`last_kind` (LAST_ERROR read
// through the C ABI, its length and NUL checked) and `quiet_expected_panics`.
#[path = "../../tests/reliability_support/mod.rs"]
mod reliability_support;
use reliability_support::{last_error, last_kind, quiet_expected_panics, EXPECTED_PANIC};

/// At most this many operations per input, and this many handles and tokens
/// in the tables: small tables make reuse (and misuse) of an entry likely.
const MAX_OPS: usize = 64;
const MAX_HANDLES: usize = 8;
const MAX_TOKENS: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Value(u64),
    Fail,
    Panic,
    /// Runs until cancelled (30 s hang guard).
    Block,
    /// Reports progress `(v, v + 1)`, then returns `v`.
    Progress(u64),
}

/// The task the fuzzer spawns.
#[derive(Debug, Clone)]
pub struct FuzzTask(Kind);

impl Task for FuzzTask {
    type Output = u64;

    fn run(&self, tok: &CancellationToken) -> Result<u64, Error> {
        match self.0 {
            Kind::Value(v) => Ok(v),
            Kind::Fail => Err(anyhow!("fuzz task failed")),
            Kind::Panic => panic!("{EXPECTED_PANIC} fuzz task panics"),
            Kind::Block => {
                for _ in 0..30 {
                    if tok.wait_cancelled(Duration::from_secs(1)) {
                        return Err(Cancelled.into());
                    }
                }
                Err(anyhow!("never cancelled (hang guard)"))
            }
            Kind::Progress(v) => {
                tok.set_progress(v, v + 1);
                Ok(v)
            }
        }
    }
}

ffi_tasks::export_task! {
    Task: FuzzTask;
    spawn: fuzz_spawn;
    spawn_with_token: fuzz_spawn_with_token;
    poll: fuzz_poll;
    wait: fuzz_wait;
    wait_timeout: fuzz_wait_timeout;
    cancel: fuzz_cancel;
    cancelled: fuzz_cancelled;
    status: fuzz_status;
    progress: fuzz_progress;
    on_complete: fuzz_on_complete;
    handle_destroy: fuzz_handle_destroy;
    result_destroy: fuzz_result_destroy;
}

type Handle = ffi_tasks::task::TaskHandle<u64>;

/// Reads the input: one byte at a time, 0 once it is used up.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn kind(&mut self) -> Kind {
        let (k, v) = (self.next(), u64::from(self.next()));
        match k % 5 {
            0 => Kind::Value(v),
            1 => Kind::Fail,
            2 => Kind::Panic,
            3 => Kind::Block,
            _ => Kind::Progress(v),
        }
    }
}

/// One spawned handle of the model.
struct Slot {
    h: *mut Handle,
    kind: Kind,
    alive: bool,
    /// `cancel` was called on the handle.
    cancelled: bool,
    /// The token it was spawned under (an index into `Model::tokens`).
    token: Option<usize>,
    taken: bool,
    /// The finished status seen, if any.
    finished: Option<c_int>,
    callback: Option<Arc<AtomicU32>>,
}

struct TokenSlot {
    t: *mut CancellationToken,
    alive: bool,
    cancelled: bool,
    parent: Option<usize>,
}

/// What a handle argument resolved to.
#[derive(Clone, Copy)]
enum Target {
    Null,
    Live(usize),
    /// Destroyed, consumed or forged: the registry must reject it.
    Invalid(*mut Handle),
}

struct Model {
    handles: Vec<Slot>,
    tokens: Vec<TokenSlot>,
    /// Memory a forged pointer points into (never a handle).
    decoy: Box<[u64; 4]>,
}

unsafe extern "C" fn bump(data: *mut c_void) {
    // SAFETY: `data` came from `Arc::into_raw` in `Model::on_complete`; that
    // reference is released only after this callback ran.
    let counter = unsafe { &*(data as *const AtomicU32) };
    if counter.fetch_add(1, SeqCst) != 0 {
        eprintln!("a completion callback ran twice");
        std::process::abort();
    }
}

impl Model {
    fn handle_target(&self, b: u8) -> Target {
        if b >= 0xF0 || self.handles.is_empty() {
            return match b % 5 {
                0 => Target::Null,
                1 => Target::Invalid(0x1000 as *mut Handle),
                2 => Target::Invalid(ptr::NonNull::<Handle>::dangling().as_ptr()),
                3 => Target::Invalid(self.decoy.as_ptr() as *mut Handle),
                _ => Target::Invalid((usize::MAX & !0xF) as *mut Handle),
            };
        }
        let i = usize::from(b) % self.handles.len();
        let s = &self.handles[i];
        if s.alive {
            return Target::Live(i);
        }
        // The allocator may have reused a dead handle's address for a newer
        // live handle: then the pointer is that handle.
        match self.handles.iter().position(|o| o.alive && o.h == s.h) {
            Some(j) => Target::Live(j),
            None => Target::Invalid(s.h),
        }
    }

    fn ptr(&self, t: Target) -> *mut Handle {
        match t {
            Target::Null => ptr::null_mut(),
            Target::Live(i) => self.handles[i].h,
            Target::Invalid(p) => p,
        }
    }

    /// A live token by index, or `None` for NULL (also when there is none).
    fn token_target(&self, b: u8) -> Option<usize> {
        let live: Vec<usize> = (0..self.tokens.len())
            .filter(|&i| self.tokens[i].alive)
            .collect();
        if b == 0xFF || live.is_empty() {
            return None;
        }
        Some(live[usize::from(b) % live.len()])
    }

    fn token_ptr(&self, t: Option<usize>) -> *mut CancellationToken {
        t.map_or(ptr::null_mut(), |i| self.tokens[i].t)
    }

    /// Cancelled itself or through any ancestor (alive or not).
    fn token_cancelled(&self, mut t: Option<usize>) -> bool {
        while let Some(i) = t {
            if self.tokens[i].cancelled {
                return true;
            }
            t = self.tokens[i].parent;
        }
        false
    }

    fn handle_cancelled(&self, i: usize) -> bool {
        self.handles[i].cancelled || self.token_cancelled(self.handles[i].token)
    }

    /// After a call on a NULL or invalid handle: the error kind is checked;
    /// returns `Some(i)` for a live handle instead.
    fn check_rejected(&self, t: Target, call: &str) -> Option<usize> {
        let (kind, message) = last_error();
        match t {
            Target::Null => {
                assert_eq!(kind, ErrorKind::NullPointer, "{call}(NULL): {message:?}");
                None
            }
            Target::Invalid(p) => {
                assert_eq!(kind, ErrorKind::InvalidHandle, "{call}({p:?}): {message:?}");
                assert!(
                    message.as_deref().unwrap_or("").contains("invalid handle"),
                    "{call}({p:?}): message {message:?}"
                );
                None
            }
            Target::Live(i) => Some(i),
        }
    }

    /// The outcome expected of a finished task: `None` for a value.
    fn expected_error(&self, i: usize) -> Option<ErrorKind> {
        match self.handles[i].kind {
            Kind::Value(_) | Kind::Progress(_) => None,
            Kind::Fail => Some(ErrorKind::Failed),
            Kind::Panic => Some(ErrorKind::Panicked),
            Kind::Block => {
                assert!(
                    self.handle_cancelled(i),
                    "a blocking task ended uncancelled"
                );
                Some(ErrorKind::Cancelled)
            }
        }
    }

    fn status_of(kind: Kind) -> TaskStatus {
        match kind {
            Kind::Value(_) | Kind::Progress(_) => TaskStatus::Completed,
            Kind::Fail => TaskStatus::Failed,
            Kind::Panic => TaskStatus::Panicked,
            Kind::Block => TaskStatus::Cancelled,
        }
    }

    /// Checks what poll / wait_timeout / wait returned for live handle `i`.
    /// `running`: the error kind meaning "still running" (`None` for wait,
    /// which never returns early).
    fn check_outcome(&mut self, i: usize, r: *mut u64, running: Option<ErrorKind>, call: &str) {
        let kind = last_kind();
        let s = &self.handles[i];
        let ctx = format!("{call} on {:?} (taken {}): {kind}", s.kind, s.taken);
        if s.taken {
            assert!(r.is_null(), "a value taken twice: {ctx}");
            assert_eq!(kind, ErrorKind::AlreadyTaken, "{ctx}");
            return;
        }
        if r.is_null() && Some(kind) == running {
            assert!(s.finished.is_none(), "running after it finished: {ctx}");
            return;
        }
        if s.kind == Kind::Block && !self.handle_cancelled(i) {
            panic!("a blocking, uncancelled task gave an outcome: {ctx}");
        }
        match self.expected_error(i) {
            None => {
                assert!(!r.is_null(), "no value: {ctx}");
                assert_eq!(kind, ErrorKind::None, "{ctx}");
                let (Kind::Value(v) | Kind::Progress(v)) = s.kind else {
                    unreachable!()
                };
                // SAFETY: a non-null result is a valid u64 until destroyed.
                assert_eq!(unsafe { *r }, v, "{ctx}");
                // SAFETY: from this task type's poll/wait, freed once.
                unsafe { fuzz_result_destroy(r) };
                assert_eq!(last_kind(), ErrorKind::None, "result_destroy");
            }
            Some(expected) => {
                assert!(r.is_null(), "a value from a failed task: {ctx}");
                assert_eq!(kind, expected, "{ctx}");
            }
        }
        self.handles[i].taken = true;
    }

    fn spawned(&mut self, h: *mut Handle, kind: Kind, token: Option<usize>) {
        assert!(!h.is_null(), "spawn failed: {:?}", last_error());
        assert_eq!(last_kind(), ErrorKind::None, "spawn");
        self.handles.push(Slot {
            h,
            kind,
            alive: true,
            cancelled: false,
            token,
            taken: false,
            finished: None,
            callback: None,
        });
    }

    fn run(&mut self, op: u8, input: &mut Bytes<'_>) {
        match op % 21 {
            // spawn
            0 => {
                let kind = input.kind();
                if self.handles.len() < MAX_HANDLES {
                    // SAFETY: a valid task.
                    let h = unsafe { fuzz_spawn(&FuzzTask(kind)) };
                    self.spawned(h, kind, None);
                }
            }
            // spawn(NULL)
            1 => {
                // SAFETY: NULL is allowed (an error).
                let h = unsafe { fuzz_spawn(ptr::null()) };
                assert!(h.is_null(), "spawn(NULL) gave a handle");
                assert_eq!(last_kind(), ErrorKind::NullPointer, "spawn(NULL)");
            }
            // spawn_with_token
            2 => {
                let kind = input.kind();
                let tok = self.token_target(input.next());
                if self.handles.len() < MAX_HANDLES {
                    // SAFETY: a valid task; the token is live or NULL.
                    let h = unsafe { fuzz_spawn_with_token(&FuzzTask(kind), self.token_ptr(tok)) };
                    match tok {
                        Some(_) => self.spawned(h, kind, tok),
                        None => {
                            assert!(h.is_null(), "spawn_with_token(NULL token) gave a handle");
                            assert_eq!(last_kind(), ErrorKind::NullPointer, "spawn_with_token");
                        }
                    }
                }
            }
            // poll, wait_timeout
            3 | 4 => {
                let t = self.handle_target(input.next());
                let ms = u64::from(input.next() % 3);
                let (call, running, r) = if op % 21 == 3 {
                    // SAFETY: live, NULL, or rejected by the registry before use.
                    ("poll", ErrorKind::None, unsafe { fuzz_poll(self.ptr(t)) })
                } else {
                    // SAFETY: as for poll.
                    ("wait_timeout", ErrorKind::TimedOut, unsafe {
                        fuzz_wait_timeout(self.ptr(t), ms)
                    })
                };
                let Some(i) = self.check_rejected(t, call) else {
                    assert!(r.is_null(), "{call}: a value from an invalid handle");
                    return;
                };
                self.check_outcome(i, r, Some(running), call);
            }
            // wait (consumes the handle)
            5 => {
                let t = self.handle_target(input.next());
                if let Target::Live(i) = t {
                    let s = &self.handles[i];
                    if s.kind == Kind::Block && !s.taken && !self.handle_cancelled(i) {
                        // SAFETY: live handle. Otherwise wait would block.
                        unsafe { fuzz_cancel(s.h) };
                        self.handles[i].cancelled = true;
                    }
                }
                // SAFETY: as for poll; wait consumes a live handle.
                let r = unsafe { fuzz_wait(self.ptr(t)) };
                let Some(i) = self.check_rejected(t, "wait") else {
                    assert!(r.is_null(), "wait: a value from an invalid handle");
                    return;
                };
                self.check_outcome(i, r, None, "wait");
                assert!(self.handles[i].taken, "wait gave no outcome");
                self.handles[i].alive = false;
            }
            // cancel
            6 => {
                let t = self.handle_target(input.next());
                // SAFETY: as for poll.
                unsafe { fuzz_cancel(self.ptr(t)) };
                if let Some(i) = self.check_rejected(t, "cancel") {
                    assert_eq!(last_kind(), ErrorKind::None, "cancel");
                    self.handles[i].cancelled = true;
                }
            }
            // cancelled
            7 => {
                let t = self.handle_target(input.next());
                // SAFETY: as for poll.
                let res = unsafe { fuzz_cancelled(self.ptr(t)) };
                match self.check_rejected(t, "cancelled") {
                    None => assert_eq!(res, -1, "cancelled on an invalid handle"),
                    Some(i) => {
                        assert_eq!(last_kind(), ErrorKind::None, "cancelled");
                        assert_eq!(res, c_int::from(self.handle_cancelled(i)), "cancelled");
                    }
                }
            }
            // status
            8 => {
                let t = self.handle_target(input.next());
                // SAFETY: as for poll.
                let st = unsafe { fuzz_status(self.ptr(t)) };
                let Some(i) = self.check_rejected(t, "status") else {
                    assert_eq!(st, -1, "status on an invalid handle");
                    return;
                };
                assert_eq!(last_kind(), ErrorKind::None, "status");
                let s = &self.handles[i];
                if s.taken {
                    assert_eq!(st, TaskStatus::Taken as c_int, "status after taken");
                } else if st == TaskStatus::Running as c_int {
                    assert!(s.finished.is_none(), "status went back to running");
                } else {
                    if s.kind == Kind::Block {
                        assert!(self.handle_cancelled(i), "a blocking task finished");
                    }
                    assert_eq!(
                        st,
                        Self::status_of(s.kind) as c_int,
                        "status of {:?}",
                        s.kind
                    );
                    self.handles[i].finished = Some(st);
                }
            }
            // progress, with a NULL `out` or not
            9 => {
                let t = self.handle_target(input.next());
                let null_out = input.next().is_multiple_of(4);
                let mut out = Progress {
                    done: 77,
                    total: 77,
                };
                let out_ptr: *mut Progress = if null_out { ptr::null_mut() } else { &mut out };
                // SAFETY: as for poll; `out_ptr` is NULL or valid.
                let res = unsafe { fuzz_progress(self.ptr(t), out_ptr) };
                let Some(i) = self.check_rejected(t, "progress") else {
                    assert_eq!(res, -1, "progress on an invalid handle");
                    assert_eq!(out.done, 77, "progress wrote through an invalid call");
                    return;
                };
                if null_out {
                    assert_eq!(res, -1, "progress(h, NULL)");
                    assert_eq!(last_kind(), ErrorKind::NullPointer, "progress(h, NULL)");
                    return;
                }
                assert_eq!(res, 0, "progress");
                assert_eq!(last_kind(), ErrorKind::None, "progress");
                let s = &self.handles[i];
                match s.kind {
                    Kind::Progress(v) => {
                        let reported = Progress {
                            done: v,
                            total: v + 1,
                        };
                        if s.finished.is_some() || s.taken {
                            assert_eq!(out, reported, "progress of a finished task");
                        } else {
                            assert!(out == reported || out == Progress::default(), "{out:?}");
                        }
                    }
                    _ => assert_eq!(out, Progress::default(), "no progress reported"),
                }
            }
            // on_complete, with a NULL callback or not
            10 => {
                let t = self.handle_target(input.next());
                let null_cb = input.next().is_multiple_of(5);
                let counter = Arc::new(AtomicU32::new(0));
                let data = Arc::into_raw(Arc::clone(&counter)) as *mut c_void;
                let cb: c::CompletionCallback = if null_cb { None } else { Some(bump) };
                // SAFETY: as for poll; `data` stays valid until `bump` ran.
                let res = unsafe { fuzz_on_complete(self.ptr(t), cb, data) };
                let registered = match self.check_rejected(t, "on_complete") {
                    None => {
                        assert_eq!(res, -1, "on_complete on an invalid handle");
                        false
                    }
                    Some(_) if null_cb => {
                        assert_eq!(res, -1, "on_complete(h, NULL)");
                        assert_eq!(last_kind(), ErrorKind::NullPointer, "on_complete(h, NULL)");
                        false
                    }
                    Some(i) if self.handles[i].callback.is_some() => {
                        assert_eq!(res, -1, "a second on_complete");
                        assert_eq!(
                            last_kind(),
                            ErrorKind::InvalidArgument,
                            "second on_complete"
                        );
                        false
                    }
                    Some(i) => {
                        assert_eq!(res, 0, "on_complete: {:?}", last_error());
                        assert_eq!(last_kind(), ErrorKind::None, "on_complete");
                        self.handles[i].callback = Some(counter);
                        true
                    }
                };
                if !registered {
                    // SAFETY: the reference made above, never handed over.
                    drop(unsafe { Arc::from_raw(data as *const AtomicU32) });
                }
            }
            // handle_destroy
            11 => {
                let t = self.handle_target(input.next());
                // SAFETY: as for poll; destroy consumes a live handle.
                unsafe { fuzz_handle_destroy(self.ptr(t)) };
                if let Some(i) = self.check_rejected(t, "handle_destroy") {
                    assert_eq!(last_kind(), ErrorKind::None, "handle_destroy");
                    self.handles[i].alive = false;
                }
            }
            // result_destroy(NULL)
            12 => {
                // SAFETY: NULL is allowed (an error).
                unsafe { fuzz_result_destroy(ptr::null_mut()) };
                assert_eq!(last_kind(), ErrorKind::NullPointer, "result_destroy(NULL)");
            }
            // token_new
            13 => {
                if self.tokens.len() < MAX_TOKENS {
                    let t = c::ffi_tasks_token_new();
                    assert!(!t.is_null(), "token_new: {:?}", last_error());
                    self.tokens.push(TokenSlot {
                        t,
                        alive: true,
                        cancelled: false,
                        parent: None,
                    });
                }
            }
            // token_child
            14 => {
                let parent = self.token_target(input.next());
                if self.tokens.len() < MAX_TOKENS {
                    // SAFETY: a live token or NULL.
                    let t = unsafe { c::ffi_tasks_token_child(self.token_ptr(parent)) };
                    match parent {
                        None => {
                            assert!(t.is_null(), "token_child(NULL) gave a token");
                            assert_eq!(last_kind(), ErrorKind::NullPointer, "token_child(NULL)");
                        }
                        Some(_) => {
                            assert!(!t.is_null(), "token_child: {:?}", last_error());
                            self.tokens.push(TokenSlot {
                                t,
                                alive: true,
                                cancelled: false,
                                parent,
                            });
                        }
                    }
                }
            }
            // token_cancel
            15 => {
                let tok = self.token_target(input.next());
                // SAFETY: a live token or NULL.
                unsafe { c::ffi_tasks_token_cancel(self.token_ptr(tok)) };
                match tok {
                    None => assert_eq!(last_kind(), ErrorKind::NullPointer, "token_cancel(NULL)"),
                    Some(i) => {
                        assert_eq!(last_kind(), ErrorKind::None, "token_cancel");
                        self.tokens[i].cancelled = true;
                    }
                }
            }
            // token_cancelled, token_wait_cancelled (0 or 1 ms)
            16 | 17 => {
                let tok = self.token_target(input.next());
                let p = self.token_ptr(tok);
                let res = if op % 21 == 16 {
                    // SAFETY: a live token or NULL.
                    unsafe { c::ffi_tasks_token_cancelled(p) }
                } else {
                    // SAFETY: a live token or NULL.
                    unsafe { c::ffi_tasks_token_wait_cancelled(p, u64::from(input.next() % 2)) }
                };
                match tok {
                    None => {
                        assert_eq!(res, -1, "token query on NULL");
                        assert_eq!(last_kind(), ErrorKind::NullPointer, "token query on NULL");
                    }
                    Some(i) => {
                        assert_eq!(last_kind(), ErrorKind::None, "token query");
                        assert_eq!(
                            res,
                            c_int::from(self.token_cancelled(Some(i))),
                            "token query"
                        );
                    }
                }
            }
            // token_destroy (live or NULL)
            18 => {
                let tok = self.token_target(input.next());
                // SAFETY: a live token (dead afterwards) or NULL.
                unsafe { c::ffi_tasks_token_destroy(self.token_ptr(tok)) };
                match tok {
                    None => assert_eq!(last_kind(), ErrorKind::NullPointer, "token_destroy(NULL)"),
                    Some(i) => {
                        assert_eq!(last_kind(), ErrorKind::None, "token_destroy");
                        self.tokens[i].alive = false;
                    }
                }
            }
            // last_error_message into a buffer of a chosen size
            19 => self.read_message(input.next()),
            // clear_last_error
            _ => {
                c::ffi_tasks_clear_last_error();
                assert_eq!(c::ffi_tasks_last_error_kind(), 0, "clear_last_error");
                assert_eq!(c::ffi_tasks_last_error_length(), 0, "clear_last_error");
            }
        }
    }

    /// Reads the message into a heap buffer of exactly the chosen size (so
    /// that ASan sees a write past it): NULL, negative, 0, one short, exact,
    /// larger. Checks the return value and that a refused call wrote nothing.
    fn read_message(&mut self, choice: u8) {
        let kind_before = c::ffi_tasks_last_error_kind();
        let needed = c::ffi_tasks_last_error_length();
        let size: Option<c_int> = match choice % 6 {
            0 => None,
            1 => Some(-1 - c_int::from(choice / 6)),
            2 => Some(0),
            3 => Some((needed - 1).max(0)),
            4 => Some(needed),
            _ => Some(needed + 1 + c_int::from(choice / 6)),
        };
        let mut buf = vec![0x55u8; size.map_or(0, |n| n.max(0) as usize)];
        let p = match size {
            None => ptr::null_mut(),
            Some(_) => buf.as_mut_ptr().cast::<c_char>(),
        };
        // SAFETY: `p` is NULL or valid for `buf.len()` bytes (the length
        // passed when it is not negative).
        let res = unsafe { c::ffi_tasks_last_error_message(p, size.unwrap_or(16)) };
        let expected = match size {
            None => -2,
            Some(n) if n < 0 => -2,
            Some(_) if needed == 0 => 0,
            Some(n) if n < needed => -1,
            Some(_) => needed,
        };
        assert_eq!(
            res, expected,
            "last_error_message({size:?}), length {needed}"
        );
        if res < 0 {
            assert!(buf.iter().all(|&b| b == 0x55), "a refused call wrote");
        }
        if res > 0 {
            assert_eq!(buf[res as usize - 1], 0, "no NUL");
        }
        assert_eq!(
            c::ffi_tasks_last_error_kind(),
            kind_before,
            "reading changed the error"
        );
        assert_eq!(
            c::ffi_tasks_last_error_length(),
            needed,
            "reading changed the error"
        );
    }

    /// Frees what is left (destroying a running handle cancels it), then
    /// waits until every registered callback ran exactly once.
    fn finish(mut self) {
        for s in self.handles.iter_mut().filter(|s| s.alive) {
            // SAFETY: a live handle; destroy consumes it.
            unsafe { fuzz_handle_destroy(s.h) };
            assert_eq!(last_kind(), ErrorKind::None, "final handle_destroy");
            s.alive = false;
        }
        for t in self.tokens.iter_mut().filter(|t| t.alive) {
            // SAFETY: a live token; destroy frees it.
            unsafe { c::ffi_tasks_token_destroy(t.t) };
            assert_eq!(last_kind(), ErrorKind::None, "final token_destroy");
            t.alive = false;
        }
        let start = Instant::now();
        for s in &mut self.handles {
            if let Some(counter) = s.callback.take() {
                while counter.load(SeqCst) == 0 {
                    assert!(
                        start.elapsed() < Duration::from_secs(60),
                        "a {:?} task's completion callback never ran (hang guard)",
                        s.kind
                    );
                    thread::sleep(Duration::from_micros(200));
                }
                assert_eq!(counter.load(SeqCst), 1, "callback runs");
                // SAFETY: the reference handed to `on_complete`; the callback
                // has run, and runs only once.
                drop(unsafe { Arc::from_raw(Arc::as_ptr(&counter)) });
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts on every panic (that is how a failed check
    // becomes a crash): the hook it installed gets every panic but the
    // tasks' deliberate ones.
    quiet_expected_panics();
    assert_eq!(
        c::ffi_tasks_handle_registry_enabled(),
        1,
        "the fuzzer needs the handle-registry feature"
    );
    let mut input = Bytes(data);
    let mut model = Model {
        handles: Vec::new(),
        tokens: Vec::new(),
        decoy: Box::new([0; 4]),
    };
    for _ in 0..MAX_OPS {
        if input.0.is_empty() {
            break;
        }
        let op = input.next();
        model.run(op, &mut input);
    }
    model.finish();
});

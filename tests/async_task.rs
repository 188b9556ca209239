//! Async tasks (`ffi_tasks::async_task`): spawn, poll, wait and cancel
//! through the Rust API and through the C ABI of `export_task!`'s
//! `AsyncTask:` form; a cancel that drops a future which never wakes; panics
//! in `run` and in `poll`; wakers used after completion or during a poll;
//! executors that refuse jobs; and many pending tasks holding no threads.

mod core_support;

use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll, Waker},
};

use anyhow::Error;
use core_support::{
    as_user_data, assert_error, assert_no_error, bump, eventually, leaked_counter, Counter,
    PATIENCE,
};
use ffi_tasks::{
    async_task::AsyncTask,
    c,
    error::{ErrorKind, SpawnFailed},
    executor::{Executor, Job, SpawnError},
    pool::{PoolConfig, ThreadPool},
    task::{CancellationToken, Cancelled, TaskHandle, TaskStatus},
};

const PATIENCE_MS: u64 = PATIENCE.as_millis() as u64;

// ===== futures and tasks under test =====

/// A one-shot signal a future waits on: `fire` wakes the waiting task.
#[derive(Clone, Default)]
struct Signal(Arc<Mutex<(bool, Option<Waker>)>>);

impl Signal {
    fn fire(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The waker of the last poll that found the signal unfired.
    fn last_waker(&self) -> Option<Waker> {
        self.0.lock().unwrap().1.clone()
    }
}

impl Future for Signal {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.lock().unwrap();
        if state.0 {
            Poll::Ready(())
        } else {
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Bumps a counter when dropped: tells a test the future is gone.
struct OnDrop(Counter);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.bump();
    }
}

/// What an [`Async`] task's future does.
#[derive(Clone)]
enum Plan {
    /// `Ok(value)` at once.
    Value(u64),
    /// `Ok(value)` once the signal fires.
    AfterSignal(Signal, u64),
    /// Never ready, never wakes; counts its polls.
    Forever(Arc<AtomicUsize>),
    /// Panics in `run`, before any future exists.
    PanicInRun,
    /// Panics when polled.
    PanicInPoll,
    /// Wakes itself during its first poll and returns `Pending`; `Ok(polls)`
    /// on the second.
    WakeDuringPoll,
    /// Returns `Ok(1)` once the other token is cancelled.
    UntilCancelled(CancellationToken),
    /// Puts a clone of its own token in the slot, then `Ok(value)`.
    KeepToken(Arc<Mutex<Option<CancellationToken>>>, u64),
}

/// An async task that follows its plan; its future bumps `dropped` when
/// dropped.
#[derive(Clone)]
#[repr(C)]
struct Async {
    plan: Box<Plan>,
    dropped: Counter,
}

fn task(plan: Plan) -> Async {
    Async {
        plan: Box::new(plan),
        dropped: Counter::new(),
    }
}

impl AsyncTask for Async {
    type Output = u64;

    fn run(
        &self,
        tok: CancellationToken,
    ) -> impl Future<Output = Result<u64, Error>> + Send + 'static {
        let plan = (*self.plan).clone();
        let guard = OnDrop(self.dropped.clone());
        if let Plan::PanicInRun = plan {
            panic!("panic in run");
        }
        async move {
            let _guard = guard;
            tok.set_progress(1, 2);
            match plan {
                Plan::Value(v) => Ok(v),
                Plan::AfterSignal(signal, v) => {
                    signal.await;
                    Ok(v)
                }
                Plan::Forever(polls) => {
                    std::future::poll_fn(|_| {
                        polls.fetch_add(1, Ordering::SeqCst);
                        Poll::<()>::Pending
                    })
                    .await;
                    Ok(0)
                }
                Plan::PanicInRun => unreachable!(),
                Plan::PanicInPoll => panic!("panic in poll"),
                Plan::WakeDuringPoll => {
                    let mut polls = 0;
                    std::future::poll_fn(|cx| {
                        polls += 1;
                        if polls == 1 {
                            cx.waker().wake_by_ref();
                            Poll::Pending
                        } else {
                            Poll::Ready(())
                        }
                    })
                    .await;
                    Ok(polls)
                }
                Plan::UntilCancelled(other) => {
                    other.when_cancelled().await;
                    Ok(1)
                }
                Plan::KeepToken(slot, v) => {
                    *slot.lock().unwrap() = Some(tok.clone());
                    Ok(v)
                }
            }
        }
    }
}

ffi_tasks::export_task! {
    AsyncTask: Async;
    spawn: async_spawn;
    spawn_with_token: async_spawn_with_token;
    poll: async_poll;
    wait: async_wait;
    wait_timeout: async_wait_timeout;
    cancel: async_cancel;
    cancelled: async_cancelled;
    status: async_status;
    progress: async_progress;
    on_complete: async_on_complete;
    handle_destroy: async_handle_destroy;
    result_destroy: async_result_destroy;
}

fn kind_of(result: Result<u64, Error>) -> ErrorKind {
    ErrorKind::of(&result.expect_err("an error"))
}

// ===== Rust API =====

#[test]
fn a_ready_future_gives_its_value() {
    let t = task(Plan::Value(42));
    let handle = TaskHandle::spawn_async(t.clone());
    assert_eq!(handle.wait().unwrap(), 42);
    t.dropped.wait_for(1);
}

#[test]
fn a_pending_future_completes_after_its_wake() {
    let signal = Signal::default();
    let handle = TaskHandle::spawn_async(task(Plan::AfterSignal(signal.clone(), 7)));
    eventually("the future waits", || signal.last_waker().is_some());
    assert!(handle.poll().is_none(), "pending");
    assert_eq!(handle.status(), TaskStatus::Running);
    assert_eq!(handle.progress().done, 1);
    signal.fire();
    let value = handle
        .wait_timeout(PATIENCE)
        .expect("woken, so it finished");
    assert_eq!(value.unwrap(), 7);
    assert_eq!(handle.status(), TaskStatus::Taken);
}

#[test]
fn cancel_drops_a_future_that_never_wakes() {
    let polls = Arc::new(AtomicUsize::new(0));
    let t = task(Plan::Forever(polls.clone()));
    let handle = TaskHandle::spawn_async(t.clone());
    eventually("the first poll", || polls.load(Ordering::SeqCst) == 1);
    assert_eq!(t.dropped.get(), 0);
    handle.cancel();
    t.dropped.wait_for(1);
    assert_eq!(
        handle.wait_timeout(PATIENCE).map(kind_of),
        Some(ErrorKind::Cancelled)
    );
    assert_eq!(polls.load(Ordering::SeqCst), 1, "dropped, not polled again");
}

#[test]
fn dropping_the_handle_drops_a_future_that_never_wakes() {
    let polls = Arc::new(AtomicUsize::new(0));
    let t = task(Plan::Forever(polls.clone()));
    let handle = TaskHandle::spawn_async(t.clone());
    eventually("the first poll", || polls.load(Ordering::SeqCst) == 1);
    drop(handle);
    t.dropped.wait_for(1);
}

#[test]
fn a_group_cancel_reaches_every_pending_task() {
    let group = CancellationToken::new();
    let polls = Arc::new(AtomicUsize::new(0));
    let t = task(Plan::Forever(polls.clone()));
    let pool = Arc::new(ThreadPool::new(PoolConfig::default()));
    let handles: Vec<_> = (0..20)
        .map(|_| {
            TaskHandle::spawn_async_with(t.clone(), group.child_token(), pool.clone()).unwrap()
        })
        .collect();
    eventually("every task polled", || polls.load(Ordering::SeqCst) == 20);
    group.cancel();
    for handle in &handles {
        let outcome = handle.wait_timeout(PATIENCE).expect("cancelled, so done");
        assert_eq!(kind_of(outcome), ErrorKind::Cancelled);
    }
    t.dropped.wait_for(20);
}

#[test]
fn a_panic_in_run_or_in_poll_ends_the_task_panicked() {
    for (plan, message) in [
        (Plan::PanicInRun, "panic in run"),
        (Plan::PanicInPoll, "panic in poll"),
    ] {
        let handle = TaskHandle::spawn_async(task(plan));
        let error = handle
            .wait_timeout(PATIENCE)
            .expect("ended")
            .expect_err("panicked");
        assert_eq!(ErrorKind::of(&error), ErrorKind::Panicked);
        assert!(format!("{error:#}").contains(message), "{error:#}");
    }
}

#[test]
fn a_wake_during_the_poll_is_not_lost() {
    let handle = TaskHandle::spawn_async(task(Plan::WakeDuringPoll));
    let outcome = handle
        .wait_timeout(PATIENCE)
        .expect("re-polled after its own wake");
    assert_eq!(outcome.unwrap(), 2, "polled exactly twice");
}

#[test]
fn a_waker_used_after_completion_does_nothing() {
    let pool = Arc::new(ThreadPool::new(PoolConfig::default()));
    let signal = Signal::default();
    let handle = TaskHandle::spawn_async_with(
        task(Plan::AfterSignal(signal.clone(), 3)),
        CancellationToken::new(),
        pool.clone(),
    )
    .unwrap();
    eventually("the future waits", || signal.last_waker().is_some());
    let stale = signal.last_waker().unwrap();
    signal.fire();
    assert_eq!(handle.wait().unwrap(), 3);
    // The worker counts its job after the outcome is published: wait for it.
    eventually("the worker is done with the last poll", || {
        pool.stats().running == 0
    });
    let before = pool.stats();
    for _ in 0..100 {
        stale.wake_by_ref();
    }
    stale.wake();
    let after = pool.stats();
    assert_eq!(after.queued, 0, "no job was submitted");
    assert_eq!(after.completed, before.completed);
}

#[test]
fn when_cancelled_completes_on_cancel_and_wakes_its_task() {
    let stop = CancellationToken::new();
    let handle = TaskHandle::spawn_async(task(Plan::UntilCancelled(stop.clone())));
    assert!(handle
        .wait_timeout(std::time::Duration::from_millis(1))
        .is_none());
    stop.cancel();
    let outcome = handle.wait_timeout(PATIENCE).expect("woken by the cancel");
    assert_eq!(outcome.unwrap(), 1);
}

#[test]
fn a_token_kept_past_completion_is_harmless() {
    let slot = Arc::new(Mutex::new(None));
    let handle = TaskHandle::spawn_async(task(Plan::KeepToken(slot.clone(), 5)));
    eventually("the task ends", || handle.status() != TaskStatus::Running);
    let kept: CancellationToken = slot.lock().unwrap().take().expect("kept by the future");
    assert!(
        !kept.cancelled(),
        "the handle still lives: nothing cancelled it"
    );
    // Cancelling the kept token after the end does not change the outcome.
    kept.cancel();
    assert!(handle.cancelled(), "it is the task's token");
    assert_eq!(handle.status(), TaskStatus::Completed);
    assert_eq!(handle.wait().unwrap(), 5);
    // Its waits still work, and a child of it starts cancelled.
    assert!(kept.wait_cancelled(std::time::Duration::ZERO));
    let mut cancelled = std::pin::pin!(kept.when_cancelled());
    let ready = cancelled
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
    assert!(ready.is_ready());
    assert!(kept.child_token().cancelled());
}

#[test]
fn a_token_kept_past_completion_is_cancelled_when_the_handle_goes() {
    let slot = Arc::new(Mutex::new(None));
    let handle = TaskHandle::spawn_async(task(Plan::KeepToken(slot.clone(), 6)));
    assert_eq!(handle.wait().unwrap(), 6); // consumes (drops) the handle
    let kept: CancellationToken = slot.lock().unwrap().take().expect("kept by the future");
    assert!(kept.cancelled(), "dropping the handle cancels its token");
}

#[test]
fn when_cancelled_polled_by_hand() {
    let token = CancellationToken::new();
    let woken = Arc::new(AtomicUsize::new(0));
    let waker = Waker::from(Arc::new(CountWakes(woken.clone())));
    let mut cx = Context::from_waker(&waker);
    let mut pending = Box::pin(token.when_cancelled());
    assert!(pending.as_mut().poll(&mut cx).is_pending());
    assert!(pending.as_mut().poll(&mut cx).is_pending(), "polled twice");
    let mut dropped_early = Box::pin(token.when_cancelled());
    assert!(dropped_early.as_mut().poll(&mut cx).is_pending());
    drop(dropped_early);
    token.cancel();
    assert_eq!(
        woken.load(Ordering::SeqCst),
        1,
        "one wake, for the live one"
    );
    assert!(pending.as_mut().poll(&mut cx).is_ready());
    assert!(Box::pin(token.when_cancelled())
        .as_mut()
        .poll(&mut cx)
        .is_ready());
}

struct CountWakes(Arc<AtomicUsize>);

impl std::task::Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Accepts the first `accept` jobs (running each on a new thread), then
/// refuses.
struct Refusing {
    accept: AtomicUsize,
}

impl Executor for Refusing {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        let left = self.accept.load(Ordering::SeqCst);
        if left == 0 {
            return Err(SpawnError::Refused("no more".into()));
        }
        self.accept.store(left - 1, Ordering::SeqCst);
        std::thread::spawn(move || job.run());
        Ok(())
    }
}

#[test]
fn an_executor_that_refuses_a_later_poll_ends_the_task_spawn_failed() {
    let refuse_all = Refusing {
        accept: AtomicUsize::new(0),
    };
    let err =
        TaskHandle::spawn_async_with(task(Plan::Value(1)), CancellationToken::new(), refuse_all)
            .unwrap_err();
    assert!(err.chain().any(|e| e.is::<SpawnFailed>()), "{err:#}");

    let signal = Signal::default();
    let t = task(Plan::AfterSignal(signal.clone(), 1));
    let refuse_second = Refusing {
        accept: AtomicUsize::new(1),
    };
    let handle =
        TaskHandle::spawn_async_with(t.clone(), CancellationToken::new(), refuse_second).unwrap();
    eventually("the future waits", || signal.last_waker().is_some());
    signal.fire();
    let outcome = handle
        .wait_timeout(PATIENCE)
        .expect("ended, not left waiting");
    assert_eq!(kind_of(outcome), ErrorKind::SpawnFailed);
    t.dropped.wait_for(1);
}

/// Runs the first job on a thread, checking that `Job::run` does not
/// unwind; panics in `execute` for every later job.
struct PanicsLater {
    calls: AtomicUsize,
    escaped: Arc<AtomicUsize>,
    /// Bumped once the first job's thread is done.
    ran: Counter,
}

impl Executor for PanicsLater {
    fn execute(&self, job: Job) -> Result<(), SpawnError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) > 0 {
            panic!("executor panics");
        }
        let (escaped, ran) = (self.escaped.clone(), self.ran.clone());
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run()));
            if outcome.is_err() {
                escaped.fetch_add(1, Ordering::SeqCst);
            }
            ran.bump();
        });
        Ok(())
    }
}

/// Spawns `t` on a [`PanicsLater`] executor and runs `after_spawn` (what
/// leads to the later poll, if the task itself does not): the task ends
/// `SpawnFailed` with its future dropped, and `Job::run` never unwound.
fn ends_spawn_failed_on_an_executor_that_panics_later(t: Async, after_spawn: impl FnOnce()) {
    let escaped = Arc::new(AtomicUsize::new(0));
    let ran = Counter::new();
    let executor = PanicsLater {
        calls: AtomicUsize::new(0),
        escaped: escaped.clone(),
        ran: ran.clone(),
    };
    let handle =
        TaskHandle::spawn_async_with(t.clone(), CancellationToken::new(), executor).unwrap();
    after_spawn();
    let outcome = handle
        .wait_timeout(PATIENCE)
        .expect("ended, not left waiting");
    assert_eq!(kind_of(outcome), ErrorKind::SpawnFailed);
    t.dropped.wait_for(1);
    ran.wait_for(1);
    assert_eq!(escaped.load(Ordering::SeqCst), 0, "Job::run unwound");
}

#[test]
fn an_executor_that_panics_on_a_later_poll_ends_the_task_and_job_run_does_not_unwind() {
    let signal = Signal::default();
    let t = task(Plan::AfterSignal(signal.clone(), 1));
    ends_spawn_failed_on_an_executor_that_panics_later(t, || {
        eventually("the future waits", || signal.last_waker().is_some());
        // The wake runs on this thread: the executor's panic must not reach it.
        signal.fire();
    });
}

#[test]
fn a_wake_during_the_poll_with_an_executor_that_panics_is_contained() {
    ends_spawn_failed_on_an_executor_that_panics_later(task(Plan::WakeDuringPoll), || {});
}

#[test]
fn ten_thousand_pending_tasks_hold_no_threads() {
    const TASKS: usize = 10_000;
    // Two threads at most: blocking tasks that wait would start two of the
    // 10,000 and queue the rest; pending futures hold no thread, so every
    // one of them gets polled.
    let pool = Arc::new(ThreadPool::new(PoolConfig {
        max_threads: 2,
        ..PoolConfig::default()
    }));
    let polls = Arc::new(AtomicUsize::new(0));
    let t = task(Plan::Forever(polls.clone()));
    let group = CancellationToken::new();
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            TaskHandle::spawn_async_with(t.clone(), group.child_token(), pool.clone()).unwrap()
        })
        .collect();
    eventually("every task polled once", || {
        polls.load(Ordering::SeqCst) == TASKS
    });
    eventually("no thread held", || {
        let stats = pool.stats();
        stats.running == 0 && stats.queued == 0
    });
    let stats = pool.stats();
    assert!(stats.peak_threads <= 2, "{stats:?}");
    assert_eq!(
        stats.completed + stats.failed + stats.cancelled,
        0,
        "{stats:?}"
    );
    assert!(handles.iter().all(|h| h.status() == TaskStatus::Running));
    group.cancel();
    for handle in &handles {
        let outcome = handle.wait_timeout(PATIENCE).expect("cancelled, so done");
        assert_eq!(kind_of(outcome), ErrorKind::Cancelled);
    }
    t.dropped.wait_for(TASKS);
    // A worker counts a job after publishing its outcome: a counter, so
    // re-checked until it holds.
    eventually("the pool counted every cancel", || {
        pool.stats().cancelled == TASKS as u64
    });
    let stats = pool.stats();
    assert!(stats.peak_threads <= 2, "{stats:?}");
    assert_eq!(stats.cancelled, TASKS as u64);
}

// ===== C ABI =====

#[test]
fn c_abi_spawn_poll_wait() {
    let t = task(Plan::Value(5));
    unsafe {
        let h = async_spawn(&t);
        assert!(!h.is_null());
        let r = async_wait(h);
        assert_no_error();
        assert_eq!(*r, 5);
        async_result_destroy(r);
    }

    let signal = Signal::default();
    let t = task(Plan::AfterSignal(signal.clone(), 9));
    unsafe {
        let h = async_spawn(&t);
        eventually("the future waits", || signal.last_waker().is_some());
        assert!(async_poll(h).is_null());
        assert_no_error();
        assert_eq!(async_status(h), TaskStatus::Running as i32);
        assert_eq!(async_cancelled(h), 0);
        let mut progress = c::Progress::default();
        assert_eq!(async_progress(h, &mut progress), 0);
        assert_eq!((progress.done, progress.total), (1, 2));
        let calls = leaked_counter();
        assert_eq!(async_on_complete(h, Some(bump), as_user_data(calls)), 0);
        signal.fire();
        let r = async_wait_timeout(h, PATIENCE_MS);
        assert_no_error();
        assert_eq!(*r, 9);
        async_result_destroy(r);
        calls.wait_for(1);
        assert_eq!(async_status(h), TaskStatus::Taken as i32);
        async_handle_destroy(h);
        assert_no_error();
    }
}

#[test]
fn c_abi_cancel_and_destroy_drop_a_future_that_never_wakes() {
    let polls = Arc::new(AtomicUsize::new(0));
    let t = task(Plan::Forever(polls.clone()));
    unsafe {
        let h = async_spawn(&t);
        eventually("the first poll", || polls.load(Ordering::SeqCst) == 1);
        async_cancel(h);
        assert_eq!(async_cancelled(h), 1);
        assert!(async_wait(h).is_null());
        assert_error(ErrorKind::Cancelled, "cancelled");
    }
    t.dropped.wait_for(1);

    let polls = Arc::new(AtomicUsize::new(0));
    let t = task(Plan::Forever(polls.clone()));
    unsafe {
        let h = async_spawn(&t);
        eventually("the first poll", || polls.load(Ordering::SeqCst) == 1);
        async_handle_destroy(h);
        assert_no_error();
    }
    t.dropped.wait_for(1);
}

#[test]
fn c_abi_spawn_with_token_and_null_pointers() {
    let t = task(Plan::Forever(Arc::new(AtomicUsize::new(0))));
    unsafe {
        let token = c::ffi_tasks_token_new();
        let h = async_spawn_with_token(&t, token);
        assert!(!h.is_null());
        c::ffi_tasks_token_cancel(token);
        assert!(async_wait(h).is_null());
        assert_error(ErrorKind::Cancelled, "cancelled");
        c::ffi_tasks_token_destroy(token);

        assert!(async_spawn(std::ptr::null()).is_null());
        assert_error(ErrorKind::NullPointer, "task");
        assert!(async_spawn_with_token(&t, std::ptr::null()).is_null());
        assert_error(ErrorKind::NullPointer, "token");
    }
}

#[test]
fn c_abi_panic_in_poll_is_panicked() {
    let t = task(Plan::PanicInPoll);
    unsafe {
        let h = async_spawn(&t);
        assert!(async_wait_timeout(h, PATIENCE_MS).is_null());
        assert_error(ErrorKind::Panicked, "panic in poll");
        async_handle_destroy(h);
    }
}

#[test]
fn cancel_before_the_first_poll_never_runs_the_task() {
    let pool = Arc::new(ThreadPool::new(PoolConfig::default()));
    let token = CancellationToken::new();
    token.cancel();
    let t = task(Plan::Value(1));
    let handle = TaskHandle::spawn_async_with(t.clone(), token, pool).unwrap();
    assert_eq!(kind_of(handle.wait()), ErrorKind::Cancelled);
    assert_eq!(t.dropped.get(), 0, "run was never called");
}

#[test]
fn a_cancelled_error_from_the_future_is_cancelled() {
    #[derive(Clone)]
    struct GiveUp;
    impl AsyncTask for GiveUp {
        type Output = ();
        // Not an `async fn`: its future would borrow `self`, and `run`'s
        // must be `'static`.
        #[allow(clippy::manual_async_fn)]
        fn run(
            &self,
            _: CancellationToken,
        ) -> impl Future<Output = Result<(), Error>> + Send + 'static {
            async { Err(Cancelled.into()) }
        }
    }
    let handle = TaskHandle::spawn_async(GiveUp);
    assert_eq!(
        ErrorKind::of(&handle.wait().unwrap_err()),
        ErrorKind::Cancelled
    );
}

//! The one-shot slot a worker fills with a task's outcome and a handle takes
//! it from: the handle's state machine.
//!
//! ```text
//!            complete()                 take()
//! Pending ───────────────▶ Ready ─────────────────▶ Taken
//!   │ set_callback(): stored      set_callback(): run now
//!   │                             abandon(): taken by the handle
//!   └ complete() runs the stored callback after unlocking
//!
//! Pending ── abandon() ──▶ Pending, abandoned ── complete() ──▶ Taken
//!                              (the outcome goes back to the completing thread)
//! ```
//!
//! * The outcome is delivered exactly once: `take` moves it out and leaves
//!   `Taken`, so a second `take` reports [`AlreadyTaken`].
//! * A callback runs exactly once, either on the completing thread or, when
//!   the slot is already complete, on the registering thread, and never while
//!   the lock is held (it may call back into the handle).
//! * `status` is mirrored in an atomic, so polling a running task never takes
//!   the lock.
//! * The handle never leaves an outcome behind for the worker's last
//!   reference to drop: when it lets go ([`Completion::abandon`]) it takes a
//!   stored outcome (dropped on its own thread) or marks the slot abandoned,
//!   and `complete_then` then hands the outcome back instead of storing it.
//!   So the user code in an outcome's `Drop` never runs on the completing
//!   thread after `on_publish` said nothing is left to run there: such code
//!   may spawn a task and wait for it, and an executor that took that word
//!   could hand the task to the very thread that is busy running it.
//! * `complete` signals the condition variable only when someone waits on it
//!   (std's condition variable makes a syscall on every notify), and a waiter
//!   spins briefly on `status` before it sleeps, so a task that finishes
//!   within microseconds is handed over without a sleep and a wake-up.
//!
//! Hand-written because no channel crate offers "take once, then report
//! already-taken" together with a registrable completion callback and a
//! lock-free status read; it is small enough to model-check with loom
//! (`scripts/loom.sh`: `cargo test --lib` with
//! `RUSTFLAGS="--cfg ffi_tasks_loom"`).

use std::time::Duration;

use crate::{
    error::AlreadyTaken,
    loom::{
        lock,
        sync::{
            atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering},
            Condvar, Mutex,
        },
        time::Instant,
    },
    spin::spin_until,
    status::TaskStatus,
};

/// How long a waiter spins on `status` before it sleeps on the condition
/// variable.
const WAIT_SPIN: Duration = Duration::from_micros(20);

/// A callback run once when the task completes.
pub(crate) type Callback = Box<dyn FnOnce() + Send + 'static>;

/// A task's outcome.
pub(crate) type Outcome<T> = Result<T, anyhow::Error>;

pub(crate) struct Completion<T> {
    /// Mirror of the state's status, readable without the lock.
    status: AtomicU8,
    state: Mutex<State<T>>,
    ready: Condvar,
    /// Whether a callback was ever registered (the state forgets it once the
    /// task completes). Only read and written with `state` locked.
    callback_registered: AtomicBool,
    /// Threads sleeping on `ready`. Only changed with `state` locked.
    waiters: AtomicUsize,
}

enum State<T> {
    Pending {
        callback: Option<Callback>,
        /// The handle let go: the outcome is not stored but handed back.
        abandoned: bool,
    },
    Ready(Outcome<T>),
    Taken,
}

/// What `complete_then` did with an outcome.
pub(crate) struct Completed<T> {
    /// How the task ended.
    pub(crate) status: TaskStatus,
    /// The registered callback, for the caller to run (outside the lock).
    pub(crate) callback: Option<Callback>,
    /// The outcome, when the handle had abandoned the slot: the caller drops
    /// it (user code) itself, before it counts as free.
    pub(crate) abandoned: Option<Outcome<T>>,
}

/// Why a callback could not be registered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CallbackAlreadySet;

impl<T> Completion<T> {
    pub(crate) fn new() -> Self {
        Completion {
            status: AtomicU8::new(TaskStatus::Running as u8),
            state: Mutex::new(State::Pending {
                callback: None,
                abandoned: false,
            }),
            ready: Condvar::new(),
            callback_registered: AtomicBool::new(false),
            waiters: AtomicUsize::new(0),
        }
    }

    /// The current status, without locking.
    #[inline]
    pub(crate) fn status(&self) -> TaskStatus {
        TaskStatus::from_u8(self.status.load(Ordering::Acquire))
    }

    /// Stores the outcome and wakes every waiter, then hands back the
    /// registered callback for the caller to run (outside the lock). Returns
    /// the status stored. A second call is ignored and returns `None`.
    #[cfg(all(test, ffi_tasks_loom))]
    pub(crate) fn complete(&self, outcome: Outcome<T>) -> Option<(TaskStatus, Option<Callback>)> {
        self.complete_then(outcome, &|| {})
            .map(|done| (done.status, done.callback))
    }

    /// Like `complete`, and calls `on_publish` just before the outcome
    /// becomes visible, but only when the completing thread has nothing left
    /// to run for this task but its own bookkeeping (whoever runs it may then
    /// count the thread as free already): no callback is registered and the handle has
    /// not abandoned the slot. An abandoned slot does not store the outcome:
    /// it is handed back in [`Completed::abandoned`].
    pub(crate) fn complete_then(
        &self,
        outcome: Outcome<T>,
        on_publish: &dyn Fn(),
    ) -> Option<Completed<T>> {
        let status = crate::status::classify(&outcome).0;
        let (callback, abandoned, wake) = {
            let mut state = lock(&self.state);
            let (callback, abandoned) = match &mut *state {
                State::Pending {
                    callback,
                    abandoned,
                } => (callback.take(), *abandoned),
                State::Ready(_) | State::Taken => return None,
            };
            let abandoned = if abandoned {
                // Nobody will take it: no one to publish to.
                *state = State::Taken;
                Some(outcome)
            } else {
                *state = State::Ready(outcome);
                if callback.is_none() {
                    on_publish();
                }
                None
            };
            self.status.store(status as u8, Ordering::Release);
            (
                callback,
                abandoned,
                self.waiters.load(Ordering::Relaxed) > 0,
            )
        };
        if wake {
            self.ready.notify_all();
        }
        Some(Completed {
            status,
            callback,
            abandoned,
        })
    }

    /// The handle lets go of the slot (it is being dropped): takes a stored
    /// outcome, for the caller to drop on its own thread outside the lock,
    /// or, while the task runs, marks the slot so that `complete_then` hands
    /// the outcome back to the completing thread instead of storing it.
    pub(crate) fn abandon(&self) -> Option<Outcome<T>> {
        if self.status() == TaskStatus::Taken {
            return None; // final: nothing stored, nothing to come
        }
        let mut state = lock(&self.state);
        match &mut *state {
            State::Pending { abandoned, .. } => {
                *abandoned = true;
                None
            }
            State::Ready(_) => match std::mem::replace(&mut *state, State::Taken) {
                State::Ready(outcome) => Some(outcome),
                _ => unreachable!("matched as ready under the lock"),
            },
            State::Taken => None,
        }
    }

    /// Takes the outcome if the task is done: `None` while it runs,
    /// `Some(Err(AlreadyTaken))` once an earlier call took it.
    #[inline]
    pub(crate) fn try_take(&self) -> Option<Outcome<T>> {
        self.try_take_with_status().map(|(_, outcome)| outcome)
    }

    /// [`Completion::try_take`], also returning the status the outcome was
    /// stored with ([`TaskStatus::Taken`] for the `AlreadyTaken` error), so
    /// that callers can classify a task's error by how the task ended rather
    /// than by what its cause chain happens to contain.
    #[inline]
    pub(crate) fn try_take_with_status(&self) -> Option<(TaskStatus, Outcome<T>)> {
        if self.status() == TaskStatus::Running {
            return None;
        }
        self.try_take_locked()
    }

    fn try_take_locked(&self) -> Option<(TaskStatus, Outcome<T>)> {
        let mut state = lock(&self.state);
        Self::take_locked(&mut state, &self.status)
    }

    /// Blocks until the task is done (or `timeout` passes: `None`), then takes
    /// the outcome as [`Completion::try_take`] does.
    pub(crate) fn take_timeout(&self, timeout: Option<Duration>) -> Option<Outcome<T>> {
        self.take_timeout_with_status(timeout)
            .map(|(_, outcome)| outcome)
    }

    /// [`Completion::take_timeout`] with the status, as
    /// [`Completion::try_take_with_status`].
    pub(crate) fn take_timeout_with_status(
        &self,
        timeout: Option<Duration>,
    ) -> Option<(TaskStatus, Outcome<T>)> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let spin = timeout.map_or(WAIT_SPIN, |t| t.min(WAIT_SPIN));
        spin_until(spin, || self.status() != TaskStatus::Running);
        let mut state = lock(&self.state);
        loop {
            if let Some(outcome) = Self::take_locked(&mut state, &self.status) {
                return Some(outcome);
            }
            let left = match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    Some(left)
                }
                None => None,
            };
            self.waiters.fetch_add(1, Ordering::Relaxed);
            state = match left {
                None => self.ready.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(left) => {
                    self.ready
                        .wait_timeout(state, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
            self.waiters.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn take_locked(state: &mut State<T>, status: &AtomicU8) -> Option<(TaskStatus, Outcome<T>)> {
        match std::mem::replace(state, State::Taken) {
            State::Ready(outcome) => {
                // Stored under this lock by `complete`, so it is the final one.
                let ended =
                    TaskStatus::from_u8(status.swap(TaskStatus::Taken as u8, Ordering::AcqRel));
                Some((ended, outcome))
            }
            State::Taken => Some((TaskStatus::Taken, Err(AlreadyTaken.into()))),
            pending @ State::Pending { .. } => {
                *state = pending;
                None
            }
        }
    }

    /// Registers `callback` to run once on completion. When the task is
    /// already done it is handed back (`Ok(Some(cb))`) for the caller to run
    /// now, outside the lock. A second registration is refused, before or
    /// after completion.
    pub(crate) fn set_callback(
        &self,
        callback: Callback,
    ) -> Result<Option<Callback>, CallbackAlreadySet> {
        let mut state = lock(&self.state);
        // One callback per handle, whether it was registered before or after
        // completion: the flag outlives the `Pending` state.
        if self.callback_registered.swap(true, Ordering::Relaxed) {
            return Err(CallbackAlreadySet);
        }
        match &mut *state {
            State::Pending { callback: slot, .. } => {
                *slot = Some(callback);
                Ok(None)
            }
            State::Ready(_) | State::Taken => Ok(Some(callback)),
        }
    }
}

#[cfg(all(test, ffi_tasks_loom))]
mod loom_tests {
    use super::*;
    use crate::error::ErrorKind;
    use loom::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    /// A callback that counts its runs in `calls`.
    fn counting(calls: &Arc<AtomicUsize>) -> Callback {
        let calls = calls.clone();
        Box::new(move || {
            calls.fetch_add(1, Ordering::SeqCst);
        })
    }

    /// A worker that completes `c` with `value` and runs the callback that
    /// completing hands back, as a pool's worker does.
    fn complete_on_worker<T: Send + 'static>(
        c: &Arc<Completion<T>>,
        value: T,
    ) -> loom::thread::JoinHandle<()> {
        let c = c.clone();
        loom::thread::spawn(move || {
            if let Some((_, Some(cb))) = c.complete(Ok(value)) {
                cb();
            }
        })
    }

    #[test]
    fn outcome_taken_exactly_once_and_callback_runs_once() {
        loom::model(|| {
            let c = Arc::new(Completion::<u32>::new());
            let calls = Arc::new(AtomicUsize::new(0));

            let worker = complete_on_worker(&c, 7);
            let registrar = {
                let (c, cb) = (c.clone(), counting(&calls));
                loom::thread::spawn(move || {
                    if let Ok(Some(cb)) = c.set_callback(cb) {
                        cb();
                    }
                })
            };
            let polled = c.try_take();
            worker.join().unwrap();
            registrar.join().unwrap();

            assert_eq!(
                calls.load(Ordering::SeqCst),
                1,
                "callback must run exactly once"
            );
            let waited = c.take_timeout(None).unwrap();
            match polled {
                Some(Ok(v)) => {
                    assert_eq!(v, 7);
                    assert_eq!(ErrorKind::of(&waited.unwrap_err()), ErrorKind::AlreadyTaken);
                }
                None => assert_eq!(waited.unwrap(), 7),
                Some(Err(e)) => panic!("unexpected error {e}"),
            }
            assert_eq!(c.status(), TaskStatus::Taken);
        });
    }

    #[test]
    fn waiter_wakes_on_completion_and_second_complete_is_ignored() {
        loom::model(|| {
            let c = Arc::new(Completion::<u32>::new());
            let waiter = {
                let c = c.clone();
                loom::thread::spawn(move || c.take_timeout(None).unwrap().unwrap())
            };
            assert!(c.complete(Ok(1)).is_some());
            assert!(c.complete(Ok(2)).is_none());
            assert_eq!(waiter.join().unwrap(), 1);
        });
    }

    #[test]
    fn destroy_while_running_still_runs_callback() {
        loom::model(|| {
            let c = Arc::new(Completion::<u32>::new());
            let calls = Arc::new(AtomicUsize::new(0));
            assert!(c.set_callback(counting(&calls)).unwrap().is_none());
            let worker = complete_on_worker(&c, 3);
            // The handle is destroyed before the task finishes.
            drop(c.abandon());
            drop(c);
            worker.join().unwrap();
            assert_eq!(calls.load(Ordering::SeqCst), 1);
        });
    }

    /// An output whose drops are counted.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Result taken: a poll and a wait race with completion; exactly one of
    /// them gets the value, the other sees "running" (poll only) or
    /// `AlreadyTaken`, and the value is dropped exactly once.
    #[test]
    fn concurrent_poll_and_wait_take_the_outcome_once() {
        loom::model(|| {
            let c = Arc::new(Completion::<Counted>::new());
            let drops = Arc::new(AtomicUsize::new(0));
            let worker = {
                let (c, drops) = (c.clone(), drops.clone());
                loom::thread::spawn(move || {
                    c.complete(Ok(Counted(drops)));
                })
            };
            let poller = {
                let c = c.clone();
                loom::thread::spawn(move || match c.try_take() {
                    None => 0,
                    Some(Ok(_value)) => 1,
                    Some(Err(e)) => {
                        assert_eq!(ErrorKind::of(&e), ErrorKind::AlreadyTaken);
                        0
                    }
                })
            };
            let waited = match c.take_timeout(None).expect("an untimed wait returns") {
                Ok(_value) => 1,
                Err(e) => {
                    assert_eq!(ErrorKind::of(&e), ErrorKind::AlreadyTaken);
                    0
                }
            };
            worker.join().unwrap();
            let polled = poller.join().unwrap();
            assert_eq!(polled + waited, 1, "the value must be taken exactly once");
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            assert_eq!(c.status(), TaskStatus::Taken);
        });
    }

    /// Cancel: the task completes with `Cancelled` while another thread reads
    /// the lock-free status. Once the status says finished, a take must find
    /// the outcome (the status never runs ahead of the state), and it is the
    /// cancellation.
    #[test]
    fn finished_status_implies_the_outcome_is_there() {
        loom::model(|| {
            let c = Arc::new(Completion::<u32>::new());
            let worker = {
                let c = c.clone();
                loom::thread::spawn(move || {
                    let (status, _) = c.complete(Err(crate::cancel::Cancelled.into())).unwrap();
                    assert_eq!(status, TaskStatus::Cancelled);
                })
            };
            match c.status() {
                TaskStatus::Running => {}
                TaskStatus::Cancelled => {
                    let outcome = c.try_take().expect("finished, so the outcome is there");
                    assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::Cancelled);
                    assert_eq!(c.status(), TaskStatus::Taken);
                }
                other => panic!("unexpected status {other}"),
            }
            worker.join().unwrap();
            assert!(c.status().is_finished());
        });
    }

    /// Destroy: the handle lets go of the slot while the task completes and
    /// a callback is registered; the never-taken value is dropped exactly
    /// once, by whichever side lets go last, and the callback runs once.
    #[test]
    fn destroy_racing_completion_and_registration_drops_the_value_once() {
        loom::model(|| {
            let c = Arc::new(Completion::<Counted>::new());
            let drops = Arc::new(AtomicUsize::new(0));
            let calls = Arc::new(AtomicUsize::new(0));
            let worker = complete_on_worker(&c, Counted(drops.clone()));
            if let Some(now) = c.set_callback(counting(&calls)).unwrap() {
                now();
            }
            // handle_destroy, possibly before the task finishes.
            drop(c.abandon());
            drop(c);
            worker.join().unwrap();
            assert_eq!(drops.load(Ordering::SeqCst), 1, "value dropped once");
            assert_eq!(calls.load(Ordering::SeqCst), 1, "callback ran once");
        });
    }

    /// Callback registration: two registrations race each other and the
    /// completion; exactly one is accepted (before or after completion) and
    /// exactly one callback runs, once.
    #[test]
    fn only_one_of_two_racing_registrations_is_accepted() {
        loom::model(|| {
            let c = Arc::new(Completion::<u32>::new());
            let calls = Arc::new(AtomicUsize::new(0));
            let worker = complete_on_worker(&c, 1);
            let register = |c: &Completion<u32>, calls: &Arc<AtomicUsize>| match c
                .set_callback(counting(calls))
            {
                Ok(Some(now)) => {
                    now();
                    1
                }
                Ok(None) => 1,
                Err(CallbackAlreadySet) => 0,
            };
            let other = {
                let (c, calls) = (c.clone(), calls.clone());
                loom::thread::spawn(move || register(&c, &calls))
            };
            let accepted = register(&c, &calls) + other.join().unwrap();
            worker.join().unwrap();
            assert_eq!(accepted, 1, "exactly one registration accepted");
            assert_eq!(calls.load(Ordering::SeqCst), 1, "exactly one callback run");
        });
    }

    /// The handle lets go while the task completes: the outcome is dropped
    /// exactly once, and never by the completing thread once it has declared
    /// itself free (`on_publish`), since user code in that `Drop` could wait
    /// for a job the pool hands to this very thread.
    #[test]
    fn an_abandoned_outcome_is_never_dropped_by_a_published_worker() {
        use loom::{sync::Mutex as LoomMutex, thread::ThreadId};

        struct Tracked(Arc<LoomMutex<Vec<ThreadId>>>);

        impl Drop for Tracked {
            fn drop(&mut self) {
                self.0.lock().unwrap().push(loom::thread::current().id());
            }
        }

        loom::model(|| {
            let c = Arc::new(Completion::<Tracked>::new());
            let dropped_by = Arc::new(LoomMutex::new(Vec::new()));
            let worker = {
                let (c, dropped_by) = (c.clone(), dropped_by.clone());
                loom::thread::spawn(move || {
                    let published = AtomicUsize::new(0);
                    let done = c
                        .complete_then(Ok(Tracked(dropped_by)), &|| {
                            published.fetch_add(1, Ordering::SeqCst);
                        })
                        .unwrap();
                    drop(done); // an abandoned outcome is dropped here
                    drop(c); // as `CompleteOnDrop::complete` does
                    (
                        loom::thread::current().id(),
                        published.load(Ordering::SeqCst),
                    )
                })
            };
            drop(c.abandon());
            drop(c);
            let (worker_id, published) = worker.join().unwrap();
            let dropped_by = dropped_by.lock().unwrap();
            assert_eq!(dropped_by.len(), 1, "the outcome is dropped once");
            assert!(
                published == 0 || dropped_by[0] != worker_id,
                "a worker that declared itself free dropped the outcome"
            );
        });
    }
}

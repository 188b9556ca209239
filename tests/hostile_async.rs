//! Async tasks (built-in driver) used by a hostile caller: a future whose
//! `Drop` calls back into the library (its own handle's `status`,
//! `wait_timeout`, `cancel`; wakes its own waker; spawns another async task
//! and waits for it), on the value path and on the cancel path; and
//! `wait_timeout` on an async handle with zero and `Duration::MAX`.

mod core_support;

use std::{
    future::Future,
    sync::{Arc, Mutex},
    task::{Poll, Waker},
    time::Duration,
};

use anyhow::Error;
use core_support::{Counter, PATIENCE};
use ffi_tasks::{
    async_task::AsyncTask,
    error::ErrorKind,
    task::{CancellationToken, TaskHandle, TaskStatus},
};

/// What the future's `Drop` sees and records.
type Shared = Arc<Mutex<Option<TaskHandle<u64>>>>;

/// Pending until released (or cancelled), then `Ok(5)`; its `Drop` runs
/// `on_drop` with the future's last waker.
#[derive(Clone)]
struct Hostile {
    started: Counter,
    release: Arc<Mutex<(bool, Option<Waker>)>>,
    on_drop: Arc<dyn Fn(Option<Waker>) + Send + Sync>,
    dropped: Counter,
}

struct Guard {
    release: Arc<Mutex<(bool, Option<Waker>)>>,
    on_drop: Arc<dyn Fn(Option<Waker>) + Send + Sync>,
    dropped: Counter,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let waker = self.release.lock().unwrap().1.clone();
        (self.on_drop)(waker);
        self.dropped.bump();
    }
}

impl Hostile {
    fn new(on_drop: impl Fn(Option<Waker>) + Send + Sync + 'static) -> Hostile {
        Hostile {
            started: Counter::new(),
            release: Arc::default(),
            on_drop: Arc::new(on_drop),
            dropped: Counter::new(),
        }
    }

    fn release(&self) {
        let waker = {
            let mut state = self.release.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl AsyncTask for Hostile {
    type Output = u64;

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        _: CancellationToken,
    ) -> impl Future<Output = Result<u64, Error>> + Send + 'static {
        let guard = Guard {
            release: self.release.clone(),
            on_drop: self.on_drop.clone(),
            dropped: self.dropped.clone(),
        };
        let started = self.started.clone();
        async move {
            let guard = guard;
            started.bump();
            std::future::poll_fn(|cx| {
                let mut state = guard.release.lock().unwrap();
                if state.0 {
                    Poll::Ready(())
                } else {
                    state.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
            .await;
            Ok(5)
        }
    }
}

/// A future whose `Drop` uses its own handle and wakes its own waker.
fn self_referential(seen: Arc<Mutex<Vec<String>>>) -> (Hostile, Shared) {
    let shared: Shared = Arc::default();
    let me = shared.clone();
    let task = Hostile::new(move |waker| {
        let guard = me.lock().unwrap();
        let handle = guard.as_ref().expect("stored before the release");
        let mut seen = seen.lock().unwrap();
        seen.push(format!("{:?}", handle.status()));
        seen.push(format!("{}", handle.wait_timeout(Duration::ZERO).is_none()));
        handle.cancel();
        if let Some(waker) = waker {
            waker.wake_by_ref();
            waker.wake();
        }
    });
    (task, shared)
}

#[test]
fn a_future_whose_drop_uses_its_own_handle_on_the_value_path() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (task, shared) = self_referential(seen.clone());
    let handle = TaskHandle::spawn_async(task.clone());
    task.started.wait_for(1);
    // The `Drop` borrows the handle through the shared slot: hand it over.
    *shared.lock().unwrap() = Some(handle);
    task.release();
    task.dropped.wait_for(1);
    let handle = shared.lock().unwrap().take().unwrap();
    let outcome = handle.wait_timeout(PATIENCE);
    let status = handle.status();
    // Cancelled in its own `Drop`, after the value: the value stands.
    assert_eq!(outcome.expect("done").unwrap(), 5);
    assert_eq!(status, TaskStatus::Taken);
    assert_eq!(
        *seen.lock().unwrap(),
        ["Running".to_owned(), "true".to_owned()],
        "the drop saw its task still running and did not block"
    );
    assert_eq!(task.dropped.get(), 1);
}

#[test]
fn a_future_whose_drop_spawns_another_async_task_and_waits_for_it() {
    let results = Arc::new(Mutex::new(Vec::new()));
    let out = results.clone();
    let task = Hostile::new(move |_| {
        let inner = Hostile::new(|_| {});
        inner.release();
        let h = TaskHandle::spawn_async(inner);
        out.lock()
            .unwrap()
            .push(h.wait_timeout(PATIENCE).map(|r| r.ok()));
    });
    for cancel in [false, true] {
        let task = Hostile {
            started: Counter::new(),
            release: Arc::default(),
            ..task.clone()
        };
        let handle = TaskHandle::spawn_async(task.clone());
        task.started.wait_for(1);
        if cancel {
            handle.cancel();
            let outcome = handle.wait_timeout(PATIENCE).expect("ended");
            assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::Cancelled);
        } else {
            task.release();
            assert_eq!(handle.wait_timeout(PATIENCE).expect("ended").unwrap(), 5);
        }
    }
    assert_eq!(*results.lock().unwrap(), [Some(Some(5)), Some(Some(5))]);
}

#[test]
fn wait_timeout_zero_and_max_on_an_async_handle() {
    let task = Hostile::new(|_| {});
    let handle = TaskHandle::spawn_async(task.clone());
    task.started.wait_for(1);
    assert!(handle.wait_timeout(Duration::ZERO).is_none());
    assert_eq!(
        handle.status(),
        TaskStatus::Running,
        "a timed-out wait consumes nothing"
    );
    task.release();
    assert_eq!(
        handle
            .wait_timeout(Duration::MAX)
            .expect("waits for it")
            .unwrap(),
        5
    );
    let again = handle.wait_timeout(Duration::ZERO).expect("taken");
    assert_eq!(ErrorKind::of(&again.unwrap_err()), ErrorKind::AlreadyTaken);
}

#[test]
fn a_future_whose_drop_uses_its_own_handle_on_the_cancel_path() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (task, shared) = self_referential(seen.clone());
    let handle = TaskHandle::spawn_async(task.clone());
    task.started.wait_for(1);
    let token = handle.token().clone();
    *shared.lock().unwrap() = Some(handle);
    token.cancel();
    task.dropped.wait_for(1);
    let handle = shared.lock().unwrap().take().unwrap();
    let outcome = handle.wait_timeout(PATIENCE).expect("ended");
    assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::Cancelled);
    assert_eq!(
        *seen.lock().unwrap(),
        ["Running".to_owned(), "true".to_owned()]
    );
    assert_eq!(task.dropped.get(), 1);
}

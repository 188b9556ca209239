//! `TaskHandle` through the safe Rust API: the seed's `spawn`/`poll`/`wait`/
//! `cancel`/`cancelled`, dropping cancels, results taken once, `wait_timeout`,
//! the status query, progress, tokens, and completion callbacks (exactly
//! once, immediately when done, one per handle, panics contained, never under
//! a lock).

mod core_support;

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    mpsc, Arc, Mutex,
};

use anyhow::Error;
use core_support::{Counter, Ending, Gate, PATIENCE};
use ffi_tasks::{
    error::{AlreadyTaken, ErrorKind, InvalidArgument},
    global::global_executor,
    task::{CancellationToken, Progress, Task, TaskHandle, TaskStatus},
};

/// Adds two numbers at once.
#[derive(Clone)]
struct Add(u64, u64);

impl Task for Add {
    type Output = u64;
    fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
        Ok(self.0 + self.1)
    }
}

fn kind(result: Result<u64, Error>) -> ErrorKind {
    ErrorKind::of(&result.expect_err("an error"))
}

#[test]
fn spawn_then_wait() {
    assert_eq!(TaskHandle::spawn(Add(2, 3)).wait().unwrap(), 5);
    assert_eq!(TaskHandle::try_spawn(Add(4, 5)).unwrap().wait().unwrap(), 9);
}

#[test]
fn poll_is_none_while_running_then_gives_the_result_once() {
    let gate = Gate::new(Ending::Value(11));
    let handle = TaskHandle::spawn(gate.clone());
    gate.started.wait_for(1);
    assert!(handle.poll().is_none());
    assert!(!handle.cancelled());
    assert_eq!(handle.status(), TaskStatus::Running);

    handle.cancel();
    assert!(handle.cancelled());
    assert_eq!(handle.wait_timeout(PATIENCE).unwrap().unwrap(), 11);
    assert_eq!(handle.status(), TaskStatus::Taken);

    let again = handle.poll().expect("finished");
    let err = again.unwrap_err();
    assert!(err.is::<AlreadyTaken>());
    assert!(err.to_string().contains("already taken"), "{err}");
    assert_eq!(
        kind(handle.wait_timeout(PATIENCE).unwrap()),
        ErrorKind::AlreadyTaken
    );
    assert_eq!(kind(handle.wait()), ErrorKind::AlreadyTaken);
}

#[test]
fn wait_timeout_does_not_consume_the_handle() {
    let gate = Gate::new(Ending::Value(3));
    let handle = TaskHandle::spawn(gate.clone());
    gate.started.wait_for(1);
    assert!(handle.wait_timeout(std::time::Duration::ZERO).is_none());
    assert!(handle
        .wait_timeout(std::time::Duration::from_millis(1))
        .is_none());
    assert_eq!(handle.status(), TaskStatus::Running);
    handle.cancel();
    assert_eq!(handle.wait().unwrap(), 3);
}

#[test]
fn dropping_the_handle_cancels_the_task() {
    let gate = Gate::new(Ending::Cancelled);
    let handle = TaskHandle::spawn(gate.clone());
    gate.started.wait_for(1);
    drop(handle);
    gate.saw_cancel.wait_for(1);
}

#[test]
fn status_tells_every_state_apart() {
    for (ending, status) in [
        (Ending::Value(0), TaskStatus::Completed),
        (Ending::Fail, TaskStatus::Failed),
        (Ending::Cancelled, TaskStatus::Cancelled),
        (Ending::Panic, TaskStatus::Panicked),
    ] {
        let gate = Gate::new(ending);
        let handle = TaskHandle::spawn(gate);
        let done = Counter::new();
        let signal = done.clone();
        handle.on_complete(move || signal.bump()).unwrap();
        assert_eq!(handle.status(), TaskStatus::Running);
        handle.cancel();
        done.wait_for(1);
        assert_eq!(handle.status(), status);
        assert!(handle.status().is_finished());
        let _ = handle.poll().unwrap();
        assert_eq!(handle.status(), TaskStatus::Taken);
        assert!(format!("{handle:?}").contains("Taken"));
    }
}

#[test]
fn progress_is_read_through_the_handle() {
    let gate = Gate::new(Ending::Cancelled);
    let handle = TaskHandle::spawn(gate.clone());
    gate.started.wait_for(1);
    assert_eq!(handle.progress(), Progress { done: 3, total: 10 });
    assert_eq!(handle.token().progress(), handle.progress());
}

#[test]
fn spawn_with_hands_the_task_the_given_token() {
    let group = CancellationToken::new();
    let gates = [Gate::new(Ending::Cancelled), Gate::new(Ending::Value(1))];
    let handles: Vec<_> = gates
        .iter()
        .map(|g| TaskHandle::spawn_with(g.clone(), group.child_token(), global_executor()).unwrap())
        .collect();
    for g in &gates {
        g.started.wait_for(1);
    }
    assert!(handles.iter().all(|h| !h.cancelled()));
    group.cancel();
    let mut handles = handles.into_iter();
    assert_eq!(kind(handles.next().unwrap().wait()), ErrorKind::Cancelled);
    assert_eq!(handles.next().unwrap().wait().unwrap(), 1);

    let token = CancellationToken::new();
    let handle = TaskHandle::spawn_with(Add(1, 1), token.clone(), global_executor()).unwrap();
    assert!(handle.token().same_as(&token));
}

// ===== completion callbacks =====

#[test]
fn on_complete_runs_once_on_the_worker() {
    let gate = Gate::new(Ending::Value(1));
    let handle = TaskHandle::spawn(gate.clone());
    let (tx, rx) = mpsc::channel();
    handle
        .on_complete(move || tx.send(std::thread::current().id()).unwrap())
        .unwrap();
    gate.started.wait_for(1);
    assert!(rx.try_recv().is_err(), "not before the task finishes");
    handle.cancel();
    let worker = rx.recv_timeout(PATIENCE).unwrap();
    assert_ne!(worker, std::thread::current().id());
    assert_eq!(handle.wait().unwrap(), 1);
    // The sender was consumed by the one call: nothing more can arrive.
    assert!(rx.recv().is_err());
}

#[test]
fn on_complete_runs_immediately_when_already_done() {
    let handle = TaskHandle::spawn(Add(1, 1));
    assert_eq!(handle.wait_timeout(PATIENCE).unwrap().unwrap(), 2);
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let caller = std::thread::current().id();
    handle
        .on_complete(move || {
            assert_eq!(std::thread::current().id(), caller);
            c.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn a_second_callback_is_an_invalid_argument() {
    let gate = Gate::new(Ending::Value(1));
    let handle = TaskHandle::spawn(gate.clone());
    let calls = Arc::new(AtomicUsize::new(0));
    let done = Counter::new();
    let (c, d) = (calls.clone(), done.clone());
    handle
        .on_complete(move || {
            c.fetch_add(1, Ordering::SeqCst);
            d.bump();
        })
        .unwrap();
    let c = calls.clone();
    let err = handle
        .on_complete(move || {
            c.fetch_add(100, Ordering::SeqCst);
        })
        .unwrap_err();
    assert!(err.is::<InvalidArgument>());
    assert!(err.to_string().contains("already registered"), "{err}");

    handle.cancel();
    done.wait_for(1);
    let c = calls.clone();
    let err = handle
        .on_complete(move || {
            c.fetch_add(100, Ordering::SeqCst);
        })
        .unwrap_err();
    assert_eq!(ErrorKind::of(&err), ErrorKind::InvalidArgument);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn on_complete_runs_even_if_the_handle_is_dropped_first() {
    let gate = Gate::new(Ending::Value(1));
    let handle = TaskHandle::spawn(gate.clone());
    let done = Counter::new();
    let d = done.clone();
    handle.on_complete(move || d.bump()).unwrap();
    gate.started.wait_for(1);
    drop(handle); // cancels
    done.wait_for(1);
    assert_eq!(done.get(), 1);
}

#[test]
fn a_panicking_callback_is_contained() {
    // On the worker: the task's outcome is still delivered, and the worker
    // lives on to run the next task.
    let gate = Gate::new(Ending::Value(8));
    let handle = TaskHandle::spawn(gate.clone());
    handle
        .on_complete(|| panic!("callback exploded on the worker"))
        .unwrap();
    handle.cancel();
    assert_eq!(handle.wait().unwrap(), 8);
    assert_eq!(TaskHandle::spawn(Add(1, 2)).wait().unwrap(), 3);

    // Immediately, on the registering thread: `on_complete` still returns Ok.
    let handle = TaskHandle::spawn(Add(2, 2));
    assert_eq!(handle.wait_timeout(PATIENCE).unwrap().unwrap(), 4);
    handle
        .on_complete(|| panic!("callback exploded on the caller"))
        .unwrap();
    assert_eq!(handle.status(), TaskStatus::Taken);
}

#[test]
fn a_callback_may_use_its_own_handle() {
    // The callback runs outside the handle's lock: it can poll the handle it
    // belongs to (here through a shared slot) without deadlocking.
    let gate = Gate::new(Ending::Value(21));
    let handle = Arc::new(TaskHandle::spawn(gate.clone()));
    let slot: Arc<Mutex<Option<Arc<TaskHandle<u64>>>>> = Arc::new(Mutex::new(Some(handle.clone())));
    let (tx, rx) = mpsc::channel();
    let from_callback = slot.clone();
    handle
        .on_complete(move || {
            let h = from_callback.lock().unwrap().take().unwrap();
            let status = h.status();
            let polled = h.poll().map(|r| r.unwrap());
            tx.send((status, polled)).unwrap();
        })
        .unwrap();
    handle.cancel();
    let (status, polled) = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(status, TaskStatus::Completed);
    assert_eq!(polled, Some(21));
    assert_eq!(handle.status(), TaskStatus::Taken);
}

#[test]
fn a_handle_can_be_shared_between_threads_and_delivers_once() {
    let gate = Gate::new(Ending::Value(5));
    let handle = Arc::new(TaskHandle::spawn(gate.clone()));
    let start = Arc::new(std::sync::Barrier::new(5));
    let pollers: Vec<_> = (0..4)
        .map(|_| {
            let (h, start) = (handle.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                match h.wait_timeout(PATIENCE) {
                    Some(Ok(v)) => Some(v),
                    Some(Err(e)) => {
                        assert!(e.is::<AlreadyTaken>(), "{e}");
                        None
                    }
                    None => panic!("timed out"),
                }
            })
        })
        .collect();
    start.wait();
    handle.cancel();
    let got: Vec<_> = pollers
        .into_iter()
        .filter_map(|p| p.join().unwrap())
        .collect();
    assert_eq!(got, [5], "exactly one thread gets the value");
}

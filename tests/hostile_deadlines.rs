//! Deadlines under hostile use: wakers of futures waiting on a token run on
//! the timer thread when its deadline fires; one that panics must not stop
//! the timer, and one that arms another deadline from there must not
//! deadlock it. Durations at the edge of the clock's range.

mod core_support;

use std::{
    future::Future,
    sync::{Arc, Mutex},
    task::{Context, Wake, Waker},
    time::{Duration, Instant},
};

use core_support::PATIENCE;
use ffi_tasks::task::CancellationToken;

/// A waker that runs `on_wake` on the thread that wakes it.
struct Hook(Box<dyn Fn() + Send + Sync>);

impl Wake for Hook {
    fn wake(self: Arc<Self>) {
        (self.0)();
    }
}

/// Registers `on_wake` as the waker of a `when_cancelled` future on
/// `token`; the future is kept alive (returned) so the registration stays.
fn on_cancel(
    token: &CancellationToken,
    on_wake: impl Fn() + Send + Sync + 'static,
) -> impl Future<Output = ()> {
    let mut future = Box::pin(token.when_cancelled());
    let waker = Waker::from(Arc::new(Hook(Box::new(on_wake))));
    assert!(future
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    future
}

#[test]
fn a_waker_that_panics_on_the_timer_thread_does_not_stop_the_timer() {
    let first = CancellationToken::new();
    let _waiting = on_cancel(&first, || panic!("a waker panicked on purpose"));
    first.cancel_after(Duration::from_millis(1)).unwrap();
    assert!(first.wait_cancelled(PATIENCE));
    // Armed after the panic: fires only if the timer thread lives on.
    let second = CancellationToken::new();
    second.cancel_after(Duration::from_millis(1)).unwrap();
    assert!(second.wait_cancelled(PATIENCE), "the timer still fires");
}

#[test]
fn a_waker_that_arms_a_deadline_on_the_timer_thread() {
    let first = CancellationToken::new();
    let second = CancellationToken::new();
    let armed = Arc::new(Mutex::new(None));
    let (next, result) = (second.clone(), armed.clone());
    let _waiting = on_cancel(&first, move || {
        *result.lock().unwrap() = Some(next.cancel_after(Duration::from_millis(1)).is_ok());
    });
    first.cancel_after(Duration::from_millis(1)).unwrap();
    assert!(
        second.wait_cancelled(PATIENCE),
        "armed from the timer thread, fired"
    );
    assert_eq!(*armed.lock().unwrap(), Some(true));
}

#[test]
fn durations_at_the_edge_of_the_clock() {
    // The largest whole number of seconds the clock can still add.
    let now = Instant::now();
    let (mut fits, mut beyond) = (0u64, u64::MAX);
    while beyond - fits > 1 {
        let mid = fits + (beyond - fits) / 2;
        if now.checked_add(Duration::from_secs(mid)).is_some() {
            fits = mid;
        } else {
            beyond = mid;
        }
    }
    let edge = Duration::from_secs(fits);
    let tokens: Vec<_> = (0..4).map(|_| CancellationToken::new()).collect();
    for (token, timeout) in tokens.iter().zip([
        edge,
        edge.saturating_add(Duration::from_secs(1)),
        Duration::MAX,
        Duration::from_millis(u64::MAX),
    ]) {
        token.cancel_after(timeout).unwrap();
    }
    // A short one armed after them still fires, and none of them has.
    let probe = CancellationToken::new();
    probe.cancel_after(Duration::from_millis(1)).unwrap();
    assert!(probe.wait_cancelled(PATIENCE));
    assert!(tokens.iter().all(|t| !t.cancelled()));
}

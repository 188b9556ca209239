//! The cancellation token: a cancel racing a sleeping waiter, a child token
//! made while its parent is cancelled, and a timed wait that may time out.

use std::time::Duration;

use super::model;
use crate::{loom::thread, task::CancellationToken};

const LONG: Duration = Duration::from_secs(3600);

/// A waiter asleep in `wait_cancelled` is woken by `cancel` (no lost
/// wake-up between its check and its sleep).
#[test]
fn cancel_wakes_a_waiter() {
    model(&[0], || {
        let token = CancellationToken::new();
        let waiter = {
            let token = token.clone();
            thread::Builder::new()
                .spawn(move || token.wait_cancelled(LONG))
                .unwrap()
        };
        token.cancel();
        assert!(waiter.join().unwrap());
    });
}

/// A child token made while the parent is being cancelled ends up
/// cancelled, and a grandchild's waiter wakes.
#[test]
fn a_child_made_during_cancel_is_cancelled() {
    model(&[0], || {
        let parent = CancellationToken::new();
        let canceller = {
            let parent = parent.clone();
            thread::Builder::new()
                .spawn(move || parent.cancel())
                .unwrap()
        };
        let child = parent.child_token();
        let grandchild = child.child_token();
        assert!(grandchild.wait_cancelled(LONG));
        assert!(child.cancelled());
        canceller.join().unwrap();
    });
}

/// A timed wait that cannot time out (budget 0) is woken by the cancel; one
/// that may (budget 1) reports `true` only when the token is cancelled.
#[test]
fn a_timed_wait_is_woken_or_times_out() {
    for (budget, may_time_out) in [(0, false), (1, true)] {
        model(&[budget], move || {
            let token = CancellationToken::new();
            let waiter = {
                let token = token.clone();
                thread::Builder::new()
                    .spawn(move || {
                        let woke = token.wait_cancelled(Duration::from_millis(5));
                        assert!(!woke || token.cancelled());
                        woke
                    })
                    .unwrap()
            };
            token.cancel();
            let woke = waiter.join().unwrap();
            assert!(
                woke || may_time_out,
                "an untimed-out wait missed the cancel"
            );
        });
    }
}

//! `CancellationToken` through the Rust API: the seed's surface (`new`,
//! `default`, `clone`, `cancelled`, `cancel`, `is_done`), blocking waits,
//! child tokens and progress. Threads meet through channels and barriers;
//! nothing sleeps to synchronise.

mod core_support;

use std::{
    sync::{mpsc, Arc, Barrier},
    thread,
    time::Duration,
};

use core_support::PATIENCE;
use ffi_tasks::task::{CancellationToken, Cancelled, Progress};

#[test]
fn seed_surface() {
    let token = CancellationToken::new();
    assert!(!token.cancelled());
    assert_eq!(token.is_done(), Ok(()));

    let clone = token.clone();
    assert!(clone.same_as(&token));
    clone.cancel();
    assert!(token.cancelled(), "clones share one flag");
    assert_eq!(token.is_done(), Err(Cancelled));
    token.cancel(); // idempotent
    assert!(token.cancelled());

    let default = CancellationToken::default();
    assert!(!default.cancelled());
    assert!(!default.same_as(&token));
    assert!(format!("{default:?}").contains("cancelled: false"));
}

#[test]
fn is_done_works_with_the_question_mark() {
    fn step(token: &CancellationToken) -> anyhow::Result<u32> {
        token.is_done()?;
        Ok(1)
    }
    let token = CancellationToken::new();
    assert_eq!(step(&token).unwrap(), 1);
    token.cancel();
    let err = step(&token).unwrap_err();
    assert!(err.is::<Cancelled>());
    assert_eq!(err.to_string(), "The task was cancelled");
}

#[test]
fn wait_cancelled_times_out_when_nobody_cancels() {
    let token = CancellationToken::new();
    assert!(!token.wait_cancelled(Duration::ZERO));
    assert!(!token.wait_cancelled(Duration::from_millis(1)));
    assert!(!token.cancelled());
}

#[test]
fn wait_cancelled_returns_at_once_when_already_cancelled() {
    let token = CancellationToken::new();
    token.cancel();
    assert!(token.wait_cancelled(Duration::ZERO));
    // Would block for the rest of the test run if it did not check first.
    assert!(token.wait_cancelled(Duration::MAX));
}

#[test]
fn wait_cancelled_blocks_until_cancel() {
    let token = CancellationToken::new();
    let ready = Arc::new(Barrier::new(3));
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let (token, ready) = (token.clone(), ready.clone());
            thread::spawn(move || {
                ready.wait();
                // `Duration::MAX` must not overflow into "return now".
                token.wait_cancelled(Duration::MAX)
            })
        })
        .collect();
    ready.wait();
    token.cancel();
    for waiter in waiters {
        assert!(waiter.join().unwrap(), "woken by cancel, not a timeout");
    }
}

#[test]
fn a_waiter_that_gives_up_reports_not_cancelled() {
    let token = CancellationToken::new();
    let (tx, rx) = mpsc::channel();
    let waiter = {
        let token = token.clone();
        thread::spawn(move || {
            let first = token.wait_cancelled(Duration::from_millis(1));
            tx.send(first).unwrap();
            token.wait_cancelled(PATIENCE)
        })
    };
    assert!(!rx.recv().unwrap(), "nobody had cancelled yet");
    token.cancel();
    assert!(waiter.join().unwrap());
}

#[test]
fn children_are_cancelled_with_their_parent_not_the_other_way_round() {
    let parent = CancellationToken::new();
    let child = parent.child_token();
    let sibling = parent.child_token();
    let grandchild = child.child_token();
    assert!(!child.same_as(&parent));

    grandchild.cancel();
    assert!(!child.cancelled() && !parent.cancelled() && !sibling.cancelled());
    child.cancel();
    assert!(!parent.cancelled() && !sibling.cancelled());

    let (tx, rx) = mpsc::channel();
    let waiter = {
        let sibling = sibling.clone();
        thread::spawn(move || {
            tx.send(()).unwrap();
            sibling.wait_cancelled(PATIENCE)
        })
    };
    rx.recv().unwrap();
    parent.cancel();
    assert!(sibling.cancelled());
    assert!(
        waiter.join().unwrap(),
        "a child's waiter is woken by the parent"
    );
}

#[test]
fn a_child_of_a_cancelled_parent_is_born_cancelled() {
    let parent = CancellationToken::new();
    parent.cancel();
    let child = parent.child_token();
    assert!(child.cancelled());
    assert!(child.child_token().cancelled());
}

#[test]
fn grandchildren_are_cancelled_even_when_the_middle_token_is_dropped() {
    // A C caller makes a group token, spawns tasks under it (each gets a
    // child of the group), then frees its group token: cancelling the root
    // must still reach the tasks.
    let root = CancellationToken::new();
    let group = root.child_token();
    let task_token = group.child_token();
    drop(group);
    root.cancel();
    assert!(task_token.cancelled());

    let root = CancellationToken::new();
    let mut leaf = root.child_token();
    for _ in 0..10 {
        leaf = leaf.child_token();
    }
    root.cancel();
    assert!(leaf.cancelled(), "a deep chain of dropped ancestors");
}

#[test]
fn many_children_come_and_go() {
    let parent = CancellationToken::new();
    let kept: Vec<_> = (0..100)
        .map(|i| {
            let child = parent.child_token();
            // Drop most of them at once so that pruning kicks in.
            (i % 10 == 0).then_some(child)
        })
        .collect();
    parent.cancel();
    assert!(kept.iter().flatten().all(CancellationToken::cancelled));
    assert_eq!(kept.iter().flatten().count(), 10);
}

#[test]
fn child_creation_racing_with_cancel_never_misses_it() {
    for _ in 0..50 {
        let parent = CancellationToken::new();
        let start = Arc::new(Barrier::new(2));
        let maker = {
            let (parent, start) = (parent.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                (0..20).map(|_| parent.child_token()).collect::<Vec<_>>()
            })
        };
        start.wait();
        parent.cancel();
        for child in maker.join().unwrap() {
            assert!(child.cancelled());
        }
    }
}

#[test]
fn progress_is_shared_by_clones() {
    let token = CancellationToken::new();
    assert_eq!(token.progress(), Progress { done: 0, total: 0 });
    assert_eq!(token.progress().fraction(), None);

    let clone = token.clone();
    let reporter = thread::spawn(move || clone.set_progress(25, 100));
    reporter.join().unwrap();
    assert_eq!(
        token.progress(),
        Progress {
            done: 25,
            total: 100
        }
    );
    assert_eq!(token.progress().fraction(), Some(0.25));

    // A child has its own progress.
    let child = token.child_token();
    child.set_progress(1, 2);
    assert_eq!(token.progress().done, 25);
    assert_eq!(child.progress().fraction(), Some(0.5));
}

#[test]
fn dropping_a_very_deep_chain_of_children_does_not_overflow_the_stack() {
    // Each child keeps its parent alive; freeing a long chain must not
    // recurse once per level. A small stack makes a recursive drop fail.
    let dropper = thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(|| {
            let root = CancellationToken::new();
            let mut leaf = root.child_token();
            for _ in 0..100_000 {
                leaf = leaf.child_token();
            }
            drop(root);
            assert!(!leaf.cancelled());
            drop(leaf);
        })
        .unwrap();
    dropper.join().unwrap();
}

#[test]
fn progress_reads_only_pairs_that_were_written() {
    // Writers report only (k, k) and (0, k); a read that mixes two reports
    // (the `done` of one with the `total` of another) shows up as a pair with
    // 0 < done != total, which nobody wrote.
    const WRITERS: u64 = 2;
    const READERS: usize = 2;
    // Under Miri (every read interpreted) a few hundred still interleave.
    const READS: usize = if cfg!(miri) { 300 } else { 200_000 };
    let token = CancellationToken::new();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let start = Arc::new(Barrier::new(WRITERS as usize + READERS));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (token, stop, start) = (token.clone(), stop.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                // Each writer its own range of totals, so pairs differ.
                let mut k = 1 + w * (1 << 40);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    token.set_progress(k, k);
                    token.set_progress(0, k + 1);
                    k += 2;
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let (token, start) = (token.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let mut torn = Vec::new();
                for _ in 0..READS {
                    let p = token.progress();
                    if p.done != 0 && p.done != p.total {
                        torn.push(p);
                    }
                }
                torn
            })
        })
        .collect();
    let torn: Vec<Progress> = readers
        .into_iter()
        .flat_map(|r| r.join().unwrap())
        .collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    assert!(
        torn.is_empty(),
        "{} of {} reads returned a pair nobody wrote, e.g. {:?}",
        torn.len(),
        READERS * READS,
        &torn[..torn.len().min(3)]
    );
}

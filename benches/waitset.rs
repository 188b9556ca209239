//! A task's completion reaching a waiting epoll loop through a wait set's
//! descriptor, against a bare eventfd round trip between two threads
//! (`cargo bench --bench waitset`; `scripts/bench.sh rust` runs it).
//!
//! Both sides time the same round trip from the loop thread: release a
//! blocked peer (a `CancellationToken` latch), then `epoll_wait` until the
//! peer's answer makes a descriptor readable, and collect it.
//!
//! * wait set: the peer is a task on the pool, added to a `WaitSet`; its
//!   completion runs the set's callback, which queues the tag and raises the
//!   set's descriptor; the loop drains the set with `wait(0)`.
//! * bare eventfd: the peer is a plain thread that writes to an eventfd; the
//!   loop reads it.
//!
//! Peers are started and blocked before the clock runs (batches of
//! `BATCH`), so spawning is not timed. Prints the median and the 90th
//! percentile of each, and the ratio of the medians.

#[cfg(target_os = "linux")]
mod linux {
    use std::{
        os::raw::c_int,
        thread,
        time::{Duration, Instant},
    };

    use anyhow::Error;
    use ffi_tasks::{
        task::{CancellationToken, Task, TaskHandle},
        waitset::{WaitOutcome, WaitSet},
    };

    const BATCH: usize = 16;
    const BATCHES: usize = 200;
    const PATIENCE: Duration = Duration::from_secs(30);

    #[derive(Clone)]
    struct Released {
        id: u64,
        latch: CancellationToken,
    }

    impl Task for Released {
        type Output = u64;
        fn run(&self, _: &CancellationToken) -> Result<u64, Error> {
            assert!(self.latch.wait_cancelled(PATIENCE), "never released");
            Ok(self.id)
        }
    }

    struct Epoll(c_int);

    impl Epoll {
        fn on(fd: c_int) -> Epoll {
            // SAFETY: plain system calls on descriptors this benchmark owns.
            unsafe {
                let ep = libc::epoll_create1(libc::EPOLL_CLOEXEC);
                assert!(ep >= 0);
                let mut ev = libc::epoll_event {
                    events: libc::EPOLLIN as u32,
                    u64: 0,
                };
                assert_eq!(libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev), 0);
                Epoll(ep)
            }
        }

        fn wait(&self) {
            let mut ev = libc::epoll_event { events: 0, u64: 0 };
            // SAFETY: one event's room.
            let n = unsafe { libc::epoll_wait(self.0, &mut ev, 1, PATIENCE.as_millis() as c_int) };
            assert_eq!(n, 1, "epoll_wait timed out");
        }
    }

    impl Drop for Epoll {
        fn drop(&mut self) {
            // SAFETY: ours.
            unsafe { libc::close(self.0) };
        }
    }

    fn latches() -> Vec<CancellationToken> {
        (0..BATCH).map(|_| CancellationToken::new()).collect()
    }

    fn through_waitset(samples: &mut Vec<Duration>) {
        let set = WaitSet::new();
        let fd = set.fd().unwrap();
        let ep = Epoll::on(fd);
        for _ in 0..BATCHES {
            let latches = latches();
            let handles: Vec<_> = latches
                .iter()
                .enumerate()
                .map(|(i, latch)| {
                    let h = TaskHandle::spawn(Released {
                        id: i as u64,
                        latch: latch.clone(),
                    });
                    set.add(&h, i as u64).unwrap();
                    h
                })
                .collect();
            for (i, latch) in latches.iter().enumerate() {
                let start = Instant::now();
                latch.cancel();
                ep.wait();
                assert_eq!(
                    set.wait(Some(Duration::ZERO)),
                    WaitOutcome::Completed(i as u64)
                );
                samples.push(start.elapsed());
            }
            drop(handles);
        }
        // SAFETY: ours.
        unsafe { libc::close(fd) };
    }

    fn through_eventfd(samples: &mut Vec<Duration>) {
        // SAFETY: a plain system call; the descriptor is closed below.
        let efd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
        assert!(efd >= 0);
        let ep = Epoll::on(efd);
        for _ in 0..BATCHES {
            let latches = latches();
            let peer = {
                let latches = latches.clone();
                thread::spawn(move || {
                    for latch in latches {
                        assert!(latch.wait_cancelled(PATIENCE), "never released");
                        let one = 1u64;
                        // SAFETY: 8 bytes from a live local to our eventfd.
                        let n = unsafe { libc::write(efd, (&raw const one).cast(), 8) };
                        assert_eq!(n, 8);
                    }
                })
            };
            for latch in &latches {
                let start = Instant::now();
                latch.cancel();
                ep.wait();
                let mut got = 0u64;
                // SAFETY: 8 bytes into a live local from our eventfd.
                let n = unsafe { libc::read(efd, (&raw mut got).cast(), 8) };
                assert_eq!(n, 8);
                samples.push(start.elapsed());
            }
            peer.join().unwrap();
        }
        // SAFETY: ours.
        unsafe { libc::close(efd) };
    }

    fn stats(samples: &mut [Duration]) -> (Duration, Duration) {
        samples.sort_unstable();
        (samples[samples.len() / 2], samples[samples.len() * 9 / 10])
    }

    pub(crate) fn main() {
        let (mut set, mut bare) = (Vec::new(), Vec::new());
        // Warm up the pool and the timer-free paths, then interleave runs so
        // that both see the same machine.
        through_waitset(&mut Vec::new());
        for _ in 0..3 {
            through_waitset(&mut set);
            through_eventfd(&mut bare);
        }
        let (set_med, set_p90) = stats(&mut set);
        let (bare_med, bare_p90) = stats(&mut bare);
        println!("## Completion to an epoll loop: wait set vs bare eventfd");
        println!();
        println!("| round trip | median | p90 | samples |");
        println!("|---|---|---|---|");
        println!(
            "| task completion through the wait set's fd | {set_med:?} | {set_p90:?} | {} |",
            set.len()
        );
        println!(
            "| bare eventfd write between two threads | {bare_med:?} | {bare_p90:?} | {} |",
            bare.len()
        );
        println!();
        println!(
            "ratio (median, wait set / bare eventfd): {:.2}x",
            set_med.as_secs_f64() / bare_med.as_secs_f64()
        );
    }
}

fn main() {
    #[cfg(target_os = "linux")]
    linux::main();
    #[cfg(not(target_os = "linux"))]
    println!("the wait set benchmark needs Linux (eventfd, epoll)");
}

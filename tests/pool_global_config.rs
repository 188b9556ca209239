//! Configuring the global pool before the first spawn, through the C
//! function and the Rust one, and every way of configuring it too late.
//! Process-global state: this file is its own test binary with a single
//! test, so the order of events is under control.

mod core_support;

use std::{os::raw::c_int, time::Duration};

use core_support::{assert_error, assert_no_error, set_stale_error, Ending, Gate, PATIENCE};
use ffi_tasks::{
    c::{self, PoolStats},
    error::ErrorKind,
    executor::ConfigError,
    global::{configure_global_pool, global_pool, set_global_executor},
    pool::{PoolConfig, ThreadPool},
    task::TaskHandle,
};

ffi_tasks::export_task! {
    Task: Gate;
    spawn: gate_spawn;
    wait: gate_wait;
    cancel: gate_cancel;
    result_destroy: gate_result_destroy;
}

fn c_stats() -> PoolStats {
    let mut stats = PoolStats::default();
    assert_eq!(unsafe { c::ffi_tasks_pool_stats(&mut stats) }, 0);
    stats
}

#[test]
fn configure_before_the_first_spawn_only() {
    // An invalid configuration is refused and does not fix the pool.
    assert_eq!(c::ffi_tasks_pool_configure(0, 1000), -1);
    assert_error(ErrorKind::InvalidArgument, "max_threads");
    let zero = PoolConfig {
        max_threads: 0,
        ..PoolConfig::default()
    };
    assert!(matches!(
        configure_global_pool(zero),
        Err(ConfigError::Invalid(_))
    ));

    // The first valid configuration wins (and clears a stale error).
    set_stale_error();
    assert_eq!(
        c::ffi_tasks_pool_configure(2, PATIENCE.as_millis() as u64),
        0
    );
    assert_no_error();
    let pool = global_pool().expect("the built-in pool");
    assert_eq!(pool.config().max_threads, 2);
    assert_eq!(pool.config().keep_alive, PATIENCE);

    // Any later one is refused, from C and from Rust.
    assert_eq!(c::ffi_tasks_pool_configure(8, 1000), -1);
    assert_error(ErrorKind::InvalidArgument, "already in use");
    assert_eq!(
        configure_global_pool(PoolConfig::default()),
        Err(ConfigError::AlreadyInitialized)
    );
    assert_eq!(
        set_global_executor(Box::new(ThreadPool::new(PoolConfig::default()))).unwrap_err(),
        ConfigError::AlreadyInitialized
    );
    assert_eq!(global_pool().unwrap().config().max_threads, 2);

    // The configured limit applies to tasks spawned from C: two gates hold
    // both workers, a third task waits in the queue.
    let gates = [
        Gate::new(Ending::Value(1)),
        Gate::new(Ending::Value(2)),
        Gate::new(Ending::Value(3)),
    ];
    let handles: Vec<_> = gates.iter().map(|g| unsafe { gate_spawn(g) }).collect();
    gates[0].started.wait_for(1);
    gates[1].started.wait_for(1);
    let stats = c_stats();
    assert_eq!((stats.threads, stats.running, stats.queued), (2, 2, 1));
    assert_eq!(gates[2].started.get(), 0);

    let mut sum = 0;
    for h in &handles {
        unsafe { gate_cancel(*h) };
    }
    for h in handles {
        unsafe {
            let r = gate_wait(h);
            assert_no_error();
            sum += *r;
            gate_result_destroy(r);
        }
    }
    assert_eq!(sum, 6);
    assert_eq!(c_stats().peak_threads, 2);

    // Still too late after tasks ran.
    assert_eq!(c::ffi_tasks_pool_configure(4, 1000) as c_int, -1);
    assert_eq!(
        configure_global_pool(PoolConfig {
            keep_alive: Duration::from_millis(1),
            ..PoolConfig::default()
        }),
        Err(ConfigError::AlreadyInitialized)
    );
    // And the Rust API uses the same pool.
    let rust = TaskHandle::spawn(Gate::new(Ending::Value(4)));
    rust.cancel();
    assert_eq!(rust.wait().unwrap(), 4);
    assert_eq!(global_pool().unwrap().stats().peak_threads, 2);
}

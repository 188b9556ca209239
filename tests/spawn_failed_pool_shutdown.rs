//! Tasks still queued when the global pool shuts down never run: their
//! handles report `SpawnFailed` (status `FAILED`, kind `SPAWN_FAILED`)
//! through the C ABI as through the Rust API, while the task that was
//! running finishes normally. Its own test binary with a single test: it
//! configures and then shuts down the process-wide pool.

mod core_support;

use std::os::raw::c_int;

use core_support::{assert_error, assert_no_error, Ending, Gate};
use ffi_tasks::{
    error::ErrorKind,
    global::{configure_global_pool, global_pool},
    pool::PoolConfig,
    task::{TaskHandle, TaskStatus},
};

ffi_tasks::export_task! {
    Task: Gate;
    spawn: gate_spawn;
    wait: gate_wait;
    cancel: gate_cancel;
    status: gate_status;
    result_destroy: gate_result_destroy;
}

#[test]
fn tasks_queued_at_shutdown_are_spawn_failed_everywhere() {
    configure_global_pool(PoolConfig {
        max_threads: 1,
        ..PoolConfig::default()
    })
    .expect("first configuration");

    // SAFETY: valid tasks; every handle is consumed once by wait.
    unsafe {
        // The one worker runs this gate until the test cancels it.
        let running = Gate::new(Ending::Value(5));
        let h_running = gate_spawn(&running);
        running.started.wait_for(1);

        // These wait in the queue behind it.
        let queued = Gate::new(Ending::Value(6));
        let from_c: Vec<_> = (0..3).map(|_| gate_spawn(&queued)).collect();
        assert!(from_c.iter().all(|h| !h.is_null()));
        let from_rust = TaskHandle::spawn(queued.clone());
        assert_no_error();

        global_pool().expect("the built-in pool").shutdown();

        for h in from_c {
            assert_eq!(gate_status(h), TaskStatus::Failed as c_int);
            assert!(gate_wait(h).is_null());
            assert_error(ErrorKind::SpawnFailed, "without running it");
        }
        assert_eq!(from_rust.status(), TaskStatus::Failed);
        let err = from_rust.wait().unwrap_err();
        assert_eq!(ErrorKind::of(&err), ErrorKind::SpawnFailed, "{err:#}");
        assert_eq!(queued.started.get(), 0, "no queued task ran");

        // The running task is not affected.
        gate_cancel(h_running);
        let r = gate_wait(h_running);
        assert_no_error();
        assert_eq!(*r, 5);
        gate_result_destroy(r);

        // And nothing can be spawned any more.
        assert!(gate_spawn(&queued).is_null());
        assert_error(ErrorKind::SpawnFailed, "shutting down");
    }
}

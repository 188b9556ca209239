//! Configuring the global pool after a task was spawned with the default
//! configuration is refused (its own test binary: process-global state).

use ffi_tasks::{
    executor::ConfigError,
    global::{configure_global_pool, global_pool, set_global_executor},
    pool::{PoolConfig, ThreadPool},
    task::{CancellationToken, Task, TaskHandle},
};

/// Returns 1.
#[derive(Clone)]
struct One;

impl Task for One {
    type Output = u32;
    fn run(&self, _: &CancellationToken) -> anyhow::Result<u32> {
        Ok(1)
    }
}

#[test]
fn configure_after_the_first_spawn_is_already_initialized() {
    assert_eq!(TaskHandle::spawn(One).wait().unwrap(), 1);
    let config = PoolConfig {
        max_threads: 1,
        ..PoolConfig::default()
    };
    assert_eq!(
        configure_global_pool(config),
        Err(ConfigError::AlreadyInitialized)
    );
    assert_eq!(
        set_global_executor(Box::new(ThreadPool::new(PoolConfig::default()))).unwrap_err(),
        ConfigError::AlreadyInitialized
    );
    assert_eq!(
        global_pool().unwrap().config(),
        &PoolConfig::default(),
        "the default configuration stays"
    );
}

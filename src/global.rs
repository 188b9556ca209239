//! The process-wide executor: what [`TaskHandle::spawn`] and the functions
//! `export_task!` generates run tasks on. It is the built-in [`ThreadPool`]
//! (configurable with [`configure_global_pool`]) unless a user installs their
//! own [`Executor`] with [`set_global_executor`]; either must happen before the
//! first spawn.
//!
//! [`TaskHandle::spawn`]: crate::task::TaskHandle::spawn

use std::sync::OnceLock;

use crate::{
    executor::{ConfigError, Executor},
    fork::PerFork,
    pool::{PoolConfig, ThreadPool},
};

enum Global {
    Pool(ThreadPool),
    Custom(Box<dyn Executor>),
}

static GLOBAL: OnceLock<Global> = OnceLock::new();

fn global() -> &'static Global {
    GLOBAL.get_or_init(|| Global::Pool(ThreadPool::new(PoolConfig::default())))
}

/// Configures the built-in pool used by [`TaskHandle::spawn`] and the
/// functions `export_task!` generates. Must be called before the first spawn.
///
/// [`TaskHandle::spawn`]: crate::task::TaskHandle::spawn
pub fn configure_global_pool(config: PoolConfig) -> Result<(), ConfigError> {
    config.validate()?;
    let mut config = Some(config);
    GLOBAL.get_or_init(|| Global::Pool(ThreadPool::new(config.take().expect("set once"))));
    if config.is_some() {
        return Err(ConfigError::AlreadyInitialized);
    }
    Ok(())
}

/// Routes every task spawned without an explicit executor to `executor`
/// instead of the built-in pool. Must be called before the first spawn.
pub fn set_global_executor(executor: Box<dyn Executor>) -> Result<(), ConfigError> {
    GLOBAL
        .set(Global::Custom(executor))
        .map_err(|_| ConfigError::AlreadyInitialized)
}

/// The built-in pool behind the global executor, or `None` when a custom
/// executor was installed with [`set_global_executor`]. In a child of
/// `fork()` it is a fresh pool with the same configuration: the parent's
/// workers do not exist there.
pub fn global_pool() -> Option<&'static ThreadPool> {
    match global() {
        Global::Pool(pool) => Some(this_process(pool)),
        Global::Custom(_) => None,
    }
}

/// The executor that tasks without an explicit one run on.
pub fn global_executor() -> &'static dyn Executor {
    match global() {
        Global::Pool(pool) => this_process(pool),
        Global::Custom(executor) => executor.as_ref(),
    }
}

/// `pool`, or, when the process forked since it was made, this process's
/// own fresh pool with its configuration (`crate::fork`).
#[inline]
fn this_process(pool: &'static ThreadPool) -> &'static ThreadPool {
    static FORKED: PerFork<ThreadPool> = PerFork::new();
    if !pool.forked() {
        return pool;
    }
    FORKED.get_or_init(|| ThreadPool::new(pool.config().clone()))
}

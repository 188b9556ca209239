//! Pool control through the bridge: the global pool's settings and counters
//! as shared structs.

use std::time::Duration;

use anyhow::Context;

use super::{
    error::{fallible, BridgeError},
    ffi::{PoolOptions, PoolStats},
};
use crate::{
    error::InvalidArgument,
    global::{configure_global_pool, global_pool},
    pool::{self, PoolConfig},
};

pub(super) fn default_pool_options() -> PoolOptions {
    options_of(&PoolConfig::default())
}

pub(super) fn configure_pool(options: &PoolOptions) -> Result<(), BridgeError> {
    fallible(|| {
        let defaults = PoolConfig::default();
        let config = PoolConfig {
            max_threads: usize::try_from(options.max_threads).unwrap_or(usize::MAX),
            keep_alive: Duration::from_millis(options.keep_alive_ms),
            thread_name: if options.thread_name.is_empty() {
                defaults.thread_name
            } else {
                options.thread_name.clone()
            },
            stack_size: match options.stack_size {
                0 => None,
                n => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            },
        };
        configure_global_pool(config)
            .map_err(|e| InvalidArgument(e.to_string()))
            .context("cannot configure the global pool")
    })
}

pub(super) fn pool_options() -> Result<PoolOptions, BridgeError> {
    fallible(|| Ok(options_of(the_pool()?.config())))
}

fn options_of(config: &PoolConfig) -> PoolOptions {
    PoolOptions {
        max_threads: config.max_threads as u64,
        keep_alive_ms: u64::try_from(config.keep_alive.as_millis()).unwrap_or(u64::MAX),
        thread_name: config.thread_name.clone(),
        stack_size: config.stack_size.map_or(0, |n| n as u64),
    }
}

pub(super) fn pool_stats() -> Result<PoolStats, BridgeError> {
    fallible(|| Ok(the_pool()?.stats()))
}

fn the_pool() -> anyhow::Result<&'static pool::ThreadPool> {
    global_pool().ok_or_else(|| {
        InvalidArgument("a custom global executor is installed: it has no pool".into()).into()
    })
}

//! Async tasks on a real tokio runtime (feature `tokio`; run with
//! `cargo test --features tokio --test async_tokio`): tokio's timers and a
//! TCP echo on 127.0.0.1 inside tasks, both through
//! `TaskHandle::spawn_async_on` (tokio's scheduler polls the future) and
//! through `TokioExecutor` (the built-in driver's polls run on the runtime);
//! a cancel of a task asleep on a tokio timer; a runtime shut down under a
//! pending task, or before the first poll, or already at spawn; futures
//! whose `Drop` panics or spawns while their runtime shuts down; a panic
//! while polling.

mod core_support;

use std::{future::Future, time::Duration};

use anyhow::{Context as _, Error};
use core_support::{Counter, PATIENCE};
use ffi_tasks::{
    async_task::{AsyncTask, TokioExecutor},
    error::ErrorKind,
    task::{CancellationToken, TaskHandle},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    runtime::{Builder, Runtime},
};

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Sleeps on a tokio timer, then returns `value`.
#[derive(Clone)]
struct Sleep {
    duration: Duration,
    value: u64,
    dropped: Counter,
}

struct OnDrop(Counter);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.bump();
    }
}

impl AsyncTask for Sleep {
    type Output = u64;

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        _: CancellationToken,
    ) -> impl Future<Output = Result<u64, Error>> + Send + 'static {
        let (duration, value, guard) = (self.duration, self.value, OnDrop(self.dropped.clone()));
        async move {
            let _guard = guard;
            tokio::time::sleep(duration).await;
            Ok(value)
        }
    }
}

fn sleep(duration: Duration, value: u64) -> Sleep {
    Sleep {
        duration,
        value,
        dropped: Counter::new(),
    }
}

/// Connects to `port` on 127.0.0.1, sends `message` and reads it back.
#[derive(Clone)]
struct Echo {
    port: u16,
    message: Vec<u8>,
}

impl AsyncTask for Echo {
    type Output = Vec<u8>;

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        _: CancellationToken,
    ) -> impl Future<Output = Result<Vec<u8>, Error>> + Send + 'static {
        let (port, message) = (self.port, self.message.clone());
        async move {
            let mut stream = TcpStream::connect(("127.0.0.1", port))
                .await
                .context("connecting")?;
            stream.write_all(&message).await?;
            let mut back = vec![0u8; message.len()];
            stream.read_exact(&mut back).await?;
            Ok(back)
        }
    }
}

/// An echo server on 127.0.0.1 that serves `connections` connections, then
/// stops; returns its port.
fn echo_server(rt: &Runtime, connections: usize) -> u16 {
    let listener = rt
        .block_on(TcpListener::bind(("127.0.0.1", 0)))
        .expect("bind 127.0.0.1");
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        for _ in 0..connections {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; 64];
                loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 || socket.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn a_tokio_timer_works_on_both_paths() {
    let rt = runtime();
    let on = TaskHandle::spawn_async_on(
        sleep(Duration::from_millis(5), 1),
        CancellationToken::new(),
        rt.handle(),
    );
    let with = TaskHandle::spawn_async_with(
        sleep(Duration::from_millis(5), 2),
        CancellationToken::new(),
        TokioExecutor::new(rt.handle().clone()),
    )
    .unwrap();
    assert_eq!(on.wait_timeout(PATIENCE).expect("slept").unwrap(), 1);
    assert_eq!(with.wait_timeout(PATIENCE).expect("slept").unwrap(), 2);
}

#[test]
fn a_tcp_echo_on_loopback_works_on_both_paths() {
    let rt = runtime();
    let port = echo_server(&rt, 2);
    let on = TaskHandle::spawn_async_on(
        Echo {
            port,
            message: b"hello".to_vec(),
        },
        CancellationToken::new(),
        rt.handle(),
    );
    let with = TaskHandle::spawn_async_with(
        Echo {
            port,
            message: b"again".to_vec(),
        },
        CancellationToken::new(),
        TokioExecutor::new(rt.handle().clone()),
    )
    .unwrap();
    assert_eq!(
        on.wait_timeout(PATIENCE).expect("echoed").unwrap(),
        b"hello"
    );
    assert_eq!(
        with.wait_timeout(PATIENCE).expect("echoed").unwrap(),
        b"again"
    );
}

#[test]
fn cancel_drops_a_task_asleep_on_a_tokio_timer() {
    let rt = runtime();
    let long = Duration::from_secs(3600);
    for on_tokio in [true, false] {
        let task = sleep(long, 0);
        let handle = if on_tokio {
            TaskHandle::spawn_async_on(task.clone(), CancellationToken::new(), rt.handle())
        } else {
            TaskHandle::spawn_async_with(
                task.clone(),
                CancellationToken::new(),
                TokioExecutor::new(rt.handle().clone()),
            )
            .unwrap()
        };
        assert!(handle.wait_timeout(Duration::from_millis(5)).is_none());
        handle.cancel();
        let outcome = handle.wait_timeout(PATIENCE).expect("cancelled, so done");
        assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::Cancelled);
        task.dropped.wait_for(1);
    }
}

#[test]
fn a_runtime_shut_down_under_a_pending_task_ends_it() {
    let rt = runtime();
    let task = sleep(Duration::from_secs(3600), 0);
    let handle = TaskHandle::spawn_async_on(task.clone(), CancellationToken::new(), rt.handle());
    assert!(handle.wait_timeout(Duration::from_millis(5)).is_none());
    rt.shutdown_timeout(PATIENCE);
    let outcome = handle
        .wait_timeout(PATIENCE)
        .expect("ended with the runtime");
    assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::SpawnFailed);
    task.dropped.wait_for(1);
}

#[test]
fn a_panic_while_polling_on_tokio_is_panicked() {
    #[derive(Clone)]
    struct Boom;
    impl AsyncTask for Boom {
        type Output = ();
        #[allow(clippy::manual_async_fn)]
        fn run(
            &self,
            _: CancellationToken,
        ) -> impl Future<Output = Result<(), Error>> + Send + 'static {
            async {
                tokio::task::yield_now().await;
                panic!("boom on tokio")
            }
        }
    }
    let rt = runtime();
    let handle = TaskHandle::spawn_async_on(Boom, CancellationToken::new(), rt.handle());
    let error = handle.wait_timeout(PATIENCE).expect("ended").unwrap_err();
    assert_eq!(ErrorKind::of(&error), ErrorKind::Panicked);
    assert!(format!("{error:#}").contains("boom on tokio"), "{error:#}");
}

// ---- hostile runtimes: shut down before the first poll, futures whose
// `Drop` panics or spawns while the runtime shuts down -----------------------

#[test]
fn spawning_on_a_runtime_already_shut_down_ends_spawn_failed() {
    let rt = runtime();
    let handle = rt.handle().clone();
    drop(rt);
    let task = sleep(Duration::from_secs(3600), 0);
    let h = TaskHandle::spawn_async_on(task.clone(), CancellationToken::new(), &handle);
    let outcome = h.wait_timeout(PATIENCE).expect("ended at once");
    assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::SpawnFailed);
    assert_eq!(task.dropped.get(), 0, "never started");
}

#[test]
fn a_current_thread_runtime_dropped_before_the_first_poll_ends_spawn_failed() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let task = sleep(Duration::from_secs(3600), 0);
    let h = TaskHandle::spawn_async_on(task.clone(), CancellationToken::new(), rt.handle());
    assert!(h.wait_timeout(Duration::ZERO).is_none(), "nobody drives it");
    drop(rt);
    let outcome = h.wait_timeout(PATIENCE).expect("ended with the runtime");
    assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::SpawnFailed);
}

/// Pending until dropped; its `Drop` runs `on_drop`.
#[derive(Clone)]
struct Hostile {
    started: Counter,
    on_drop: std::sync::Arc<dyn Fn() + Send + Sync>,
}

struct RunOnDrop(std::sync::Arc<dyn Fn() + Send + Sync>);

impl Drop for RunOnDrop {
    fn drop(&mut self) {
        (self.0)();
    }
}

impl AsyncTask for Hostile {
    type Output = u64;

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        _: CancellationToken,
    ) -> impl Future<Output = Result<u64, Error>> + Send + 'static {
        let (started, guard) = (self.started.clone(), RunOnDrop(self.on_drop.clone()));
        async move {
            let _guard = guard;
            started.bump();
            std::future::pending::<()>().await;
            Ok(0)
        }
    }
}

#[test]
fn a_future_whose_drop_panics_at_runtime_shutdown_ends_spawn_failed() {
    let rt = runtime();
    let task = Hostile {
        started: Counter::new(),
        on_drop: std::sync::Arc::new(|| panic!("a future's drop panicked on purpose")),
    };
    let h = TaskHandle::spawn_async_on(task.clone(), CancellationToken::new(), rt.handle());
    task.started.wait_for(1);
    rt.shutdown_timeout(PATIENCE);
    let outcome = h.wait_timeout(PATIENCE).expect("ended with the runtime");
    assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::SpawnFailed);
}

#[test]
fn a_future_whose_drop_spawns_on_its_shutting_down_runtime() {
    let rt = runtime();
    let spawned: std::sync::Arc<std::sync::Mutex<Option<TaskHandle<u64>>>> = Default::default();
    let slot = spawned.clone();
    let runtime_handle = rt.handle().clone();
    let task = Hostile {
        started: Counter::new(),
        on_drop: std::sync::Arc::new(move || {
            let again = sleep(Duration::from_secs(3600), 0);
            let h = TaskHandle::spawn_async_on(again, CancellationToken::new(), &runtime_handle);
            *slot.lock().unwrap() = Some(h);
        }),
    };
    let h = TaskHandle::spawn_async_on(task.clone(), CancellationToken::new(), rt.handle());
    task.started.wait_for(1);
    rt.shutdown_timeout(PATIENCE);
    let outcome = h.wait_timeout(PATIENCE).expect("ended with the runtime");
    assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::SpawnFailed);
    let inner = spawned.lock().unwrap().take().expect("spawned in the drop");
    let outcome = inner
        .wait_timeout(PATIENCE)
        .expect("refused by the runtime");
    assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::SpawnFailed);
}

#[test]
fn tokio_executor_on_a_runtime_already_shut_down_ends_spawn_failed() {
    let rt = runtime();
    let executor = TokioExecutor::new(rt.handle().clone());
    drop(rt);
    let task = sleep(Duration::from_secs(3600), 0);
    let outcome =
        match TaskHandle::spawn_async_with(task.clone(), CancellationToken::new(), executor) {
            // Accepted, then dropped unrun by the runtime.
            Ok(handle) => handle.wait_timeout(PATIENCE).expect("ended at once"),
            Err(refused) => Err(refused),
        };
    assert_eq!(ErrorKind::of(&outcome.unwrap_err()), ErrorKind::SpawnFailed);
    assert_eq!(task.dropped.get(), 0, "never started");
}

//! Streaming tasks (`ffi_tasks::stream`): items in order, the end and the
//! task's error kept apart, back-pressure, cancellation unblocking a
//! producer, items dropped exactly once, and the C functions that
//! `export_task!` generates for a stream (`StreamTask:` and
//! `AsyncStreamTask:` forms).

use std::{
    future::Future,
    os::raw::c_int,
    pin::pin,
    ptr,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll, Waker},
    thread,
    time::{Duration, Instant},
};

use anyhow::{anyhow, Error};
use ffi_tasks::{
    c,
    error::ErrorKind,
    stream::{AsyncEmitter, AsyncStreamTask, Emitter, StreamHandle, StreamTask},
    task::{CancellationToken, TaskStatus},
};

/// Counts live instances: created on `new`, dropped once each.
#[derive(Debug)]
struct Tracked {
    value: u64,
    live: Arc<AtomicUsize>,
}

impl Tracked {
    fn new(value: u64, live: &Arc<AtomicUsize>) -> Tracked {
        live.fetch_add(1, Ordering::SeqCst);
        Tracked {
            value,
            live: live.clone(),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let before = self.live.fetch_sub(1, Ordering::SeqCst);
        assert!(before > 0, "an item was dropped twice");
    }
}

/// What a test's producer does.
#[derive(Clone)]
struct Producer {
    count: u64,
    capacity: usize,
    /// Fail after emitting `count` items.
    fail: bool,
    /// After emitting, wait for the cancel (then return its error).
    linger: bool,
    live: Arc<AtomicUsize>,
    emitted: Arc<AtomicUsize>,
    /// What the last failing `emit` returned.
    emit_error: Arc<Mutex<Option<ErrorKind>>>,
}

impl Producer {
    fn new(count: u64, capacity: usize) -> Producer {
        Producer {
            count,
            capacity,
            fail: false,
            linger: false,
            live: Arc::default(),
            emitted: Arc::default(),
            emit_error: Arc::default(),
        }
    }
}

impl StreamTask for Producer {
    type Item = Tracked;

    fn capacity(&self) -> usize {
        self.capacity
    }

    fn run(&self, tok: &CancellationToken, out: &Emitter<Tracked>) -> Result<(), Error> {
        for i in 0..self.count {
            if let Err(e) = out.emit(Tracked::new(i, &self.live)) {
                *self.emit_error.lock().unwrap() = Some(ErrorKind::of(&e));
                return Err(e);
            }
            self.emitted.fetch_add(1, Ordering::SeqCst);
        }
        if self.fail {
            return Err(anyhow!("the scan broke at {}", self.count));
        }
        if self.linger {
            while !tok.wait_cancelled(Duration::from_secs(60)) {}
            tok.is_done()?;
        }
        Ok(())
    }
}

/// A callback that counts its runs in `calls`.
fn counting(calls: &Arc<AtomicUsize>) -> impl FnOnce() + Send + 'static {
    let calls = calls.clone();
    move || {
        calls.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `cond` until it holds (at most 10 s, then fails the test).
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(10), "never: {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn items_arrive_in_order_then_the_end_repeats() {
    let task = Producer::new(100, 8);
    let stream = StreamHandle::spawn(task.clone()).unwrap();
    let mut seen = Vec::new();
    while let Some(item) = stream.next().unwrap() {
        seen.push(item.value);
    }
    assert_eq!(seen, (0..100).collect::<Vec<_>>());
    assert!(stream.next().unwrap().is_none(), "reading past the end");
    assert!(stream.next().unwrap().is_none());
    assert_eq!(stream.status(), TaskStatus::Completed);
    drop(stream);
    assert_eq!(task.live.load(Ordering::SeqCst), 0);
}

#[test]
fn a_failed_task_ends_with_its_error_after_its_items_and_again_after() {
    let mut task = Producer::new(3, 8);
    task.fail = true;
    let stream = StreamHandle::spawn(task).unwrap();
    let items: Vec<_> = (0..3)
        .map(|_| stream.next().unwrap().unwrap().value)
        .collect();
    assert_eq!(items, [0, 1, 2]);
    let first = stream.next().unwrap_err();
    assert_eq!(ErrorKind::of(&first), ErrorKind::Failed);
    assert!(format!("{first:#}").contains("the scan broke at 3"));
    let again = stream.next().unwrap_err();
    assert!(format!("{again:#}").contains("the scan broke at 3"));
    assert_eq!(stream.status(), TaskStatus::Failed);
    // The iterator reports the error once, then stops.
    let mut it = stream.iter();
    assert!(it.next().unwrap().is_err());
    assert!(it.next().is_none());
}

#[test]
fn a_full_buffer_blocks_the_producer() {
    let task = Producer::new(50, 4);
    let stream = StreamHandle::spawn(task.clone()).unwrap();
    eventually("the buffer fills", || stream.buffered() == 4);
    // Give a producer that ignores the capacity time to overrun it.
    thread::sleep(Duration::from_millis(50));
    assert_eq!(stream.buffered(), 4);
    assert_eq!(task.emitted.load(Ordering::SeqCst), 4);
    assert_eq!(stream.status(), TaskStatus::Running);
    // One read makes room for exactly one more.
    assert_eq!(stream.next().unwrap().unwrap().value, 0);
    eventually("the producer refills", || {
        task.emitted.load(Ordering::SeqCst) == 5
    });
    thread::sleep(Duration::from_millis(20));
    assert_eq!(task.emitted.load(Ordering::SeqCst), 5);
    let rest: Vec<_> = stream.iter().map(|r| r.unwrap().value).collect();
    assert_eq!(rest, (1..50).collect::<Vec<_>>());
}

#[test]
fn cancel_unblocks_a_producer_waiting_for_room() {
    let task = Producer::new(u64::MAX, 1);
    let stream = StreamHandle::spawn(task.clone()).unwrap();
    eventually("the producer blocks", || stream.buffered() == 1);
    stream.cancel();
    // Nobody reads: the cancel alone wakes the producer.
    eventually("the producer wakes and ends", || {
        stream.status() == TaskStatus::Cancelled
    });
    // The buffered item is still delivered, then the end: cancelled.
    assert_eq!(stream.next().unwrap().unwrap().value, 0);
    let end = stream.next().unwrap_err();
    assert_eq!(ErrorKind::of(&end), ErrorKind::Cancelled);
    assert_eq!(stream.status(), TaskStatus::Cancelled);
    assert_eq!(*task.emit_error.lock().unwrap(), Some(ErrorKind::Cancelled));
    drop(stream);
    assert_eq!(
        task.live.load(Ordering::SeqCst),
        0,
        "items leaked or doubly dropped"
    );
}

#[test]
fn dropping_the_handle_frees_buffered_items_once_and_stops_the_producer() {
    let task = Producer::new(u64::MAX, 16);
    let stream = StreamHandle::spawn(task.clone()).unwrap();
    eventually("the buffer fills", || stream.buffered() == 16);
    let token = stream.token().clone();
    drop(stream);
    assert!(token.cancelled());
    eventually("the producer gives up", || {
        task.emit_error.lock().unwrap().is_some()
    });
    eventually("every item is dropped", || {
        task.live.load(Ordering::SeqCst) == 0
    });
    assert_eq!(task.emitted.load(Ordering::SeqCst), 16);
}

#[test]
fn dropping_a_finished_stream_with_items_buffered_frees_them_once() {
    let task = Producer::new(10, 64);
    let stream = StreamHandle::spawn(task.clone()).unwrap();
    eventually("the task finishes", || {
        stream.status() == TaskStatus::Completed
    });
    assert_eq!(task.live.load(Ordering::SeqCst), 10);
    drop(stream);
    assert_eq!(task.live.load(Ordering::SeqCst), 0);
}

#[derive(Clone)]
struct EmitAfterCancel(Arc<AtomicUsize>, Arc<Mutex<Option<ErrorKind>>>);

impl StreamTask for EmitAfterCancel {
    type Item = Tracked;

    fn run(&self, tok: &CancellationToken, out: &Emitter<Tracked>) -> Result<(), Error> {
        tok.cancel();
        let result = out.emit(Tracked::new(7, &self.0));
        *self.1.lock().unwrap() = result.as_ref().err().map(ErrorKind::of);
        // The item was dropped by the failing emit.
        assert_eq!(self.0.load(Ordering::SeqCst), 0);
        result
    }
}

#[test]
fn emitting_after_cancel_fails_cancelled_and_drops_the_item() {
    let task = EmitAfterCancel(Arc::default(), Arc::default());
    let stream = StreamHandle::spawn(task.clone()).unwrap();
    let end = stream.next().unwrap_err();
    assert_eq!(ErrorKind::of(&end), ErrorKind::Cancelled);
    assert_eq!(*task.1.lock().unwrap(), Some(ErrorKind::Cancelled));
    assert_eq!(task.0.load(Ordering::SeqCst), 0);
}

#[test]
fn capacity_zero_counts_as_one_and_a_huge_one_allocates_lazily() {
    for capacity in [0, usize::MAX] {
        let task = Producer::new(300, capacity);
        let stream = StreamHandle::spawn(task.clone()).unwrap();
        if capacity == 0 {
            eventually("the buffer fills", || stream.buffered() == 1);
            thread::sleep(Duration::from_millis(20));
            assert_eq!(task.emitted.load(Ordering::SeqCst), 1);
        }
        let values: Vec<_> = stream.iter().map(|r| r.unwrap().value).collect();
        assert_eq!(values, (0..300).collect::<Vec<_>>());
    }
}

#[test]
fn next_timeout_times_out_on_a_quiet_stream() {
    let mut task = Producer::new(0, 4);
    task.linger = true;
    let stream = StreamHandle::spawn(task).unwrap();
    let e = stream.next_timeout(Duration::from_millis(10)).unwrap_err();
    assert_eq!(ErrorKind::of(&e), ErrorKind::TimedOut);
    assert_eq!(stream.status(), TaskStatus::Running);
    stream.cancel();
    let end = stream.next_timeout(Duration::from_secs(30)).unwrap_err();
    assert_eq!(ErrorKind::of(&end), ErrorKind::Cancelled);
}

#[test]
fn on_ready_runs_once_when_an_item_or_the_end_is_there() {
    let mut task = Producer::new(1, 4);
    task.linger = true;
    let stream = StreamHandle::spawn(task).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    stream.on_ready(counting(&calls)).unwrap();
    eventually("the callback runs", || calls.load(Ordering::SeqCst) == 1);
    assert!(stream.next().unwrap().is_some());
    // Nothing buffered now: a second registration waits for the end.
    stream.on_ready(counting(&calls)).unwrap();
    assert!(stream.on_ready(|| {}).is_err(), "one callback at a time");
    stream.cancel();
    eventually("the end wakes it", || calls.load(Ordering::SeqCst) == 2);
}

// ---- async ----------------------------------------------------------------

/// Where a test keeps a task's token and emitter past its completion.
type Kept = Arc<Mutex<Option<(CancellationToken, AsyncEmitter<Tracked>)>>>;

/// An async producer; keeps its emitter in `kept` past its completion.
#[derive(Clone)]
struct AsyncCount {
    count: u64,
    live: Arc<AtomicUsize>,
    kept: Kept,
}

impl AsyncStreamTask for AsyncCount {
    type Item = Tracked;

    fn capacity(&self) -> usize {
        2
    }

    fn run(
        &self,
        tok: CancellationToken,
        out: AsyncEmitter<Tracked>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static {
        let this = self.clone();
        async move {
            for i in 0..this.count {
                out.emit(Tracked::new(i, &this.live)).await?;
            }
            *this.kept.lock().unwrap() = Some((tok, out));
            Ok(())
        }
    }
}

#[test]
fn an_async_stream_delivers_in_order_with_back_pressure() {
    let task = AsyncCount {
        count: 1000,
        live: Arc::default(),
        kept: Arc::default(),
    };
    let stream = StreamHandle::spawn_async(task.clone()).unwrap();
    eventually("the buffer fills", || stream.buffered() == 2);
    thread::sleep(Duration::from_millis(20));
    // Two buffered, one held by the pending `emit`, no more.
    assert_eq!(stream.buffered(), 2);
    assert_eq!(
        task.live.load(Ordering::SeqCst),
        3,
        "the future ran past the capacity"
    );
    let values: Vec<_> = stream.iter().map(|r| r.unwrap().value).collect();
    assert_eq!(values, (0..1000).collect::<Vec<_>>());
    assert_eq!(stream.status(), TaskStatus::Completed);
}

#[test]
fn an_emitter_kept_past_completion_fails_and_drops_its_item() {
    let task = AsyncCount {
        count: 1,
        live: Arc::default(),
        kept: Arc::default(),
    };
    let stream = StreamHandle::spawn_async(task.clone()).unwrap();
    assert_eq!(stream.next().unwrap().unwrap().value, 0);
    assert!(stream.next().unwrap().is_none());
    let (tok, out) = task.kept.lock().unwrap().take().unwrap();
    let mut emit = pin!(out.emit(Tracked::new(9, &task.live)));
    let mut cx = Context::from_waker(Waker::noop());
    match emit.as_mut().poll(&mut cx) {
        Poll::Ready(Err(e)) => assert_eq!(ErrorKind::of(&e), ErrorKind::Cancelled),
        other => panic!("an emit after the end gave {other:?}"),
    }
    assert_eq!(task.live.load(Ordering::SeqCst), 0);
    // The kept token still works, and changes nothing.
    tok.cancel();
    assert_eq!(stream.status(), TaskStatus::Completed);
}

#[derive(Clone)]
struct AsyncForever(Arc<AtomicUsize>, Arc<AtomicBool>);

impl AsyncStreamTask for AsyncForever {
    type Item = Tracked;

    fn capacity(&self) -> usize {
        3
    }

    fn run(
        &self,
        _tok: CancellationToken,
        out: AsyncEmitter<Tracked>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'static {
        let (live, dropped) = (self.0.clone(), self.1.clone());
        struct OnDrop(Arc<AtomicBool>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        async move {
            let _guard = OnDrop(dropped);
            let mut i = 0;
            loop {
                out.emit(Tracked::new(i, &live)).await?;
                i += 1;
            }
        }
    }
}

#[test]
fn dropping_an_async_stream_drops_its_pending_future_and_items_once() {
    let task = AsyncForever(Arc::default(), Arc::default());
    let stream = StreamHandle::spawn_async(task.clone()).unwrap();
    eventually("the buffer fills", || stream.buffered() == 3);
    drop(stream);
    eventually("the future is dropped", || task.1.load(Ordering::SeqCst));
    eventually("every item is dropped", || {
        task.0.load(Ordering::SeqCst) == 0
    });
}

// ---- the C functions --------------------------------------------------------

/// Emits `0..count` as plain `u64`s, then fails if `fail`.
#[derive(Clone)]
#[repr(C)]
pub struct Numbers {
    /// How many items.
    pub count: u64,
    /// Non-zero: fail after the items.
    pub fail: u8,
}

impl StreamTask for Numbers {
    type Item = u64;

    fn capacity(&self) -> usize {
        4
    }

    fn run(&self, _tok: &CancellationToken, out: &Emitter<u64>) -> Result<(), Error> {
        for i in 0..self.count {
            out.emit(i)?;
        }
        if self.fail != 0 {
            return Err(anyhow!("numbers failed"));
        }
        Ok(())
    }
}

ffi_tasks::export_task! {
    StreamTask: Numbers;
    prefix: numbers;
}

ffi_tasks::export_task! {
    AsyncStreamTask: AsyncCount;
    spawn: async_count_spawn;
    next: async_count_next;
    item_destroy: async_count_item_destroy;
    handle_destroy: async_count_handle_destroy;
}

#[repr(C)]
struct NumbersHandle {
    _private: [u8; 0],
}

extern "C" {
    fn numbers_spawn(task: *const Numbers) -> *mut NumbersHandle;
    fn numbers_next(h: *mut NumbersHandle) -> *mut u64;
    fn numbers_next_timeout(h: *mut NumbersHandle, ms: u64) -> *mut u64;
    fn numbers_status(h: *mut NumbersHandle) -> c_int;
    fn numbers_cancel(h: *mut NumbersHandle);
    fn numbers_cancelled(h: *mut NumbersHandle) -> c_int;
    fn numbers_handle_destroy(h: *mut NumbersHandle);
    fn numbers_item_destroy(item: *mut u64);
}

fn last_kind() -> ErrorKind {
    ErrorKind::from_c_int(c::ffi_tasks_last_error_kind()).unwrap()
}

#[test]
fn c_next_gives_items_then_null_with_no_error_at_a_clean_end() {
    unsafe {
        let h = numbers_spawn(&Numbers { count: 10, fail: 0 });
        assert!(!h.is_null());
        for i in 0..10 {
            let item = numbers_next(h);
            assert!(!item.is_null());
            assert_eq!(*item, i);
            numbers_item_destroy(item);
        }
        for _ in 0..2 {
            assert!(numbers_next(h).is_null());
            assert_eq!(last_kind(), ErrorKind::None, "a clean end sets no error");
            assert_eq!(numbers_status(h), TaskStatus::Completed as c_int);
        }
        numbers_handle_destroy(h);
        assert_eq!(last_kind(), ErrorKind::None);
    }
}

#[test]
fn c_next_gives_null_with_the_tasks_error_at_a_failed_end() {
    unsafe {
        let h = numbers_spawn(&Numbers { count: 2, fail: 1 });
        for _ in 0..2 {
            let item = numbers_next(h);
            assert!(!item.is_null());
            numbers_item_destroy(item);
        }
        for _ in 0..2 {
            assert!(numbers_next(h).is_null());
            assert_eq!(last_kind(), ErrorKind::Failed);
            assert_eq!(numbers_status(h), TaskStatus::Failed as c_int);
        }
        numbers_handle_destroy(h);
    }
}

#[test]
fn c_cancel_ends_a_blocked_stream_cancelled() {
    unsafe {
        let h = numbers_spawn(&Numbers {
            count: u64::MAX,
            fail: 0,
        });
        let first = numbers_next(h);
        assert_eq!(*first, 0);
        numbers_item_destroy(first);
        numbers_cancel(h);
        assert_eq!(numbers_cancelled(h), 1);
        loop {
            let item = numbers_next(h);
            if item.is_null() {
                break;
            }
            numbers_item_destroy(item);
        }
        assert_eq!(last_kind(), ErrorKind::Cancelled);
        assert_eq!(numbers_status(h), TaskStatus::Cancelled as c_int);
        numbers_handle_destroy(h);
    }
}

#[test]
fn c_bad_input_is_reported_not_undefined() {
    unsafe {
        assert!(numbers_spawn(ptr::null()).is_null());
        assert_eq!(last_kind(), ErrorKind::NullPointer);
        assert!(numbers_next(ptr::null_mut()).is_null());
        assert_eq!(last_kind(), ErrorKind::NullPointer);
        assert!(numbers_next_timeout(ptr::null_mut(), 1).is_null());
        assert_eq!(last_kind(), ErrorKind::NullPointer);
        assert_eq!(numbers_status(ptr::null_mut()), -1);
        numbers_item_destroy(ptr::null_mut());
        assert_eq!(last_kind(), ErrorKind::NullPointer);
        numbers_handle_destroy(ptr::null_mut());
        assert_eq!(last_kind(), ErrorKind::NullPointer);
    }
}

#[test]
fn c_destroying_a_stream_with_items_buffered_and_unread() {
    unsafe {
        let h = numbers_spawn(&Numbers { count: 3, fail: 0 });
        let item = numbers_next_timeout(h, 30_000);
        assert!(!item.is_null());
        // Destroyed with items (maybe) still buffered: freed by the handle.
        numbers_handle_destroy(h);
        assert_eq!(last_kind(), ErrorKind::None);
        // An item taken before stays valid.
        assert_eq!(*item, 0);
        numbers_item_destroy(item);
    }
}

#[cfg(feature = "handle-registry")]
#[test]
fn c_destroying_an_item_twice_is_an_invalid_handle_error() {
    unsafe {
        let h = numbers_spawn(&Numbers { count: 1, fail: 0 });
        let item = numbers_next(h);
        assert!(!item.is_null());
        numbers_item_destroy(item);
        assert_eq!(last_kind(), ErrorKind::None);
        numbers_item_destroy(item);
        assert_eq!(last_kind(), ErrorKind::InvalidHandle);
        numbers_handle_destroy(h);
        numbers_handle_destroy(h);
        assert_eq!(last_kind(), ErrorKind::InvalidHandle);
    }
}

#[test]
fn c_async_stream_by_named_functions() {
    let task = AsyncCount {
        count: 5,
        live: Arc::default(),
        kept: Arc::default(),
    };
    unsafe {
        let h = async_count_spawn(&task);
        assert!(!h.is_null());
        for i in 0..5 {
            let item = async_count_next(h);
            assert_eq!((*item).value, i);
            async_count_item_destroy(item);
        }
        assert!(async_count_next(h).is_null());
        assert_eq!(last_kind(), ErrorKind::None);
        async_count_handle_destroy(h);
    }
    drop(task.kept.lock().unwrap().take());
    assert_eq!(task.live.load(Ordering::SeqCst), 0);
}

#[test]
fn a_ready_callback_still_registered_runs_when_the_handle_is_dropped() {
    let mut task = Producer::new(0, 4);
    task.linger = true;
    let stream = StreamHandle::spawn(task).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    stream.on_ready(counting(&calls)).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    drop(stream);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

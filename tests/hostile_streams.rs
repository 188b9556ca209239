//! Streams used by a hostile caller: items whose `Drop` panics (dropped by
//! the handle with several buffered, from Rust and through the C
//! functions), and ready callbacks that panic on the producer's thread.
//! Every case must end with a reported outcome, never an abort.

mod core_support;

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
};

use anyhow::Error;
use core_support::{assert_error, assert_no_error, Counter};
use ffi_tasks::{
    error::ErrorKind,
    stream::{Emitter, StreamHandle, StreamTask},
    task::{CancellationToken, TaskStatus},
};

/// An item whose `Drop` counts itself, then panics.
pub struct Bomb(Arc<AtomicUsize>);

impl Drop for Bomb {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("an item's drop panicked on purpose");
    }
}

/// Emits `count` bombs, says so, then waits for the cancel.
#[derive(Clone)]
pub struct Bombs {
    count: usize,
    dropped: Arc<AtomicUsize>,
    emitted: Counter,
}

impl StreamTask for Bombs {
    type Item = Bomb;

    fn capacity(&self) -> usize {
        16
    }

    fn run(&self, tok: &CancellationToken, out: &Emitter<Bomb>) -> Result<(), Error> {
        for _ in 0..self.count {
            out.emit(Bomb(self.dropped.clone()))?;
        }
        self.emitted.bump();
        tok.wait_cancelled(core_support::PATIENCE);
        Ok(())
    }
}

fn bombs(count: usize) -> Bombs {
    Bombs {
        count,
        dropped: Arc::default(),
        emitted: Counter::new(),
    }
}

#[test]
fn dropping_a_stream_with_several_panicking_items_buffered_drops_each_and_reports_the_panic() {
    let task = bombs(3);
    let stream = StreamHandle::spawn(task.clone()).unwrap();
    task.emitted.wait_for(1);
    let dropped = catch_unwind(AssertUnwindSafe(|| drop(stream)));
    assert!(dropped.is_err(), "the items' panic reaches the dropper");
    assert_eq!(
        task.dropped.load(Ordering::SeqCst),
        3,
        "each item dropped once"
    );
}

/// Emits one plain item once the test says so, then ends.
#[derive(Clone)]
pub struct OneLater {
    go: Counter,
}

impl StreamTask for OneLater {
    type Item = u64;

    fn run(&self, _tok: &CancellationToken, out: &Emitter<u64>) -> Result<(), Error> {
        self.go.wait_for(1);
        out.emit(7)?;
        Ok(())
    }
}

#[test]
fn a_ready_callback_that_panics_on_the_producers_thread_does_not_end_the_stream() {
    let task = OneLater { go: Counter::new() };
    let stream = StreamHandle::spawn(task.clone()).unwrap();
    let calls = Counter::new();
    let seen = calls.clone();
    stream
        .on_ready(move || {
            seen.bump();
            panic!("a ready callback panicked on purpose");
        })
        .unwrap();
    task.go.bump();
    calls.wait_for(1);
    assert_eq!(stream.next().unwrap(), Some(7), "the item is delivered");
    assert_eq!(stream.next().unwrap(), None, "then the clean end");
    assert_eq!(stream.status(), TaskStatus::Completed);
}

ffi_tasks::export_task! {
    StreamTask: Bombs;
    prefix: bombs;
}

/// The opaque handle type C sees.
#[repr(C)]
pub struct BombsHandle {
    _private: [u8; 0],
}

// The task is opaque to C; only its address crosses.
#[allow(improper_ctypes)]
extern "C" {
    fn bombs_spawn(task: *const Bombs) -> *mut BombsHandle;
    fn bombs_handle_destroy(h: *mut BombsHandle);
}

#[test]
fn c_destroying_a_stream_with_several_panicking_items_reports_panicked() {
    let task = bombs(4);
    // SAFETY: a valid task; the handle is destroyed once.
    unsafe {
        let h = bombs_spawn(&task);
        assert!(!h.is_null());
        assert_no_error();
        task.emitted.wait_for(1);
        bombs_handle_destroy(h);
    }
    assert_error(ErrorKind::Panicked, "an item's drop panicked on purpose");
    assert_eq!(
        task.dropped.load(Ordering::SeqCst),
        4,
        "each item dropped once"
    );
}

/// Emits `0..count` as plain `u64`s, then ends.
#[derive(Clone)]
#[repr(C)]
pub struct Few {
    /// How many items.
    pub count: u64,
}

impl StreamTask for Few {
    type Item = u64;

    fn run(&self, _tok: &CancellationToken, out: &Emitter<u64>) -> Result<(), Error> {
        for i in 0..self.count {
            out.emit(i)?;
        }
        Ok(())
    }
}

ffi_tasks::export_task! {
    StreamTask: Few;
    prefix: few;
}

/// The opaque handle type C sees.
#[repr(C)]
pub struct FewHandle {
    _private: [u8; 0],
}

extern "C" {
    fn few_spawn(task: *const Few) -> *mut FewHandle;
    fn few_next(h: *mut FewHandle) -> *mut u64;
    fn few_on_ready(
        h: *mut FewHandle,
        callback: Option<unsafe extern "C" fn(*mut std::ffi::c_void)>,
        user_data: *mut std::ffi::c_void,
    ) -> std::os::raw::c_int;
    fn few_handle_destroy(h: *mut FewHandle);
    fn few_item_destroy(item: *mut u64);
}

/// A ready callback that destroys the stream it was registered on.
unsafe extern "C" fn destroy_the_stream(user_data: *mut std::ffi::c_void) {
    // SAFETY: `user_data` is the live stream handle, destroyed once, here.
    unsafe { few_handle_destroy(user_data.cast::<FewHandle>()) };
}

#[test]
fn c_a_ready_callback_run_at_once_may_destroy_its_stream() {
    // SAFETY: a live handle, destroyed once (by the callback); items freed
    // once.
    unsafe {
        let h = few_spawn(&Few { count: 1 });
        let item = few_next(h);
        assert!(!item.is_null());
        few_item_destroy(item);
        assert!(few_next(h).is_null(), "the end");
        assert_no_error();
        // Ended: the callback runs before `on_ready` returns, and frees the
        // stream under it.
        assert_eq!(few_on_ready(h, Some(destroy_the_stream), h.cast()), 0);
        assert_no_error();
    }
}

static READ_IN_CALLBACK: AtomicUsize = AtomicUsize::new(0);

/// A ready callback that reads the item it was told about with `next`.
unsafe extern "C" fn read_in_callback(user_data: *mut std::ffi::c_void) {
    // SAFETY: `user_data` is the live stream handle; the item is freed once.
    unsafe {
        let item = few_next(user_data.cast::<FewHandle>());
        assert!(!item.is_null(), "an item is there when the callback runs");
        READ_IN_CALLBACK.store(*item as usize + 1, Ordering::SeqCst);
        few_item_destroy(item);
    }
}

/// Emits `first` once the test says so, then waits for the cancel.
#[derive(Clone)]
pub struct Later {
    go: Counter,
    first: u64,
}

impl StreamTask for Later {
    type Item = u64;

    fn run(&self, tok: &CancellationToken, out: &Emitter<u64>) -> Result<(), Error> {
        self.go.wait_for(1);
        out.emit(self.first)?;
        tok.wait_cancelled(core_support::PATIENCE);
        tok.is_done()?;
        Ok(())
    }
}

ffi_tasks::export_task! {
    StreamTask: Later;
    spawn: later_spawn;
    next: later_next;
    on_ready: later_on_ready;
    item_destroy: later_item_destroy;
    handle_destroy: later_handle_destroy;
}

#[test]
fn c_a_ready_callback_may_call_next_on_the_producers_thread() {
    let task = Later {
        go: Counter::new(),
        first: 41,
    };
    // SAFETY: a live handle, destroyed once; `few_next`/`few_item_destroy`
    // are called on it from the callback with the same item type (`u64`).
    unsafe {
        let h = later_spawn(&task);
        assert_eq!(later_on_ready(h, Some(read_in_callback), h.cast()), 0);
        assert_no_error();
        task.go.bump();
        core_support::eventually("the callback read the item", || {
            READ_IN_CALLBACK.load(Ordering::SeqCst) != 0
        });
        assert_eq!(READ_IN_CALLBACK.load(Ordering::SeqCst), 42);
        later_handle_destroy(h);
        assert_no_error();
    }
}

/// Hands a clone of its emitter to the test, then waits for the cancel.
#[derive(Clone)]
pub struct LendsEmitter {
    emitter: Arc<std::sync::Mutex<Option<ffi_tasks::stream::AsyncEmitter<u64>>>>,
    lent: Counter,
}

impl ffi_tasks::stream::AsyncStreamTask for LendsEmitter {
    type Item = u64;

    fn capacity(&self) -> usize {
        1
    }

    #[allow(clippy::manual_async_fn)]
    fn run(
        &self,
        tok: CancellationToken,
        out: ffi_tasks::stream::AsyncEmitter<u64>,
    ) -> impl std::future::Future<Output = Result<(), Error>> + Send + 'static {
        *self.emitter.lock().unwrap() = Some(out);
        self.lent.bump();
        async move {
            tok.when_cancelled().await;
            Err(ffi_tasks::task::Cancelled.into())
        }
    }
}

/// A waker whose `wake` panics.
struct PanickingWake;

impl std::task::Wake for PanickingWake {
    fn wake(self: Arc<Self>) {
        panic!("a producer's waker panicked on purpose");
    }
}

#[test]
fn a_producers_waker_that_panics_when_the_reader_makes_room_loses_no_item() {
    use std::{
        future::Future,
        task::{Context, Poll, Waker},
    };
    let task = LendsEmitter {
        emitter: Arc::default(),
        lent: Counter::new(),
    };
    let stream = StreamHandle::spawn_async(task.clone()).unwrap();
    task.lent.wait_for(1);
    let emitter = task.emitter.lock().unwrap().take().unwrap();
    let waker = Waker::from(Arc::new(PanickingWake));
    let mut cx = Context::from_waker(&waker);
    // The first fills the buffer; the second waits for room with the
    // panicking waker registered.
    let mut first = std::pin::pin!(emitter.emit(1));
    assert!(matches!(first.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    let mut second = std::pin::pin!(emitter.emit(2));
    assert!(second.as_mut().poll(&mut cx).is_pending());
    // Making room wakes it: the panic must not take the item with it.
    let read = catch_unwind(AssertUnwindSafe(|| stream.next()));
    assert_eq!(read.expect("next does not panic").unwrap(), Some(1));
    assert!(matches!(second.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    assert_eq!(stream.next().unwrap(), Some(2));
}

/// An error whose `Display` panics.
#[derive(Debug)]
pub struct Garbled;

impl std::fmt::Display for Garbled {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("cannot display Garbled");
    }
}

impl std::error::Error for Garbled {}

/// Emits one item, then fails with [`Garbled`].
#[derive(Clone)]
#[repr(C)]
pub struct FailsGarbled {
    /// Unused.
    pub unused: u8,
}

impl StreamTask for FailsGarbled {
    type Item = u64;

    fn run(&self, _tok: &CancellationToken, out: &Emitter<u64>) -> Result<(), Error> {
        out.emit(1)?;
        Err(Garbled.into())
    }
}

ffi_tasks::export_task! {
    StreamTask: FailsGarbled;
    spawn: garbled_spawn;
    next: garbled_next;
    status: garbled_status;
    item_destroy: garbled_item_destroy;
    handle_destroy: garbled_handle_destroy;
}

#[test]
fn a_failed_stream_whose_error_cannot_be_displayed_ends_the_same_every_time() {
    let stream = StreamHandle::spawn(FailsGarbled { unused: 0 }).unwrap();
    assert_eq!(stream.next().unwrap(), Some(1));
    let ends: Vec<String> = (0..3)
        .map(|_| {
            let end = catch_unwind(AssertUnwindSafe(|| stream.next()))
                .expect("reading the end does not panic");
            let error = end.expect_err("the task failed");
            catch_unwind(AssertUnwindSafe(|| format!("{error:#}")))
                .expect("the error given can be displayed")
        })
        .collect();
    assert!(ends[0].contains("cannot display Garbled"), "{:?}", ends[0]);
    assert!(ends.iter().all(|end| *end == ends[0]), "{ends:?}");
    assert_ne!(stream.status(), TaskStatus::Taken);

    // Through C: the end is the same error every time, never ALREADY_TAKEN.
    // SAFETY: a live handle, destroyed once; the item freed once.
    unsafe {
        let h = garbled_spawn(&FailsGarbled { unused: 0 });
        let item = garbled_next(h);
        assert!(!item.is_null());
        garbled_item_destroy(item);
        let mut kinds = Vec::new();
        for _ in 0..3 {
            assert!(garbled_next(h).is_null());
            kinds.push(core_support::last_error());
        }
        assert!(kinds.iter().all(|k| *k == kinds[0]), "{kinds:?}");
        assert_ne!(kinds[0].0, ErrorKind::AlreadyTaken);
        assert_ne!(garbled_status(h), TaskStatus::Taken as std::os::raw::c_int);
        garbled_handle_destroy(h);
    }
}

#[test]
fn a_ready_callback_that_panics_when_run_at_once_is_contained() {
    let stream = StreamHandle::spawn(Few { count: 1 }).unwrap();
    assert_eq!(stream.next().unwrap(), Some(0));
    assert_eq!(stream.next().unwrap(), None);
    let ran = Counter::new();
    let seen = ran.clone();
    // Ended: runs before `on_ready` returns, as a completion callback would.
    let registered = catch_unwind(AssertUnwindSafe(|| {
        stream.on_ready(move || {
            seen.bump();
            panic!("a ready callback panicked on purpose");
        })
    }));
    assert!(registered.expect("contained").is_ok());
    assert_eq!(ran.get(), 1);
    assert_eq!(stream.next().unwrap(), None, "the stream is unharmed");
}

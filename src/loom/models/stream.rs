//! The stream channel (`crate::stream::Channel`): a producer blocked on a
//! full buffer woken by a read, by a cancel of its token and by the
//! reader's detach; the end racing a read; items dropped exactly once when
//! the reader goes while a producer sends.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc as StdArc,
};

use super::model;
use crate::{
    loom::{sync::Arc, thread},
    stream::{Channel, Recv, SendError},
    task::CancellationToken,
};

/// Counts its drops.
struct Counted(StdArc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A channel of `capacity`, its producer's token, and a producer thread
/// running `produce` on them.
fn with_producer<T: Send + 'static, R: Send + 'static>(
    capacity: usize,
    produce: impl FnOnce(&Arc<Channel<T>>, &CancellationToken) -> R + Send + 'static,
) -> (
    Arc<Channel<T>>,
    CancellationToken,
    loom::thread::JoinHandle<R>,
) {
    let chan = Arc::new(Channel::new(capacity));
    let token = CancellationToken::new();
    let producer = {
        let (chan, token) = (chan.clone(), token.clone());
        thread::Builder::new()
            .spawn(move || produce(&chan, &token))
            .unwrap()
    };
    (chan, token, producer)
}

/// A producer blocked on a full buffer of one is woken by the read that
/// makes room (no lost wake-up between its check and its wait); the reader
/// gets both items in order.
#[test]
fn a_read_wakes_a_producer_waiting_for_room() {
    model(&[0], || {
        let (chan, _token, producer) = with_producer(1, move |chan, token| {
            Channel::send_blocking(chan, 1u32, token).unwrap();
            Channel::send_blocking(chan, 2u32, token).unwrap();
            chan.close();
        });
        assert!(matches!(chan.recv(None), Recv::Item(1)));
        assert!(matches!(chan.recv(None), Recv::Item(2)));
        assert!(matches!(chan.recv(None), Recv::Closed));
        producer.join().unwrap();
    });
}

/// A cancel of the token wakes a producer waiting for room, with nobody
/// reading (the waker registered with the token takes the channel's lock).
#[test]
fn a_cancel_wakes_a_producer_waiting_for_room() {
    model(&[0], || {
        let (chan, token, producer) = with_producer(1, move |chan, token| {
            let first = Channel::send_blocking(chan, 1u32, token);
            let second = first.and_then(|()| Channel::send_blocking(chan, 2u32, token));
            (first, second)
        });
        token.cancel();
        let (first, second) = producer.join().unwrap();
        // The buffer holds one item and nobody reads: the second send can
        // only end by the cancel (the first one too, if it came first).
        assert_eq!(second, Err(SendError::Cancelled));
        if first.is_ok() {
            assert!(matches!(chan.recv(None), Recv::Item(1)));
        }
    });
}

/// The reader's detach racing a producer's send: every item is dropped
/// exactly once (buffered ones by the detach, refused ones by the send),
/// and a producer waiting for room wakes.
#[test]
fn a_detach_racing_sends_drops_every_item_once() {
    model(&[0], || {
        let drops = StdArc::new(AtomicUsize::new(0));
        let producer_drops = drops.clone();
        let (chan, _token, producer) = with_producer(1, move |chan, token| {
            for _ in 0..2 {
                if Channel::send_blocking(chan, Counted(producer_drops.clone()), token).is_err() {
                    break;
                }
            }
        });
        chan.detach();
        producer.join().unwrap();
        drop(chan);
        let made = drops.load(Ordering::SeqCst);
        assert!((1..=2).contains(&made), "{made} drops");
    });
}

/// The end racing a read: the reader sees the item sent before the close,
/// then `Closed`, never an early `Closed`.
#[test]
fn the_end_comes_after_the_items() {
    model(&[0], || {
        let (chan, _token, producer) = with_producer(4, move |chan, token| {
            Channel::send_blocking(chan, 7u32, token).unwrap();
            chan.close();
            assert_eq!(
                Channel::send_blocking(chan, 8u32, token),
                Err(SendError::Closed)
            );
        });
        assert!(matches!(chan.recv(None), Recv::Item(7)));
        assert!(matches!(chan.recv(None), Recv::Closed));
        producer.join().unwrap();
    });
}

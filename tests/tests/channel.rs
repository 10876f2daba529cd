//! `channel::recv` and `recv_timeout` (feature `crossbeam`).

mod common;

use std::time::Duration;

use common::{Rng, join_within};
use gracefully::Cause;
use gracefully::channel::{self, RecvError, RecvTimeoutError};

#[test]
fn a_blocked_recv_is_interrupted_and_tells_it_from_a_closed_channel() {
    let (tx, rx) = crossbeam_channel::unbounded::<u32>();
    let worker = gracefully::spawn(move || channel::recv(&rx));
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    match join_within(worker, "receiver").unwrap() {
        Err(RecvError::Interrupted(exit)) => assert_eq!(exit.cause(), Cause::Interrupted),
        other => panic!("expected an interrupted receive, got {other:?}"),
    }
    drop(tx);

    let (tx, rx) = crossbeam_channel::unbounded::<u32>();
    drop(tx);
    assert_eq!(channel::recv(&rx), Err(RecvError::Disconnected));
}

#[test]
fn a_pending_request_leaves_the_message_in_the_channel() {
    let (tx, rx) = crossbeam_channel::unbounded();
    tx.send(1).unwrap();
    let worker = gracefully::spawn(move || {
        gracefully::current().interrupt();
        let first = channel::recv(&rx);
        gracefully::clear();
        (first, channel::recv(&rx))
    });
    let (first, second) = join_within(worker, "receiver").unwrap();
    assert!(matches!(first, Err(RecvError::Interrupted(_))));
    assert_eq!(second, Ok(1), "the message stayed in the channel");
}

#[test]
fn messages_sent_before_the_interrupt_are_all_received() {
    let (tx, rx) = crossbeam_channel::unbounded();
    for n in 0..100 {
        tx.send(n).unwrap();
    }
    let worker = gracefully::spawn(move || {
        let mut got = Vec::new();
        loop {
            match channel::recv(&rx) {
                Ok(n) => got.push(n),
                Err(error) => return (got, error),
            }
        }
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    let (got, error) = join_within(worker, "receiver").unwrap();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    assert!(matches!(error, RecvError::Interrupted(_)));
    drop(tx);
}

#[test]
fn recv_timeout_times_out_receives_and_is_interrupted() {
    let (tx, rx) = crossbeam_channel::unbounded();
    assert_eq!(
        channel::recv_timeout(&rx, Duration::from_millis(5)),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(3).unwrap();
    assert_eq!(channel::recv_timeout(&rx, Duration::from_secs(1)), Ok(3));

    let worker = gracefully::spawn(move || channel::recv_timeout(&rx, Duration::from_hours(1)));
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    assert!(matches!(
        join_within(worker, "receiver").unwrap(),
        Err(RecvTimeoutError::Interrupted(_))
    ));
    drop(tx);
}

#[test]
fn a_recv_inside_a_critical_section_ignores_requests() {
    let (tx, rx) = crossbeam_channel::unbounded();
    let worker = gracefully::spawn(move || {
        let _section = gracefully::critical_section();
        gracefully::current().interrupt();
        channel::recv(&rx)
    });
    std::thread::sleep(Duration::from_millis(20));
    tx.send(9).unwrap();
    assert_eq!(join_within(worker, "receiver").unwrap(), Ok(9));
}

#[test]
fn recv_is_woken_by_a_request_at_any_moment() {
    let mut rng = Rng::new(21);
    for _ in 0..300 {
        let (tx, rx) = crossbeam_channel::unbounded::<u32>();
        let worker = gracefully::spawn(move || {
            loop {
                if let Err(RecvTimeoutError::Interrupted(exit)) =
                    channel::recv_timeout(&rx, Duration::from_micros(30))
                {
                    return exit;
                }
            }
        });
        rng.spin(20_000);
        worker.interrupt();
        assert_eq!(
            join_within(worker, "receiver").unwrap().cause(),
            Cause::Interrupted
        );
        drop(tx);
    }
}

#[test]
fn recv_timeout_in_a_thread_local_destructor_behaves_as_a_plain_receive() {
    struct ReceiveOnDrop(crossbeam_channel::Receiver<u32>);
    impl Drop for ReceiveOnDrop {
        fn drop(&mut self) {
            let got = channel::recv_timeout(&self.0, Duration::from_millis(1));
            assert!(matches!(got, Ok(7)), "{got:?}");
            let got = channel::recv_timeout(&self.0, Duration::from_millis(1));
            assert!(matches!(got, Err(RecvTimeoutError::Timeout)), "{got:?}");
        }
    }
    thread_local! {
        static LATE: std::cell::RefCell<Option<ReceiveOnDrop>> = const { std::cell::RefCell::new(None) };
    }
    let (tx, rx) = crossbeam_channel::unbounded();
    tx.send(7).unwrap();
    let worker = std::thread::spawn(move || {
        // Registered before the runtime's own thread-locals, so destroyed
        // after them (destructors run in reverse order).
        LATE.with_borrow_mut(|late| *late = Some(ReceiveOnDrop(rx)));
        let (_keep, own) = crossbeam_channel::unbounded::<u32>();
        let _ = channel::recv_timeout(&own, Duration::from_millis(1));
    });
    worker
        .join()
        .expect("a receive in a thread-local destructor panicked");
}

#[test]
fn a_receive_in_a_shared_scope_is_woken_when_another_threads_section_closes() {
    gracefully::spawn(|| {
        common::a_shared_scope_wait_is_woken_when_the_section_closes(
            || {
                let (_tx, rx) = crossbeam_channel::unbounded::<u32>();
                match channel::recv(&rx) {
                    Err(RecvError::Interrupted(exit)) => Err(exit),
                    other => panic!("the receive ended with {other:?}"),
                }
            },
            "channel::recv",
        );
    })
    .join()
    .unwrap();
}

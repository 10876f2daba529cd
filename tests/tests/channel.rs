//! `channel::recv`, `recv_timeout`, `recv_deadline`, `send` and
//! `send_timeout` (feature `crossbeam`), and other signals as events on a
//! channel.

mod common;

use std::time::{Duration, Instant};

use common::{Rng, join_within};
use gracefully::Cause;
use gracefully::channel::{self, RecvError, RecvTimeoutError, SendError, SendTimeoutError};

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

#[test]
fn a_send_blocked_on_a_full_channel_is_interrupted_and_gives_its_message_back() {
    let (tx, rx) = crossbeam_channel::bounded::<String>(1);
    channel::send(&tx, "first".to_owned()).unwrap();
    let producer = gracefully::spawn(move || channel::send(&tx, "second".to_owned()));
    std::thread::sleep(Duration::from_millis(20));
    producer.interrupt();
    match join_within(producer, "producer").unwrap() {
        Err(SendError::Interrupted(message, exit)) => {
            assert_eq!(message, "second");
            assert_eq!(exit.cause(), Cause::Interrupted);
        }
        other => panic!("expected an interrupted send, got {other:?}"),
    }
    assert_eq!(rx.try_recv().as_deref(), Ok("first"));
    assert!(rx.try_recv().is_err(), "the interrupted message was sent");
}

#[test]
fn a_send_completes_when_room_frees_and_reports_a_closed_channel() {
    let (tx, rx) = crossbeam_channel::bounded::<u32>(1);
    channel::send(&tx, 1).unwrap();
    let consumer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        (rx.recv().unwrap(), rx.recv().unwrap())
    });
    channel::send(&tx, 2).unwrap();
    assert_eq!(consumer.join().unwrap(), (1, 2));
    assert!(matches!(
        channel::send(&tx, 3),
        Err(SendError::Disconnected(3))
    ));

    // A request pending before the send: nothing is sent.
    let (tx, rx) = crossbeam_channel::unbounded::<u32>();
    gracefully::current().interrupt();
    assert!(matches!(
        channel::send(&tx, 4),
        Err(SendError::Interrupted(4, _))
    ));
    gracefully::clear();
    assert!(rx.try_recv().is_err());
}

#[test]
fn send_timeout_times_out_with_its_message_and_is_interrupted() {
    let (tx, _rx) = crossbeam_channel::bounded::<u32>(0);
    assert!(matches!(
        channel::send_timeout(&tx, 5, Duration::from_millis(10)),
        Err(SendTimeoutError::Timeout(5))
    ));
    let producer =
        gracefully::spawn(move || channel::send_timeout(&tx, 6, Duration::from_hours(1)));
    std::thread::sleep(Duration::from_millis(20));
    producer.interrupt();
    let error = join_within(producer, "producer").unwrap().unwrap_err();
    assert!(
        matches!(error, SendTimeoutError::Interrupted(6, _)),
        "{error:?}"
    );
    assert_eq!(error.into_inner(), 6);
}

#[test]
fn recv_deadline_ends_at_its_deadline_and_is_interrupted() {
    let (tx, rx) = crossbeam_channel::unbounded::<u32>();
    let deadline = Instant::now() + Duration::from_millis(10);
    assert_eq!(
        channel::recv_deadline(&rx, deadline),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(Instant::now() >= deadline);
    tx.send(1).unwrap();
    assert_eq!(channel::recv_deadline(&rx, Instant::now()), Ok(1));
    let worker = gracefully::spawn(move || {
        channel::recv_deadline(&rx, Instant::now() + Duration::from_hours(1))
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    assert!(matches!(
        join_within(worker, "receiver").unwrap(),
        Err(RecvTimeoutError::Interrupted(_))
    ));
}

/// The supervisor's pattern of the `channel` docs: SIGCHLD forwarded from
/// `signal-hook`'s iterator into a channel; `channel::recv` waits for it
/// without a tick and still ends on a request.
#[cfg(unix)]
#[test]
fn sigchld_forwarded_into_a_channel_reaps_a_child_without_a_tick() {
    use signal_hook::consts::SIGCHLD;
    use signal_hook::iterator::Signals;

    let mut signals = Signals::new([SIGCHLD]).unwrap();
    let handle = signals.handle();
    let (events, received) = crossbeam_channel::unbounded();
    let forwarder = std::thread::spawn(move || {
        for signal in signals.forever() {
            if events.send(signal).is_err() {
                break;
            }
        }
    });
    let mut child = std::process::Command::new("sh")
        .args(["-c", "sleep 0.05"])
        .spawn()
        .unwrap();
    let status = loop {
        // Another test's child may send a SIGCHLD too: check, then wait.
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert_eq!(
            channel::recv_timeout(&received, common::STOP_BOUND),
            Ok(SIGCHLD)
        );
    };
    assert!(status.success());

    // Waiting for the next event: a request ends the wait.
    let supervisor = gracefully::spawn(move || channel::recv(&received));
    std::thread::sleep(Duration::from_millis(20));
    supervisor.interrupt();
    assert!(matches!(
        join_within(supervisor, "supervisor").unwrap(),
        Err(RecvError::Interrupted(_))
    ));
    handle.close();
    forwarder.join().unwrap();
}

//! `io::Interruptible` the way real programs use it, on 127.0.0.1 and
//! pipes: time limits (the socket's own and the wrapper's, inside and
//! outside critical sections), UDP, borrowed listeners, readiness taken by
//! another reader, and whole socket writes.

#![cfg(unix)]

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::join_within;
use gracefully::io::Interruptible;
use gracefully::{Cause, ThreadExit};

fn cause(error: &io::Error) -> Option<Cause> {
    ThreadExit::from_io(error).map(ThreadExit::cause)
}

/// Waits for `worker` and returns the cause of the request its call
/// returned, failing if the call returned anything else.
fn stopped_by<T: std::fmt::Debug>(
    worker: gracefully::JoinHandle<io::Result<T>>,
    what: &str,
) -> Cause {
    let returned = join_within(worker, what).unwrap();
    let error = returned.expect_err(what);
    cause(&error).unwrap_or_else(|| panic!("{what}: {error}"))
}

#[test]
fn a_sockets_own_read_timeout_ends_a_wrapped_read_as_it_ends_a_plain_one() {
    let (reader, _writer) = UnixStream::pair().unwrap();
    let timeout = Duration::from_millis(50);
    reader.set_read_timeout(Some(timeout)).unwrap();
    let mut plain = &reader;
    let plain_error = plain.read(&mut [0; 8]).unwrap_err();
    let start = Instant::now();
    let wrapped_error = Interruptible::new(&reader).read(&mut [0; 8]).unwrap_err();
    assert!(
        start.elapsed() >= timeout,
        "ended early: {:?}",
        start.elapsed()
    );
    assert_eq!(wrapped_error.kind(), plain_error.kind());
    assert_eq!(wrapped_error.kind(), io::ErrorKind::WouldBlock);
    assert_eq!(wrapped_error.raw_os_error(), plain_error.raw_os_error());
}

#[test]
fn a_sockets_own_write_timeout_ends_a_wrapped_write() {
    let (writer, _reader) = UnixStream::pair().unwrap();
    writer
        .set_write_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut wrapped = Interruptible::new(&writer);
    let chunk = vec![0; 65_536];
    // Fill the socket's buffers; the write that finds them full times out.
    let mut written = 0;
    let error = loop {
        match wrapped.write(&chunk) {
            Ok(n) => written += n,
            Err(error) => break error,
        }
    };
    assert!(written > 0);
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock, "{error}");
}

#[test]
fn the_wrappers_own_timeouts_hold_for_a_pipe_inside_and_outside_critical_sections() {
    let (reader, _writer) = io::pipe().unwrap();
    let mut reader = Interruptible::new(reader);
    assert_eq!(
        reader
            .set_read_timeout(Some(Duration::ZERO))
            .unwrap_err()
            .kind(),
        io::ErrorKind::InvalidInput
    );
    reader
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    assert_eq!(
        reader.read(&mut [0; 8]).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    let section = gracefully::critical_section();
    gracefully::current().interrupt();
    // Nothing is delivered inside, and the time limit still holds.
    assert_eq!(
        reader.read(&mut [0; 8]).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    drop(section);
    let error = reader.read(&mut [0; 8]).unwrap_err();
    assert_eq!(cause(&error), Some(Cause::Interrupted));
    gracefully::clear();
}

#[test]
fn a_wrapped_read_without_a_timeout_still_ends_on_a_request() {
    let (reader, writer) = UnixStream::pair().unwrap();
    let worker = gracefully::spawn(move || {
        let mut buffer = [0; 8];
        Interruptible::new(&reader).read(&mut buffer)
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    assert_eq!(stopped_by(worker, "reader"), Cause::Interrupted);
    drop(writer);
}

fn udp_pair() -> (UdpSocket, UdpSocket) {
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    a.connect(b.local_addr().unwrap()).unwrap();
    b.connect(a.local_addr().unwrap()).unwrap();
    (a, b)
}

#[test]
fn udp_receives_are_interrupted_and_datagrams_are_read_first() {
    let (a, b) = udp_pair();
    let receiver = gracefully::spawn(move || {
        let mut buffer = [0; 16];
        Interruptible::new(&b).recv_from(&mut buffer)
    });
    std::thread::sleep(Duration::from_millis(20));
    receiver.interrupt();
    assert_eq!(stopped_by(receiver, "recv_from"), Cause::Interrupted);

    // A datagram that is there is received even with a request pending.
    let (a2, b2) = udp_pair();
    a2.send(b"queued").unwrap();
    gracefully::current().interrupt();
    let b2 = Interruptible::new(b2);
    let mut buffer = [0; 16];
    let (read, from) = b2.peek_from(&mut buffer).unwrap();
    assert_eq!(
        (&buffer[..read], from),
        (&b"queued"[..], a2.local_addr().unwrap())
    );
    assert_eq!(b2.recv(&mut buffer).unwrap(), 6);
    let error = b2.recv(&mut buffer).unwrap_err();
    assert_eq!(cause(&error), Some(Cause::Interrupted));
    gracefully::clear();

    // Sends go out, and a receive times out as the socket says.
    drop(a);
    let sender = Interruptible::new(&a2);
    assert_eq!(sender.send(b"one").unwrap(), 3);
    let peer = b2.get_ref().local_addr().unwrap();
    assert_eq!(sender.send_to(b"two", peer).unwrap(), 3);
    assert_eq!(b2.recv(&mut buffer).unwrap(), 3);
    assert_eq!(b2.recv(&mut buffer).unwrap(), 3);
    b2.get_ref()
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let error = b2.recv(&mut buffer).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock, "{error}");
}

#[test]
fn borrowed_listeners_accept_and_are_interrupted() {
    let listener = Arc::new(TcpListener::bind("127.0.0.1:0").unwrap());
    let address = listener.local_addr().unwrap();
    let _client = TcpStream::connect(address).unwrap();
    let (_socket, peer) = Interruptible::new(&*listener).accept().unwrap();
    assert_eq!(peer.ip(), address.ip());

    let shared = Arc::clone(&listener);
    let accepter = gracefully::spawn(move || Interruptible::new(&*shared).accept());
    std::thread::sleep(Duration::from_millis(20));
    accepter.interrupt();
    assert_eq!(stopped_by(accepter, "accept"), Cause::Interrupted);

    let path = std::env::temp_dir().join(format!("gracefully-io-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let unix = Arc::new(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let shared = Arc::clone(&unix);
    let accepter = gracefully::spawn(move || Interruptible::new(&*shared).accept());
    std::thread::sleep(Duration::from_millis(20));
    accepter.interrupt();
    assert_eq!(stopped_by(accepter, "unix accept"), Cause::Interrupted);
    std::fs::remove_file(&path).unwrap();
}

/// Two wrapped calls wait on one descriptor; one event wakes both, one of
/// them takes it. The other must go back to waiting, where a request still
/// reaches it, rather than block in the call. Many rounds, as the two are
/// woken together only some of the time.
fn readiness_taken_by_another<T: Send + std::fmt::Debug + 'static>(
    rounds: usize,
    what: &str,
    setup: impl Fn() -> (
        Box<dyn Fn() + Send>,
        Box<dyn Fn() -> io::Result<T> + Send + Sync>,
    ),
) {
    for round in 0..rounds {
        let (trigger, call) = setup();
        let call = Arc::new(call);
        let (done, finished) = mpsc::channel();
        let callers: Vec<_> = (0..2)
            .map(|n| {
                let (call, done) = (Arc::clone(&call), done.clone());
                gracefully::spawn(move || {
                    let outcome = call();
                    let _ = done.send(n);
                    outcome
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(2)); // both waiting
        trigger();
        let winner = finished
            .recv_timeout(common::STOP_BOUND)
            .unwrap_or_else(|_| panic!("{what}: round {round}: nobody got the event"));
        let mut callers = callers.into_iter().enumerate();
        for (n, caller) in &mut callers {
            if n == winner {
                assert!(
                    join_within(caller, what).unwrap().is_ok(),
                    "{what}: the winner failed"
                );
            } else {
                caller.interrupt();
                assert_eq!(
                    stopped_by(caller, what),
                    Cause::Interrupted,
                    "{what}: round {round}"
                );
            }
        }
    }
}

#[test]
fn a_udp_receive_whose_datagram_another_reader_took_still_ends_on_a_request() {
    readiness_taken_by_another(200, "udp recv", || {
        let (a, b) = udp_pair();
        let b = Arc::new(b);
        let trigger = Box::new(move || {
            a.send(b"x").unwrap();
        });
        let call = Box::new(move || Interruptible::new(&*b).recv(&mut [0; 8]));
        (
            trigger as Box<dyn Fn() + Send>,
            call as Box<dyn Fn() -> io::Result<usize> + Send + Sync>,
        )
    });
}

#[test]
fn an_accept_whose_connection_another_thread_took_still_ends_on_a_request() {
    readiness_taken_by_another(100, "accept", || {
        let listener = Arc::new(TcpListener::bind("127.0.0.1:0").unwrap());
        let address = listener.local_addr().unwrap();
        let trigger = Box::new(move || {
            let client = TcpStream::connect(address).unwrap();
            std::mem::forget(client); // stays connected for the round
        });
        let call = Box::new(move || Interruptible::new(&*listener).accept().map(drop));
        (
            trigger as Box<dyn Fn() + Send>,
            call as Box<dyn Fn() -> io::Result<()> + Send + Sync>,
        )
    });
}

#[cfg(target_os = "linux")]
#[test]
fn a_pipe_read_whose_data_another_reader_took_still_ends_on_a_request() {
    readiness_taken_by_another(100, "pipe read", || {
        let (reader, writer) = io::pipe().unwrap();
        let reader = Arc::new(reader);
        let trigger = Box::new(move || {
            (&writer).write_all(b"x").unwrap();
        });
        let call = Box::new(move || Interruptible::new(&*reader).read(&mut [0; 8]));
        (
            trigger as Box<dyn Fn() + Send>,
            call as Box<dyn Fn() -> io::Result<usize> + Send + Sync>,
        )
    });
}

#[test]
fn a_socket_write_hands_the_kernel_more_than_4_kib_at_once() {
    let (writer, _reader) = UnixStream::pair().unwrap();
    let buffer = vec![7; 64 * 1024];
    let written = Interruptible::new(&writer).write(&buffer).unwrap();
    let (writer2, _reader2) = UnixStream::pair().unwrap();
    let plain_written = (&writer2).write(&buffer).unwrap();
    assert!(written > 4096, "only {written} bytes");
    assert_eq!(written, plain_written, "a plain write took another amount");
}

//! `InterruptHandle::wake_fd` in event loops: a `poll` loop and a mio
//! loop wake for a request without a tick; the descriptor is readable
//! while a request is deliverable, and `clear` makes it unreadable again.

#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use common::join_within;
use gracefully::{Cause, InterruptHandle};

/// Waits on `fds` for reading; returns which are readable.
fn poll_readable(fds: &[BorrowedFd<'_>], timeout: Option<Duration>) -> Vec<bool> {
    let mut pollfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let timeout = timeout.map_or(-1, |timeout| i32::try_from(timeout.as_millis()).unwrap());
    // SAFETY: `pollfds` is a valid array of `len` entries for the call, and
    // each descriptor is kept open by the borrows in `fds`.
    let ready = unsafe { libc::poll(pollfds.as_mut_ptr(), pollfds.len() as libc::nfds_t, timeout) };
    assert!(ready >= 0, "poll: {}", std::io::Error::last_os_error());
    pollfds
        .iter()
        .map(|fd| fd.revents & libc::POLLIN != 0)
        .collect()
}

fn readable_now(fd: BorrowedFd<'_>) -> bool {
    poll_readable(&[fd], Some(Duration::ZERO))[0]
}

#[test]
fn a_poll_loop_serves_its_socket_and_stops_on_a_request() {
    let (mut client, server) = UnixStream::pair().unwrap();
    let worker = gracefully::spawn(move || {
        let wake = gracefully::current().wake_fd().unwrap();
        let mut server = server;
        let mut bytes_in = 0;
        loop {
            let ready = poll_readable(&[server.as_fd(), wake.as_fd()], None);
            if ready[0] {
                let mut buffer = [0; 64];
                bytes_in += server.read(&mut buffer).unwrap();
            }
            if ready[1] {
                return (bytes_in, gracefully::check());
            }
        }
    });
    client.write_all(b"hello").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    let (bytes_in, checked) = join_within(worker, "event loop").unwrap();
    assert_eq!(bytes_in, 5);
    assert_eq!(checked.unwrap_err().cause(), Cause::Interrupted);
}

#[test]
fn it_is_readable_while_a_request_is_deliverable_and_clear_makes_it_unreadable() {
    let handle = InterruptHandle::new();
    let first = handle.wake_fd().unwrap();
    let second = handle.wake_fd().unwrap();
    assert!(!readable_now(first.as_fd()));
    handle.interrupt();
    for _ in 0..3 {
        assert!(readable_now(first.as_fd()) && readable_now(second.as_fd()));
    }
    let late = handle.wake_fd().unwrap();
    assert!(readable_now(late.as_fd()), "made with a request pending");
    assert_eq!(
        handle.enter(gracefully::clear).map(|exit| exit.cause()),
        Some(Cause::Interrupted)
    );
    assert!(!readable_now(first.as_fd()) && !readable_now(late.as_fd()));
    drop(second); // leaves the scope; the others still follow it
    handle.interrupt();
    assert!(readable_now(first.as_fd()) && readable_now(late.as_fd()));
}

#[test]
fn a_request_inside_a_critical_section_makes_it_readable_when_the_section_closes() {
    let handle = InterruptHandle::new();
    let wake = handle.wake_fd().unwrap();
    handle.enter(|| {
        let section = gracefully::critical_section();
        handle.interrupt();
        assert!(
            !readable_now(wake.as_fd()),
            "readable inside a critical section"
        );
        drop(section);
        assert!(readable_now(wake.as_fd()));
        gracefully::clear();
    });
}

#[test]
fn requests_racing_with_clear_leave_it_readable_exactly_when_requested() {
    let handle = InterruptHandle::new();
    let wake = handle.wake_fd().unwrap();
    let mut rng = common::Rng::new(7);
    for _ in 0..2_000 {
        let requester = {
            let handle = handle.clone();
            std::thread::spawn(move || handle.interrupt())
        };
        rng.spin(2_000);
        handle.enter(gracefully::clear);
        requester.join().unwrap();
        assert_eq!(readable_now(wake.as_fd()), handle.is_interrupted());
        handle.enter(gracefully::clear);
        assert!(!readable_now(wake.as_fd()));
    }
}

#[test]
fn a_mio_loop_wakes_for_a_request() {
    use mio::unix::SourceFd;
    use mio::{Events, Interest, Poll, Token};

    let worker = gracefully::spawn(|| {
        let wake = gracefully::current().wake_fd().unwrap();
        let mut poll = Poll::new().unwrap();
        let raw = wake.as_raw_fd();
        poll.registry()
            .register(&mut SourceFd(&raw), Token(0), Interest::READABLE)
            .unwrap();
        let mut events = Events::with_capacity(8);
        loop {
            poll.poll(&mut events, None).unwrap();
            if events.iter().any(|event| event.token() == Token(0)) {
                return gracefully::check();
            }
        }
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    let checked = join_within(worker, "mio loop").unwrap();
    assert_eq!(checked.unwrap_err().cause(), Cause::Interrupted);
}

//! `io::Interruptible` with real sockets, pipes and a child process, on
//! 127.0.0.1 only.

#![cfg(unix)]

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::join_within;
use gracefully::io::Interruptible;
use gracefully::{Cause, ThreadExit};

fn connected_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

fn cause(error: &io::Error) -> Option<Cause> {
    ThreadExit::from_io(error).map(ThreadExit::cause)
}

#[test]
fn a_blocked_socket_read_is_interrupted_and_the_socket_stays_usable() {
    let (mut client, server) = connected_pair();
    let worker = gracefully::spawn(move || {
        let mut socket = Interruptible::new(server);
        let mut buffer = [0; 16];
        let first = socket.read(&mut buffer);
        gracefully::clear();
        // The interrupt did not touch the socket: it still reads.
        let n = socket.read(&mut buffer).unwrap();
        (first, buffer[..n].to_vec())
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    std::thread::sleep(Duration::from_millis(20));
    client.write_all(b"after").unwrap();
    let (first, after) = join_within(worker, "reader").unwrap();
    assert_eq!(cause(&first.unwrap_err()), Some(Cause::Interrupted));
    assert_eq!(after, b"after");
}

#[test]
fn data_sent_before_the_interrupt_is_read_first() {
    let (mut client, server) = connected_pair();
    client.write_all(b"abc").unwrap();
    std::thread::sleep(Duration::from_millis(20)); // it has arrived
    let worker = gracefully::spawn(move || {
        gracefully::current().interrupt();
        let mut socket = Interruptible::new(server);
        let mut buffer = [0; 16];
        let n = socket.read(&mut buffer).unwrap();
        (buffer[..n].to_vec(), socket.read(&mut buffer))
    });
    let (data, next) = join_within(worker, "reader").unwrap();
    assert_eq!(data, b"abc");
    assert!(cause(&next.unwrap_err()).is_some());
}

#[test]
fn a_write_to_a_full_pipe_is_interrupted() {
    let (reader, writer) = io::pipe().unwrap();
    let worker = gracefully::spawn(move || {
        let mut writer = Interruptible::new(writer);
        let chunk = [7u8; 8192];
        let mut written = 0usize;
        loop {
            match writer.write(&chunk) {
                Ok(n) => written += n,
                Err(error) => return (written, error),
            }
        }
    });
    std::thread::sleep(Duration::from_millis(50)); // the pipe fills up
    worker.interrupt();
    let (written, error) = join_within(worker, "writer").unwrap();
    assert!(written > 0);
    assert_eq!(cause(&error), Some(Cause::Interrupted));
    drop(reader);
}

#[test]
fn an_accept_is_interrupted() {
    let listener = Interruptible::new(TcpListener::bind("127.0.0.1:0").unwrap());
    let worker = gracefully::spawn(move || listener.accept().map(drop));
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    let error = join_within(worker, "acceptor").unwrap().unwrap_err();
    assert_eq!(cause(&error), Some(Cause::Interrupted));
}

#[test]
fn a_unix_socket_accept_and_read_are_interrupted() {
    use std::os::unix::net::{UnixListener, UnixStream};
    let path = std::env::temp_dir().join(format!("interrupt-test-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = Interruptible::new(UnixListener::bind(&path).unwrap());
    let acceptor = gracefully::spawn(move || listener.accept().map(drop));
    std::thread::sleep(Duration::from_millis(20));
    acceptor.interrupt();
    assert!(join_within(acceptor, "acceptor").unwrap().is_err());

    let (_client, server) = UnixStream::pair().unwrap();
    let reader = gracefully::spawn(move || Interruptible::new(server).read(&mut [0; 8]));
    std::thread::sleep(Duration::from_millis(20));
    reader.interrupt();
    assert!(join_within(reader, "reader").unwrap().is_err());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_child_process_stdout_read_is_interrupted() {
    let mut child = Command::new("sh")
        .args(["-c", "echo started; exec sleep 30"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let worker = gracefully::spawn(move || {
        let mut stdout = Interruptible::new(stdout);
        let mut output = Vec::new();
        let mut buffer = [0; 64];
        loop {
            match stdout.read(&mut buffer) {
                Ok(0) => return (output, None),
                Ok(n) => output.extend_from_slice(&buffer[..n]),
                Err(error) => return (output, Some(error)),
            }
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    worker.interrupt();
    let (output, error) = join_within(worker, "reader").unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(output, b"started\n", "what the child wrote before was read");
    assert_eq!(
        cause(&error.expect("interrupted")),
        Some(Cause::Interrupted)
    );
}

#[test]
fn read_exact_does_not_retry_an_interrupted_read() {
    let (_client, server) = connected_pair();
    let worker = gracefully::spawn(move || Interruptible::new(server).read_exact(&mut [0; 4]));
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    let error = join_within(worker, "reader").unwrap().unwrap_err();
    assert_ne!(error.kind(), io::ErrorKind::Interrupted);
    assert!(cause(&error).is_some());
}

#[test]
fn inside_a_critical_section_a_read_keeps_the_sockets_own_timeout() {
    let (reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
    reader
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    // Writes long after the timeout: a read that ignored the timeout would
    // return this data instead of timing out.
    let late_writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        let _ = writer.write_all(b"late");
    });
    let mut reader = Interruptible::new(reader);
    let _section = gracefully::critical_section();
    let mut buffer = [0; 8];
    let error = reader.read(&mut buffer).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock, "{error}");
    late_writer.join().unwrap();
}

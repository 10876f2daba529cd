//! A small line-logging service that stops gracefully on Ctrl-C (or
//! SIGTERM, SIGHUP).
//!
//! An accept loop hands each connection to a worker thread; workers echo
//! every line back and queue it for the log; a flusher thread writes the
//! queue to a log file, each record inside `critical!`, so the file never
//! ends with a torn record. On a signal every thread finishes its current
//! unit of work, the flusher writes what is left, and the process exits 0.
//!
//! Run it with `cargo run --example service`, then connect with
//! `nc 127.0.0.1 PORT`, type lines, and press Ctrl-C in the service's
//! terminal. Options: `--log PATH` (default: a file in the temp
//! directory), `--stubborn` (adds a thread that ignores requests, to show
//! the shutdown report).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gracefully::io::Interruptible;
use gracefully::{ThreadExit, critical};

type Queue = Arc<Mutex<Vec<String>>>;

/// Writes queued lines to the log until interrupted; then, once the
/// connections have stopped (`producers_done`), writes what is left.
///
/// Not `#[interruptible]`: the sleep is its interruption point, and what it
/// does then is up to it. The last writes run in `gracefully::cleanup`:
/// shielded from the request that stopped the loop (their sleeps and
/// checks run as usual), yet bounded, so a connection that never stops
/// cannot keep the flusher waiting for ever.
fn flush(queue: &Queue, mut log: File, producers_done: &AtomicBool) -> io::Result<u64> {
    let mut written = 0;
    loop {
        let slept = gracefully::sleep(Duration::from_millis(20));
        write_records(queue, &mut log, &mut written)?;
        if let Err(exit) = slept {
            // Asked to stop: the connections are stopping too and may still
            // queue the line they are working on.
            gracefully::cleanup(Duration::from_secs(1), || -> io::Result<()> {
                while !producers_done.load(Ordering::Acquire) {
                    gracefully::sleep(Duration::from_millis(5))?;
                }
                write_records(queue, &mut log, &mut written)
            })?;
            println!("flusher: stopped ({exit}), {written} records in the log");
            return Ok(written);
        }
    }
}

/// Writes every queued line as one record; a record is never cut in half.
fn write_records(queue: &Queue, log: &mut File, next: &mut u64) -> io::Result<()> {
    let lines = std::mem::take(&mut *queue.lock().expect("queue lock"));
    for line in &lines {
        critical! {
            // Two writes and a pause between them: a torn record would show.
            write!(log, "record {next}: {line}")?;
            gracefully::sleep(Duration::from_millis(1))?; // runs to its end in here
            writeln!(log, " [end]")?;
            log.flush()?;
        }
        *next += 1;
    }
    Ok(())
}

/// Echoes lines and queues them for the log until the client leaves or a
/// request arrives.
fn serve(id: usize, socket: TcpStream, queue: &Queue) -> io::Result<()> {
    let mut writer = socket.try_clone()?;
    let mut lines = BufReader::new(Interruptible::new(socket));
    loop {
        let mut line = String::new();
        let read = lines.read_line(&mut line);
        match read {
            Ok(0) => {
                println!("conn {id}: closed by the client");
                return Ok(());
            }
            Ok(_) => {
                let line = line.trim_end().to_owned();
                // One unit of work: echo and queue, whole.
                critical! {
                    writeln!(writer, "{line}")?;
                    queue.lock().expect("queue lock").push(format!("conn {id}: {line}"));
                }
            }
            Err(error) => match ThreadExit::from_io(&error) {
                Some(exit) => {
                    println!("conn {id}: stopped ({exit})");
                    return Ok(());
                }
                None => return Err(error),
            },
        }
    }
}

#[gracefully::main(grace = "2s")]
fn main() -> io::Result<()> {
    let mut log_path = std::env::temp_dir().join(format!("service-{}.log", std::process::id()));
    let mut stubborn = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--log" => log_path = PathBuf::from(args.next().expect("--log PATH")),
            "--stubborn" => stubborn = true,
            other => panic!("unknown argument {other}"),
        }
    }

    let queue = Queue::default();
    let producers_done = Arc::new(AtomicBool::new(false));
    let log = File::create(&log_path)?;
    let (flusher_queue, flusher_done) = (Arc::clone(&queue), Arc::clone(&producers_done));
    gracefully::Builder::new()
        .name("flusher".into())
        .spawn(move || flush(&flusher_queue, log, &flusher_done))?;
    if stubborn {
        gracefully::Builder::new()
            .name("stubborn".into())
            .spawn(|| std::thread::sleep(Duration::from_mins(1)))?;
    }

    let listener = Interruptible::new(TcpListener::bind("127.0.0.1:0")?);
    println!("listening on {}", listener.get_ref().local_addr()?);
    println!("logging to {}", log_path.display());
    io::stdout().flush()?;

    let mut connections = Vec::new();
    let stopped = loop {
        match listener.accept() {
            Ok((socket, _)) => {
                let queue = Arc::clone(&queue);
                let id = connections.len();
                connections.push(
                    gracefully::Builder::new()
                        .name(format!("conn-{id}"))
                        .spawn(move || serve(id, socket, &queue))?,
                );
            }
            Err(error) => match ThreadExit::from_io(&error) {
                Some(exit) => break exit.clone(),
                None => return Err(error),
            },
        }
    };
    println!(
        "accept loop: stopped ({stopped}) after {} connections",
        connections.len()
    );
    // The same request reached every connection: wait for their last
    // lines, then let the flusher write them.
    for connection in connections {
        let _ = connection.join();
    }
    producers_done.store(true, Ordering::Release);
    Ok(())
}

//! A pipeline: a reader thread on a child process's stdout, a pool of
//! workers fed by a crossbeam channel, and a writer. One interrupt, to the
//! reader, stops it all cleanly: the reader stops reading at once (even
//! while blocked on the pipe), the workers and the writer drain what it
//! read and stop when their input closes, so every line that was read is
//! also written out.
//!
//! Run it with `cargo run --example pipeline --features crossbeam`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use gracefully::channel::{self, RecvError};
use gracefully::io::Interruptible;
use gracefully::{JoinHandle, ThreadExit};

/// Reads lines from the child until interrupted; returns how many it read.
fn read_lines(stdout: std::process::ChildStdout, lines: &Sender<String>) -> u64 {
    let mut stdout = BufReader::new(Interruptible::new(stdout));
    let mut read = 0;
    loop {
        let mut line = String::new();
        match stdout.read_line(&mut line) {
            Ok(0) => return read, // the child ended
            Ok(_) => {
                read += 1;
                lines.send(line).expect("the workers outlive the reader");
            }
            Err(error) => {
                if !line.is_empty() {
                    // Part of a line, read before the interrupt: keep it.
                    read += 1;
                    lines.send(line).expect("the workers outlive the reader");
                }
                let why =
                    ThreadExit::from_io(&error).map_or(error.to_string(), ToString::to_string);
                println!("reader: stopped after {read} lines ({why})");
                return read;
            }
        }
    }
}

/// Transforms lines until its input closes.
fn work(id: usize, lines: &Receiver<String>, out: &Sender<String>) -> Result<u64, ThreadExit> {
    let mut done = 0;
    loop {
        match channel::recv(lines) {
            Ok(line) => {
                out.send(format!("worker {id}: {}", line.trim_end().to_uppercase()))
                    .expect("the writer outlives the workers");
                done += 1;
            }
            Err(RecvError::Disconnected) => return Ok(done),
            Err(RecvError::Interrupted(exit)) => return Err(exit),
        }
    }
}

/// Writes results until its input closes; returns how many it wrote.
fn write_out(results: &Receiver<String>) -> Result<u64, ThreadExit> {
    let mut written = 0;
    loop {
        match channel::recv(results) {
            Ok(result) => {
                if written < 3 {
                    println!("writer: {result}");
                }
                written += 1;
            }
            Err(RecvError::Disconnected) => return Ok(written),
            Err(RecvError::Interrupted(exit)) => return Err(exit),
        }
    }
}

fn main() {
    let mut child = Command::new("sh")
        .args([
            "-c",
            "i=0; while true; do echo \"line $i\"; i=$((i+1)); sleep 0.002; done",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("sh is on unix machines");
    let stdout = child.stdout.take().expect("stdout is piped");

    let (line_tx, line_rx) = crossbeam_channel::unbounded();
    let (result_tx, result_rx) = crossbeam_channel::unbounded();
    let reader = gracefully::spawn(move || read_lines(stdout, &line_tx));
    let workers: Vec<JoinHandle<_>> = (0..3)
        .map(|id| {
            let (lines, out) = (line_rx.clone(), result_tx.clone());
            gracefully::spawn(move || work(id, &lines, &out))
        })
        .collect();
    drop((line_rx, result_tx));
    let writer = gracefully::spawn(move || write_out(&result_rx));

    std::thread::sleep(Duration::from_millis(300));
    println!("main: interrupting the reader");
    reader.interrupt();

    let read = reader.join().expect("the reader does not panic");
    let transformed: u64 = workers
        .into_iter()
        .map(|worker| {
            worker
                .join()
                .expect("no panic")
                .expect("stopped by its input")
        })
        .sum();
    let written = writer
        .join()
        .expect("no panic")
        .expect("stopped by its input");
    child.kill().expect("the child is still running");
    child.wait().expect("the child can be reaped");

    println!("main: {read} lines read, {transformed} transformed, {written} written");
    assert!(read > 0);
    assert_eq!(read, written, "a line that was read was lost");
}

//! `#[gracefully::main]` and the exit status: an error that carries a
//! `ThreadExit` caused by a signal is a clean stop; any other error is
//! printed as `main` would print it, stragglers or not. The program is the
//! `main_exit` binary of this package, stopped with real signals.

#![cfg(all(unix, feature = "signals"))]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::scenario::{kill, stderr_of, wait_within};

/// Runs `main_exit <mode>`, sends it SIGINT once it is ready, and returns
/// its exit status and stderr.
fn run(mode: &str) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_main_exit"))
        .arg(mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready");
    kill(child.id(), "INT");
    let status = wait_within(&mut child, mode);
    (status.code(), stderr_of(&mut child))
}

#[test]
fn a_thread_exit_caused_by_a_signal_is_a_clean_stop_however_it_is_wrapped() {
    for mode in ["exit", "io", "chain"] {
        let (status, stderr) = run(mode);
        assert_eq!(status, Some(0), "{mode}: {stderr}");
        assert!(!stderr.contains("Error"), "{mode}: {stderr}");
    }
}

#[test]
fn another_error_is_printed_and_exits_one() {
    let (status, stderr) = run("other");
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("Error: \"disk full\""), "{stderr}");
}

#[test]
fn an_error_is_printed_even_when_a_thread_straggles() {
    let (status, stderr) = run("straggler");
    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("did not stop within"), "{stderr}");
    assert!(stderr.contains("Error: \"disk full\""), "{stderr}");
}

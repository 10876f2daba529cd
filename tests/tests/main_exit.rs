//! `#[gracefully::main]` and the exit status: an error that carries a
//! `ThreadExit` caused by a signal is a clean stop; any other error is
//! printed as `main` would print it, stragglers or not; and the options
//! `second`, `exit` and `signals`. The programs are the `main_*` binaries
//! of this package, stopped with real signals.

#![cfg(all(unix, feature = "signals"))]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::scenario::{Scenario, kill, stderr_of, wait_within};

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

#[test]
fn the_report_says_where_each_straggler_is() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_main_exit"))
        .arg("where")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The two workers print where their waits are; `main` prints "ready".
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (mut wait, mut section, mut read, mut ready) = (None, None, None, false);
    while wait.is_none() || section.is_none() || read.is_none() || !ready {
        let mut line = String::new();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "stdout ended");
        let line = line.trim();
        if let Some(n) = line.strip_prefix("wait at line ") {
            wait = Some(n.to_owned());
        } else if let Some(n) = line.strip_prefix("section at line ") {
            section = Some(n.to_owned());
        } else if let Some(n) = line.strip_prefix("read at line ") {
            read = Some(n.to_owned());
        } else {
            ready |= line == "ready";
        }
    }
    kill(child.id(), "TERM");
    wait_within(&mut child, "where");
    let stderr = stderr_of(&mut child);
    let (wait, section, read) = (wait.unwrap(), section.unwrap(), read.unwrap());
    let file = "tests/src/bin/main_exit.rs";
    assert!(
        stderr.contains(&format!(
            "  - waiting (in sleep at {file}:{wait}:29, in a critical section opened at {file}:"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "  - saving (in a critical section opened at {file}:{section}:13, asked "
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "  - reading (in an I/O call at {file}:{read}:29, in a critical section"
        )),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("  - busy (running, no interruption point reached since the request, asked "),
        "{stderr}"
    );
}

/// Starts one of this package's `#[gracefully::main]` programs.
fn start(program: &str, args: &[&str]) -> Scenario {
    let path = std::path::Path::new(env!("CARGO_BIN_EXE_main_exit")).with_file_name(program);
    Scenario::spawn(Command::new(path).args(args).stdin(Stdio::piped()))
}

#[test]
fn with_exit_signal_a_clean_stop_ends_by_the_signal_and_a_normal_end_exits_zero() {
    use std::os::unix::process::ExitStatusExt;
    // `signals = [SIGUSR1, SIGTERM]`, `second = on_second`, `exit = "signal"`.
    let mut program = start("main_options", &[]);
    program.expect("ready");
    program.signal("USR1");
    assert_eq!(program.expect("stopped: "), "stopped: interrupted: SIGUSR1");
    program.signal("TERM");
    assert_eq!(
        program.expect("second signal: "),
        format!("second signal: {}", libc::SIGTERM)
    );
    let (status, _) = program.wait();
    assert_eq!(status.signal(), Some(libc::SIGUSR1), "{status}");

    let mut program = start("main_options", &["now"]);
    program.expect("done");
    assert_eq!(program.wait().0.code(), Some(0));
}

#[test]
fn signals_replaces_the_handled_list() {
    use std::os::unix::process::ExitStatusExt;
    let mut program = start("main_options", &[]);
    program.expect("ready");
    program.signal("INT"); // not in `signals = [SIGUSR1, SIGTERM]`
    let (status, lines) = program.wait();
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status}: {lines:?}");
    assert!(
        lines.iter().all(|line| !line.starts_with("stopped")),
        "{lines:?}"
    );
}

#[test]
fn with_second_ignored_more_signals_do_not_end_the_program() {
    let mut program = start("main_second_ignored", &[]);
    program.expect("ready");
    program.signal("INT");
    assert_eq!(program.expect("stopped: "), "stopped: interrupted: SIGINT");
    program.signal("INT");
    program.signal("TERM");
    // With the default `second = "exit"` the program would be gone now.
    std::thread::sleep(std::time::Duration::from_millis(100));
    program.write_line("go");
    program.expect("finished");
    assert_eq!(program.wait().0.code(), Some(0));
}

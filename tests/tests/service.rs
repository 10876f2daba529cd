//! `examples/service.rs` as a child process, stopped with real signals:
//! the exit status, every connection's cause, a log whose last record is
//! whole, and a straggler named on stderr. (`cargo test` builds the
//! examples before it runs the tests.)

#![cfg(all(unix, feature = "signals"))]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::scenario::{kill, stderr_of, wait_within};

fn service_binary() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let path = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/service");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --examples`",
        path.display()
    );
    path
}

struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    log: String,
}

/// Starts the service, has two clients send two lines each, sends
/// `signal`, and collects what the service did.
fn run(signal: &str, extra: &[&str]) -> Run {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let log = std::env::temp_dir().join(format!(
        "interrupt-service-{}-{run}.log",
        std::process::id()
    ));
    let mut child: Child = Command::new(service_binary())
        .arg("--log")
        .arg(&log)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let address = first
        .trim()
        .strip_prefix("listening on ")
        .expect("the address")
        .to_owned();

    let mut clients: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(&address).unwrap())
        .collect();
    for (n, client) in clients.iter_mut().enumerate() {
        client
            .write_all(format!("hello {n}\nagain {n}\n").as_bytes())
            .unwrap();
    }
    for (n, client) in clients.iter_mut().enumerate() {
        let expected = format!("hello {n}\nagain {n}\n");
        let mut echoed = vec![0; expected.len()];
        client.read_exact(&mut echoed).unwrap();
        assert_eq!(String::from_utf8(echoed).unwrap(), expected);
    }

    kill(child.id(), signal);
    let status = wait_within(&mut child, &format!("the service, after SIG{signal},"));
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let stderr = stderr_of(&mut child);
    let log_text = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    Run {
        status: status.code(),
        stdout: first + &rest,
        stderr,
        log: log_text,
    }
}

#[test]
fn each_signal_stops_the_service_cleanly_with_a_whole_log() {
    for signal in ["INT", "TERM", "HUP"] {
        let run = run(signal, &[]);
        assert_eq!(
            run.status,
            Some(0),
            "SIG{signal}: {}\n{}",
            run.stdout,
            run.stderr
        );
        for conn in 0..2 {
            let line = format!("conn {conn}: stopped (interrupted: SIG{signal})");
            assert!(run.stdout.contains(&line), "SIG{signal}: {}", run.stdout);
        }
        assert!(run.stdout.contains(&format!(
            "flusher: stopped (interrupted: SIG{signal}), 4 records"
        )));
        let records: Vec<&str> = run.log.lines().collect();
        assert_eq!(records.len(), 4, "{}", run.log);
        assert!(
            records.iter().all(|record| record.ends_with(" [end]")),
            "{}",
            run.log
        );
        assert!(run.log.ends_with(" [end]\n"), "the last record is whole");
    }
}

#[test]
fn a_straggler_past_the_grace_period_is_named_on_stderr() {
    let run = run("TERM", &["--stubborn"]);
    assert_eq!(run.status, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("did not stop within 2s"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "  - stubborn (running, no interruption point reached since the request, asked "
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.log.lines().count(), 4, "the log is still complete");
}

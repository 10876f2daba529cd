//! `process::wait` and `wait_timeout` with real child processes (unix).

#![cfg(unix)]

mod common;

use std::process::{Child, Command};
use std::time::Duration;

use common::join_within;
use gracefully::{Cause, ThreadExit};

fn sleeper() -> Child {
    Command::new("sleep").arg("60").spawn().unwrap()
}

#[test]
fn a_wait_is_interrupted_and_leaves_the_child_running() {
    let supervisor = gracefully::spawn(|| {
        let mut child = sleeper();
        let waited = gracefully::process::wait(&mut child);
        let still_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap();
        child.wait().unwrap();
        (waited, still_running)
    });
    std::thread::sleep(Duration::from_millis(20));
    supervisor.interrupt();
    let (waited, still_running) = join_within(supervisor, "supervisor").unwrap();
    let error = waited.unwrap_err();
    assert_eq!(
        ThreadExit::from_io(&error).map(ThreadExit::cause),
        Some(Cause::Interrupted)
    );
    assert!(still_running, "the interrupt touched the child");
}

#[test]
fn a_wait_returns_the_childs_status() {
    let mut child = Command::new("sh")
        .args(["-c", "sleep 0.02; exit 3"])
        .spawn()
        .unwrap();
    let status = gracefully::process::wait(&mut child).unwrap();
    assert_eq!(status.code(), Some(3));
    // Waiting again gives the same status, as `Child::wait` does.
    assert_eq!(
        gracefully::process::wait(&mut child).unwrap().code(),
        Some(3)
    );
}

#[test]
fn an_exited_child_is_reaped_even_with_a_request_pending() {
    gracefully::spawn(|| {
        let mut child = Command::new("true").spawn().unwrap();
        std::thread::sleep(Duration::from_millis(50)); // it has exited
        gracefully::current().interrupt();
        let status = gracefully::process::wait(&mut child).unwrap();
        assert!(status.success());
        let mut running = sleeper();
        let waited = gracefully::process::wait_timeout(&mut running, Duration::from_mins(1));
        assert!(waited.is_err(), "a wait that has to block was begun");
        running.kill().unwrap();
        running.wait().unwrap();
    })
    .join()
    .unwrap();
}

#[test]
fn wait_timeout_times_out_then_reaps() {
    let mut child = sleeper();
    let waited = gracefully::process::wait_timeout(&mut child, Duration::from_millis(20)).unwrap();
    assert_eq!(waited, None);
    child.kill().unwrap();
    let status = gracefully::process::wait_timeout(&mut child, Duration::from_mins(1)).unwrap();
    assert!(status.is_some_and(|status| !status.success()));
}

#[test]
fn inside_a_critical_section_a_wait_keeps_its_time_limit_and_delivers_nothing() {
    gracefully::spawn(|| {
        let mut child = sleeper();
        let section = gracefully::critical_section();
        gracefully::current().interrupt();
        let waited = gracefully::process::wait_timeout(&mut child, Duration::from_millis(20));
        assert_eq!(waited.unwrap(), None);
        drop(section);
        assert!(gracefully::process::wait(&mut child).is_err());
        child.kill().unwrap();
        child.wait().unwrap();
    })
    .join()
    .unwrap();
}

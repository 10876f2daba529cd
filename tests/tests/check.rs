//! `check`, `clear`, `interruption_requested`, `current`, handles, `spawn`
//! and `join`.

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::join_within;
use gracefully::{Cause, InterruptHandle, JoinError, ThreadExit};

#[test]
fn check_is_ok_until_a_request_and_then_sticky_until_clear() {
    gracefully::spawn(|| {
        assert!(gracefully::check().is_ok());
        assert!(!gracefully::interruption_requested());
        gracefully::current().interrupt();
        assert!(gracefully::interruption_requested());
        for _ in 0..3 {
            assert_eq!(
                gracefully::check().map_err(|e| e.cause()),
                Err(Cause::Interrupted)
            );
        }
        assert_eq!(
            gracefully::clear().map(|e| e.cause()),
            Some(Cause::Interrupted)
        );
        assert!(gracefully::check().is_ok());
        assert!(!gracefully::interruption_requested());
    })
    .join()
    .unwrap();
}

#[test]
fn a_spawned_thread_runs_in_the_scope_its_handle_names() {
    let worker = gracefully::spawn(gracefully::current);
    let expected = worker.handle().clone();
    assert_eq!(worker.join().unwrap(), expected);
}

#[test]
fn a_request_made_before_the_thread_runs_is_waiting_for_it() {
    let gate = Arc::new(Barrier::new(2));
    let inside = Arc::clone(&gate);
    let worker = gracefully::spawn(move || {
        inside.wait();
        gracefully::check()
    });
    worker.interrupt();
    gate.wait();
    let exit = join_within(worker, "checker").unwrap().unwrap_err();
    assert_eq!(exit.cause(), Cause::Interrupted);
}

#[test]
fn a_thread_that_returns_the_exit_with_question_mark_runs_its_destructors() {
    struct SetOnDrop(Arc<std::sync::atomic::AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let worker = gracefully::spawn(move || -> Result<(), ThreadExit> {
        let _cleanup = SetOnDrop(flag);
        loop {
            gracefully::check()?;
            std::thread::yield_now();
        }
    });
    worker.interrupt();
    assert!(join_within(worker, "looper").unwrap().is_err());
    assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn handles_are_independent_and_compare_by_scope() {
    let a = InterruptHandle::new();
    let b = InterruptHandle::new();
    assert_ne!(a, b);
    assert_eq!(a, a.clone());
    a.interrupt();
    assert!(a.is_interrupted());
    assert!(!b.is_interrupted());
}

#[test]
fn interrupting_a_finished_thread_is_a_no_op() {
    let worker = gracefully::spawn(|| 5);
    let handle = worker.handle().clone();
    while !worker.is_finished() {
        std::thread::yield_now();
    }
    worker.interrupt();
    handle.interrupt();
    assert_eq!(worker.join().unwrap(), 5);
    handle.interrupt();
    assert!(handle.is_interrupted());
}

#[test]
fn join_reports_a_panic_as_panicked_with_its_message() {
    let worker = gracefully::Builder::new()
        .name("panicker".into())
        .spawn(|| -> () { panic!("on purpose") })
        .unwrap();
    match worker.join() {
        Err(error @ JoinError::Panicked(_)) => {
            assert_eq!(error.to_string(), "thread panicked: on purpose");
        }
        other => panic!("expected a panic, got {other:?}"),
    }
}

#[test]
fn builder_names_the_thread_and_sets_its_stack() {
    let worker = gracefully::Builder::new()
        .name("named".into())
        .stack_size(128 * 1024)
        .spawn(|| {
            gracefully::sleep(Duration::from_millis(1)).unwrap();
            std::thread::current().name().map(str::to_owned)
        })
        .unwrap();
    assert_eq!(worker.thread().name(), Some("named"));
    assert_eq!(worker.join().unwrap().as_deref(), Some("named"));
}

#[test]
fn the_exit_converts_into_an_io_error_that_std_does_not_retry() {
    let err = std::io::Error::from(ThreadExit::new(Cause::Interrupted));
    assert_ne!(err.kind(), std::io::ErrorKind::Interrupted);
    assert_eq!(
        ThreadExit::from_io(&err).map(ThreadExit::cause),
        Some(Cause::Interrupted)
    );
}

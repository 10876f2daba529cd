//! The unwinding side of `ThreadExit`: checkpoints that unwind, `catch_exit`
//! and `JoinError::Interrupted`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::join_within;
use gracefully::__private::Checkpoint;
use gracefully::{Cause, JoinError, ThreadExit};

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn an_unwinding_checkpoint_joins_as_interrupted_runs_drops_and_prints_nothing() {
    // Counts panic-hook calls from threads named "unwinder": an unwind with
    // a `ThreadExit` payload must not reach the hook (no message printed).
    static HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("unwinder") {
            HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
        }
        previous(info);
    }));

    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let worker = gracefully::Builder::new()
        .name("unwinder".into())
        .spawn(move || {
            let _cleanup = SetOnDrop(flag);
            let checkpoint = Checkpoint::current();
            loop {
                checkpoint.check_unwind();
                std::thread::yield_now();
            }
        })
        .unwrap();
    worker.interrupt();
    match join_within(worker, "unwinder") {
        Err(JoinError::Interrupted(exit)) => assert_eq!(exit.cause(), Cause::Interrupted),
        Err(other) => panic!("expected an interrupted join, got {other:?}"),
    }
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(HOOK_CALLS.load(Ordering::SeqCst), 0);
}

#[test]
fn catch_exit_turns_an_unwinding_exit_into_err_and_clear_resumes() {
    let worker = gracefully::spawn(|| {
        gracefully::current().interrupt();
        let caught = gracefully::catch_exit(|| {
            Checkpoint::current().check_unwind();
            unreachable!("the checkpoint unwinds")
        });
        let cleared = gracefully::clear();
        let resumed = gracefully::catch_exit(|| {
            Checkpoint::current().check_unwind();
            "resumed"
        });
        (caught, cleared, resumed)
    });
    let (caught, cleared, resumed) = join_within(worker, "catcher").unwrap();
    let caught: Result<(), ThreadExit> = caught;
    assert_eq!(caught.unwrap_err().cause(), Cause::Interrupted);
    assert!(cleared.is_some());
    assert_eq!(resumed, Ok("resumed"));
}

#[test]
fn catch_exit_lets_other_panics_through() {
    let outcome = std::panic::catch_unwind(|| gracefully::catch_exit(|| panic!("not an exit")));
    let payload = outcome.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"not an exit"));
}

#[test]
fn the_hoisted_checkpoint_reports_requests_as_err() {
    let worker = gracefully::spawn(|| {
        let checkpoint = Checkpoint::current();
        assert!(checkpoint.check().is_ok());
        gracefully::current().interrupt();
        checkpoint.check()
    });
    assert!(join_within(worker, "checker").unwrap().is_err());
}

/// Flushes in its `Drop` through an unwinding-checkpoint loop: run while
/// the thread unwinds with a `ThreadExit`, the loop must not unwind again
/// (that would abort the process).
struct FlushOnDrop(Arc<AtomicUsize>);

#[gracefully::interruptible(unwind)]
fn flush(records: &AtomicUsize) {
    for _ in 0..3 {
        records.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        flush(&self.0);
    }
}

#[test]
fn an_unwinding_checkpoint_in_cleanup_during_an_unwind_lets_the_request_wait() {
    let flushed = Arc::new(AtomicUsize::new(0));
    let records = Arc::clone(&flushed);
    let worker = gracefully::spawn(move || {
        let _flush = FlushOnDrop(records);
        gracefully::current().interrupt();
        Checkpoint::current().check_unwind(); // unwinds through `_flush`
    });
    assert!(matches!(
        join_within(worker, "the worker"),
        Err(JoinError::Interrupted(_))
    ));
    assert_eq!(flushed.load(Ordering::SeqCst), 3, "the flush was cut short");
}

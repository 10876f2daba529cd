//! Handles: callbacks, children, deadlines, `enter`, `join_interruptible`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use common::{Rng, join_within};
use gracefully::{Cause, InterruptHandle};

#[test]
fn callbacks_racing_with_their_guards_run_at_most_once_and_never_after_the_drop() {
    let mut rng = Rng::new(17);
    for _ in 0..2_000 {
        let handle = InterruptHandle::new();
        let runs = Arc::new(AtomicU32::new(0));
        let dropped = Arc::new(AtomicU32::new(0));
        let (counter, seen_dropped) = (Arc::clone(&runs), Arc::clone(&dropped));
        let guard = handle.on_interrupt(move || {
            // The guard's drop waits for a running callback, so it can
            // never have completed while this runs.
            assert_eq!(seen_dropped.load(Ordering::SeqCst), 0, "ran after the drop");
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let requester = {
            let handle = handle.clone();
            std::thread::spawn(move || handle.interrupt())
        };
        rng.spin(2_000);
        drop(guard);
        dropped.store(1, Ordering::SeqCst);
        requester.join().unwrap();
        assert!(runs.load(Ordering::SeqCst) <= 1);
    }
}

#[test]
fn every_callback_of_a_scope_runs_once_per_request() {
    let handle = InterruptHandle::new();
    let runs = Arc::new(AtomicUsize::new(0));
    let guards: Vec<_> = (0..10)
        .map(|_| {
            let runs = Arc::clone(&runs);
            handle.on_interrupt(move || {
                runs.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    handle.interrupt();
    assert_eq!(runs.load(Ordering::SeqCst), 10);
    drop(guards);
}

#[test]
fn a_child_sees_its_parents_interrupt_and_not_the_other_way() {
    let root = InterruptHandle::new();
    let child = root.child();
    let grandchild = child.child();
    let sibling = root.child();

    let worker = gracefully::spawn({
        let grandchild = grandchild.clone();
        move || grandchild.enter(|| gracefully::sleep(Duration::from_hours(1)))
    });
    sibling.interrupt();
    assert!(!root.is_interrupted() && !child.is_interrupted());

    root.interrupt();
    assert!(child.is_interrupted() && grandchild.is_interrupted());
    let exit = join_within(worker, "grandchild").unwrap().unwrap_err();
    assert_eq!(exit.cause(), Cause::Parent);

    // A child of an interrupted parent starts interrupted.
    assert!(root.child().is_interrupted());
}

#[test]
fn dropped_children_are_detached() {
    let root = InterruptHandle::new();
    for _ in 0..1_000 {
        drop(root.child());
    }
    let kept = root.child();
    root.interrupt();
    assert!(kept.is_interrupted());
}

#[test]
fn a_deadline_fires_with_the_deadline_cause() {
    let worker = gracefully::spawn(|| {
        let _deadline = gracefully::current().interrupt_after(Duration::from_millis(20));
        gracefully::sleep(Duration::from_hours(1))
    });
    let exit = join_within(worker, "deadline").unwrap().unwrap_err();
    assert_eq!(exit.cause(), Cause::Deadline);
}

#[test]
fn a_deadline_can_be_cancelled_moved_later_and_moved_earlier() {
    let cancelled = InterruptHandle::new();
    drop(cancelled.interrupt_after(Duration::from_millis(10)));

    let later = InterruptHandle::new();
    let later_deadline = later.interrupt_after(Duration::from_millis(10));
    later_deadline.reset(Duration::from_hours(1));

    let earlier = InterruptHandle::new();
    let earlier_deadline = earlier.interrupt_after(Duration::from_hours(1));
    earlier_deadline.reset(Duration::from_millis(10));

    let deadline = std::time::Instant::now() + common::STOP_BOUND;
    while !earlier.is_interrupted() {
        assert!(
            std::time::Instant::now() < deadline,
            "the earlier deadline never fired"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(30));
    assert!(!cancelled.is_interrupted());
    assert!(!later.is_interrupted());
    drop(later_deadline);
}

#[test]
fn enter_runs_a_job_in_its_submitters_scope_on_another_thread() {
    let submitter = InterruptHandle::new();
    let job_scope = submitter.clone();
    let pool_thread = std::thread::spawn(move || {
        job_scope.enter(|| {
            assert_eq!(gracefully::current(), job_scope);
            gracefully::sleep(Duration::from_hours(1))
        })
    });
    std::thread::sleep(Duration::from_millis(10));
    submitter.interrupt();
    assert!(pool_thread.join().unwrap().is_err());
    // The pool thread's own scope was left alone.
    assert!(!gracefully::interruption_requested());
}

#[test]
fn join_interruptible_returns_the_value_or_gives_the_handle_back() {
    let quick = gracefully::spawn(|| 5);
    assert_eq!(quick.join_interruptible().unwrap().unwrap(), 5);

    let slow = gracefully::spawn(|| gracefully::sleep(Duration::from_hours(1)));
    let waiter = gracefully::spawn(move || slow.join_interruptible());
    std::thread::sleep(Duration::from_millis(10));
    waiter.interrupt();
    let interrupted = join_within(waiter, "waiter").unwrap().unwrap_err();
    assert_eq!(interrupted.exit().cause(), Cause::Interrupted);
    let slow = interrupted.into_handle();
    slow.interrupt();
    assert!(join_within(slow, "sleeper").unwrap().is_err());
}

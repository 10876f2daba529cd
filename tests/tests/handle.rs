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
    assert_eq!(exit.cause(), Cause::Interrupted, "the parent's cause");

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

#[test]
fn dropping_the_guard_of_a_callback_that_has_not_started_does_not_wait_for_another() {
    // The first callback returns only once the guard of the second has
    // been dropped: that drop must not wait for the first to return.
    let handle = InterruptHandle::new();
    let (second_dropped, wait_for_drop) = std::sync::mpsc::channel::<()>();
    let _first = handle.on_interrupt(move || {
        wait_for_drop
            .recv_timeout(common::STOP_BOUND)
            .expect("the second guard's drop waited for this callback");
    });
    let second_ran = Arc::new(AtomicU32::new(0));
    let second = {
        let ran = Arc::clone(&second_ran);
        handle.on_interrupt(move || {
            ran.fetch_add(1, Ordering::SeqCst);
        })
    };
    let requester = {
        let handle = handle.clone();
        gracefully::spawn(move || handle.interrupt())
    };
    // Let the requester reach the first callback (it would also pass if it
    // had not: the second is then simply removed first).
    std::thread::sleep(Duration::from_millis(20));
    drop(second);
    second_dropped.send(()).unwrap();
    join_within(requester, "the requester").unwrap();
    assert_eq!(
        second_ran.load(Ordering::SeqCst),
        0,
        "a dropped callback ran"
    );
}

#[test]
fn a_callback_that_drops_a_siblings_guard_keeps_the_sibling_from_starting() {
    let handle = InterruptHandle::new();
    let sibling_ran = Arc::new(AtomicU32::new(0));
    let sibling: Arc<std::sync::Mutex<Option<gracefully::OnInterrupt>>> = Arc::default();
    let _first = {
        let sibling = Arc::clone(&sibling);
        handle.on_interrupt(move || drop(sibling.lock().unwrap().take()))
    };
    let guard = {
        let ran = Arc::clone(&sibling_ran);
        handle.on_interrupt(move || {
            ran.fetch_add(1, Ordering::SeqCst);
        })
    };
    *sibling.lock().unwrap() = Some(guard);
    handle.interrupt();
    assert_eq!(
        sibling_ran.load(Ordering::SeqCst),
        0,
        "the dropped sibling ran"
    );
}

#[test]
fn a_deep_chain_of_children_is_requested_without_overflowing_the_stack() {
    let root = InterruptHandle::new();
    let leaf = gracefully::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let mut chain = vec![root.clone()];
            for _ in 0..10_000 {
                let child = chain.last().unwrap().child();
                chain.push(child);
            }
            root.interrupt();
            let leaf = chain.last().unwrap();
            (
                leaf.is_interrupted(),
                chain.iter().all(InterruptHandle::is_interrupted),
            )
        })
        .unwrap();
    let (leaf, all) = join_within(leaf, "the requester").unwrap();
    assert!(leaf && all, "the request did not reach the whole chain");
}

#[test]
fn a_dropped_deadline_never_lands_after_its_drop_returned() {
    let mut rng = Rng::new(29);
    let late = Arc::new(AtomicU32::new(0));
    // Without the wait in the drop, 70 of 50,000 rounds landed late here.
    for _ in 0..10_000 {
        let handle = InterruptHandle::new();
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let guard = {
            let (dropped, late) = (Arc::clone(&dropped), Arc::clone(&late));
            // Runs inside the deadline's request, on the timer thread.
            handle.on_interrupt(move || {
                if dropped.load(Ordering::SeqCst) {
                    late.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        let deadline = handle.interrupt_after(Duration::from_micros(rng.below(20)));
        rng.spin(20_000);
        drop(deadline);
        dropped.store(true, Ordering::SeqCst);
        drop(guard); // waits for the callback if it is running
    }
    assert_eq!(
        late.load(Ordering::SeqCst),
        0,
        "requests landed after the drop"
    );
}

#[test]
fn a_slow_deadline_callback_does_not_delay_another_deadline() {
    // The first deadline's callback returns only once the second deadline
    // has fired: with the two sharing one thread, it never would.
    let (fired, second_fired) = std::sync::mpsc::channel::<()>();
    let slow = InterruptHandle::new();
    let waited = Arc::new(AtomicU32::new(0));
    let _slow_callback = {
        let waited = Arc::clone(&waited);
        slow.on_interrupt(move || {
            if second_fired.recv_timeout(common::STOP_BOUND).is_ok() {
                waited.store(1, Ordering::SeqCst);
            }
        })
    };
    let other = InterruptHandle::new();
    let _other_callback = other.on_interrupt(move || {
        let _ = fired.send(());
    });
    let _slow_deadline = slow.interrupt_after(Duration::from_millis(1));
    let _other_deadline = other.interrupt_after(Duration::from_millis(50));
    let start = std::time::Instant::now();
    while waited.load(Ordering::SeqCst) == 0 {
        assert!(
            start.elapsed() < common::STOP_BOUND,
            "the second deadline waited for the first one's callback"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(other.is_interrupted());
}

#[test]
fn children_carry_their_parents_cause_also_when_attached_later() {
    let root = InterruptHandle::new();
    let child = root.child();
    let grandchild = child.child();
    let _deadline = root.interrupt_after(Duration::from_millis(1));
    let worker = gracefully::spawn({
        let grandchild = grandchild.clone();
        move || grandchild.enter(|| gracefully::sleep(Duration::from_hours(1)))
    });
    let exit = join_within(worker, "grandchild").unwrap().unwrap_err();
    assert_eq!(exit.cause(), Cause::Deadline);
    assert_eq!(child.cause(), Some(Cause::Deadline));
    assert_eq!(root.child().cause(), Some(Cause::Deadline));
    assert!(
        !root.interrupt(),
        "a request was pending: this call made none"
    );
}

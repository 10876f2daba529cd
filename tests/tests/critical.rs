//! Rule 1: a request is never delivered inside a critical section, and never
//! lost: it is delivered at the first interruption point after the outermost
//! section closes.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Rng, STOP_BOUND, join_within};
use gracefully::Cause;

#[test]
fn a_request_inside_nested_sections_is_delivered_after_the_outermost_closes() {
    gracefully::spawn(|| {
        let outer = gracefully::critical_section();
        {
            let _inner = gracefully::critical_section();
            gracefully::current().interrupt();
            assert!(gracefully::check().is_ok());
        }
        assert!(
            gracefully::check().is_ok(),
            "the outer section is still open"
        );
        assert!(gracefully::interruption_requested());
        drop(outer);
        assert_eq!(
            gracefully::check().map_err(|e| e.cause()),
            Err(Cause::Interrupted)
        );
    })
    .join()
    .unwrap();
}

#[test]
fn waits_inside_a_section_run_to_their_normal_end() {
    gracefully::spawn(|| {
        let section = gracefully::critical_section();
        gracefully::current().interrupt();
        assert!(gracefully::sleep(Duration::from_millis(5)).is_ok());
        assert!(gracefully::park_timeout(Duration::from_millis(5)).is_ok());
        let lock = std::sync::Mutex::new(());
        let condvar = std::sync::Condvar::new();
        let (_guard, result) =
            gracefully::wait_timeout(&condvar, lock.lock().unwrap(), Duration::from_millis(5))
                .unwrap();
        assert!(result.timed_out());
        drop(section);
        assert!(gracefully::sleep(Duration::from_hours(1)).is_err());
    })
    .join()
    .unwrap();
}

#[test]
fn clear_inside_a_section_resets_the_request_and_keeps_the_section() {
    gracefully::spawn(|| {
        let section = gracefully::critical_section();
        gracefully::current().interrupt();
        assert!(gracefully::clear().is_some());
        gracefully::current().interrupt();
        assert!(gracefully::check().is_ok());
        assert!(gracefully::interruption_requested());
        drop(section);
        assert!(gracefully::check().is_err());
    })
    .join()
    .unwrap();
}

/// Thousands of requests race with a thread that keeps opening and closing
/// (nested) sections. Each request must be delivered exactly once, outside.
#[test]
fn racing_requests_are_never_delivered_inside_and_never_lost() {
    const ROUNDS: usize = 5_000;
    let delivered = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&delivered);
    let worker = gracefully::spawn(move || {
        let mut rng = Rng::new(7);
        let mut count = 0;
        while count < ROUNDS {
            {
                let _section = gracefully::critical_section();
                for _ in 0..rng.below(8) {
                    assert!(gracefully::check().is_ok(), "delivered inside a section");
                    if rng.below(4) == 0 {
                        let _nested = gracefully::critical_section();
                        assert!(gracefully::check().is_ok(), "delivered inside a section");
                    }
                    rng.spin(64);
                }
                assert!(gracefully::park_timeout(Duration::ZERO).is_ok());
            }
            let was_requested = gracefully::interruption_requested();
            match gracefully::check() {
                Err(exit) => {
                    assert_eq!(exit.cause(), Cause::Interrupted);
                    assert!(gracefully::clear().is_some());
                    count += 1;
                    seen.store(count, Ordering::Release);
                }
                Ok(()) => assert!(
                    !was_requested,
                    "a pending request was not delivered at the first point outside"
                ),
            }
        }
        count
    });
    let mut rng = Rng::new(11);
    for round in 1..=ROUNDS {
        rng.spin(512);
        worker.interrupt();
        let deadline = Instant::now() + STOP_BOUND;
        while delivered.load(Ordering::Acquire) < round {
            assert!(Instant::now() < deadline, "request {round} was lost");
            std::thread::yield_now();
        }
    }
    assert_eq!(join_within(worker, "sections").unwrap(), ROUNDS);
}

#[test]
fn a_sleep_in_a_shared_scope_is_woken_when_another_threads_section_closes() {
    gracefully::spawn(|| {
        common::a_shared_scope_wait_is_woken_when_the_section_closes(
            || gracefully::sleep(Duration::from_mins(1)),
            "sleep",
        );
    })
    .join()
    .unwrap();
}

#[test]
fn a_park_in_a_shared_scope_is_woken_when_another_threads_section_closes() {
    gracefully::spawn(|| {
        common::a_shared_scope_wait_is_woken_when_the_section_closes(
            || loop {
                gracefully::park()?;
            },
            "park",
        );
    })
    .join()
    .unwrap();
}

#[test]
fn a_condvar_wait_in_a_shared_scope_is_woken_when_another_threads_section_closes() {
    gracefully::spawn(|| {
        common::a_shared_scope_wait_is_woken_when_the_section_closes(
            || {
                let lock = std::sync::Mutex::new(());
                let condvar = std::sync::Condvar::new();
                let mut guard = lock.lock().unwrap();
                loop {
                    guard = gracefully::wait(&condvar, guard)?;
                }
            },
            "wait",
        );
    })
    .join()
    .unwrap();
}

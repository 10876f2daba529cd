//! `park` and `park_timeout`: rules 2 and 3.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Rng, join_within};
use gracefully::Cause;

#[test]
fn park_returns_exit_when_interrupted_during_the_call() {
    let worker = gracefully::spawn(|| {
        loop {
            gracefully::park()?;
        }
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    let stopped: Result<(), gracefully::ThreadExit> = join_within(worker, "parker").unwrap();
    assert_eq!(stopped.unwrap_err().cause(), Cause::Interrupted);
}

#[test]
fn park_timeout_returns_exit_when_interrupted_during_the_call() {
    let worker = gracefully::spawn(|| {
        loop {
            gracefully::park_timeout(Duration::from_hours(1))?;
        }
    });
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    let stopped: Result<(), gracefully::ThreadExit> = join_within(worker, "parker").unwrap();
    assert!(stopped.is_err());
}

#[test]
fn a_pending_request_does_not_use_up_the_park_token() {
    let worker = gracefully::spawn(|| {
        std::thread::current().unpark();
        gracefully::current().interrupt();
        assert!(gracefully::park().is_err());
        gracefully::clear();
        // The token is still there, so this returns without another unpark.
        gracefully::park()
    });
    assert!(join_within(worker, "parker").unwrap().is_ok());
}

#[test]
fn park_is_still_woken_by_unpark() {
    let worker = gracefully::spawn(gracefully::park);
    std::thread::sleep(Duration::from_millis(10));
    worker.thread().unpark();
    assert!(join_within(worker, "parker").unwrap().is_ok());
}

/// A noise thread unparks the worker nonstop, so it keeps re-entering
/// `park`; the request lands at random moments, including the instant
/// between the flag check and the park itself.
#[test]
fn park_is_woken_by_a_request_racing_with_the_start_of_the_park() {
    let mut rng = Rng::new(5);
    for _ in 0..300 {
        let worker = gracefully::spawn(|| {
            loop {
                gracefully::park()?;
            }
        });
        let stop = Arc::new(AtomicBool::new(false));
        let noise = {
            let stop = Arc::clone(&stop);
            let target = worker.thread().clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    target.unpark();
                    std::thread::yield_now();
                }
            })
        };
        rng.spin(20_000);
        worker.interrupt();
        let stopped: Result<(), gracefully::ThreadExit> = join_within(worker, "parker").unwrap();
        assert!(stopped.is_err());
        stop.store(true, Ordering::Relaxed);
        noise.join().unwrap();
    }
}

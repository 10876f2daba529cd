//! `sleep`: rules 2 and 3.

mod common;

use std::time::Duration;

use common::{Rng, join_within};
use gracefully::Cause;

const HOUR: Duration = Duration::from_hours(1);

#[test]
fn sleep_returns_exit_when_interrupted_during_the_call() {
    let worker = gracefully::spawn(|| gracefully::sleep(HOUR));
    std::thread::sleep(Duration::from_millis(20));
    worker.interrupt();
    let exit = join_within(worker, "sleeper").unwrap().unwrap_err();
    assert_eq!(exit.cause(), Cause::Interrupted);
}

#[test]
fn sleep_returns_exit_when_interrupted_before_the_call() {
    let worker = gracefully::spawn(|| {
        gracefully::current().interrupt();
        (gracefully::sleep(HOUR), gracefully::sleep(Duration::ZERO))
    });
    let (long, zero) = join_within(worker, "sleeper").unwrap();
    assert!(long.is_err());
    assert!(zero.is_err(), "a zero sleep is an interruption point too");
}

#[test]
fn sleep_without_a_request_sleeps_at_least_its_duration() {
    let start = std::time::Instant::now();
    gracefully::spawn(|| gracefully::sleep(Duration::from_millis(30)))
        .join()
        .unwrap()
        .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[test]
fn sleep_is_woken_by_a_request_at_any_moment() {
    let mut rng = Rng::new(3);
    for _ in 0..300 {
        let worker = gracefully::spawn(|| -> Result<(), gracefully::ThreadExit> {
            loop {
                gracefully::sleep(Duration::from_micros(50))?;
                gracefully::sleep(HOUR)?;
            }
        });
        rng.spin(20_000);
        worker.interrupt();
        let stopped = join_within(worker, "sleeper").unwrap();
        assert!(stopped.is_err());
    }
}

#[test]
fn an_unpark_during_sleep_neither_ends_it_nor_is_lost() {
    let worker = gracefully::spawn(|| {
        gracefully::sleep(Duration::from_millis(50)).unwrap();
        // The unpark that arrived during the sleep is still there.
        std::thread::park();
    });
    std::thread::sleep(Duration::from_millis(10));
    worker.thread().unpark();
    join_within(worker, "sleeper").unwrap();
}

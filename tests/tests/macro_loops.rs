//! `#[interruptible]` and `critical!` at run time: instrumented loops stop
//! when interrupted, and only where they should.

// Some instrumented functions here have every loop left unchecked on
// purpose, so their `Result` is not needed.
#![allow(clippy::unnecessary_wraps)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::join_within;
use gracefully::{Cause, JoinError, ThreadExit, critical, interruptible};

/// Spins in `f` until interrupted; `progress` counts iterations so the
/// test can wait until the loop is running.
fn stops_when_interrupted<T: Send + 'static>(
    f: impl FnOnce(Arc<AtomicU64>) -> T + Send + 'static,
) -> T {
    let progress = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&progress);
    let worker = gracefully::spawn(move || f(seen));
    while progress.load(Ordering::Relaxed) < 10 {
        std::thread::yield_now();
    }
    worker.interrupt();
    join_within(worker, "instrumented loop").unwrap()
}

#[interruptible]
fn spin_loop(progress: &AtomicU64) -> Result<(), ThreadExit> {
    loop {
        progress.fetch_add(1, Ordering::Relaxed);
    }
}

#[interruptible]
fn spin_while(progress: &AtomicU64) -> Result<(), ThreadExit> {
    while progress.load(Ordering::Relaxed) < u64::MAX {
        progress.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

#[interruptible]
fn spin_while_let(progress: &AtomicU64) -> Result<(), ThreadExit> {
    let mut next = Some(0u64);
    while let Some(n) = next {
        progress.fetch_add(1, Ordering::Relaxed);
        next = n.checked_add(1);
    }
    Ok(())
}

#[interruptible]
fn spin_for(progress: &AtomicU64) -> Result<(), ThreadExit> {
    for _ in 0..u64::MAX {
        progress.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

#[interruptible]
fn spin_inner_loop(progress: &AtomicU64) -> Result<(), ThreadExit> {
    // The outer loop never iterates twice: only the inner checkpoint can
    // stop this.
    #[allow(clippy::never_loop)]
    'outer: loop {
        loop {
            progress.fetch_add(1, Ordering::Relaxed);
            if progress.load(Ordering::Relaxed) == u64::MAX {
                break 'outer;
            }
        }
    }
    Ok(())
}

#[test]
fn every_kind_of_loop_stops_when_interrupted() {
    type Spin = fn(&AtomicU64) -> Result<(), ThreadExit>;
    let spins: [Spin; 5] = [
        spin_loop,
        spin_while,
        spin_while_let,
        spin_for,
        spin_inner_loop,
    ];
    for spin in spins {
        let exit = stops_when_interrupted(move |p| spin(&p)).unwrap_err();
        assert_eq!(exit.cause(), Cause::Interrupted);
    }
}

#[interruptible(every = 1000)]
fn spin_every(progress: &AtomicU64) -> Result<(), ThreadExit> {
    loop {
        progress.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn every_n_still_stops_the_loop() {
    assert!(stops_when_interrupted(|p| spin_every(&p)).is_err());
}

#[interruptible(every = 4)]
fn count_iterations_with_a_request_pending(n: u64) -> Result<u64, ThreadExit> {
    let mut done = 0;
    for _ in 0..n {
        done += 1;
    }
    Ok(done)
}

#[test]
fn every_n_checks_on_the_nth_iteration() {
    gracefully::spawn(|| {
        gracefully::current().interrupt();
        // Three iterations run unchecked; the fourth checks.
        assert_eq!(count_iterations_with_a_request_pending(3), Ok(3));
        assert!(count_iterations_with_a_request_pending(4).is_err());
    })
    .join()
    .unwrap();
}

#[interruptible(unwind)]
fn spin_unwinding(progress: &AtomicU64) -> u64 {
    loop {
        progress.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn an_unwinding_loop_joins_as_interrupted() {
    let progress = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&progress);
    let worker = gracefully::spawn(move || spin_unwinding(&seen));
    while progress.load(Ordering::Relaxed) < 10 {
        std::thread::yield_now();
    }
    worker.interrupt();
    match join_within(worker, "unwinding loop") {
        Err(JoinError::Interrupted(exit)) => assert_eq!(exit.cause(), Cause::Interrupted),
        other => panic!("expected an interrupted join, got {other:?}"),
    }
}

#[interruptible]
fn marked_loop_runs_to_its_end(n: u32) -> Result<u32, ThreadExit> {
    let mut done = 0;
    #[no_checkpoint]
    for _ in 0..n {
        done += 1;
    }
    Ok(done)
}

#[interruptible]
fn closures_keep_their_loops_unchecked() -> Result<u32, ThreadExit> {
    let count = || {
        let mut n = 0;
        while n < 5 {
            n += 1;
        }
        n
    };
    Ok(count())
}

#[test]
fn unchecked_loops_ignore_a_pending_request() {
    gracefully::spawn(|| {
        gracefully::current().interrupt();
        assert_eq!(marked_loop_runs_to_its_end(100), Ok(100));
        assert_eq!(closures_keep_their_loops_unchecked(), Ok(5));
        assert!(spin_for(&AtomicU64::new(0)).is_err());
    })
    .join()
    .unwrap();
}

#[interruptible]
fn checks_outside_the_section_only(progress: &AtomicU64) -> Result<u64, ThreadExit> {
    // A macro invocation is opaque to the attribute, so this loop has no
    // inserted checkpoint; the explicit `check()` inside the section passes.
    let in_section = critical! {
        let mut n = 0;
        while n < 100 {
            if n == 0 {
                gracefully::current().interrupt();
            }
            gracefully::check()?;
            progress.fetch_add(1, Ordering::Relaxed);
            n += 1;
        }
        n
    };
    for _ in 0..1 {
        // The first checkpoint after the section delivers the request.
        progress.fetch_add(1000, Ordering::Relaxed);
    }
    Ok(in_section)
}

#[test]
fn checkpoints_inside_critical_pass_and_the_next_one_delivers() {
    let worker = gracefully::spawn(|| {
        let progress = AtomicU64::new(0);
        let result = checks_outside_the_section_only(&progress);
        (result, progress.load(Ordering::Relaxed))
    });
    let (result, progress) = join_within(worker, "section").unwrap();
    assert!(result.is_err(), "delivered at the loop after the section");
    assert_eq!(progress, 100, "the section ran to its end");
}

#[test]
fn an_instrumented_thread_sleeping_in_a_loop_wakes_at_once() {
    #[interruptible]
    fn poll_forever() -> Result<(), ThreadExit> {
        loop {
            gracefully::sleep(Duration::from_hours(1))?;
        }
    }
    let worker = gracefully::spawn(poll_forever);
    std::thread::sleep(Duration::from_millis(10));
    worker.interrupt();
    assert!(join_within(worker, "sleeper").unwrap().is_err());
}

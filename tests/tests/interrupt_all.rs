//! `interrupt_all` reaches every live scope, whatever it is blocked in,
//! a `cleanup` shielded from an earlier request included.
//!
//! One test in this binary: `interrupt_all` would reach the threads of any
//! test running beside it.

mod common;

use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::time::Duration;

use common::join_within;
use gracefully::{Cause, ThreadExit};

#[test]
fn interrupt_all_stops_threads_in_every_kind_of_wait() {
    type Work = fn() -> Result<(), ThreadExit>;
    // The test thread has not used the library yet: it is reached all the
    // same.
    let kinds: [Work; 5] = [
        || gracefully::sleep(Duration::from_hours(1)),
        || loop {
            gracefully::park()?;
        },
        || loop {
            gracefully::park_timeout(Duration::from_hours(1))?;
        },
        || {
            let lock = Mutex::new(());
            let condvar = Condvar::new();
            let mut guard = lock.lock().unwrap();
            loop {
                guard = gracefully::wait(&condvar, guard)?;
            }
        },
        || loop {
            gracefully::check()?;
            std::thread::yield_now();
        },
    ];
    let started = Arc::new(Barrier::new(kinds.len() * 4 + 1));
    let workers: Vec<_> = (0..4)
        .flat_map(|_| kinds)
        .map(|work| {
            let started = Arc::clone(&started);
            gracefully::spawn(move || {
                started.wait();
                work()
            })
        })
        .collect();
    // A worker stopped by a request of its own, cleaning up: the cleanup
    // is shielded from that request, not from `interrupt_all`.
    let (in_cleanup, cleaning) = std::sync::mpsc::channel();
    let cleaner = gracefully::spawn(move || {
        let _ = gracefully::sleep(Duration::from_hours(1));
        gracefully::cleanup(Duration::from_hours(1), || {
            in_cleanup.send(()).unwrap();
            gracefully::sleep(Duration::from_hours(1))
        })
    });
    cleaner.interrupt();
    cleaning.recv().unwrap();
    started.wait();
    let job = gracefully::InterruptHandle::new();

    gracefully::interrupt_all();

    assert!(job.is_interrupted());
    let in_cleanup_exit = join_within(cleaner, "cleaner").unwrap();
    assert_eq!(in_cleanup_exit.unwrap_err().cause(), Cause::All);
    for worker in workers {
        let exit = join_within(worker, "worker").unwrap().unwrap_err();
        assert_eq!(exit.cause(), Cause::All);
    }
    // The test thread's own scope was reached too.
    assert_eq!(gracefully::clear().map(|e| e.cause()), Some(Cause::All));
}

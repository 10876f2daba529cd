//! `interrupt_all` reaches every live scope, whatever it is blocked in.
//!
//! One test in this binary: `interrupt_all` would reach the threads of any
//! test running beside it.

mod common;

use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::time::Duration;

use common::join_within;
use interrupt::{Cause, ThreadExit};

#[test]
fn interrupt_all_stops_threads_in_every_kind_of_wait() {
    type Work = fn() -> Result<(), ThreadExit>;
    let _ = interrupt::current(); // give the test thread a scope too
    let kinds: [Work; 5] = [
        || interrupt::sleep(Duration::from_hours(1)),
        || loop {
            interrupt::park()?;
        },
        || loop {
            interrupt::park_timeout(Duration::from_hours(1))?;
        },
        || {
            let lock = Mutex::new(());
            let condvar = Condvar::new();
            let mut guard = lock.lock().unwrap();
            loop {
                guard = interrupt::wait(&condvar, guard)?;
            }
        },
        || loop {
            interrupt::check()?;
            std::thread::yield_now();
        },
    ];
    let started = Arc::new(Barrier::new(kinds.len() * 4 + 1));
    let workers: Vec<_> = (0..4)
        .flat_map(|_| kinds)
        .map(|work| {
            let started = Arc::clone(&started);
            interrupt::spawn(move || {
                started.wait();
                work()
            })
        })
        .collect();
    started.wait();
    let job = interrupt::InterruptHandle::new();

    interrupt::interrupt_all();

    assert!(job.is_interrupted());
    for worker in workers {
        let exit = join_within(worker, "worker").unwrap().unwrap_err();
        assert_eq!(exit.cause(), Cause::All);
    }
    // The test thread's own scope was reached too.
    assert_eq!(interrupt::clear().map(|e| e.cause()), Some(Cause::All));
}

//! Rule 5: scopes of exited threads leave the registry, and requests to
//! finished threads or dropped scopes are no-ops.
//!
//! One test in this binary: the registry is process-wide, so a test running
//! beside it would change the count it checks.

mod common;

use common::join_within;

#[test]
fn scopes_of_exited_threads_leave_the_registry() {
    let _ = gracefully::current(); // the test thread's own scope, made now
    let before = gracefully::live_scopes();

    // Threads made by `spawn`, some interrupted while running.
    let mut handles = Vec::new();
    for round in 0..200 {
        let worker = gracefully::spawn(move || {
            if round % 2 == 0 {
                let _ = gracefully::park();
            }
        });
        handles.push(worker.handle().clone());
        if round % 2 == 0 {
            worker.interrupt();
        }
        join_within(worker, "worker").unwrap();
    }
    assert_eq!(
        gracefully::live_scopes(),
        before + 200,
        "handles keep their scopes"
    );
    for handle in &handles {
        handle.interrupt(); // finished threads: no-ops
    }
    drop(handles);
    assert_eq!(gracefully::live_scopes(), before);

    // Plain std threads whose scope is made on first use.
    for _ in 0..100 {
        std::thread::spawn(|| {
            let _ = gracefully::check();
            gracefully::current().interrupt();
        })
        .join()
        .unwrap();
    }
    assert_eq!(gracefully::live_scopes(), before);

    // Condvar waits leave repeated notifications behind on the timer; they
    // hold no scope.
    for _ in 0..50 {
        let worker = gracefully::spawn(|| {
            let lock = std::sync::Mutex::new(());
            let condvar = std::sync::Condvar::new();
            gracefully::wait(&condvar, lock.lock().unwrap()).map(drop)
        });
        std::thread::sleep(std::time::Duration::from_millis(1));
        worker.interrupt();
        assert!(join_within(worker, "waiter").unwrap().is_err());
    }
    assert_eq!(gracefully::live_scopes(), before);

    // Handles made for tasks or jobs.
    let jobs: Vec<_> = (0..100)
        .map(|_| gracefully::InterruptHandle::new())
        .collect();
    assert_eq!(gracefully::live_scopes(), before + 100);
    drop(jobs);
    assert_eq!(gracefully::live_scopes(), before);
}

//! `wait`, `wait_while`, `wait_timeout`: rules 2 and 3, and no lost wake-up.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use common::{Rng, join_within};
use gracefully::{Cause, JoinHandle, ThreadExit};

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    condvar: Condvar,
}

#[derive(Default)]
struct State {
    waiting: bool,
    ready: bool,
}

/// Spawns a worker that sets `waiting` under the shared mutex and then calls
/// `wait` with the guard, so that [`lock_when_waiting`] knows when it is in
/// its wait.
fn spawn_waiter<R: Send + 'static>(
    wait: impl FnOnce(&Shared, MutexGuard<'_, State>) -> R + Send + 'static,
) -> (Arc<Shared>, JoinHandle<R>) {
    let shared = Arc::new(Shared::default());
    let inside = Arc::clone(&shared);
    let worker = gracefully::spawn(move || {
        let mut state = inside.state.lock().unwrap();
        state.waiting = true;
        wait(&inside, state)
    });
    (shared, worker)
}

/// Locks the shared mutex once the worker is inside its wait: it sets
/// `waiting` under the mutex and only releases the mutex in the wait.
fn lock_when_waiting(shared: &Shared) -> MutexGuard<'_, State> {
    loop {
        let state = shared.state.lock().unwrap();
        if state.waiting {
            return state;
        }
        drop(state);
        std::thread::yield_now();
    }
}

#[test]
fn wait_returns_exit_when_interrupted_during_the_call() {
    let (shared, worker) = spawn_waiter(|shared, mut state| -> Result<(), ThreadExit> {
        while !state.ready {
            state = gracefully::wait(&shared.condvar, state)?;
        }
        Ok(())
    });
    drop(lock_when_waiting(&shared));
    worker.interrupt();
    let exit = join_within(worker, "waiter").unwrap().unwrap_err();
    assert_eq!(exit.cause(), Cause::Interrupted);
}

#[test]
fn wait_returns_exit_at_once_when_interrupted_before_the_call() {
    let worker = gracefully::spawn(|| {
        let lock = Mutex::new(());
        let condvar = Condvar::new();
        gracefully::current().interrupt();
        let wait = gracefully::wait(&condvar, lock.lock().unwrap()).is_err();
        let wait_while = gracefully::wait_while(&condvar, lock.lock().unwrap(), |()| true).is_err();
        let timeout =
            gracefully::wait_timeout(&condvar, lock.lock().unwrap(), Duration::from_hours(1))
                .is_err();
        // Not even a wait whose condition already holds is started.
        let satisfied = gracefully::wait_while(&condvar, lock.lock().unwrap(), |()| false).is_err();
        [wait, wait_while, timeout, satisfied]
    });
    assert_eq!(join_within(worker, "waiter").unwrap(), [true; 4]);
}

#[test]
fn wait_while_returns_exit_when_interrupted_during_the_call() {
    let (shared, worker) = spawn_waiter(|shared, state| {
        gracefully::wait_while(&shared.condvar, state, |s| !s.ready).map(drop)
    });
    drop(lock_when_waiting(&shared));
    worker.interrupt();
    assert!(join_within(worker, "waiter").unwrap().is_err());
}

#[test]
fn wait_timeout_returns_exit_when_interrupted_during_the_call() {
    let (shared, worker) = spawn_waiter(|shared, state| {
        gracefully::wait_timeout(&shared.condvar, state, Duration::from_hours(1)).map(drop)
    });
    drop(lock_when_waiting(&shared));
    worker.interrupt();
    assert!(join_within(worker, "waiter").unwrap().is_err());
}

/// The requester holds the waiter's mutex while it interrupts, and makes
/// the condition true before it lets go: the wait completed, so it returns
/// its value, and the request fires at the next interruption point.
#[test]
fn a_completed_wait_while_wins_over_a_request_that_arrived_meanwhile() {
    let (shared, worker) = spawn_waiter(|shared, state| {
        let waited =
            gracefully::wait_while(&shared.condvar, state, |s| !s.ready).map(|state| state.ready);
        (waited, gracefully::check())
    });
    let mut state = lock_when_waiting(&shared);
    state.ready = true;
    worker.interrupt(); // while holding the mutex: must not deadlock
    shared.condvar.notify_all();
    drop(state);
    let (waited, next) = join_within(worker, "waiter").unwrap();
    assert_eq!(waited, Ok(true));
    assert!(next.is_err());
}

#[test]
fn user_notifications_still_wake_the_wait() {
    let (shared, worker) = spawn_waiter(|shared, state| {
        gracefully::wait_while(&shared.condvar, state, |s| !s.ready).map(drop)
    });
    lock_when_waiting(&shared).ready = true;
    shared.condvar.notify_all();
    assert!(join_within(worker, "waiter").unwrap().is_ok());
}

/// A noise thread notifies the condvar nonstop, so the worker keeps
/// re-entering `wait`; the request lands at random moments, including
/// between the flag check and `Condvar::wait`.
#[test]
fn wait_is_woken_by_a_request_racing_with_the_start_of_the_wait() {
    let mut rng = Rng::new(9);
    for _ in 0..300 {
        let shared = Arc::new(Shared::default());
        let inside = Arc::clone(&shared);
        let worker = gracefully::spawn(move || -> Result<(), ThreadExit> {
            let mut state = inside.state.lock().unwrap();
            loop {
                state = gracefully::wait(&inside.condvar, state)?;
            }
        });
        let stop = Arc::new(AtomicBool::new(false));
        let noise = {
            let stop = Arc::clone(&stop);
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    shared.condvar.notify_all();
                    std::thread::yield_now();
                }
            })
        };
        rng.spin(20_000);
        worker.interrupt();
        assert!(join_within(worker, "waiter").unwrap().is_err());
        stop.store(true, Ordering::Relaxed);
        noise.join().unwrap();
    }
}

/// Without noise, a request that lands just as the wait starts is only
/// rescued by the runtime's repeated notification.
#[test]
fn wait_is_woken_by_a_request_at_any_moment_without_other_notifications() {
    let mut rng = Rng::new(13);
    for _ in 0..300 {
        let worker = gracefully::spawn(|| -> Result<(), ThreadExit> {
            let lock = Mutex::new(());
            let condvar = Condvar::new();
            let mut guard = lock.lock().unwrap();
            loop {
                guard = gracefully::wait(&condvar, guard)?;
            }
        });
        rng.spin(20_000);
        worker.interrupt();
        assert!(join_within(worker, "waiter").unwrap().is_err());
    }
}

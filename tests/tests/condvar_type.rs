//! `gracefully::Condvar`: its waits are interruption points, keep std's
//! wake-up rules, and lose no request.

mod common;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use common::{Rng, join_within};
use gracefully::{Cause, Condvar, JoinHandle, ThreadExit};

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    condvar: Condvar,
}

#[derive(Default)]
struct State {
    waiting: usize,
    ready: bool,
}

/// Spawns a worker that counts itself in `waiting` under the mutex, then
/// calls `wait` with the guard.
fn spawn_waiter<R: Send + 'static>(
    shared: &Arc<Shared>,
    wait: impl FnOnce(&Shared, MutexGuard<'_, State>) -> R + Send + 'static,
) -> JoinHandle<R> {
    let inside = Arc::clone(shared);
    gracefully::spawn(move || {
        let mut state = inside.state.lock().unwrap();
        state.waiting += 1;
        wait(&inside, state)
    })
}

/// Locks the mutex once `n` workers are inside their waits.
fn lock_when_waiting(shared: &Shared, n: usize) -> MutexGuard<'_, State> {
    loop {
        let state = shared.state.lock().unwrap();
        if state.waiting >= n {
            return state;
        }
        drop(state);
        std::thread::yield_now();
    }
}

type Wait = fn(&Shared, MutexGuard<'_, State>) -> Result<(), ThreadExit>;

/// Each wait, looping until `ready` as a caller would.
const WAITS: [(&str, Wait); 4] = [
    ("wait", |shared, mut state| {
        while !state.ready {
            state = shared.condvar.wait(state)?;
        }
        Ok(())
    }),
    ("wait_while", |shared, state| {
        shared.condvar.wait_while(state, |s| !s.ready).map(drop)
    }),
    ("wait_timeout", |shared, mut state| {
        while !state.ready {
            state = shared
                .condvar
                .wait_timeout(state, Duration::from_hours(1))?
                .0;
        }
        Ok(())
    }),
    ("wait_timeout_while", |shared, state| {
        let (_guard, result) =
            shared
                .condvar
                .wait_timeout_while(state, Duration::from_hours(1), |s| !s.ready)?;
        assert!(!result.timed_out());
        Ok(())
    }),
];

#[test]
fn every_wait_returns_exit_when_interrupted_during_the_call() {
    for (name, wait) in WAITS {
        let shared = Arc::new(Shared::default());
        let worker = spawn_waiter(&shared, wait);
        drop(lock_when_waiting(&shared, 1));
        worker.interrupt();
        let exit = join_within(worker, name).unwrap().unwrap_err();
        assert_eq!(exit.cause(), Cause::Interrupted, "{name}");
    }
}

#[test]
fn every_wait_returns_exit_at_once_when_interrupted_before_the_call() {
    for (name, wait) in WAITS {
        let worker = gracefully::spawn(move || {
            let shared = Shared::default();
            gracefully::current().interrupt();
            wait(&shared, shared.state.lock().unwrap())
        });
        assert!(join_within(worker, name).unwrap().is_err(), "{name}");
    }
    // Not even a wait whose condition already holds is started.
    let worker = gracefully::spawn(|| {
        let (lock, condvar) = (Mutex::new(()), Condvar::new());
        gracefully::current().interrupt();
        let wait_while = condvar
            .wait_while(lock.lock().unwrap(), |()| false)
            .is_err();
        let timeout_while = condvar
            .wait_timeout_while(lock.lock().unwrap(), Duration::from_hours(1), |()| false)
            .is_err();
        [wait_while, timeout_while]
    });
    assert_eq!(join_within(worker, "satisfied waits").unwrap(), [true; 2]);
}

#[test]
fn user_notifications_wake_every_wait() {
    for (name, wait) in WAITS {
        let shared = Arc::new(Shared::default());
        let worker = spawn_waiter(&shared, wait);
        lock_when_waiting(&shared, 1).ready = true;
        shared.condvar.notify_one();
        assert!(join_within(worker, name).unwrap().is_ok(), "{name}");
    }
}

/// One of three waits on one condvar is interrupted: the others see at
/// most a spurious wake-up, keep waiting, and finish on `notify_all`.
#[test]
fn an_interrupted_wait_leaves_the_other_waits_on_the_condvar_waiting() {
    let shared = Arc::new(Shared::default());
    let workers: Vec<_> = (0..3).map(|_| spawn_waiter(&shared, WAITS[1].1)).collect();
    drop(lock_when_waiting(&shared, 3));
    workers[0].interrupt();
    let mut workers = workers.into_iter();
    assert!(
        join_within(workers.next().unwrap(), "interrupted")
            .unwrap()
            .is_err()
    );
    std::thread::sleep(Duration::from_millis(50));
    assert!(workers.as_slice().iter().all(|w| !w.is_finished()));
    shared.state.lock().unwrap().ready = true;
    shared.condvar.notify_all();
    for worker in workers {
        assert!(join_within(worker, "notified").unwrap().is_ok());
    }
}

/// The requester holds the mutex while it interrupts and makes the
/// condition true first: the wait completed, so it returns its value.
#[test]
fn a_completed_wait_while_wins_over_a_request_that_arrived_meanwhile() {
    let shared = Arc::new(Shared::default());
    let worker = spawn_waiter(&shared, |shared, state| {
        let waited = shared
            .condvar
            .wait_while(state, |s| !s.ready)
            .map(|s| s.ready);
        (waited, gracefully::check())
    });
    let mut state = lock_when_waiting(&shared, 1);
    state.ready = true;
    worker.interrupt(); // while holding the mutex: must not deadlock
    shared.condvar.notify_all();
    drop(state);
    let (waited, next) = join_within(worker, "waiter").unwrap();
    assert_eq!(waited, Ok(true));
    assert!(next.is_err());
}

#[test]
fn wait_timeout_while_times_out_with_the_condition_still_true() {
    let worker = gracefully::spawn(|| {
        let (lock, condvar) = (Mutex::new(()), Condvar::new());
        let (_guard, result) =
            condvar
                .wait_timeout_while(lock.lock().unwrap(), Duration::from_millis(20), |()| true)?;
        Ok::<_, ThreadExit>(result.timed_out())
    });
    assert_eq!(join_within(worker, "waiter").unwrap(), Ok(true));
}

/// Inside a critical section a wait is a plain one: a request does not end
/// it, a notification does, and the request is delivered after the section.
#[test]
fn inside_a_critical_section_the_wait_is_a_plain_one() {
    let shared = Arc::new(Shared::default());
    let worker = spawn_waiter(&shared, |shared, state| {
        let section = gracefully::critical_section();
        let waited = shared.condvar.wait_while(state, |s| !s.ready).map(drop);
        drop(section);
        (waited, gracefully::check())
    });
    drop(lock_when_waiting(&shared, 1));
    worker.interrupt();
    std::thread::sleep(Duration::from_millis(50));
    assert!(!worker.is_finished());
    shared.state.lock().unwrap().ready = true;
    shared.condvar.notify_all();
    let (waited, next) = join_within(worker, "waiter").unwrap();
    assert_eq!(waited, Ok(()));
    assert!(next.is_err());
}

/// A request that lands at any moment, as the wait starts or in it, with no
/// other notification: only the runtime's own can end the wait.
#[test]
fn every_wait_is_woken_by_a_request_at_any_moment() {
    let mut rng = Rng::new(17);
    for round in 0..400 {
        let (name, wait) = WAITS[round % WAITS.len()];
        let worker = gracefully::spawn(move || {
            let shared = Shared::default();
            loop {
                wait(&shared, shared.state.lock().unwrap())?;
            }
        });
        rng.spin(20_000);
        worker.interrupt();
        let outcome: Result<(), ThreadExit> = join_within(worker, name).unwrap();
        assert!(outcome.is_err(), "{name}");
    }
}

//! A panicking `on_interrupt` callback never cuts a request's fan-out
//! short: every scope is requested, every other callback runs, every
//! waiter is woken, and only then does the panic reach the requester.
//!
//! `interrupt_all` and `shutdown` reach the whole process, so each runs in
//! a child process of its own (see `common::scenario`).

#![cfg(unix)]

mod common;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::scenario::{Scenario, say, scenario_name};
use common::{join_within, wait_forever};
use gracefully::{FutureExt, InterruptHandle, OnInterrupt, ThreadExit};

/// The child's side: does nothing unless started by one of the tests below.
#[test]
fn scenario() {
    let Some(name) = scenario_name() else {
        return;
    };
    // The panics are the point: keep their messages out of the output.
    std::panic::set_hook(Box::new(|_| {}));
    let status = match name.as_str() {
        "interrupt_all" => interrupt_all(),
        "shutdown" => shutdown(),
        other => panic!("unknown scenario {other}"),
    };
    std::process::exit(status);
}

/// How many workers' closures have come to their end.
static WORKERS_DONE: AtomicUsize = AtomicUsize::new(0);

/// Sleeping workers, each spawned after a scope whose callback panics, so
/// that panicking scopes sit between them in the registry.
type Workers = Vec<gracefully::JoinHandle<Result<(), ThreadExit>>>;

/// Sleeping workers, each spawned after a scope whose callback panics, so
/// that panicking scopes sit between them in the registry; and what keeps
/// those scopes and callbacks alive.
fn workers_between_panicking_callbacks() -> (Workers, Vec<(InterruptHandle, OnInterrupt)>) {
    let mut workers = Vec::new();
    let mut bad = Vec::new();
    for n in 0..4 {
        let handle = InterruptHandle::new();
        let guard = handle.on_interrupt(move || panic!("callback {n} panics"));
        bad.push((handle, guard));
        workers.push(gracefully::spawn(|| {
            let slept = gracefully::sleep(Duration::from_hours(1));
            WORKERS_DONE.fetch_add(1, Ordering::SeqCst);
            slept
        }));
    }
    say("ready");
    (workers, bad)
}

fn interrupt_all() -> i32 {
    let (workers, _bad) = workers_between_panicking_callbacks();
    let panicked = std::panic::catch_unwind(gracefully::interrupt_all).is_err();
    say(&format!("interrupt_all panicked: {panicked}"));
    let stopped = workers
        .into_iter()
        .map(|worker| join_within(worker, "worker").unwrap().is_err())
        .filter(|stopped| *stopped)
        .count();
    say(&format!("stopped: {stopped}"));
    0
}

fn shutdown() -> i32 {
    let (workers, _bad) = workers_between_panicking_callbacks();
    let outcome = std::panic::catch_unwind(|| gracefully::shutdown(Duration::from_secs(10)));
    say(&format!("shutdown panicked: {}", outcome.is_err()));
    // The shutdown waited for the workers' closures to end before passing
    // the panic on. (`JoinHandle::is_finished` can still be false then:
    // std marks the thread finished a moment after its closure returns.)
    let finished = WORKERS_DONE.load(Ordering::SeqCst);
    say(&format!("finished: {finished}"));
    drop(workers);
    0
}

#[test]
fn interrupt_all_requests_every_scope_then_passes_on_the_first_panic() {
    let mut child = Scenario::start("interrupt_all", false);
    assert_eq!(
        child.expect("interrupt_all panicked: "),
        "interrupt_all panicked: true"
    );
    assert_eq!(child.expect("stopped: "), "stopped: 4");
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn shutdown_waits_for_every_thread_then_passes_on_the_first_panic() {
    let mut child = Scenario::start("shutdown", false);
    assert_eq!(
        child.expect("shutdown panicked: "),
        "shutdown panicked: true"
    );
    assert_eq!(child.expect("finished: "), "finished: 4");
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn a_panicking_callback_of_a_child_does_not_keep_the_parents_callbacks_from_running() {
    let parent = InterruptHandle::new();
    let child = parent.child();
    let ran = Arc::new(AtomicUsize::new(0));
    let _child_guard = child.on_interrupt(|| panic!("the child's callback panics"));
    let parent_guards: Vec<_> = (0..2)
        .map(|_| {
            let ran = Arc::clone(&ran);
            parent.on_interrupt(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| parent.interrupt())).is_err();
    assert!(panicked, "the panic did not reach the requester");
    assert_eq!(
        ran.load(Ordering::SeqCst),
        2,
        "a parent callback did not run"
    );
    // The guards of callbacks that ran drop at once, on any thread.
    let dropper = gracefully::spawn(move || drop(parent_guards));
    join_within(dropper, "dropping the parent's guards").unwrap();
}

#[test]
fn a_task_pending_on_a_scope_is_woken_when_its_callback_panics() {
    let handle = InterruptHandle::new();
    let _guard = handle.on_interrupt(|| panic!("the callback panics"));
    let task = gracefully::spawn({
        let handle = handle.clone();
        move || futures::executor::block_on(wait_forever().with_interrupt(handle))
    });
    // Until the task is pending on the scope, a request finds it at its
    // first await instead; either way it must end.
    std::thread::sleep(Duration::from_millis(20));
    assert!(std::panic::catch_unwind(AssertUnwindSafe(|| handle.interrupt())).is_err());
    let stopped = join_within(task, "the task").unwrap();
    assert!(stopped.is_err(), "the task was not woken");
}

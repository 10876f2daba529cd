//! loom models of the scope's state machine (the invariants in `scope.rs`).
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p interrupt-core --lib --release models`.
//!
//! Each model runs a request on one thread against one operation of the
//! scope's owner on another, through the runtime's own code. loom runs it
//! under every interleaving of the two threads' atomic and lock operations,
//! with each value its memory model lets a relaxed or acquire load return,
//! and without a preemption bound: the models are small enough to explore
//! whole. Each asserts the two rules: a request is never
//! delivered inside a critical section and never lost, and it wakes a
//! blocked wait. A lost wake-up leaves the owner blocked for ever, which
//! loom reports as a deadlock.
//!
//! Built under loom, the timer's delayed condvar re-notifications are made
//! back to back by the requester (loom has no clock), and the task waker slot
//! is loom's `AtomicWaker`: the models check the protocol around it, not its
//! implementation.

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Wake, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize};
use loom::thread;

use crate::condvar::{On, wait_while_in};
use crate::exit::Cause;
use crate::future::TaskEntry;
use crate::park::park_in;
use crate::scope::{Level, Scope};
use crate::sync::{Condvar, Mutex, lock};
use crate::wake::WakeOnRequest;

/// Runs `body` on the scope's owner thread under loom while a second thread
/// requests the scope with `cause`; then, with the request returned, runs
/// `after` on what `body` returned.
fn model<T: 'static>(
    cause: Cause,
    body: impl Fn(&Arc<Scope>) -> T + Sync + Send + 'static,
    after: impl Fn(&Arc<Scope>, T) + Sync + Send + 'static,
) {
    explore(move || {
        let scope = Scope::new_detached();
        let requester = {
            let scope = Arc::clone(&scope);
            thread::spawn(move || assert!(scope.request(cause), "a request was already pending"))
        };
        let outcome = body(&scope);
        requester.join().expect("the requester panicked");
        after(&scope, outcome);
    });
}

/// Runs `body` under loom, and checks that it explored more than one
/// execution: a model that found only one ordering has no race in it.
fn explore(body: impl Fn() + Sync + Send + 'static) {
    let executions = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&executions);
    loom::model(move || {
        counted.fetch_add(1, SeqCst);
        body();
    });
    let executions = executions.load(SeqCst);
    assert!(executions > 1, "explored {executions} execution");
}

/// Rule 1 around critical sections: nothing is delivered inside one, and a
/// request made at any moment is delivered at the first point after it.
#[test]
fn request_vs_critical_enter_and_exit() {
    model(
        Cause::Interrupted,
        |scope| {
            scope.enter_critical();
            scope.enter_critical();
            scope.exit_critical();
            assert_eq!(scope.check(), Ok(()), "delivered in a critical section");
            assert_eq!(scope.pending(), None, "delivered in a critical section");
            scope.exit_critical();
            // Delivered here or not yet, depending on the order.
            let _ = scope.check();
        },
        |scope, ()| {
            assert!(!scope.in_critical());
            assert!(scope.check().is_err(), "the request was lost");
        },
    );
}

/// `clear` against a request: the request is either taken by `clear` or
/// still pending, never both and never neither; the depth survives.
#[test]
fn clear_vs_request() {
    model(
        Cause::Deadline,
        |scope| {
            scope.enter_critical();
            scope.clear().map(|exit| exit.cause())
        },
        |scope, taken| {
            assert!(scope.in_critical(), "clear lost the critical depth");
            assert_eq!(taken.is_some(), !scope.is_requested());
            if let Some(cause) = taken {
                assert_eq!(cause, Cause::Deadline);
            }
            scope.exit_critical();
            assert_eq!(scope.check().is_err(), taken.is_none());
        },
    );
}

/// A callback registered as the request lands runs exactly once
/// (invariant 6).
#[test]
fn request_vs_callback_registration() {
    model(
        Cause::Interrupted,
        |scope| {
            let runs = Arc::new(AtomicUsize::new(0));
            let count = Arc::clone(&runs);
            let _ = scope.add_callback(Box::new(move || {
                count.fetch_add(1, SeqCst);
            }));
            runs
        },
        |_, runs| assert_eq!(runs.load(SeqCst), 1, "the callback was lost or ran twice"),
    );
}

/// Removing a callback as the request lands: once `remove_callback` has
/// returned, the callback has run at most once and never runs again
/// (invariant 6).
#[test]
fn request_vs_callback_removal() {
    model(
        Cause::Interrupted,
        |scope| {
            let runs = Arc::new(AtomicUsize::new(0));
            let removed = Arc::new(AtomicBool::new(false));
            let callback = {
                let (runs, removed) = (Arc::clone(&runs), Arc::clone(&removed));
                Box::new(move || {
                    assert!(!removed.load(SeqCst), "ran after its removal returned");
                    runs.fetch_add(1, SeqCst);
                })
            };
            if let Some(id) = scope.add_callback(callback) {
                scope.remove_callback(id);
            }
            removed.store(true, SeqCst);
            let after_removal = runs.load(SeqCst);
            (runs, after_removal)
        },
        |_, (runs, after_removal)| {
            assert!(after_removal <= 1, "the callback ran twice");
            assert_eq!(runs.load(SeqCst), after_removal, "ran after its removal");
        },
    );
}

/// Two tasks pending on one scope each register their waker, then read the
/// flag: the request is seen by each poll or wakes each task (invariant 5).
#[test]
fn request_vs_two_tasks_registering() {
    model(
        Cause::Interrupted,
        |scope| {
            let flags = [(); 2].map(|()| Arc::new(WakeFlag(AtomicBool::new(false))));
            let mut tasks = [TaskEntry::default(), TaskEntry::default()];
            let mut polled = [false; 2];
            for ((task, flag), polled) in tasks.iter_mut().zip(&flags).zip(&mut polled) {
                task.register(scope, &Waker::from(Arc::clone(flag)));
                *polled = scope.pending().is_some();
            }
            (polled, flags, tasks)
        },
        |scope, (polled, flags, mut tasks)| {
            for ((polled, flag), task) in polled.iter().zip(&flags).zip(&mut tasks) {
                assert!(
                    *polled || flag.0.load(SeqCst),
                    "the request was neither seen by a task nor woke it"
                );
                task.remove(scope);
            }
        },
    );
}

/// A blocking call's poke, registered as the request lands, runs or the
/// call sees the request: the call, waiting for one or the other, ends
/// (`WakeOnRequest`, invariants 2 and 9).
#[test]
fn request_vs_poke_registration() {
    model(
        Cause::Interrupted,
        |scope| {
            // As the channel receive and the I/O waits do: a request seen
            // first ends the call; after registering, only a poke does.
            if scope.pending().is_some() {
                return;
            }
            let poked = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&poked);
            let _wake = WakeOnRequest::new(scope, move || flag.store(true, SeqCst));
            while !poked.load(SeqCst) {
                thread::yield_now();
            }
        },
        |_, ()| {},
    );
}

/// A request that finds a critical section open leaves the waits alone;
/// the close of the section wakes a wait that another thread started on
/// the shared scope meanwhile (invariant 9).
#[test]
fn critical_exit_vs_request_wakes_a_shared_wait() {
    model(
        Cause::Interrupted,
        |scope| {
            scope.enter_critical();
            let job = {
                let scope = Arc::clone(scope);
                thread::spawn(move || while park_in(&scope, thread::park).is_ok() {})
            };
            scope.exit_critical();
            job.join().expect("the job panicked");
        },
        |scope, ()| assert!(scope.check().is_err(), "the request was lost"),
    );
}

/// Callbacks take turns: dropping the guard of a callback that has not
/// started does not wait for the one running, and the dropped one never
/// starts (invariant 6).
#[test]
fn removing_a_callback_that_has_not_started_while_another_runs() {
    explore(move || {
        let scope = Scope::new_detached();
        let released = Arc::new(AtomicBool::new(false));
        let second_ran = Arc::new(AtomicBool::new(false));
        // The first callback returns only once the owner has removed the
        // second: had the second been marked running with the first, its
        // removal would wait for it, and it for the first: a deadlock.
        let first = {
            let released = Arc::clone(&released);
            scope.add_callback(Box::new(move || {
                while !released.load(SeqCst) {
                    thread::yield_now();
                }
            }))
        };
        let second = {
            let ran = Arc::clone(&second_ran);
            scope.add_callback(Box::new(move || ran.store(true, SeqCst)))
        };
        let requester = {
            let scope = Arc::clone(&scope);
            thread::spawn(move || scope.request(Cause::Interrupted))
        };
        scope.remove_callback(second.expect("registered before the request"));
        released.store(true, SeqCst);
        requester.join().expect("the requester panicked");
        scope.remove_callback(first.expect("registered before the request"));
        assert!(!second_ran.load(SeqCst), "a removed callback started");
    });
}

/// A panicking callback does not stop the fan-out: the scope's other
/// callback runs, its child is requested and the child's wait is woken;
/// then the requester gets the panic (invariant 1 of `fanout.rs`).
#[test]
fn a_panicking_callback_does_not_stop_the_fan_out() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // the panics are expected
    explore(move || {
        let parent = Scope::new_detached();
        let child = Scope::new_detached();
        parent.add_child(&child);
        let ran = Arc::new(AtomicUsize::new(0));
        let guards = [0, 1].map(|i| {
            let ran = Arc::clone(&ran);
            parent.add_callback(Box::new(move || {
                ran.fetch_add(1, SeqCst);
                assert!(i != 0, "the first callback panics");
            }))
        });
        let requester = {
            let parent = Arc::clone(&parent);
            thread::spawn(move || {
                std::panic::catch_unwind(|| parent.request(Cause::Interrupted)).is_err()
            })
        };
        while park_in(&child, thread::park).is_ok() {}
        assert!(requester.join().expect("joined"), "the panic was lost");
        assert_eq!(ran.load(SeqCst), 2, "a callback did not run");
        for id in guards.into_iter().flatten() {
            parent.remove_callback(id);
        }
    });
    std::panic::set_hook(hook);
}

/// A park wait starting as the request lands is woken or never blocks
/// (invariant 2).
#[test]
fn request_vs_park_wait() {
    model(
        Cause::Interrupted,
        // As with std's `park`, callers loop: a wake-up may be spurious.
        |scope| while park_in(scope, thread::park).is_ok() {},
        |_, ()| {},
    );
}

/// A condvar wait starting as the request lands is woken or never blocks,
/// including when the notification lands between its flag check and its
/// blocking (invariants 2, 3 and 4).
#[test]
fn request_vs_condvar_wait() {
    model(
        Cause::Interrupted,
        |scope| {
            let mutex = Mutex::new(());
            let condvar = Condvar::new();
            wait_while_in(scope, On::Borrowed(&condvar), lock(&mutex), |()| true).is_err()
        },
        |_, interrupted| assert!(interrupted, "the wait ended without the request"),
    );
}

/// A wait on a shared condvar (a `gracefully::Condvar`'s) starting as the
/// request lands is woken or never blocks, though the requester notifies
/// it without `notifying` (invariants 2, 3 and 4).
#[test]
fn request_vs_shared_condvar_wait() {
    model(
        Cause::Interrupted,
        |scope| {
            let mutex = Mutex::new(());
            let condvar = Arc::new(Condvar::new());
            wait_while_in(scope, On::Shared(&condvar), lock(&mutex), |()| true).is_err()
        },
        |_, interrupted| assert!(interrupted, "the wait ended without the request"),
    );
}

/// A condvar wait that ends on its own as the request lands: once it has
/// returned, no notification of its condvar is in flight, so the condvar
/// may be dropped (invariant 3).
#[test]
fn request_vs_wait_leaving() {
    model(
        Cause::Interrupted,
        |scope| {
            let mutex = Mutex::new(());
            let condvar = Condvar::new();
            let _ = wait_while_in(scope, On::Borrowed(&condvar), lock(&mutex), |()| false);
            scope.notifying()
        },
        |_, in_flight| {
            assert_eq!(
                in_flight, 0,
                "the condvar is notified after its wait returned"
            );
        },
    );
}

/// A child attached as its parent is requested is requested too, and its
/// wait is woken (invariant 7).
#[test]
fn child_attach_vs_parent_request() {
    model(
        Cause::Interrupted,
        |parent| {
            let child = Scope::new_detached();
            parent.add_child(&child);
            while park_in(&child, thread::park).is_ok() {}
            child.clear().map(|exit| exit.cause())
        },
        |_, cause| assert_eq!(cause, Some(Cause::Interrupted)),
    );
}

/// A level whose state loom tracks: a `WakeFd` without the descriptor.
struct FlagLevel(AtomicBool);

impl Level for FlagLevel {
    fn raise(&self) {
        self.0.store(true, SeqCst);
    }

    fn lower(&self) {
        self.0.store(false, SeqCst);
    }
}

fn flag_level(scope: &Scope) -> Arc<FlagLevel> {
    let level = Arc::new(FlagLevel(AtomicBool::new(false)));
    scope.add_level(Arc::clone(&level) as Arc<dyn Level>);
    level
}

/// A level registered as the request lands, or cleared as it lands, ends
/// raised exactly when the request is pending (invariant 10).
#[test]
fn request_vs_level_registration_and_clear() {
    model(
        Cause::Interrupted,
        |scope| {
            let level = flag_level(scope);
            scope.clear();
            level
        },
        |scope, level| assert_eq!(level.0.load(SeqCst), scope.is_requested()),
    );
}

/// A new request that lands while `clear` lowers the levels of the old one
/// leaves them raised (invariant 10).
#[test]
fn new_request_vs_clear_lowering_levels() {
    explore(move || {
        let scope = Scope::new_detached();
        let level = flag_level(&scope);
        scope.request(Cause::Deadline);
        assert!(
            level.0.load(SeqCst),
            "a deliverable request left it lowered"
        );
        let requester = {
            let scope = Arc::clone(&scope);
            thread::spawn(move || scope.request(Cause::Interrupted))
        };
        let cleared = scope.clear();
        let requested_again = requester.join().expect("the requester panicked");
        assert!(cleared.is_some());
        assert_eq!(level.0.load(SeqCst), scope.is_requested());
        assert_eq!(requested_again, scope.is_requested());
    });
}

struct WakeFlag(AtomicBool);

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

/// A task group's member woken while the group polls it (`task_group.rs`,
/// invariant 2): the poll that takes the member off the queue sees what
/// the wake-up announced, or the wake-up queues the member again. With
/// relaxed swaps of `queued`, loom finds the poll that sees neither.
#[test]
fn member_wake_vs_group_poll() {
    use crate::task_queue::{MemberWaker, Queue};
    explore(move || {
        let queue = Arc::new(Queue::default());
        let member = MemberWaker::new(0, Arc::clone(&queue));
        member.queue(); // a new member starts queued
        // The event the member's future waits for, set before its waker
        // is called (relaxed: only the waker's orderings may carry it).
        let event = Arc::new(AtomicBool::new(false));
        let waking = {
            let (member, event) = (Arc::clone(&member), Arc::clone(&event));
            thread::spawn(move || {
                event.store(true, std::sync::atomic::Ordering::Relaxed);
                member.queue();
            })
        };
        let waker = Waker::noop();
        assert_eq!(queue.take(waker), [0]);
        member.take_off();
        let seen = event.load(std::sync::atomic::Ordering::Relaxed);
        waking.join().expect("the waking thread panicked");
        if !seen {
            assert_eq!(queue.take(waker), [0], "the wake-up was lost");
        }
    });
}

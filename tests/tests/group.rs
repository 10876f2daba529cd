//! `gracefully::group`: the first failure stops the other threads, which
//! are all joined; stops are told apart from failures.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::Duration;

use common::join_within;
use gracefully::{Cause, Outcome, ThreadExit, critical, interruptible};

/// Runs `f` on a thread of its own, failing the test if it does not
/// return within the bound (a group that does not stop would hang it).
fn bounded<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    join_within(gracefully::spawn(f), what).expect("the test's thread panicked")
}

/// A member that sleeps until it is asked to stop.
fn sleep_until_stopped() -> Result<u32, ThreadExit> {
    loop {
        gracefully::sleep(Duration::from_mins(1))?;
    }
}

#[test]
fn one_error_stops_the_others_and_is_reported() {
    let result = bounded("error", || {
        gracefully::group(|g| {
            for _ in 0..4 {
                g.spawn(|| sleep_until_stopped().map_err(|exit| exit.to_string()));
            }
            g.spawn(|| Err::<u32, _>("disk full".to_owned()));
        })
    });
    assert!(!result.is_ok());
    let (index, failure) = result.failure().expect("a failure");
    assert_eq!(index, 4);
    assert!(matches!(failure, Outcome::Err(error) if error == "disk full"));
    for outcome in &result.outcomes()[..4] {
        // The ThreadExit of the group's own stop, through `?`: a stop.
        assert!(
            matches!(outcome, Outcome::Stopped(error) if error == "interrupted"),
            "{outcome:?}"
        );
    }
    assert_eq!(result.into_result(), Err("disk full".to_owned()));
}

#[test]
fn one_panic_stops_the_others_and_is_passed_on() {
    let result = bounded("panic", || {
        gracefully::group(|g| {
            g.spawn(sleep_until_stopped);
            g.spawn(|| -> Result<u32, ThreadExit> { panic!("worker broke") });
            g.spawn(sleep_until_stopped);
        })
    });
    let (index, failure) = result.failure().expect("a failure");
    assert_eq!(index, 1);
    let Outcome::Panicked(payload) = failure else {
        panic!("{failure:?}");
    };
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"worker broke"));
    assert!(result.outcomes()[0].is_stopped());
    assert!(result.outcomes()[2].is_stopped());
    let passed_on = panic::catch_unwind(AssertUnwindSafe(|| result.into_result()));
    let payload = passed_on.expect_err("into_result passes the panic on");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"worker broke"));
}

#[test]
fn a_sibling_finishes_its_critical_section_before_it_stops() {
    let (completed, checked_after) = bounded("critical", || {
        let completed = AtomicBool::new(false);
        let inside = Barrier::new(2);
        let result = gracefully::group(|g| {
            g.spawn(|| {
                critical! {
                    inside.wait();
                    // Long enough for the failure to land while inside.
                    std::thread::sleep(Duration::from_millis(100));
                    completed.store(true, Ordering::SeqCst);
                }
                gracefully::check()?;
                Ok(false)
            });
            g.spawn(|| {
                inside.wait();
                Err(ThreadExit::new(Cause::Deadline))
            });
        });
        let (index, _) = result.failure().expect("a failure");
        assert_eq!(index, 1);
        (
            completed.load(Ordering::SeqCst),
            result.outcomes()[0].is_stopped(),
        )
    });
    assert!(completed, "the section ran to its end");
    assert!(checked_after, "the request was delivered after the section");
}

#[test]
fn interrupting_the_caller_stops_the_whole_group() {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let caller = gracefully::spawn(move || {
        let result = gracefully::group(|g| {
            for _ in 0..3 {
                g.spawn(sleep_until_stopped);
            }
            ready_tx.send(()).unwrap();
        });
        // The caller's own request is still pending for it.
        (result, gracefully::check())
    });
    ready_rx.recv().unwrap();
    caller.interrupt();
    let (result, check) = join_within(caller, "caller").unwrap();
    assert!(result.is_ok(), "a stop from outside is not a failure");
    assert!(result.outcomes().iter().all(Outcome::is_stopped));
    assert_eq!(check, Err(ThreadExit::new(Cause::Interrupted)));
}

#[test]
fn threads_borrow_from_the_caller() {
    let words = vec!["alpha", "beta", "gamma", "delta"];
    let lengths = Mutex::new(Vec::new());
    let result = gracefully::group(|g| {
        for word in &words {
            let lengths = &lengths;
            g.spawn(move || {
                lengths.lock().unwrap().push(word.len());
                Ok::<_, ThreadExit>(word.len())
            });
        }
    });
    assert!(result.is_ok());
    let mut lengths = lengths.into_inner().unwrap();
    lengths.sort_unstable();
    assert_eq!(lengths, [4, 5, 5, 5]);
    let values: Vec<usize> = result
        .into_outcomes()
        .into_iter()
        .filter_map(Outcome::ok)
        .collect();
    assert_eq!(values, [5, 4, 5, 5]);
}

#[test]
fn a_failure_in_a_nested_group_fails_the_outer_one() {
    let result = bounded("nested", || {
        gracefully::group(|outer| {
            outer.spawn(sleep_until_stopped);
            outer.spawn(|| {
                let inner = gracefully::group(|inner| {
                    inner.spawn(sleep_until_stopped);
                    inner.spawn(|| Err(ThreadExit::new(Cause::Deadline)));
                });
                assert!(inner.outcomes()[0].is_stopped());
                inner.into_result().map(|()| 0)
            });
        })
    });
    let (index, failure) = result.failure().expect("a failure");
    assert_eq!(index, 1);
    assert!(
        matches!(failure, Outcome::Err(exit) if exit.cause() == Cause::Deadline),
        "{failure:?}"
    );
    assert!(result.outcomes()[0].is_stopped());
}

#[test]
fn stopping_the_outer_group_stops_a_nested_one() {
    let result = bounded("nested stop", || {
        gracefully::group(|outer| {
            outer.spawn(|| {
                let inner = gracefully::group(|inner| {
                    inner.spawn(sleep_until_stopped);
                    inner.spawn(sleep_until_stopped);
                });
                assert!(inner.is_ok());
                assert!(inner.outcomes().iter().all(Outcome::is_stopped));
                gracefully::check().map(|()| 0)
            });
            outer.spawn(|| Err(ThreadExit::new(Cause::Deadline)));
        })
    });
    assert_eq!(result.failure().map(|(index, _)| index), Some(1));
    assert!(result.outcomes()[0].is_stopped());
}

#[test]
fn the_first_failure_is_the_one_reported() {
    // Every thread fails at once; exactly one failure is the group's, and
    // it is the error `into_result` returns. The others either failed
    // before the request reached them or were stopped by it.
    for round in 0..200 {
        let result = bounded("race", move || {
            let start = Barrier::new(8);
            gracefully::group(|g| {
                for n in 0..8 {
                    let start = &start;
                    g.spawn(move || {
                        start.wait();
                        Err::<(), _>(n)
                    });
                }
            })
        });
        let (index, _) = result.failure().expect("a failure");
        let failures = result.outcomes().iter().filter(|o| o.is_failure()).count();
        let stops = result.outcomes().iter().filter(|o| o.is_stopped()).count();
        assert_eq!(
            failures + stops,
            8,
            "round {round}: {:?}",
            result.outcomes()
        );
        assert_eq!(result.into_result(), Err(index), "round {round}");
    }
}

#[test]
fn an_error_returned_after_the_stop_is_a_stop() {
    let result = bounded("late error", || {
        gracefully::group(|g| {
            g.spawn(|| {
                while !gracefully::interruption_requested() {
                    std::thread::yield_now();
                }
                // A real error, but the thread was asked to stop first.
                Err::<(), _>("second")
            });
            g.spawn(|| Err("first"));
        })
    });
    assert!(matches!(result.outcomes()[0], Outcome::Stopped("second")));
    assert_eq!(result.into_result(), Err("first"));
}

#[test]
fn a_thread_that_ignores_the_request_is_still_joined() {
    let finished = AtomicBool::new(false);
    let result = gracefully::group(|g| {
        g.spawn(|| {
            // No interruption point: it runs to its end.
            std::thread::sleep(Duration::from_millis(200));
            finished.store(true, Ordering::SeqCst);
            Ok("done")
        });
        g.spawn(|| Err("fail"));
    });
    assert!(
        finished.load(Ordering::SeqCst),
        "joined before group returned"
    );
    assert!(matches!(result.outcomes()[0], Outcome::Ok("done")));
    assert_eq!(result.into_result(), Err("fail"));
}

#[test]
fn a_member_interrupted_through_its_handle_is_not_a_failure() {
    let result = bounded("member", || {
        gracefully::group(|g| {
            let sleeper = g.spawn(sleep_until_stopped);
            let worker = g.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                Ok(7)
            });
            assert!(sleeper.interrupt());
            assert!(!worker.handle().is_interrupted());
            (sleeper.join(), worker.join())
        })
    });
    assert!(result.is_ok());
    assert_eq!(*result.value(), (None, Some(7)));
    assert!(result.outcomes()[0].is_stopped());
    assert!(matches!(result.outcomes()[1], Outcome::Joined));
}

#[test]
fn a_joined_failure_stays_in_the_result() {
    let result = gracefully::group(|g| g.spawn(|| Err::<(), _>("bad")).join());
    assert_eq!(*result.value(), None);
    assert_eq!(result.into_result(), Err("bad"));
}

#[test]
fn a_panicking_caller_stops_and_joins_the_group() {
    let (message, stopped) = bounded("panicking caller", || {
        let stopped = AtomicUsize::new(0);
        let unwound = panic::catch_unwind(AssertUnwindSafe(|| {
            gracefully::group(|g| {
                for _ in 0..3 {
                    g.spawn(|| {
                        let stopped_now = sleep_until_stopped();
                        stopped.fetch_add(1, Ordering::SeqCst);
                        stopped_now
                    });
                }
                panic!("caller broke");
            })
        }));
        let payload = unwound.expect_err("the caller's panic goes on");
        let message = payload.downcast_ref::<&str>().copied();
        (message, stopped.into_inner())
    });
    assert_eq!(message, Some("caller broke"));
    assert_eq!(stopped, 3, "all joined, all stopped");
}

#[interruptible(unwind)]
fn spin_until_unwound() -> u32 {
    loop {
        std::hint::spin_loop();
    }
}

#[test]
fn an_unwinding_checkpoint_is_a_stop() {
    let result = bounded("unwind", || {
        gracefully::group(|g| {
            g.spawn(|| Ok::<_, &str>(spin_until_unwound()));
            g.spawn(|| Err("fail"));
        })
    });
    assert!(
        matches!(&result.outcomes()[0], Outcome::Unwound(exit) if exit.cause() == Cause::Interrupted)
    );
    assert_eq!(result.failure().map(|(index, _)| index), Some(1));
}

#[test]
fn threads_spawned_after_the_failure_start_stopped() {
    let result = bounded("late spawn", || {
        gracefully::group(|g| {
            g.spawn(|| Err("fail")).join();
            g.spawn(|| gracefully::check().map_err(|_| "stopped"))
                .join()
        })
    });
    assert_eq!(*result.value(), None);
    assert!(matches!(result.outcomes()[1], Outcome::Stopped("stopped")));
}

#[test]
fn named_threads() {
    let result = gracefully::group(|g| {
        gracefully::Builder::new()
            .name("indexer".into())
            .spawn_scoped(g, || {
                Ok::<_, ThreadExit>(std::thread::current().name().map(str::to_owned))
            })
            .expect("spawned")
            .join()
    });
    assert_eq!(*result.value(), Some(Some("indexer".to_owned())));
}

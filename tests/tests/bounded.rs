//! `within` and `cleanup`, for closures and futures: a time limit that
//! never reaches the outer scope, and cleanup shielded from the request
//! pending now but not from the next one.

mod common;

use std::future::Future;
use std::sync::{Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::{join_within, wait_forever};
use gracefully::{Cause, FutureExt, InterruptHandle, ThreadExit, interruptible};

#[test]
fn within_ends_its_closure_at_the_limit_and_leaves_the_outer_scope_untouched() {
    gracefully::spawn(|| {
        let slept = gracefully::within(Duration::from_millis(10), || {
            gracefully::sleep(Duration::from_hours(1))
        });
        assert_eq!(slept.unwrap_err().cause(), Cause::Deadline);
        assert!(
            !gracefully::interruption_requested(),
            "the deadline leaked out"
        );
        // A closure that finishes first: the deadline is gone with it.
        assert_eq!(gracefully::within(Duration::from_millis(5), || 7), 7);
        std::thread::sleep(Duration::from_millis(30));
        assert!(gracefully::check().is_ok(), "a finished within fired later");
    })
    .join()
    .unwrap();
}

#[test]
fn within_passes_an_outer_request_in_with_its_cause_and_leaves_it_pending() {
    gracefully::spawn(|| {
        let outer = gracefully::current();
        let inside = gracefully::within(Duration::from_hours(1), || {
            let requester = {
                let outer = outer.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    outer.interrupt();
                })
            };
            let slept = gracefully::sleep(Duration::from_hours(1));
            requester.join().unwrap();
            slept
        });
        assert_eq!(inside.unwrap_err().cause(), Cause::Interrupted);
        assert_eq!(
            gracefully::clear().map(|exit| exit.cause()),
            Some(Cause::Interrupted),
            "the outer request is still pending"
        );
    })
    .join()
    .unwrap();
}

#[test]
fn within_inside_a_critical_section_delivers_nothing_before_it_closes() {
    gracefully::spawn(|| {
        let section = gracefully::critical_section();
        gracefully::current().interrupt();
        let checked = gracefully::within(Duration::from_hours(1), gracefully::check);
        assert!(
            checked.is_ok(),
            "delivered inside the outer critical section"
        );
        drop(section);
        assert!(gracefully::check().is_err());
    })
    .join()
    .unwrap();
}

#[interruptible]
fn count_to(n: u32) -> Result<u32, ThreadExit> {
    let mut counted = 0;
    while counted < n {
        counted += 1;
    }
    Ok(counted)
}

#[test]
fn cleanup_runs_checks_loops_and_waits_normally_while_a_request_is_pending() {
    let worker = gracefully::spawn(|| {
        let stopped = gracefully::sleep(Duration::from_hours(1));
        let lock = Mutex::new(());
        let condvar = Condvar::new();
        let cleaned = gracefully::cleanup(Duration::from_hours(1), || {
            gracefully::check()?;
            let slept = gracefully::sleep(Duration::from_millis(20));
            let (_guard, waited) = gracefully::wait_timeout(
                &condvar,
                lock.lock().unwrap(),
                Duration::from_millis(20),
            )?;
            Ok::<_, ThreadExit>((slept, waited.timed_out(), count_to(1_000)?))
        });
        (stopped, cleaned, gracefully::clear())
    });
    worker.interrupt();
    let (stopped, cleaned, pending) = join_within(worker, "cleanup worker").unwrap();
    assert_eq!(stopped.unwrap_err().cause(), Cause::Interrupted);
    let (slept, timed_out, counted) = cleaned.expect("the request reached the cleanup");
    assert_eq!(slept, Ok(()), "the cleanup's sleep was cut short");
    assert!(timed_out, "the cleanup's condvar wait was cut short");
    assert_eq!(counted, 1_000);
    assert_eq!(
        pending.map(|exit| exit.cause()),
        Some(Cause::Interrupted),
        "the request was no longer pending after the cleanup"
    );
}

#[test]
fn cleanup_ends_at_its_grace_and_leaves_the_outer_cause_alone() {
    gracefully::spawn(|| {
        gracefully::current().interrupt();
        let cleaned = gracefully::cleanup(Duration::from_millis(20), || {
            gracefully::sleep(Duration::from_hours(1))
        });
        assert_eq!(cleaned.unwrap_err().cause(), Cause::Deadline);
        assert_eq!(
            gracefully::clear().map(|exit| exit.cause()),
            Some(Cause::Interrupted)
        );
        // With nothing pending, a cleanup that ends in time leaves nothing.
        assert_eq!(gracefully::cleanup(Duration::from_millis(5), || 7), 7);
        std::thread::sleep(Duration::from_millis(30));
        assert!(
            gracefully::check().is_ok(),
            "the grace's deadline leaked out"
        );
    })
    .join()
    .unwrap();
}

#[test]
fn a_request_on_the_outer_scope_made_after_the_cleanup_began_reaches_it() {
    let outer = InterruptHandle::new();
    let inside = outer.clone();
    let worker = gracefully::spawn(move || {
        inside.enter(|| {
            gracefully::cleanup(Duration::from_hours(1), || {
                gracefully::sleep(Duration::from_hours(1))
            })
        })
    });
    std::thread::sleep(Duration::from_millis(20));
    assert!(outer.interrupt());
    let exit = join_within(worker, "cleanup worker").unwrap().unwrap_err();
    assert_eq!(exit.cause(), Cause::Interrupted);
}

/// Polls `future` on this thread until it completes, sleeping a little
/// between polls (an executor's idling); `Waker::noop` is enough as the
/// loop polls again anyway.
fn poll_until_ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let start = std::time::Instant::now();
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        assert!(
            start.elapsed() < common::STOP_BOUND,
            "the future never completed"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[interruptible]
async fn sleep_then(value: u32, how_long: Duration) -> Result<u32, ThreadExit> {
    tokio::time::sleep(how_long).await;
    Ok(value)
}

#[test]
fn async_within_ends_at_the_limit_and_passes_an_outer_request_in() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let task = InterruptHandle::new();
    let limited = runtime.block_on(
        wait_forever()
            .within(Duration::from_millis(10))
            .with_interrupt(task.clone()),
    );
    assert_eq!(limited.unwrap_err().cause(), Cause::Deadline);
    assert!(!task.is_interrupted(), "the deadline leaked out");
    assert_eq!(
        runtime.block_on(sleep_then(3, Duration::ZERO).within(Duration::from_secs(5))),
        Ok(3)
    );

    let requester = {
        let task = task.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            task.interrupt();
        })
    };
    let limited = runtime.block_on(
        wait_forever()
            .within(Duration::from_hours(1))
            .with_interrupt(task.clone()),
    );
    requester.join().unwrap();
    assert_eq!(limited.unwrap_err().cause(), Cause::Interrupted);
    assert_eq!(
        task.cause(),
        Some(Cause::Interrupted),
        "the outer request is gone"
    );
}

#[test]
fn async_cleanup_awaits_normally_while_a_request_is_pending_and_ends_at_its_grace() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let task = InterruptHandle::new();
    task.interrupt();
    let stopped = runtime.block_on(sleep_then(1, Duration::ZERO).with_interrupt(task.clone()));
    assert_eq!(stopped.unwrap_err().cause(), Cause::Interrupted);
    let flushed = runtime.block_on(
        sleep_then(2, Duration::from_millis(10))
            .cleanup(Duration::from_hours(1))
            .with_interrupt(task.clone()),
    );
    assert_eq!(flushed, Ok(2), "the request reached the cleanup");
    let cut = runtime.block_on(
        wait_forever()
            .cleanup(Duration::from_millis(10))
            .with_interrupt(task.clone()),
    );
    assert_eq!(cut.unwrap_err().cause(), Cause::Deadline);
    assert_eq!(task.cause(), Some(Cause::Interrupted));
}

#[test]
fn a_limited_future_has_its_scope_current_only_while_polled_and_its_limit_ends_with_it() {
    let outer = gracefully::current();
    let mut limited =
        std::pin::pin!(async { gracefully::current() }.within(Duration::from_millis(10)));
    let Poll::Ready(inner) = limited
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    else {
        panic!("a ready future was pending");
    };
    assert_ne!(inner, outer);
    assert_eq!(gracefully::current(), outer);
    // The future is not dropped yet, but it has completed: its limit is gone.
    std::thread::sleep(Duration::from_millis(50));
    assert!(!inner.is_interrupted(), "the limit outlived the completion");
    let cleaned =
        poll_until_ready(async { gracefully::current() }.cleanup(Duration::from_hours(1)));
    assert_ne!(cleaned, outer);
}

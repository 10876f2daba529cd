//! `shutdown`: requests everything, waits for the threads made by `spawn`,
//! names the ones that did not stop, and makes later scopes start
//! requested.
//!
//! One test in this binary runs a shutdown in its own process: a shutdown
//! is for the whole process, for good. The others start the binary again
//! as a child running one scenario (see `common::scenario`).

mod common;

use std::time::Duration;

use common::join_within;
use gracefully::{Cause, InterruptHandle, critical};

/// The child's side: does nothing unless started by one of the tests below.
#[cfg(unix)]
#[test]
fn scenario() {
    use common::scenario::{say, scenario_name};
    let Some(name) = scenario_name() else {
        return;
    };
    let status = match name.as_str() {
        "spawned_during" => {
            // A worker that, once asked to stop, starts a flusher: the
            // shutdown waits for it, and it finishes its critical section.
            let worker = gracefully::spawn(|| {
                let _ = gracefully::sleep(Duration::from_hours(1));
                gracefully::spawn(|| {
                    critical! {
                        std::thread::sleep(Duration::from_millis(200));
                        say("flushed");
                    }
                })
            });
            say("ready");
            let report = gracefully::shutdown(Duration::from_secs(10));
            say(&report.to_string());
            drop(worker);
            0
        }
        "concurrent" => {
            // Two spawned threads shut down at once, with no time limit:
            // neither waits for the other.
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let callers: Vec<_> = (0..2)
                .map(|_| {
                    let barrier = std::sync::Arc::clone(&barrier);
                    gracefully::spawn(move || {
                        barrier.wait();
                        gracefully::shutdown(Duration::MAX).to_string()
                    })
                })
                .collect();
            say("ready");
            for caller in callers {
                say(&caller.join().unwrap());
            }
            0
        }
        "cleanup_during" => {
            // A worker whose cleanup sleeps: shielded from the shutdown's
            // request, it runs in full, and the shutdown waits for it.
            let worker = gracefully::spawn(|| {
                let _ = gracefully::sleep(Duration::from_hours(1));
                let flushed = gracefully::cleanup(Duration::from_secs(10), || {
                    gracefully::sleep(Duration::from_millis(100))
                });
                say(&format!("flushed: {flushed:?}"));
            });
            say("ready");
            let report = gracefully::shutdown(Duration::from_secs(10));
            say(&report.to_string());
            drop(worker);
            0
        }
        "group" => {
            // A group on a plain thread: the shutdown stops its members,
            // waits for them, and names the one that outlives the grace.
            let (ready, started) = std::sync::mpsc::channel();
            let runner = std::thread::spawn(move || {
                gracefully::group(|g| {
                    g.spawn(|| {
                        loop {
                            gracefully::sleep(Duration::from_hours(1))?;
                        }
                    });
                    let ready = ready.clone();
                    gracefully::Builder::new()
                        .name("stubborn member".into())
                        .spawn_scoped(g, move || {
                            critical! {
                                ready.send(()).unwrap();
                                std::thread::sleep(Duration::from_millis(600));
                            }
                            gracefully::check()
                        })
                        .unwrap();
                })
            });
            started.recv().unwrap();
            say("ready");
            let report = gracefully::shutdown(Duration::from_millis(100));
            say(&report.to_string());
            let result = runner.join().unwrap();
            say(&format!(
                "group: stopped {}, ok {}",
                result.outcomes().iter().filter(|o| o.is_stopped()).count(),
                result.is_ok()
            ));
            0
        }
        other => panic!("unknown scenario {other}"),
    };
    std::process::exit(status);
}

#[cfg(unix)]
#[test]
fn shutdown_waits_for_a_thread_spawned_while_it_waits_and_counts_it() {
    let mut child = common::scenario::Scenario::start("spawned_during", false);
    assert_eq!(child.expect("flushed"), "flushed");
    assert_eq!(
        child.expect("shutdown: "),
        "shutdown: all 2 threads stopped"
    );
    assert_eq!(child.wait().0.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn shutdown_waits_for_the_threads_of_a_group_and_names_its_stragglers() {
    let mut child = common::scenario::Scenario::start("group", false);
    let report = child.expect("shutdown: ");
    assert_eq!(
        report,
        "shutdown: 1 of 2 threads did not stop within 100ms:"
    );
    let straggler = child.expect("  - ");
    assert!(
        straggler.starts_with("  - stubborn member (in a critical section"),
        "{straggler}"
    );
    assert_eq!(child.expect("group: "), "group: stopped 2, ok true");
    assert_eq!(child.wait().0.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn a_cleanup_runs_in_full_during_a_shutdown() {
    let mut child = common::scenario::Scenario::start("cleanup_during", false);
    assert_eq!(child.expect("flushed"), "flushed: Ok(())");
    assert_eq!(
        child.expect("shutdown: "),
        "shutdown: all 1 threads stopped"
    );
    assert_eq!(child.wait().0.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn concurrent_shutdowns_do_not_wait_for_each_other() {
    let mut child = common::scenario::Scenario::start("concurrent", false);
    for _ in 0..2 {
        assert!(child.expect("shutdown: ").ends_with("threads stopped"));
    }
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn shutdown_stops_the_cooperative_threads_and_names_the_stragglers() {
    let cooperative: Vec<_> = (0..3)
        .map(|n| {
            gracefully::Builder::new()
                .name(format!("worker-{n}"))
                .spawn(|| {
                    loop {
                        gracefully::sleep(Duration::from_millis(5))?;
                    }
                })
                .unwrap()
        })
        .collect();
    let (started, running) = std::sync::mpsc::channel();
    let stubborn = gracefully::Builder::new()
        .name("stubborn".into())
        .spawn(move || {
            let _section = gracefully::critical_section();
            started.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(800)); // ignores requests
        })
        .unwrap();
    let plain = std::thread::spawn(|| gracefully::sleep(Duration::from_hours(1)));
    running.recv().unwrap();

    let grace = Duration::from_millis(200);
    let report = gracefully::shutdown(grace);

    assert!(!report.is_clean());
    let stragglers = report.stragglers();
    assert_eq!(stragglers.len(), 1, "{report}");
    assert_eq!(stragglers[0].name(), Some("stubborn"));
    assert!(stragglers[0].in_critical());
    assert!(stragglers[0].requested_for() >= grace);
    let text = report.to_string();
    assert!(
        text.starts_with("shutdown: 1 of 4 threads did not stop within 200ms:"),
        "{text}"
    );
    assert!(
        text.contains("\n  - stubborn (in a critical section opened at tests/tests/shutdown.rs:"),
        "{text}"
    );

    for worker in cooperative {
        let stopped: Result<(), gracefully::ThreadExit> = join_within(worker, "worker").unwrap();
        assert_eq!(stopped.unwrap_err().cause(), Cause::All);
    }
    join_within(stubborn, "stubborn").unwrap();
    // A std thread is interrupted, though not waited for.
    assert!(plain.join().unwrap().is_err());

    // From now on, new scopes start requested.
    assert!(InterruptHandle::new().is_interrupted());
    let late = gracefully::spawn(gracefully::check);
    assert_eq!(
        join_within(late, "late").unwrap().unwrap_err().cause(),
        Cause::All
    );
    assert!(
        gracefully::shutdown(grace).is_clean(),
        "nothing left to wait for"
    );
}

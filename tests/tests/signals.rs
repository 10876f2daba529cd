//! `signals::install` with real signals: the test binary starts itself
//! again as a child running one scenario, and sends it signals with `kill`.

#![cfg(unix)]

mod common;

use std::time::Duration;

use common::scenario::{Scenario, say, scenario_name};
use gracefully::ThreadExit;

/// The child's side: does nothing unless started by one of the tests below.
#[test]
fn scenario() {
    let Some(name) = scenario_name() else {
        return;
    };
    let status = match name.as_str() {
        "workers" => workers(),
        "stuck" => stuck(),
        "chained" => chained(),
        "panicking_callback" => panicking_callback(),
        "raise_twice" => raise_twice(),
        "clear_rearms" => clear_rearms(),
        "incompatible" => incompatible(),
        "fork" => fork(),
        "deliver_to" => deliver_to(),
        "late_scopes" => late_scopes(),
        "ignored" => ignored(),
        "late_race" => late_race(),
        "second_action_dropped" => second_action_dropped(),
        other => panic!("unknown scenario {other}"),
    };
    std::process::exit(status);
}

/// Three workers sleep until a signal; each reports its cause.
fn workers() -> i32 {
    let _signals = gracefully::signals::install().unwrap();
    let workers: Vec<_> = (0..3)
        .map(|_| {
            gracefully::spawn(|| -> Result<(), ThreadExit> {
                loop {
                    gracefully::sleep(Duration::from_secs(1))?;
                }
            })
        })
        .collect();
    say("ready");
    for (n, worker) in workers.into_iter().enumerate() {
        let exit = worker.join().unwrap().unwrap_err();
        say(&format!("worker {n}: {:?}", exit.cause()));
    }
    0
}

/// A handler that other code registered before `install` keeps running;
/// installing twice changes nothing.
fn chained() -> i32 {
    let other = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGTERM, std::sync::Arc::clone(&other))
        .unwrap();
    let _signals = gracefully::signals::install().unwrap();
    let _again = gracefully::signals::install().unwrap();
    let worker = gracefully::spawn(|| -> Result<(), ThreadExit> {
        loop {
            gracefully::sleep(Duration::from_secs(1))?;
        }
    });
    say("ready");
    let exit = worker.join().unwrap().unwrap_err();
    say(&format!("worker: {:?}", exit.cause()));
    let ran = other.load(std::sync::atomic::Ordering::SeqCst);
    say(&format!("other handler ran: {ran}"));
    0
}

/// A scope whose callback panics: the signal thread requests every scope
/// all the same, and lives on to handle the second signal.
fn panicking_callback() -> i32 {
    std::panic::set_hook(Box::new(|_| {})); // the panic is the point
    let _signals = gracefully::signals::Signals::new()
        .on_second(gracefully::signals::SecondSignal::Run(Box::new(|signal| {
            say(&format!("second signal: {signal}"));
        })))
        .install()
        .unwrap();
    let bad = gracefully::InterruptHandle::new();
    let _guard = bad.on_interrupt(|| panic!("the callback panics"));
    let worker = gracefully::spawn(|| gracefully::sleep(Duration::from_mins(1)));
    say("ready");
    let exit = worker.join().unwrap().unwrap_err();
    say(&format!("worker: {:?}", exit.cause()));
    // Ended by the second signal's action, which the parent waits for.
    std::thread::sleep(Duration::from_mins(1));
    1
}

/// Two signals raised back to back, before the signal thread has handled
/// the first: the second exits (with 143, for SIGTERM).
fn raise_twice() -> i32 {
    let _signals = gracefully::signals::install().unwrap();
    say("ready");
    signal_hook::low_level::raise(signal_hook::consts::SIGTERM).unwrap();
    signal_hook::low_level::raise(signal_hook::consts::SIGTERM).unwrap();
    let _ = gracefully::sleep(Duration::from_mins(1)); // ended by the first
    std::thread::sleep(Duration::from_mins(1)); // the second exits first
    say("not exited");
    0
}

/// Waits until the calling thread's scope is requested.
fn wait_for_request() -> ThreadExit {
    loop {
        if let Err(exit) = gracefully::sleep(Duration::from_mins(1)) {
            return exit;
        }
    }
}

/// A program that handles a SIGINT, clears it and carries on: the next
/// SIGINT is a first one again, not a second one. Many rounds, as the
/// signal's request to every other scope is still under way when the
/// program clears its own.
const CLEAR_ROUNDS: usize = 300;

fn clear_rearms() -> i32 {
    let _signals = gracefully::signals::install().unwrap();
    say("ready");
    for round in 0..CLEAR_ROUNDS {
        signal_hook::low_level::raise(signal_hook::consts::SIGINT).unwrap();
        let exit = wait_for_request();
        gracefully::clear();
        say(&format!("round {round}: {:?}", exit.cause()));
    }
    0
}

/// A second `install` with another configuration is an error; one with the
/// same keeps the handlers after the first handle is uninstalled.
fn incompatible() -> i32 {
    let first = gracefully::signals::install().unwrap();
    let other = gracefully::signals::Signals::new()
        .signals(&[signal_hook::consts::SIGTERM])
        .install();
    let error = other.map(drop).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists, "{error}");
    let _same = gracefully::signals::install().unwrap();
    first.uninstall(); // the other handle keeps the handling
    say("ready");
    let exit = wait_for_request();
    say(&format!("handled: {:?}", exit.cause()));
    0
}

/// Signals delivered to one handle: a job entered in it stops, and so does
/// a child made from it later; a thread outside it is not requested, nor
/// is a scope made after the signal.
fn deliver_to() -> i32 {
    let producer = gracefully::InterruptHandle::new();
    let _signals = gracefully::signals::Signals::new()
        .deliver_to(&producer)
        .install()
        .unwrap();
    let job = {
        let producer = producer.clone();
        gracefully::spawn(move || producer.enter(wait_for_request))
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let bystander = gracefully::spawn(move || {
        tx.send(gracefully::current()).unwrap();
        wait_for_request()
    });
    let bystander_handle = rx.recv().unwrap();
    say("ready");
    say(&format!("job: {:?}", job.join().unwrap().cause()));
    say(&format!(
        "bystander requested: {}, new scope requested: {}, child: {:?}",
        bystander_handle.is_interrupted(),
        gracefully::InterruptHandle::new().is_interrupted(),
        producer.child().cause()
    ));
    bystander.interrupt();
    say(&format!(
        "bystander: {:?}",
        bystander.join().unwrap().cause()
    ));
    0
}

/// Scopes made after a signal's request start requested with its cause,
/// until the receiving scope (the installer's) is cleared.
fn late_scopes() -> i32 {
    let _signals = gracefully::signals::install().unwrap();
    say("ready");
    let exit = wait_for_request();
    let late = gracefully::spawn(wait_for_request);
    say(&format!(
        "first: {:?}, late thread: {:?}, late handle: {:?}",
        exit.cause(),
        late.join().unwrap().cause(),
        gracefully::InterruptHandle::new().cause()
    ));
    gracefully::clear();
    say(&format!(
        "after clear: {:?}",
        gracefully::InterruptHandle::new().cause()
    ));
    0
}

/// A thread makes scopes without a pause while the signal arrives: each
/// one is reached, by the signal's request or as a late scope.
fn late_race() -> i32 {
    let _signals = gracefully::signals::install().unwrap();
    let maker = gracefully::spawn(|| {
        let mut made = Vec::new();
        while !gracefully::interruption_requested() {
            made.push(gracefully::InterruptHandle::new());
        }
        // Some more after the request: all late.
        made.extend((0..100).map(|_| gracefully::InterruptHandle::new()));
        made
    });
    say("ready");
    let _ = wait_for_request();
    let made = maker.join().unwrap();
    // The signal thread may still be requesting the scopes made before it
    // took its snapshot: give it time, then count.
    let start = std::time::Instant::now();
    let missed = loop {
        let missed = made
            .iter()
            .filter(|handle| !handle.is_interrupted())
            .count();
        if missed == 0 || start.elapsed() > Duration::from_secs(10) {
            break missed;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    say(&format!("missed {missed} of {}", made.len()));
    0
}

/// The second signal's action holds what it captured only while it is
/// installed.
fn second_action_dropped() -> i32 {
    let captured = std::sync::Arc::new(());
    let held = std::sync::Arc::clone(&captured);
    let handle = gracefully::signals::Signals::new()
        .signals(&[signal_hook::consts::SIGUSR2])
        .on_second(gracefully::signals::SecondSignal::Run(Box::new(
            move |_| {
                let _ = &held;
            },
        )))
        .install()
        .unwrap();
    say("ready");
    say(&format!(
        "installed: {}",
        std::sync::Arc::strong_count(&captured)
    ));
    handle.uninstall();
    say(&format!(
        "uninstalled: {}",
        std::sync::Arc::strong_count(&captured)
    ));
    0
}

/// Under `nohup`, SIGHUP is ignored: `install` leaves it so and says so;
/// `override_ignored(true)` handles it anyway.
fn ignored() -> i32 {
    let default = gracefully::signals::install().unwrap();
    let left_alone = default.ignored().to_vec();
    default.uninstall();
    let overriding = gracefully::signals::Signals::new()
        .override_ignored(true)
        .install()
        .unwrap();
    say("ready");
    say(&format!(
        "ignored: {left_alone:?}, with override: {:?}",
        overriding.ignored()
    ));
    let exit = wait_for_request();
    say(&format!("handled: {:?}", exit.cause()));
    0
}

/// After `fork()`: a deadline fires in the child, and `install` there
/// makes signals request the child's scopes.
fn fork() -> i32 {
    let _signals = gracefully::signals::install().unwrap();
    // The timer thread runs, in this process only.
    drop(gracefully::InterruptHandle::new().interrupt_after(Duration::from_millis(1)));
    say("ready");
    // SAFETY: the child only uses the runtime, which starts threads of its
    // own, and exits; no lock is held by another thread of ours here.
    let child = unsafe { libc::fork() };
    assert!(child >= 0, "fork failed");
    if child > 0 {
        let mut status = 0;
        // SAFETY: `status` is a valid out-parameter for our own child.
        unsafe { libc::waitpid(child, &raw mut status, 0) };
        return if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            1
        };
    }
    let handle = gracefully::InterruptHandle::new();
    let _deadline = handle.interrupt_after(Duration::from_millis(20));
    let start = std::time::Instant::now();
    while !handle.is_interrupted() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(1));
    }
    say(&format!(
        "child deadline fired: {}",
        handle.is_interrupted()
    ));
    let _signals = gracefully::signals::install().unwrap();
    let worker = gracefully::spawn(|| gracefully::sleep(Duration::from_mins(1)));
    say(&format!("child pid: {}", std::process::id()));
    let exit = worker.join().unwrap().unwrap_err();
    say(&format!("child worker: {:?}", exit.cause()));
    // SAFETY: `_exit` has no preconditions; it skips the parent's atexit
    // work, which is not the child's to do.
    unsafe { libc::_exit(0) }
}

/// A worker that ignores requests keeps the shutdown waiting.
fn stuck() -> i32 {
    let _signals = gracefully::signals::install().unwrap();
    let _stubborn = gracefully::spawn(|| std::thread::sleep(Duration::from_mins(1)));
    say("ready");
    let _ = gracefully::sleep(Duration::from_mins(1)); // ended by the first signal
    say("shutting down");
    let report = gracefully::shutdown(Duration::from_mins(1));
    say(&report.to_string());
    0
}

#[test]
fn each_signal_stops_every_worker_with_its_cause() {
    for (name, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let mut child = Scenario::start("workers", false);
        child.signal(name);
        let mut reports: Vec<String> = (0..3).map(|_| child.expect("worker ")).collect();
        reports.sort();
        let (status, _) = child.wait();
        assert_eq!(status.code(), Some(0), "SIG{name}");
        for (n, report) in reports.iter().enumerate() {
            assert_eq!(
                report,
                &format!("worker {n}: Signal({number})"),
                "SIG{name}"
            );
        }
    }
}

#[test]
fn a_second_sigint_during_a_slow_shutdown_exits_at_once_with_130() {
    let mut child = Scenario::start("stuck", false);
    child.signal("INT");
    child.expect("shutting down");
    child.signal("INT");
    let (status, lines) = child.wait();
    assert_eq!(status.code(), Some(130));
    assert!(
        !lines.iter().any(|line| line.starts_with("shutdown:")),
        "{lines:?}"
    );
}

#[test]
fn a_signal_ignored_at_start_stays_ignored() {
    let mut child = Scenario::start("workers", true); // `nohup` ignores SIGHUP
    child.signal("HUP");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.child.try_wait().unwrap().is_none(),
        "SIGHUP was not ignored"
    );
    child.signal("TERM");
    let report = child.expect("worker 0: ");
    assert_eq!(report, "worker 0: Signal(15)");
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn handlers_of_other_code_keep_running_and_installing_twice_is_harmless() {
    let mut child = Scenario::start("chained", false);
    child.signal("TERM");
    assert_eq!(child.expect("worker: "), "worker: Signal(15)");
    assert_eq!(
        child.expect("other handler ran: "),
        "other handler ran: true"
    );
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn the_signal_thread_survives_a_panicking_callback_and_handles_the_next_signal() {
    let mut child = Scenario::start("panicking_callback", false);
    child.signal("TERM");
    assert_eq!(child.expect("worker: "), "worker: Signal(15)");
    child.signal("TERM");
    assert_eq!(child.expect("second signal: "), "second signal: 15");
    child.signal("KILL");
    let _ = child.wait();
}

#[test]
fn two_signals_arriving_together_count_as_two() {
    let child = Scenario::start("raise_twice", false);
    let (status, lines) = child.wait();
    assert_eq!(status.code(), Some(143), "{lines:?}");
}

#[test]
fn clear_on_the_installing_scope_rearms_the_second_signal() {
    let mut child = Scenario::start("clear_rearms", false);
    assert_eq!(child.expect("round 0: "), "round 0: Signal(2)");
    assert_eq!(child.expect("round 1: "), "round 1: Signal(2)");
    let last = format!("round {}: ", CLEAR_ROUNDS - 1);
    assert_eq!(child.expect(&last), format!("{last}Signal(2)"));
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn an_incompatible_second_install_is_an_error_and_handles_are_counted() {
    let mut child = Scenario::start("incompatible", false);
    child.signal("TERM");
    assert_eq!(child.expect("handled: "), "handled: Signal(15)");
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn signals_delivered_to_a_handle_reach_it_and_its_children_only() {
    let mut child = Scenario::start("deliver_to", false);
    child.signal("TERM");
    assert_eq!(child.expect("job: "), "job: Signal(15)");
    assert_eq!(
        child.expect("bystander requested: "),
        "bystander requested: false, new scope requested: false, child: Some(Signal(15))"
    );
    assert_eq!(child.expect("bystander: "), "bystander: Interrupted");
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn scopes_made_after_a_signal_start_requested_until_it_is_cleared() {
    let mut child = Scenario::start("late_scopes", false);
    child.signal("TERM");
    assert_eq!(
        child.expect("first: "),
        "first: Signal(15), late thread: Signal(15), late handle: Some(Signal(15))"
    );
    assert_eq!(child.expect("after clear: "), "after clear: None");
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn scopes_made_while_a_signal_arrives_are_all_requested() {
    for _ in 0..10 {
        let mut child = Scenario::start("late_race", false);
        std::thread::sleep(Duration::from_millis(5)); // scopes are being made
        child.signal("TERM");
        let report = child.expect("missed ");
        assert!(report.starts_with("missed 0 of "), "{report}");
        assert_eq!(child.wait().0.code(), Some(0));
    }
}

#[test]
fn the_second_signal_action_is_dropped_when_uninstalled() {
    let mut child = Scenario::start("second_action_dropped", false);
    assert_eq!(child.expect("installed: "), "installed: 2");
    assert_eq!(child.expect("uninstalled: "), "uninstalled: 1");
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn a_signal_ignored_at_start_is_listed_and_can_be_handled_anyway() {
    let mut child = Scenario::start("ignored", true); // `nohup` ignores SIGHUP
    assert_eq!(
        child.expect("ignored: "),
        format!("ignored: [{}], with override: []", libc::SIGHUP)
    );
    child.signal("HUP");
    assert_eq!(child.expect("handled: "), "handled: Signal(1)");
    assert_eq!(child.wait().0.code(), Some(0));
}

#[test]
fn a_forked_child_has_working_deadlines_and_can_install_signal_handling() {
    let mut child = Scenario::start("fork", false);
    assert_eq!(
        child.expect("child deadline fired: "),
        "child deadline fired: true"
    );
    let pid = child.expect("child pid: ");
    let pid = pid.trim_start_matches("child pid: ");
    let status = std::process::Command::new("kill")
        .args(["-TERM", pid])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(child.expect("child worker: "), "child worker: Signal(15)");
    assert_eq!(child.wait().0.code(), Some(0));
}

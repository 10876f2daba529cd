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

//! `shutdown`: requests everything, waits for the threads made by `spawn`,
//! names the ones that did not stop, and makes later scopes start
//! requested.
//!
//! One test in this binary: a shutdown is for the whole process, for good.

mod common;

use std::time::Duration;

use common::join_within;
use gracefully::{Cause, InterruptHandle};

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
        text.contains("\n  - stubborn (in a critical section, asked "),
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

//! `signals::install` with real signals: the test binary starts itself
//! again as a child running one scenario, and sends it signals with `kill`.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use gracefully::ThreadExit;

const SCENARIO: &str = "INTERRUPT_SIGNALS_SCENARIO";
const BOUND: Duration = Duration::from_secs(20);

/// The child's side: does nothing unless started by one of the tests below.
#[test]
fn scenario() {
    let Ok(name) = std::env::var(SCENARIO) else {
        return;
    };
    let status = match name.as_str() {
        "workers" => workers(),
        "stuck" => stuck(),
        "chained" => chained(),
        other => panic!("unknown scenario {other}"),
    };
    std::process::exit(status);
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
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

/// A child running `scenario`, optionally under `nohup`, and its output.
struct Scenario {
    child: Child,
    lines: Receiver<String>,
}

impl Scenario {
    fn start(name: &str, nohup: bool) -> Self {
        let exe = std::env::current_exe().unwrap();
        let mut command = if nohup {
            let mut command = Command::new("nohup");
            command.arg(exe);
            command
        } else {
            Command::new(exe)
        };
        let mut child = command
            .args(["scenario", "--exact", "--nocapture", "--test-threads=1"])
            .env(SCENARIO, name)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        let mut scenario = Self { child, lines };
        scenario.expect("ready");
        scenario
    }

    /// Waits for a line that starts with `prefix`; returns it.
    fn expect(&mut self, prefix: &str) -> String {
        let deadline = Instant::now() + BOUND;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                // The harness prints `test scenario ... ` without a newline.
                Ok(line)
                    if line
                        .trim_start_matches("test scenario ... ")
                        .starts_with(prefix) =>
                {
                    return line.trim_start_matches("test scenario ... ").to_owned();
                }
                Ok(_) => {}
                Err(error) => panic!("no line starting with {prefix:?} within {BOUND:?}: {error}"),
            }
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait(mut self) -> (ExitStatus, Vec<String>) {
        let deadline = Instant::now() + BOUND;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, self.lines.try_iter().collect());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the child did not exit within {BOUND:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
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

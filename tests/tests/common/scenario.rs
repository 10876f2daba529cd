//! A test binary that starts itself again as a child running one
//! scenario: for what reaches the whole process (signals, `shutdown`,
//! `interrupt_all`), so that no other test's threads are in the way.
//!
//! The binary's `scenario` test is the child's side: it calls
//! [`scenario_name`] and, when it is set, runs that scenario and exits.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SCENARIO: &str = "GRACEFULLY_TEST_SCENARIO";
const BOUND: Duration = Duration::from_secs(20);

/// The scenario this process is to run, if it is such a child.
pub fn scenario_name() -> Option<String> {
    std::env::var(SCENARIO).ok()
}

/// Writes a line for the parent, at once.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// A child running `scenario`, optionally under `nohup`, and its output.
pub struct Scenario {
    pub child: Child,
    lines: Receiver<String>,
    /// What the child wrote to stderr, for the message of a failed
    /// expectation.
    stderr: Arc<Mutex<String>>,
}

impl Scenario {
    pub fn start(name: &str, nohup: bool) -> Self {
        let exe = std::env::current_exe().unwrap();
        let mut command = if nohup {
            let mut command = Command::new("nohup");
            command.arg(exe);
            command
        } else {
            Command::new(exe)
        };
        command
            .args(["scenario", "--exact", "--nocapture", "--test-threads=1"])
            .env(SCENARIO, name);
        let mut scenario = Self::spawn(&mut command);
        scenario.expect("ready");
        scenario
    }

    /// Runs `command` as a child whose stdout is read line by line (see
    /// [`Scenario::expect`]), and whose stderr is kept for the message of a
    /// failed expectation. Its stdin is the test's unless the command sets
    /// it (`Stdio::piped()` for [`Scenario::write_line`]).
    pub fn spawn(command: &mut Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            *collected.lock().unwrap() = text;
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            stderr,
        }
    }

    /// Writes `line` and a newline to the child's stdin, which must be
    /// piped.
    pub fn write_line(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for a line that starts with `prefix`; returns it.
    pub fn expect(&mut self, prefix: &str) -> String {
        let deadline = Instant::now() + BOUND;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                // The harness prints `test scenario ... ` without a newline.
                Ok(line) => {
                    let line = line.trim_start_matches("test scenario ... ").to_owned();
                    if line.starts_with(prefix) {
                        return line;
                    }
                    skipped.push(line);
                }
                Err(error) => {
                    // The child is gone or stuck: what it said, and how it
                    // ended.
                    let status = if let Ok(Some(status)) = self.child.try_wait() {
                        status.to_string()
                    } else {
                        let _ = self.child.kill();
                        format!("killed: {:?}", self.child.wait())
                    };
                    std::thread::sleep(Duration::from_millis(100));
                    panic!(
                        "no line starting with {prefix:?} within {BOUND:?}: {error}; the child ({status}) said {skipped:?}, and on stderr:\n{}",
                        self.stderr.lock().unwrap()
                    )
                }
            }
        }
    }

    pub fn signal(&self, signal: &str) {
        kill(self.child.id(), signal);
    }

    pub fn wait(mut self) -> (ExitStatus, Vec<String>) {
        let status = wait_within(&mut self.child, "the child");
        (status, self.lines.try_iter().collect())
    }
}

/// Sends `signal` (a name such as `INT`) to process `pid` with `kill`.
pub fn kill(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// All that `child` wrote to its piped stderr.
pub fn stderr_of(child: &mut Child) -> String {
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut stderr)
        .unwrap();
    stderr
}

/// Waits for `child` to exit, killing it and failing the test if it has
/// not within the bound.
pub fn wait_within(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + BOUND;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not exit within {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

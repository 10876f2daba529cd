//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)] // each test binary uses a subset

use std::time::{Duration, Instant};

use gracefully::{JoinError, JoinHandle, ThreadExit, interruptible};

#[cfg(unix)]
pub mod scenario;

/// How long a thread may take to stop before a test calls it stuck. Generous
/// on purpose: the runtime wakes a thread in microseconds, and the bound is
/// only there so that a lost wake-up fails the test instead of hanging it.
pub const STOP_BOUND: Duration = Duration::from_secs(20);

/// Joins `worker`, failing the test if it has not finished within
/// [`STOP_BOUND`].
pub fn join_within<T>(worker: JoinHandle<T>, what: &str) -> Result<T, JoinError> {
    let start = Instant::now();
    while !worker.is_finished() {
        let waited = start.elapsed();
        assert!(
            waited < STOP_BOUND,
            "{what}: the thread did not stop within {STOP_BOUND:?}"
        );
        // Threads usually stop within microseconds: yield at first, then
        // poll gently.
        if waited < Duration::from_millis(10) {
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    worker.join()
}

/// A small deterministic pseudo-random sequence (xorshift), for varying
/// timings without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }

    /// Busy-waits for up to `max` spins, to land a request at a random
    /// moment.
    pub fn spin(&mut self, max: u64) {
        for _ in 0..self.below(max) {
            std::hint::spin_loop();
        }
    }
}

/// A task that waits for ever, but for a request: its await is an
/// interruption point.
#[interruptible]
pub async fn wait_forever() -> Result<(), ThreadExit> {
    std::future::pending::<()>().await;
    Ok(())
}

/// A submitter opens a critical section, a job entered in its scope on
/// another thread starts a wait, the submitter is interrupted and closes
/// the section: the close wakes the job's wait.
pub fn a_shared_scope_wait_is_woken_when_the_section_closes(
    wait: fn() -> Result<(), gracefully::ThreadExit>,
    what: &str,
) {
    let submitter = gracefully::current();
    let section = gracefully::critical_section();
    let job = {
        let scope = submitter.clone();
        gracefully::spawn(move || scope.enter(wait))
    };
    std::thread::sleep(Duration::from_millis(50)); // the job is waiting
    submitter.interrupt();
    std::thread::sleep(Duration::from_millis(50)); // deferred, not delivered
    assert!(!job.is_finished(), "{what}: delivered inside the section");
    drop(section);
    let stopped = join_within(job, what).unwrap();
    assert_eq!(
        stopped.map_err(|e| e.cause()),
        Err(gracefully::Cause::Interrupted),
        "{what}"
    );
    gracefully::clear();
}

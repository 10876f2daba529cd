//! One background thread for the whole process that runs jobs after a delay.
//!
//! # Invariants
//!
//! 1. Jobs run outside the timer lock, started in deadline order: the
//!    runtime's own (re-notifications, which run no user code) on the timer
//!    thread, and jobs that may run user code (a deadline's request, with
//!    its `on_interrupt` callbacks) on a runner thread, so that a slow
//!    callback never delays another job.
//! 2. The timer thread starts on the first `schedule` and then lives as long
//!    as the process; it holds no scope and never blocks on a user lock.
//! 3. Jobs take only a scope's `waiters` lock, never the timer lock.
//! 4. Every job handed to the runners has a runner: one that waits is
//!    woken for it, or a new one starts. A runner that has waited
//!    [`RUNNER_IDLE`] with nothing to do exits. If no runner can be
//!    started (the process is out of threads), the timer thread runs the
//!    job itself.
//! 5. The timer thread is notified only when a new job is due before the
//!    time it sleeps until (`Queue::asleep`, kept under the lock): a
//!    cancelled job's wake-up is left to happen, and the thread, finding
//!    nothing due, sleeps again. So a deadline armed and cancelled around
//!    each operation costs no wake-up of the timer thread.
//! 6. After `fork()` only the forking thread exists in the child: the timer
//!    and the runners remember the process they were started in, and a
//!    child starts its own on its first job. (A child forked while another
//!    thread held the timer's lock cannot use it: it would wait for ever.)

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::thread;
use std::time::{Duration, Instant};

use crate::sync::PoisonError;
use crate::sync::global::{Condvar, Mutex, lock};

type Job = Box<dyn FnOnce() + Send>;

/// How long a runner waits for work before it exits (invariant 4).
const RUNNER_IDLE: Duration = Duration::from_secs(10);

/// A scheduled job, for [`cancel`]: its time and a sequence number that
/// keeps jobs of the same time apart and in the order they came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    at: Instant,
    seq: u64,
}

/// A queued job, and whether it goes to a runner (invariant 1).
struct Entry {
    job: Job,
    on_runner: bool,
}

struct Queue {
    entries: BTreeMap<Key, Entry>,
    next_seq: u64,
    /// The process whose timer thread runs, or 0 (invariant 6).
    running: u32,
    /// Until when the timer thread sleeps (invariant 5).
    asleep: Asleep,
}

/// Whether and how long the timer thread waits on `wakeup`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Asleep {
    /// Not waiting: it reads the queue before it waits again.
    No,
    /// Until this time.
    Until(Instant),
    /// Until notified.
    Forever,
}

struct Timer {
    queue: Mutex<Queue>,
    wakeup: Condvar,
}

static TIMER: Timer = Timer {
    queue: Mutex::new(Queue {
        entries: BTreeMap::new(),
        next_seq: 0,
        running: 0,
        asleep: Asleep::No,
    }),
    wakeup: Condvar::new(),
};

/// Runs `job` on the timer thread once `delay` has passed; returns its key
/// for [`cancel`], or `None` for a job due after the end of representable
/// time, which never runs. For the runtime's own jobs, which run no user
/// code.
///
/// The thread starts on the first call. If it cannot be started (the process
/// is out of threads), the job waits in the queue and the next call tries
/// again.
#[cfg(not(loom))] // loom's models make re-notifications themselves
pub(crate) fn schedule(delay: Duration, job: Job) -> Option<Key> {
    Some(enqueue(
        Instant::now().checked_add(delay)?,
        Entry {
            job,
            on_runner: false,
        },
    ))
}

/// [`schedule`] for a job that may run user code, due at `at`: it runs on a
/// runner thread (invariant 1).
pub(crate) fn schedule_on_runner(at: Instant, job: Job) -> Key {
    enqueue(
        at,
        Entry {
            job,
            on_runner: true,
        },
    )
}

fn enqueue(at: Instant, entry: Entry) -> Key {
    let mut queue = lock(&TIMER.queue);
    let key = Key {
        at,
        seq: queue.next_seq,
    };
    queue.next_seq += 1;
    // Invariant 5: a job due before the thread wakes anyway wakes it.
    let wake = match queue.asleep {
        Asleep::No => false,
        Asleep::Until(until) => at < until,
        Asleep::Forever => true,
    };
    queue.entries.insert(key, entry);
    let process = crate::pid::id();
    if queue.running != process {
        // The new thread starts by taking this lock, so it sees the entry.
        let started = thread::Builder::new()
            .name("gracefully-timer".into())
            .spawn(run)
            .is_ok();
        queue.running = if started { process } else { 0 };
    }
    drop(queue);
    if wake {
        TIMER.wakeup.notify_one();
    }
    key
}

/// Takes job `key` out of the queue unless it has started (or run), so a
/// cancelled job holds nothing; whether it was taken out.
pub(crate) fn cancel(key: Key) -> bool {
    lock(&TIMER.queue).entries.remove(&key).is_some()
}

/// How many jobs are queued for `at` or later (for tests).
#[cfg(all(test, not(loom)))]
pub(crate) fn queued_from(at: Instant) -> usize {
    lock(&TIMER.queue)
        .entries
        .range(Key { at, seq: 0 }..)
        .count()
}

fn run() {
    let timer = &TIMER;
    let mut queue = lock(&timer.queue);
    loop {
        let now = Instant::now();
        match queue.entries.first_key_value() {
            Some((first, _)) if first.at <= now => {
                let Some((_, entry)) = queue.entries.pop_first() else {
                    continue;
                };
                drop(queue);
                if entry.on_runner {
                    runners::run(entry.job);
                } else {
                    // A panicking job must not take the thread down with it.
                    let _ = panic::catch_unwind(AssertUnwindSafe(entry.job));
                }
                queue = lock(&timer.queue);
            }
            Some((first, _)) => {
                let (at, wait) = (first.at, first.at - now);
                queue.asleep = Asleep::Until(at);
                queue = timer
                    .wakeup
                    .wait_timeout(queue, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            None => {
                queue.asleep = Asleep::Forever;
                queue = timer
                    .wakeup
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
        queue.asleep = Asleep::No;
    }
}

/// The runner threads of invariant 4.
mod runners {
    use std::collections::VecDeque;
    use std::panic::{self, AssertUnwindSafe};
    use std::thread;

    use super::{Job, RUNNER_IDLE};
    use crate::sync::PoisonError;
    use crate::sync::global::{Condvar, Mutex, lock};

    struct Work {
        jobs: VecDeque<Job>,
        /// Runners waiting for a job.
        idle: usize,
        /// The process they wait in (invariant 6).
        process: u32,
    }

    static WORK: Mutex<Work> = Mutex::new(Work {
        jobs: VecDeque::new(),
        idle: 0,
        process: 0,
    });
    static AVAILABLE: Condvar = Condvar::new();

    /// Runs `job` on a runner: a waiting one, or a new one (invariant 4).
    pub(super) fn run(job: Job) {
        let mut work = lock(&WORK);
        let process = crate::pid::id();
        if work.process != process {
            // Forked: the runners counted here are the parent's.
            work.process = process;
            work.idle = 0;
        }
        work.jobs.push_back(job);
        // A waiting runner counts as idle until it has the lock again, so
        // each queued job beyond the waiting runners gets a new one.
        if work.jobs.len() <= work.idle {
            drop(work);
            AVAILABLE.notify_one();
            return;
        }
        drop(work);
        let started = thread::Builder::new()
            .name("gracefully-deadline".into())
            .spawn(runner)
            .is_ok();
        if !started {
            // Out of threads: run it here rather than not at all.
            if let Some(job) = lock(&WORK).jobs.pop_back() {
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
            }
        }
    }

    fn runner() {
        let mut work = lock(&WORK);
        loop {
            if let Some(job) = work.jobs.pop_front() {
                drop(work);
                // A panicking job must not take the runner down with it.
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
                work = lock(&WORK);
                continue;
            }
            work.idle += 1;
            let (guard, waited) = AVAILABLE
                .wait_timeout(work, RUNNER_IDLE)
                .unwrap_or_else(PoisonError::into_inner);
            work = guard;
            work.idle -= 1;
            if waited.timed_out() && work.jobs.is_empty() {
                return;
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn jobs_run_in_deadline_order() {
        let (tx, rx) = mpsc::channel();
        for (delay, tag) in [(30, 'c'), (10, 'a'), (20, 'b')] {
            let tx = tx.clone();
            schedule(
                Duration::from_millis(delay),
                Box::new(move || tx.send(tag).unwrap()),
            );
        }
        let got: Vec<char> = (0..3)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        assert_eq!(got, ['a', 'b', 'c']);
    }
}

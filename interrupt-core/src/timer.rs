//! One background thread for the whole process that runs jobs after a delay.
//!
//! # Invariants
//!
//! 1. Jobs run on the timer thread, outside the timer lock, in deadline order.
//! 2. The thread starts on the first `schedule` and then lives as long as the
//!    process; it holds no scope and never blocks on a user lock.
//! 3. Jobs take only a scope's `waiters` lock, never the timer lock.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::thread;
use std::time::{Duration, Instant};

use crate::sync::PoisonError;
use crate::sync::global::{Condvar, Mutex, lock};

type Job = Box<dyn FnOnce() + Send>;

/// A scheduled job, for [`cancel`]: its time and a sequence number that
/// keeps jobs of the same time apart and in the order they came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    at: Instant,
    seq: u64,
}

struct Queue {
    entries: BTreeMap<Key, Job>,
    next_seq: u64,
    running: bool,
}

struct Timer {
    queue: Mutex<Queue>,
    wakeup: Condvar,
}

static TIMER: Timer = Timer {
    queue: Mutex::new(Queue {
        entries: BTreeMap::new(),
        next_seq: 0,
        running: false,
    }),
    wakeup: Condvar::new(),
};

/// Runs `job` on the timer thread once `delay` has passed; returns its key
/// for [`cancel`], or `None` for a job due after the end of representable
/// time, which never runs.
///
/// The thread starts on the first call. If it cannot be started (the process
/// is out of threads), the job waits in the queue and the next call tries
/// again.
pub(crate) fn schedule(delay: Duration, job: Job) -> Option<Key> {
    let at = Instant::now().checked_add(delay)?;
    let mut queue = lock(&TIMER.queue);
    let key = Key {
        at,
        seq: queue.next_seq,
    };
    queue.next_seq += 1;
    let earliest = queue
        .entries
        .first_key_value()
        .is_none_or(|(first, _)| key < *first);
    queue.entries.insert(key, job);
    if !queue.running {
        // The new thread starts by taking this lock, so it sees the entry.
        queue.running = thread::Builder::new()
            .name("gracefully-timer".into())
            .spawn(run)
            .is_ok();
    }
    drop(queue);
    if earliest {
        TIMER.wakeup.notify_one();
    }
    Some(key)
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
                let Some((_, job)) = queue.entries.pop_first() else {
                    continue;
                };
                drop(queue);
                // A panicking job must not take the thread down with it.
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
                queue = lock(&timer.queue);
            }
            Some((first, _)) => {
                let wait = first.at - now;
                queue = timer
                    .wakeup
                    .wait_timeout(queue, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            None => {
                queue = timer
                    .wakeup
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
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

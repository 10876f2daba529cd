//! One background thread for the whole process that runs jobs after a delay.
//!
//! # Invariants
//!
//! 1. Jobs run on the timer thread, outside the timer lock, in deadline order.
//! 2. The thread starts on the first `schedule` and then lives as long as the
//!    process; it holds no scope and never blocks on a user lock.
//! 3. Jobs take only a scope's `waiters` lock, never the timer lock.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::panic::{self, AssertUnwindSafe};
use std::thread;
use std::time::{Duration, Instant};

use crate::sync::PoisonError;
use crate::sync::global::{Condvar, Mutex, lock};

type Job = Box<dyn FnOnce() + Send>;

struct Entry {
    at: Instant,
    seq: u64,
    job: Job,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// Reversed, so that `BinaryHeap` pops the earliest entry first.
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

struct Queue {
    entries: BinaryHeap<Entry>,
    next_seq: u64,
    running: bool,
}

struct Timer {
    queue: Mutex<Queue>,
    wakeup: Condvar,
}

static TIMER: Timer = Timer {
    queue: Mutex::new(Queue {
        entries: BinaryHeap::new(),
        next_seq: 0,
        running: false,
    }),
    wakeup: Condvar::new(),
};

/// Runs `job` on the timer thread once `delay` has passed.
///
/// The thread starts on the first call. If it cannot be started (the process
/// is out of threads), the job waits in the queue and the next call tries
/// again.
pub(crate) fn schedule(delay: Duration, job: Job) {
    // A job due after the end of representable time never runs.
    let Some(at) = Instant::now().checked_add(delay) else {
        return;
    };
    let mut queue = lock(&TIMER.queue);
    let seq = queue.next_seq;
    queue.next_seq += 1;
    let earliest = queue.entries.peek().is_none_or(|first| at < first.at);
    queue.entries.push(Entry { at, seq, job });
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
}

fn run() {
    let timer = &TIMER;
    let mut queue = lock(&timer.queue);
    loop {
        let now = Instant::now();
        match queue.entries.peek() {
            Some(first) if first.at <= now => {
                let Some(entry) = queue.entries.pop() else {
                    continue;
                };
                drop(queue);
                // A panicking job must not take the thread down with it.
                let _ = panic::catch_unwind(AssertUnwindSafe(entry.job));
                queue = lock(&timer.queue);
            }
            Some(first) => {
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

//! [`sleep`]: a sleep that an interrupt cuts short.

use std::panic::Location;
use std::thread;
use std::time::{Duration, Instant};

use crate::current::with_current_at;
use crate::exit::ThreadExit;
use crate::scope::{Scope, WaitKind};

/// Sleeps for `dur`, or until the current scope is interrupted.
///
/// An interruption point: when a request is already pending it returns at
/// once without sleeping, and a request made during the sleep wakes it
/// within the latency of `unpark`. Inside a critical section it sleeps the
/// whole duration, as [`std::thread::sleep`] does. When the duration ends at
/// the same moment a request arrives, the sleep counts as completed (`Ok`)
/// and the request is delivered at the next interruption point.
///
/// # Differences from std
///
/// The sleep waits on the thread's park token. A `Thread::unpark` from
/// elsewhere does not end it early, and is not lost: if one arrives during
/// the sleep, the token is set again before the sleep returns, so a later
/// [`std::thread::park`] returns at once (std allows `park` to return
/// spuriously, so correct park loops are unaffected).
///
/// # Errors
///
/// [`ThreadExit`] when the scope is interrupted before or during the sleep,
/// outside critical sections.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let worker = gracefully::spawn(|| gracefully::sleep(Duration::from_hours(1)));
/// worker.interrupt();
/// assert!(worker.join().unwrap().is_err()); // long before the hour is up
/// ```
#[track_caller]
pub fn sleep(dur: Duration) -> Result<(), ThreadExit> {
    with_current_at(WaitKind::Sleep, Location::caller(), |scope| {
        sleep_in(scope, dur)
    })
}

/// [`sleep`] in `scope`, not marked for reports: for waits that sleep
/// between their own checks (scope invariant 11).
pub(crate) fn sleep_in(scope: &Scope, dur: Duration) -> Result<(), ThreadExit> {
    // Inside a critical section nothing is deliverable, so the loop
    // sleeps to the deadline, unless the outermost section closes first
    // on another thread sharing the scope.
    let _wake = scope.start_wait(None)?;
    // `None`: too far ahead to represent; sleep until interrupted.
    let deadline = Instant::now().checked_add(dur);
    // Whether a park returned before the deadline: that may have used up
    // an unpark meant for someone else's `park`, so it is given back.
    let mut woke_early = false;
    let result = loop {
        let left = match deadline {
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => break Ok(()),
            },
            None => None,
        };
        if let Some(exit) = scope.pending() {
            break Err(exit);
        }
        match left {
            Some(left) => thread::park_timeout(left),
            None => thread::park(),
        }
        woke_early |= deadline.is_none_or(|deadline| Instant::now() < deadline);
    };
    if woke_early {
        thread::current().unpark();
    }
    result
}

//! [`InterruptHandle::interrupt_after`]: a request made when time runs out.
//!
//! # Invariants
//!
//! 1. Every deadline runs on the process's one timer thread, and has at
//!    most one job in the timer's queue: the "armed" one (`armed`, its time
//!    and key). Arming an earlier job cancels the armed one; dropping the
//!    deadline cancels it, so the queue holds no more jobs than there are
//!    live deadlines. A job that finds it is not the armed one (it was
//!    running as it was cancelled) does nothing.
//! 2. Re-arming to a later time schedules nothing: the armed job, when it
//!    fires early, schedules itself again for the new time. Re-arming to an
//!    earlier time schedules a new armed job.
//! 3. Once `Deadline`'s `Drop` has returned, its request never lands: the
//!    job that takes `due` marks the deadline `firing` under the lock and
//!    clears the mark (and notifies `fired`) once the request is made; the
//!    drop clears `due` under the lock and waits while another thread is
//!    firing. A drop on the firing thread itself (from an `on_interrupt`
//!    callback the request runs) does not wait.
//!
//! Lock order: a deadline's `times`, then the timer's queue.

use std::fmt;
use std::time::{Duration, Instant};

use crate::exit::Cause;
use crate::handle::InterruptHandle;
use crate::scope::Scope;
use crate::sync::thread::{self, ThreadId};
use crate::sync::{Arc, Condvar, Mutex, PoisonError, Weak, lock};
use crate::timer;

impl InterruptHandle {
    /// Requests the scope, with [`Cause::Deadline`], once `after` has
    /// passed, unless the returned guard is dropped first.
    ///
    /// All deadlines of the process share one timer thread; the requests
    /// themselves, with their [`on_interrupt`](InterruptHandle::on_interrupt)
    /// callbacks, run on helper threads (`gracefully-deadline`, started as
    /// needed and gone when idle), so a slow callback never delays another
    /// deadline or a wait's wake-up. [`Deadline::reset`]
    /// moves the deadline (for an idle timeout, reset it on each bit of
    /// progress).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gracefully::Cause;
    ///
    /// let worker = gracefully::spawn(|| {
    ///     let _deadline = gracefully::current().interrupt_after(Duration::from_millis(20));
    ///     gracefully::sleep(Duration::from_secs(60))
    /// });
    /// assert_eq!(worker.join().unwrap().unwrap_err().cause(), Cause::Deadline);
    /// ```
    pub fn interrupt_after(&self, after: Duration) -> Deadline {
        Deadline::new(self.scope(), Instant::now().checked_add(after))
    }
}

/// A pending deadline made by [`InterruptHandle::interrupt_after`].
/// Dropping it cancels the deadline: once the drop has returned, the
/// deadline's request never lands (a drop racing with the deadline waits
/// for a request being made at that moment), and the timer holds nothing
/// of it any more.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let handle = gracefully::InterruptHandle::new();
/// let deadline = handle.interrupt_after(Duration::from_millis(5));
/// drop(deadline);
/// std::thread::sleep(Duration::from_millis(20));
/// assert!(!handle.is_interrupted());
/// ```
#[must_use = "the deadline is cancelled as soon as the guard is dropped"]
pub struct Deadline {
    state: Arc<State>,
}

struct State {
    scope: Weak<Scope>,
    times: Mutex<Times>,
    /// Notified when `firing` is cleared (invariant 3).
    fired: Condvar,
}

struct Times {
    /// When the request is due; `None` once cancelled.
    due: Option<Instant>,
    /// When the armed job fires, and its key in the timer (invariant 1).
    armed: Option<(Instant, timer::Key)>,
    /// The thread making the request right now (invariant 3).
    firing: Option<ThreadId>,
}

impl Deadline {
    /// A deadline that requests `scope` at `due` (never, for `None`).
    pub(crate) fn new(scope: &Arc<Scope>, due: Option<Instant>) -> Self {
        let deadline = Deadline {
            state: Arc::new(State {
                scope: Arc::downgrade(scope),
                times: Mutex::new(Times {
                    due: None,
                    armed: None,
                    firing: None,
                }),
                fired: Condvar::new(),
            }),
        };
        deadline.set(due);
        deadline
    }

    /// Moves the deadline to `after` from now, earlier or later.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let handle = gracefully::InterruptHandle::new();
    /// let deadline = handle.interrupt_after(Duration::from_secs(3600));
    /// deadline.reset(Duration::from_millis(1));
    /// std::thread::sleep(Duration::from_millis(50));
    /// assert!(handle.is_interrupted());
    /// ```
    pub fn reset(&self, after: Duration) {
        self.set(Instant::now().checked_add(after));
    }

    /// Moves the deadline to `due`; `None` (beyond representable time) is
    /// never.
    fn set(&self, due: Option<Instant>) {
        let mut times = lock(&self.state.times);
        let Some(due) = due else {
            times.due = None;
            disarm(&mut times);
            return;
        };
        times.due = Some(due);
        if times.armed.is_none_or(|(armed, _)| due < armed) {
            disarm(&mut times);
            arm(&self.state, &mut times, due);
        }
    }
}

/// Schedules the job of `state` for `at` as the armed one (invariant 1).
fn arm(state: &Arc<State>, times: &mut Times, at: Instant) {
    let job_state = Arc::clone(state);
    let key = timer::schedule_on_runner(at, Box::new(move || fire(&job_state, at)));
    times.armed = Some((at, key));
}

/// Cancels the armed job, if any (invariant 1).
fn disarm(times: &mut Times) {
    if let Some((_, key)) = times.armed.take() {
        timer::cancel(key);
    }
}

/// The job of a deadline armed for `at`.
fn fire(state: &Arc<State>, at: Instant) {
    let mut times = lock(&state.times);
    if times.armed.is_none_or(|(armed, _)| armed != at) {
        return; // cancelled as it started (invariant 1)
    }
    times.armed = None;
    match times.due {
        None => {}
        Some(due) if due <= Instant::now() => {
            times.due = None;
            times.firing = Some(thread::current().id());
            drop(times);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if let Some(scope) = state.scope.upgrade() {
                    scope.request(Cause::Deadline);
                }
            }));
            lock(&state.times).firing = None;
            state.fired.notify_all();
            if let Err(payload) = outcome {
                std::panic::resume_unwind(payload); // to the timer, which goes on
            }
        }
        // Re-armed to a later time (invariant 2).
        Some(due) => arm(state, &mut times, due),
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        let mut times = lock(&self.state.times);
        times.due = None;
        disarm(&mut times);
        // Invariant 3: a request being made now lands before this returns.
        while times
            .firing
            .is_some_and(|firing| firing != thread::current().id())
        {
            times = self
                .state
                .fired
                .wait(times)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl fmt::Debug for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deadline")
            .field("due", &lock(&self.state.times).due)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn dropped_deadlines_leave_nothing_in_the_timer() {
        let handle = InterruptHandle::new();
        // Far enough out that no other test's job is queued that late.
        let after = Duration::from_hours(20);
        let from = Instant::now() + Duration::from_hours(9);
        let before = timer::queued_from(from);
        for _ in 0..10_000 {
            drop(handle.interrupt_after(after));
        }
        let reset = handle.interrupt_after(after);
        for _ in 0..1_000 {
            reset.reset(after); // later: nothing new is queued
            reset.reset(after / 2); // earlier: the armed job is replaced
        }
        assert_eq!(timer::queued_from(from), before + 1);
        drop(reset);
        assert_eq!(timer::queued_from(from), before);
    }
}

//! [`InterruptHandle::interrupt_after`]: a request made when time runs out.
//!
//! # Invariants
//!
//! 1. Every deadline runs on the process's one timer thread; a deadline
//!    has at most one job that is "armed" (`armed_at`), the earliest one
//!    scheduled; other jobs of the same deadline find they are not armed
//!    and do nothing.
//! 2. Re-arming to a later time schedules nothing: the armed job, when it
//!    fires early, schedules itself again for the new time. Re-arming to an
//!    earlier time schedules a new armed job.
//! 3. Once `Deadline`'s `Drop` has returned, its request never lands: the
//!    job that takes `due` marks the deadline `firing` under the lock and
//!    clears the mark (and notifies `fired`) once the request is made; the
//!    drop clears `due` under the lock and waits while another thread is
//!    firing. A drop on the firing thread itself (from an `on_interrupt`
//!    callback the request runs) does not wait.

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
    /// All deadlines of the process share one timer thread. [`Deadline::reset`]
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
        let deadline = Deadline {
            state: Arc::new(State {
                scope: Arc::downgrade(self.scope()),
                times: Mutex::new(Times {
                    due: None,
                    armed_at: None,
                    firing: None,
                }),
                fired: Condvar::new(),
            }),
        };
        deadline.reset(after);
        deadline
    }
}

/// A pending deadline made by [`InterruptHandle::interrupt_after`].
/// Dropping it cancels the deadline: once the drop has returned, the
/// deadline's request never lands (a drop racing with the deadline waits
/// for a request being made at that moment).
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
    /// When the armed job fires (invariant 1).
    armed_at: Option<Instant>,
    /// The thread making the request right now (invariant 3).
    firing: Option<ThreadId>,
}

impl Deadline {
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
        let Some(due) = Instant::now().checked_add(after) else {
            // Beyond representable time: it never fires.
            lock(&self.state.times).due = None;
            return;
        };
        let mut times = lock(&self.state.times);
        times.due = Some(due);
        if times.armed_at.is_none_or(|armed| due < armed) {
            times.armed_at = Some(due);
            drop(times);
            schedule(&self.state, due);
        }
    }
}

fn schedule(state: &Arc<State>, at: Instant) {
    let state = Arc::clone(state);
    timer::schedule(
        at.saturating_duration_since(Instant::now()),
        Box::new(move || fire(&state, at)),
    );
}

/// The job of a deadline armed for `at`.
fn fire(state: &Arc<State>, at: Instant) {
    let mut times = lock(&state.times);
    if times.armed_at != Some(at) {
        return; // superseded by an earlier job (invariant 1)
    }
    times.armed_at = None;
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
        Some(due) => {
            // Re-armed to a later time (invariant 2).
            times.armed_at = Some(due);
            drop(times);
            schedule(state, due);
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        let me = thread::current().id();
        let mut times = lock(&self.state.times);
        times.due = None;
        // Invariant 3: a request being made now lands before this returns.
        while times.firing.is_some_and(|firing| firing != me) {
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

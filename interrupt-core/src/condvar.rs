//! Interruptible waits on a [`std::sync::Condvar`]: [`wait`], [`wait_while`],
//! [`wait_timeout`]. How a request reaches a condvar wait is described on
//! [`wait`].

use crate::sync::{Condvar, MutexGuard, PoisonError, WaitTimeoutResult};
use std::time::Duration;

use crate::current::with_current;
use crate::exit::ThreadExit;
use crate::scope::Scope;

/// Test hook: in unit tests, a wait can be made to request its own scope
/// right after its flag check, the moment invariant 4 of `scope` is about.
#[cfg(not(test))]
fn request_in_window() {}

/// Blocks on `condvar` until notified or interrupted; [`Condvar::wait`]
/// plus interruption.
///
/// An interruption point: with a request already pending it returns `Err` at
/// once, without waiting. Like std's, it may wake spuriously: call it in a
/// loop, or use [`wait_while`]. Inside a critical section it is a plain
/// `Condvar::wait`.
///
/// # How a request wakes the wait
///
/// A request notifies the condvar the wait is blocked on. std can only wake
/// all of a condvar's waiters (or one it picks), so other waits on a shared
/// condvar see a spurious wake-up; std allows those, and [`wait_while`]
/// absorbs them.
///
/// A request can land after the wait checked for requests but before it
/// blocked, when a notification is lost. So the requester watches the wait
/// for up to 50 µs and notifies it again if it did not wake, and a
/// background thread keeps notifying, at growing intervals up to 10 ms,
/// until the wait has returned (the wait may be blocked on its mutex if the
/// requester holds it). No request is lost.
///
/// # Differences from std
///
/// - No `PoisonError`: a mutex poisoned by a panic in another thread during
///   the wait is handed back as it is (check `Mutex::is_poisoned` if it
///   matters; the guard you passed in was already past that check).
/// - On `Err`, the guard is dropped and the mutex is unlocked: the thread is
///   on its way out.
///
/// # Errors
///
/// [`ThreadExit`] when the scope is interrupted before or during the wait,
/// outside critical sections.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Condvar, Mutex};
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let shared = Arc::clone(&pair);
/// let worker = gracefully::spawn(move || {
///     let (ready, condvar) = &*shared;
///     let mut ready = ready.lock().unwrap();
///     while !*ready {
///         ready = gracefully::wait(condvar, ready)?;
///     }
///     Ok::<_, gracefully::ThreadExit>(())
/// });
/// worker.interrupt(); // nobody will ever set `ready`
/// assert!(worker.join().unwrap().is_err());
/// ```
pub fn wait<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
) -> Result<MutexGuard<'a, T>, ThreadExit> {
    with_current(|scope| {
        let _wake = scope.start_wait(Some(condvar))?;
        request_in_window();
        let guard = condvar.wait(guard).unwrap_or_else(PoisonError::into_inner);
        scope.pending().map_or(Ok(guard), Err)
    })
}

/// Blocks on `condvar` while `condition` returns `true`, or until
/// interrupted; [`Condvar::wait_while`] plus interruption.
///
/// With a request already pending it returns `Err` without evaluating
/// `condition`. After each wake-up the condition is evaluated first: when it
/// is satisfied the wait has completed and returns `Ok`, even if a request
/// arrived meanwhile (the request is delivered at the next interruption
/// point).
///
/// Wake-ups and differences from std: as for [`wait`].
///
/// # Errors
///
/// [`ThreadExit`] when the scope is interrupted before or during the wait,
/// outside critical sections.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Condvar, Mutex};
///
/// let queue = Arc::new((Mutex::new(Vec::<u32>::new()), Condvar::new()));
/// let shared = Arc::clone(&queue);
/// let consumer = gracefully::spawn(move || {
///     let (items, condvar) = &*shared;
///     let mut items = gracefully::wait_while(condvar, items.lock().unwrap(), |v| v.is_empty())?;
///     Ok::<_, gracefully::ThreadExit>(items.pop())
/// });
/// queue.0.lock().unwrap().push(7);
/// queue.1.notify_all();
/// assert_eq!(consumer.join().unwrap(), Ok(Some(7)));
/// ```
pub fn wait_while<'a, T, F>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    condition: F,
) -> Result<MutexGuard<'a, T>, ThreadExit>
where
    F: FnMut(&mut T) -> bool,
{
    with_current(|scope| wait_while_in(scope, condvar, guard, condition))
}

/// [`wait_while`] in `scope`.
pub(crate) fn wait_while_in<'a, T, F>(
    scope: &Scope,
    condvar: &Condvar,
    mut guard: MutexGuard<'a, T>,
    mut condition: F,
) -> Result<MutexGuard<'a, T>, ThreadExit>
where
    F: FnMut(&mut T) -> bool,
{
    let _wake = scope.start_wait(Some(condvar))?;
    loop {
        if !condition(&mut *guard) {
            return Ok(guard);
        }
        if let Some(exit) = scope.pending() {
            return Err(exit);
        }
        request_in_window();
        guard = condvar.wait(guard).unwrap_or_else(PoisonError::into_inner);
    }
}

/// Blocks on `condvar` until notified, `dur` has passed, or interrupted;
/// [`Condvar::wait_timeout`] plus interruption.
///
/// A wait that timed out has completed: it returns `Ok` with
/// [`WaitTimeoutResult::timed_out`] set even if a request arrived at the
/// same moment. Wake-ups and differences from std: as for [`wait`].
///
/// # Errors
///
/// [`ThreadExit`] when the scope is interrupted before or during the wait,
/// outside critical sections.
///
/// # Examples
///
/// ```
/// use std::sync::{Condvar, Mutex};
/// use std::time::Duration;
///
/// let lock = Mutex::new(());
/// let condvar = Condvar::new();
/// let (_guard, result) =
///     gracefully::wait_timeout(&condvar, lock.lock().unwrap(), Duration::from_millis(5))?;
/// assert!(result.timed_out());
/// # Ok::<(), gracefully::ThreadExit>(())
/// ```
pub fn wait_timeout<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    dur: Duration,
) -> Result<(MutexGuard<'a, T>, WaitTimeoutResult), ThreadExit> {
    with_current(|scope| {
        let _wake = scope.start_wait(Some(condvar))?;
        request_in_window();
        let (guard, result) = condvar
            .wait_timeout(guard, dur)
            .unwrap_or_else(PoisonError::into_inner);
        if !result.timed_out()
            && let Some(exit) = scope.pending()
        {
            return Err(exit);
        }
        Ok((guard, result))
    })
}

#[cfg(test)]
thread_local! {
    static REQUEST_IN_WINDOW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn request_in_window() {
    if REQUEST_IN_WINDOW.replace(false) {
        crate::current::current_arc().request(crate::exit::Cause::Interrupted);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::mpsc;

    /// The request's own notification reaches nobody (the wait has not
    /// started); only the repeated notification can end the wait.
    fn woken_after_a_request_between_check_and_wait(
        wait: fn(&Condvar, std::sync::MutexGuard<'_, ()>) -> Result<(), ThreadExit>,
    ) {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let lock = Mutex::new(());
            let condvar = Condvar::new();
            REQUEST_IN_WINDOW.set(true);
            done.send(wait(&condvar, lock.lock().unwrap())).unwrap();
        });
        let result = finished
            .recv_timeout(Duration::from_secs(20))
            .expect("a request made as the wait started was lost");
        assert!(result.is_err());
    }

    #[test]
    fn wait_is_woken_after_a_request_between_check_and_wait() {
        woken_after_a_request_between_check_and_wait(|c, g| wait(c, g).map(drop));
    }

    #[test]
    fn wait_while_is_woken_after_a_request_between_check_and_wait() {
        woken_after_a_request_between_check_and_wait(|c, g| wait_while(c, g, |()| true).map(drop));
    }

    #[test]
    fn wait_timeout_is_woken_after_a_request_between_check_and_wait() {
        woken_after_a_request_between_check_and_wait(|c, g| {
            wait_timeout(c, g, Duration::from_hours(1)).map(drop)
        });
    }
}

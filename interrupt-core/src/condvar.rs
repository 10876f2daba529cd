//! Interruptible condvar waits: [`Condvar`], the crate's own, and [`wait`],
//! [`wait_while`], [`wait_timeout`] on a [`std::sync::Condvar`]. How a
//! request reaches a condvar wait is described on [`wait`].

use std::fmt;
use std::panic::Location;
use std::time::Duration;

use crate::current::with_current_at;
use crate::exit::ThreadExit;
use crate::scope::{Registration, Scope, WaitKind};
use crate::sync::{Arc, Condvar as StdCondvar, MutexGuard, PoisonError, WaitTimeoutResult};

/// Test hook: in unit tests, a wait can be made to request its own scope
/// right after its flag check, the moment invariant 4 of `scope` is about.
#[cfg(not(test))]
fn request_in_window() {}

/// A condition variable whose waits are interruption points: std's
/// [`Condvar`](std::sync::Condvar), with `wait`s that return
/// `Err(ThreadExit)` when their scope is interrupted.
///
/// It works with [`std::sync::Mutex`] and its guards, as std's does, and
/// keeps std's wake-up rules: a wait may wake spuriously (so loop, or use
/// [`Condvar::wait_while`]), and `notify_one`/`notify_all` wake waits as
/// std's do.
///
/// # Compared with the free functions on a std condvar
///
/// [`wait`], [`wait_while`] and [`wait_timeout`] interrupt waits on any
/// `std::sync::Condvar`, which they only borrow: a request's notification
/// must be finished before the wait may return, since the caller may drop
/// the condvar next, so a woken wait can be held until the requester's
/// notifying call has returned (a system call, slow to return when the
/// requester is preempted or busy). A `Condvar` shares its inner condvar
/// with the request that notifies it, so its waits return as soon as they
/// are woken. Prefer it where you own the condvar; it costs one allocation
/// in [`Condvar::new`].
///
/// Everything else is as for the free functions: a request notifies every
/// wait on the condvar (the others see a spurious wake-up), it is never
/// lost (see [`wait`]), and inside a critical section a wait is a plain
/// one.
///
/// # Differences from std
///
/// - The waits return `Result<_, ThreadExit>` instead of a `LockResult`: a
///   mutex poisoned by a panic in another thread during the wait is handed
///   back as it is.
/// - On `Err`, the guard is dropped and the mutex is unlocked.
/// - `new` is not `const`; a `static` one goes in a
///   [`LazyLock`](std::sync::LazyLock).
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// let queue = Arc::new((Mutex::new(Vec::<u32>::new()), gracefully::Condvar::new()));
/// let shared = Arc::clone(&queue);
/// let consumer = gracefully::spawn(move || {
///     let (items, condvar) = &*shared;
///     let mut taken = Vec::new();
///     loop {
///         let mut items = condvar.wait_while(items.lock().unwrap(), |v| v.is_empty())?;
///         taken.append(&mut items);
///     }
///     # #[allow(unreachable_code)]
///     Ok::<_, gracefully::ThreadExit>(taken)
/// });
/// queue.0.lock().unwrap().push(7);
/// queue.1.notify_one();
/// consumer.interrupt(); // it stops at its next wait, or in it
/// assert!(consumer.join().unwrap().is_err());
/// ```
pub struct Condvar {
    inner: Arc<StdCondvar>,
}

impl Condvar {
    /// A new condition variable, with no waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let condvar = gracefully::Condvar::new();
    /// condvar.notify_all(); // nobody waits: nothing happens
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: Arc::new(StdCondvar::new()),
        }
    }

    /// Blocks until notified or interrupted; [`std::sync::Condvar::wait`]
    /// plus interruption.
    ///
    /// With a request already pending it returns `Err` at once. Like std's,
    /// it may wake spuriously: call it in a loop, or use
    /// [`Condvar::wait_while`].
    ///
    /// # Errors
    ///
    /// [`ThreadExit`] when the scope is interrupted before or during the
    /// wait, outside critical sections.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(false), gracefully::Condvar::new()));
    /// let shared = Arc::clone(&pair);
    /// let worker = gracefully::spawn(move || {
    ///     let (ready, condvar) = &*shared;
    ///     let mut ready = ready.lock().unwrap();
    ///     while !*ready {
    ///         ready = condvar.wait(ready)?;
    ///     }
    ///     Ok::<_, gracefully::ThreadExit>(())
    /// });
    /// worker.interrupt(); // nobody will ever set `ready`
    /// assert!(worker.join().unwrap().is_err());
    /// ```
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> Result<MutexGuard<'a, T>, ThreadExit> {
        with_current_at(WaitKind::Condvar, Location::caller(), |scope| {
            wait_in(scope, self.on(), guard)
        })
    }

    /// Blocks while `condition` returns `true`, or until interrupted;
    /// [`std::sync::Condvar::wait_while`] plus interruption.
    ///
    /// With a request already pending it returns `Err` without evaluating
    /// `condition`. After each wake-up the condition is evaluated first:
    /// when it is satisfied the wait has completed and returns `Ok`, even if
    /// a request arrived meanwhile.
    ///
    /// # Errors
    ///
    /// [`ThreadExit`] when the scope is interrupted before or during the
    /// wait, outside critical sections.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(0), gracefully::Condvar::new()));
    /// let shared = Arc::clone(&pair);
    /// let waiter = gracefully::spawn(move || {
    ///     let (count, condvar) = &*shared;
    ///     let count = condvar.wait_while(count.lock().unwrap(), |n| *n < 3)?;
    ///     Ok::<_, gracefully::ThreadExit>(*count)
    /// });
    /// for _ in 0..3 {
    ///     *pair.0.lock().unwrap() += 1;
    ///     pair.1.notify_all();
    /// }
    /// assert_eq!(waiter.join().unwrap(), Ok(3));
    /// ```
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        condition: F,
    ) -> Result<MutexGuard<'a, T>, ThreadExit>
    where
        F: FnMut(&mut T) -> bool,
    {
        with_current_at(WaitKind::Condvar, Location::caller(), |scope| {
            wait_while_in(scope, self.on(), guard, condition)
        })
    }

    /// Blocks until notified, `dur` has passed, or interrupted;
    /// [`std::sync::Condvar::wait_timeout`] plus interruption.
    ///
    /// A wait that timed out has completed: it returns `Ok` with
    /// [`WaitTimeoutResult::timed_out`] set even if a request arrived at the
    /// same moment.
    ///
    /// # Errors
    ///
    /// [`ThreadExit`] when the scope is interrupted before or during the
    /// wait, outside critical sections.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use std::time::Duration;
    ///
    /// let lock = Mutex::new(());
    /// let condvar = gracefully::Condvar::new();
    /// let (_guard, result) = condvar.wait_timeout(lock.lock().unwrap(), Duration::from_millis(5))?;
    /// assert!(result.timed_out());
    /// # Ok::<(), gracefully::ThreadExit>(())
    /// ```
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> Result<(MutexGuard<'a, T>, WaitTimeoutResult), ThreadExit> {
        with_current_at(WaitKind::Condvar, Location::caller(), |scope| {
            wait_timeout_in(scope, self.on(), guard, dur)
        })
    }

    /// Blocks while `condition` returns `true`, for at most `dur`, or until
    /// interrupted; [`std::sync::Condvar::wait_timeout_while`] plus
    /// interruption.
    ///
    /// As std's, it returns with [`WaitTimeoutResult::timed_out`] set when
    /// the condition still held when `dur` ran out. With a request already
    /// pending it returns `Err` without evaluating `condition`; after a
    /// wake-up, a satisfied condition or the end of `dur` completes the wait
    /// (`Ok`) even if a request arrived meanwhile.
    ///
    /// # Errors
    ///
    /// [`ThreadExit`] when the scope is interrupted before or during the
    /// wait, outside critical sections.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use std::time::Duration;
    ///
    /// let ready = Mutex::new(false);
    /// let condvar = gracefully::Condvar::new();
    /// let (ready, result) =
    ///     condvar.wait_timeout_while(ready.lock().unwrap(), Duration::from_millis(5), |r| !*r)?;
    /// assert!(result.timed_out() && !*ready);
    /// # Ok::<(), gracefully::ThreadExit>(())
    /// ```
    #[cfg(not(loom))]
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> Result<(MutexGuard<'a, T>, WaitTimeoutResult), ThreadExit>
    where
        F: FnMut(&mut T) -> bool,
    {
        with_current_at(WaitKind::Condvar, Location::caller(), |scope| {
            let on = self.on();
            let _wake = on.start(scope)?;
            let mut exit = None;
            let (guard, result) = on
                .condvar()
                .wait_timeout_while(guard, dur, |value| {
                    if !condition(value) {
                        return false;
                    }
                    exit = scope.pending();
                    if exit.is_some() {
                        return false;
                    }
                    request_in_window();
                    true
                })
                .unwrap_or_else(PoisonError::into_inner);
            exit.map_or(Ok((guard, result)), Err)
        })
    }

    /// Wakes one wait on this condvar; [`std::sync::Condvar::notify_one`].
    ///
    /// # Examples
    ///
    /// ```
    /// let condvar = gracefully::Condvar::new();
    /// condvar.notify_one(); // nobody waits: nothing happens
    /// ```
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every wait on this condvar; [`std::sync::Condvar::notify_all`].
    ///
    /// # Examples
    ///
    /// ```
    /// let condvar = gracefully::Condvar::new();
    /// condvar.notify_all(); // nobody waits: nothing happens
    /// ```
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }

    fn on(&self) -> On<'_> {
        On::Shared(&self.inner)
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

/// What a condvar wait blocks on.
#[derive(Clone, Copy)]
pub(crate) enum On<'c> {
    /// A std condvar of the caller's, borrowed for the call (scope
    /// invariant 3).
    Borrowed(&'c StdCondvar),
    /// The inner condvar of a [`Condvar`], shared with the request that
    /// notifies it.
    Shared(&'c Arc<StdCondvar>),
}

impl<'c> On<'c> {
    fn condvar(self) -> &'c StdCondvar {
        match self {
            On::Borrowed(condvar) => condvar,
            On::Shared(condvar) => condvar,
        }
    }

    /// Registers the wait's wake-up on `scope` and delivers a pending
    /// request.
    fn start(self, scope: &'c Scope) -> Result<Registration<'c>, ThreadExit> {
        match self {
            On::Borrowed(condvar) => scope.start_wait(Some(condvar)),
            On::Shared(condvar) => scope.start_shared_wait(condvar),
        }
    }
}

/// Blocks on `condvar` until notified or interrupted;
/// [`std::sync::Condvar::wait`] plus interruption.
///
/// An interruption point: with a request already pending it returns `Err` at
/// once, without waiting. Like std's, it may wake spuriously: call it in a
/// loop, or use [`wait_while`]. Inside a critical section it is a plain
/// `Condvar::wait`. Where you own the condvar, [`Condvar`](crate::Condvar)
/// has the same waits, and they return sooner once woken.
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
/// The condvar is only borrowed, and may be dropped as soon as the wait
/// returns, so a woken wait returns only once the requester's notifying
/// call has. When the wake-up preempted the requester on the wait's CPU,
/// the wait sleeps until the requester has run again and finished that
/// call, which costs it a second wake-up. A [`Condvar`](crate::Condvar)
/// is shared with its requesters, and its waits have no such hold.
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
#[track_caller]
pub fn wait<'a, T>(
    condvar: &StdCondvar,
    guard: MutexGuard<'a, T>,
) -> Result<MutexGuard<'a, T>, ThreadExit> {
    with_current_at(WaitKind::Condvar, Location::caller(), |scope| {
        wait_in(scope, On::Borrowed(condvar), guard)
    })
}

/// Blocks on `condvar` while `condition` returns `true`, or until
/// interrupted; [`std::sync::Condvar::wait_while`] plus interruption.
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
#[track_caller]
pub fn wait_while<'a, T, F>(
    condvar: &StdCondvar,
    guard: MutexGuard<'a, T>,
    condition: F,
) -> Result<MutexGuard<'a, T>, ThreadExit>
where
    F: FnMut(&mut T) -> bool,
{
    with_current_at(WaitKind::Condvar, Location::caller(), |scope| {
        wait_while_in(scope, On::Borrowed(condvar), guard, condition)
    })
}

/// Blocks on `condvar` until notified, `dur` has passed, or interrupted;
/// [`std::sync::Condvar::wait_timeout`] plus interruption.
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
#[track_caller]
pub fn wait_timeout<'a, T>(
    condvar: &StdCondvar,
    guard: MutexGuard<'a, T>,
    dur: Duration,
) -> Result<(MutexGuard<'a, T>, WaitTimeoutResult), ThreadExit> {
    with_current_at(WaitKind::Condvar, Location::caller(), |scope| {
        wait_timeout_in(scope, On::Borrowed(condvar), guard, dur)
    })
}

fn wait_in<'a, T>(
    scope: &Scope,
    on: On<'_>,
    guard: MutexGuard<'a, T>,
) -> Result<MutexGuard<'a, T>, ThreadExit> {
    let _wake = on.start(scope)?;
    request_in_window();
    let guard = on
        .condvar()
        .wait(guard)
        .unwrap_or_else(PoisonError::into_inner);
    scope.pending().map_or(Ok(guard), Err)
}

/// [`wait_while`] in `scope`.
pub(crate) fn wait_while_in<'a, T, F>(
    scope: &Scope,
    on: On<'_>,
    mut guard: MutexGuard<'a, T>,
    mut condition: F,
) -> Result<MutexGuard<'a, T>, ThreadExit>
where
    F: FnMut(&mut T) -> bool,
{
    let _wake = on.start(scope)?;
    loop {
        if !condition(&mut *guard) {
            return Ok(guard);
        }
        if let Some(exit) = scope.pending() {
            return Err(exit);
        }
        request_in_window();
        guard = on
            .condvar()
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

fn wait_timeout_in<'a, T>(
    scope: &Scope,
    on: On<'_>,
    guard: MutexGuard<'a, T>,
    dur: Duration,
) -> Result<(MutexGuard<'a, T>, WaitTimeoutResult), ThreadExit> {
    let _wake = on.start(scope)?;
    request_in_window();
    let (guard, result) = on
        .condvar()
        .wait_timeout(guard, dur)
        .unwrap_or_else(PoisonError::into_inner);
    if !result.timed_out()
        && let Some(exit) = scope.pending()
    {
        return Err(exit);
    }
    Ok((guard, result))
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
    fn woken_after_a_request_between_check_and_wait<C: Default + 'static>(
        wait: fn(&C, std::sync::MutexGuard<'_, ()>) -> Result<(), ThreadExit>,
    ) {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let lock = Mutex::new(());
            let condvar = C::default();
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
        woken_after_a_request_between_check_and_wait::<StdCondvar>(|c, g| wait(c, g).map(drop));
        woken_after_a_request_between_check_and_wait::<Condvar>(|c, g| c.wait(g).map(drop));
    }

    #[test]
    fn wait_while_is_woken_after_a_request_between_check_and_wait() {
        woken_after_a_request_between_check_and_wait::<StdCondvar>(|c, g| {
            wait_while(c, g, |()| true).map(drop)
        });
        woken_after_a_request_between_check_and_wait::<Condvar>(|c, g| {
            c.wait_while(g, |()| true).map(drop)
        });
    }

    #[test]
    fn wait_timeout_is_woken_after_a_request_between_check_and_wait() {
        woken_after_a_request_between_check_and_wait::<StdCondvar>(|c, g| {
            wait_timeout(c, g, Duration::from_hours(1)).map(drop)
        });
        woken_after_a_request_between_check_and_wait::<Condvar>(|c, g| {
            c.wait_timeout(g, Duration::from_hours(1)).map(drop)
        });
    }

    #[test]
    fn wait_timeout_while_is_woken_after_a_request_between_check_and_wait() {
        woken_after_a_request_between_check_and_wait::<Condvar>(|c, g| {
            c.wait_timeout_while(g, Duration::from_hours(1), |()| true)
                .map(drop)
        });
    }
}

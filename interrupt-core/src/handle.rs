//! [`InterruptHandle`] and [`interrupt_all`].

use std::fmt;

use crate::current;
use crate::exit::Cause;
use crate::fanout::{Fanout, Panic};
use crate::registry;
use crate::scope::Scope;
use crate::sync::Arc;

/// A handle to a scope: asks it to stop, or asks whether it was asked.
///
/// Cheap to clone (an `Arc`), `Send` and `Sync`. Handles compare equal when
/// they refer to the same scope. A handle keeps its scope alive, so a request
/// made through it after the scope's thread has finished is harmless and has
/// no effect.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let worker = gracefully::spawn(|| gracefully::sleep(Duration::from_secs(60)));
/// let handle = worker.handle().clone();
/// handle.interrupt();
/// assert!(handle.is_interrupted());
/// assert!(worker.join().unwrap().is_err());
/// handle.interrupt(); // the thread is gone: a no-op
/// ```
#[derive(Clone)]
pub struct InterruptHandle {
    scope: Arc<Scope>,
}

impl InterruptHandle {
    /// A new scope that belongs to no thread, for a task or a job.
    ///
    /// It is in the registry (so [`interrupt_all`] reaches it) for as long
    /// as a handle to it lives.
    ///
    /// # Examples
    ///
    /// ```
    /// let job = gracefully::InterruptHandle::new();
    /// assert!(!job.is_interrupted());
    /// job.interrupt();
    /// assert!(job.is_interrupted());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::from_scope(crate::shutdown::new_scope())
    }

    pub(crate) fn from_scope(scope: Arc<Scope>) -> Self {
        Self { scope }
    }

    pub(crate) fn into_scope(self) -> Arc<Scope> {
        self.scope
    }

    pub(crate) fn scope(&self) -> &Arc<Scope> {
        &self.scope
    }

    /// Requests the scope to stop, with [`Cause::Interrupted`], and wakes it
    /// if it is blocked in an interruptible wait.
    ///
    /// The request is sticky: it stays until the scope calls
    /// [`clear`](crate::clear). When a request is already pending, this does
    /// nothing (the first cause is kept). Returns whether this call made the
    /// request (C++'s `request_stop`).
    ///
    /// It does not block, with one bounded exception: when the scope is in a
    /// condvar [`wait`](crate::wait), the call watches for up to 50 µs that
    /// the wait woke, and notifies it again if not (a request can land just
    /// before the wait blocks; see [`wait`](crate::wait#how-a-request-wakes-the-wait)).
    ///
    /// # Panics
    ///
    /// With the first panic of an [`on_interrupt`](InterruptHandle::on_interrupt)
    /// callback the request ran, once the request has reached every scope
    /// and callback.
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::spawn(gracefully::park);
    /// assert!(worker.handle().interrupt()); // this call made the request
    /// assert!(!worker.handle().interrupt()); // it was pending already
    /// assert!(worker.join().unwrap().is_err());
    /// ```
    #[expect(
        clippy::must_use_candidate,
        reason = "most callers only want the request made"
    )]
    pub fn interrupt(&self) -> bool {
        self.scope.request(Cause::Interrupted)
    }

    /// The pending request's cause, or `None` when no request is pending
    /// (inside critical sections too). An `on_interrupt` callback can tell
    /// a deadline from a signal by it.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::{Cause, InterruptHandle};
    ///
    /// let handle = InterruptHandle::new();
    /// assert_eq!(handle.cause(), None);
    /// handle.interrupt();
    /// assert_eq!(handle.cause(), Some(Cause::Interrupted));
    /// ```
    #[must_use]
    pub fn cause(&self) -> Option<Cause> {
        self.scope.cause()
    }

    /// A new scope that is interrupted, with this one's cause, whenever
    /// this one is; at once if this one already is.
    ///
    /// Requests go down the tree, never up: interrupting the child leaves
    /// the parent alone. Dropping every handle to the child detaches it.
    /// Give one to each task or job of a group, and stop the group with one
    /// request.
    ///
    /// # Examples
    ///
    /// ```
    /// let server = gracefully::InterruptHandle::new();
    /// let connection = server.child();
    /// connection.interrupt();
    /// assert!(!server.is_interrupted());
    /// let other = server.child();
    /// server.interrupt();
    /// assert_eq!(other.cause(), Some(gracefully::Cause::Interrupted)); // the parent's
    /// ```
    #[must_use]
    pub fn child(&self) -> InterruptHandle {
        let child = crate::shutdown::new_scope();
        self.scope.add_child(&child);
        Self::from_scope(child)
    }

    /// Runs `f` with this scope as the current scope of the calling thread,
    /// then puts the previous one back (also if `f` panics).
    ///
    /// For work handed to another thread: a job submitted to a pool (rayon,
    /// your own) that enters its submitter's handle stops when the submitter
    /// is interrupted, at its own interruption points.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let job = gracefully::InterruptHandle::new();
    /// let scope = job.clone();
    /// let pool_thread = std::thread::spawn(move || {
    ///     scope.enter(|| gracefully::sleep(Duration::from_secs(60)))
    /// });
    /// std::thread::sleep(Duration::from_millis(10));
    /// job.interrupt();
    /// assert!(pool_thread.join().unwrap().is_err());
    /// ```
    pub fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = current::enter(&self.scope);
        f()
    }

    /// Is a request pending on the scope?
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = gracefully::InterruptHandle::new();
    /// assert!(!handle.is_interrupted());
    /// handle.interrupt();
    /// assert!(handle.is_interrupted());
    /// ```
    #[must_use]
    pub fn is_interrupted(&self) -> bool {
        self.scope.is_requested()
    }
}

impl Default for InterruptHandle {
    /// The same as [`InterruptHandle::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for InterruptHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.scope, &other.scope)
    }
}

impl Eq for InterruptHandle {}

impl fmt::Debug for InterruptHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InterruptHandle")
            .field("scope", &self.scope.id())
            .field("interrupted", &self.is_interrupted())
            .finish()
    }
}

/// Requests every live scope to stop, with [`Cause::All`], and wakes those
/// blocked in interruptible waits.
///
/// The calling thread is one of them: its own scope is made first if it
/// had none yet, so the caller is requested whether or not it had used the
/// library before. Scopes made after the call are not affected. Scopes that already have a
/// request pending keep their first cause. Like
/// [`InterruptHandle::interrupt`], it watches the condvar waits it woke for
/// up to 50 µs in all.
///
/// # Panics
///
/// With the first panic of an [`on_interrupt`](InterruptHandle::on_interrupt)
/// callback, once every scope has been requested and every callback run.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let workers: Vec<_> = (0..4)
///     .map(|_| gracefully::spawn(|| gracefully::sleep(Duration::from_secs(60))))
///     .collect();
/// gracefully::interrupt_all();
/// for worker in workers {
///     let exit = worker.join().unwrap().unwrap_err();
///     assert_eq!(exit.cause(), gracefully::Cause::All);
/// }
/// # gracefully::clear();
/// ```
pub fn interrupt_all() {
    drop(crate::current::current_arc()); // the caller is a live scope too
    if let Some(payload) = interrupt_all_with(Cause::All, None) {
        std::panic::resume_unwind(payload);
    }
}

/// [`interrupt_all`] with another cause (a signal's), leaving out `except`
/// (a scope already requested): requests every scope even when a callback
/// panics, and returns the first such panic.
pub(crate) fn interrupt_all_with(cause: Cause, except: Option<&Arc<Scope>>) -> Option<Panic> {
    let mut fanout = Fanout::default();
    for scope in registry::snapshot() {
        if except.is_none_or(|except| !Arc::ptr_eq(except, &scope)) {
            fanout.request(&scope, cause);
        }
    }
    fanout.finish()
}

//! [`within`] and [`cleanup`]: work run in a scope of its own with a time
//! limit, and their async twins [`FutureExt::within`](crate::FutureExt::within)
//! and [`FutureExt::cleanup`](crate::FutureExt::cleanup).
//!
//! # Invariants
//!
//! 1. The inner scope is made as the work starts (at the first poll, for a
//!    future), from the scope current then: the outer one. For `within` it
//!    is a child of the outer scope, so a request pending there or made
//!    later reaches it with its own cause; it is left out of the registry,
//!    as `interrupt_all` reaches it through the outer scope (or finds the
//!    outer scope requested already, and so it). For `cleanup` it is a shielded
//!    child (scope invariant 7) in the registry, made without
//!    `shutdown::new_scope`: the request pending on the outer scope does
//!    not reach it, and a later one does (the outer scope's next request
//!    after a `clear`, `interrupt_all`, a signal, `shutdown`).
//! 2. The limit is a deadline on the inner scope, dropped with it as the
//!    work ends, so it never reaches the outer scope; nothing inside
//!    requests or clears the outer scope either.
//! 3. A critical section open on the outer scope as the work starts is open
//!    on the inner one until the work ends.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::critical::TaskCriticalGuard;
use crate::current::{self, current_arc};
use crate::deadline::Deadline;
use crate::future::TaskEntry;
use crate::scope::Scope;
use crate::sync::Arc;

/// Runs `f` with a time limit: in a child scope of the current one, with a
/// deadline `limit` from now. Inside, interruption points return
/// [`Cause::Deadline`](crate::Cause::Deadline) once `limit` has passed, or
/// the outer request's own cause when the current scope is requested.
/// Afterwards the current scope is as it was: the deadline never reaches
/// it, and an outer request that arrived meanwhile is still pending on it.
///
/// Cheap enough to wrap each read of a protocol. When a critical section is
/// open on the current scope, one is open inside too, so nothing is
/// delivered there before it closes. For a future, see
/// [`FutureExt::within`](crate::FutureExt::within).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gracefully::Cause;
///
/// // The inner sleep is cut short by the limit...
/// let slept = gracefully::within(Duration::from_millis(10), || {
///     gracefully::sleep(Duration::from_secs(60))
/// });
/// assert_eq!(slept.unwrap_err().cause(), Cause::Deadline);
/// // ...and the current scope is untouched.
/// assert!(!gracefully::interruption_requested());
/// ```
pub fn within<R>(limit: Duration, f: impl FnOnce() -> R) -> R {
    run(Kind::Within, limit, f)
}

/// Runs `f` shielded from the request pending now on the current scope, for
/// at most `grace`: the cleanup after a request (a final flush, a goodbye
/// message, joining the connections).
///
/// Inside, [`check`](crate::check) passes and waits wait their full time,
/// although the request stays pending outside. Two things still stop `f`
/// at its interruption points: `grace` passing
/// ([`Cause::Deadline`](crate::Cause::Deadline)), and a *new* request made
/// after `cleanup` began: the current scope's next request (after a
/// [`clear`](crate::clear)), [`interrupt_all`](crate::interrupt_all), a
/// signal's request, [`shutdown`](crate::shutdown). Afterwards the current
/// scope is as it was, its request still pending.
///
/// Unlike a critical section, the shield has a time limit, so a cleanup
/// that hangs (a peer that never answers) still ends. When a critical
/// section is open on the current scope, one is open inside too, and then
/// `grace` waits for it like any request. For a future, see
/// [`FutureExt::cleanup`](crate::FutureExt::cleanup).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let worker = gracefully::spawn(|| {
///     let stopped = gracefully::sleep(Duration::from_secs(60)); // interrupted
///     // The request is still pending, yet the final flush runs in full:
///     let flushed = gracefully::cleanup(Duration::from_secs(5), || {
///         gracefully::check()?;
///         gracefully::sleep(Duration::from_millis(5)) // one last write, say
///     });
///     assert!(gracefully::interruption_requested());
///     (stopped, flushed)
/// });
/// worker.interrupt();
/// let (stopped, flushed) = worker.join().unwrap();
/// assert!(stopped.is_err());
/// assert!(flushed.is_ok());
/// ```
pub fn cleanup<R>(grace: Duration, f: impl FnOnce() -> R) -> R {
    run(Kind::Cleanup, grace, f)
}

fn run<R>(kind: Kind, limit: Duration, f: impl FnOnce() -> R) -> R {
    let inner = Inner::start(kind, Instant::now().checked_add(limit));
    let _entered = current::enter(&inner.scope);
    f()
}

/// Which scope the work runs in (invariant 1).
#[derive(Clone, Copy, Debug)]
enum Kind {
    Within,
    Cleanup,
}

/// The inner scope of running work, with its deadline and mirrored
/// critical section (invariants 1 to 3).
struct Inner {
    // Dropped in this order: the section, the deadline, then the scope.
    _section: Option<TaskCriticalGuard>,
    _deadline: Deadline,
    scope: Arc<Scope>,
}

impl Inner {
    /// Makes the inner scope from the current one; `until` is `None` beyond
    /// representable time (never).
    fn start(kind: Kind, until: Option<Instant>) -> Self {
        let outer = current_arc();
        let scope = match kind {
            Kind::Within => {
                // Out of the registry: every request reaches it through
                // the outer scope (invariant 1).
                let scope = Scope::new_detached();
                outer.add_child(&scope);
                scope
            }
            Kind::Cleanup => {
                let scope = Scope::new_registered();
                outer.add_shielded_child(&scope);
                scope
            }
        };
        let deadline = Deadline::new(&scope, until);
        let section = outer
            .in_critical()
            .then(|| TaskCriticalGuard::open(Arc::clone(&scope)));
        Self {
            _section: section,
            _deadline: deadline,
            scope,
        }
    }
}

/// A future run with a time limit in a scope of its own; made by
/// [`FutureExt::within`](crate::FutureExt::within) and
/// [`FutureExt::cleanup`](crate::FutureExt::cleanup).
///
/// The scope and its deadline are made at the first poll, from the scope
/// current then (the task's); the limit counts from the call that made the
/// future. Both are gone as soon as the future completes or is dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gracefully::{FutureExt, Limited};
///
/// let read: Limited<_> = async { 1 }.within(Duration::from_secs(1));
/// # drop(read);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Limited<F> {
    future: F,
    kind: Kind,
    until: Option<Instant>,
    inner: Option<Inner>,
    task: TaskEntry,
}

impl<F: Future> Limited<F> {
    pub(crate) fn within(future: F, limit: Duration) -> Self {
        Self::new(future, Kind::Within, limit)
    }

    pub(crate) fn cleanup(future: F, grace: Duration) -> Self {
        Self::new(future, Kind::Cleanup, grace)
    }

    fn new(future: F, kind: Kind, limit: Duration) -> Self {
        Self {
            future,
            kind,
            until: Instant::now().checked_add(limit),
            inner: None,
            task: TaskEntry::default(),
        }
    }
}

impl<F> Limited<F> {
    /// Takes the task's entry off the inner scope and drops the scope with
    /// its deadline and section (invariant 2).
    fn finish(&mut self) {
        if let Some(inner) = self.inner.take() {
            self.task.remove(&inner.scope);
        }
    }
}

impl<F: Future> Future for Limited<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `self` (`finish` and `Drop` do not touch it, and no method hands
        // it out by value), so pinning `self` pins it. The other fields are
        // not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let (kind, until) = (this.kind, this.until);
        let inner = this.inner.get_or_insert_with(|| Inner::start(kind, until));
        // As `WithInterrupt`: a request on the inner scope wakes the task.
        this.task.register(&inner.scope, cx.waker());
        let polled = {
            let _entered = current::enter(&inner.scope);
            // SAFETY: see above.
            unsafe { Pin::new_unchecked(&mut this.future) }.poll(cx)
        };
        if polled.is_ready() {
            this.finish();
        }
        polled
    }
}

impl<F> Drop for Limited<F> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl<F> fmt::Debug for Limited<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limited")
            .field("kind", &self.kind)
            .field("scope", &self.inner.as_ref().map(|inner| inner.scope.id()))
            .finish_non_exhaustive()
    }
}

//! Async tasks: [`FutureExt::with_interrupt`] runs a future in a scope.
//!
//! # Invariants
//!
//! 1. While [`WithInterrupt`] polls its future, the future's scope is the
//!    current scope of the polling thread; the previous one is put back
//!    after the poll, also when the poll panics.
//! 2. The task's waker is registered in the scope before the future is
//!    polled, so a request made at any moment after wakes the task, and
//!    one made before is seen by the future's own interruption points.
//! 3. Each wrapper (and each pending await of an `#[interruptible] async
//!    fn`) has a [`TaskEntry`] of its own on the scope, so every task
//!    pending on a shared scope is woken; the entry leaves the scope when
//!    the wrapper is dropped.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::bounded::Limited;
use crate::current;
use crate::handle::InterruptHandle;
use crate::scope::Scope;
use crate::sync::{Arc, AtomicWaker};

/// Runs futures in a scope of their own.
///
/// Implemented for every [`Future`].
pub trait FutureExt: Future + Sized {
    /// Wraps `self` so that, while it is polled, `handle`'s scope is the
    /// current scope of the polling thread.
    ///
    /// The task can move between worker threads: the scope goes with it.
    /// [`check`](crate::check), [`interruption_requested`](crate::interruption_requested),
    /// critical sections and the checkpoints of an `#[interruptible] async fn`
    /// inside it all act on that scope. A request wakes the task if it is
    /// pending, so it reaches its next interruption point at once.
    ///
    /// The output is the future's own: the task stops at its own
    /// interruption points (the awaits of an `#[interruptible] async fn`,
    /// explicit `check()?`), not at an arbitrary await.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::{FutureExt, InterruptHandle};
    ///
    /// let handle = InterruptHandle::new();
    /// let task = async { gracefully::current() }.with_interrupt(handle.clone());
    /// let waker = std::task::Waker::noop();
    /// let mut cx = std::task::Context::from_waker(&waker);
    /// let mut task = std::pin::pin!(task);
    /// let std::task::Poll::Ready(inside) = task.as_mut().poll(&mut cx) else { unreachable!() };
    /// assert_eq!(inside, handle);
    /// # use std::future::Future;
    /// ```
    fn with_interrupt(self, handle: InterruptHandle) -> WithInterrupt<Self> {
        WithInterrupt {
            task: TaskEntry::default(),
            future: self,
            scope: handle.into_scope(),
        }
    }

    /// [`within`](crate::within) for a future: polls `self` in a child
    /// scope of the current one (the task's, at the first poll) with a
    /// deadline `limit` from now. Its interruption points return
    /// [`Cause::Deadline`](crate::Cause::Deadline) once `limit` has passed,
    /// or the outer request's own cause; the outer scope is left as it was.
    ///
    /// Like any future here, it stops at its own interruption points (the
    /// awaits of an `#[interruptible] async fn`), so the output is the
    /// future's own.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gracefully::{Cause, FutureExt};
    ///
    /// #[gracefully::interruptible]
    /// async fn forever() -> Result<(), gracefully::ThreadExit> {
    ///     std::future::pending::<()>().await;
    ///     Ok(())
    /// }
    ///
    /// let mut task = std::pin::pin!(forever().within(Duration::from_millis(10)));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let outcome = loop {
    ///     if let Poll::Ready(outcome) = task.as_mut().poll(&mut cx) {
    ///         break outcome;
    ///     }
    ///     std::thread::sleep(Duration::from_millis(1)); // an executor's idling
    /// };
    /// assert_eq!(outcome.unwrap_err().cause(), Cause::Deadline);
    /// assert!(!gracefully::interruption_requested()); // the limit stayed inside
    /// # use std::future::Future;
    /// # use std::task::{Context, Poll, Waker};
    /// ```
    fn within(self, limit: Duration) -> Limited<Self> {
        Limited::within(self, limit)
    }

    /// [`cleanup`](crate::cleanup) for a future: polls `self` shielded from
    /// the request pending now on the current scope (the task's, at the
    /// first poll), for at most `grace`. Its interruption points pass until
    /// `grace` has passed ([`Cause::Deadline`](crate::Cause::Deadline)) or
    /// a new request arrives; the outer request stays pending.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gracefully::FutureExt;
    ///
    /// #[gracefully::interruptible]
    /// async fn say_goodbye() -> Result<&'static str, gracefully::ThreadExit> {
    ///     std::future::ready(()).await; // an interruption point
    ///     Ok("goodbye")
    /// }
    ///
    /// let handle = gracefully::InterruptHandle::new();
    /// handle.interrupt();
    /// let task = say_goodbye().cleanup(Duration::from_secs(5)).with_interrupt(handle.clone());
    /// let waker = std::task::Waker::noop();
    /// let mut cx = std::task::Context::from_waker(&waker);
    /// let polled = std::pin::pin!(task).poll(&mut cx);
    /// assert!(matches!(polled, std::task::Poll::Ready(Ok("goodbye"))));
    /// assert!(handle.is_interrupted()); // still pending outside
    /// # use std::future::Future;
    /// ```
    fn cleanup(self, grace: Duration) -> Limited<Self> {
        Limited::cleanup(self, grace)
    }
}

impl<F: Future> FutureExt for F {}

/// A future that runs in a scope of its own; made by
/// [`FutureExt::with_interrupt`].
///
/// # Examples
///
/// ```
/// use gracefully::{FutureExt, InterruptHandle, WithInterrupt};
///
/// let task: WithInterrupt<_> = async { 1 }.with_interrupt(InterruptHandle::new());
/// # drop(task);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct WithInterrupt<F> {
    future: F,
    scope: Arc<Scope>,
    task: TaskEntry,
}

impl<F: Future> Future for WithInterrupt<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `self` (the `Drop` impl does not touch it and no method hands it
        // out by value), so pinning `self` pins it. `scope` and `task` are
        // not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        this.task.register(&this.scope, cx.waker()); // invariants 2 and 3
        let _entered = current::enter(&this.scope); // invariant 1
        future.poll(cx)
    }
}

impl<F> Drop for WithInterrupt<F> {
    fn drop(&mut self) {
        self.task.remove(&self.scope);
    }
}

/// A task's entry on a scope: a request wakes the waker of the task's
/// latest poll (invariant 3, scope invariant 5).
#[derive(Default)]
pub(crate) struct TaskEntry {
    entry: Option<(u64, Arc<AtomicWaker>)>,
}

/// A new task entry on `scope` holding `waker`: its id and its slot.
fn add_entry(scope: &Scope, waker: &Waker) -> (u64, Arc<AtomicWaker>) {
    let slot = Arc::new(AtomicWaker::new());
    slot.register(waker);
    (scope.add_task(Arc::clone(&slot)), slot)
}

impl TaskEntry {
    /// Makes a request on `scope` wake `waker`: adds the entry on the first
    /// call (under the scope's lock), then only swaps the waker. Call it
    /// before reading the flag.
    pub(crate) fn register(&mut self, scope: &Scope, waker: &Waker) {
        if let Some((_, slot)) = &self.entry {
            slot.register(waker);
        } else {
            self.entry = Some(add_entry(scope, waker));
        }
    }

    /// Takes the entry off `scope` (the scope it was registered on).
    pub(crate) fn remove(&mut self, scope: &Scope) {
        if let Some((id, _)) = self.entry.take() {
            scope.deregister(id);
        }
    }
}

/// A [`TaskEntry`] that one call of an `#[interruptible] async fn` shares
/// between its awaits, which run one at a time: added on the first await
/// that is pending, and removed when the call ends, so that an await that
/// completes at once has nothing to remove.
#[derive(Default)]
pub(crate) struct CallTaskEntry {
    entry: std::sync::OnceLock<(u64, Arc<AtomicWaker>)>,
}

impl CallTaskEntry {
    /// [`TaskEntry::register`], through a shared reference.
    pub(crate) fn register(&self, scope: &Scope, waker: &Waker) {
        if let Some((_, slot)) = self.entry.get() {
            slot.register(waker);
        } else if let Err((id, _)) = self.entry.set(add_entry(scope, waker)) {
            // Only one await of a call runs at a time, so this cannot
            // happen; if it did, the extra entry must not stay behind.
            scope.deregister(id);
        }
    }

    /// Takes the entry off `scope` (the scope it was registered on).
    pub(crate) fn remove(&mut self, scope: &Scope) {
        if let Some((id, _)) = self.entry.take() {
            scope.deregister(id);
        }
    }
}

impl fmt::Debug for CallTaskEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallTaskEntry")
            .field("entry", &self.entry.get().map(|(id, _)| id))
            .finish()
    }
}

impl fmt::Debug for TaskEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskEntry")
            .field("entry", &self.entry.as_ref().map(|(id, _)| id))
            .finish()
    }
}

impl<F> fmt::Debug for WithInterrupt<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithInterrupt")
            .field("scope", &self.scope.id())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn the_scope_is_current_only_while_polled_and_restored_after_a_panic() {
        std::thread::spawn(|| {
            let own = crate::current();
            let handle = InterruptHandle::new();
            let mut task =
                std::pin::pin!(async { crate::current() }.with_interrupt(handle.clone()));
            assert_eq!(poll_once(task.as_mut()), Poll::Ready(handle.clone()));
            assert_eq!(crate::current(), own);

            let mut panicking =
                std::pin::pin!(async { panic!("inside the task") }.with_interrupt(handle));
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = poll_once(panicking.as_mut());
            }));
            assert!(outcome.is_err());
            assert_eq!(crate::current(), own);
        })
        .join()
        .unwrap();
    }
}

//! [`interrupted`] and [`InterruptHandle::interrupted`]: a future of a
//! scope's request, for `select!` and event loops.
//!
//! # Invariants
//!
//! 1. Each [`Interrupted`] has a task entry of its own on its scope
//!    (`TaskEntry`), registered before it reads the flag, so any number of
//!    them on one scope are all woken by a request.
//! 2. It resolves once a request is deliverable on its scope: inside a
//!    critical section of that scope it stays pending, and the close of the
//!    outermost section wakes it (scope invariant 9).

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use crate::current::current_arc;
use crate::exit::ThreadExit;
use crate::future::TaskEntry;
use crate::handle::InterruptHandle;
use crate::scope::Scope;
use crate::sync::Arc;

/// A future that resolves to the [`ThreadExit`] of a scope's request; made
/// by [`interrupted`] and [`InterruptHandle::interrupted`].
///
/// It is `Send + 'static`, and cancel-safe: dropping it loses nothing, as
/// the request stays pending on the scope. Any number of them may wait on
/// one scope; a request wakes them all. Inside a critical section of the
/// scope it stays pending, as any interruption point does, and resolves
/// once the outermost section closes.
///
/// # Examples
///
/// ```
/// use std::task::{Context, Poll, Waker};
///
/// let handle = gracefully::InterruptHandle::new();
/// let mut interrupted = std::pin::pin!(handle.interrupted());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(interrupted.as_mut().poll(&mut cx).is_pending());
/// handle.interrupt();
/// assert!(matches!(interrupted.as_mut().poll(&mut cx), Poll::Ready(_)));
/// # use std::future::Future;
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Interrupted {
    scope: Arc<Scope>,
    task: TaskEntry,
}

impl Future for Interrupted {
    type Output = ThreadExit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ThreadExit> {
        let this = self.get_mut();
        // Invariant 1: register, then read the flag.
        this.task.register(&this.scope, cx.waker());
        match this.scope.pending() {
            Some(exit) => Poll::Ready(exit),
            None => Poll::Pending,
        }
    }
}

impl Drop for Interrupted {
    fn drop(&mut self) {
        self.task.remove(&self.scope);
    }
}

impl fmt::Debug for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interrupted")
            .field("scope", &self.scope.id())
            .finish_non_exhaustive()
    }
}

/// A future of the current scope's request (a task's own scope, when
/// polled under [`with_interrupt`](crate::FutureExt::with_interrupt), or
/// the calling thread's): see [`Interrupted`].
///
/// The scope is taken when this is called, not when the future is polled.
/// Put it beside other futures in `select!`, so that a loop that waits on
/// several things stops at once on a request.
///
/// # Examples
///
/// ```
/// use std::task::{Context, Poll, Waker};
///
/// let mut interrupted = std::pin::pin!(gracefully::interrupted());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(interrupted.as_mut().poll(&mut cx).is_pending());
/// gracefully::current().interrupt();
/// assert!(matches!(interrupted.as_mut().poll(&mut cx), Poll::Ready(_)));
/// # gracefully::clear();
/// # use std::future::Future;
/// ```
pub fn interrupted() -> Interrupted {
    Interrupted {
        scope: current_arc(),
        task: TaskEntry::default(),
    }
}

impl InterruptHandle {
    /// A future of this scope's request: see [`Interrupted`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let handle = gracefully::InterruptHandle::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// // Any number of them, all resolved by one request.
    /// let mut first = std::pin::pin!(handle.interrupted());
    /// let mut second = std::pin::pin!(handle.interrupted());
    /// assert!(first.as_mut().poll(&mut cx).is_pending());
    /// assert!(second.as_mut().poll(&mut cx).is_pending());
    /// handle.interrupt();
    /// assert!(matches!(first.as_mut().poll(&mut cx), Poll::Ready(_)));
    /// assert!(matches!(second.as_mut().poll(&mut cx), Poll::Ready(_)));
    /// # use std::future::Future;
    /// ```
    pub fn interrupted(&self) -> Interrupted {
        Interrupted {
            scope: Arc::clone(self.scope()),
            task: TaskEntry::default(),
        }
    }

    /// Runs `future` until it completes or this scope is requested:
    /// `Ok` with its output, or `Err` with the request (the future is then
    /// dropped, as `select!` would drop it). A future that completes wins
    /// over a request that arrived meanwhile.
    ///
    /// # Errors
    ///
    /// The future resolves to the [`ThreadExit`] of the request when the
    /// scope is requested before `future` completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let handle = gracefully::InterruptHandle::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut ready = std::pin::pin!(handle.run_until_interrupted(async { 7 }));
    /// assert_eq!(ready.as_mut().poll(&mut cx), Poll::Ready(Ok(7)));
    /// let mut stuck = std::pin::pin!(handle.run_until_interrupted(std::future::pending::<u32>()));
    /// assert!(stuck.as_mut().poll(&mut cx).is_pending());
    /// handle.interrupt();
    /// assert!(matches!(stuck.as_mut().poll(&mut cx), Poll::Ready(Err(_))));
    /// # use std::future::Future;
    /// ```
    pub fn run_until_interrupted<F: Future>(
        &self,
        future: F,
    ) -> impl Future<Output = Result<F::Output, ThreadExit>> + use<F> {
        let interrupted = self.interrupted();
        async move {
            let mut future = pin!(future);
            let mut interrupted = pin!(interrupted);
            poll_fn(|cx| {
                if let Poll::Ready(output) = future.as_mut().poll(cx) {
                    return Poll::Ready(Ok(output)); // a completion wins
                }
                interrupted.as_mut().poll(cx).map(Err)
            })
            .await
        }
    }
}

//! [`TaskGroup`]: [`group`](crate::group) for futures, on any executor.
//!
//! # Invariants
//!
//! 1. Each member is polled inside a child scope of the group's scope
//!    (`with_interrupt`), itself a child of the scope current when the
//!    group was made: a request to either reaches the member's
//!    interruption points and wakes it.
//! 2. Every member is polled with the group's own waker, so a member's
//!    wake-up (a request among them) polls the group, which polls every
//!    member not yet finished. A member's outcome is taken as it finishes
//!    (its future dropped then), classified as in `group.rs` (invariant
//!    3): an `Err` with a request pending on its scope is a stop.
//! 3. The first failure interrupts the group's scope at once, within the
//!    poll that saw it; the group resolves once every member has finished.

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::future::{FutureExt, WithInterrupt};
use crate::group::{GroupResult, Outcome};
use crate::handle::InterruptHandle;

type Member<'a, T, E> =
    Pin<Box<WithInterrupt<Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>>>>;

/// Futures that stop together: the first one to return `Err` (before it
/// was asked to stop) or to panic interrupts the others, and awaiting the
/// group gives a [`GroupResult`] once every one has finished.
///
/// [`group`](crate::group) for async code, with no spawner: the group's
/// own future polls its members, so it runs on any executor, and the
/// members may borrow what outlives the group. Each member runs in a child
/// scope of the group's scope, itself a child of the scope current when
/// the group was made: the awaits of an `#[interruptible] async fn`, and
/// [`interrupted`](crate::interrupted) futures, see the group's stop. As
/// with threads, an `Err` a member returns while asked to stop is
/// [`Outcome::Stopped`], not a failure, and a member that never reaches
/// an interruption point is waited for.
///
/// Members must be `Send`, so that the group can be spawned on a
/// multi-threaded runtime. A wake-up of any member polls every member
/// still running: cheap for a group whose members mostly wait, costly for
/// thousands of members that each wake often.
///
/// # Examples
///
/// ```
/// use gracefully::{TaskGroup, ThreadExit};
///
/// let names = ["a", "b", "c"];
/// let mut tasks = TaskGroup::<(), String>::new();
/// for name in &names {
///     tasks.add(async move {
///         if *name == "b" {
///             return Err(format!("cannot fetch {name}"));
///         }
///         // Waits until the group is stopped by b's failure.
///         let exit: ThreadExit = gracefully::interrupted().await;
///         Err(exit.to_string())
///     });
/// }
/// let result = futures::executor::block_on(tasks);
/// assert!(result.outcomes()[0].is_stopped());
/// assert_eq!(result.into_result(), Err("cannot fetch b".to_owned()));
/// ```
#[must_use = "a group does nothing unless awaited"]
pub struct TaskGroup<'a, T, E> {
    handle: InterruptHandle,
    /// The members still running, with their index and scope.
    running: Vec<(usize, InterruptHandle, Member<'a, T, E>)>,
    outcomes: Vec<Option<Outcome<T, E>>>,
    failure: Option<usize>,
}

impl<'a, T, E> TaskGroup<'a, T, E> {
    /// An empty group, in a child scope of the current scope.
    ///
    /// # Examples
    ///
    /// ```
    /// let tasks = gracefully::TaskGroup::<(), ()>::new();
    /// assert!(futures::executor::block_on(tasks).outcomes().is_empty());
    /// ```
    pub fn new() -> Self {
        Self {
            handle: crate::current::current().child(),
            running: Vec::new(),
            outcomes: Vec::new(),
            failure: None,
        }
    }

    /// Adds a member, to be polled when the group is.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut tasks = gracefully::TaskGroup::new();
    /// tasks.add(async { Ok::<_, ()>(1) });
    /// tasks.add(async { Ok(2) });
    /// let result = futures::executor::block_on(tasks);
    /// assert_eq!(result.outcomes().len(), 2);
    /// ```
    pub fn add(&mut self, future: impl Future<Output = Result<T, E>> + Send + 'a) {
        let member = self.handle.child();
        let future: Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>> = Box::pin(future);
        let index = self.outcomes.len();
        self.outcomes.push(None);
        self.running.push((
            index,
            member.clone(),
            Box::pin(future.with_interrupt(member)),
        ));
    }

    /// The handle to the group's scope: interrupting it stops every member,
    /// and is not a failure.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut tasks = gracefully::TaskGroup::new();
    /// tasks.add(async { Err::<(), _>(gracefully::interrupted().await) });
    /// tasks.handle().interrupt();
    /// let result = futures::executor::block_on(tasks);
    /// assert!(result.is_ok() && result.outcomes()[0].is_stopped());
    /// ```
    #[must_use]
    pub fn handle(&self) -> &InterruptHandle {
        &self.handle
    }
}

impl<T, E> Default for TaskGroup<'_, T, E> {
    /// The same as [`TaskGroup::new`].
    fn default() -> Self {
        Self::new()
    }
}

// The members are boxed, and outcomes are plain values that are never
// pinned: the group may move.
impl<T, E> Unpin for TaskGroup<'_, T, E> {}

impl<T, E> Future for TaskGroup<'_, T, E> {
    type Output = GroupResult<(), T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut index = 0;
        while index < this.running.len() {
            let (member, scope, future) = &mut this.running[index];
            // Invariant 2: a panic ends the member, as a thread's would.
            let polled = panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx)));
            let result = match polled {
                Ok(Poll::Pending) => {
                    index += 1;
                    continue;
                }
                Ok(Poll::Ready(result)) => Ok(result),
                Err(payload) => Err(payload),
            };
            let outcome = Outcome::of(result, scope.scope());
            let member = *member;
            if outcome.is_failure() && this.failure.is_none() {
                this.failure = Some(member);
                // Invariant 3: members polled later in this loop already
                // see the request.
                this.handle.interrupt();
            }
            this.outcomes[member] = Some(outcome);
            drop(this.running.swap_remove(index));
        }
        if !this.running.is_empty() {
            return Poll::Pending;
        }
        let outcomes = std::mem::take(&mut this.outcomes)
            .into_iter()
            .map(|outcome| outcome.expect("every member finished"))
            .collect();
        Poll::Ready(GroupResult::new((), outcomes, this.failure))
    }
}

impl<T, E> fmt::Debug for TaskGroup<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("handle", &self.handle)
            .field("members", &self.outcomes.len())
            .field("running", &self.running.len())
            .finish_non_exhaustive()
    }
}

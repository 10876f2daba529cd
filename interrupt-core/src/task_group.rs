//! [`TaskGroup`]: [`group`](crate::group) for futures, on any executor.
//!
//! # Invariants
//!
//! 1. Each member is polled inside a child scope of the group's scope
//!    (`with_interrupt`), itself a child of the scope current when the
//!    group was made: a request to either reaches the member's
//!    interruption points and wakes it.
//! 2. Each member is polled with a waker of its own, which queues the
//!    member (once until it is next polled: `queued`, swapped with `AcqRel`
//!    on both sides, so that a wake-up absorbed by a member already queued
//!    is seen by the poll that takes it off) and then wakes the group's
//!    registered waker; a poll of the group registers that waker
//!    before it takes the queue, so no wake-up falls between the two. A
//!    poll polls only the queued members (a new member starts queued). A
//!    member's outcome is taken as it finishes (its future dropped then),
//!    classified as in `group.rs` (invariant 3): an `Err` with a request
//!    pending on its scope is a stop.
//! 3. The first failure interrupts the group's scope at once, within the
//!    poll that saw it; the group resolves once every member has finished.

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::future::{FutureExt, WithInterrupt};
use crate::group::{GroupResult, Outcome};
use crate::handle::InterruptHandle;
use crate::task_queue::{MemberWaker, Queue};

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
/// multi-threaded runtime. Each member has a waker of its own: a poll of
/// the group polls only the members woken since the last one.
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
    /// Each member's scope, future (until it finishes) and waker.
    members: Vec<Running<'a, T, E>>,
    /// How many members have not finished.
    running: usize,
    queue: Arc<Queue>,
    outcomes: Vec<Option<Outcome<T, E>>>,
    failure: Option<usize>,
}

struct Running<'a, T, E> {
    scope: InterruptHandle,
    future: Option<Member<'a, T, E>>,
    queued: Arc<MemberWaker>,
    /// `queued` as a waker, made once.
    waker: Waker,
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
            members: Vec::new(),
            running: 0,
            queue: Arc::default(),
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
        let scope = self.handle.child();
        let future: Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>> = Box::pin(future);
        let index = self.members.len();
        let waker = MemberWaker::new(index, Arc::clone(&self.queue));
        waker.queue(); // polled on the group's next poll
        self.members.push(Running {
            future: Some(Box::pin(future.with_interrupt(scope.clone()))),
            scope,
            waker: Waker::from(Arc::clone(&waker)),
            queued: waker,
        });
        self.outcomes.push(None);
        self.running += 1;
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
        // Invariant 2: registered before the queue is taken.
        let woken = this.queue.take(cx.waker());
        for index in woken {
            let member = &mut this.members[index];
            member.queued.take_off();
            let Some(future) = member.future.as_mut() else {
                continue; // finished
            };
            let mut member_cx = Context::from_waker(&member.waker);
            // A panic ends the member, as a thread's would.
            let polled =
                panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut member_cx)));
            let result = match polled {
                Ok(Poll::Pending) => continue,
                Ok(Poll::Ready(result)) => Ok(result),
                Err(payload) => Err(payload),
            };
            member.future = None;
            this.running -= 1;
            let outcome = Outcome::of(result, member.scope.scope());
            if outcome.is_failure() && this.failure.is_none() {
                this.failure = Some(index);
                // Invariant 3: members polled later in this loop already
                // see the request; the others are woken by it.
                this.handle.interrupt();
            }
            this.outcomes[index] = Some(outcome);
        }
        if this.running > 0 {
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
            .field("members", &self.members.len())
            .field("running", &self.running)
            .finish_non_exhaustive()
    }
}

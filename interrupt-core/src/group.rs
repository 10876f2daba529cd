//! Thread groups: [`group`] runs threads that may borrow from the caller,
//! stops the others when one fails, and joins them all before it returns.
//!
//! # Invariants
//!
//! 1. Each member runs in a child scope of the group's scope, itself a
//!    child of the caller's scope: a request to the caller's scope reaches
//!    every member, the group's own request reaches only its members, and
//!    a member's own request reaches only that member.
//! 2. A member's outcome is recorded under the outcomes lock before its
//!    thread ends. The first failure recorded is the group's failure; the
//!    member that records it requests the group's scope after releasing
//!    the lock.
//! 3. An `Err` returned while a request is pending on the member's scope is
//!    a stop, not a failure, and so is an unwind with a [`ThreadExit`]
//!    payload: a member stopped by the group, by the caller or through its
//!    own handle is never mistaken for the failure.
//! 4. When the caller's closure unwinds, the group is requested before
//!    std's scope joins the members, so that they stop rather than keep
//!    the unwinding caller waiting.

use std::any::Any;
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::{self as std_thread, ScopedJoinHandle, Thread};

use crate::exit::ThreadExit;
use crate::handle::InterruptHandle;
use crate::scope::Scope;
use crate::sync::{Mutex, lock};
use crate::thread::{Builder, ThreadStart};

/// Runs `f` with a [`Group`] to spawn threads in, like
/// [`std::thread::scope`], and returns once every thread of the group has
/// finished: what `f` returned, every thread's [`Outcome`], and the first
/// failure.
///
/// The threads may borrow from the caller. Each returns a
/// `Result<T, E>`. The first one to return `Err` (before it was asked to
/// stop) or to panic is the group's *failure*: the group is interrupted,
/// so the other threads stop at their next interruption point (a
/// critical section finishes first), and `group` returns once all have
/// finished. This is Go's `errgroup` with its context, or Java's
/// `StructuredTaskScope.ShutdownOnFailure`, for threads that borrow.
///
/// The group's scope is a child of the caller's: when the caller's scope
/// is interrupted, the whole group is, and the threads' results are
/// stops, not failures. An `Err` a thread returns while a request is
/// pending on its scope (usually the [`ThreadExit`] of an interruption
/// point, through `?`) is recorded as [`Outcome::Stopped`], and an unwind
/// with a `ThreadExit` as [`Outcome::Unwound`]: neither is a failure, and
/// neither interrupts the group.
///
/// A thread that ignores the request is still waited for, as
/// `std::thread::scope` waits for its threads: interruption is
/// cooperative, and this call returns only when every thread has. If `f`
/// itself panics, the group is interrupted, its threads are joined, and
/// the panic goes on.
///
/// The threads are registered like those of [`spawn`](crate::spawn):
/// [`shutdown`](crate::shutdown) waits for them and names the ones that do
/// not stop.
///
/// # Examples
///
/// ```
/// use gracefully::ThreadExit;
///
/// #[derive(Debug)]
/// enum Error {
///     Bad(u32),
///     Stopped,
/// }
///
/// impl From<ThreadExit> for Error {
///     fn from(_: ThreadExit) -> Self {
///         Error::Stopped
///     }
/// }
///
/// let items = vec![1, 2, 3, 4, 5, 6, 7, 8];
/// let result = gracefully::group(|g| {
///     for item in &items {
///         g.spawn(move || -> Result<(), Error> {
///             if *item == 5 {
///                 return Err(Error::Bad(*item)); // the others are told to stop
///             }
///             loop {
///                 gracefully::sleep(std::time::Duration::from_millis(10))?;
///             }
///         });
///     }
/// });
/// let stopped = result.outcomes().iter().filter(|outcome| outcome.is_stopped()).count();
/// assert_eq!(stopped, 7); // every other thread was told to stop, and did
/// assert!(matches!(result.into_result(), Err(Error::Bad(5))));
/// ```
pub fn group<'env, T, E, R, F>(f: F) -> GroupResult<R, T, E>
where
    F: for<'scope> FnOnce(&Group<'scope, 'env, T, E>) -> R,
    T: Send + 'env,
    E: Send + 'env,
{
    let shared = Arc::new(Shared {
        handle: crate::current::current().child(),
        outcomes: Mutex::default(),
    });
    let value = std_thread::scope(|std_scope| {
        let group = Group {
            std_scope,
            shared: Arc::clone(&shared),
        };
        // Invariant 4.
        let stop = StopOnUnwind(&shared.handle);
        let value = f(&group);
        std::mem::forget(stop);
        value
    });
    let Outcomes { slots, failure } = std::mem::take(&mut *lock(&shared.outcomes));
    // Threads that could not be spawned left no outcome; the failure's
    // index is taken among those that were.
    let failure = failure.map(|failed| {
        slots[..failed]
            .iter()
            .filter(|slot| !matches!(slot, Slot::NotSpawned))
            .count()
    });
    let outcomes = slots
        .into_iter()
        .filter_map(|slot| match slot {
            Slot::Done(outcome) => Some(outcome),
            Slot::Joined => Some(Outcome::Joined),
            Slot::NotSpawned => None,
            // Every spawned thread was joined by std's scope, and each
            // records its outcome before it ends (invariant 2).
            Slot::Running => unreachable!("a joined group member left no outcome"),
        })
        .collect();
    GroupResult::new(value, outcomes, failure)
}

/// Requests the group when the caller's closure unwinds (invariant 4).
struct StopOnUnwind<'a>(&'a InterruptHandle);

impl Drop for StopOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.interrupt();
    }
}

/// What a group's closure, threads and handles share.
struct Shared<T, E> {
    /// The group's scope.
    handle: InterruptHandle,
    outcomes: Mutex<Outcomes<T, E>>,
}

/// The outcomes of a group's threads, in spawn order.
struct Outcomes<T, E> {
    slots: Vec<Slot<T, E>>,
    /// The slot of the first failure (invariant 2).
    failure: Option<usize>,
}

// Not derived: that would ask `T: Default` and `E: Default`.
impl<T, E> Default for Outcomes<T, E> {
    fn default() -> Self {
        Outcomes {
            slots: Vec::new(),
            failure: None,
        }
    }
}

enum Slot<T, E> {
    Running,
    Done(Outcome<T, E>),
    /// Its value was taken by [`GroupHandle::join`].
    Joined,
    /// The operating system could not start the thread.
    NotSpawned,
}

/// The group of threads that [`group`] passes to its closure: spawn
/// threads in it with [`spawn`](Group::spawn).
///
/// Clone it (a reference count) and move the clone into a thread of the
/// group to spawn more threads from there.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// let total = AtomicU32::new(0);
/// let result = gracefully::group(|g| {
///     let inner = g.clone();
///     let total = &total;
///     g.spawn(move || {
///         // A thread of the group spawns another one.
///         inner.spawn(move || {
///             total.fetch_add(1, Ordering::Relaxed);
///             Ok::<(), gracefully::ThreadExit>(())
///         });
///         Ok(())
///     });
/// });
/// assert!(result.is_ok());
/// assert_eq!(result.outcomes().len(), 2);
/// assert_eq!(total.into_inner(), 1);
/// ```
pub struct Group<'scope, 'env, T, E> {
    std_scope: &'scope std_thread::Scope<'scope, 'env>,
    shared: Arc<Shared<T, E>>,
}

impl<T, E> Clone for Group<'_, '_, T, E> {
    fn clone(&self) -> Self {
        Self {
            std_scope: self.std_scope,
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T, E> fmt::Debug for Group<'_, '_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("handle", &self.shared.handle)
            .finish_non_exhaustive()
    }
}

impl<'scope, T, E> Group<'scope, '_, T, E>
where
    T: Send + 'scope,
    E: Send + 'scope,
{
    /// Spawns a thread in the group, in a child scope of the group's.
    ///
    /// The thread's `Err` (returned before it was asked to stop) or panic
    /// interrupts the group, and is the group's failure if it is the
    /// first.
    ///
    /// # Panics
    ///
    /// If the operating system cannot create a thread, as
    /// [`std::thread::Scope::spawn`] does; use
    /// [`Builder::spawn_scoped`] to get the error instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let words = ["a", "bb", "ccc"];
    /// let result = gracefully::group(|g| {
    ///     for word in &words {
    ///         g.spawn(move || Ok::<usize, gracefully::ThreadExit>(word.len()));
    ///     }
    /// });
    /// let lengths: Vec<usize> = result.into_outcomes().into_iter().filter_map(|o| o.ok()).collect();
    /// assert_eq!(lengths, [1, 2, 3]);
    /// ```
    pub fn spawn<F>(&self, f: F) -> GroupHandle<'scope, T, E>
    where
        F: FnOnce() -> Result<T, E> + Send + 'scope,
    {
        Builder::new()
            .spawn_scoped(self, f)
            .expect("failed to spawn thread")
    }

    /// Spawns a thread in the group with `builder`'s name and stack size.
    pub(crate) fn spawn_with<F>(
        &self,
        builder: Builder,
        f: F,
    ) -> io::Result<GroupHandle<'scope, T, E>>
    where
        F: FnOnce() -> Result<T, E> + Send + 'scope,
    {
        let member = self.shared.handle.child();
        let index = {
            let mut outcomes = lock(&self.shared.outcomes);
            outcomes.slots.push(Slot::Running);
            outcomes.slots.len() - 1
        };
        let (std_builder, name) = builder.into_parts();
        let (start, record) = ThreadStart::new(name, Arc::clone(member.scope()));
        let scope = Arc::clone(member.scope());
        let shared = Arc::clone(&self.shared);
        let spawned = std_builder.spawn_scoped(self.std_scope, move || {
            start.run(|| {
                let outcome = Outcome::of(panic::catch_unwind(AssertUnwindSafe(f)), &scope);
                shared.record(index, outcome);
            });
        });
        match spawned {
            Ok(inner) => Ok(GroupHandle {
                inner,
                handle: member,
                shared: Arc::clone(&self.shared),
                index,
            }),
            Err(error) => {
                record.finish();
                lock(&self.shared.outcomes).slots[index] = Slot::NotSpawned;
                Err(error)
            }
        }
    }

    /// The handle to the group's scope: interrupting it stops every thread
    /// of the group, and is not a failure.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(gracefully::park);
    ///     g.handle().interrupt(); // stop them all
    /// });
    /// assert!(result.is_ok()); // stopped, not failed
    /// assert!(result.outcomes()[0].is_stopped());
    /// ```
    #[must_use]
    pub fn handle(&self) -> &InterruptHandle {
        &self.shared.handle
    }

    /// Interrupts every thread of the group; the same as
    /// `self.handle().interrupt()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(gracefully::park);
    ///     g.interrupt();
    /// });
    /// assert!(result.outcomes()[0].is_stopped());
    /// ```
    #[expect(
        clippy::must_use_candidate,
        reason = "most callers only want the request made"
    )]
    pub fn interrupt(&self) -> bool {
        self.shared.handle.interrupt()
    }
}

impl<T, E> Shared<T, E> {
    /// Records a member's outcome, and interrupts the group if it is the
    /// first failure (invariant 2).
    fn record(&self, index: usize, outcome: Outcome<T, E>) {
        let failed = outcome.is_failure();
        let first = {
            let mut outcomes = lock(&self.outcomes);
            outcomes.slots[index] = Slot::Done(outcome);
            let first = failed && outcomes.failure.is_none();
            if first {
                outcomes.failure = Some(index);
            }
            first
        };
        if first {
            self.handle.interrupt();
        }
    }
}

impl Builder {
    /// Spawns a thread in `group` with this builder's name and stack size,
    /// like [`std::thread::Builder::spawn_scoped`]; see [`Group::spawn`].
    ///
    /// # Errors
    ///
    /// The operating system's error when it cannot create the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     gracefully::Builder::new()
    ///         .name("checker".into())
    ///         .spawn_scoped(g, || Ok::<_, gracefully::ThreadExit>(std::thread::current().name().map(String::from)))
    ///         .map(|_| ())
    /// });
    /// result.value().as_ref().expect("spawned");
    /// let name = result.into_outcomes().pop().and_then(|outcome| outcome.ok());
    /// assert_eq!(name, Some(Some("checker".to_owned())));
    /// ```
    pub fn spawn_scoped<'scope, T, E, F>(
        self,
        group: &Group<'scope, '_, T, E>,
        f: F,
    ) -> io::Result<GroupHandle<'scope, T, E>>
    where
        F: FnOnce() -> Result<T, E> + Send + 'scope,
        T: Send + 'scope,
        E: Send + 'scope,
    {
        group.spawn_with(self, f)
    }
}

/// A thread of a [`Group`]: interrupt it on its own, or wait for it.
///
/// Dropping it leaves the thread running; the group waits for it.
///
/// # Examples
///
/// ```
/// let result = gracefully::group(|g| {
///     let sleeper = g.spawn(|| gracefully::park().map(|()| 0));
///     let worker = g.spawn(|| Ok(7));
///     sleeper.interrupt(); // only this one: not a failure
///     (sleeper.join(), worker.join())
/// });
/// assert_eq!(*result.value(), (None, Some(7)));
/// ```
pub struct GroupHandle<'scope, T, E> {
    inner: ScopedJoinHandle<'scope, ()>,
    handle: InterruptHandle,
    shared: Arc<Shared<T, E>>,
    index: usize,
}

impl<T, E> GroupHandle<'_, T, E> {
    /// Interrupts this thread only; its stop is not a failure of the
    /// group. Returns whether this call made the request.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(gracefully::park).interrupt();
    /// });
    /// assert!(result.is_ok());
    /// ```
    #[expect(
        clippy::must_use_candidate,
        reason = "most callers only want the request made"
    )]
    pub fn interrupt(&self) -> bool {
        self.handle.interrupt()
    }

    /// The handle to the thread's scope.
    ///
    /// # Examples
    ///
    /// ```
    /// gracefully::group(|g| {
    ///     let member = g.spawn(gracefully::park);
    ///     let handle = member.handle().clone();
    ///     assert!(handle.interrupt());
    /// });
    /// ```
    #[must_use]
    pub fn handle(&self) -> &InterruptHandle {
        &self.handle
    }

    /// The std handle of the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// gracefully::group(|g| {
    ///     let member = g.spawn(|| Ok::<(), gracefully::ThreadExit>(()));
    ///     assert_ne!(member.thread().id(), std::thread::current().id());
    /// });
    /// ```
    #[must_use]
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    /// Has the thread finished?
    ///
    /// # Examples
    ///
    /// ```
    /// gracefully::group(|g| {
    ///     let member = g.spawn(gracefully::park);
    ///     assert!(!member.is_finished());
    ///     member.interrupt();
    /// });
    /// ```
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// Waits for the thread to finish, and takes its value if it returned
    /// `Ok`: its place in [`GroupResult::outcomes`] is then
    /// [`Outcome::Joined`]. Any other outcome (a failure, a stop) is left
    /// for the group's result, and this returns `None`.
    ///
    /// Not an interruption point: like `std::thread`'s joins, it waits
    /// for as long as the thread runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     let answer = g.spawn(|| Ok::<_, gracefully::ThreadExit>(42));
    ///     answer.join()
    /// });
    /// assert_eq!(*result.value(), Some(42));
    /// assert!(matches!(result.outcomes()[0], gracefully::Outcome::Joined));
    /// ```
    pub fn join(self) -> Option<T> {
        // The member catches every panic of its closure (invariant 2).
        let _ = self.inner.join();
        let mut outcomes = lock(&self.shared.outcomes);
        let slot = &mut outcomes.slots[self.index];
        match std::mem::replace(slot, Slot::Joined) {
            Slot::Done(Outcome::Ok(value)) => Some(value),
            other => {
                *slot = other;
                None
            }
        }
    }
}

impl<T, E> fmt::Debug for GroupHandle<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupHandle")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

/// How a thread of a [`group`] ended.
///
/// # Examples
///
/// ```
/// use gracefully::Outcome;
///
/// let result = gracefully::group(|g| {
///     g.spawn(|| Ok(1));
///     g.spawn(|| Err("bad input"));
/// });
/// let outcomes = result.outcomes();
/// assert!(matches!(outcomes[0], Outcome::Ok(1)));
/// assert!(matches!(outcomes[1], Outcome::Err("bad input")));
/// assert!(outcomes[1].is_failure());
/// ```
#[derive(Debug)]
pub enum Outcome<T, E> {
    /// It returned `Ok`.
    Ok(T),
    /// It returned `Err` with no request pending on its scope: a failure.
    Err(E),
    /// It panicked (with anything but a [`ThreadExit`]): a failure. The
    /// payload, as [`std::thread::JoinHandle::join`] gives it.
    Panicked(Box<dyn Any + Send + 'static>),
    /// It returned `Err` while a request was pending on its scope: it was
    /// asked to stop (by the group's failure, the caller, or its own
    /// handle) and did. Usually the error holds the [`ThreadExit`].
    Stopped(E),
    /// It unwound with a [`ThreadExit`] (an unwinding checkpoint): it was
    /// asked to stop and did.
    Unwound(ThreadExit),
    /// Its `Ok` value was taken by [`GroupHandle::join`].
    Joined,
}

impl<T, E> Outcome<T, E> {
    /// The outcome of a member's closure, caught, on its scope
    /// (invariant 3).
    pub(crate) fn of(result: std::thread::Result<Result<T, E>>, scope: &Scope) -> Self {
        match result {
            Ok(Ok(value)) => Outcome::Ok(value),
            Ok(Err(error)) if scope.is_requested() => Outcome::Stopped(error),
            Ok(Err(error)) => Outcome::Err(error),
            Err(payload) => match payload.downcast::<ThreadExit>() {
                Ok(exit) => Outcome::Unwound(*exit),
                Err(payload) => Outcome::Panicked(payload),
            },
        }
    }

    /// Did the thread fail (an `Err` it was not asked for, or a panic)?
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(|| -> Result<(), &str> { panic!("boom") });
    /// });
    /// assert!(result.outcomes()[0].is_failure());
    /// ```
    #[must_use]
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Err(_) | Outcome::Panicked(_))
    }

    /// Was the thread asked to stop, and did it ([`Outcome::Stopped`] or
    /// [`Outcome::Unwound`])?
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(gracefully::park);
    ///     g.interrupt();
    /// });
    /// assert!(result.outcomes()[0].is_stopped());
    /// ```
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        matches!(self, Outcome::Stopped(_) | Outcome::Unwound(_))
    }

    /// The value, if the thread returned `Ok` and it was not joined.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(|| Ok::<_, gracefully::ThreadExit>("done"));
    /// });
    /// assert_eq!(result.into_outcomes().pop().and_then(|o| o.ok()), Some("done"));
    /// ```
    #[must_use]
    pub fn ok(self) -> Option<T> {
        match self {
            Outcome::Ok(value) => Some(value),
            _ => None,
        }
    }
}

/// What [`group`] returns: the closure's value, every thread's
/// [`Outcome`] in the order they were spawned, and which one was the
/// group's failure.
///
/// # Examples
///
/// ```
/// let result = gracefully::group(|g| {
///     g.spawn(|| Ok(1));
///     g.spawn(|| Err("no"));
///     "spawned"
/// });
/// assert_eq!(*result.value(), "spawned");
/// assert_eq!(result.failure().map(|(index, _)| index), Some(1));
/// assert!(result.into_result().is_err());
/// ```
#[derive(Debug)]
pub struct GroupResult<R, T, E> {
    value: R,
    outcomes: Vec<Outcome<T, E>>,
    failure: Option<usize>,
}

impl<R, T, E> GroupResult<R, T, E> {
    /// A result whose failure, if any, is `outcomes[failure]`.
    pub(crate) fn new(value: R, outcomes: Vec<Outcome<T, E>>, failure: Option<usize>) -> Self {
        debug_assert!(failure.is_none_or(|index| outcomes[index].is_failure()));
        GroupResult {
            value,
            outcomes,
            failure,
        }
    }

    /// Did no thread fail? (Threads that were asked to stop and did are
    /// not failures.)
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(|| Ok::<_, ()>(()));
    /// });
    /// assert!(result.is_ok());
    /// ```
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.failure.is_none()
    }

    /// The first failure: the thread's index among
    /// [`outcomes`](GroupResult::outcomes), and its outcome
    /// ([`Outcome::Err`] or [`Outcome::Panicked`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(|| Err::<(), _>("first"));
    /// });
    /// let (index, outcome) = result.failure().unwrap();
    /// assert_eq!(index, 0);
    /// assert!(matches!(outcome, gracefully::Outcome::Err("first")));
    /// ```
    #[must_use]
    pub fn failure(&self) -> Option<(usize, &Outcome<T, E>)> {
        self.failure.map(|index| (index, &self.outcomes[index]))
    }

    /// What the closure passed to [`group`] returned.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|_: &gracefully::Group<(), ()>| 5);
    /// assert_eq!(*result.value(), 5);
    /// ```
    #[must_use]
    pub fn value(&self) -> &R {
        &self.value
    }

    /// Every thread's outcome, in the order they were spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(|| Ok::<_, ()>(1));
    ///     g.spawn(|| Ok(2));
    /// });
    /// assert_eq!(result.outcomes().len(), 2);
    /// ```
    #[must_use]
    pub fn outcomes(&self) -> &[Outcome<T, E>] {
        &self.outcomes
    }

    /// The outcomes, taken.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = gracefully::group(|g| {
    ///     g.spawn(|| Ok::<_, ()>(1));
    /// });
    /// assert!(matches!(result.into_outcomes()[..], [gracefully::Outcome::Ok(1)]));
    /// ```
    #[must_use]
    pub fn into_outcomes(self) -> Vec<Outcome<T, E>> {
        self.outcomes
    }

    /// The closure's value and the outcomes, taken.
    ///
    /// # Examples
    ///
    /// ```
    /// let (value, outcomes) = gracefully::group(|g| {
    ///     g.spawn(|| Ok::<_, ()>(1));
    ///     "v"
    /// })
    /// .into_parts();
    /// assert_eq!((value, outcomes.len()), ("v", 1));
    /// ```
    #[must_use]
    pub fn into_parts(self) -> (R, Vec<Outcome<T, E>>) {
        (self.value, self.outcomes)
    }

    /// The closure's value, or the first failure's error; a first failure
    /// that was a panic is passed on with
    /// [`resume_unwind`](std::panic::resume_unwind), as
    /// `std::thread::scope` passes on its threads' panics.
    ///
    /// A group stopped from outside (the caller's scope interrupted, or
    /// [`Group::interrupt`]) has no failure: this returns the value, and
    /// the request is still pending on the caller's scope for its next
    /// interruption point.
    ///
    /// # Errors
    ///
    /// The error of the first thread that failed.
    ///
    /// # Panics
    ///
    /// With the first failure's payload, when it was a panic.
    ///
    /// # Examples
    ///
    /// ```
    /// fn count(words: &[&str]) -> Result<usize, String> {
    ///     let total = std::sync::atomic::AtomicUsize::new(0);
    ///     gracefully::group(|g| {
    ///         for word in words {
    ///             g.spawn(|| {
    ///                 if word.is_empty() {
    ///                     return Err("an empty word".to_owned());
    ///                 }
    ///                 total.fetch_add(word.len(), std::sync::atomic::Ordering::Relaxed);
    ///                 Ok(())
    ///             });
    ///         }
    ///     })
    ///     .into_result()?;
    ///     Ok(total.into_inner())
    /// }
    /// assert_eq!(count(&["ab", "c"]), Ok(3));
    /// assert_eq!(count(&["ab", ""]), Err("an empty word".to_owned()));
    /// ```
    pub fn into_result(self) -> Result<R, E> {
        let Some(index) = self.failure else {
            return Ok(self.value);
        };
        match self.outcomes.into_iter().nth(index) {
            Some(Outcome::Err(error)) => Err(error),
            Some(Outcome::Panicked(payload)) => panic::resume_unwind(payload),
            _ => unreachable!("the group's failure is an error or a panic"),
        }
    }
}

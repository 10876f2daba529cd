//! Critical sections: regions where interruption waits until the region ends.

use std::fmt;
use std::marker::PhantomData;

use crate::current::current_arc;
use crate::scope::Scope;
use crate::sync::Arc;

/// Opens a critical section on the current scope until the guard is dropped.
///
/// While any critical section is open on a scope, its interruption points
/// behave as if nothing were pending: [`check`](crate::check) returns `Ok`
/// and the waits run to their normal end. A request made meanwhile stays
/// pending and is delivered at the first interruption point after the
/// outermost section closes. Sections nest.
///
/// [`interruption_requested`](crate::interruption_requested) still answers
/// truthfully inside a section, so long work there can finish early on its
/// own terms.
///
/// The `critical!` macro of the facade crate opens one around a block.
///
/// # Examples
///
/// ```
/// let handle = gracefully::current();
/// {
///     let _section = gracefully::critical_section();
///     handle.interrupt();
///     assert!(gracefully::check().is_ok()); // not delivered inside
///     assert!(gracefully::interruption_requested());
/// }
/// assert!(gracefully::check().is_err()); // delivered after
/// # gracefully::clear();
/// ```
#[track_caller]
pub fn critical_section() -> CriticalGuard {
    let scope = current_arc();
    scope.enter_critical();
    #[cfg(target_os = "linux")]
    crate::thread_signal::enter_critical();
    CriticalGuard {
        scope,
        _not_send: PhantomData,
    }
}

/// An open critical section; it closes when the guard is dropped.
///
/// Made by [`critical_section`]. It is neither `Send` nor `Sync`: a section
/// belongs to the code that opened it.
///
/// # Examples
///
/// ```
/// let guard = gracefully::critical_section();
/// gracefully::current().interrupt();
/// assert!(gracefully::check().is_ok());
/// drop(guard);
/// assert!(gracefully::check().is_err());
/// # gracefully::clear();
/// ```
#[must_use = "the critical section closes as soon as the guard is dropped; bind it with `let _section = ...`"]
pub struct CriticalGuard {
    scope: Arc<Scope>,
    _not_send: PhantomData<*const ThreadBound>,
}

/// Names why a [`CriticalGuard`] is not `Send` in the compiler's error when
/// one is moved to another thread.
struct ThreadBound;

impl Drop for CriticalGuard {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        crate::thread_signal::exit_critical();
        self.scope.exit_critical();
    }
}

impl fmt::Debug for CriticalGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CriticalGuard")
            .field("scope", &self.scope.id())
            .finish_non_exhaustive()
    }
}

/// The guard of a `critical!` block that contains `.await`: the section
/// belongs to the task, which may move between threads at each await, so
/// this guard is `Send`. Not public API.
#[doc(hidden)]
#[must_use = "the critical section closes as soon as the guard is dropped"]
pub struct TaskCriticalGuard {
    scope: Arc<Scope>,
}

/// Opens a critical section on the current scope (a task's, when polled
/// under `with_interrupt`) that may be held across `.await`. Not public API.
#[doc(hidden)]
#[track_caller]
pub fn task_critical_section() -> TaskCriticalGuard {
    TaskCriticalGuard::open(current_arc())
}

impl TaskCriticalGuard {
    /// Opens a section on `scope`, which is the current scope of the task
    /// that will hold the guard.
    #[track_caller]
    pub(crate) fn open(scope: Arc<Scope>) -> Self {
        scope.enter_critical();
        TaskCriticalGuard { scope }
    }
}

impl Drop for TaskCriticalGuard {
    fn drop(&mut self) {
        self.scope.exit_critical();
    }
}

impl fmt::Debug for TaskCriticalGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskCriticalGuard")
            .field("scope", &self.scope.id())
            .finish()
    }
}

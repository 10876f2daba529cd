//! The current scope of each thread, and the free functions that act on it.
//!
//! # Invariants
//!
//! 1. `CURRENT` is null or `Arc::as_ptr` of an `Arc<Scope>` that this thread
//!    keeps alive for as long as `CURRENT` holds the pointer: the thread's own
//!    scope in `OWN`, or the scope borrowed by an [`Entered`] guard, which
//!    puts the previous value back when it drops (guards nest like the
//!    borrows they hold).
//! 2. `OWN`'s destructor resets `CURRENT` to null before the thread's own
//!    scope is dropped.
//! 3. Code that runs after `OWN` is gone (in other thread-local destructors)
//!    gets a fresh detached scope on each call: nothing is ever pending there.

use std::cell::{Cell, OnceCell};
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr;

use crate::exit::ThreadExit;
use crate::handle::InterruptHandle;
use crate::scope::{Scope, WaitKind};
use crate::sync::Arc;

thread_local! {
    static CURRENT: Cell<*const Scope> = const { Cell::new(ptr::null()) };
    static OWN: Own = const { Own(OnceCell::new()) };
}

/// The thread's own scope, made on first use (or by [`adopt`]).
struct Own(OnceCell<Arc<Scope>>);

impl Drop for Own {
    fn drop(&mut self) {
        // Invariant 2: runs before the field (the scope) is dropped.
        let _ = CURRENT.try_with(|current| current.set(ptr::null()));
    }
}

fn current_ptr() -> *const Scope {
    // `CURRENT` has no destructor, so `try_with` cannot fail; null is the
    // answer that sends the caller to the slow path all the same.
    CURRENT.try_with(Cell::get).unwrap_or(ptr::null())
}

/// Runs `f` on the current scope: one thread-local read when it exists.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Scope) -> R) -> R {
    let scope = current_ptr();
    if scope.is_null() {
        with_current_slow(f)
    } else {
        // SAFETY: invariant 1: a non-null `CURRENT` points to a scope this
        // thread keeps alive, and `f` runs on this thread before returning.
        f(unsafe { &*scope })
    }
}

/// [`with_current`] for a wait of `kind` called at `at`: marked on the
/// scope while `f` runs, for shutdown reports (scope invariant 11).
pub(crate) fn with_current_at<R>(
    kind: WaitKind,
    at: &'static Location<'static>,
    f: impl FnOnce(&Scope) -> R,
) -> R {
    with_current(|scope| {
        let _mark = scope.mark_wait(kind, at);
        f(scope)
    })
}

#[cold]
#[inline(never)]
fn with_current_slow<R>(f: impl FnOnce(&Scope) -> R) -> R {
    f(&current_arc_slow())
}

fn current_arc_slow() -> Arc<Scope> {
    OWN.try_with(|own| {
        let scope = own.0.get_or_init(crate::shutdown::new_scope);
        let _ = CURRENT.try_with(|current| current.set(Arc::as_ptr(scope)));
        Arc::clone(scope)
    })
    // Invariant 3: the thread is exiting and its own scope is gone.
    .unwrap_or_else(|_| Scope::new_detached())
}

/// A strong reference to the current scope.
pub(crate) fn current_arc() -> Arc<Scope> {
    let scope = current_ptr();
    if scope.is_null() {
        return current_arc_slow();
    }
    // SAFETY: invariant 1: `scope` came from `Arc::as_ptr` of an `Arc` that
    // is alive now, so taking one more strong count and rebuilding an `Arc`
    // from the pointer is sound.
    unsafe {
        Arc::increment_strong_count(scope);
        Arc::from_raw(scope)
    }
}

/// Makes `scope` the current scope of this thread until the guard drops;
/// the borrow keeps the scope alive for that long (invariant 1).
pub(crate) fn enter(scope: &Arc<Scope>) -> Entered<'_> {
    let previous = CURRENT
        .try_with(|current| current.replace(Arc::as_ptr(scope)))
        .unwrap_or(ptr::null());
    Entered {
        previous,
        _scope: PhantomData,
    }
}

/// Puts the previous current scope back on drop, also when unwinding.
pub(crate) struct Entered<'a> {
    previous: *const Scope,
    _scope: PhantomData<&'a Arc<Scope>>,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|current| current.set(self.previous));
    }
}

/// Makes `scope` the own scope of the calling thread, which must not have
/// used the runtime yet (a thread made by [`spawn`](crate::spawn)).
pub(crate) fn adopt(scope: Arc<Scope>) {
    let _ = OWN.try_with(|own| {
        let pointer = Arc::as_ptr(&scope);
        if own.0.set(scope).is_ok() {
            let _ = CURRENT.try_with(|current| current.set(pointer));
        }
    });
}

/// Is an interrupt request pending on the current scope?
///
/// A pure query: it does not deliver the request, and it answers `true`
/// inside critical sections too.
///
/// # Examples
///
/// ```
/// let worker = gracefully::spawn(|| {
///     while !gracefully::interruption_requested() {
///         std::thread::yield_now();
///     }
///     "stopped"
/// });
/// worker.interrupt();
/// assert_eq!(worker.join().unwrap(), "stopped");
/// ```
#[inline]
#[must_use]
pub fn interruption_requested() -> bool {
    with_current(Scope::is_requested)
}

/// An interruption point: `Err(ThreadExit)` when a request is pending on the
/// current scope and no critical section is open.
///
/// When nothing is pending this is a thread-local read and one relaxed
/// atomic load. The request stays pending after `check` returns it (it is
/// sticky): every later interruption point reports it again until
/// [`clear`] is called.
///
/// # Errors
///
/// [`ThreadExit`] with the request's cause when a request is pending outside
/// critical sections.
///
/// # Examples
///
/// ```
/// use gracefully::ThreadExit;
///
/// fn work() -> Result<(), ThreadExit> {
///     loop {
///         gracefully::check()?;
///         std::thread::yield_now(); // one unit of work
///     }
/// }
///
/// let worker = gracefully::spawn(work);
/// worker.interrupt();
/// assert!(worker.join().unwrap().is_err());
/// ```
#[inline]
pub fn check() -> Result<(), ThreadExit> {
    with_current(Scope::check)
}

/// Acknowledges and resets the pending request of the current scope, and
/// returns it (`None` when nothing was pending).
///
/// Call it after catching a [`ThreadExit`] to go on with normal work.
///
/// # Examples
///
/// ```
/// let handle = gracefully::current();
/// handle.interrupt();
/// assert!(gracefully::check().is_err());
/// assert!(gracefully::clear().is_some());
/// assert!(gracefully::check().is_ok());
/// assert!(gracefully::clear().is_none());
/// ```
pub fn clear() -> Option<ThreadExit> {
    with_current(Scope::clear)
}

/// A handle to the current scope (the thread's own scope, made on first use).
///
/// While the thread's thread-locals are being destroyed, the thread's own
/// scope is gone: the answer is then a new scope that belongs to nothing.
///
/// # Examples
///
/// ```
/// let me = gracefully::current();
/// assert_eq!(me, gracefully::current());
/// me.interrupt();
/// assert!(gracefully::interruption_requested());
/// # gracefully::clear();
/// ```
#[must_use]
pub fn current() -> InterruptHandle {
    InterruptHandle::from_scope(current_arc())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::exit::Cause;

    #[test]
    fn a_thread_keeps_one_scope() {
        std::thread::spawn(|| {
            let a = current_arc();
            let b = current_arc();
            assert!(Arc::ptr_eq(&a, &b));
            assert!(ptr::eq(current_ptr(), Arc::as_ptr(&a)));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn thread_local_destructors_see_a_fresh_scope() {
        struct Probe;
        impl Drop for Probe {
            fn drop(&mut self) {
                // Runs during thread-local destruction, possibly after `OWN`.
                assert!(check().is_ok());
                let _ = current();
            }
        }
        thread_local!(static PROBE: Probe = const { Probe });
        std::thread::spawn(|| {
            PROBE.with(|_| {});
            current().interrupt();
            assert_eq!(clear().map(|e| e.cause()), Some(Cause::Interrupted));
        })
        .join()
        .unwrap();
    }
}

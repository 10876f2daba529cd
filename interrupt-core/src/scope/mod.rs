//! The scope: one interruptible unit (a thread, a task, a job).
//!
//! A scope is a state word (`state.rs`: the request, its cause and the
//! critical depth) and a wake list (`wake_list.rs`: how a request reaches
//! the scope's waits, tasks, callbacks and signal-mode thread, and the
//! hand-offs that make that safe), with its children (`children.rs`). A
//! request's walk over many scopes is in `fanout.rs`.
//!
//! # Invariants
//!
//! Numbered across the files, each kept next to its code: 1 (the state
//! word) here; 2 to 6 and 8 to 10 in `wake_list.rs`; 7 in `children.rs`;
//! 11 (where the thread is, for reports) in `site.rs`.
//!
//! 1. One state word holds the request flag, the request's cause and the
//!    critical-section depth (`state.rs`, with its own invariants): the
//!    first cause stays until [`Scope::clear`].
//!
//! The loom models in `models.rs` run invariants 1 to 7, 9 and 10 under every
//! interleaving of a request with the operation each is about.
//!
//! Lock order: the callbacks' `CALLBACK_DONE` lock, then a scope's `waiters`
//! lock, then the timer's lock. The registry lock is never held together
//! with another. No user code runs under them.

use std::fmt;
use std::panic::Location;
use std::sync::atomic::AtomicPtr;

use crate::exit::{Cause, ThreadExit};
use crate::fanout::Fanout;
use crate::registry;
use crate::state::StateWord;
use crate::sync::Arc;
use crate::sync::{AtomicU32, AtomicUsize, Mutex, Ordering, global, lock};

mod children;
mod site;
mod wake_list;

pub(crate) use site::WaitKind;
#[cfg(not(loom))]
pub(crate) use wake_list::CONFIRM_WINDOW;
use wake_list::Waiters;
pub(crate) use wake_list::{
    CONFIRM_POLL, CONFIRM_YIELDS, Level, Reach, Registration, renotify_later,
};

/// Registry slot of a scope that is not registered.
const NO_SLOT: usize = usize::MAX;

/// One interruptible unit. Shared as `Arc<Scope>`.
pub(crate) struct Scope {
    /// The request, its cause and the critical depth (invariant 1).
    state: StateWord,
    /// Condvar notifications in progress outside the `waiters` lock
    /// (invariant 3).
    notifying: AtomicUsize,
    /// The CPU the latest notifier raised `notifying` on (invariant 3).
    notifier_cpu: AtomicU32,
    /// Counts condvar waits leaving, so that a requester confirming a
    /// wake-up (invariant 4) can watch without taking the lock.
    departures: AtomicU32,
    id: u64,
    slot: usize,
    waiters: Mutex<Waiters>,
    /// The wait the thread is in, tagged with its kind (invariant 11).
    site: AtomicPtr<Location<'static>>,
    /// Where the outermost critical section was opened (invariant 11).
    critical_site: AtomicPtr<Location<'static>>,
}

static NEXT_ID: global::AtomicU64 = global::AtomicU64::new(1);

impl Scope {
    fn with_slot(slot: usize) -> Self {
        Scope {
            state: StateWord::new(),
            notifying: AtomicUsize::new(0),
            notifier_cpu: AtomicU32::new(wake_list::UNKNOWN_CPU),
            departures: AtomicU32::new(0),
            // Relaxed: ids only need to be unique, not ordered with anything.
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            slot,
            waiters: Mutex::new(Waiters {
                next_id: 0,
                entries: Vec::new(),
            }),
            site: AtomicPtr::new(std::ptr::null_mut()),
            critical_site: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// A new scope in the process-wide registry; it leaves the registry when
    /// the last `Arc` to it is dropped. (Made through
    /// [`shutdown::new_scope`](crate::shutdown::new_scope), which requests it
    /// once a shutdown has begun.)
    pub(crate) fn new_registered() -> Arc<Scope> {
        Arc::new_cyclic(|weak| Scope::with_slot(registry::insert(weak.clone())))
    }

    /// A new scope outside the registry (for threads that are exiting).
    pub(crate) fn new_detached() -> Arc<Scope> {
        Arc::new(Scope::with_slot(NO_SLOT))
    }

    /// The scope's process-unique id (for `Debug`).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// An interruption point: `Err` when a request is pending and no critical
    /// section is open.
    #[inline]
    pub(crate) fn check(&self) -> Result<(), ThreadExit> {
        self.state.check()
    }

    /// The exit to deliver now, if any (used by waits after registering).
    pub(crate) fn pending(&self) -> Option<ThreadExit> {
        self.state.pending()
    }

    /// The pending request's cause, if any (inside critical sections too).
    pub(crate) fn cause(&self) -> Option<Cause> {
        self.state.cause()
    }

    /// Is a request pending (inside critical sections too)?
    pub(crate) fn is_requested(&self) -> bool {
        self.state.is_requested()
    }

    /// How many condvar waits have left (invariant 4), for a requester
    /// confirming a wake-up without taking the lock.
    pub(crate) fn departures(&self) -> u32 {
        // Acquire: pairs with the release in `deregister`.
        self.departures.load(Ordering::Acquire)
    }

    /// Is a critical section open on this scope?
    pub(crate) fn in_critical(&self) -> bool {
        self.state.in_critical()
    }

    /// Condvar notifications and signals in flight (for the loom models).
    #[cfg(all(test, loom))]
    pub(crate) fn notifying(&self) -> usize {
        self.notifying.load(Ordering::Acquire) & !wake_list::SLEEPER
    }

    /// Requests an interrupt with `cause` and wakes the scope's waits; then
    /// passes on the first panic of a callback the request ran.
    /// Returns `false` when a request was already pending (its cause stays).
    pub(crate) fn request(self: &Arc<Self>, cause: Cause) -> bool {
        let mut fanout = Fanout::default();
        let set = fanout.request(self, cause);
        fanout.finish_and_resume();
        set
    }

    /// Sets the flag and the cause if no request is pending; `Some` with
    /// whether a critical section was open then, `None` when a request was
    /// already pending. For [`Fanout::request`], which then wakes the scope.
    pub(crate) fn set_requested(&self, cause: Cause) -> Option<bool> {
        self.state.set_requested(cause)
    }

    /// Resets a pending request and returns it. Once it returns, no signal
    /// for the request is on its way to the calling thread (invariant 8),
    /// and its levels are lowered (invariant 10).
    pub(crate) fn clear(&self) -> Option<ThreadExit> {
        let cleared = self.state.clear();
        if cleared.is_some() {
            // A requester that read the flag under the lock before it was
            // reset has raised `notifying` by the time the lock is free.
            drop(lock(&self.waiters));
            self.wait_out_notifying();
            #[cfg(target_os = "linux")]
            crate::thread_signal::take_pending();
            self.lower_levels();
        }
        cleared
    }

    /// Opens a critical section; the outermost one records where it was
    /// opened (invariant 11).
    #[track_caller]
    pub(crate) fn enter_critical(&self) {
        if self.state.enter_critical() {
            self.mark_critical(Location::caller());
        }
    }

    /// Closes a critical section. Closing the outermost one with a request
    /// pending wakes the scope's waits, which the request left alone
    /// (invariant 9).
    pub(crate) fn exit_critical(self: &Arc<Self>) {
        if self.state.exit_critical() {
            let mut fanout = Fanout::default();
            self.wake(&mut fanout, Reach::Waits);
            fanout.finish_and_resume();
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if self.slot != NO_SLOT {
            registry::remove(self.slot);
        }
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("id", &self.id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::{Condvar, lock};

    #[test]
    fn the_first_cause_stays_until_clear() {
        let scope = Scope::new_detached();
        assert!(scope.request(Cause::Deadline));
        assert!(!scope.request(Cause::Signal(2)));
        assert_eq!(scope.clear().map(|e| e.cause()), Some(Cause::Deadline));
        assert_eq!(scope.clear(), None);
        assert!(scope.request(Cause::Signal(2)));
        assert_eq!(scope.check().unwrap_err().cause(), Cause::Signal(2));
    }

    #[test]
    fn critical_depth_hides_the_request_and_survives_clear() {
        let scope = Scope::new_detached();
        scope.enter_critical();
        scope.enter_critical();
        scope.request(Cause::Interrupted);
        assert!(scope.is_requested());
        assert_eq!(scope.check(), Ok(()));
        assert_eq!(scope.pending(), None);
        scope.exit_critical();
        assert_eq!(scope.check(), Ok(()));
        scope.exit_critical();
        assert!(scope.check().is_err());
        scope.enter_critical();
        assert!(scope.clear().is_some());
        assert!(scope.in_critical());
        scope.exit_critical();
        assert!(!scope.in_critical());
        assert_eq!(scope.check(), Ok(()));
    }

    #[test]
    fn registrations_are_removed_on_drop() {
        let scope = Scope::new_detached();
        let condvar = Condvar::new();
        {
            let _a = scope.start_wait(None).unwrap();
            let _b = scope.start_wait(Some(&condvar)).unwrap();
            assert_eq!(lock(&scope.waiters).entries.len(), 2);
        }
        assert!(lock(&scope.waiters).entries.is_empty());
        scope.request(Cause::Interrupted);
        assert!(scope.start_wait(None).is_err());
        assert!(lock(&scope.waiters).entries.is_empty());
        // Inside a critical section the wait registers, and nothing is
        // delivered to it.
        scope.enter_critical();
        let wait = scope.start_wait(None).unwrap();
        assert_eq!(lock(&scope.waiters).entries.len(), 1);
        drop(wait);
        scope.exit_critical();
    }

    #[test]
    fn dead_children_are_pruned_as_the_list_grows() {
        let parent = Scope::new_detached();
        for _ in 0..1_000 {
            parent.add_child(&Scope::new_detached());
        }
        let live = Scope::new_detached();
        parent.add_child(&live);
        assert!(lock(&parent.waiters).entries.len() <= 32);
        parent.request(Cause::Interrupted);
        assert_eq!(live.clear().map(|e| e.cause()), Some(Cause::Interrupted));
    }

    #[test]
    fn a_scope_allocation_is_at_most_128_bytes() {
        // The `Arc` allocation: two reference counts, then the scope.
        let allocation = 2 * std::mem::size_of::<usize>() + std::mem::size_of::<Scope>();
        assert!(allocation <= 128, "{allocation} bytes");
    }
}

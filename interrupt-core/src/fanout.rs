//! A request's fan-out: every scope it reaches, the condvar waits it must
//! confirm, and the first panic of a callback it ran.
//!
//! # Invariants
//!
//! 1. The fan-out always completes (a panicking callback does not stop it):
//!    callbacks run under `catch_unwind`, the first payload is kept, and it
//!    is passed on only once every scope has been requested and woken and
//!    every notified condvar wait confirmed ([`Fanout::finish`]).
//! 2. Children are requested from a work list, not by recursion, so the
//!    depth of a tree of scopes costs heap, not stack.
//! 3. A request made while a critical section is open on a scope leaves the
//!    scope's waits alone (nothing is deliverable to them); the close of
//!    the outermost section wakes them (scope invariant 9). Its callbacks
//!    and children are reached at once either way.
//! 4. Waits on a shared condvar (a `gracefully::Condvar`'s) are notified
//!    once per condvar, however many of the fan-out's scopes wait on it:
//!    the notifications are collected and made, each condvar once, before
//!    the fan-out runs a callback and when it finishes (or is dropped),
//!    so that every flag the fan-out has set by then is seen by every wait
//!    one `notify_all` wakes. A wait that was not blocked yet is confirmed
//!    like any other (scope invariant 4).

use std::any::Any;
#[cfg(not(loom))]
use std::time::Instant;

use crate::exit::Cause;
#[cfg(not(loom))]
use crate::scope::CONFIRM_WINDOW;
use crate::scope::{CONFIRM_POLL, CONFIRM_YIELDS, Reach, Scope, renotify_later};
use crate::sync::thread;
use crate::sync::{Arc, Condvar, Weak};

/// The payload of a panic.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// One request's walk over the scopes it reaches.
#[derive(Default)]
pub(crate) struct Fanout {
    /// Children still to request, each with its parent's cause
    /// (invariant 2).
    children: Vec<(Weak<Scope>, Cause)>,
    /// Notified condvar waits: each wait's scope, entry, and the scope's
    /// departure count taken before the notification (scope invariant 4).
    waits: Vec<(Arc<Scope>, u64, u32)>,
    /// Shared condvars still to notify (invariant 4).
    shared: Vec<Arc<Condvar>>,
    /// The first panic of a callback (invariant 1).
    panic: Option<Panic>,
}

impl Fanout {
    /// Requests `scope` with `cause`, then every child below it; `false`
    /// when `scope` had a request pending already (its cause stays, and
    /// nothing is woken).
    pub(crate) fn request(&mut self, scope: &Arc<Scope>, cause: Cause) -> bool {
        let set = self.request_one(scope, cause);
        while let Some((child, cause)) = self.children.pop() {
            if let Some(child) = child.upgrade() {
                self.request_one(&child, cause);
            }
        }
        set
    }

    fn request_one(&mut self, scope: &Arc<Scope>, cause: Cause) -> bool {
        let Some(in_critical) = scope.set_requested(cause) else {
            return false;
        };
        // Invariant 3.
        let reach = if in_critical {
            Reach::Others
        } else {
            Reach::All
        };
        scope.wake(self, reach);
        true
    }

    /// A child of a scope being requested, to request next with the
    /// parent's `cause`.
    pub(crate) fn add_child(&mut self, child: Weak<Scope>, cause: Cause) {
        self.children.push((child, cause));
    }

    /// A condvar wait of `scope` that was notified, to confirm.
    pub(crate) fn notified(&mut self, scope: Arc<Scope>, id: u64, departures: u32) {
        self.waits.push((scope, id, departures));
    }

    /// A shared condvar with a wait to wake, notified before the next
    /// callback or at the end (invariant 4).
    pub(crate) fn notify_shared(&mut self, condvar: Arc<Condvar>) {
        self.shared.push(condvar);
    }

    /// Notifies each shared condvar collected so far once (invariant 4).
    pub(crate) fn notify_collected(&mut self) {
        if self.shared.is_empty() {
            return;
        }
        self.shared.sort_unstable_by_key(Arc::as_ptr);
        self.shared.dedup_by(|a, b| Arc::ptr_eq(a, b));
        for condvar in self.shared.drain(..) {
            condvar.notify_all();
        }
    }

    /// A callback panicked: keeps the first payload (invariant 1).
    pub(crate) fn panicked(&mut self, payload: Panic) {
        self.panic.get_or_insert(payload);
    }

    /// Confirms the notified condvar waits; returns the first panic of a
    /// callback, for the requester to pass on or report.
    pub(crate) fn finish(mut self) -> Option<Panic> {
        self.notify_collected();
        confirm(std::mem::take(&mut self.waits));
        self.panic.take()
    }

    /// [`Fanout::finish`], then passes the panic on to the caller.
    pub(crate) fn finish_and_resume(self) {
        if let Some(payload) = self.finish() {
            std::panic::resume_unwind(payload);
        }
    }
}

impl Drop for Fanout {
    fn drop(&mut self) {
        // Invariant 4: also when a fan-out ends without `finish`.
        self.notify_collected();
    }
}

/// Watches the notified waits for up to [`CONFIRM_WINDOW`]; notifies those
/// still registered once more and leaves them to the timer (scope
/// invariant 4).
fn confirm(mut waits: Vec<(Arc<Scope>, u64, u32)>) {
    if waits.is_empty() {
        return;
    }
    #[cfg(not(loom))]
    let deadline = Instant::now() + CONFIRM_WINDOW;
    let mut polls = 0;
    loop {
        // The lock is taken only once a wait of the scope has left, so a
        // woken wait does not find it taken by this loop.
        waits.retain_mut(|(scope, id, seen)| {
            let departures = scope.departures();
            if departures == *seen {
                return true;
            }
            *seen = departures;
            scope.has_entry(*id)
        });
        #[cfg(not(loom))]
        let over = Instant::now() >= deadline;
        // loom has no clock: a model watches for two looks.
        #[cfg(loom)]
        let over = polls == 2;
        if waits.is_empty() || over {
            break;
        }
        // A few yields catch the usual quick wake-up; then sleep, as a
        // requester that keeps yielding can keep the woken wait off the core
        // it was woken onto.
        if polls < CONFIRM_YIELDS {
            polls += 1;
            thread::yield_now();
        } else {
            std::thread::sleep(CONFIRM_POLL);
        }
    }
    for (scope, id, _) in waits {
        if scope.renotify(id) {
            renotify_later(Arc::downgrade(&scope), id, 0);
        }
    }
}

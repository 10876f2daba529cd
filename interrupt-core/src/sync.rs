//! The synchronisation primitives the runtime is built on, in one place.
//!
//! The runtime takes its atomics, locks and condvars from here rather than
//! from `std`, and the scope module its thread functions (`current`,
//! `yield_now`, `Thread`) too. Built with `--cfg loom`, these come from
//! [loom], so that the models in `models.rs` explore every interleaving of
//! the scope's own code.
//!
//! What no model runs keeps std's: spawning, sleeping and parking in the
//! public wait functions, the signal and I/O modules, `Arc` and `Weak`
//! (loom's `Arc` has no `Weak`, and reference counting is not what the
//! models check), and [`global`], the primitives of process-wide statics
//! (the registry, the timer, the shutdown table, id counters). loom's
//! primitives belong to one execution of a model and cannot be statics; no
//! model blocks on a global lock, and none is held across a loom operation.
//!
//! [loom]: https://docs.rs/loom

#[cfg(not(loom))]
pub(crate) use atomic_waker::AtomicWaker;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard, WaitTimeoutResult};
#[cfg(not(loom))]
pub(crate) use std::thread;

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering, fence};
// Only the task group's queue uses it, built under loom for its model.
#[cfg(all(loom, test))]
pub(crate) use loom::sync::atomic::AtomicBool;
#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard, WaitTimeoutResult};
#[cfg(loom)]
pub(crate) use loom::thread;

pub(crate) use std::sync::{Arc, PoisonError, Weak};

/// Locks `mutex`, ignoring poisoning.
///
/// The runtime never panics while it holds one of its own locks, so a
/// poisoned lock can only come from a panic in code that did not change the
/// protected state.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The primitives of process-wide statics: std's, also under loom.
pub(crate) mod global {
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64};
    pub(crate) use std::sync::{Condvar, Mutex};

    #[cfg(not(loom))]
    pub(crate) use super::lock;

    /// [`super::lock`] for std's `Mutex`.
    #[cfg(loom)]
    pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        mutex.lock().unwrap_or_else(super::PoisonError::into_inner)
    }
}

/// loom's `AtomicWaker`, with the signature of the `atomic-waker` crate's.
#[cfg(loom)]
#[derive(Default)]
pub(crate) struct AtomicWaker(loom::future::AtomicWaker);

#[cfg(loom)]
impl AtomicWaker {
    pub(crate) fn new() -> Self {
        AtomicWaker(loom::future::AtomicWaker::new())
    }

    pub(crate) fn register(&self, waker: &std::task::Waker) {
        self.0.register_by_ref(waker);
    }

    pub(crate) fn wake(&self) {
        self.0.wake();
    }
}

//! The synchronisation primitives the runtime is built on, in one place.
//!
//! Every module imports `Arc`, `Mutex`, `Condvar` and the atomics from here,
//! never from `std` directly, so that the concurrency model can be checked by
//! swapping these definitions for instrumented ones.

pub(crate) use std::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
};
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};

/// Locks `mutex`, ignoring poisoning.
///
/// The runtime never panics while it holds one of its own locks, so a
/// poisoned lock can only come from a panic in code that did not change the
/// protected state.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

//! The process-wide registry of live scopes, for [`interrupt_all`](crate::interrupt_all).
//!
//! # Invariants
//!
//! 1. The registry holds a `Weak` per scope, so it never keeps one alive; a
//!    scope takes its slot when it is made and gives it back in its `Drop`.
//! 2. The registry lock is never held while taking another lock, nor while a
//!    scope may be dropped: [`snapshot`] upgrades under the lock and the
//!    caller works on the copies after releasing it.

use crate::scope::Scope;
use crate::sync::global::{Mutex, lock};
use crate::sync::{Arc, Weak};

struct Slots {
    entries: Vec<Option<Weak<Scope>>>,
    free: Vec<usize>,
}

static REGISTRY: Mutex<Slots> = Mutex::new(Slots {
    entries: Vec::new(),
    free: Vec::new(),
});

/// Adds a scope; returns its slot.
pub(crate) fn insert(scope: Weak<Scope>) -> usize {
    let mut slots = lock(&REGISTRY);
    if let Some(slot) = slots.free.pop() {
        slots.entries[slot] = Some(scope);
        slot
    } else {
        slots.entries.push(Some(scope));
        slots.entries.len() - 1
    }
}

/// Gives a slot back.
pub(crate) fn remove(slot: usize) {
    let mut slots = lock(&REGISTRY);
    if let Some(entry) = slots.entries.get_mut(slot)
        && entry.take().is_some()
    {
        slots.free.push(slot);
    }
}

/// Strong references to every scope that is still alive.
pub(crate) fn snapshot() -> Vec<Arc<Scope>> {
    let slots = lock(&REGISTRY);
    slots
        .entries
        .iter()
        .flatten()
        .filter_map(Weak::upgrade)
        .collect()
}

/// How many scopes are registered: one per live thread that has used the
/// runtime, per thread made by [`spawn`](crate::spawn) that is running or
/// not yet joined, and per live [`InterruptHandle`](crate::InterruptHandle)
/// made by [`InterruptHandle::new`](crate::InterruptHandle::new).
///
/// Meant for leak checks and diagnostics.
///
/// # Examples
///
/// ```
/// let before = gracefully::live_scopes();
/// let handle = gracefully::InterruptHandle::new();
/// assert!(gracefully::live_scopes() >= before + 1);
/// drop(handle);
/// ```
#[must_use]
pub fn live_scopes() -> usize {
    let slots = lock(&REGISTRY);
    slots.entries.len() - slots.free.len()
}

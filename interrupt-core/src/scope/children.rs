//! A scope's children: scopes requested whenever it is.
//!
//! # Invariants
//!
//! (Numbered with those of `scope/mod.rs`.)
//!
//! 7. A child is linked by a `Weak` in its parent's list, added under the
//!    lock with the same flag check, and requested with its parent's cause;
//!    a dropped child's entry is dead and is pruned when the list grows. A
//!    shielded child (a [`cleanup`](crate::cleanup) scope) is linked without
//!    the check: a request pending on the parent as it is linked does not
//!    reach it, the parent's next request does.

use super::Scope;
use super::wake_list::{Waiters, Wake};
use crate::sync::{Arc, lock};

impl Scope {
    /// Links `child` so that a request here requests it too (invariant 7).
    pub(crate) fn add_child(self: &Arc<Self>, child: &Arc<Scope>) {
        let mut waiters = lock(&self.waiters);
        if let Some(cause) = self.state.cause() {
            drop(waiters);
            child.request(cause);
            return;
        }
        Self::link(&mut waiters, child);
    }

    /// Links `child` so that the next request here requests it, leaving it
    /// out of the one pending now, if any (invariant 7).
    pub(crate) fn add_shielded_child(&self, child: &Arc<Scope>) {
        Self::link(&mut lock(&self.waiters), child);
    }

    fn link(waiters: &mut Waiters, child: &Arc<Scope>) {
        let len = waiters.entries.len();
        if len >= 16 && len.is_power_of_two() {
            waiters.entries.retain(
                |(_, wake)| !matches!(wake, Wake::Child(child) if child.strong_count() == 0),
            );
        }
        waiters.push(Wake::Child(Arc::downgrade(child)));
    }
}

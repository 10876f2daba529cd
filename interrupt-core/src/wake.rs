//! A wake-up tied to a borrow of the current scope, for the blocking calls
//! that wake themselves through a channel or descriptor of their own
//! (channel receives, interruptible I/O).
//!
//! It is a poke entry of the scope's wake list: run, outside the lock, by
//! a request and again by the close of the critical section that deferred
//! one, like any wait's wake-up. Dropping it does not wait for a poke that
//! is running: a poke only signals the waiting thread's own channel or
//! descriptor, which every wait empties before it starts, so a late one is
//! at most one spurious wake-up.

use crate::scope::Scope;
use crate::sync::Arc;

/// Runs `wake` when the scope is requested (at once if a request is
/// deliverable already), and when the critical section that deferred a
/// request closes, until dropped.
pub(crate) struct WakeOnRequest<'a> {
    scope: &'a Scope,
    id: u64,
}

impl<'a> WakeOnRequest<'a> {
    pub(crate) fn new(scope: &'a Scope, wake: impl Fn() + Send + Sync + 'static) -> Self {
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(wake);
        // Registered before the flag is read (scope invariant 2).
        let id = scope.add_poke(Arc::clone(&wake));
        if scope.pending().is_some() {
            wake();
        }
        Self { scope, id }
    }
}

impl Drop for WakeOnRequest<'_> {
    fn drop(&mut self) {
        self.scope.deregister(self.id);
    }
}

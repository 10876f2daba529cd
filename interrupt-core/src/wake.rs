//! A callback registration tied to a borrow of the current scope, for the
//! blocking calls that wake themselves through one (channel receives,
//! interruptible I/O).
//!
//! Unlike an `OnInterrupt` guard, dropping one does not wait for a callback
//! that is running: the callback only signals the waiting thread's own
//! wake-up channel or descriptor, which every wait empties before it
//! starts, so a late signal is at most one spurious wake-up. Not waiting
//! spares the woken thread a second sleep right after its wake-up.

use crate::scope::Scope;

/// Runs `wake` when the scope is requested (at once if it already is),
/// until dropped; see `Scope::add_callback` and `Scope::forget_callback`.
pub(crate) struct WakeOnRequest<'a> {
    scope: &'a Scope,
    id: Option<u64>,
}

impl<'a> WakeOnRequest<'a> {
    pub(crate) fn new(scope: &'a Scope, wake: impl FnOnce() + Send + 'static) -> Self {
        let id = scope.add_callback(Box::new(wake));
        Self { scope, id }
    }
}

impl Drop for WakeOnRequest<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.scope.forget_callback(id);
        }
    }
}

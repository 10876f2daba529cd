//! Where a scope's thread is, for shutdown reports: the interruptible wait
//! it is blocked in and the critical section it opened, with their source
//! locations.
//!
//! # Invariants
//!
//! (Numbered with those of `scope/mod.rs`.)
//!
//! 11. `site` holds the location of the wait the scope's thread is in,
//!     tagged in its low bits with the wait's [`WaitKind`] (a `Location`
//!     is aligned to 8), or null outside waits: one store on entering a
//!     wait and one on leaving it. Waits do not nest: one made inside
//!     another (a process wait's pauses) is not marked. On a scope that
//!     threads share (`enter`), the latest wait's mark wins and the first
//!     to leave clears it: a report may then miss a wait, never name one
//!     that has ended on the thread that made it. `critical_site` holds the location of the
//!     outermost critical section opened last, stored as it opens. Both are
//!     read only for reports, relaxed: a report made while a wait begins
//!     or ends may see the one before.

use std::panic::Location;
use std::ptr;
use std::sync::atomic::Ordering;

use super::Scope;

/// The kinds of interruptible waits a report names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum WaitKind {
    Sleep = 1,
    Park = 2,
    Condvar = 3,
    Channel = 4,
    Process = 5,
    Io = 6,
}

const TAG: usize = 0b111;

impl WaitKind {
    fn from_tag(tag: usize) -> Option<Self> {
        Some(match tag {
            1 => WaitKind::Sleep,
            2 => WaitKind::Park,
            3 => WaitKind::Condvar,
            4 => WaitKind::Channel,
            5 => WaitKind::Process,
            6 => WaitKind::Io,
            _ => return None,
        })
    }

    /// How a report names the wait.
    pub(crate) fn name(self) -> &'static str {
        match self {
            WaitKind::Sleep => "sleep",
            WaitKind::Park => "park",
            WaitKind::Condvar => "a condvar wait",
            WaitKind::Channel => "a channel operation",
            WaitKind::Process => "a wait for a child process",
            WaitKind::Io => "an I/O call",
        }
    }
}

/// Marks the scope's thread as in a wait until dropped (invariant 11).
pub(crate) struct WaitMark<'a>(&'a Scope);

impl Drop for WaitMark<'_> {
    fn drop(&mut self) {
        self.0.site.store(ptr::null_mut(), Ordering::Relaxed);
    }
}

impl Scope {
    /// Records that the thread is in a wait of `kind` called at `at`, until
    /// the mark is dropped (invariant 11).
    pub(crate) fn mark_wait(&self, kind: WaitKind, at: &'static Location<'static>) -> WaitMark<'_> {
        let tagged = ptr::from_ref(at)
            .cast_mut()
            .map_addr(|addr| addr | kind as usize);
        self.site.store(tagged, Ordering::Relaxed);
        WaitMark(self)
    }

    /// Records where the outermost critical section was opened
    /// (invariant 11).
    pub(crate) fn mark_critical(&self, at: &'static Location<'static>) {
        self.critical_site
            .store(ptr::from_ref(at).cast_mut(), Ordering::Relaxed);
    }

    /// The wait the thread is in now, and where it was called.
    pub(crate) fn wait_site(&self) -> Option<(WaitKind, &'static Location<'static>)> {
        let tagged = self.site.load(Ordering::Relaxed);
        let kind = WaitKind::from_tag(tagged.addr() & TAG)?;
        // SAFETY: a non-null `site` is a `&'static Location` with its low
        // bits tagged (invariant 11); clearing them gives it back.
        let at = unsafe { &*tagged.map_addr(|addr| addr & !TAG) };
        Some((kind, at))
    }

    /// Where the outermost critical section opened last was opened.
    pub(crate) fn critical_site(&self) -> Option<&'static Location<'static>> {
        let at = self.critical_site.load(Ordering::Relaxed);
        // SAFETY: a non-null `critical_site` is a `&'static Location`
        // (invariant 11).
        (!at.is_null()).then(|| unsafe { &*at })
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_mark_names_its_wait_until_dropped() {
        let scope = Scope::new_detached();
        assert_eq!(scope.wait_site(), None);
        let here = Location::caller();
        let mark = scope.mark_wait(WaitKind::Channel, here);
        assert_eq!(scope.wait_site(), Some((WaitKind::Channel, here)));
        drop(mark);
        assert_eq!(scope.wait_site(), None);
        scope.mark_critical(here);
        assert_eq!(scope.critical_site(), Some(here));
    }

    #[test]
    fn a_location_leaves_room_for_the_tag() {
        assert!(std::mem::align_of::<Location<'static>>() > TAG);
    }
}

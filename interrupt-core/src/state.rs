//! A scope's state word: the request flag, the request's cause and the
//! critical-section depth, in one atomic.
//!
//! # Invariants
//!
//! 1. A request sets the flag and the cause only when the flag is clear,
//!    so the first cause stays until [`StateWord::clear`]. The depth is
//!    changed only by code that runs with the scope current.
//! 2. Setting the flag and closing the outermost critical section are
//!    each one read-modify-write of the word, so in its modification order
//!    exactly one of them sees "requested, no section open" after the
//!    other: that one wakes the scope's waits (scope invariant 9).

use std::fmt;

use crate::exit::{Cause, ThreadExit};
use crate::sync::{AtomicU64, Ordering, fence};

/// Bit 0: a request is pending.
const REQUESTED: u64 = 1;
/// Bits 1..4: the cause's tag.
const CAUSE_SHIFT: u32 = 1;
const CAUSE_MASK: u64 = 0b111 << CAUSE_SHIFT;
/// Bits 8..32: the signal number of `Cause::Signal`.
const SIGNAL_SHIFT: u32 = 8;
const SIGNAL_MASK: u64 = 0xFF_FFFF;
/// Bits 32..64: how many critical sections are open on the scope.
const DEPTH_SHIFT: u32 = 32;
const DEPTH_ONE: u64 = 1 << DEPTH_SHIFT;
const DEPTH_MASK: u64 = !0 << DEPTH_SHIFT;

/// Signal numbers outside `0..2^24` (none exist) are stored as 0.
fn encode_cause(cause: Cause) -> u64 {
    let (tag, signal) = match cause {
        Cause::Interrupted => (1, 0),
        Cause::All => (2, 0),
        Cause::Signal(n) => (3, u64::try_from(n).unwrap_or(0) & SIGNAL_MASK),
        Cause::Deadline => (4, 0),
    };
    (tag << CAUSE_SHIFT) | (signal << SIGNAL_SHIFT)
}

fn decode_cause(state: u64) -> Cause {
    match (state & CAUSE_MASK) >> CAUSE_SHIFT {
        2 => Cause::All,
        3 => Cause::Signal(i32::try_from((state >> SIGNAL_SHIFT) & SIGNAL_MASK).unwrap_or(0)),
        4 => Cause::Deadline,
        _ => Cause::Interrupted,
    }
}

/// The exit to deliver for `state`: a request is pending and no critical
/// section is open.
fn deliverable(state: u64) -> Option<ThreadExit> {
    (state & REQUESTED != 0 && state & DEPTH_MASK == 0)
        .then(|| ThreadExit::new(decode_cause(state)))
}

/// The state word of one scope.
pub(crate) struct StateWord(AtomicU64);

impl StateWord {
    pub(crate) fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// An interruption point: `Err` when a request is pending and no
    /// critical section is open.
    #[inline]
    pub(crate) fn check(&self) -> Result<(), ThreadExit> {
        // Relaxed: the fast path only needs to see the flag eventually; when
        // it is set, `check_slow` adds the acquire fence.
        let state = self.0.load(Ordering::Relaxed);
        if state & REQUESTED == 0 {
            Ok(())
        } else {
            Self::check_slow(state)
        }
    }

    #[cold]
    #[inline(never)]
    fn check_slow(state: u64) -> Result<(), ThreadExit> {
        // Acquire: pairs with the request's release so that what the
        // requester wrote before interrupting is visible to the exit path.
        fence(Ordering::Acquire);
        match deliverable(state) {
            Some(exit) => Err(exit),
            None => Ok(()),
        }
    }

    /// The exit to deliver now, if any.
    pub(crate) fn pending(&self) -> Option<ThreadExit> {
        // Acquire: see `check_slow`; the wait protocol needs only coherence.
        deliverable(self.0.load(Ordering::Acquire))
    }

    /// Is a request pending (inside critical sections too)?
    pub(crate) fn is_requested(&self) -> bool {
        // Acquire: a `true` answer makes the requester's writes visible.
        self.0.load(Ordering::Acquire) & REQUESTED != 0
    }

    /// The pending request's cause, if a request is pending.
    pub(crate) fn cause(&self) -> Option<Cause> {
        // Acquire: as `is_requested`.
        let state = self.0.load(Ordering::Acquire);
        (state & REQUESTED != 0).then(|| decode_cause(state))
    }

    /// Is a critical section open?
    pub(crate) fn in_critical(&self) -> bool {
        // Relaxed: the depth is only changed by code running with this scope
        // current, which is ordered with this read by program order or by
        // whatever handed the scope over.
        self.0.load(Ordering::Relaxed) & DEPTH_MASK != 0
    }

    /// Sets the flag and the cause if no request is pending (invariant 1);
    /// `Some` with whether a critical section was open then, `None` when a
    /// request was already pending.
    pub(crate) fn set_requested(&self, cause: Cause) -> Option<bool> {
        let bits = REQUESTED | encode_cause(cause);
        // AcqRel: release publishes the requester's earlier writes to the
        // interrupted code; acquire orders the wake-up after the flag.
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                (state & REQUESTED == 0).then_some(state | bits)
            })
            .ok()
            .map(|previous| previous & DEPTH_MASK != 0)
    }

    /// Resets a pending request and returns it; keeps the depth.
    pub(crate) fn clear(&self) -> Option<ThreadExit> {
        // AcqRel: the same pairing as `set_requested`.
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                (state & REQUESTED != 0).then_some(state & DEPTH_MASK)
            })
            .ok()
            .map(|previous| ThreadExit::new(decode_cause(previous)))
    }

    /// Opens a critical section; whether it is the outermost one.
    pub(crate) fn enter_critical(&self) -> bool {
        // Relaxed: see `in_critical`. The depth cannot realistically reach
        // 2^32 open sections (each is a live guard).
        let previous = self.0.fetch_add(DEPTH_ONE, Ordering::Relaxed);
        debug_assert_ne!(previous & DEPTH_MASK, DEPTH_MASK, "critical depth overflow");
        previous & DEPTH_MASK == 0
    }

    /// Closes a critical section; whether it was the outermost one with a
    /// request pending, so that the caller must wake the waits
    /// (invariant 2).
    pub(crate) fn exit_critical(&self) -> bool {
        // Relaxed: the decision needs only the modification order of the
        // word, which this read-modify-write and the request's share
        // (invariant 2); the wake-up's own ordering comes from its lock.
        let previous = self.0.fetch_sub(DEPTH_ONE, Ordering::Relaxed);
        debug_assert_ne!(previous & DEPTH_MASK, 0, "critical depth underflow");
        previous & DEPTH_MASK == DEPTH_ONE && previous & REQUESTED != 0
    }
}

impl fmt::Debug for StateWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.0.load(Ordering::Relaxed);
        f.debug_struct("StateWord")
            .field("requested", &(state & REQUESTED != 0))
            .field("critical_depth", &(state >> DEPTH_SHIFT))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn every_cause_survives_the_state_word() {
        for cause in [
            Cause::Interrupted,
            Cause::All,
            Cause::Signal(1),
            Cause::Signal(64),
            Cause::Deadline,
        ] {
            assert_eq!(decode_cause(encode_cause(cause)), cause);
        }
    }

    #[test]
    fn the_outermost_exit_with_a_request_pending_asks_for_a_wake_up() {
        let word = StateWord::new();
        word.enter_critical();
        word.enter_critical();
        assert_eq!(word.set_requested(Cause::Interrupted), Some(true));
        assert!(!word.exit_critical(), "not the outermost");
        assert!(word.exit_critical(), "the outermost, with a request");
        word.enter_critical();
        assert!(word.clear().is_some());
        assert!(!word.exit_critical(), "no request pending");
    }
}

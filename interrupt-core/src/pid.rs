//! The id of the calling process, for the checks that notice a `fork()`,
//! read without a system call on unix.
//!
//! # Invariants
//!
//! 1. `CACHED` is 0 or the id of the process that reads it: a fork handler,
//!    registered before any id is stored, resets it to 0 in the child,
//!    on the forking thread (the child's only one), before `fork` returns.
//!    If the handler cannot be registered, nothing is cached.

#[cfg(unix)]
use std::sync::OnceLock;
#[cfg(unix)]
use std::sync::atomic::{AtomicU32, Ordering};

#[cfg(unix)]
static CACHED: AtomicU32 = AtomicU32::new(0);

/// The id of the calling process, as [`std::process::id`] (which is a
/// system call on unix).
#[cfg(not(unix))]
pub(crate) fn id() -> u32 {
    std::process::id()
}

/// The id of the calling process, as [`std::process::id`].
#[cfg(unix)]
pub(crate) fn id() -> u32 {
    // Relaxed: the value is the same for every thread of a process, and
    // the reset runs on the thread that reads next (invariant 1).
    let cached = CACHED.load(Ordering::Relaxed);
    if cached != 0 {
        return cached;
    }
    let id = std::process::id();
    if forget_in_children() {
        CACHED.store(id, Ordering::Relaxed);
    }
    id
}

/// Registers the fork handler once; whether it is registered.
#[cfg(unix)]
fn forget_in_children() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        extern "C" fn forget() {
            CACHED.store(0, Ordering::Relaxed);
        }
        // SAFETY: `forget` is a valid handler for the whole life of the
        // process, and only stores to an atomic, which is sound in a child
        // right after `fork`.
        unsafe { libc::pthread_atfork(None, None, Some(forget)) == 0 }
    })
}

#[cfg(all(test, not(loom)))]
mod tests {
    #[test]
    fn the_cached_id_is_the_process_id() {
        assert_eq!(super::id(), std::process::id());
        assert_eq!(super::id(), std::process::id());
    }

    #[cfg(unix)]
    #[test]
    fn a_forked_child_reads_its_own_id() {
        let parent = super::id(); // cached now
        // SAFETY: the child only reads atomics, makes the `getpid` system
        // call and `_exit`s: no lock another thread may have held is taken.
        let child = unsafe { libc::fork() };
        if child == 0 {
            let fresh = super::id() == std::process::id() && super::id() != parent;
            // SAFETY: `_exit` is async-signal-safe and ends the child at once.
            unsafe { libc::_exit(i32::from(!fresh)) };
        }
        assert!(child > 0, "fork failed");
        let mut status = 0;
        // SAFETY: `child` is our child, and `status` a valid out-parameter.
        assert_eq!(unsafe { libc::waitpid(child, &raw mut status, 0) }, child);
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "the child read {parent}"
        );
    }
}

//! Graceful, cooperative interruption for threads.
//!
//! One thread asks another to stop; the other stops at a safe point, runs
//! its cleanup (`Drop`, error paths, flushes) and exits. Nothing is killed,
//! nothing is lost. Regions that must not be cut short are marked critical
//! and the request waits until they end.
//!
//! - [`macro@interruptible`] puts a checkpoint at the start of every loop
//!   iteration of a function; [`critical!`] keeps a block from being cut
//!   short.
//! - Every thread has a *scope* with a sticky interrupt flag.
//!   [`JoinHandle::interrupt`], [`InterruptHandle::interrupt`] and
//!   [`interrupt_all`] set it, with a [`Cause`].
//! - *Interruption points* deliver it as `Err(`[`ThreadExit`]`)`, so `?`
//!   takes the thread out through its destructors: [`check`], and the waits
//!   that a request wakes at once: [`sleep`], [`park`], [`park_timeout`],
//!   [`wait`], [`wait_while`], [`wait_timeout`].
//! - [`critical_section`] defers delivery until the section ends; the
//!   request is never lost.
//! - [`clear`] acknowledges a request so that work can resume.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use interrupt::{ThreadExit, critical, interruptible};
//!
//! struct Cleanup;
//! impl Drop for Cleanup {
//!     fn drop(&mut self) {
//!         println!("worker: cleaned up");
//!     }
//! }
//!
//! #[interruptible]
//! fn work(log: &mut Vec<&'static str>) -> Result<(), ThreadExit> {
//!     let _cleanup = Cleanup;
//!     loop {
//!         // `#[interruptible]` checks for a request here, each time round.
//!         interrupt::sleep(Duration::from_millis(10))?; // a request ends the sleep at once
//!         critical! {
//!             // never cut in half
//!             log.push("started");
//!             log.push("finished");
//!         }
//!     }
//! }
//!
//! let worker = interrupt::spawn(|| {
//!     let mut log = Vec::new();
//!     (work(&mut log), log)
//! });
//! std::thread::sleep(Duration::from_millis(30));
//! worker.interrupt();
//! let (stopped, log) = worker.join().unwrap();
//! assert_eq!(stopped.unwrap_err().cause(), interrupt::Cause::Interrupted);
//! assert_eq!(log.len() % 2, 0); // every job whole
//! ```
//!
//! # Choices
//!
//! - A request is sticky until [`clear`]; the first cause wins.
//! - A wait that has completed returns its value even if a request arrived
//!   meanwhile; the request is delivered at the next interruption point.
//! - [`JoinHandle::join`] tells a thread that unwound with a [`ThreadExit`]
//!   ([`JoinError::Interrupted`]) from one that panicked
//!   ([`JoinError::Panicked`]).
//! - Interrupting a thread that has finished, or a scope nothing uses any
//!   more, does nothing.

#![doc(test(attr(deny(warnings))))]

#[doc(inline)]
pub use interrupt_macros::{critical, interruptible, main};

#[doc(inline)]
pub use interrupt_core::{
    Builder, Cause, CriticalGuard, Deadline, FutureExt, InterruptHandle, JoinError, JoinHandle,
    JoinInterrupted, OnInterrupt, ShutdownReport, Straggler, ThreadExit, WithInterrupt, catch_exit,
    check, clear, critical_section, current, interrupt_all, interruption_requested, live_scopes,
    park, park_timeout, shutdown, sleep, spawn, wait, wait_timeout, wait_while,
};

#[cfg(feature = "crossbeam")]
#[doc(inline)]
pub use interrupt_core::channel;

#[cfg(unix)]
#[doc(inline)]
pub use interrupt_core::io;

#[cfg(all(unix, feature = "signals"))]
#[doc(inline)]
pub use interrupt_core::signals;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[doc(hidden)]
pub mod __private {
    //! What the macros' generated code calls. Not public API: it may change
    //! in any release, and only `interrupt-macros` of the same version may
    //! use it.
    pub use interrupt_core::__private::{
        AwaitPoint, Checkpoint, TaskCriticalGuard, critical_section, main_finish, main_start,
        task_critical_section,
    };
}

//! Graceful, cooperative interruption for threads and async tasks.
//!
//! One thread asks another (or a task) to stop; the other stops at a safe
//! point, runs its cleanup (`Drop`, error paths, flushes) and exits. Nothing
//! is killed, nothing is lost. Regions that must not be cut short are marked
//! critical and the request waits until they end. A thread blocked in
//! [`sleep`], [`park`], a condvar [`wait`], a channel or a socket is woken
//! at once.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use gracefully::{ThreadExit, critical, interruptible};
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
//!         gracefully::sleep(Duration::from_millis(10))?; // a request ends the sleep at once
//!         critical! {
//!             // never cut in half
//!             log.push("started");
//!             log.push("finished");
//!         }
//!     }
//! }
//!
//! let worker = gracefully::spawn(|| {
//!     let mut log = Vec::new();
//!     (work(&mut log), log)
//! });
//! std::thread::sleep(Duration::from_millis(30));
//! worker.interrupt();
//! let (stopped, log) = worker.join().unwrap();
//! assert_eq!(stopped.unwrap_err().cause(), gracefully::Cause::Interrupted);
//! assert_eq!(log.len() % 2, 0); // every job whole
//! ```
//!
//! # The map
//!
//! - **Scopes and requests.** Every thread has a *scope* with a sticky
//!   interrupt flag, made on first use. [`JoinHandle::interrupt`],
//!   [`InterruptHandle::interrupt`] and [`interrupt_all`] set it, with a
//!   [`Cause`]; [`interruption_requested`] asks without acting; [`clear`]
//!   acknowledges a request so that work can resume; [`current`] is a handle
//!   to the current scope.
//! - **Interruption points** deliver a pending request as
//!   `Err(`[`ThreadExit`]`)`, so `?` takes the thread out through its
//!   destructors: [`check`], and the waits below. [`ThreadExit`] converts
//!   into [`std::io::Error`] and back ([`ThreadExit::from_io`]);
//!   [`ThreadExit::find`] finds it in an error's `source()` chain.
//! - **The macros.** [`macro@interruptible`] puts a checkpoint at the start
//!   of every loop iteration of a function (and at every `.await` of an
//!   `async fn`); [`critical!`] (or the guard of [`critical_section`]) holds
//!   delivery back until a block ends.
//! - **Threads.** [`spawn`] and [`Builder`] work like `std::thread`'s, with
//!   the scope registered before the thread runs. [`JoinHandle::join`]
//!   tells an interrupted thread ([`JoinError::Interrupted`]) from a panic;
//!   [`JoinHandle::join_interruptible`] waits for another thread until the
//!   caller is interrupted; [`catch_exit`] catches an unwinding
//!   [`ThreadExit`].
//! - **Async tasks.** [`FutureExt::with_interrupt`] runs a future in the
//!   scope of an [`InterruptHandle::new`] on any executor; the scope follows
//!   the task between threads and a request wakes it. [`interrupted`] (and
//!   [`InterruptHandle::interrupted`]) is a future of the request, for
//!   `select!`; [`InterruptHandle::run_until_interrupted`] races a future
//!   against it. [`InterruptHandle::wake_fd`] (unix) is a descriptor
//!   readable while a request is pending, for `poll`, `epoll` and mio
//!   loops.
//! - **Blocking calls a request ends**: [`sleep`], [`park`],
//!   [`park_timeout`], the waits of [`Condvar`] (a condvar of the crate's
//!   own, for `std::sync::Mutex`) and, on a `std::sync::Condvar`, [`wait`],
//!   [`wait_while`], [`wait_timeout`]; [`io::Interruptible`] for TCP, UDP and Unix sockets,
//!   pipes, listeners and child pipes, owned or borrowed, with their own
//!   time limits, and [`process::wait`] for child processes (unix);
//!   [`channel::recv`] and [`channel::send`] (with
//!   time limits) for crossbeam channels (feature `crossbeam`).
//! - **Handles, deadlines and children.** [`InterruptHandle::on_interrupt`]
//!   runs code when a scope is requested (to unblock what the library cannot
//!   reach); [`InterruptHandle::interrupt_after`] sets a [`Deadline`];
//!   [`within`] runs a closure with a time limit that never reaches the
//!   current scope, and [`cleanup`] runs one shielded from the request
//!   pending now, for a grace period ([`FutureExt::within`] and
//!   [`FutureExt::cleanup`] for futures);
//!   [`InterruptHandle::child`] makes a scope that is interrupted with its
//!   parent; [`InterruptHandle::enter`] runs a job on any thread in another
//!   scope.
//! - **Signals and `main`.** [`signals::install`] (unix, feature `signals`)
//!   turns SIGINT, SIGTERM and SIGHUP into requests to every scope (or, with
//!   [`signals::Signals::deliver_to`], to one); [`macro@main`] on `fn main`
//!   installs them, runs the body, then shuts down, with options for the
//!   second signal, the exit status and the signals handled.
//! - **Thread groups.** [`group`] is `std::thread::scope` with stopping:
//!   its threads may borrow from the caller, the first one to fail (an
//!   `Err` or a panic) interrupts the others, and the caller gets the
//!   first failure and every thread's [`Outcome`] once all have finished;
//!   a thread stopped by the request is told apart from one that failed.
//!   [`TaskGroup`] does the same for futures, on any executor: the
//!   group's own future polls its members.
//! - **Shutdown.** [`shutdown`] requests every scope, waits for the threads
//!   made by [`spawn`] within a grace period, and returns a
//!   [`ShutdownReport`] naming the [`Straggler`]s.
//!
//! # Stopping gracefully
//!
//! A request is sticky: every interruption point reports it until
//! [`clear`]. That is what makes a stop reliable, and it also reaches the
//! code that runs *after* the stop, the part that makes it graceful. The
//! patterns that fit:
//!
//! - **Cleanup goes in [`cleanup`].** A final flush, a goodbye message,
//!   joining the connection threads: inside `cleanup(grace, || ..)` checks
//!   pass and waits wait, although the request stays pending; the work is
//!   still cut short when `grace` has passed, or by a new request (a
//!   second Ctrl-C's escalation, [`interrupt_all`], [`shutdown`]). For a
//!   future, [`FutureExt::cleanup`].
//!
//!   ```
//!   use std::time::Duration;
//!   use gracefully::ThreadExit;
//!
//!   fn send(message: &str) -> Result<(), ThreadExit> {
//!       gracefully::sleep(Duration::from_millis(1))?; // a write that blocks
//!       println!("sent {message}");
//!       Ok(())
//!   }
//!
//!   let client = gracefully::spawn(|| -> Result<(), ThreadExit> {
//!       let stopped = loop {
//!           if let Err(exit) = send("data") {
//!               break exit;
//!           }
//!       };
//!       gracefully::cleanup(Duration::from_secs(1), || send("end"))?;
//!       Err(stopped)
//!   });
//!   client.interrupt();
//!   assert!(client.join().unwrap().is_err());
//!   ```
//! - **A loop that reports a partial result** and returns normally (where
//!   `Err` is the wrong shape: a throughput test's summary, a search's best
//!   answer so far) tests [`interruption_requested`] instead of using `?`:
//!
//!   ```
//!   let counter = gracefully::spawn(|| {
//!       let mut counted = 0_u64;
//!       while !gracefully::interruption_requested() {
//!           counted += 1; // one unit of work
//!       }
//!       counted // the partial result
//!   });
//!   counter.interrupt();
//!   let counted: u64 = counter.join().unwrap();
//!   # let _ = counted;
//!   ```
//!
//!   In an [`macro@interruptible`] function, mark such a loop
//!   `#[no_checkpoint]`: its checkpoint would return `Err` for a request
//!   that lands between the loop's own test and its body. The same goes for a cleanup loop in an
//!   `#[interruptible]` function that is not inside [`cleanup`].
//! - **A per-operation timeout** is [`within`] (or [`FutureExt::within`]),
//!   not [`InterruptHandle::interrupt_after`] on the thread's own scope:
//!   its deadline stays inside, and a Ctrl-C during the operation still
//!   reaches it and stays pending outside.
//! - **[`clear`] is for going on** with normal work after a request was
//!   handled: a worker that was asked to drop its current job and take the
//!   next, a supervisor that has restarted a child. Clearing only to run
//!   cleanup loses any request that arrives meanwhile (and, for the
//!   installing thread, re-arms the second-signal escalation); use
//!   [`cleanup`] for that.
//! - **A `select!` or event loop** is not an interruption point by itself:
//!   add [`interrupted`] as one of its branches.
//!
//! # Choices
//!
//! - A request is sticky until [`clear`]; when a scope is requested twice,
//!   the first cause wins.
//! - A wait that has completed returns its value even if a request arrived
//!   meanwhile; the request is delivered at the next interruption point. An
//!   interruption point reached with a request pending does not start its
//!   wait (a message stays in its channel, a write is not begun).
//! - A critical section defers delivery on its scope, never loses it: the
//!   request is delivered at the first interruption point after the
//!   outermost section closes.
//! - [`JoinHandle::join`] tells a thread that unwound with a [`ThreadExit`]
//!   ([`JoinError::Interrupted`]) from one that panicked
//!   ([`JoinError::Panicked`]).
//! - Interrupting a thread that has finished, or a scope nothing uses any
//!   more, does nothing.
//! - Once [`shutdown`] has begun, and while a signal's request (to every
//!   scope) is pending on the receiving scope, scopes made later start
//!   requested with that cause: a thread started during the stop stops
//!   too. [`cleanup`]'s scope is the exception, as it is shielded from the
//!   request pending when it starts; [`within`]'s follows its outer scope.
//! - After `fork()`, the child's deadlines work (its timer starts anew);
//!   signals reach its scopes once the child calls [`signals::install`]
//!   again (until then a second signal still exits). A child forked while
//!   another thread held one of the runtime's locks cannot use the runtime.
//!
//! # Features
//!
//! - `signals` (on by default, unix): the [`signals`] module, used by
//!   [`macro@main`]. Depends on `signal-hook`.
//! - `crossbeam`: the [`channel`] module, interruptible receives on
//!   `crossbeam-channel` channels.
//!
//! Without them the crate depends on `atomic-waker`, and on unix on
//! `rustix` and `libc`.

// Where a feature leaves a module out, its links in the map above point to
// the list of features instead.
#![cfg_attr(
    not(feature = "crossbeam"),
    doc = "\n\n[`channel`]: #features\n[`channel::recv`]: #features\n[`channel::send`]: #features"
)]
#![cfg_attr(
    not(all(unix, feature = "signals")),
    doc = "\n\n[`signals`]: #features\n[`signals::install`]: #features\n[`signals::Signals::deliver_to`]: #features"
)]
#![cfg_attr(
    not(unix),
    doc = "\n\n[`io::Interruptible`]: #features\n[`process::wait`]: #features\n[`InterruptHandle::wake_fd`]: #features"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

#[doc(inline)]
pub use interrupt_macros::{critical, interruptible, main};

#[doc(inline)]
pub use interrupt_core::{
    Builder, Cause, Condvar, CriticalGuard, Deadline, FutureExt, InterruptHandle, Interrupted,
    JoinError, JoinHandle, JoinInterrupted, Limited, OnInterrupt, ShutdownReport, Straggler,
    ThreadExit, WithInterrupt, catch_exit, check, cleanup, clear, critical_section, current,
    interrupt_all, interrupted, interruption_requested, live_scopes, park, park_timeout, shutdown,
    sleep, spawn, wait, wait_timeout, wait_while, within,
};

// Not in the runtime's loom build, which has no scoped threads.
#[cfg(not(loom))]
#[doc(inline)]
pub use interrupt_core::{Group, GroupHandle, GroupResult, Outcome, TaskGroup, group};

#[cfg(feature = "crossbeam")]
#[doc(inline)]
pub use interrupt_core::channel;

#[cfg(unix)]
#[doc(inline)]
pub use interrupt_core::io;

#[cfg(unix)]
#[doc(inline)]
pub use interrupt_core::process;

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
        AwaitPoint, Checkpoint, ClassifyOther, ClassifyResult, Main, MainReturn, MainValue,
        SignalOptions, TaskCriticalGuard, critical_section, sig, task_critical_section,
    };
}

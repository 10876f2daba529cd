//! The runtime of the [`gracefully`](https://docs.rs/gracefully) crate:
//! scopes, interrupt flags, the registry, [`ThreadExit`], critical sections
//! and interruptible waits.
//!
//! Depend on `gracefully`, which re-exports all of this
//! together with the macros. This crate is kept small and stable because its
//! state is process-global: every version of the facade shares it.
//!
//! # Model
//!
//! - A **scope** is what can be interrupted. Every thread has one, made on
//!   first use; a thread made by [`spawn`] or [`Builder`] gets its scope
//!   before it starts, so it can be interrupted at once.
//! - A **request** ([`InterruptHandle::interrupt`], [`interrupt_all`]) sets a
//!   sticky flag with a [`Cause`] and wakes the scope if it is blocked in an
//!   interruptible wait. It stays set until the scope calls [`clear`].
//! - An **interruption point** delivers a pending request as
//!   `Err(`[`ThreadExit`]`)`: [`check`], [`sleep`], [`park`],
//!   [`park_timeout`], [`wait`], [`wait_while`], [`wait_timeout`]. A point
//!   reached with a request pending does not start its wait.
//! - A **critical section** ([`critical_section`]) defers delivery on its
//!   scope until the outermost section closes; the request is never lost.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use gracefully::ThreadExit;
//!
//! let worker = gracefully::spawn(|| -> Result<(), ThreadExit> {
//!     loop {
//!         gracefully::check()?;
//!         gracefully::sleep(Duration::from_millis(1))?;
//!     }
//! });
//! worker.interrupt();
//! assert!(worker.join().unwrap().is_err());
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

mod bounded;
mod callback;
#[cfg(feature = "crossbeam")]
#[cfg_attr(docsrs, doc(cfg(feature = "crossbeam")))]
pub mod channel;
mod condvar;
mod critical;
mod current;
mod deadline;
mod exit;
mod fanout;
mod future;
#[cfg(not(loom))] // std's scoped threads
mod group;
mod handle;
mod interrupted;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub mod io;
#[cfg(all(test, loom))]
mod models;
mod park;
mod registry;
mod scope;
mod shutdown;
#[cfg(all(unix, feature = "signals"))]
#[cfg_attr(docsrs, doc(cfg(all(unix, feature = "signals"))))]
pub mod signals;
mod sleep;
mod state;
mod sync;
#[cfg(not(loom))] // with `group`
mod task_group;
#[cfg(any(not(loom), test))] // loom: for its model
mod task_queue;
mod thread;
#[cfg(target_os = "linux")]
mod thread_signal;
mod timer;
#[cfg(any(unix, feature = "crossbeam"))]
mod wake;

#[doc(hidden)]
pub mod __private {
    //! Not public API.
    pub use crate::critical::{TaskCriticalGuard, critical_section, task_critical_section};
    pub use crate::private::sig;
    pub use crate::private::{
        AwaitPoint, Checkpoint, ClassifyOther, ClassifyResult, Main, MainReturn, MainValue,
        SignalOptions,
    };
}
mod pid;
mod private;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub mod process;

pub use bounded::{Limited, cleanup, within};
pub use callback::OnInterrupt;
pub use condvar::{Condvar, wait, wait_timeout, wait_while};
pub use critical::{CriticalGuard, critical_section};
pub use current::{check, clear, current, interruption_requested};
pub use deadline::Deadline;
pub use exit::{Cause, ThreadExit};
pub use future::{FutureExt, WithInterrupt};
#[cfg(not(loom))]
pub use group::{Group, GroupHandle, GroupResult, Outcome, group};
pub use handle::{InterruptHandle, interrupt_all};
pub use interrupted::{Interrupted, interrupted};
pub use park::{park, park_timeout};
pub use registry::live_scopes;
pub use shutdown::{ShutdownReport, Straggler, shutdown};
pub use sleep::sleep;
#[cfg(not(loom))]
pub use task_group::TaskGroup;
pub use thread::{Builder, JoinError, JoinHandle, JoinInterrupted, catch_exit, spawn};

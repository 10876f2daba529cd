//! [`park`] and [`park_timeout`]: `std::thread::park` that an interrupt wakes.

use std::panic::Location;
use std::thread;
use std::time::Duration;

use crate::current::with_current_at;
use crate::exit::ThreadExit;
use crate::scope::{Scope, WaitKind};

/// Blocks until the thread is unparked or its current scope is interrupted;
/// [`std::thread::park`] plus interruption.
///
/// An interruption point: a request already pending returns at once, without
/// using up the park token. Like std's, it may also return spuriously, so
/// call it in a loop that checks the condition you wait for. Inside a
/// critical section it is a plain `std::thread::park`.
///
/// # Errors
///
/// [`ThreadExit`] when the scope is interrupted before or during the park,
/// outside critical sections.
///
/// # Examples
///
/// ```
/// let worker = gracefully::spawn(|| loop {
///     gracefully::park()?; // returns Err once interrupted
/// });
/// worker.interrupt();
/// let stopped: Result<(), gracefully::ThreadExit> = worker.join().unwrap();
/// assert!(stopped.is_err());
/// ```
#[track_caller]
pub fn park() -> Result<(), ThreadExit> {
    park_with(thread::park)
}

/// Blocks until the thread is unparked, `dur` has passed, or its current
/// scope is interrupted; [`std::thread::park_timeout`] plus interruption.
///
/// The same rules as [`park`]. It does not tell a timeout from an unpark,
/// as std's does not.
///
/// # Errors
///
/// [`ThreadExit`] when the scope is interrupted before or during the park,
/// outside critical sections.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// assert!(gracefully::park_timeout(Duration::from_millis(1)).is_ok());
/// gracefully::current().interrupt();
/// assert!(gracefully::park_timeout(Duration::from_secs(60)).is_err());
/// # gracefully::clear();
/// ```
#[track_caller]
pub fn park_timeout(dur: Duration) -> Result<(), ThreadExit> {
    park_with(|| thread::park_timeout(dur))
}

#[track_caller]
fn park_with(park: impl FnOnce()) -> Result<(), ThreadExit> {
    with_current_at(WaitKind::Park, Location::caller(), |scope| {
        park_in(scope, park)
    })
}

/// One interruptible `park` in `scope`: `park` is the blocking call.
pub(crate) fn park_in(scope: &Scope, park: impl FnOnce()) -> Result<(), ThreadExit> {
    let _wake = scope.start_wait(None)?;
    park();
    scope.pending().map_or(Ok(()), Err)
}

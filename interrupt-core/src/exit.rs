//! [`ThreadExit`] and [`Cause`]: what an interruption point reports.

use std::error::Error;
use std::fmt;
use std::io;

/// Why a scope was interrupted.
///
/// A scope keeps the cause of the first request made since it was last
/// cleared; later requests do not overwrite it.
///
/// # Examples
///
/// ```
/// use gracefully::{Cause, ThreadExit};
///
/// let worker = gracefully::spawn(|| -> Result<(), ThreadExit> {
///     loop {
///         gracefully::sleep(std::time::Duration::from_millis(1))?;
///     }
/// });
/// worker.interrupt();
/// let exit = worker.join().unwrap().unwrap_err();
/// assert_eq!(exit.cause(), Cause::Interrupted);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// [`InterruptHandle::interrupt`](crate::InterruptHandle::interrupt) or
    /// [`JoinHandle::interrupt`](crate::JoinHandle::interrupt) was called.
    Interrupted,
    /// [`interrupt_all`](crate::interrupt_all) was called (or a shutdown began).
    All,
    /// A signal with this number arrived.
    Signal(i32),
    /// A deadline passed.
    Deadline,
}

/// Displays as users read it: `interrupted`, `all`, `SIGINT` (a signal by
/// its name where it has a common one, else `signal 40`), `deadline`.
impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Interrupted => f.write_str("interrupted"),
            Cause::All => f.write_str("all"),
            Cause::Signal(n) => match signal_name(*n) {
                Some(name) => f.write_str(name),
                None => write!(f, "signal {n}"),
            },
            Cause::Deadline => f.write_str("deadline"),
        }
    }
}

/// The name of a common signal, by this platform's numbers.
#[cfg(unix)]
fn signal_name(signal: i32) -> Option<&'static str> {
    const NAMES: [(libc::c_int, &str); 10] = [
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGPIPE, "SIGPIPE"),
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGCHLD, "SIGCHLD"),
        (libc::SIGWINCH, "SIGWINCH"),
    ];
    NAMES
        .iter()
        .find(|(number, _)| *number == signal)
        .map(|(_, name)| *name)
}

#[cfg(not(unix))]
fn signal_name(_signal: i32) -> Option<&'static str> {
    None
}

/// The error an interruption point returns when a request is pending.
///
/// Return it with `?` so that destructors and error paths run on the way out;
/// catch it and call [`clear`](crate::clear) to resume normal work.
///
/// It converts into an [`io::Error`] whose kind is
/// [`ErrorKind::Other`](io::ErrorKind::Other), never
/// [`ErrorKind::Interrupted`](io::ErrorKind::Interrupted): std's I/O helpers
/// retry `Interrupted` errors, which would swallow the request.
/// [`ThreadExit::from_io`] finds it again.
///
/// # Examples
///
/// ```
/// use gracefully::{Cause, ThreadExit};
///
/// let exit = ThreadExit::new(Cause::Deadline);
/// let io: std::io::Error = exit.clone().into();
/// assert_ne!(io.kind(), std::io::ErrorKind::Interrupted);
/// assert_eq!(ThreadExit::from_io(&io), Some(&exit));
/// assert_eq!(exit.to_string(), "interrupted: deadline");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ThreadExit {
    cause: Cause,
}

impl ThreadExit {
    /// An exit with the given cause.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::{Cause, ThreadExit};
    ///
    /// assert_eq!(ThreadExit::new(Cause::Signal(2)).cause(), Cause::Signal(2));
    /// ```
    #[must_use]
    pub const fn new(cause: Cause) -> Self {
        Self { cause }
    }

    /// Why the scope was interrupted.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::{Cause, ThreadExit};
    ///
    /// assert_eq!(ThreadExit::new(Cause::All).cause(), Cause::All);
    /// ```
    #[must_use]
    pub const fn cause(&self) -> Cause {
        self.cause
    }

    /// The `ThreadExit` inside an [`io::Error`] made from one, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::{Cause, ThreadExit};
    ///
    /// let err = std::io::Error::from(ThreadExit::new(Cause::Interrupted));
    /// assert!(ThreadExit::from_io(&err).is_some());
    /// let other = std::io::Error::other("disk full");
    /// assert!(ThreadExit::from_io(&other).is_none());
    /// ```
    #[must_use]
    pub fn from_io(err: &io::Error) -> Option<&ThreadExit> {
        err.get_ref()?.downcast_ref()
    }

    /// The `ThreadExit` in `err` or in its [`source`](Error::source) chain,
    /// looking inside each [`io::Error`] on the way.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::error::Error;
    /// use gracefully::{Cause, ThreadExit};
    ///
    /// let err: Box<dyn Error> = Box::new(std::io::Error::from(ThreadExit::new(Cause::Deadline)));
    /// assert_eq!(ThreadExit::find(err.as_ref()).map(ThreadExit::cause), Some(Cause::Deadline));
    /// assert!(ThreadExit::find(&std::fmt::Error).is_none());
    /// ```
    #[must_use]
    pub fn find<'a>(err: &'a (dyn Error + 'static)) -> Option<&'a ThreadExit> {
        let mut next = Some(err);
        while let Some(err) = next {
            if let Some(exit) = err.downcast_ref::<ThreadExit>() {
                return Some(exit);
            }
            if let Some(exit) = err
                .downcast_ref::<io::Error>()
                .and_then(ThreadExit::from_io)
            {
                return Some(exit);
            }
            next = err.source();
        }
        None
    }
}

impl fmt::Display for ThreadExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cause {
            Cause::Interrupted => f.write_str("interrupted"),
            cause => write!(f, "interrupted: {cause}"),
        }
    }
}

impl Error for ThreadExit {}

impl From<ThreadExit> for io::Error {
    fn from(exit: ThreadExit) -> Self {
        io::Error::other(exit)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn io_error_round_trip_keeps_the_cause_and_is_not_interrupted_kind() {
        let err = io::Error::from(ThreadExit::new(Cause::Signal(15)));
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert_eq!(
            ThreadExit::from_io(&err).map(ThreadExit::cause),
            Some(Cause::Signal(15))
        );
    }

    #[test]
    fn display_names_every_cause() {
        let texts: Vec<String> = [
            Cause::Interrupted,
            Cause::All,
            Cause::Signal(2),
            Cause::Signal(40),
            Cause::Deadline,
        ]
        .into_iter()
        .map(|c| ThreadExit::new(c).to_string())
        .collect();
        assert_eq!(
            texts,
            [
                "interrupted",
                "interrupted: all",
                "interrupted: SIGINT",
                "interrupted: signal 40",
                "interrupted: deadline",
            ]
        );
    }
}

//! A thread's wake-up descriptor, which a request makes readable: what the
//! interruptible calls wait on in `poll()` beside their own descriptor.
//!
//! # Invariants
//!
//! 1. The descriptor belongs to the thread and is drained before each
//!    wait; the poke that writes to it is deregistered before the wait
//!    returns (a late poke is one spurious wake-up of a later wait, which
//!    drains first).

use std::cell::OnceCell;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Instant;

use rustix::event::{PollFd, PollFlags, Timespec, poll};

use crate::exit::ThreadExit;
use crate::scope::Scope;
use crate::sync::Arc;
use crate::wake::WakeOnRequest;

/// An eventfd on Linux, a pipe elsewhere.
pub(crate) struct Wakeup {
    read: OwnedFd,
    /// The pipe's write end; the eventfd itself on Linux.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    write: OwnedFd,
}

impl Wakeup {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn new() -> io::Result<Self> {
        use rustix::event::{EventfdFlags, eventfd};
        let read = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Self { read })
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn new() -> io::Result<Self> {
        use rustix::pipe::{PipeFlags, pipe_with};
        let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        Ok(Self { read, write })
    }

    /// The end that `poll` waits on.
    pub(crate) fn read_end(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    fn write_end(&self) -> BorrowedFd<'_> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        return self.read.as_fd();
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        return self.write.as_fd();
    }

    /// Makes the read end readable. A full pipe or counter is readable
    /// already, so a failed write changes nothing.
    pub(crate) fn signal(&self) {
        let _ = rustix::io::write(self.write_end(), &1u64.to_ne_bytes());
    }

    /// Empties the read end (it is non-blocking).
    pub(crate) fn drain(&self) {
        let mut buffer = [0u8; 64];
        while matches!(rustix::io::read(&self.read, &mut buffer), Ok(n) if n > 0) {}
    }
}

thread_local! {
    static WAKEUP: OnceCell<Arc<Wakeup>> = const { OnceCell::new() };
}

/// The calling thread's wake-up descriptor.
pub(crate) fn thread_wakeup() -> io::Result<Arc<Wakeup>> {
    WAKEUP
        .try_with(|cell| {
            if let Some(wakeup) = cell.get() {
                return Ok(Arc::clone(wakeup));
            }
            let wakeup = Arc::new(Wakeup::new()?);
            Ok(Arc::clone(cell.get_or_init(|| wakeup)))
        })
        // The thread is exiting: a descriptor of its own for this call.
        .unwrap_or_else(|_| Wakeup::new().map(Arc::new))
}

/// How a wait for a descriptor ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Waited {
    /// The descriptor is ready, or has an error or hang-up to report.
    Ready,
    /// `until` passed first.
    TimedOut,
}

/// Waits until `fd` is ready for `events`, `until` passes (`None`: never),
/// or a request is deliverable on `scope`. With `watch_scope` false (inside
/// a critical section) only the descriptor and the time count.
///
/// # Errors
///
/// `poll`'s error, or the request's [`ThreadExit`] as an `io::Error`.
pub(crate) fn wait_for(
    scope: &Scope,
    fd: BorrowedFd<'_>,
    events: PollFlags,
    until: Option<Instant>,
    watch_scope: bool,
) -> io::Result<Waited> {
    if !watch_scope {
        return poll_until(&mut [PollFd::from_borrowed_fd(fd, events)], until);
    }
    if let Some(exit) = scope.pending() {
        return Err(exit.into());
    }
    let wakeup = thread_wakeup()?;
    wakeup.drain();
    let signal = Arc::clone(&wakeup);
    let _wake = WakeOnRequest::new(scope, move || signal.signal());
    loop {
        let mut fds = [
            PollFd::from_borrowed_fd(fd, events),
            PollFd::from_borrowed_fd(wakeup.read_end(), PollFlags::IN),
        ];
        if poll_until(&mut fds, until)? == Waited::TimedOut {
            return Ok(Waited::TimedOut);
        }
        if !fds[0].revents().is_empty() {
            return Ok(Waited::Ready);
        }
        if !fds[1].revents().is_empty() {
            wakeup.drain();
            if let Some(exit) = scope.pending() {
                return Err(ThreadExit::into(exit));
            }
        }
    }
}

/// `poll` on `fds` until one is ready or `until` passes; retries `EINTR`.
fn poll_until(fds: &mut [PollFd<'_>], until: Option<Instant>) -> io::Result<Waited> {
    loop {
        let timeout = match until {
            None => None,
            Some(until) => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(Waited::TimedOut);
                }
                // Rounded up, so a wait never ends before `until`.
                Some(Timespec::try_from(left).unwrap_or(Timespec {
                    tv_sec: i64::MAX,
                    tv_nsec: 0,
                }))
            }
        };
        match poll(fds, timeout.as_ref()) {
            // The time is checked again above.
            Ok(0) | Err(rustix::io::Errno::INTR) => {}
            Ok(_) => return Ok(Waited::Ready),
            Err(error) => return Err(error.into()),
        }
    }
}

/// Whether `fd` is ready for `events` now.
pub(crate) fn ready_now(fd: BorrowedFd<'_>, events: PollFlags) -> io::Result<bool> {
    let mut fds = [PollFd::from_borrowed_fd(fd, events)];
    loop {
        match poll(&mut fds, Some(&Timespec::default())) {
            Ok(n) => return Ok(n > 0),
            Err(rustix::io::Errno::INTR) => {}
            Err(error) => return Err(error.into()),
        }
    }
}

//! [`InterruptHandle::wake_fd`]: a descriptor readable while a request is
//! deliverable, for event loops of your own (`poll`, `epoll`, mio).

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use super::wakeup::Wakeup;
use crate::handle::InterruptHandle;
use crate::scope::{Level, Scope};
use crate::sync::Arc;

impl InterruptHandle {
    /// A descriptor that is readable while a request is deliverable on the
    /// scope (unix): add it to `poll`, `epoll` or a `mio::Poll` (through
    /// `mio::unix::SourceFd`) beside your own descriptors, and the loop
    /// wakes for a request without a tick.
    ///
    /// It is level-triggered: readable from the moment a request is
    /// deliverable (at once if one is), through any number of polls, until
    /// [`clear`](crate::clear) on the scope makes it unreadable again. A
    /// request made inside a critical section makes it readable when the
    /// outermost section closes. Do not read from it; it is the runtime's.
    /// It is an eventfd on Linux and a pipe elsewhere, and it stops
    /// following the scope when dropped.
    ///
    /// # Errors
    ///
    /// The operating system's error if the descriptor cannot be made.
    ///
    /// # Examples
    ///
    /// ```
    /// use rustix::event::{PollFd, PollFlags, poll};
    ///
    /// let handle = gracefully::InterruptHandle::new();
    /// let wake = handle.wake_fd()?;
    /// let readable = |wake: &gracefully::io::WakeFd| {
    ///     let mut fds = [PollFd::new(wake, PollFlags::IN)];
    ///     poll(&mut fds, Some(&rustix::event::Timespec::default())).unwrap() == 1
    /// };
    /// assert!(!readable(&wake));
    /// handle.interrupt();
    /// assert!(readable(&wake));
    /// assert!(readable(&wake)); // level-triggered
    /// handle.enter(gracefully::clear);
    /// assert!(!readable(&wake));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn wake_fd(&self) -> io::Result<WakeFd> {
        let level = Arc::new(FdLevel(Wakeup::new()?));
        let id = self.scope().add_level(Arc::clone(&level) as Arc<dyn Level>);
        Ok(WakeFd {
            level,
            scope: Arc::clone(self.scope()),
            id,
        })
    }
}

/// The descriptor of [`InterruptHandle::wake_fd`]: readable while a
/// request is deliverable on its scope.
///
/// # Examples
///
/// ```
/// use std::os::fd::AsRawFd;
///
/// let wake = gracefully::InterruptHandle::new().wake_fd()?;
/// let raw = wake.as_raw_fd(); // for a C event loop
/// # let _ = raw;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct WakeFd {
    level: Arc<FdLevel>,
    scope: Arc<Scope>,
    id: u64,
}

struct FdLevel(Wakeup);

impl Level for FdLevel {
    fn raise(&self) {
        self.0.signal();
    }

    fn lower(&self) {
        self.0.drain();
    }
}

impl AsFd for WakeFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.level.0.read_end()
    }
}

impl AsRawFd for WakeFd {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl Drop for WakeFd {
    fn drop(&mut self) {
        self.scope.deregister(self.id);
    }
}

impl fmt::Debug for WakeFd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakeFd")
            .field("fd", &self.as_raw_fd())
            .field("scope", &self.scope.id())
            .finish_non_exhaustive()
    }
}

//! Interruptible blocking I/O on unix file descriptors: [`Interruptible`].
//!
//! A blocking `read`, `write` or `accept` on the wrapped descriptor first
//! waits in `poll()` on it and on a wake-up descriptor of the calling
//! thread (an eventfd on Linux, a pipe elsewhere), which a request writes
//! to through a scope callback. The call is then made only once the
//! descriptor is ready, so it does not block.
//!
//! # Invariants
//!
//! 1. Data first: a descriptor that is ready is used even when a request is
//!    pending, both before waiting and after a wake-up; the request is
//!    reported once the descriptor is not ready.
//! 2. An interrupt never closes, shuts down or otherwise changes the
//!    wrapped descriptor (unlike Java's interruptible channels): the call
//!    returns an error and the resource stays usable after `clear()`.
//! 3. The wake-up descriptor belongs to the thread and is drained before
//!    each wait; the callback that writes to it is deregistered (waiting
//!    for it if it is running) before the wait returns.

use std::cell::OnceCell;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{self as unix_net, UnixListener, UnixStream};

use rustix::event::{PollFd, PollFlags, Timespec, poll};

#[cfg(target_os = "linux")]
#[cfg_attr(docsrs, doc(cfg(target_os = "linux")))]
pub use crate::thread_signal::signal_on_interrupt;

use crate::current::with_current;
use crate::sync::Arc;
use crate::wake::WakeOnRequest;

/// The most a single `write` hands to the descriptor. A descriptor that
/// polls writable takes at least this much (a pipe: one page) without
/// blocking, so a larger write is split, as `Write::write` allows.
const WRITE_CHUNK: usize = 4096;

/// A socket, pipe or listener whose blocking calls an interrupt cuts short.
///
/// Wraps anything [`AsFd`]: `TcpStream`, `TcpListener`, `UnixStream`,
/// `UnixListener`, `ChildStdout`, `ChildStderr`, `ChildStdin`, pipes. Its
/// [`Read`] and [`Write`] impls (and [`accept`](Interruptible::accept) for
/// listeners) are interruption points of the current scope: when the scope
/// is interrupted they return an [`io::Error`] that carries the
/// [`ThreadExit`](crate::ThreadExit) (see [`ThreadExit::from_io`](crate::ThreadExit::from_io);
/// its kind is `Other`, never `Interrupted`, so `read_exact` and friends do
/// not retry it).
///
/// Data already available is always read first. The descriptor is never
/// closed or changed by an interrupt: after [`clear`](crate::clear) it is
/// as usable as before. Inside a critical section the calls block as the
/// plain ones do.
///
/// Each call waits until the descriptor is ready and then makes one plain
/// call, so share the descriptor with other readers (or writers) only if
/// you accept that one of them may take what made it ready, and block. A
/// `write` hands at most 4 KiB to the descriptor at a time.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// use std::net::{TcpListener, TcpStream};
/// use gracefully::io::Interruptible;
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let _client = TcpStream::connect(listener.local_addr()?)?;
/// let (socket, _) = listener.accept()?;
/// let reader = gracefully::spawn(move || {
///     let mut socket = Interruptible::new(socket);
///     let mut buffer = [0; 64];
///     socket.read(&mut buffer) // the client never writes
/// });
/// std::thread::sleep(std::time::Duration::from_millis(20));
/// reader.interrupt();
/// let error = reader.join().unwrap().unwrap_err();
/// assert!(gracefully::ThreadExit::from_io(&error).is_some());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Interruptible<S> {
    inner: S,
}

impl<S> Interruptible<S> {
    /// Wraps `inner`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (reader, _writer) = std::io::pipe()?;
    /// let reader = gracefully::io::Interruptible::new(reader);
    /// # drop(reader);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(inner: S) -> Self {
        Self { inner }
    }

    /// The wrapped value.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let listener = gracefully::io::Interruptible::new(listener);
    /// println!("listening on {}", listener.get_ref().local_addr()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped value, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// let (reader, _writer) = std::io::pipe()?;
    /// let mut reader = gracefully::io::Interruptible::new(reader);
    /// let _plain: &mut std::io::PipeReader = reader.get_mut();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (reader, _writer) = std::io::pipe()?;
    /// let reader = gracefully::io::Interruptible::new(reader).into_inner();
    /// # drop(reader);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsFd> AsFd for Interruptible<S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl<S: AsFd + Read> Read for Interruptible<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        wait_ready(self.inner.as_fd(), PollFlags::IN)?;
        self.inner.read(buf)
    }
}

impl<S: AsFd + Write> Write for Interruptible<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        wait_ready(self.inner.as_fd(), PollFlags::OUT)?;
        self.inner.write(&buf[..buf.len().min(WRITE_CHUNK)])
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Interruptible<TcpListener> {
    /// Accepts a connection, like [`TcpListener::accept`], or returns the
    /// request as an error when the current scope is interrupted.
    ///
    /// # Errors
    ///
    /// The listener's errors, and an [`io::Error`] carrying the
    /// [`ThreadExit`](crate::ThreadExit) on a request.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::io::Interruptible;
    ///
    /// let listener = Interruptible::new(std::net::TcpListener::bind("127.0.0.1:0")?);
    /// let address = listener.get_ref().local_addr()?;
    /// let _client = std::net::TcpStream::connect(address)?;
    /// let (_socket, _peer) = listener.accept()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        wait_ready(self.inner.as_fd(), PollFlags::IN)?;
        self.inner.accept()
    }
}

impl Interruptible<UnixListener> {
    /// Accepts a connection, like [`UnixListener::accept`], or returns the
    /// request as an error when the current scope is interrupted.
    ///
    /// # Errors
    ///
    /// The listener's errors, and an [`io::Error`] carrying the
    /// [`ThreadExit`](crate::ThreadExit) on a request.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::io::Interruptible;
    ///
    /// let path = std::env::temp_dir().join(format!("interrupt-doc-{}.sock", std::process::id()));
    /// let listener = Interruptible::new(std::os::unix::net::UnixListener::bind(&path)?);
    /// let _client = std::os::unix::net::UnixStream::connect(&path)?;
    /// let (_socket, _peer) = listener.accept()?;
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn accept(&self) -> io::Result<(UnixStream, unix_net::SocketAddr)> {
        wait_ready(self.inner.as_fd(), PollFlags::IN)?;
        self.inner.accept()
    }
}

impl<S: fmt::Debug> fmt::Debug for Interruptible<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Interruptible").field(&self.inner).finish()
    }
}

/// Waits until `fd` is ready for `events`, or the current scope is
/// interrupted (invariant 1).
fn wait_ready(fd: BorrowedFd<'_>, events: PollFlags) -> io::Result<()> {
    if ready(fd, events, Some(&Timespec::default()))? {
        return Ok(()); // data first, even with a request pending
    }
    with_current(|scope| {
        if let Some(exit) = scope.pending() {
            return Err(exit.into());
        }
        if scope.in_critical() {
            // Nothing can be delivered: the plain call does the waiting,
            // with the descriptor's own timeouts, exactly as without the
            // wrapper.
            return Ok(());
        }
        let wakeup = thread_wakeup()?;
        wakeup.drain();
        let signal = Arc::clone(&wakeup);
        let _wake = WakeOnRequest::new(scope, move || signal.signal());
        loop {
            let mut fds = [
                PollFd::from_borrowed_fd(fd, events),
                PollFd::new(&wakeup.read, PollFlags::IN),
            ];
            match poll(&mut fds, None) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(error) => return Err(error.into()),
            }
            if !fds[0].revents().is_empty() {
                return Ok(()); // ready, or an error or hang-up the call reports
            }
            if !fds[1].revents().is_empty() {
                wakeup.drain();
                if let Some(exit) = scope.pending() {
                    return Err(exit.into());
                }
            }
        }
    })
}

/// Whether `fd` is ready for `events` within `timeout` (`None`: no limit).
fn ready(fd: BorrowedFd<'_>, events: PollFlags, timeout: Option<&Timespec>) -> io::Result<bool> {
    loop {
        let mut fds = [PollFd::from_borrowed_fd(fd, events)];
        match poll(&mut fds, timeout) {
            Ok(n) => return Ok(n > 0),
            Err(rustix::io::Errno::INTR) => {}
            Err(error) => return Err(error.into()),
        }
    }
}

/// A thread's wake-up descriptor: an eventfd on Linux, a pipe elsewhere.
struct Wakeup {
    read: OwnedFd,
    /// The pipe's write end; the eventfd itself on Linux.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    write: OwnedFd,
}

impl Wakeup {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn new() -> io::Result<Self> {
        use rustix::event::{EventfdFlags, eventfd};
        let read = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Self { read })
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn new() -> io::Result<Self> {
        use rustix::pipe::{PipeFlags, pipe_with};
        let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        Ok(Self { read, write })
    }

    fn write_end(&self) -> BorrowedFd<'_> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        return self.read.as_fd();
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        return self.write.as_fd();
    }

    /// Makes the read end readable. A full pipe or counter is readable
    /// already, so a failed write changes nothing.
    fn signal(&self) {
        let _ = rustix::io::write(self.write_end(), &1u64.to_ne_bytes());
    }

    /// Empties the read end (it is non-blocking).
    fn drain(&self) {
        let mut buffer = [0u8; 64];
        while matches!(rustix::io::read(&self.read, &mut buffer), Ok(n) if n > 0) {}
    }
}

thread_local! {
    static WAKEUP: OnceCell<Arc<Wakeup>> = const { OnceCell::new() };
}

fn thread_wakeup() -> io::Result<Arc<Wakeup>> {
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

//! Interruptible blocking I/O on unix file descriptors: [`Interruptible`].
//!
//! A blocking call on the wrapped descriptor is made as a call that cannot
//! block: sockets are read and written with `MSG_DONTWAIT`, descriptors
//! already in non-blocking mode as they are. When that call would block,
//! the thread waits in `poll()` on the descriptor and on its wake-up
//! descriptor (`wakeup.rs`), which a request makes readable, and then
//! tries again. A descriptor that can only be used with calls that may
//! block (a pipe or listener in blocking mode) is polled first and used
//! once ready; on Linux the call is then made in signal mode, so that it
//! cannot block past a request even if another reader took what made it
//! ready.
//!
//! # Invariants
//!
//! 1. Data first: a descriptor that is ready is used even when a request is
//!    pending; the request is reported once the call would block.
//! 2. An interrupt never closes, shuts down or otherwise changes the
//!    wrapped descriptor (unlike Java's interruptible channels): no file
//!    status flag or socket option is ever set; the call returns an error
//!    and the resource stays usable after `clear()`.
//! 3. A time limit (the wrapper's own, or else the socket's `SO_RCVTIMEO` /
//!    `SO_SNDTIMEO`, read when a call would block) counts from the call's
//!    start and ends it with the error std reports, `WouldBlock` (`EAGAIN`).
//! 4. Inside a critical section nothing is delivered: the call waits for
//!    its descriptor and its time limit only, as the plain call would.

use std::borrow::Borrow;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{self as unix_net, UnixListener, UnixStream};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::event::PollFlags;
use rustix::net::{RecvFlags, SendFlags};

#[cfg(target_os = "linux")]
#[cfg_attr(docsrs, doc(cfg(target_os = "linux")))]
pub use crate::thread_signal::signal_on_interrupt;

use crate::current::{with_current, with_current_at};
use crate::scope::{Scope, WaitKind};
use wakeup::{Waited, ready_now, wait_for};

mod wake_fd;
pub(crate) mod wakeup;

pub use wake_fd::WakeFd;

/// The most a single `write` hands to a descriptor in blocking mode that is
/// not a socket: one that polls writable takes at least this much (a pipe:
/// `PIPE_BUF`) without blocking, so a larger write is split, as
/// `Write::write` allows. Sockets take whole writes.
const BLOCKING_WRITE_CHUNK: usize = 4096;

/// A socket, pipe or listener whose blocking calls an interrupt cuts short.
///
/// Wraps anything [`AsFd`], owned or borrowed: `TcpStream`, `TcpListener`,
/// `UdpSocket`, `UnixStream`, `UnixListener`, `ChildStdout`, `ChildStderr`,
/// `ChildStdin`, pipes, and `&` of each. Its [`Read`] and [`Write`] impls,
/// [`accept`](Interruptible::accept) for listeners and the datagram calls
/// ([`recv_from`](Interruptible::recv_from), [`send_to`](Interruptible::send_to),
/// …) for UDP sockets are interruption points of the current scope: when
/// the scope is interrupted they return an [`io::Error`] that carries the
/// [`ThreadExit`](crate::ThreadExit) (see [`ThreadExit::from_io`](crate::ThreadExit::from_io);
/// its kind is `Other`, never `Interrupted`, so `read_exact` and friends do
/// not retry it).
///
/// - **Data first.** Data already available is always read, and a write
///   the descriptor takes at once is made, even with a request pending.
/// - **Nothing changes.** The descriptor is never closed, and none of its
///   flags or options is set: after [`clear`](crate::clear) it is as usable
///   as before.
/// - **Time limits hold.** A socket's own timeouts (`set_read_timeout` on
///   the `TcpStream`) end a call with `WouldBlock`, exactly as the plain
///   call does; [`set_read_timeout`](Interruptible::set_read_timeout) and
///   [`set_write_timeout`](Interruptible::set_write_timeout) give one to
///   descriptors that have none (pipes) and take precedence.
/// - **No call blocks once its readiness is gone.** Sockets are used with
///   `MSG_DONTWAIT`, so another reader taking the data (or a datagram
///   dropped for a bad checksum) sends the call back to waiting, where a
///   request reaches it. A pipe or listener in blocking mode is used once
///   it polls ready; on Linux that call is made in [signal mode](signal_on_interrupt),
///   so it still ends on a request; elsewhere it can then block until the
///   descriptor is ready again.
/// - **Whole writes.** A write to a socket hands the kernel the whole
///   buffer and reports a partial write as `write` does; a pipe in blocking
///   mode gets at most 4 KiB at a time.
/// - **Critical sections.** Inside one the calls behave as the plain ones
///   do, time limits included.
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
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    /// Learnt from `ENOTSOCK` on the first read or write.
    not_socket: AtomicBool,
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
        Self {
            inner,
            read_timeout: None,
            write_timeout: None,
            not_socket: AtomicBool::new(false),
        }
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

    /// Sets how long a read (or receive, or accept) may wait, as
    /// [`TcpStream::set_read_timeout`] does: past it the call fails with
    /// `WouldBlock`. `None` (the default) leaves it to the descriptor's own
    /// timeout, if it is a socket that has one. The wrapper's timeout takes
    /// precedence, and the descriptor is not changed.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a zero duration, as std does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// use std::time::Duration;
    ///
    /// let (reader, _writer) = std::io::pipe()?; // a pipe has no timeouts of its own
    /// let mut reader = gracefully::io::Interruptible::new(reader);
    /// reader.set_read_timeout(Some(Duration::from_millis(10)))?;
    /// let error = reader.read(&mut [0; 8]).unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.read_timeout = checked_timeout(timeout)?;
        Ok(())
    }

    /// Sets how long a write (or send) may wait; see
    /// [`set_read_timeout`](Interruptible::set_read_timeout).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a zero duration, as std does.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_reader, writer) = std::io::pipe()?;
    /// let mut writer = gracefully::io::Interruptible::new(writer);
    /// writer.set_write_timeout(Some(std::time::Duration::from_secs(5)))?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.write_timeout = checked_timeout(timeout)?;
        Ok(())
    }

    /// The wrapper's own read timeout (not the descriptor's).
    ///
    /// # Examples
    ///
    /// ```
    /// let (reader, _writer) = std::io::pipe()?;
    /// assert_eq!(gracefully::io::Interruptible::new(reader).read_timeout(), None);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }

    /// The wrapper's own write timeout (not the descriptor's).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_reader, writer) = std::io::pipe()?;
    /// assert_eq!(gracefully::io::Interruptible::new(writer).write_timeout(), None);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn write_timeout(&self) -> Option<Duration> {
        self.write_timeout
    }
}

fn checked_timeout(timeout: Option<Duration>) -> io::Result<Option<Duration>> {
    if timeout == Some(Duration::ZERO) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "cannot set a 0 duration timeout",
        ));
    }
    Ok(timeout)
}

impl<S: AsFd> AsFd for Interruptible<S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

/// Which way a call goes: its poll events, its timeout, its socket option.
#[derive(Clone, Copy)]
enum Direction {
    In,
    Out,
}

impl Direction {
    fn events(self) -> PollFlags {
        match self {
            Direction::In => PollFlags::IN,
            Direction::Out => PollFlags::OUT,
        }
    }
}

/// How an attempt may be made.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// It cannot block: it fails with `WouldBlock` instead.
    NonBlocking,
    /// It may block: make it only once the descriptor polls ready.
    MayBlock,
}

impl<S: AsFd> Interruptible<S> {
    /// Makes `attempt`, a socket call, unless the descriptor is known not
    /// to be a socket; `None` if it is not one (learnt from `ENOTSOCK` on
    /// the first call, so that a socket costs no extra system call).
    #[track_caller]
    fn on_socket<T>(
        &mut self,
        direction: Direction,
        own: Option<Duration>,
        attempt: impl FnMut(&mut S) -> io::Result<T>,
    ) -> Option<io::Result<T>> {
        if self.not_socket.load(Ordering::Relaxed) {
            return None;
        }
        let done = call(
            &mut self.inner,
            true,
            own,
            direction,
            Attempt::NonBlocking,
            attempt,
        );
        if matches!(&done, Err(error) if error.raw_os_error() == Some(libc::ENOTSOCK)) {
            self.not_socket.store(true, Ordering::Relaxed);
            return None;
        }
        Some(done)
    }

    /// How a plain call on the descriptor (a pipe's read, a listener's
    /// accept) can be made: as it is if the descriptor is in non-blocking
    /// mode, otherwise only once it polls ready.
    fn attempt(&self) -> Attempt {
        if nonblocking(self.inner.as_fd()) {
            Attempt::NonBlocking
        } else {
            Attempt::MayBlock
        }
    }
}

/// Makes `attempt` on `inner` until it does not fail with `WouldBlock`,
/// waiting for the descriptor between tries (invariants 1, 3 and 4). The
/// time limit is `own`, or else a socket's own option.
#[track_caller]
fn call<I: AsFd, T>(
    inner: &mut I,
    socket: bool,
    own: Option<Duration>,
    direction: Direction,
    how: Attempt,
    mut attempt: impl FnMut(&mut I) -> io::Result<T>,
) -> io::Result<T> {
    let at = Location::caller();
    let start = Instant::now();
    // Read once the call would block (invariant 3).
    let mut until: Option<Option<Instant>> = None;
    loop {
        if how == Attempt::NonBlocking || ready_now(inner.as_fd(), direction.events())? {
            match guarded(how, || attempt(inner)) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {
                    // Signal mode ended the call: a request, or a signal
                    // of someone else's, which the plain call reports.
                    if let Some(exit) = with_current(Scope::pending) {
                        return Err(exit.into());
                    }
                    return Err(error);
                }
                done => return done,
            }
        }
        let until = *until.get_or_insert_with(|| {
            let timeout = own.or_else(|| {
                socket
                    .then(|| socket_timeout(inner.as_fd(), direction))
                    .flatten()
            })?;
            start.checked_add(timeout)
        });
        let fd = inner.as_fd();
        let waited = with_current_at(WaitKind::Io, at, |scope| {
            wait_for(scope, fd, direction.events(), until, !scope.in_critical())
        })?;
        if waited == Waited::TimedOut {
            return Err(io::Error::from_raw_os_error(libc::EAGAIN));
        }
    }
}

/// A socket's own `SO_RCVTIMEO` or `SO_SNDTIMEO`.
fn socket_timeout(fd: BorrowedFd<'_>, direction: Direction) -> Option<Duration> {
    let option = match direction {
        Direction::In => rustix::net::sockopt::Timeout::Recv,
        Direction::Out => rustix::net::sockopt::Timeout::Send,
    };
    rustix::net::sockopt::socket_timeout(fd, option)
        .ok()
        .flatten()
}

/// Makes `attempt`; one that may block is made in signal mode on Linux
/// (outside critical sections, where the signal is held back anyway).
fn guarded<T>(how: Attempt, attempt: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    #[cfg(target_os = "linux")]
    let _signal = if how == Attempt::MayBlock && !with_current(Scope::in_critical) {
        Some(crate::thread_signal::CallGuard::new()?)
    } else {
        None
    };
    #[cfg(not(target_os = "linux"))]
    let _ = how;
    attempt()
}

/// Is `fd` in non-blocking mode? (`false` if that cannot be read.)
fn nonblocking(fd: BorrowedFd<'_>) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: `F_GETFL` only reads the status flags of a descriptor that the
    // borrow keeps open.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    flags != -1 && flags & libc::O_NONBLOCK != 0
}

/// Send flags of a socket write: never blocking, and (where there is such a
/// flag) no `SIGPIPE`, as std's own writes.
fn send_flags() -> SendFlags {
    #[cfg(not(target_vendor = "apple"))]
    return SendFlags::DONTWAIT | SendFlags::NOSIGNAL;
    #[cfg(target_vendor = "apple")]
    return SendFlags::DONTWAIT;
}

impl<S: AsFd + Read> Read for Interruptible<S> {
    #[track_caller]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let own = self.read_timeout;
        let received = self.on_socket(Direction::In, own, |socket| {
            let (read, _) = rustix::net::recv(&*socket, &mut *buf, RecvFlags::DONTWAIT)?;
            Ok(read)
        });
        if let Some(received) = received {
            return received;
        }
        let how = self.attempt();
        call(&mut self.inner, false, own, Direction::In, how, |inner| {
            inner.read(buf)
        })
    }
}

impl<S: AsFd + Write> Write for Interruptible<S> {
    #[track_caller]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let own = self.write_timeout;
        let sent = self.on_socket(Direction::Out, own, |socket| {
            Ok(rustix::net::send(&*socket, buf, send_flags())?)
        });
        if let Some(sent) = sent {
            return sent;
        }
        let how = self.attempt();
        let chunk = match how {
            Attempt::MayBlock => &buf[..buf.len().min(BLOCKING_WRITE_CHUNK)],
            Attempt::NonBlocking => buf,
        };
        call(&mut self.inner, false, own, Direction::Out, how, |inner| {
            inner.write(chunk)
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A listening socket that [`Interruptible::accept`] accepts on: owned or
/// borrowed `TcpListener` and `UnixListener`. Sealed: implemented for
/// those four only.
///
/// # Examples
///
/// ```
/// use gracefully::io::{Interruptible, Listener};
///
/// fn accept_one<L: Listener>(listener: L) -> std::io::Result<L::Addr> {
///     Interruptible::new(listener).accept().map(|(_stream, peer)| peer)
/// }
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let peer = accept_one(&listener)?;
/// assert!(peer.ip().is_loopback());
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait Listener: AsFd + sealed::Sealed {
    /// The connected socket that `accept` returns.
    type Stream;
    /// The peer's address.
    type Addr;

    /// Makes the accepted descriptor a stream, with its peer's address.
    #[doc(hidden)]
    fn accepted(fd: OwnedFd) -> io::Result<(Self::Stream, Self::Addr)>;
}

impl sealed::Sealed for TcpListener {}
impl sealed::Sealed for &TcpListener {}
impl sealed::Sealed for UnixListener {}
impl sealed::Sealed for &UnixListener {}

impl Listener for TcpListener {
    type Stream = TcpStream;
    type Addr = SocketAddr;

    fn accepted(fd: OwnedFd) -> io::Result<(TcpStream, SocketAddr)> {
        let stream = TcpStream::from(fd);
        let peer = stream.peer_addr()?;
        Ok((stream, peer))
    }
}

impl Listener for &TcpListener {
    type Stream = TcpStream;
    type Addr = SocketAddr;

    fn accepted(fd: OwnedFd) -> io::Result<(TcpStream, SocketAddr)> {
        TcpListener::accepted(fd)
    }
}

impl Listener for UnixListener {
    type Stream = UnixStream;
    type Addr = unix_net::SocketAddr;

    fn accepted(fd: OwnedFd) -> io::Result<(UnixStream, unix_net::SocketAddr)> {
        let stream = UnixStream::from(fd);
        let peer = stream.peer_addr()?;
        Ok((stream, peer))
    }
}

impl Listener for &UnixListener {
    type Stream = UnixStream;
    type Addr = unix_net::SocketAddr;

    fn accepted(fd: OwnedFd) -> io::Result<(UnixStream, unix_net::SocketAddr)> {
        UnixListener::accepted(fd)
    }
}

impl<L: Listener> Interruptible<L> {
    /// Accepts a connection, like `TcpListener::accept` or
    /// `UnixListener::accept`, or returns the request as an error when the
    /// current scope is interrupted. The listener may be borrowed
    /// (`Interruptible::new(&listener)`), and shared with other threads
    /// that accept on it.
    ///
    /// A listener in non-blocking mode is used as it is; one in blocking
    /// mode is accepted on once it polls ready (in signal mode on Linux, so
    /// a connection taken by another thread first does not leave the call
    /// blocked past a request). The read timeout
    /// ([`set_read_timeout`](Interruptible::set_read_timeout)) bounds the
    /// wait.
    ///
    /// # Errors
    ///
    /// The listener's errors, `WouldBlock` past the read timeout, and an
    /// [`io::Error`] carrying the [`ThreadExit`](crate::ThreadExit) on a
    /// request.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::io::Interruptible;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let (_socket, _peer) = Interruptible::new(&listener).accept()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn accept(&self) -> io::Result<(L::Stream, L::Addr)> {
        let how = self.attempt();
        let fd = call(
            &mut &self.inner,
            true,
            self.read_timeout,
            Direction::In,
            how,
            |listener| accept_cloexec(listener.as_fd()),
        )?;
        L::accepted(fd)
    }
}

/// `accept` with close-on-exec set, as std's.
fn accept_cloexec(listener: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    #[cfg(not(target_vendor = "apple"))]
    let fd = rustix::net::accept_with(listener, rustix::net::SocketFlags::CLOEXEC)?;
    #[cfg(target_vendor = "apple")]
    let fd = {
        let fd = rustix::net::accept(listener)?;
        rustix::io::fcntl_setfd(&fd, rustix::io::FdFlags::CLOEXEC)?;
        fd
    };
    Ok(fd)
}

/// A UDP socket, owned or borrowed.
impl<U: Borrow<UdpSocket> + AsFd> Interruptible<U> {
    /// Receives a datagram from the connected peer, like
    /// [`UdpSocket::recv`].
    ///
    /// # Errors
    ///
    /// The socket's errors, `WouldBlock` past the read timeout (the
    /// wrapper's, or else the socket's own), and an [`io::Error`] carrying
    /// the [`ThreadExit`](crate::ThreadExit) on a request.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::UdpSocket;
    /// use gracefully::io::Interruptible;
    ///
    /// let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// b.connect(a.local_addr()?)?;
    /// a.send_to(b"ping", b.local_addr()?)?;
    /// let mut buffer = [0; 16];
    /// let read = Interruptible::new(&b).recv(&mut buffer)?;
    /// assert_eq!(&buffer[..read], b"ping");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.datagram_in(|fd| {
            let (read, _) = rustix::net::recv(fd, &mut *buf, RecvFlags::DONTWAIT)?;
            Ok(read)
        })
    }

    /// Receives a datagram and its sender's address, like
    /// [`UdpSocket::recv_from`].
    ///
    /// # Errors
    ///
    /// As [`recv`](Interruptible::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::UdpSocket;
    /// use gracefully::io::Interruptible;
    ///
    /// let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// a.send_to(b"ping", b.local_addr()?)?;
    /// let mut buffer = [0; 16];
    /// let (read, from) = Interruptible::new(b).recv_from(&mut buffer)?;
    /// assert_eq!((&buffer[..read], from), (&b"ping"[..], a.local_addr()?));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.datagram_in(|fd| recv_from(fd, &mut *buf, RecvFlags::DONTWAIT))
    }

    /// Like [`recv_from`](Interruptible::recv_from), but leaves the
    /// datagram queued, like [`UdpSocket::peek_from`].
    ///
    /// # Errors
    ///
    /// As [`recv`](Interruptible::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::UdpSocket;
    /// use gracefully::io::Interruptible;
    ///
    /// let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// a.send_to(b"ping", b.local_addr()?)?;
    /// let b = Interruptible::new(b);
    /// let mut buffer = [0; 16];
    /// assert_eq!(b.peek_from(&mut buffer)?.0, 4);
    /// assert_eq!(b.recv_from(&mut buffer)?.0, 4); // still there
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.datagram_in(|fd| recv_from(fd, &mut *buf, RecvFlags::DONTWAIT | RecvFlags::PEEK))
    }

    /// Sends a datagram to the connected peer, like [`UdpSocket::send`].
    ///
    /// # Errors
    ///
    /// The socket's errors, `WouldBlock` past the write timeout, and an
    /// [`io::Error`] carrying the [`ThreadExit`](crate::ThreadExit) on a
    /// request.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::UdpSocket;
    /// use gracefully::io::Interruptible;
    ///
    /// let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// a.connect(b.local_addr()?)?;
    /// assert_eq!(Interruptible::new(&a).send(b"ping")?, 4);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.datagram_out(|fd| Ok(rustix::net::send(fd, buf, send_flags())?))
    }

    /// Sends a datagram to `addr` (its first address, as std does), like
    /// [`UdpSocket::send_to`].
    ///
    /// # Errors
    ///
    /// As [`send`](Interruptible::send); `InvalidInput` when `addr`
    /// resolves to no address.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::UdpSocket;
    /// use gracefully::io::Interruptible;
    ///
    /// let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// assert_eq!(Interruptible::new(a).send_to(b"ping", b.local_addr()?)?, 4);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn send_to(&self, buf: &[u8], addr: impl ToSocketAddrs) -> io::Result<usize> {
        let addr = addr.to_socket_addrs()?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send data to")
        })?;
        self.datagram_out(|fd| Ok(rustix::net::sendto(fd, buf, send_flags(), &addr)?))
    }

    #[track_caller]
    fn datagram_in<T>(
        &self,
        attempt: impl FnMut(BorrowedFd<'_>) -> io::Result<T>,
    ) -> io::Result<T> {
        self.datagram(Direction::In, self.read_timeout, attempt)
    }

    #[track_caller]
    fn datagram_out<T>(
        &self,
        attempt: impl FnMut(BorrowedFd<'_>) -> io::Result<T>,
    ) -> io::Result<T> {
        self.datagram(Direction::Out, self.write_timeout, attempt)
    }

    #[track_caller]
    fn datagram<T>(
        &self,
        direction: Direction,
        own: Option<Duration>,
        mut attempt: impl FnMut(BorrowedFd<'_>) -> io::Result<T>,
    ) -> io::Result<T> {
        call(
            &mut self.inner.borrow(),
            true,
            own,
            direction,
            Attempt::NonBlocking,
            |socket| attempt(socket.as_fd()),
        )
    }
}

/// `recvfrom` with `flags`, the sender as a std address.
fn recv_from(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    flags: RecvFlags,
) -> io::Result<(usize, SocketAddr)> {
    let (read, _, from) = rustix::net::recvfrom(fd, buf, flags)?;
    let from = from
        .and_then(|from| SocketAddr::try_from(from).ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "datagram from no IP address"))?;
    Ok((read, from))
}

impl<S: fmt::Debug> fmt::Debug for Interruptible<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interruptible")
            .field("inner", &self.inner)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .finish_non_exhaustive()
    }
}

//! Interruptible receives and sends on [`crossbeam_channel`] channels
//! (feature `crossbeam`): [`recv`], [`recv_timeout`], [`recv_deadline`],
//! [`send`] and [`send_timeout`].
//!
//! A blocked call waits in a `select` on the channel and on a signal
//! channel of the calling thread, which a request fills through a poke of
//! the scope's wake list: no polling loop. A message that is already there
//! (or room for one) is used at once, without registering anything. A send
//! that does not happen gives its message back in the error.
//!
//! # Events from other signals
//!
//! Signals that are not requests (SIGCHLD for a supervisor reaping its
//! children, SIGUSR1 for "reload") are events: forward them from
//! `signal-hook`'s iterator into a channel, and wait on it with [`recv`],
//! which a request still ends. No tick is needed.
//!
//! ```no_run
//! use gracefully::channel::{self, RecvError};
//! use signal_hook::consts::SIGCHLD;
//! use signal_hook::iterator::Signals;
//!
//! let mut signals = Signals::new([SIGCHLD])?;
//! let (events, received) = crossbeam_channel::unbounded();
//! std::thread::spawn(move || {
//!     for signal in signals.forever() {
//!         if events.send(signal).is_err() {
//!             break;
//!         }
//!     }
//! });
//! let mut child = std::process::Command::new("true").spawn()?;
//! loop {
//!     match channel::recv(&received) {
//!         // A child changed state: reap what has exited.
//!         Ok(_) => {
//!             if let Some(status) = child.try_wait()? {
//!                 println!("child exited: {status}");
//!                 break;
//!             }
//!         }
//!         Err(RecvError::Interrupted(exit)) => return Err(exit.into()),
//!         Err(RecvError::Disconnected) => break,
//!     }
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

use std::cell::OnceCell;
use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Select, Sender, TryRecvError, TrySendError, select};

use crate::current::with_current_at;
use crate::exit::ThreadExit;
use crate::scope::{Scope, WaitKind};
use crate::wake::WakeOnRequest;

/// Why [`recv`] returned no message.
///
/// # Examples
///
/// ```
/// use gracefully::channel::{self, RecvError};
///
/// let (tx, rx) = crossbeam_channel::unbounded::<u32>();
/// drop(tx);
/// assert_eq!(channel::recv(&rx), Err(RecvError::Disconnected));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecvError {
    /// The channel is empty and every sender is gone.
    Disconnected,
    /// The current scope was interrupted.
    Interrupted(ThreadExit),
}

/// Why [`recv_timeout`] (or [`recv_deadline`]) returned no message.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gracefully::channel::{self, RecvTimeoutError};
///
/// let (_tx, rx) = crossbeam_channel::unbounded::<u32>();
/// let waited = channel::recv_timeout(&rx, Duration::from_millis(5));
/// assert_eq!(waited, Err(RecvTimeoutError::Timeout));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// No message arrived in time.
    Timeout,
    /// The channel is empty and every sender is gone.
    Disconnected,
    /// The current scope was interrupted.
    Interrupted(ThreadExit),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Disconnected => {
                f.write_str("receiving on an empty and disconnected channel")
            }
            RecvError::Interrupted(exit) => write!(f, "receive {exit}"),
        }
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out waiting on a channel"),
            RecvTimeoutError::Disconnected => {
                f.write_str("receiving on an empty and disconnected channel")
            }
            RecvTimeoutError::Interrupted(exit) => write!(f, "receive {exit}"),
        }
    }
}

impl std::error::Error for RecvError {}
impl std::error::Error for RecvTimeoutError {}

impl From<RecvError> for RecvTimeoutError {
    fn from(error: RecvError) -> Self {
        match error {
            RecvError::Disconnected => RecvTimeoutError::Disconnected,
            RecvError::Interrupted(exit) => RecvTimeoutError::Interrupted(exit),
        }
    }
}

thread_local! {
    /// This thread's signal channel: a request sends one token.
    static SIGNAL: OnceCell<(Sender<()>, Receiver<()>)> = const { OnceCell::new() };
}

/// Receives a message, blocking until one arrives, the channel disconnects
/// or the current scope is interrupted; `Receiver::recv` plus interruption.
///
/// An interruption point: with a request pending it returns
/// [`RecvError::Interrupted`] without taking a message (the message stays
/// in the channel). A message that arrives together with a request may be
/// taken or left, never lost. Inside a critical section it is a plain
/// `recv`.
///
/// # Errors
///
/// [`RecvError::Disconnected`] when the channel is empty and has no
/// sender; [`RecvError::Interrupted`] on a request.
///
/// # Examples
///
/// ```
/// use gracefully::channel::{self, RecvError};
///
/// let (tx, rx) = crossbeam_channel::unbounded::<u32>();
/// let consumer = gracefully::spawn(move || {
///     let mut total = 0;
///     loop {
///         match channel::recv(&rx) {
///             Ok(n) => total += n,
///             Err(RecvError::Disconnected) => return Ok(total),
///             Err(RecvError::Interrupted(exit)) => return Err(exit),
///         }
///     }
/// });
/// tx.send(5).unwrap();
/// consumer.interrupt(); // `tx` is still alive: only the request ends it
/// assert!(consumer.join().unwrap().is_err());
/// ```
#[track_caller]
pub fn recv<T>(receiver: &Receiver<T>) -> Result<T, RecvError> {
    receive(receiver, None).map_err(|error| match error {
        // Without a deadline there is no timeout.
        RecvTimeoutError::Disconnected | RecvTimeoutError::Timeout => RecvError::Disconnected,
        RecvTimeoutError::Interrupted(exit) => RecvError::Interrupted(exit),
    })
}

/// [`recv`] with a time limit; `Receiver::recv_timeout` plus interruption.
///
/// # Errors
///
/// [`RecvTimeoutError::Timeout`] when no message came in time, and the
/// errors of [`recv`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gracefully::channel::{self, RecvTimeoutError};
///
/// let (_tx, rx) = crossbeam_channel::unbounded::<u32>();
/// assert_eq!(channel::recv_timeout(&rx, Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
/// ```
#[track_caller]
pub fn recv_timeout<T>(receiver: &Receiver<T>, timeout: Duration) -> Result<T, RecvTimeoutError> {
    receive(receiver, Instant::now().checked_add(timeout))
}

/// [`recv`] until `deadline`; `Receiver::recv_deadline` plus interruption.
///
/// # Errors
///
/// [`RecvTimeoutError::Timeout`] when no message came by `deadline`, and
/// the errors of [`recv`].
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use gracefully::channel::{self, RecvTimeoutError};
///
/// let (_tx, rx) = crossbeam_channel::unbounded::<u32>();
/// let deadline = Instant::now() + Duration::from_millis(5);
/// assert_eq!(channel::recv_deadline(&rx, deadline), Err(RecvTimeoutError::Timeout));
/// ```
#[track_caller]
pub fn recv_deadline<T>(receiver: &Receiver<T>, deadline: Instant) -> Result<T, RecvTimeoutError> {
    receive(receiver, Some(deadline))
}

/// The calling thread's signal channel, emptied, and a poke that fills it
/// on a request, for as long as the poke is alive.
fn signal_channel(scope: &Scope) -> (Receiver<()>, WakeOnRequest<'_>) {
    // While the thread exits, once its own channel is gone, a channel of
    // this call's own does the same.
    let (sender, signal) = SIGNAL
        .try_with(|cell| cell.get_or_init(|| crossbeam_channel::bounded(1)).clone())
        .unwrap_or_else(|_| crossbeam_channel::bounded(1));
    // A token left by an earlier request whose call completed.
    while signal.try_recv().is_ok() {}
    // A full signal channel already holds a token: nothing to add.
    let wake = WakeOnRequest::new(scope, move || {
        let _ = sender.try_send(());
    });
    (signal, wake)
}

#[track_caller]
fn receive<T>(receiver: &Receiver<T>, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
    with_current_at(WaitKind::Channel, Location::caller(), |scope| {
        if let Some(exit) = scope.pending() {
            return Err(RecvTimeoutError::Interrupted(exit)); // not begun
        }
        match receiver.try_recv() {
            Ok(message) => return Ok(message),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => {}
        }
        // Inside a critical section nothing is deliverable and no request
        // pokes the wait, so it is a plain receive; but the close of the
        // section, on another thread sharing the scope, pokes it.
        let (signal, _wake) = signal_channel(scope);
        let never = crossbeam_channel::never();
        loop {
            let timer = deadline.map_or(never.clone(), crossbeam_channel::at);
            select! {
                recv(receiver) -> message => {
                    return message.map_err(|_| RecvTimeoutError::Disconnected);
                }
                recv(signal) -> _ => {
                    if let Some(exit) = scope.pending() {
                        return Err(RecvTimeoutError::Interrupted(exit));
                    }
                }
                recv(timer) -> _ => return Err(RecvTimeoutError::Timeout),
            }
        }
    })
}

/// Why [`send`] did not send its message, which it gives back.
///
/// # Examples
///
/// ```
/// use gracefully::channel::{self, SendError};
///
/// let (tx, rx) = crossbeam_channel::bounded::<u32>(1);
/// drop(rx);
/// match channel::send(&tx, 7) {
///     Err(SendError::Disconnected(message)) => assert_eq!(message, 7),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum SendError<T> {
    /// Every receiver is gone.
    Disconnected(T),
    /// The current scope was interrupted before the message was sent.
    Interrupted(T, ThreadExit),
}

/// Why [`send_timeout`] did not send its message, which it gives back.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gracefully::channel::{self, SendTimeoutError};
///
/// let (tx, _rx) = crossbeam_channel::bounded::<u32>(0); // nobody receives
/// let unsent = channel::send_timeout(&tx, 7, Duration::from_millis(5));
/// assert!(matches!(unsent, Err(SendTimeoutError::Timeout(7))));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// The channel stayed full until the time ran out.
    Timeout(T),
    /// Every receiver is gone.
    Disconnected(T),
    /// The current scope was interrupted before the message was sent.
    Interrupted(T, ThreadExit),
}

impl<T> SendError<T> {
    /// The message that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = crossbeam_channel::bounded(1);
    /// drop(rx);
    /// let error = gracefully::channel::send(&tx, 7).unwrap_err();
    /// assert_eq!(error.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendError::Disconnected(message) | SendError::Interrupted(message, _) => message,
        }
    }
}

impl<T> SendTimeoutError<T> {
    /// The message that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = crossbeam_channel::bounded(0); // nobody receives
    /// let error = gracefully::channel::send_timeout(&tx, 7, Duration::from_millis(5)).unwrap_err();
    /// assert_eq!(error.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(message)
            | SendTimeoutError::Disconnected(message)
            | SendTimeoutError::Interrupted(message, _) => message,
        }
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Disconnected(_) => f.write_str("Disconnected(..)"),
            SendError::Interrupted(_, exit) => write!(f, "Interrupted(.., {exit:?})"),
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Disconnected(_) => f.write_str("Disconnected(..)"),
            SendTimeoutError::Interrupted(_, exit) => write!(f, "Interrupted(.., {exit:?})"),
        }
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Disconnected(_) => f.write_str("sending on a disconnected channel"),
            SendError::Interrupted(_, exit) => write!(f, "send {exit}"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("timed out waiting on a send"),
            SendTimeoutError::Disconnected(_) => f.write_str("sending on a disconnected channel"),
            SendTimeoutError::Interrupted(_, exit) => write!(f, "send {exit}"),
        }
    }
}

impl<T> std::error::Error for SendError<T> {}
impl<T> std::error::Error for SendTimeoutError<T> {}

/// Sends `message`, blocking while the channel is full until there is room,
/// every receiver is gone or the current scope is interrupted;
/// `Sender::send` plus interruption.
///
/// An interruption point: with a request pending it returns
/// [`SendError::Interrupted`] without sending, and a send that a request
/// ends gives its message back: nothing is lost. Room that frees up
/// together with a request may be used or not. Inside a critical section it
/// is a plain `send`.
///
/// # Errors
///
/// [`SendError::Disconnected`] when every receiver is gone;
/// [`SendError::Interrupted`] on a request. Both hold the message.
///
/// # Examples
///
/// ```
/// use gracefully::channel::{self, SendError};
///
/// let (tx, rx) = crossbeam_channel::bounded(1);
/// let producer = gracefully::spawn(move || {
///     for n in 0.. {
///         if let Err(error) = channel::send(&tx, n) {
///             return error; // the full channel kept it waiting; here it is back
///         }
///     }
///     unreachable!()
/// });
/// std::thread::sleep(std::time::Duration::from_millis(20));
/// producer.interrupt();
/// let unsent = producer.join().unwrap();
/// assert!(matches!(unsent, SendError::Interrupted(1, _)));
/// assert_eq!(rx.recv(), Ok(0));
/// ```
#[track_caller]
pub fn send<T>(sender: &Sender<T>, message: T) -> Result<(), SendError<T>> {
    transmit(sender, message, None).map_err(|error| match error {
        // Without a deadline there is no timeout.
        SendTimeoutError::Disconnected(message) | SendTimeoutError::Timeout(message) => {
            SendError::Disconnected(message)
        }
        SendTimeoutError::Interrupted(message, exit) => SendError::Interrupted(message, exit),
    })
}

/// [`send`] with a time limit; `Sender::send_timeout` plus interruption.
///
/// # Errors
///
/// [`SendTimeoutError::Timeout`] when the channel stayed full, and the
/// errors of [`send`]. Each holds the message.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gracefully::channel::{self, SendTimeoutError};
///
/// let (tx, _rx) = crossbeam_channel::bounded(1);
/// channel::send(&tx, 1).unwrap();
/// let full = channel::send_timeout(&tx, 2, Duration::from_millis(5));
/// assert!(matches!(full, Err(SendTimeoutError::Timeout(2))));
/// ```
#[track_caller]
pub fn send_timeout<T>(
    sender: &Sender<T>,
    message: T,
    timeout: Duration,
) -> Result<(), SendTimeoutError<T>> {
    transmit(sender, message, Instant::now().checked_add(timeout))
}

#[track_caller]
fn transmit<T>(
    sender: &Sender<T>,
    message: T,
    deadline: Option<Instant>,
) -> Result<(), SendTimeoutError<T>> {
    with_current_at(WaitKind::Channel, Location::caller(), |scope| {
        if let Some(exit) = scope.pending() {
            return Err(SendTimeoutError::Interrupted(message, exit)); // not begun
        }
        let mut message = message;
        // Registered before the first wait only, so a send that finds room
        // at once registers nothing.
        let mut woken = None;
        loop {
            message = match sender.try_send(message) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(message)) => {
                    return Err(SendTimeoutError::Disconnected(message));
                }
                Err(TrySendError::Full(message)) => message,
            };
            let (signal, _wake) = woken.get_or_insert_with(|| signal_channel(scope));
            // The message moves only into the operation that is selected.
            let mut select = Select::new();
            let send = select.send(sender);
            select.recv(signal);
            let operation = match deadline {
                None => select.select(),
                Some(deadline) => match select.select_deadline(deadline) {
                    Ok(operation) => operation,
                    Err(_) => return Err(SendTimeoutError::Timeout(message)),
                },
            };
            if operation.index() == send {
                return operation
                    .send(sender, message)
                    .map_err(|error| SendTimeoutError::Disconnected(error.into_inner()));
            }
            let _ = operation.recv(signal);
            if let Some(exit) = scope.pending() {
                return Err(SendTimeoutError::Interrupted(message, exit));
            }
            // A token without a request (one that was cleared meanwhile):
            // try again.
        }
    })
}

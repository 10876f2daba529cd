//! Interruptible receives on [`crossbeam_channel`] channels (feature
//! `crossbeam`): [`recv`] and [`recv_timeout`].
//!
//! A blocked receive waits in `select!` on the channel and on a signal
//! channel of the calling thread, which a request fills through an
//! `on_interrupt`-style callback: no polling loop. A message that is already
//! there is taken at once, without registering anything.

use std::cell::OnceCell;
use std::fmt;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError, select};

use crate::current::with_current;
use crate::exit::ThreadExit;
use crate::wake::WakeOnRequest;

/// Why [`recv`] returned no message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecvError {
    /// The channel is empty and every sender is gone.
    Disconnected,
    /// The current scope was interrupted.
    Interrupted(ThreadExit),
}

/// Why [`recv_timeout`] returned no message.
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
pub fn recv_timeout<T>(receiver: &Receiver<T>, timeout: Duration) -> Result<T, RecvTimeoutError> {
    receive(receiver, Some(timeout))
}

fn receive<T>(receiver: &Receiver<T>, timeout: Option<Duration>) -> Result<T, RecvTimeoutError> {
    let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
    with_current(|scope| {
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
        // While the thread exits, once its own channel is gone, a channel
        // of this call's own does the same.
        let (sender, signal) = SIGNAL
            .try_with(|cell| cell.get_or_init(|| crossbeam_channel::bounded(1)).clone())
            .unwrap_or_else(|_| crossbeam_channel::bounded(1));
        // A token left by an earlier request whose receive took a message.
        while signal.try_recv().is_ok() {}
        // A full signal channel already holds a token: nothing to add.
        let _wake = WakeOnRequest::new(scope, move || {
            let _ = sender.try_send(());
        });
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

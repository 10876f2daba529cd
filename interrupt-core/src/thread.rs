//! Threads whose scope exists before they run: [`spawn`], [`Builder`],
//! [`JoinHandle`]; and the unwinding side of [`ThreadExit`]: [`catch_exit`].

use std::any::Any;
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::thread::{self as std_thread, Thread};

use crate::current;
use crate::exit::ThreadExit;
use crate::handle::InterruptHandle;
use crate::scope::Scope;
use crate::shutdown::ThreadRecord;
use crate::sync::{Arc, lock};

/// Spawns a thread whose scope is registered before it starts running, like
/// [`std::thread::spawn`].
///
/// The returned handle can interrupt the thread at once, even before its
/// first instruction: the request is waiting for it.
///
/// # Panics
///
/// If the operating system cannot create a thread, as `std::thread::spawn`
/// does; use [`Builder::spawn`] to get the error instead.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let worker = gracefully::spawn(|| -> Result<(), gracefully::ThreadExit> {
///     loop {
///         gracefully::sleep(Duration::from_millis(10))?;
///     }
/// });
/// worker.interrupt();
/// assert!(worker.join().unwrap().is_err());
/// ```
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// Configures a thread before spawning it, like [`std::thread::Builder`].
///
/// # Examples
///
/// ```
/// let worker = gracefully::Builder::new()
///     .name("flusher".into())
///     .stack_size(256 * 1024)
///     .spawn(|| std::thread::current().name().map(String::from))?;
/// assert_eq!(worker.join().unwrap().as_deref(), Some("flusher"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Builder {
    inner: std_thread::Builder,
    /// A copy of the name, for shutdown reports.
    name: Option<String>,
}

impl Builder {
    /// A builder with no name and the default stack size.
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::Builder::new().spawn(|| 1 + 1)?;
    /// assert_eq!(worker.join().unwrap(), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: std_thread::Builder::new(),
            name: None,
        }
    }

    /// Names the thread (shown in panic messages and by debuggers).
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::Builder::new()
    ///     .name("reader".into())
    ///     .spawn(|| std::thread::current().name().unwrap().to_owned())?;
    /// assert_eq!(worker.join().unwrap(), "reader");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn name(self, name: String) -> Self {
        Self {
            inner: self.inner.name(name.clone()),
            name: Some(name),
        }
    }

    /// Sets the size of the thread's stack, in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::Builder::new().stack_size(64 * 1024).spawn(|| ())?;
    /// worker.join().unwrap();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn stack_size(self, size: usize) -> Self {
        Self {
            inner: self.inner.stack_size(size),
            name: self.name,
        }
    }

    /// Spawns the thread, its scope registered before it runs.
    ///
    /// # Errors
    ///
    /// The operating system's error when it cannot create the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::Builder::new().spawn(gracefully::park)?;
    /// worker.interrupt();
    /// assert!(worker.join().unwrap().is_err());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let scope = crate::shutdown::new_scope();
        let handle = InterruptHandle::from_scope(Arc::clone(&scope));
        let (start, record) = ThreadStart::new(self.name, scope);
        let spawned = self.inner.spawn(move || start.run(f));
        match spawned {
            Ok(inner) => Ok(JoinHandle {
                inner,
                handle,
                record,
            }),
            Err(error) => {
                record.finish();
                Err(error)
            }
        }
    }

    /// The std builder and the name, for threads spawned elsewhere in the
    /// crate.
    #[cfg(not(loom))] // for `group`
    pub(crate) fn into_parts(self) -> (std_thread::Builder, Option<String>) {
        (self.inner, self.name)
    }
}

/// What a thread of the crate does around its closure: its record for
/// `shutdown`, made before the thread runs and finished when the closure
/// returns or unwinds, and its scope, adopted as the thread's own.
pub(crate) struct ThreadStart {
    scope: Arc<Scope>,
    finish: FinishOnDrop,
}

impl ThreadStart {
    /// Registers the record of a thread about to be spawned with `scope`
    /// as its own; a thread that cannot be spawned must `finish` it.
    pub(crate) fn new(name: Option<String>, scope: Arc<Scope>) -> (Self, Arc<ThreadRecord>) {
        let record = ThreadRecord::register(name, &scope);
        let finish = FinishOnDrop(Arc::clone(&record));
        (Self { scope, finish }, record)
    }

    /// Runs `f` as the body of the new thread.
    pub(crate) fn run<T>(self, f: impl FnOnce() -> T) -> T {
        let finish = self.finish; // finishes also when `f` unwinds
        finish.0.started();
        current::adopt(self.scope);
        // Not the spawning thread's critical-section mask.
        #[cfg(target_os = "linux")]
        crate::thread_signal::start_unmasked();
        f()
    }
}

impl Default for Builder {
    /// The same as [`Builder::new`].
    fn default() -> Self {
        Self::new()
    }
}

/// An owned permission to join a thread made by [`spawn`], and to
/// interrupt it.
///
/// Dropping it detaches the thread, as with std.
///
/// # Examples
///
/// ```
/// let worker = gracefully::spawn(gracefully::park);
/// assert!(!worker.handle().is_interrupted());
/// worker.interrupt();
/// assert!(worker.join().unwrap().is_err());
/// ```
pub struct JoinHandle<T> {
    inner: std_thread::JoinHandle<T>,
    handle: InterruptHandle,
    record: Arc<ThreadRecord>,
}

/// Finishes the thread's record when dropped at the end of its closure.
struct FinishOnDrop(Arc<ThreadRecord>);

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.0.finish();
    }
}

impl<T> JoinHandle<T> {
    /// Requests the thread to stop; the same as `self.handle().interrupt()`,
    /// and returns whether this call made the request.
    ///
    /// A no-op once the thread has finished (the scope keeps the request).
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::spawn(gracefully::park);
    /// worker.interrupt();
    /// assert!(worker.join().unwrap().is_err());
    /// ```
    #[expect(
        clippy::must_use_candidate,
        reason = "most callers only want the request made"
    )]
    pub fn interrupt(&self) -> bool {
        self.handle.interrupt()
    }

    /// The handle to the thread's scope, to clone and give to others.
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::spawn(gracefully::park);
    /// let handle = worker.handle().clone();
    /// std::thread::spawn(move || handle.interrupt()).join().unwrap();
    /// assert!(worker.join().unwrap().is_err());
    /// ```
    #[must_use]
    pub fn handle(&self) -> &InterruptHandle {
        &self.handle
    }

    /// The std handle of the thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::Builder::new().name("w".into()).spawn(|| ())?;
    /// assert_eq!(worker.thread().name(), Some("w"));
    /// # worker.join().unwrap();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    /// Has the thread finished running its closure?
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::spawn(gracefully::park);
    /// assert!(!worker.is_finished());
    /// worker.interrupt();
    /// while !worker.is_finished() {
    ///     std::thread::yield_now();
    /// }
    /// # worker.join().unwrap().unwrap_err();
    /// ```
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// Waits for the thread to finish and returns its result.
    ///
    /// # Errors
    ///
    /// [`JoinError::Interrupted`] when the thread unwound with a
    /// [`ThreadExit`] (an unwinding checkpoint), [`JoinError::Panicked`] when
    /// it panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::JoinError;
    ///
    /// let ok = gracefully::spawn(|| 7);
    /// assert_eq!(ok.join().unwrap(), 7);
    ///
    /// let panicked = gracefully::spawn(|| panic!("boom"));
    /// assert!(matches!(panicked.join(), Err(JoinError::Panicked(_))));
    /// ```
    pub fn join(self) -> Result<T, JoinError> {
        self.inner.join().map_err(JoinError::from_payload)
    }

    /// Waits for the thread to finish, like [`join`](JoinHandle::join),
    /// while the calling thread stays interruptible.
    ///
    /// An interruption point of the *calling* scope. When it is interrupted
    /// first, the handle comes back inside the error, so the thread can
    /// still be interrupted or joined; `?` turns the error into the
    /// [`ThreadExit`].
    ///
    /// # Errors
    ///
    /// [`JoinInterrupted`] when the calling scope is interrupted before the
    /// thread finishes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let slow = gracefully::spawn(|| gracefully::sleep(Duration::from_secs(60)));
    /// let waiter = gracefully::spawn(move || {
    ///     match slow.join_interruptible() {
    ///         Ok(_) => unreachable!("the sleeper outlives the waiter"),
    ///         Err(interrupted) => interrupted.into_handle(),
    ///     }
    /// });
    /// waiter.interrupt();
    /// let slow = waiter.join().unwrap(); // the handle came back
    /// slow.interrupt();
    /// assert!(slow.join().unwrap().is_err());
    /// ```
    #[track_caller] // a straggler here is reported at the caller's line
    pub fn join_interruptible(self) -> Result<Result<T, JoinError>, JoinInterrupted<T>> {
        let record = Arc::clone(&self.record);
        let (done, changed) = record.done();
        let waited = crate::condvar::wait_while(changed, lock(done), |done| !*done);
        match waited {
            Ok(done) => {
                drop(done);
                Ok(self.join())
            }
            Err(exit) => Err(JoinInterrupted { exit, handle: self }),
        }
    }
}

/// [`JoinHandle::join_interruptible`] was interrupted before the thread
/// finished; holds the handle, which still joins or interrupts it.
///
/// # Examples
///
/// ```
/// use gracefully::ThreadExit;
///
/// fn wait_for(worker: gracefully::JoinHandle<u32>) -> Result<u32, ThreadExit> {
///     let value = worker.join_interruptible()?; // the error becomes the ThreadExit
///     Ok(value.unwrap_or(0))
/// }
/// assert_eq!(wait_for(gracefully::spawn(|| 3)), Ok(3));
/// ```
pub struct JoinInterrupted<T> {
    exit: ThreadExit,
    handle: JoinHandle<T>,
}

impl<T> JoinInterrupted<T> {
    /// The request that interrupted the wait.
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::spawn(gracefully::park);
    /// gracefully::current().interrupt();
    /// let interrupted = worker.join_interruptible().unwrap_err();
    /// assert_eq!(interrupted.exit().cause(), gracefully::Cause::Interrupted);
    /// # gracefully::clear();
    /// # let worker = interrupted.into_handle();
    /// # worker.interrupt();
    /// # let _ = worker.join();
    /// ```
    #[must_use]
    pub fn exit(&self) -> &ThreadExit {
        &self.exit
    }

    /// The handle of the thread that was being joined.
    ///
    /// # Examples
    ///
    /// ```
    /// let worker = gracefully::spawn(gracefully::park);
    /// gracefully::current().interrupt();
    /// let worker = worker.join_interruptible().unwrap_err().into_handle();
    /// gracefully::clear();
    /// worker.interrupt();
    /// assert!(worker.join().unwrap().is_err());
    /// ```
    #[must_use]
    pub fn into_handle(self) -> JoinHandle<T> {
        self.handle
    }
}

impl<T> From<JoinInterrupted<T>> for ThreadExit {
    fn from(interrupted: JoinInterrupted<T>) -> Self {
        interrupted.exit
    }
}

impl<T> fmt::Debug for JoinInterrupted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinInterrupted")
            .field("exit", &self.exit)
            .field("handle", &self.handle)
            .finish()
    }
}

impl<T> fmt::Display for JoinInterrupted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stopped waiting for a thread: {}", self.exit)
    }
}

impl<T> std::error::Error for JoinInterrupted<T> {}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("thread", self.inner.thread())
            .field("handle", &self.handle)
            .field("finished", &*lock(self.record.done().0))
            .finish()
    }
}

/// Why [`JoinHandle::join`] did not return the thread's value.
///
/// # Examples
///
/// ```
/// use gracefully::JoinError;
///
/// let worker = gracefully::spawn(|| {
///     let exit = gracefully::park().unwrap_err();
///     std::panic::resume_unwind(Box::new(exit))
/// });
/// worker.interrupt();
/// match worker.join() {
///     Err(JoinError::Interrupted(exit)) => println!("stopped: {exit}"),
///     other => panic!("unexpected: {other:?}"),
/// }
/// ```
pub enum JoinError {
    /// The thread unwound with a [`ThreadExit`] payload.
    Interrupted(ThreadExit),
    /// The thread panicked; the payload is the panic's, as std gives it.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    fn from_payload(payload: Box<dyn Any + Send + 'static>) -> Self {
        match payload.downcast::<ThreadExit>() {
            Ok(exit) => JoinError::Interrupted(*exit),
            Err(payload) => JoinError::Panicked(payload),
        }
    }

    /// The panic message, when the thread panicked with a string.
    fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Interrupted(_) => None,
            JoinError::Panicked(payload) => payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str)),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Interrupted(exit) => f.debug_tuple("Interrupted").field(exit).finish(),
            JoinError::Panicked(_) => match self.panic_message() {
                Some(message) => f.debug_tuple("Panicked").field(&message).finish(),
                None => f.debug_tuple("Panicked").finish_non_exhaustive(),
            },
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Interrupted(exit) => write!(f, "thread stopped: {exit}"),
            JoinError::Panicked(_) => match self.panic_message() {
                Some(message) => write!(f, "thread panicked: {message}"),
                None => f.write_str("thread panicked"),
            },
        }
    }
}

impl std::error::Error for JoinError {}

/// Runs `f`, turning an unwinding [`ThreadExit`] into `Err`; other panics
/// keep unwinding.
///
/// The counterpart of the unwinding checkpoints of
/// `#[interruptible(unwind)]`: code that stops by unwinding is caught here,
/// with its destructors already run. `f` need not be `UnwindSafe`: a
/// `ThreadExit` is a deliberate stop, and every other payload is passed on.
///
/// # Errors
///
/// The [`ThreadExit`] that `f` unwound with.
///
/// # Examples
///
/// ```
/// use gracefully::{Cause, ThreadExit};
///
/// let caught = gracefully::catch_exit(|| -> u32 {
///     std::panic::resume_unwind(Box::new(ThreadExit::new(Cause::Deadline)))
/// });
/// assert_eq!(caught.unwrap_err().cause(), Cause::Deadline);
/// assert_eq!(gracefully::catch_exit(|| 5), Ok(5));
/// ```
pub fn catch_exit<R>(f: impl FnOnce() -> R) -> Result<R, ThreadExit> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Ok(value),
        Err(payload) => match payload.downcast::<ThreadExit>() {
            Ok(exit) => Err(*exit),
            Err(other) => panic::resume_unwind(other),
        },
    }
}

/// Unwinds with `exit` as the payload; no panic message is printed.
#[cold]
#[inline(never)]
pub(crate) fn unwind(exit: ThreadExit) -> ! {
    panic::resume_unwind(Box::new(exit))
}

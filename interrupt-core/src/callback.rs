//! [`InterruptHandle::on_interrupt`]: code to run when a scope is
//! interrupted.

use std::fmt;

use crate::handle::InterruptHandle;
use crate::scope::Scope;
use crate::sync::Arc;

impl InterruptHandle {
    /// Runs `f` once when the scope is interrupted, on the thread that makes
    /// the request; at once, on this thread, if a request is already
    /// pending.
    ///
    /// Use it to unblock what the runtime cannot reach by itself: shut down
    /// a socket that a plain `std` read is blocked on, cancel a job in a
    /// foreign library, notify your own condition variable. `f` runs outside
    /// the runtime's locks, so it may call anything (even request other
    /// scopes).
    ///
    /// The callback is tied to the returned guard: once the guard is
    /// dropped, `f` never starts; dropping it while `f` runs on another
    /// thread waits for `f` to finish (as C++'s `std::stop_callback` does),
    /// so what `f` borrows through `Arc`s and channels may be torn down right
    /// after. Dropping it from inside `f` does not wait.
    ///
    /// If `f` panics, the request still completes: every scope it reaches
    /// is requested, every other callback runs and every waiter is woken;
    /// then the first panic reaches the caller of `interrupt()` (or of
    /// [`interrupt_all`](crate::interrupt_all), or [`shutdown`](crate::shutdown)
    /// once it has waited). On the threads that have no caller to pass it to
    /// (a deadline's timer, the signal thread) the panic is reported by the
    /// panic hook and the thread goes on.
    ///
    /// # Examples
    ///
    /// Unblocking a plain `std` socket read, the portable way: shutting the
    /// socket down makes the blocked `read` return `Ok(0)`.
    ///
    /// ```
    /// use std::io::Read;
    /// use std::net::{Shutdown, TcpListener, TcpStream};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let _client = TcpStream::connect(listener.local_addr()?)?;
    /// let (mut socket, _) = listener.accept()?;
    /// let reader = gracefully::spawn(move || {
    ///     let unblock = socket.try_clone()?;
    ///     let _on_interrupt = gracefully::current()
    ///         .on_interrupt(move || drop(unblock.shutdown(Shutdown::Both)));
    ///     let mut buffer = [0; 64];
    ///     let n = socket.read(&mut buffer)?; // the client never writes
    ///     gracefully::check()?; // an end of stream caused by the interrupt
    ///     Ok::<usize, std::io::Error>(n)
    /// });
    /// std::thread::sleep(std::time::Duration::from_millis(20));
    /// reader.interrupt();
    /// let stopped = reader.join().unwrap().unwrap_err();
    /// assert!(gracefully::ThreadExit::from_io(&stopped).is_some());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn on_interrupt(&self, f: impl FnOnce() + Send + 'static) -> OnInterrupt {
        let id = self.scope().add_callback(Box::new(f));
        OnInterrupt {
            scope: Arc::clone(self.scope()),
            id,
        }
    }
}

/// A callback registered by [`InterruptHandle::on_interrupt`]; dropping the
/// guard deregisters it.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// let handle = gracefully::InterruptHandle::new();
/// let ran = Arc::new(AtomicBool::new(false));
/// let flag = Arc::clone(&ran);
/// let guard = handle.on_interrupt(move || flag.store(true, Ordering::SeqCst));
/// drop(guard);
/// handle.interrupt();
/// assert!(!ran.load(Ordering::SeqCst), "deregistered before the request");
/// ```
#[must_use = "the callback is deregistered as soon as the guard is dropped"]
pub struct OnInterrupt {
    scope: Arc<Scope>,
    /// `None` when the callback ran at registration.
    id: Option<u64>,
}

impl Drop for OnInterrupt {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.scope.remove_callback(id);
        }
    }
}

impl fmt::Debug for OnInterrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnInterrupt")
            .field("scope", &self.scope.id())
            .field("registered", &self.id.is_some())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn runs_once_when_requested_and_at_once_when_already_requested() {
        let handle = InterruptHandle::new();
        let runs = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&runs);
        let _guard = handle.on_interrupt(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        handle.interrupt();
        handle.interrupt();
        assert_eq!(runs.load(Ordering::SeqCst), 1);

        let counter = Arc::clone(&runs);
        let _late = handle.on_interrupt(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(runs.load(Ordering::SeqCst), 2, "ran at registration");
    }

    #[test]
    fn dropping_the_guard_waits_for_a_running_callback() {
        let handle = InterruptHandle::new();
        let (started, running) = mpsc::channel();
        let finished = Arc::new(AtomicU32::new(0));
        let done = Arc::clone(&finished);
        let guard = handle.on_interrupt(move || {
            started.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            done.store(1, Ordering::SeqCst);
        });
        let requester = std::thread::spawn(move || handle.interrupt());
        running.recv().unwrap();
        drop(guard); // must wait for the sleep to end
        assert_eq!(finished.load(Ordering::SeqCst), 1);
        requester.join().unwrap();
    }

    #[test]
    fn a_callback_may_drop_its_own_guard() {
        let handle = InterruptHandle::new();
        let slot: Arc<std::sync::Mutex<Option<OnInterrupt>>> = Arc::default();
        let inside = Arc::clone(&slot);
        *slot.lock().unwrap() = Some(handle.on_interrupt(move || {
            drop(inside.lock().unwrap().take());
        }));
        handle.interrupt(); // would deadlock if the drop waited for itself
        assert!(slot.lock().unwrap().is_none());
    }
}

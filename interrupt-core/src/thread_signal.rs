//! Signal mode (Linux): an interrupt also sends the thread a signal, so a
//! system call made by code you do not control (a C library, a plain `std`
//! read) returns `EINTR` instead of blocking on.
//!
//! # Invariants
//!
//! 1. One dedicated real-time signal (`SIGRTMAX - 3`), registered once through
//!    `signal-hook-registry` (so handlers of other crates are chained, never
//!    overwritten) with an empty action, and with `SA_RESTART` cleared so
//!    that interrupted system calls fail with `EINTR` rather than restart.
//!    The handler does no work at all: the signal only ends the call.
//! 2. A thread in signal mode has a `Signal` entry on the scope that was
//!    current when it turned the mode on (see `scope` invariant 8); the
//!    entry is removed by the thread itself when it turns the mode off or
//!    exits (a thread-local destructor).
//! 3. While the thread has a critical section open (of its own, not a
//!    task's), the signal is blocked on it, so a system call inside the
//!    section runs to its end; a signal that arrived meanwhile is delivered
//!    when the outermost section closes.

use std::cell::{Cell, RefCell};
use std::io;
use std::sync::OnceLock;

use crate::current::current_arc;
use crate::scope::Scope;
use crate::sync::Arc;

/// The signal of signal mode: `SIGRTMAX - 3`, a real-time signal that
/// applications and runtimes rarely claim (the lowest real-time signals
/// are the usual picks).
fn signal_number() -> libc::c_int {
    libc::SIGRTMAX() - 3
}

/// Installs the handler once (invariant 1).
/// Set once the handler is installed (invariant 1).
static INSTALLED_SIGNAL: OnceLock<Result<libc::c_int, io::ErrorKind>> = OnceLock::new();

fn install() -> io::Result<libc::c_int> {
    let installed = INSTALLED_SIGNAL.get_or_init(|| {
        let signal = signal_number();
        // SAFETY: the action is empty, so it is async-signal-safe and
        // cannot panic, as `register` requires.
        unsafe { signal_hook_registry::register(signal, || {}) }.map_err(|e| e.kind())?;
        clear_sa_restart(signal).map_err(|e| e.kind())?;
        Ok(signal)
    });
    installed.map_err(io::Error::from)
}

/// Re-installs the current action of `signal` without `SA_RESTART`.
fn clear_sa_restart(signal: libc::c_int) -> io::Result<()> {
    // SAFETY: `sigaction` is a plain C struct for which all zeroes is a
    // valid value; it is only used as an out-parameter here.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only reads the current one into `action`,
    // a valid, writable struct.
    if unsafe { libc::sigaction(signal, std::ptr::null(), &raw mut action) } != 0 {
        return Err(io::Error::last_os_error());
    }
    action.sa_flags &= !libc::SA_RESTART;
    // SAFETY: `action` is the handler `signal-hook-registry` installed,
    // unchanged but for the flag; the old action is not asked for.
    if unsafe { libc::sigaction(signal, &raw const action, std::ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A thread that a request signals.
#[derive(Clone, Copy)]
pub(crate) struct ThreadSignal {
    thread: libc::pthread_t,
    signal: libc::c_int,
}

impl ThreadSignal {
    /// Sends the signal.
    ///
    /// # Safety
    ///
    /// The thread has not exited: the caller raised the scope's
    /// `notifying` while the thread's entry was present, and the thread
    /// removes its entry (waiting out `notifying`) before it exits
    /// (invariant 2).
    pub(crate) unsafe fn send(self) {
        // SAFETY: by this function's contract `thread` names a live thread.
        // An error (there is none to expect) leaves the request pending for
        // the thread's next interruption point.
        let _ = unsafe { libc::pthread_kill(self.thread, self.signal) };
    }
}

/// The calling thread's signal mode.
struct Mode {
    scope: Arc<Scope>,
    entry: u64,
}

impl Drop for Mode {
    fn drop(&mut self) {
        self.scope.remove_signal(self.entry);
    }
}

thread_local! {
    static MODE: RefCell<Option<Mode>> = const { RefCell::new(None) };
    /// Whether signal mode is on, and how many of the thread's own critical
    /// sections are open (invariant 3).
    static STATE: Cell<(bool, u32)> = const { Cell::new((false, 0)) };
}

/// Turns signal mode on or off for the calling thread (Linux).
///
/// With it on, a request to the scope that is current now also sends this
/// thread a dedicated signal whose handler is installed without
/// `SA_RESTART`, so a system call it is blocked in, in code that knows
/// nothing of this crate (a C library, a plain `std` read), fails with
/// `EINTR`. The signal is sent again, after growing delays up to 10 ms,
/// while the request is pending, so a signal that lands just before the
/// call is entered does not leave it blocked. The interrupt never closes or
/// changes a file descriptor: the call is aborted and the resource stays
/// usable. Inside critical sections the signal is held back (blocked) until
/// the outermost one closes. Threads made by [`spawn`](crate::spawn) start
/// with it unblocked, and turning signal mode on unblocks it; a process
/// started from inside such a section inherits it blocked, as it inherits
/// any blocked signal (unblock it in a `pre_exec` if the program uses
/// `SIGRTMAX - 3`).
///
/// Many calls retry on `EINTR` and so do not benefit: `std`'s
/// `read_exact`, `read_to_end`, `write_all` and `io::copy` retry an
/// `ErrorKind::Interrupted` error, `TcpListener::accept` retries `EINTR`
/// itself, and C code often loops on it too. Prefer
/// [`Interruptible`](crate::io::Interruptible), the waits of this crate, or
/// an [`on_interrupt`](crate::InterruptHandle::on_interrupt) callback when
/// you can; signal mode is the last resort.
///
/// The signal is `SIGRTMAX - 3`; handlers that other code installs for it
/// are chained through `signal-hook-registry`, not replaced.
///
/// Called while the thread is exiting (from a thread-local destructor),
/// once the thread's own state is gone: turning signal mode off does
/// nothing (it is off already), and turning it on is an error.
///
/// # Errors
///
/// The operating system's error if the handler cannot be installed; an
/// error of kind `Other` when turning it on while the thread is exiting.
///
/// # Examples
///
/// ```
/// use std::io::Read;
///
/// let (mut reader, _writer) = std::io::pipe()?;
/// let blocked = gracefully::spawn(move || {
///     gracefully::io::signal_on_interrupt(true)?;
///     let mut buffer = [0; 8];
///     let plain = reader.read(&mut buffer); // a plain std read
///     gracefully::check()?; // what ended it
///     plain
/// });
/// std::thread::sleep(std::time::Duration::from_millis(20));
/// blocked.interrupt();
/// let error = blocked.join().unwrap().unwrap_err();
/// assert!(gracefully::ThreadExit::from_io(&error).is_some());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn signal_on_interrupt(enable: bool) -> io::Result<()> {
    if !enable {
        // Once `MODE` is destroyed its entry has been dropped already.
        let _ = MODE.try_with(|mode| mode.borrow_mut().take()); // drops the entry
        set_active(false);
        return Ok(());
    }
    let exiting = || io::Error::other("signal mode cannot be turned on: the thread is exiting");
    if MODE
        .try_with(|mode| mode.borrow().is_some())
        .map_err(|_| exiting())?
    {
        return Ok(());
    }
    let signal = install()?;
    let scope = current_arc();
    // SAFETY: `pthread_self` has no preconditions.
    let thread = unsafe { libc::pthread_self() };
    let entry = scope.add_signal(ThreadSignal { thread, signal });
    let mode = Mode { scope, entry };
    // On failure the closure, and `mode` with it, is dropped: its drop
    // removes the entry again.
    MODE.try_with(move |slot| *slot.borrow_mut() = Some(mode))
        .map_err(|_| exiting())?;
    set_active(true);
    Ok(())
}

/// Signal mode for one system call that might block although its
/// descriptor polled ready (another reader took the data): on, if it was
/// off, until the guard drops. For [`Interruptible`](crate::io::Interruptible).
pub(crate) struct CallGuard {
    turned_on: bool,
}

impl CallGuard {
    /// Turns signal mode on for the current scope, unless it is on.
    pub(crate) fn new() -> io::Result<Self> {
        if STATE.try_with(|state| state.get().0).unwrap_or(true) {
            return Ok(Self { turned_on: false });
        }
        signal_on_interrupt(true)?;
        Ok(Self { turned_on: true })
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        if self.turned_on {
            let _ = signal_on_interrupt(false);
        }
    }
}

/// Turns signal mode's mask on or off to match the open sections; nothing
/// once the thread's state is gone. Turning it on outside a section
/// unblocks the signal even if the mask says otherwise: a thread may have
/// inherited it blocked from a section of the thread that spawned it.
fn set_active(active: bool) {
    let _ = STATE.try_with(|state| {
        let (was, depth) = state.get();
        state.set((active, depth));
        if depth > 0 && was != active {
            mask(active);
        } else if depth == 0 && active {
            mask(false);
        }
    });
}

/// For a thread made by `spawn`: unblocks the signal, which the thread
/// inherits blocked when it was spawned inside a critical section of a
/// thread in signal mode. Nothing if signal mode was never used.
pub(crate) fn start_unmasked() {
    if INSTALLED_SIGNAL.get().is_some() {
        mask(false);
    }
}

/// Has a signal already sent to this thread, if it is in signal mode,
/// delivered now: a return from any system call delivers the pending,
/// unblocked signals, and the handler does nothing. For `clear`, so that
/// no signal of a cleared request lands later.
pub(crate) fn take_pending() {
    if STATE.try_with(|state| state.get().0).unwrap_or(false) {
        // SAFETY: `sched_yield` has no preconditions.
        unsafe { libc::sched_yield() };
    }
}

/// A critical section of the thread's own opens (invariant 3).
pub(crate) fn enter_critical() {
    let _ = STATE.try_with(|state| {
        let (active, depth) = state.get();
        state.set((active, depth + 1));
        if active && depth == 0 {
            mask(true);
        }
    });
}

/// A critical section of the thread's own closes (invariant 3).
pub(crate) fn exit_critical() {
    let _ = STATE.try_with(|state| {
        let (active, depth) = state.get();
        state.set((active, depth.saturating_sub(1)));
        if active && depth == 1 {
            mask(false);
        }
    });
}

/// Blocks or unblocks the signal on the calling thread.
fn mask(block: bool) {
    // SAFETY: `sigset_t` is a plain C type for which all zeroes is valid;
    // `sigemptyset` initializes it before use.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable `sigset_t`, and the signal number
    // is a valid one; `pthread_sigmask` only reads `set`.
    unsafe {
        libc::sigemptyset(&raw mut set);
        libc::sigaddset(&raw mut set, signal_number());
        let how = if block {
            libc::SIG_BLOCK
        } else {
            libc::SIG_UNBLOCK
        };
        libc::pthread_sigmask(how, &raw const set, std::ptr::null_mut());
    }
}

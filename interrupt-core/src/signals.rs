//! Termination signals as requests (unix, feature `signals`):
//! [`install`] and the [`Signals`] builder.
//!
//! On Windows there is no such module yet: Ctrl-C there ends the process as
//! usual. Call [`interrupt_all`](crate::interrupt_all) from a console
//! handler of your own to get the same effect.
//!
//! # Invariants
//!
//! 1. The signal handlers do only async-signal-safe work: `signal-hook`'s
//!    self-pipe write, an atomic load, and `_exit`. Requesting the scopes
//!    happens on the `gracefully-signals` thread.
//! 2. Handlers are chained through `signal-hook-registry`: handlers that
//!    other code installed before or after keep running.
//! 3. A signal that was ignored when `install` ran (`nohup`, `trap '' HUP`)
//!    stays ignored: no handler is installed for it.
//! 4. Every handled signal is counted in its handler (`Arming::unhandled`,
//!    one atomic add), so signals that arrive together are each seen even
//!    when the signal thread is woken once for them. A signal is a second
//!    one when another is still unhandled before it, or while a request is
//!    pending on the scope that installed the handlers (`Arming::installer`,
//!    one atomic load); `clear()` on that scope re-arms.
//! 5. One installation at a time: installing again with the same signals
//!    and the same kind of second-signal action adds a handle to it, any
//!    other configuration is an error; the handlers go with the last
//!    handle's `uninstall`.
//! 6. After `fork()` the child has the handlers but not the signal thread:
//!    its signals are counted (a second one still exits, with
//!    `SecondSignal::Exit`) but request nothing until the child calls
//!    `install` again, which drops the parent's installation (its handlers
//!    are unregistered, its thread and self-pipe left alone, as they are
//!    the parent's) and installs anew.

use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;
use std::thread;

use signal_hook::SigId;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals as SignalStream;
use signal_hook::iterator::backend::Handle as StreamHandle;
use signal_hook::low_level;

use crate::current::current_arc;
use crate::exit::Cause;
use crate::handle::interrupt_all_with;
use crate::scope::Scope;
use crate::sync::global::{AtomicBool, Mutex, lock};
use crate::sync::{Arc, AtomicUsize, Ordering};

/// Installs the default handling: SIGINT, SIGTERM and SIGHUP request every
/// live scope with [`Cause::Signal`]; a second one of them, while the first
/// is being handled, exits the process at once with status 128 + its
/// number (130 for SIGINT). The same as `Signals::new().install()`.
///
/// # Errors
///
/// The operating system's error if a handler or the signal thread cannot be
/// set up.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
///
/// fn main() -> std::io::Result<()> {
///     let _signals = gracefully::signals::install()?;
///     let worker = gracefully::spawn(|| loop {
///         gracefully::sleep(Duration::from_secs(1))?; // Ctrl-C ends this
///     });
///     let stopped: Result<(), gracefully::ThreadExit> = worker.join().unwrap();
///     println!("worker stopped: {}", stopped.unwrap_err());
///     Ok(())
/// }
/// ```
pub fn install() -> io::Result<SignalsHandle> {
    Signals::new().install()
}

/// What a second signal does: one that arrives while the request of an
/// earlier one is still pending on the scope that installed the handlers
/// (after that scope calls `clear()`, the next signal is a first one
/// again), or together with an earlier one that has not been handled yet.
#[non_exhaustive]
pub enum SecondSignal {
    /// Exit at once, from the signal handler, with status 128 + the
    /// signal's number (130 for SIGINT, 143 for SIGTERM). The default.
    Exit,
    /// Nothing more: the shutdown goes on.
    Ignore,
    /// Call this on the signal thread, with the signal's number: to
    /// escalate in your own way (a supervisor kills its children, say).
    Run(Box<dyn Fn(i32) + Send + Sync>),
}

impl fmt::Debug for SecondSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecondSignal::Exit => f.write_str("Exit"),
            SecondSignal::Ignore => f.write_str("Ignore"),
            SecondSignal::Run(_) => f.write_str("Run(..)"),
        }
    }
}

/// Chooses the signals and what a second one does; then [`install`](Signals::install).
///
/// # Examples
///
/// ```
/// use gracefully::signals::{SecondSignal, Signals};
///
/// const SIGTERM: i32 = 15;
/// let handle = Signals::new()
///     .signals(&[SIGTERM])
///     .on_second(SecondSignal::Run(Box::new(|signal| eprintln!("signal {signal} again"))))
///     .install()?;
/// handle.uninstall();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "nothing is installed until `install` is called"]
pub struct Signals {
    signals: Vec<i32>,
    second: SecondSignal,
}

impl Default for Signals {
    /// The same as [`Signals::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl Signals {
    /// SIGINT, SIGTERM and SIGHUP; a second one exits.
    ///
    /// # Examples
    ///
    /// ```
    /// let signals = gracefully::signals::Signals::new();
    /// # drop(signals);
    /// ```
    pub fn new() -> Self {
        Self {
            signals: vec![SIGINT, SIGTERM, SIGHUP],
            second: SecondSignal::Exit,
        }
    }

    /// Handles these signals instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let signals = gracefully::signals::Signals::new().signals(&[2, 15]); // SIGINT, SIGTERM
    /// # drop(signals);
    /// ```
    pub fn signals(mut self, signals: &[i32]) -> Self {
        self.signals = signals.to_vec();
        self
    }

    /// What a second signal does while the first is being handled.
    ///
    /// # Examples
    ///
    /// ```
    /// use gracefully::signals::{SecondSignal, Signals};
    ///
    /// let signals = Signals::new().on_second(SecondSignal::Ignore);
    /// # drop(signals);
    /// ```
    pub fn on_second(mut self, second: SecondSignal) -> Self {
        self.second = second;
        self
    }

    /// Installs the handlers and starts the `gracefully-signals` thread.
    ///
    /// The calling thread's current scope is the installer: while a request
    /// is pending on it, a signal counts as a second one. Installing while
    /// an installation with the same signals and the same kind of
    /// [`on_second`](Signals::on_second) action is active changes nothing
    /// and returns another handle to it; the handlers stay until every
    /// handle has been uninstalled. Signals ignored at this moment stay
    /// ignored.
    ///
    /// # Errors
    ///
    /// The operating system's error if a handler or the thread cannot be set
    /// up; an error of kind `AlreadyExists` that says what is installed when
    /// an installation with another configuration (or a
    /// [`SecondSignal::Run`] action, which cannot be compared) is active.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = gracefully::signals::Signals::new().install()?;
    /// handle.uninstall();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn install(self) -> io::Result<SignalsHandle> {
        let mut state = lock(state());
        if let Some(stale) = state
            .active
            .take_if(|active| active.process != crate::process::id())
        {
            // Forked: that installation's thread is the parent's (invariant 6).
            stale.forget_in_child();
            state.handles = 0;
        }
        if let Some(active) = &state.active {
            let mut wanted = self.signals.clone();
            wanted.sort_unstable();
            wanted.dedup();
            let same = active.signals == wanted
                && matches!(
                    (&active.second, &self.second),
                    (SecondKind::Exit, SecondSignal::Exit)
                        | (SecondKind::Ignore, SecondSignal::Ignore)
                );
            if !same {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "signal handling is already installed for signals {:?} with on_second {:?}; uninstall it first",
                        active.signals, active.second
                    ),
                ));
            }
            state.handles += 1;
        } else {
            // An earlier `uninstall` left default-action emulations behind
            // for some signals: take those out first.
            state.emulations.retain(|&(signal, id)| {
                let handled = self.signals.contains(&signal);
                if handled {
                    low_level::unregister(id);
                }
                !handled
            });
            state.active = Some(Installation::new(self)?);
            state.handles = 1;
        }
        Ok(SignalsHandle { _private: () })
    }
}

struct State {
    active: Option<Installation>,
    /// Handles to `active` not yet uninstalled (invariant 5).
    handles: usize,
    /// Default actions emulated after an `uninstall` (see `Installation::remove`).
    emulations: Vec<(i32, SigId)>,
}

fn state() -> &'static Mutex<State> {
    static STATE: OnceLock<Mutex<State>> = OnceLock::new();
    STATE.get_or_init(|| {
        Mutex::new(State {
            active: None,
            handles: 0,
            emulations: Vec::new(),
        })
    })
}

/// Lets a program take its handlers out again; dropping it leaves them in.
///
/// # Examples
///
/// ```
/// let handle = gracefully::signals::install()?;
/// handle.uninstall(); // SIGINT ends the process again, as before
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct SignalsHandle {
    _private: (),
}

impl SignalsHandle {
    /// Gives this handle up; with the last one, removes the handlers and
    /// stops the signal thread. A signal whose action was the default
    /// before [`install`] gets its default action back; handlers of other
    /// code stay.
    ///
    /// # Examples
    ///
    /// ```
    /// gracefully::signals::install()?.uninstall();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn uninstall(self) {
        let mut state = lock(state());
        state.handles = state.handles.saturating_sub(1);
        if state.handles > 0 {
            return; // another handle still wants the handlers (invariant 5)
        }
        if let Some(installation) = state.active.take() {
            let emulations = installation.remove();
            state.emulations.extend(emulations);
        }
    }
}

/// What the handlers and the signal thread share (invariant 4).
struct Arming {
    /// Signals counted by the handlers and not yet handled by the thread.
    unhandled: AtomicUsize,
    /// While a request is pending on it, a signal is a second one.
    installer: Arc<Scope>,
}

/// The kind of an installation's second-signal action, to compare a later
/// `install` with.
#[derive(Debug)]
enum SecondKind {
    Exit,
    Ignore,
    Run,
}

struct Installation {
    /// The process it was made in (invariant 6).
    process: u32,
    /// The signals asked for, sorted.
    signals: Vec<i32>,
    second: SecondKind,
    registered: Vec<SigId>,
    stream: StreamHandle,
    thread: Option<thread::JoinHandle<()>>,
    /// Signals whose action was the default before installing.
    defaults: Vec<i32>,
}

impl Installation {
    fn new(config: Signals) -> io::Result<Self> {
        let Signals {
            mut signals,
            second,
        } = config;
        signals.sort_unstable();
        signals.dedup();
        let mut defaults = Vec::new();
        let mut handled = Vec::new();
        for &signal in &signals {
            match disposition(signal)? {
                Disposition::Ignored => {} // invariant 3
                Disposition::Default => {
                    defaults.push(signal);
                    handled.push(signal);
                }
                Disposition::Handled => handled.push(signal),
            }
        }
        let arming = Arc::new(Arming {
            unhandled: AtomicUsize::new(0),
            installer: current_arc(),
        });
        let exit_on_second = matches!(second, SecondSignal::Exit);
        let mut registered = Vec::new();
        // Registered before the stream, so a signal is counted before the
        // signal thread hears of it (invariant 4).
        for &signal in &handled {
            let arming = Arc::clone(&arming);
            let count = move || {
                // SeqCst: one order of counts and requests for all threads.
                let earlier = arming.unhandled.fetch_add(1, Ordering::SeqCst);
                if exit_on_second && (earlier > 0 || arming.installer.is_requested()) {
                    low_level::exit(128 + signal);
                }
            };
            // SAFETY: the handler only adds to an atomic, loads one (the
            // scope's state word) and calls `_exit`: all async-signal-safe
            // (invariant 1).
            registered.push(unsafe { low_level::register(signal, count) }?);
        }
        let second_kind = match &second {
            SecondSignal::Exit => SecondKind::Exit,
            SecondSignal::Ignore => SecondKind::Ignore,
            SecondSignal::Run(_) => SecondKind::Run,
        };
        let mut stream = SignalStream::new(&handled)?;
        let handle = stream.handle();
        let thread = thread::Builder::new()
            .name("gracefully-signals".into())
            .spawn(move || {
                for signal in stream.forever() {
                    // Signals that came together may wake this thread once:
                    // each counted one is handled (invariant 4).
                    let count = arming.unhandled.swap(0, Ordering::SeqCst);
                    for earlier in 0..count {
                        if earlier == 0 && !arming.installer.is_requested() {
                            // Every scope is requested even if a callback
                            // panics; the panic hook has reported the
                            // panic, and this thread must live on.
                            drop(interrupt_all_with(Cause::Signal(signal)));
                        } else if let SecondSignal::Run(action) = &second {
                            // Likewise for a panicking action.
                            drop(panic::catch_unwind(AssertUnwindSafe(|| action(signal))));
                        }
                    }
                }
            })?;
        Ok(Self {
            process: crate::process::id(),
            signals,
            second: second_kind,
            registered,
            stream: handle,
            thread: Some(thread),
            defaults,
        })
    }

    /// In a forked child: unregisters the counting handlers and leaves the
    /// rest alone: the thread does not exist here, and the self-pipe is
    /// shared with the parent (invariant 6).
    fn forget_in_child(mut self) {
        for id in self.registered.drain(..) {
            low_level::unregister(id);
        }
        std::mem::forget(self);
    }

    /// Takes the handlers out; returns the default-action emulations it
    /// registered in their place.
    fn remove(mut self) -> Vec<(i32, SigId)> {
        for id in self.registered.drain(..) {
            low_level::unregister(id);
        }
        self.stream.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // The registry keeps its own handler installed: emulate the default
        // action behind it, as if nothing had been installed.
        let always = Arc::new(AtomicBool::new(true));
        self.defaults
            .iter()
            .filter_map(|&signal| {
                signal_hook::flag::register_conditional_default(signal, Arc::clone(&always))
                    .ok()
                    .map(|id| (signal, id))
            })
            .collect()
    }
}

enum Disposition {
    Default,
    Ignored,
    Handled,
}

/// The current action of `signal`.
fn disposition(signal: i32) -> io::Result<Disposition> {
    // SAFETY: `sigaction` is a plain C struct for which all zeroes is a
    // valid value; it is only an out-parameter here.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only reads the current one into `action`,
    // a valid, writable struct.
    if unsafe { libc::sigaction(signal, std::ptr::null(), &raw mut action) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(match action.sa_sigaction {
        libc::SIG_DFL => Disposition::Default,
        libc::SIG_IGN => Disposition::Ignored,
        _ => Disposition::Handled,
    })
}
